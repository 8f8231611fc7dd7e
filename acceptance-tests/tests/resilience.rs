//! What users rely on when things go wrong: transient OCI failures are retried through to a
//! successful apply, and an emulator killed with SIGKILL comes back with everything it
//! acknowledged, so Terraform sees no drift.

use acceptance_tests::Env;
use serde_json::json;

fn lab(env: &Env) -> String {
    format!(
        r#"
resource "oci_objectstorage_bucket" "b" {{
  compartment_id = "{tenancy}"
  namespace      = "{ns}"
  name           = "acc-resilience"
  freeform_tags  = {{ lab = "dataflow" }}
}}

resource "oci_objectstorage_object" "o" {{
  namespace = oci_objectstorage_bucket.b.namespace
  bucket    = oci_objectstorage_bucket.b.name
  object    = "sales.csv"
  content   = "order_id,amount\n1001,120.50\n"
}}
"#,
        tenancy = env.tenancy(),
        ns = env.namespace()
    )
}

#[test]
fn apply_rides_through_transient_faults_without_duplicates() {
    let env = Env::new();
    env.init_with(&lab(&env));
    env.emulator
        .add_fault(json!({"operation": "CreateBucket", "status": 503, "count": 2}));
    env.emulator
        .add_fault(json!({"operation": "PutObject", "status": 429, "count": 1}));
    env.emulator
        .add_fault(json!({"operation": "GetBucket", "status": 500, "count": 1}));
    env.wd.step();

    let calls = |op: &str| {
        env.emulator
            .requests()
            .iter()
            .filter(|r| r.operation.as_deref() == Some(op))
            .map(|r| r.status.unwrap_or_default())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        calls("CreateBucket"),
        [503, 503, 200],
        "retried until it succeeded"
    );
    assert_eq!(calls("PutObject")[..2], [429, 200]);
    let dump = env.emulator.dump();
    assert_eq!(
        dump["buckets"].as_array().unwrap().len(),
        1,
        "no duplicate bucket"
    );
    assert_eq!(dump["objects"].as_array().unwrap().len(), 1);
}

#[test]
fn non_retryable_failure_is_reported_and_nothing_is_half_recorded() {
    let env = Env::new();
    env.init_with(&lab(&env));
    env.emulator.add_fault(json!({
        "operation": "PutObject", "status": 400, "code": "InvalidParameter",
        "message": "injected: the object was refused", "count": 1
    }));
    let out = env.wd.try_apply();
    assert!(!out.success());
    let text = out.combined();
    assert!(text.contains("Upload Object Error"), "{text}");
    assert!(
        text.contains("InvalidParameter") && text.contains("opc-request-id"),
        "{text}"
    );
    // The bucket was created and is tracked; the object was not, so the next apply creates it.
    assert!(
        env.wd
            .resource_values("oci_objectstorage_bucket.b")
            .is_some()
    );
    assert!(
        env.wd
            .resource_values("oci_objectstorage_object.o")
            .is_none()
    );
    assert_eq!(
        env.wd.plan().actions("oci_objectstorage_object.o"),
        ["create"]
    );
    env.wd.step();
}

#[test]
fn emulator_killed_after_apply_loses_nothing() {
    let mut env = Env::new();
    env.init_with(&lab(&env));
    env.wd.step();
    let before = env.emulator.dump();

    env.emulator.crash_and_restart();
    assert_eq!(env.emulator.dump()["buckets"], before["buckets"]);
    assert_eq!(env.emulator.dump()["objects"], before["objects"]);
    assert!(
        env.wd.refresh_plan().drift().is_empty(),
        "state and the restarted emulator agree"
    );
    assert!(env.wd.plan().is_empty());
    env.wd.destroy();
    env.assert_nothing_left();
}
