//! Drop-in from Oracle's provider: a user who applied with `oracle/oci` moves the state to this
//! provider with `terraform state replace-provider`, and the next plan is empty (and a
//! refresh-only plan finds no drift), for every type in `fixtures/oracle-state/`.
//!
//! Each test creates its fixture's resources for real, replaces the state with the one Oracle's
//! provider writes for them (its `schema_version`, attribute forms such as an object's `content`
//! as MD5 hex and `source` as path + mtime, `timeouts`, SDKv2 private data), swaps the provider,
//! and plans. A type joins with a fixture directory and one `swap!` line.

use acceptance_tests::oracle_state::{
    Fixture, ORACLE_ADDRESS, assert_every_type_listed, registered_types,
};
use acceptance_tests::{Env, PROVIDER_ADDRESS};

/// One test per fixture directory, and the list of them.
macro_rules! swap {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                swap_from_oracle(stringify!($name));
            }
        )*
        const SWAPPED: &[&str] = &[$(stringify!($name)),*];
    };
}

swap!(
    dataflow_application,
    dataflow_invoke_run,
    identity_dynamic_group,
    identity_policy,
    objectstorage_bucket,
    objectstorage_object,
    objectstorage_namespace,
);

/// A fixture nobody swaps would be a test that silently does not run.
#[test]
fn every_fixture_has_a_swap_test() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/oracle-state");
    let mut fixtures: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures/oracle-state")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    fixtures.sort();
    let mut listed: Vec<String> = SWAPPED.iter().map(|s| (*s).to_string()).collect();
    listed.sort();
    assert_eq!(fixtures, listed, "fixture directories vs the swap! list");
}

/// Every resource and data source the provider serves has a swap test.
#[test]
fn every_registered_type_is_swapped() {
    let types: Vec<String> = registered_types().into_iter().map(|(t, _)| t).collect();
    assert_every_type_listed(&types, SWAPPED, "a swap! test");
}

/// The fixture's resources created for real, their state replaced by what Oracle's provider
/// writes for them, and moved to this provider with `terraform state replace-provider`.
fn swapped_in(fixture: &str) -> (Fixture, Env) {
    let fixture = Fixture::load(fixture);
    let env = Env::new();
    fixture.create_resources(&env);
    let ours = env.wd.state();
    env.wd
        .write_file("terraform.tfstate", &fixture.oracle_state(&env, &ours));
    let _ = std::fs::remove_file(env.wd.path().join("terraform.tfstate.backup"));

    env.wd
        .run(&[
            "state",
            "replace-provider",
            "-auto-approve",
            "-no-color",
            ORACLE_ADDRESS,
            PROVIDER_ADDRESS,
        ])
        .assert_success();
    let moved = std::fs::read_to_string(env.wd.path().join("terraform.tfstate")).unwrap();
    assert!(
        !moved.contains(ORACLE_ADDRESS) && moved.contains(PROVIDER_ADDRESS),
        "replace-provider did not move the state:\n{moved}"
    );
    (fixture, env)
}

fn swap_from_oracle(fixture: &str) {
    let (_, env) = swapped_in(fixture);
    env.assert_plans_empty(&format!("after the swap from {ORACLE_ADDRESS}"));

    // Accept the refreshed state and plan again: what this provider writes back plans empty too.
    env.wd
        .run(&[
            "apply",
            "-refresh-only",
            "-auto-approve",
            "-input=false",
            "-no-color",
        ])
        .assert_success();
    env.assert_plans_empty("after accepting the refreshed state");

    env.wd.destroy();
    env.assert_nothing_left();
}

/// The object's inline content stays in Oracle's form (its MD5 hex) after the swap: recognised,
/// not re-uploaded, and not stored a second time in full.
#[test]
fn object_content_keeps_the_official_md5_form() {
    let (fixture, env) = swapped_in("objectstorage_object");
    env.emulator.clear_requests();
    env.wd.apply();
    let script = env
        .wd
        .resource_values("oci_objectstorage_object.script")
        .unwrap();
    assert_eq!(script["content"], "0cf17dd590ca51e0896d7965ca501101");
    assert_eq!(script["source"], serde_json::Value::Null);
    let data = env
        .wd
        .resource_values("oci_objectstorage_object.data")
        .unwrap();
    assert_eq!(
        data["source"], "sales.csv",
        "the mtime of Oracle's form is dropped"
    );
    assert!(
        env.emulator.mutating_requests().is_empty(),
        "apply after the swap changed something: {:?}",
        env.emulator.mutating_requests()
    );

    // A real change of content is still an upload of the new bytes.
    env.write(&fixture.config(&env).replace("etl v1", "etl v2"));
    env.wd.apply();
    let ns = env.namespace().to_string();
    let body = env.oci(async |c| {
        c.get_object(
            &ns,
            "swap-lab-objects",
            "scripts/etl.py",
            &Default::default(),
        )
        .await
        .unwrap()
        .value
        .data
    });
    assert_eq!(&body[..], b"print('etl v2')\n");
}
