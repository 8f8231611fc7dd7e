//! `data.oci_objectstorage_namespace` against real terraform, the built provider and a real emulator.

use acceptance_tests::{Env, assert_attribute_error};

#[test]
fn namespace_data_source_reads_the_tenancy_namespace() {
    let env = Env::new();
    env.init_with(&format!(
        r#"
data "oci_objectstorage_namespace" "default" {{}}
data "oci_objectstorage_namespace" "by_compartment" {{
  compartment_id = "{tenancy}"
}}
output "ns" {{ value = data.oci_objectstorage_namespace.default.namespace }}
output "ns2" {{ value = data.oci_objectstorage_namespace.by_compartment.namespace }}
"#,
        tenancy = env.tenancy()
    ));
    env.wd.apply();
    let out = env.wd.run(&["output", "-json"]);
    out.assert_success();
    let outputs: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(outputs["ns"]["value"], env.namespace());
    assert_eq!(outputs["ns2"]["value"], env.namespace());
    assert!(env.wd.plan().is_empty());
    assert!(
        env.emulator.mutating_requests().is_empty(),
        "a data source only reads"
    );
}

#[test]
fn namespace_data_source_rejects_a_non_ocid() {
    let env = Env::new();
    env.init_with("data \"oci_objectstorage_namespace\" \"n\" {\n  compartment_id = \"root\"\n}\n");
    assert_attribute_error(
        &env.wd.run(&["plan", "-input=false", "-no-color"]),
        "Invalid OCID",
        "compartment_id",
    );
}
