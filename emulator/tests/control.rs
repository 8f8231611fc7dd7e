//! The control API under `/_emulator/`: reset, dump, request log, lifecycle delay, fault
//! rules and compartments.

mod common;

use common::Env;
use serde_json::json;

#[tokio::test]
async fn control_calls_need_no_signature_and_are_not_logged() {
    let env = Env::new();
    env.control("GET", "/_emulator/dump", "").await.expect(200);
    env.call("GET", "/n", "").await.expect(200);
    let log = env
        .control("GET", "/_emulator/requests", "")
        .await
        .expect(200)
        .json();
    assert_eq!(
        log,
        json!([{"method": "GET", "path": "/n", "service": "objectstorage", "operation": "GetNamespace", "status": 200, "region": "us-ashburn-1"}])
    );
    env.control("DELETE", "/_emulator/requests", "")
        .await
        .expect(204);
    assert_eq!(
        env.control("GET", "/_emulator/requests", "").await.json(),
        json!([])
    );
}

#[tokio::test]
async fn dump_has_every_key_and_oci_shaped_entries() {
    let env = Env::new();
    env.create_bucket("d1").await;
    env.put_object("d1", "x%2Fy", b"hello").await;
    env.call(
        "POST",
        &format!("/n/{}/b/d1/u", env.ns()),
        r#"{"object":"m"}"#,
    )
    .await
    .expect(200);
    let d = env
        .control("GET", "/_emulator/dump", "")
        .await
        .expect(200)
        .json();
    for key in [
        "buckets",
        "objects",
        "dynamic_groups",
        "policies",
        "applications",
        "runs",
        "compartments",
        "multipart_uploads",
    ] {
        assert!(d[key].is_array(), "dump lacks {key}: {d}");
    }
    assert_eq!(d["buckets"][0]["name"], "d1");
    assert_eq!(d["buckets"][0]["compartmentId"], json!(env.tenancy()));
    let o = &d["objects"][0];
    assert_eq!(
        (
            o["namespace"].clone(),
            o["bucket"].clone(),
            o["name"].clone(),
            o["size"].clone()
        ),
        (json!(env.ns()), json!("d1"), json!("x/y"), json!(5))
    );
    assert!(o["etag"].is_string() && o["md5"].is_string());
    assert_eq!(d["multipart_uploads"][0]["object"], "m");
    assert_eq!(d["compartments"][0]["id"], json!(env.tenancy()));
}

