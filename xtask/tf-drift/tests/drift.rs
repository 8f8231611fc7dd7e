//! `tf-drift` (the built binary) against the lab example applied with the real `terraform`, the
//! built provider and a real emulator process: clean → 0; changes made out of band → 2 naming
//! exactly the changed attributes; a resource deleted out of band → 2, reported as deleted; an
//! unreachable endpoint → 1 with the reason.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use acceptance_tests::{Env, copy_dir, mirror};
use oci_client::services::dataflow::{SparkSettings, UpdateApplicationDetails};
use oci_client::services::identity::UpdatePolicyDetails;
use oci_client::services::objectstorage::UpdateBucketDetails;
use serde_json::Value;

/// One change made behind Terraform's back, and the one attribute the check must name for it.
struct OutOfBand {
    address: &'static str,
    attribute: &'static str,
    change: fn(&Env, &Value),
}

/// Adding a resource type to the lab adds one line here (and its `change` function below).
const OUT_OF_BAND: &[OutOfBand] = &[
    OutOfBand {
        address: r#"oci_objectstorage_bucket.lab["input"]"#,
        attribute: "versioning",
        change: enable_versioning,
    },
    OutOfBand {
        address: "oci_identity_policy.runs",
        attribute: "statements",
        change: widen_policy,
    },
    OutOfBand {
        address: "oci_dataflow_application.sales_etl",
        attribute: "arguments",
        change: change_arguments,
    },
];

/// Someone widens the lab's policy in the console: a statement's verb changes.
fn widen_policy(env: &Env, state: &Value) {
    let id = str_at(state, "id");
    let statements: Vec<String> = state["statements"]
        .as_array()
        .expect("statements in state")
        .iter()
        .map(|s| s.as_str().unwrap().replacen(" read ", " manage ", 1))
        .collect();
    env.oci(async |c| {
        let details = UpdatePolicyDetails {
            statements: Some(statements),
            ..Default::default()
        };
        c.update_policy(&id, &details, None).await.unwrap();
    });
}

/// Someone points the application at another input by hand.
fn change_arguments(env: &Env, state: &Value) {
    let id = str_at(state, "id");
    let mut arguments: Vec<String> = state["arguments"]
        .as_array()
        .expect("arguments in state")
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    arguments[0].push_str(".bak");
    env.oci(async |c| {
        let details = UpdateApplicationDetails {
            settings: SparkSettings {
                arguments: Some(arguments),
                ..Default::default()
            },
            ..Default::default()
        };
        c.update_application(&id, &details, None).await.unwrap();
    });
}

/// `state` is the resource's values in the Terraform state.
fn enable_versioning(env: &Env, state: &Value) {
    let (ns, name) = (env.namespace().to_string(), str_at(state, "name"));
    env.oci(async |c| {
        let details = UpdateBucketDetails {
            versioning: Some("Enabled".into()),
            ..Default::default()
        };
        c.update_bucket(&ns, &name, &details, None).await.unwrap();
    });
}

fn str_at(state: &Value, key: &str) -> String {
    state[key]
        .as_str()
        .unwrap_or_else(|| panic!("no string {key} in {state}"))
        .to_string()
}

/// The lab example, applied.
fn applied_lab() -> Env {
    let mut env = Env::new();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/dataflow-lab"),
        env.wd.path(),
    )
    .unwrap();
    for (k, v) in lab_vars(&env) {
        env.wd.set_env(&k, &v);
    }
    env.wd.init();
    env.wd.apply();
    env
}

fn lab_vars(env: &Env) -> Vec<(String, String)> {
    vec![
        ("TF_VAR_compartment_ocid".into(), env.tenancy().into()),
        (
            "TF_VAR_config_file_profile".into(),
            env.emulator.info.profile.clone(),
        ),
        ("TF_VAR_oci_endpoint".into(), env.emulator.endpoint().into()),
        (
            "OCI_CONFIG_FILE".into(),
            env.emulator.info.config_file.display().to_string(),
        ),
    ]
}

/// Runs the built `tf-drift` in the lab's directory, with the environment terraform needs.
fn tf_drift(env: &Env, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tf-drift"));
    cmd.arg("--chdir")
        .arg(env.wd.path())
        .arg("--terraform")
        .arg(tfplugin::testing::terraform_path())
        .args(args)
        .env("TF_CLI_CONFIG_FILE", mirror().cli_config())
        .env("CHECKPOINT_DISABLE", "1")
        .envs(lab_vars(env))
        .envs(extra_env.iter().copied());
    cmd.output().expect("running tf-drift")
}

