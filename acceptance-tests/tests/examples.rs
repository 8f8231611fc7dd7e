//! Every HCL example under `examples/` is applied against the emulator, so none can rot: the
//! lab, each `resources/<type>/resource.tf` (whose `import.sh` command is then run with
//! import-verify), and each data source example.

use std::path::{Path, PathBuf};

use acceptance_tests::Env;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

/// An example that is a fragment (no provider block): provider header + its files.
fn env_with_fragment(dir: &Path) -> Env {
    let mut env = Env::new();
    let tenancy = env.tenancy().to_string();
    env.wd.set_env("TF_VAR_compartment_ocid", &tenancy);
    env.wd.set_env("TF_VAR_tenancy_ocid", &tenancy);
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".tf") {
            env.write(&std::fs::read_to_string(entry.path()).unwrap());
        } else if name != "import.sh" {
            std::fs::copy(entry.path(), env.wd.path().join(&name)).unwrap();
        }
    }
    env.wd.init();
    env
}

/// `terraform import ADDRESS "ID"` from an import.sh, with `<namespace>` and an `<…_ocid>`
/// placeholder filled in (the OCID from `state_id`, the resource's id in state).
fn import_command(
    dir: &Path,
    namespace: &str,
    state_id: impl Fn(&str) -> String,
) -> (String, String) {
    let text = std::fs::read_to_string(dir.join("import.sh")).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("terraform import "))
        .expect("an import command");
    let rest = line.trim_start_matches("terraform import ");
    let (address, id) = rest.split_once(' ').unwrap();
    let id = id
        .trim()
        .trim_matches('"')
        .replace("<namespace>", namespace);
    // `<…_ocid>` (IAM examples) or `ocid1.<kind>.oc1.<region>.<unique_id>` (Data Flow examples).
    let placeholder = (id.starts_with('<') && id.ends_with("_ocid>"))
        || (id.starts_with("ocid1.") && id.contains('<'));
    let id = if placeholder { state_id(address) } else { id };
    (address.to_string(), id)
}

/// Attributes that read cannot return after an import as configured: configuration-only values,
/// and policy texts, which come back in the service's spelling (equal in meaning, not in bytes).
const NOT_IMPORTED: &[&str] = &[
    "content",
    "source",
    "force_destroy",
    "terminate_runs_on_deletion",
    "asynchronous",
    "timeouts",
    "matching_rule",
    "statements",
];

/// Every resource example; `terraform-provider-oci`'s registry test ties these directories to
/// the registered types, so a new resource's example is applied here without a new list.
#[test]
fn resource_examples_apply_import_and_destroy() {
    let mut types: Vec<String> = std::fs::read_dir(examples().join("resources"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    types.sort();
    assert!(!types.is_empty(), "no resource examples found");
    for ty in &types {
        let dir = examples().join("resources").join(ty);
        let env = env_with_fragment(&dir);
        env.wd.step();
        let (address, id) = import_command(&dir, env.namespace(), |address| {
            env.wd
                .resource_values(address)
                .expect("imported resource in state")["id"]
                .as_str()
                .expect("an id")
                .to_string()
        });
        assert!(
            address.starts_with(ty.as_str()),
            "{ty}/import.sh imports {address}"
        );
        env.wd.import_verify(&address, &id, NOT_IMPORTED);
        env.wd.destroy();
        env.assert_nothing_left();
    }
}

#[test]
fn data_source_examples_read() {
    let dir = examples().join("data-sources/oci_objectstorage_namespace");
    let env = env_with_fragment(&dir);
    env.wd.apply();
    let out = env.wd.run(&["output", "-raw", "namespace"]);
    out.assert_success();
    assert_eq!(out.stdout.trim(), env.namespace());
}

#[test]
fn provider_example_is_valid() {
    let env = Env::new();
    let text = std::fs::read_to_string(examples().join("provider/provider.tf")).unwrap();
    env.wd.write_config(&format!(
        "terraform {{\n  required_providers {{\n    oci = {{ source = \"ocilab/oci\" }}\n  }}\n}}\n{text}"
    ));
    env.wd.init();
    let out = env.wd.validate();
    out.assert_success();
}

/// The lab as the README's lab command runs it, here through the filesystem mirror.
#[test]
fn dataflow_lab_example_applies_without_drift_and_destroys_cleanly() {
    let env = Env::lab();
    let step = env.wd.step();
    assert!(
        step.plan
            .resource_changes()
            .iter()
            .all(|c| c.actions == ["create"] || c.actions == ["read"])
    );

    let out = env.wd.run(&["output", "-raw", "run_state"]);
    assert_eq!(out.stdout, "SUCCEEDED", "the lab's run succeeded");

    // The inputs, what the run wrote under the output prefix, and its logs.
    let dump = env.emulator.dump();
    let objects: Vec<String> = dump["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o["bucket"].as_str().unwrap(),
                o["name"].as_str().unwrap()
            )
        })
        .collect();
    let has = |f: &dyn Fn(&str) -> bool| objects.iter().any(|o| f(o));
    assert!(has(&|o| o == "dataflow-lab-input/sales.csv"), "{objects:?}");
    assert!(
        has(&|o| o == "dataflow-lab-input/scripts/etl_sales.py"),
        "{objects:?}"
    );
    assert!(
        has(&|o| o == "dataflow-lab-output/curated/sales_parquet/_SUCCESS"),
        "{objects:?}"
    );
    assert!(
        has(
            &|o| o.starts_with("dataflow-lab-output/curated/sales_parquet/part-")
                && o.ends_with(".parquet")
        ),
        "{objects:?}"
    );
    assert!(
        has(&|o| o.starts_with("dataflow-lab-logs/") && o.ends_with(".log.gz")),
        "{objects:?}"
    );
    let out = env.wd.run(&["output", "-raw", "output_uri"]);
    assert_eq!(
        out.stdout,
        format!(
            "oci://dataflow-lab-output@{}/curated/sales_parquet/",
            env.namespace()
        )
    );

    env.wd.destroy();
    env.assert_nothing_left();
}

/// Every example is in `terraform fmt` style, so users copy canonical HCL (and CI diffs stay clean).
#[test]
fn examples_are_terraform_fmt_clean() {
    let out = std::process::Command::new(tfplugin::testing::terraform_path())
        .args(["fmt", "-check", "-recursive", "-diff", "-no-color"])
        .current_dir(examples())
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .output()
        .expect("terraform runs");
    assert!(
        out.status.success(),
        "terraform fmt -check found unformatted examples:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
