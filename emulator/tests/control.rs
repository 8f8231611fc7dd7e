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
    let mut log = env
        .control("GET", "/_emulator/requests", "")
        .await
        .expect(200)
        .json();
    // The arrival time is the (manual) clock's, which the test does not pin down.
    let time = log[0]
        .as_object_mut()
        .and_then(|r| r.remove("time"))
        .expect("each request has its time");
    assert_eq!(
        time.as_str(),
        Some(oci_emulator::clock::rfc3339_millis(env.state.now()).as_str())
    );
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
    assert_eq!(common::stored_bodies(env.state.data_dir()), 1);
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
        common::stored_bodies(env.state.data_dir()),
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
    // ... marked with what the rule did; the request no rule touched has no mark.
    let faults: Vec<&serde_json::Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["operation"] == "PutObject")
        .map(|r| &r["fault"])
        .collect();
    assert_eq!(
        faults,
        [
            &json!("503 ServiceUnavailable"),
            &json!("503 ServiceUnavailable"),
            &serde_json::Value::Null
        ]
    );
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

/// A lifecycle delay that no timestamp can carry (`1e15` ms is ~31 000 years) is refused with
/// 400 naming `delay_ms`, in either JSON spelling, and the delay in effect is unchanged; creates,
/// lists and the dump then work as before.
#[tokio::test]
async fn an_out_of_range_lifecycle_delay_is_refused_and_changes_nothing() {
    let env = Env::new();
    env.control("PUT", "/_emulator/lifecycle", r#"{"delay_ms": 250}"#)
        .await
        .expect(200);
    for bad in [
        "1e15",
        "1000000000000000",
        "18446744073709551615",
        "86400001",
        "1.5",
        "-1",
        "\"100\"",
    ] {
        let r = env
            .control(
                "PUT",
                "/_emulator/lifecycle",
                &format!(r#"{{"delay_ms": {bad}}}"#),
            )
            .await
            .expect_error(400, "InvalidParameter");
        let message = r.json()["message"].as_str().unwrap().to_owned();
        assert!(message.contains("delay_ms"), "{bad}: {message}");
    }
    assert_eq!(
        env.control("GET", "/_emulator/lifecycle", "").await.json(),
        json!({"delay_ms": 250})
    );
    // The largest accepted delay (one day) still works end to end.
    env.control("PUT", "/_emulator/lifecycle", r#"{"delay_ms": 86400000}"#)
        .await
        .expect(200);
    let body = json!({"compartmentId": env.tenancy(), "name": "p", "description": "d",
                      "statements": ["Allow group g to read buckets in tenancy"]});
    env.call("POST", "/20160918/policies", &body.to_string())
        .await
        .expect(200);
    env.call(
        "GET",
        &format!("/20160918/policies?compartmentId={}", env.tenancy()),
        "",
    )
    .await
    .expect(200);
    env.control("GET", "/_emulator/dump", "").await.expect(200);
}

/// Rows written with an absurd delay (by an older build, before the control API validated it)
/// must not make reads panic: every get, list and the dump answers, and deletes still work.
#[tokio::test]
async fn stored_rows_with_an_absurd_delay_are_still_readable() {
    let env = Env::new();
    let body = json!({"compartmentId": env.tenancy(), "name": "p", "description": "d",
                      "statements": ["Allow group g to read buckets in tenancy"]});
    let p = env
        .call("POST", "/20160918/policies", &body.to_string())
        .await
        .expect(200)
        .json();
    let p_id = p["id"].as_str().unwrap().to_owned();
    env.call("DELETE", &format!("/20160918/policies/{p_id}"), "")
        .await
        .expect(204);
    env.state
        .db(|c| {
            c.execute(
                "UPDATE iam_resources SET delay_ms = ?1",
                [1_000_000_000_000_000i64],
            )?;
            Ok(())
        })
        .unwrap();
    env.call(
        "GET",
        &format!("/20160918/policies?compartmentId={}", env.tenancy()),
        "",
    )
    .await
    .expect(200);
    env.call("GET", &format!("/20160918/policies/{p_id}"), "")
        .await
        .expect(200);
    env.control("GET", "/_emulator/dump", "").await.expect(200);
    // A delay so large that even milliseconds overflow an i64 once doubled.
    env.state
        .db(|c| {
            c.execute("UPDATE iam_resources SET delay_ms = ?1", [i64::MAX])?;
            Ok(())
        })
        .unwrap();
    env.control("GET", "/_emulator/dump", "").await.expect(200);
}

/// The request log is a ring of the last REQUEST_LOG_CAPACITY requests, oldest dropped first
/// (it used to grow without bound: 62 MB after 150 000 requests).
#[tokio::test]
async fn the_request_log_keeps_only_the_most_recent_requests() {
    use tower::ServiceExt;
    let env = Env::new();
    let cap = oci_emulator::state::REQUEST_LOG_CAPACITY;
    let router = oci_emulator::app(env.state.clone());
    // Unsigned requests are cheap (401 before any handler) and are logged like any other.
    for i in 0..cap + 25 {
        let req = axum::http::Request::get(format!("/n/ring-{i}"))
            .body(axum::body::Body::empty())
            .unwrap();
        let resp = router.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), 401);
    }
    let log = env.state.requests();
    assert_eq!(log.len(), cap);
    assert_eq!(log[0].path, "/n/ring-25", "the oldest entries went first");
    assert_eq!(log[cap - 1].path, format!("/n/ring-{}", cap + 24));
    let listed = env.control("GET", "/_emulator/requests", "").await.json();
    assert_eq!(listed.as_array().unwrap().len(), cap);
}

/// Fault rules are validated before they are stored: an injected latency longer than ten
/// minutes is refused naming `latency_ms` (it used to be accepted, holding every matching
/// request for up to u64::MAX milliseconds), and nothing is added.
#[tokio::test]
async fn an_absurd_fault_latency_is_refused() {
    let env = Env::new();
    for bad in [600_001u64, u64::MAX] {
        let r = env
            .control(
                "POST",
                "/_emulator/faults",
                &json!({"latency_ms": bad}).to_string(),
            )
            .await
            .expect_error(400, "InvalidParameter");
        assert!(r.json()["message"].as_str().unwrap().contains("latency_ms"));
    }
    assert_eq!(
        env.control("GET", "/_emulator/faults", "").await.json(),
        json!([])
    );
    env.control(
        "POST",
        "/_emulator/faults",
        &json!({"latency_ms": 600_000, "count": 1}).to_string(),
    )
    .await
    .expect(201);
}

/// A web page open in the user's browser can send a cross-site form POST to 127.0.0.1; the
/// browser names the page in `Origin`. Such a request changes nothing; tools send no `Origin`.
#[tokio::test]
async fn a_request_from_a_web_page_is_refused_and_changes_nothing() {
    let env = Env::new();
    env.create_bucket("kept").await;
    let from_page = |origin: &str| {
        axum::http::Request::builder()
            .method("POST")
            .uri("/_emulator/reset")
            .header("host", "127.0.0.1:8080")
            .header("origin", origin)
            .header("content-type", "text/plain")
            .body(axum::body::Body::empty())
            .unwrap()
    };
    for origin in [
        "https://attacker.example",
        "null",
        "http://127.0.0.1.attacker.example",
    ] {
        let resp = env.send(from_page(origin)).await.expect(403);
        assert_eq!(resp.json()["code"], "NotAllowed", "{origin}");
    }
    let dump = env
        .control("GET", "/_emulator/dump", "")
        .await
        .expect(200)
        .json();
    assert!(
        dump.to_string().contains("\"kept\""),
        "nothing was reset: {dump}"
    );
    // The emulator's own pages (the console, on the same origin) and tools still reach it.
    env.send(from_page("http://127.0.0.1:8080"))
        .await
        .expect(204);
}
