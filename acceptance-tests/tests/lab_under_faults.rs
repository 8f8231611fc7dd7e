//! The whole Data Flow lab (examples/dataflow-lab) on a hostile network: 30 % of calls answered
//! 429/500/503, 2 % of answers lost after the emulator did the work (the case retry tokens are
//! for) and 200 ms on every call, all from fixed seeds. Apply and destroy must be green, create
//! nothing twice and leave nothing behind; and when the retry budget runs out the diagnostic says
//! which operation, the last status and its opc-request-id.

use std::time::Instant;

use acceptance_tests::Env;
use serde_json::json;

/// Writes whose first answer is lost after the emulator did the work.
const LOST_ONCE: [&str; 10] = [
    "CreateBucket",
    "PutObject",
    "CreateDynamicGroup",
    "CreatePolicy",
    "CreateApplication",
    "CreateRun",
    "DeleteBucket",
    "DeleteObject",
    "DeletePolicy",
    "DeleteApplication",
];

/// The fault rules of the scenario. The drop is tried first (2 % of all calls); the three status
/// rules then share 30 % of all calls equally (each probability is conditional on the rules
/// before it not having fired).
fn hostile_network(env: &Env) {
    env.emulator.add_fault(json!({"latency_ms": 200}));
    // The lab makes few calls (2 % of them may be none), so each write loses its first answer
    // for sure: every create and delete is retried after it took effect.
    for op in LOST_ONCE {
        env.emulator.add_fault(
            json!({"operation": op, "drop_connection": true, "after": true, "count": 1}),
        );
    }
    env.emulator.add_fault(
        json!({"drop_connection": true, "after": true, "probability": 0.02, "seed": 13}),
    );
    let mut left = 0.98;
    for (status, seed) in [(429, 1), (500, 2), (503, 3)] {
        env.emulator
            .add_fault(json!({"status": status, "probability": 0.1 / left, "seed": seed}));
        left -= 0.1;
    }
}

#[test]
fn the_lab_applies_and_destroys_under_faults_without_duplicates() {
    let env = Env::lab();
    env.emulator.set_lifecycle_delay_ms(20);
    hostile_network(&env);

    let started = Instant::now();
    let apply = env.wd.apply();
    let apply_secs = started.elapsed().as_secs_f64();
    let out = env.wd.run(&["output", "-raw", "run_state"]);
    assert_eq!(out.stdout, "SUCCEEDED", "the lab's run succeeded");

    let log = env.emulator.requests();
    let faulted = |s: u16| log.iter().filter(|r| r.status == Some(s)).count();
    let (n429, n500, n503) = (faulted(429), faulted(500), faulted(503));
    assert!(
        n429 > 0 && n500 > 0 && n503 > 0,
        "the faults fired: 429×{n429} 500×{n500} 503×{n503} of {} calls",
        log.len()
    );
    assert_eq!(
        acceptance_tests::created_names(&env.emulator.dump()),
        acceptance_tests::lab_resource_names(),
        "each resource created exactly once"
    );

    let started = Instant::now();
    env.wd.destroy();
    let destroy_secs = started.elapsed().as_secs_f64();
    env.assert_nothing_left();
    let log = env.emulator.requests();
    for op in LOST_ONCE {
        let calls = log
            .iter()
            .filter(|r| r.operation.as_deref() == Some(op))
            .count();
        assert!(
            calls >= 2,
            "{op} was retried after its lost answer: {calls} call(s)"
        );
    }
    eprintln!(
        "lab under faults: apply {apply_secs:.1} s, destroy {destroy_secs:.1} s, {} calls in all \
         (apply: 429×{n429} 500×{n500} 503×{n503}); apply output {} bytes",
        log.len(),
        apply.stdout.len()
    );
}

/// `retry_duration_seconds = 3` and every CreateBucket answered 503: the apply fails after the
/// budget, and the diagnostic names the operation, the last status, the last attempt's
/// opc-request-id and how many attempts were made (as many as the emulator saw).
#[test]
fn an_exhausted_retry_budget_names_the_operation_the_last_status_and_request_id() {
    let env = Env::new();
    let header =
        acceptance_tests::provider_block(env.emulator.endpoint(), &env.emulator.info.profile)
            .replace(
                "provider \"oci\" {",
                "provider \"oci\" {\n  retry_duration_seconds = 3",
            );
    env.wd.write_config(&format!(
        r#"{header}
resource "oci_objectstorage_bucket" "b" {{
  compartment_id = "{}"
  namespace      = "{}"
  name           = "budget"
}}
"#,
        env.tenancy(),
        env.namespace()
    ));
    env.wd.init();
    env.emulator
        .add_fault(json!({"operation": "CreateBucket", "status": 503}));
    let started = Instant::now();
    let out = env.wd.try_apply();
    let secs = started.elapsed().as_secs_f64();
    assert!(!out.success(), "{}", out.combined());
    let text = acceptance_tests::one_line(&out);
    let calls = env
        .emulator
        .requests()
        .iter()
        .filter(|r| r.operation.as_deref() == Some("CreateBucket"))
        .count();
    assert!(calls >= 2, "retried within the budget: {calls}");
    assert!(text.contains("Create Bucket Error"), "{text}");
    assert!(
        text.contains("OCI returned 503 ServiceUnavailable"),
        "the last status: {text}"
    );
    assert!(
        text.contains(&format!(
            "CreateBucket gave up after {calls} attempts over "
        )),
        "the operation and every attempt the emulator saw: {text}"
    );
    let request_id = text
        .split("opc-request-id: ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .unwrap_or("");
    assert!(
        request_id.len() >= 16 && request_id != "none",
        "the last attempt's opc-request-id: {text}"
    );
    // Within the budget plus one last answer's worth, not the default ten minutes.
    assert!(secs < 60.0, "{secs:.1} s");
    assert!(env.emulator.leftovers().is_empty());
}