#[tokio::test]
async fn reset_drops_resources_but_keeps_the_account() {
    let env = Env::new();
    env.create_bucket("r1").await;
    env.put_object("r1", "o", b"body").await;
    env.control("POST", "/_emulator/compartments", r#"{"name":"extra"}"#)
        .await
        .expect(200);
    env.control(
        "POST",
        "/_emulator/faults",
        r#"{"operation":"GetBucket","status":500}"#,
    )
    .await
    .expect(201);
    let blobs = env.state.blob_dir();
    assert_eq!(std::fs::read_dir(&blobs).unwrap().count(), 1);
    env.control("POST", "/_emulator/reset", "")
        .await
        .expect(204);
    let d = env.control("GET", "/_emulator/dump", "").await.json();
    assert_eq!(d["buckets"], json!([]));
    assert_eq!(d["objects"], json!([]));
    assert_eq!(
        d["compartments"].as_array().unwrap().len(),
        1,
        "only the root compartment stays"
    );
    assert_eq!(
        std::fs::read_dir(&blobs).unwrap().count(),
        0,
        "object bodies are removed"
    );
    assert_eq!(
        env.control("GET", "/_emulator/faults", "").await.json(),
        json!([])
    );
    assert_eq!(
        env.control("GET", "/_emulator/requests", "").await.json(),
        json!([])
    );
    // The same key still works and the namespace is unchanged.
    assert_eq!(
        env.call("GET", "/n", "").await.expect(200).json(),
        json!(env.ns())
    );
    env.create_bucket("r1").await;
}

#[tokio::test]
async fn lifecycle_delay_can_be_read_and_set() {
    let env = Env::new();
    assert_eq!(
        env.control("GET", "/_emulator/lifecycle", "")
            .await
            .expect(200)
            .json(),
        json!({"delay_ms": 0})
    );
    env.control("PUT", "/_emulator/lifecycle", r#"{"delay_ms": 1500}"#)
        .await
        .expect(200);
    assert_eq!(
        env.state.lifecycle_delay(),
        time::Duration::milliseconds(1500)
    );
    let r = env
        .control("PUT", "/_emulator/lifecycle", r#"{"delay": 1}"#)
        .await
        .expect_error(400, "InvalidParameter");
    assert!(r.json()["message"].as_str().unwrap().contains("delay"));
    env.control("PUT", "/_emulator/lifecycle", r#"{"delay_ms": -1}"#)
        .await
        .expect_error(400, "InvalidParameter");
}

#[tokio::test]
async fn a_counted_fault_fires_exactly_count_times_on_the_matching_operation() {
    let env = Env::new();
    env.create_bucket("f").await;
    let rule = json!({"service": "objectstorage", "operation": "PutObject", "method": "PUT", "status": 503,
                      "code": "ServiceUnavailable", "message": "try later", "count": 2});
    let added = env
        .control("POST", "/_emulator/faults", &rule.to_string())
        .await
        .expect(201)
        .json();
    assert_eq!(added["count"], 2);
    assert_eq!(
        env.control("GET", "/_emulator/faults", "")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let path = format!("/n/{}/b/f/o/x", env.ns());
    // Other operations are untouched.
    env.call("GET", &format!("/n/{}/b/f", env.ns()), "")
        .await
        .expect(200);
    for _ in 0..2 {
        let r = env
            .call_h("PUT", &path, b"v", &[])
            .await
            .expect_error(503, "ServiceUnavailable");
        assert_eq!(r.json()["message"], "try later");
    }
    env.call_h("PUT", &path, b"v", &[]).await.expect(200);
    assert_eq!(
        env.control("GET", "/_emulator/faults", "").await.json(),
        json!([]),
        "a spent rule is removed"
    );
    // The faulted requests are in the log with their status.
    let log = env.control("GET", "/_emulator/requests", "").await.json();
    let statuses: Vec<u64> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["operation"] == "PutObject")
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [503, 503, 200]);
}

#[tokio::test]
async fn fault_matchers_and_probability() {
    let env = Env::new();
    // probability 0 never fires; a method matcher that does not match never fires.
    env.control(
        "POST",
        "/_emulator/faults",
        r#"{"status":500,"probability":0.0}"#,
    )
    .await
    .expect(201);
    env.control(
        "POST",
        "/_emulator/faults",
        r#"{"status":429,"method":"DELETE"}"#,
    )
    .await
    .expect(201);
    env.control(
        "POST",
        "/_emulator/faults",
        r#"{"status":409,"service":"dataflow"}"#,
    )
    .await
    .expect(201);
    for _ in 0..5 {
        env.call("GET", "/n", "").await.expect(200);
    }
    // probability 1 always fires; the default code follows the status.
    env.control("DELETE", "/_emulator/faults", "")
        .await
        .expect(204);
    env.control(
        "POST",
        "/_emulator/faults",
        r#"{"status":429,"probability":1.0}"#,
    )
    .await
    .expect(201);
    env.call("GET", "/n", "")
        .await
        .expect_error(429, "TooManyRequests");
}

#[tokio::test(start_paused = true)]
async fn latency_faults_delay_then_answer() {
    let env = Env::new();
    env.control(
        "POST",
        "/_emulator/faults",
        r#"{"operation":"GetNamespace","latency_ms":30000,"count":1}"#,
    )
    .await
    .expect(201);
    // With paused time the 30 s latency elapses virtually; the request then succeeds normally.
    let started = tokio::time::Instant::now();
    env.call("GET", "/n", "").await.expect(200);
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(30),
        "the latency was applied"
    );
}

#[tokio::test]
async fn invalid_fault_rules_are_rejected_with_the_field_named() {
    let env = Env::new();
    for (body, field) in [
        (r#"{"status":200}"#, "status"),
        (r#"{"status":500,"probability":2}"#, "probability"),
        (r#"{"status":500,"count":0}"#, "count"),
        (r#"{"operation":"GetBucket"}"#, "status"),
        (r#"{"status":500,"colour":"red"}"#, "colour"),
    ] {
        let r = env
            .control("POST", "/_emulator/faults", body)
            .await
            .expect_error(400, "InvalidParameter");
        assert!(
            r.json()["message"].as_str().unwrap().contains(field),
            "{body}: {}",
            r.json()
        );
    }
}

#[tokio::test]
async fn drop_connection_marks_the_response_for_the_server_loop() {
    let env = Env::new();
    env.control(
        "POST",
        "/_emulator/faults",
        r#"{"operation":"GetNamespace","drop_connection":true,"count":1}"#,
    )
    .await
    .expect(201);
    let resp = tower::ServiceExt::oneshot(
        oci_emulator::app(env.state.clone()),
        env.signed("GET", "/n", vec![], &[]),
    )
    .await
    .unwrap();
    assert!(
        resp.extensions()
            .get::<oci_emulator::middleware::DropConnection>()
            .is_some()
    );
    env.call("GET", "/n", "").await.expect(200);
}

#[tokio::test]
async fn compartments_can_be_created_nested_and_used() {
    let env = Env::new();
    let a = env
        .control("POST", "/_emulator/compartments", r#"{"name":"team"}"#)
        .await
        .expect(200)
        .json();
    assert!(
        a["id"]
            .as_str()
            .unwrap()
            .starts_with("ocid1.compartment.oc1..aaaaaaaa")
    );
    assert_eq!(a["compartmentId"], json!(env.tenancy()));
    assert_eq!(a["lifecycleState"], "ACTIVE");
    let child = env
        .control(
            "POST",
            "/_emulator/compartments",
            &json!({"name": "child", "parent_id": a["id"]}).to_string(),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(child["compartmentId"], a["id"]);
    env.control("POST", "/_emulator/compartments", r#"{"name":"team"}"#)
        .await
        .expect_error(409, "CompartmentAlreadyExists");
    env.control(
        "POST",
        "/_emulator/compartments",
        r#"{"name":"x","parent_id":"ocid1.compartment.oc1..none"}"#,
    )
    .await
    .expect_error(404, "NotAuthorizedOrNotFound");
    env.control("POST", "/_emulator/compartments", r#"{"name":"bad name"}"#)
        .await
        .expect_error(400, "InvalidParameter");
    let body = json!({"name": "inchild", "compartmentId": child["id"]}).to_string();
    env.call("POST", &format!("/n/{}/b", env.ns()), &body)
        .await
        .expect(200);
    let all = env
        .control("GET", "/_emulator/compartments", "")
        .await
        .expect(200)
        .json();
    assert_eq!(all.as_array().unwrap().len(), 3);
}
