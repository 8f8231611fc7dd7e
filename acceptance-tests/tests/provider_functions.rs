//! Provider-defined functions through the real `terraform` (1.8+ calls them over CallFunction):
//! `provider::oci::parse_oci_uri` and `provider::oci::oci_uri`, their results as outputs, and a
//! bad argument as an error that names the parameter and points at the call.

use acceptance_tests::{Workdir, mirror};
use serde_json::{Value, json};

const HEADER: &str = r#"terraform {
  required_providers {
    oci = { source = "ocilab/oci" }
  }
}
"#;

/// A working directory holding only `body` (no provider block: functions need no configuration).
fn workdir(body: &str) -> Workdir {
    let wd = Workdir::new(&mirror());
    wd.write_config(&format!("{HEADER}\n{body}"));
    wd.init();
    wd
}

/// Terraform wraps long diagnostics; compare with whitespace runs as single spaces.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn functions_parse_and_build_oci_uris() {
    let wd = workdir(
        r#"
locals {
  script = provider::oci::parse_oci_uri("oci://dataflow-lab-input@ns1/scripts/etl_sales.py")
}

output "parsed" {
  value = local.script
}

output "regional" {
  value = provider::oci::parse_oci_uri("oci://logs@ns1.us-phoenix-1/")
}

output "built" {
  value = provider::oci::oci_uri("dataflow-lab-output", "ns1", "curated/sales_parquet/")
}

output "round_trip" {
  value = provider::oci::oci_uri(local.script.bucket, local.script.namespace, local.script.object)
}
"#,
    );
    wd.apply();
    let out = wd.run(&["output", "-json"]);
    out.assert_success();
    let outputs: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        outputs["parsed"]["value"],
        json!({"bucket": "dataflow-lab-input", "namespace": "ns1", "region": null,
               "object": "scripts/etl_sales.py"})
    );
    assert_eq!(outputs["regional"]["value"]["region"], "us-phoenix-1");
    assert_eq!(outputs["regional"]["value"]["object"], "");
    assert_eq!(
        outputs["built"]["value"],
        "oci://dataflow-lab-output@ns1/curated/sales_parquet/"
    );
    assert_eq!(
        outputs["round_trip"]["value"],
        "oci://dataflow-lab-input@ns1/scripts/etl_sales.py"
    );
}

#[test]
fn a_bad_uri_is_an_error_naming_the_argument() {
    let wd = workdir(
        r#"
output "bad" {
  value = provider::oci::parse_oci_uri("s3://bucket/key")
}
"#,
    );
    let out = wd.run(&["plan", "-input=false", "-no-color"]);
    assert!(!out.success(), "{}", out.combined());
    let text = flat(&out.combined());
    assert!(
        text.contains(
            "Invalid value for \"uri\" parameter: \"s3://bucket/key\" is not an Object Storage URI"
        ),
        "{text}"
    );
    // Terraform points at the call it refused.
    assert!(
        text.contains("on main.tf line 9, in output \"bad\": 9: value = provider::oci::parse_oci_uri(\"s3://bucket/key\")"),
        "{text}"
    );
}

#[test]
fn a_bad_part_of_a_built_uri_names_that_argument() {
    let wd = workdir(
        r#"
output "bad" {
  value = provider::oci::oci_uri("out", "name.space", "x")
}
"#,
    );
    let out = wd.run(&["plan", "-input=false", "-no-color"]);
    assert!(!out.success(), "{}", out.combined());
    let text = flat(&out.combined());
    assert!(
        text.contains(
            "Invalid value for \"namespace\" parameter: the namespace \"name.space\" contains '.'"
        ),
        "{text}"
    );
}

/// Every `examples/functions/<name>/function.tf` (embedded in docs/functions/) applies.
#[test]
fn function_examples_apply() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/functions");
    let mut applied = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let example = std::fs::read_to_string(entry.path().join("function.tf")).unwrap();
        let wd = workdir(&example);
        wd.apply();
        let out = wd.run(&["output", "-json"]);
        out.assert_success();
        let outputs: Value = serde_json::from_str(&out.stdout).unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(
            outputs.as_object().is_some_and(|o| !o.is_empty()),
            "{name}: the example shows no result: {outputs}"
        );
        assert!(
            example.contains(&format!("provider::oci::{name}(")),
            "examples/functions/{name} calls its function"
        );
        applied += 1;
    }
    // That every function has one is checked with the registry (provider/tests/docs_up_to_date.rs).
    assert!(applied > 0, "no function examples under {}", dir.display());
}
