//! Config generation: for every managed resource of each fixture in `fixtures/oracle-state/`
//! (one per resource type), an `import {}` block plus `terraform plan -generate-config-out`
//! gives a configuration that, once the import is applied, plans empty. A type joins with its
//! fixture directory and one `generate!` line (data sources have nothing to import).

use acceptance_tests::Env;
use acceptance_tests::oracle_state::{Fixture, assert_every_type_listed, registered_types};

/// One test per fixture directory of a resource type, and the list of them.
macro_rules! generate {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                generated_config_plans_empty(stringify!($name));
            }
        )*
        const GENERATED: &[&str] = &[$(stringify!($name)),*];
    };
}

generate!(
    dataflow_application,
    dataflow_invoke_run,
    identity_dynamic_group,
    identity_policy,
    objectstorage_bucket,
    objectstorage_object,
);

/// Every resource type the provider serves has a config-generation test.
#[test]
fn every_registered_resource_type_is_generated() {
    let resources: Vec<String> = registered_types()
        .into_iter()
        .filter(|(_, data)| !data)
        .map(|(t, _)| t)
        .collect();
    assert_every_type_listed(&resources, GENERATED, "a generate! test");
}

fn generated_config_plans_empty(fixture: &str) {
    let fixture = Fixture::load(fixture);
    let env = Env::new();
    fixture.create_resources(&env);
    let state = env.wd.state();
    let resources: Vec<(String, String)> = state["values"]["root_module"]["resources"]
        .as_array()
        .expect("resources in state")
        .iter()
        .filter(|r| r["mode"] == "managed")
        .map(|r| {
            let address = r["address"].as_str().unwrap().to_string();
            let id = r["values"]["id"].as_str().expect("an id").to_string();
            (address, id)
        })
        .collect();
    assert!(
        !resources.is_empty(),
        "fixture {} has no resources",
        fixture.name
    );

    // Forget everything Terraform knew: only import blocks remain.
    for f in ["terraform.tfstate", "terraform.tfstate.backup"] {
        let _ = std::fs::remove_file(env.wd.path().join(f));
    }
    let imports: String = resources
        .iter()
        .map(|(to, id)| format!("import {{\n  to = {to}\n  id = \"{id}\"\n}}\n\n"))
        .collect();
    env.write(&imports);
    let generate = env.wd.run(&[
        "plan",
        "-input=false",
        "-no-color",
        "-generate-config-out=generated.tf",
    ]);
    generate.assert_success();
    let generated = std::fs::read_to_string(env.wd.path().join("generated.tf"))
        .expect("terraform wrote generated.tf");
    for (address, _) in &resources {
        let (ty, name) = address.split_once('.').unwrap();
        assert!(
            generated.contains(&format!("resource \"{ty}\" \"{name}\"")),
            "no {address} in generated.tf:\n{generated}"
        );
    }

    let apply = env.wd.apply();
    assert!(
        apply.stdout.contains(&format!(
            "{} imported, 0 added, 0 changed, 0 destroyed",
            resources.len()
        )),
        "the import changed something:\n{}\n--- generated.tf ---\n{generated}",
        apply.stdout
    );
    env.assert_plans_empty(&format!(
        "after importing with this generated configuration\n--- generated.tf ---\n{generated}"
    ));
}