/// The `.tf` file and 1-based line where `header` (a block's first line) is.
fn block_location(dir: &Path, header: &str) -> (String, usize) {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tf"))
        .find_map(|e| {
            let text = std::fs::read_to_string(e.path()).unwrap();
            let n = text.lines().position(|l| l.starts_with(header))?;
            Some((e.file_name().to_string_lossy().into_owned(), n + 1))
        })
        .unwrap_or_else(|| panic!("no {header} in {}", dir.display()))
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[track_caller]
fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "tf-drift exit code; stdout:\n{}\nstderr:\n{}",
        stdout(out),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn drift_check_is_clean_then_names_exactly_the_attributes_changed_out_of_band() {
    let env = applied_lab();

    let clean = tf_drift(&env, &["--format", "json"], &[]);
    assert_exit(&clean, 0);
    let doc: Value = serde_json::from_str(&stdout(&clean)).unwrap();
    assert_eq!(doc["drift"], false, "{doc:#}");
    assert!(doc["checked"].as_u64().unwrap() >= 5, "{doc:#}");

    for case in OUT_OF_BAND {
        let state = env
            .wd
            .resource_values(case.address)
            .unwrap_or_else(|| panic!("{} is not in the state", case.address));
        (case.change)(&env, &state);
    }

    let drift = tf_drift(&env, &["--format", "json"], &[]);
    assert_exit(&drift, 2);
    let doc: Value = serde_json::from_str(&stdout(&drift)).unwrap();
    let named: BTreeSet<(String, String)> = doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            assert_eq!(r["kind"], "changed", "{r:#}");
            r["attributes"].as_array().unwrap().iter().map(|a| {
                (
                    r["address"].as_str().unwrap().to_string(),
                    a["attribute"].as_str().unwrap().to_string(),
                )
            })
        })
        .collect();
    let expected: BTreeSet<(String, String)> = OUT_OF_BAND
        .iter()
        .map(|c| (c.address.to_string(), c.attribute.to_string()))
        .collect();
    assert_eq!(named, expected, "{doc:#}");

    // People read the text; CI reads the annotations, which point at the resource's block.
    let github = tf_drift(&env, &["--format", "github"], &[]);
    assert_exit(&github, 2);
    let text = stdout(&github);
    let (file, line) = block_location(
        env.wd.path(),
        r#"resource "oci_objectstorage_bucket" "lab""#,
    );
    let annotation = format!(
        "::error file={file},line={line},title=Drift%3A oci_objectstorage_bucket.lab[\"input\"]::versioning: \"Disabled\" → \"Enabled\""
    );
    assert!(text.contains(&annotation), "no {annotation:?} in:\n{text}");
    let heading = format!("~ oci_objectstorage_bucket.lab[\"input\"] ({file}:{line})");
    assert!(
        text.contains(&format!("Drift: {} of ", OUT_OF_BAND.len())) && text.contains(&heading),
        "{text}"
    );
}

#[test]
fn unreachable_endpoint_is_an_error_with_the_reason() {
    let mut env = applied_lab();
    let endpoint = env
        .emulator
        .endpoint()
        .trim_start_matches("http://")
        .to_string();
    env.emulator.kill();

    // One attempt, so the check fails at once instead of retrying for minutes.
    let out = tf_drift(&env, &[], &[("OCI_DISABLE_AUTO_RETRIES", "true")]);
    assert_exit(&out, 1);
    let text = stdout(&out);
    assert!(
        text.starts_with("drift check failed: `terraform plan -refresh-only` failed"),
        "{text}"
    );
    assert!(
        text.contains(&endpoint),
        "the reason names the endpoint: {text}"
    );

    let json = tf_drift(
        &env,
        &["--format", "json"],
        &[("OCI_DISABLE_AUTO_RETRIES", "true")],
    );
    assert_exit(&json, 1);
    let doc: Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert!(
        doc["error"].as_str().unwrap().contains(&endpoint),
        "{doc:#}"
    );
}

#[test]
fn a_directory_that_is_not_a_root_module_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tf-drift"))
        .arg("--chdir")
        .arg(dir.path().join("missing"))
        .output()
        .unwrap();
    assert_exit(&out, 1);
    assert!(
        stdout(&out).contains("is not a directory"),
        "{}",
        stdout(&out)
    );
}

/// Nothing here is specific to our provider: a module with only Terraform's built-in provider.
#[test]
fn works_in_any_root_module() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"terraform_data\" \"x\" {\n  input = \"a\"\n}\n",
    )
    .unwrap();
    let terraform = tfplugin::testing::terraform_path();
    let apply = Command::new(&terraform)
        .args(["apply", "-auto-approve", "-input=false", "-no-color"])
        .current_dir(dir.path())
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .unwrap();
    assert!(
        apply.status.success(),
        "{}",
        String::from_utf8_lossy(&apply.stderr)
    );
    let out = Command::new(env!("CARGO_BIN_EXE_tf-drift"))
        .arg("--chdir")
        .arg(dir.path())
        .arg("--terraform")
        .arg(&terraform)
        .args(["--init", "--format", "json"])
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        (doc["drift"].clone(), doc["checked"].clone()),
        (false.into(), 1.into()),
        "{doc:#}"
    );
}

#[test]
fn a_resource_deleted_out_of_band_is_reported_as_deleted() {
    let env = applied_lab();
    let address = "oci_objectstorage_object.sales_csv";
    let state = env.wd.resource_values(address).unwrap();
    let (ns, bucket, object) = (
        env.namespace().to_string(),
        str_at(&state, "bucket"),
        str_at(&state, "object"),
    );
    env.oci(async |c| c.delete_object(&ns, &bucket, &object, None).await.unwrap());

    let out = tf_drift(&env, &[], &[]);
    assert_exit(&out, 2);
    let text = stdout(&out);
    let (file, line) = block_location(
        env.wd.path(),
        r#"resource "oci_objectstorage_object" "sales_csv""#,
    );
    assert!(
        text.contains(&format!(
            "- {address} ({file}:{line})\n    deleted outside Terraform"
        )),
        "{text}"
    );
    assert!(
        text.starts_with("Drift: 1 of "),
        "only the object drifted: {text}"
    );
}
