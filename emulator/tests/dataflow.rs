//! Data Flow `/20200129`: applications, runs and run logs through `app().oneshot`, the run
//! lifecycle on the manual clock (success, failure reasons, cancel, restart), the emulated output
//! in Object Storage, and one real-socket test. Nothing sleeps.

mod common;
mod socket;

use common::{Env, enc, other_key};
use oci_emulator::clock::{Clock, ManualClock};
use oci_emulator::{AppState, Options};
use serde_json::{Value, json};
use std::sync::Arc;
use time::Duration;

fn with_delay(ms: i64) -> Env {
    Env::with_options(|o| o.lifecycle_delay = Duration::milliseconds(ms))
}

/// The lab's buckets and objects.
async fn lab_storage(env: &Env) {
    for b in [
        "dataflow-lab-input",
        "dataflow-lab-output",
        "dataflow-lab-logs",
    ] {
        env.create_bucket(b).await;
    }
    env.put_object(
        "dataflow-lab-input",
        "sales.csv",
        b"order_id,customer_id,amount,region\n1001,C001,120.50,APAC\n",
    )
    .await;
    env.put_object(
        "dataflow-lab-input",
        &enc("scripts/etl_sales.py"),
        b"print('etl')\n",
    )
    .await;
}

fn lab_app(env: &Env) -> Value {
    let ns = env.ns();
    json!({
        "compartmentId": env.tenancy(),
        "displayName": "dataflow-sales-etl",
        "language": "PYTHON",
        "sparkVersion": "3.2.1",
        "driverShape": "VM.Standard.E4.Flex",
        "driverShapeConfig": {"ocpus": 1, "memoryInGBs": 16},
        "executorShape": "VM.Standard.E4.Flex",
        "executorShapeConfig": {"ocpus": 1, "memoryInGBs": 16},
        "numExecutors": 1,
        "fileUri": format!("oci://dataflow-lab-input@{ns}/scripts/etl_sales.py"),
        "arguments": [format!("oci://dataflow-lab-input@{ns}/sales.csv"), "${output}"],
        "parameters": [{"name": "output", "value": format!("oci://dataflow-lab-output@{ns}/curated/sales_parquet/")}],
        "configuration": {"spark.sql.shuffle.partitions": "4", "spark.app.x": "app"},
        "logsBucketUri": format!("oci://dataflow-lab-logs@{ns}/"),
    })
}

async fn create_app(env: &Env, body: &Value) -> Value {
    env.call("POST", "/20200129/applications", &body.to_string())
        .await
        .expect(200)
        .json()
}

async fn create_run(env: &Env, body: &Value) -> Value {
    env.call("POST", "/20200129/runs", &body.to_string())
        .await
        .expect(200)
        .json()
}

async fn run_state(env: &Env, id: &str) -> Value {
    env.call("GET", &format!("/20200129/runs/{id}"), "")
        .await
        .expect(200)
        .json()
}

fn object_names(dump: &Value, bucket: &str) -> Vec<String> {
    dump["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["bucket"] == bucket)
        .map(|o| o["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn application_crud_filters_paging_and_delete_lifecycle() {
    let env = with_delay(1000);
    lab_storage(&env).await;
    let created = env
        .call("POST", "/20200129/applications", &lab_app(&env).to_string())
        .await
        .expect(200);
    let app = created.json();
    let id = app["id"].as_str().unwrap().to_owned();
    assert!(
        id.starts_with("ocid1.dataflowapplication.oc1.us-ashburn-1.aaaaaaaa"),
        "{id}"
    );
    assert_eq!(app["lifecycleState"], "ACTIVE");
    assert_eq!(app["type"], "BATCH", "type defaults to BATCH");
    assert_eq!(
        app["driverShapeConfig"],
        json!({"ocpus": 1.0, "memoryInGBs": 16.0})
    );
    assert_eq!(
        app["ownerPrincipalId"],
        env.state.identity().user_id.as_str()
    );
    let etag = created.header("etag").unwrap().to_owned();
    let path = format!("/20200129/applications/{id}");
    let got = env.call("GET", &path, "").await.expect(200);
    assert_eq!(got.header("etag"), Some(etag.as_str()));
    assert_eq!(got.json(), app);

    for name in ["b-app", "a-app"] {
        env.clock.advance(Duration::seconds(1));
        let mut b = lab_app(&env);
        b["displayName"] = json!(name);
        create_app(&env, &b).await;
    }
    let list = format!("/20200129/applications?compartmentId={}", env.tenancy());
    let names = |v: Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|a| a["displayName"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(env.call("GET", &list, "").await.expect(200).json()),
        ["a-app", "b-app", "dataflow-sales-etl"],
        "newest first"
    );
    let by_name = format!("{list}&sortBy=displayName&sortOrder=ASC&limit=2");
    let p1 = env.call("GET", &by_name, "").await.expect(200);
    assert_eq!(names(p1.json()), ["a-app", "b-app"]);
    let next = p1.header("opc-next-page").unwrap().to_owned();
    let p2 = env
        .call("GET", &format!("{by_name}&page={next}"), "")
        .await
        .expect(200);
    assert_eq!(names(p2.json()), ["dataflow-sales-etl"]);
    assert!(p2.header("opc-next-page").is_none());
    assert_eq!(
        names(
            env.call("GET", &format!("{list}&displayNameStartsWith=a-"), "")
                .await
                .expect(200)
                .json()
        ),
        ["a-app"]
    );
    let summary = &env
        .call("GET", &format!("{list}&displayName=dataflow-sales-etl"), "")
        .await
        .expect(200)
        .json()[0];
    assert_eq!(summary["id"], id.as_str());
    assert!(
        summary.get("fileUri").is_none(),
        "summaries carry summary fields only"
    );
    env.call(
        "GET",
        &format!("{list}&displayName=x&sparkVersion=3.2.1"),
        "",
    )
    .await
    .expect_error(400, "InvalidParameter");
    env.call("GET", &format!("{list}&sortBy=size"), "")
        .await
        .expect_error(400, "InvalidParameter");
    env.call("GET", "/20200129/applications", "")
        .await
        .expect_error(400, "InvalidParameter");

    // Update: if-match, merge, validation of the merged result.
    let upd = json!({"numExecutors": 2, "arguments": ["x"], "parameters": []}).to_string();
    env.call_h("PUT", &path, upd.as_bytes(), &[("if-match", "stale")])
        .await
        .expect_error(412, "NoEtagMatch");
    let updated = env
        .call_h("PUT", &path, upd.as_bytes(), &[("if-match", &etag)])
        .await
        .expect(200);
    assert_eq!(updated.json()["numExecutors"], 2);
    assert_eq!(updated.json()["displayName"], "dataflow-sales-etl");
    assert_ne!(updated.header("etag"), Some(etag.as_str()));
    let bad = json!({"arguments": ["${missing}"]}).to_string();
    let msg = env
        .call("PUT", &path, &bad)
        .await
        .expect_error(400, "InvalidParameter")
        .json()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(msg.contains("no parameter named 'missing'"), "{msg}");
    env.call("PUT", &path, &json!({"type": "STREAMING"}).to_string())
        .await
        .expect_error(400, "InvalidParameter");

    // Change compartment.
    let lab = env
        .control("POST", "/_emulator/compartments", r#"{"name":"lab"}"#)
        .await
        .expect(200)
        .json();
    let change = format!("{path}/actions/changeCompartment");
    env.call(
        "POST",
        &change,
        &json!({"compartmentId": "ocid1.compartment.oc1..nope"}).to_string(),
    )
    .await
    .expect_error(404, "NotAuthorizedOrNotFound");
    env.call(
        "POST",
        &change,
        &json!({"compartmentId": lab["id"]}).to_string(),
    )
    .await
    .expect(200);
    assert_eq!(
        env.call("GET", &path, "").await.expect(200).json()["compartmentId"],
        lab["id"]
    );

    // Delete: DELETING → DELETED; gone from lists; runs can no longer be created for it.
    env.call("DELETE", &path, "").await.expect(204);
    assert_eq!(
        env.call("GET", &path, "").await.expect(200).json()["lifecycleState"],
        "DELETING"
    );
    env.call("PUT", &path, &upd)
        .await
        .expect_error(409, "IncorrectState");
    env.clock.advance(Duration::seconds(1));
    assert_eq!(
        env.call("GET", &path, "").await.expect(200).json()["lifecycleState"],
        "DELETED"
    );
    env.call("DELETE", &path, "")
        .await
        .expect_error(404, "NotAuthorizedOrNotFound");
    let lab_list = format!(
        "/20200129/applications?compartmentId={}",
        lab["id"].as_str().unwrap()
    );
    assert_eq!(
        env.call("GET", &lab_list, "").await.expect(200).json(),
        json!([])
    );
    let run = json!({"compartmentId": env.tenancy(), "applicationId": id});
    env.call("POST", "/20200129/runs", &run.to_string())
        .await
        .expect_error(409, "IncorrectState");
    env.call(
        "GET",
        "/20200129/applications/ocid1.dataflowapplication.oc1.x.nope",
        "",
    )
    .await
    .expect_error(404, "NotAuthorizedOrNotFound");
}

#[tokio::test]
async fn create_application_validation_names_the_field() {
    let env = Env::new();
    type Tweak = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(Tweak, &str)> = vec![
        (
            Box::new(|b| drop(b.as_object_mut().unwrap().remove("displayName"))),
            "displayName may not be null",
        ),
        (
            Box::new(|b| drop(b.as_object_mut().unwrap().remove("driverShape"))),
            "driverShape may not be null",
        ),
        (
            Box::new(|b| drop(b.as_object_mut().unwrap().remove("numExecutors"))),
            "numExecutors may not be null",
        ),
        (
            Box::new(|b| drop(b.as_object_mut().unwrap().remove("sparkVersion"))),
            "sparkVersion may not be null",
        ),
        (
            Box::new(|b| drop(b.as_object_mut().unwrap().remove("compartmentId"))),
            "compartmentId may not be null",
        ),
        (
            Box::new(|b| drop(b.as_object_mut().unwrap().remove("fileUri"))),
            "fileUri may not be null",
        ),
        (
            Box::new(|b| b["language"] = json!("COBOL")),
            "language 'COBOL' is not supported",
        ),
        (
            Box::new(|b| b["sparkVersion"] = json!("1.6")),
            "sparkVersion '1.6' is not supported",
        ),
        (
            Box::new(|b| b["numExecutors"] = json!(0)),
            "numExecutors must be between 1 and 1000",
        ),
        (
            Box::new(|b| b["driverShape"] = json!("VM.Big")),
            "driverShape 'VM.Big' is not supported",
        ),
        (
            Box::new(|b| drop(b.as_object_mut().unwrap().remove("executorShapeConfig"))),
            "executorShapeConfig with ocpus and memoryInGBs is required",
        ),
        (
            Box::new(|b| b["fileUri"] = json!("oci://bucket/etl.py")),
            "fileUri 'oci://bucket/etl.py' has no namespace",
        ),
        (
            Box::new(|b| b["logsBucketUri"] = json!("dataflow-lab-logs")),
            "logsBucketUri 'dataflow-lab-logs' is not a valid",
        ),
        (
            Box::new(|b| b["parameters"] = json!([])),
            "no parameter named 'output'",
        ),
        (
            Box::new(|b| b["language"] = json!("JAVA")),
            "className is required for language JAVA",
        ),
        (
            Box::new(|b| b["type"] = json!("NIGHTLY")),
            "type 'NIGHTLY' is not supported",
        ),
        (
            Box::new(|b| b["numExecutors"] = json!("one")),
            "numExecutors",
        ),
    ];
    for (tweak, needle) in cases {
        let mut b = lab_app(&env);
        tweak(&mut b);
        let r = env
            .call("POST", "/20200129/applications", &b.to_string())
            .await
            .expect_error(400, "InvalidParameter");
        let msg = r.json()["message"].as_str().unwrap().to_owned();
        assert!(msg.contains(needle), "expected '{needle}' in '{msg}'");
    }
    let mut b = lab_app(&env);
    b["compartmentId"] = json!("ocid1.compartment.oc1..missing");
    env.call("POST", "/20200129/applications", &b.to_string())
        .await
        .expect_error(404, "NotAuthorizedOrNotFound");
    env.call("POST", "/20200129/applications", "{")
        .await
        .expect_error(400, "CannotParseRequest");
    let list = format!("/20200129/applications?compartmentId={}", env.tenancy());
    assert_eq!(
        env.call("GET", &list, "").await.expect(200).json(),
        json!([]),
        "nothing was created"
    );
}

#[tokio::test]
async fn run_succeeds_through_its_phases_and_writes_output_and_logs() {
    let env = with_delay(1000);
    lab_storage(&env).await;
    let app = create_app(&env, &lab_app(&env)).await;
    let ns = env.ns();
    let run = create_run(
        &env,
        &json!({
            "compartmentId": env.tenancy(),
            "applicationId": app["id"],
            "displayName": "lab-run",
            "parameters": [{"name": "output", "value": format!("oci://dataflow-lab-output@{ns}/curated/run1")}],
            "configuration": {"spark.app.x": "run"},
            "numExecutors": 2,
        }),
    )
    .await;
    let id = run["id"].as_str().unwrap().to_owned();
    assert!(
        id.starts_with("ocid1.dataflowrun.oc1.us-ashburn-1."),
        "{id}"
    );
    assert_eq!(run["lifecycleState"], "ACCEPTED");
    assert_eq!(run["applicationId"], app["id"]);
    assert_eq!(run["fileUri"], app["fileUri"]);
    assert_eq!(run["language"], "PYTHON");
    assert_eq!(
        run["numExecutors"], 2,
        "run-level settings override the application's"
    );
    assert_eq!(
        run["driverShape"], "VM.Standard.E4.Flex",
        "unset run settings come from the application"
    );
    assert_eq!(run["arguments"], app["arguments"]);
    assert_eq!(
        run["parameters"],
        json!([{"name": "output", "value": format!("oci://dataflow-lab-output@{ns}/curated/run1")}])
    );
    assert_eq!(
        run["configuration"],
        json!({"spark.sql.shuffle.partitions": "4", "spark.app.x": "run"})
    );
    assert_eq!(run["totalOCpu"], 3);
    assert_eq!(run["runDurationInMilliseconds"], 0);
    assert!(run["opcRequestId"].as_str().is_some_and(|r| !r.is_empty()));
    assert_eq!(
        env.call("GET", &format!("/20200129/runs/{id}/logs"), "")
            .await
            .expect(200)
            .json(),
        json!([])
    );

    env.clock.advance(Duration::milliseconds(1000));
    let r = run_state(&env, &id).await;
    assert_eq!(r["lifecycleState"], "IN_PROGRESS");
    assert!(
        object_names(
            &env.control("GET", "/_emulator/dump", "").await.json(),
            "dataflow-lab-output"
        )
        .is_empty()
    );
    env.clock.advance(Duration::milliseconds(1000));
    let r = run_state(&env, &id).await;
    assert_eq!(r["lifecycleState"], "SUCCEEDED");
    assert!(r.get("lifecycleDetails").is_none());
    assert_eq!(r["runDurationInMilliseconds"], 1000);
    assert!(r["dataReadInBytes"].as_i64().unwrap() > 0);
    assert!(r["dataWrittenInBytes"].as_i64().unwrap() > 0);

    let dump = env.control("GET", "/_emulator/dump", "").await.json();
    let out = object_names(&dump, "dataflow-lab-output");
    assert_eq!(out.len(), 2, "{out:?}");
    assert!(out.contains(&"curated/run1/_SUCCESS".to_owned()), "{out:?}");
    assert!(
        out.iter()
            .any(|n| n.starts_with("curated/run1/part-00000-") && n.ends_with(".snappy.parquet")),
        "{out:?}"
    );
    let logs_in_bucket = object_names(&dump, "dataflow-lab-logs");
    assert_eq!(
        logs_in_bucket,
        [
            format!("{id}/spark_driver_stderr.log.gz"),
            format!("{id}/spark_driver_stdout.log.gz")
        ]
    );

    let logs = env
        .call("GET", &format!("/20200129/runs/{id}/logs"), "")
        .await
        .expect(200)
        .json();
    let logs = logs.as_array().unwrap();
    assert_eq!(logs.len(), 2);
    let stdout = logs.iter().find(|l| l["type"] == "STDOUT").unwrap();
    assert_eq!(stdout["source"], "DRIVER");
    assert_eq!(stdout["runId"], id.as_str());
    let name = stdout["name"].as_str().unwrap();
    assert!(
        name.starts_with("spark_driver_stdout_") && name.ends_with(".log.gz"),
        "{name}"
    );
    let body = env
        .call("GET", &format!("/20200129/runs/{id}/logs/{name}"), "")
        .await
        .expect(200);
    assert_eq!(
        body.body.len() as i64,
        stdout["sizeInBytes"].as_i64().unwrap()
    );
    assert_eq!(&body.body[..2], &[0x1f, 0x8b], "gzip");
    let text = String::from_utf8_lossy(&body.body);
    assert!(
        text.contains("curated/run1/"),
        "stored deflate blocks keep the text readable: {text}"
    );
    env.call("GET", &format!("/20200129/runs/{id}/logs/nope.log.gz"), "")
        .await
        .expect_error(404, "NotAuthorizedOrNotFound");

    // DeleteRun on a finished run is accepted and changes nothing.
    env.call("DELETE", &format!("/20200129/runs/{id}"), "")
        .await
        .expect(202);
    assert_eq!(run_state(&env, &id).await["lifecycleState"], "SUCCEEDED");
}

#[tokio::test]
async fn runs_fail_with_a_reason_when_storage_is_missing() {
    let env = Env::new();
    lab_storage(&env).await;
    let ns = env.ns();
    let mut missing_script = lab_app(&env);
    missing_script["fileUri"] = json!(format!(
        "oci://dataflow-lab-input@{ns}/scripts/ETL_sales.py"
    ));
    let app = create_app(&env, &missing_script).await;
    let run = create_run(
        &env,
        &json!({"compartmentId": env.tenancy(), "applicationId": app["id"]}),
    )
    .await;
    assert_eq!(
        run["lifecycleState"], "FAILED",
        "zero delay: terminal at once"
    );
    let details = run["lifecycleDetails"].as_str().unwrap();
    assert!(
        details.contains("scripts/ETL_sales.py") && details.contains("ObjectNotFound"),
        "{details}"
    );

    let app = create_app(&env, &lab_app(&env)).await;
    let bad_out = format!("oci://dataflow-lab-outptu@{ns}/curated/");
    let run = create_run(
        &env,
        &json!({"compartmentId": env.tenancy(), "applicationId": app["id"], "parameters": [{"name": "output", "value": bad_out}]}),
    )
    .await;
    let id = run["id"].as_str().unwrap();
    let r = run_state(&env, id).await;
    assert_eq!(r["lifecycleState"], "FAILED");
    assert!(
        r["lifecycleDetails"]
            .as_str()
            .unwrap()
            .contains("bucket named 'dataflow-lab-outptu'"),
        "{r}"
    );
    assert_eq!(r["dataWrittenInBytes"], 0);
    let logs = env
        .call("GET", &format!("/20200129/runs/{id}/logs"), "")
        .await
        .expect(200)
        .json();
    assert_eq!(
        logs.as_array().unwrap().len(),
        2,
        "failed runs have driver logs too"
    );

    let mut other_ns = lab_app(&env);
    other_ns["fileUri"] = json!("oci://dataflow-lab-input@othernamespace/scripts/etl_sales.py");
    let app = create_app(&env, &other_ns).await;
    let r = create_run(
        &env,
        &json!({"compartmentId": env.tenancy(), "applicationId": app["id"]}),
    )
    .await;
    assert!(
        r["lifecycleDetails"]
            .as_str()
            .unwrap()
            .contains("NamespaceNotFound"),
        "{r}"
    );

    let dump = env.control("GET", "/_emulator/dump", "").await.json();
    assert!(
        object_names(&dump, "dataflow-lab-output").is_empty(),
        "failed runs write no output"
    );
}

#[tokio::test]
async fn runs_stop_at_max_duration_even_when_it_is_lowered_while_they_run() {
    let env = with_delay(600_000);
    lab_storage(&env).await;
    let app = create_app(&env, &lab_app(&env)).await;
    let limited = create_run(
        &env,
        &json!({"compartmentId": env.tenancy(), "applicationId": app["id"], "maxDurationInMinutes": 2}),
    )
    .await;
    let open = create_run(
        &env,
        &json!({"compartmentId": env.tenancy(), "applicationId": app["id"]}),
    )
    .await;
    let (limited, open) = (
        limited["id"].as_str().unwrap(),
        open["id"].as_str().unwrap(),
    );
    env.clock.advance(Duration::minutes(11));
    assert_eq!(
        run_state(&env, limited).await["lifecycleState"],
        "IN_PROGRESS"
    );
    env.clock.advance(Duration::minutes(2));
    let r = run_state(&env, limited).await;
    assert_eq!(r["lifecycleState"], "STOPPING");
    assert!(
        r["lifecycleDetails"]
            .as_str()
            .unwrap()
            .contains("maxDurationInMinutes (2 minutes)"),
        "{r}"
    );
    // Lowering the limit of a run in progress (UpdateRun) stops it too.
    env.call(
        "PUT",
        &format!("/20200129/runs/{open}"),
        &json!({"maxDurationInMinutes": 1}).to_string(),
    )
    .await
    .expect(200);
    assert_eq!(run_state(&env, open).await["lifecycleState"], "STOPPING");
    env.clock.advance(Duration::minutes(10));
    for id in [limited, open] {
        let r = run_state(&env, id).await;
        assert_eq!(r["lifecycleState"], "STOPPED", "{r}");
    }
    assert_eq!(
        run_state(&env, limited).await["runDurationInMilliseconds"],
        120_000,
        "ran for its two minutes"
    );
}

#[tokio::test]
async fn a_script_that_raises_fails_with_its_traceback_in_the_driver_log() {
    let env = Env::new();
    lab_storage(&env).await;
    env.put_object(
        "dataflow-lab-input",
        &enc("scripts/etl_sales.py"),
        b"import sys\nprint('starting')\nraise ValueError(\"no rows in input\")\n",
    )
    .await;
    let app = create_app(&env, &lab_app(&env)).await;
    let run = create_run(
        &env,
        &json!({"compartmentId": env.tenancy(), "applicationId": app["id"]}),
    )
    .await;
    assert_eq!(run["lifecycleState"], "FAILED");
    let details = run["lifecycleDetails"].as_str().unwrap();
    assert!(
        details.contains("ValueError: no rows in input") && details.contains("line 3"),
        "{details}"
    );
    let id = run["id"].as_str().unwrap();
    let logs = env
        .call("GET", &format!("/20200129/runs/{id}/logs"), "")
        .await
        .expect(200)
        .json();
    let stderr = logs
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["type"] == "STDERR")
        .unwrap();
    let name = stderr["name"].as_str().unwrap();
    let body = env
        .call("GET", &format!("/20200129/runs/{id}/logs/{name}"), "")
        .await
        .expect(200);
    let text = String::from_utf8_lossy(&body.body);
    assert!(
        text.contains("Traceback (most recent call last):")
            && text.contains("raise ValueError(\"no rows in input\")")
            && text.contains("ValueError: no rows in input"),
        "{text}"
    );
}

#[tokio::test]
async fn delete_run_cancels_through_canceling() {
    let env = with_delay(1000);
    lab_storage(&env).await;
    let app = create_app(&env, &lab_app(&env)).await;
    let run = create_run(
        &env,
        &json!({"compartmentId": env.tenancy(), "applicationId": app["id"]}),
    )
    .await;
    let path = format!("/20200129/runs/{}", run["id"].as_str().unwrap());
    env.clock.advance(Duration::milliseconds(1500));
    assert_eq!(
        run_state(&env, run["id"].as_str().unwrap()).await["lifecycleState"],
        "IN_PROGRESS"
    );
    env.call_h("DELETE", &path, b"", &[("if-match", "stale")])
        .await
        .expect_error(412, "NoEtagMatch");
    env.call("DELETE", &path, "").await.expect(202);
    let r = env.call("GET", &path, "").await.expect(200).json();
    assert_eq!(r["lifecycleState"], "CANCELING");
    env.call("DELETE", &path, "").await.expect(202);
    env.clock.advance(Duration::milliseconds(1000));
    let r = env.call("GET", &path, "").await.expect(200).json();
    assert_eq!(r["lifecycleState"], "CANCELED");
    assert_eq!(
        r["runDurationInMilliseconds"], 500,
        "ran from 1.0 s to the cancel at 1.5 s"
    );
    env.clock.advance(Duration::seconds(10));
    assert_eq!(
        env.call("GET", &path, "").await.expect(200).json()["lifecycleState"],
        "CANCELED"
    );
    let dump = env.control("GET", "/_emulator/dump", "").await.json();
    assert!(
        object_names(&dump, "dataflow-lab-output").is_empty(),
        "canceled runs write no output"
    );
    env.call("DELETE", "/20200129/runs/ocid1.dataflowrun.oc1.x.nope", "")
        .await
        .expect_error(404, "NotAuthorizedOrNotFound");
}

#[tokio::test]
async fn run_requests_error_paths_update_list_and_retry_token() {
    let env = with_delay(1000);
    lab_storage(&env).await;
    let app = create_app(&env, &lab_app(&env)).await;
    let post = |b: Value| {
        let env = &env;
        async move { env.call("POST", "/20200129/runs", &b.to_string()).await }
    };
    post(json!({"applicationId": app["id"]}))
        .await
        .expect_error(400, "InvalidParameter");
    post(json!({"compartmentId": env.tenancy()}))
        .await
        .expect_error(400, "InvalidParameter");
    post(json!({"compartmentId": env.tenancy(), "applicationId": "ocid1.dataflowapplication.oc1.x.nope"})).await.expect_error(404, "NotAuthorizedOrNotFound");
    post(json!({"compartmentId": env.tenancy(), "applicationId": app["id"], "driverShape": "VM.Standard2.1", "driverShapeConfig": {"ocpus": 1, "memoryInGBs": 8}})).await.expect_error(400, "InvalidParameter");
    post(json!({"compartmentId": env.tenancy(), "applicationId": app["id"], "arguments": ["${nope}"]})).await.expect_error(400, "InvalidParameter");

    // A run without an application: `execute` creates one implicitly.
    let ns = env.ns();
    let exec = post(json!({
        "compartmentId": env.tenancy(),
        "execute": format!("--conf spark.x=y oci://dataflow-lab-input@{ns}/scripts/etl_sales.py a b"),
        "driverShape": "VM.Standard2.1", "executorShape": "VM.Standard2.1", "numExecutors": 1, "sparkVersion": "3.5.0",
    }))
    .await
    .expect(200)
    .json();
    assert_eq!(
        exec["fileUri"],
        format!("oci://dataflow-lab-input@{ns}/scripts/etl_sales.py")
    );
    assert_eq!(exec["totalOCpu"], 2);
    let implicit = env
        .call(
            "GET",
            &format!(
                "/20200129/applications/{}",
                exec["applicationId"].as_str().unwrap()
            ),
            "",
        )
        .await
        .expect(200)
        .json();
    assert_eq!(implicit["displayName"], "etl_sales.py");

    // Retry token: same body → same run; different body → 409.
    let body =
        json!({"compartmentId": env.tenancy(), "applicationId": app["id"], "displayName": "tok"})
            .to_string();
    let a = env
        .call_h(
            "POST",
            "/20200129/runs",
            body.as_bytes(),
            &[("opc-retry-token", "r1")],
        )
        .await
        .expect(200)
        .json();
    let b = env
        .call_h(
            "POST",
            "/20200129/runs",
            body.as_bytes(),
            &[("opc-retry-token", "r1")],
        )
        .await
        .expect(200)
        .json();
    assert_eq!(a["id"], b["id"]);
    let other =
        json!({"compartmentId": env.tenancy(), "applicationId": app["id"], "displayName": "tok2"})
            .to_string();
    env.call_h(
        "POST",
        "/20200129/runs",
        other.as_bytes(),
        &[("opc-retry-token", "r1")],
    )
    .await
    .expect_error(409, "InvalidatedRetryToken");

    // UpdateRun: tags and limits only.
    let path = format!("/20200129/runs/{}", a["id"].as_str().unwrap());
    let upd = json!({"freeformTags": {"team": "lab"}, "maxDurationInMinutes": 60}).to_string();
    let u = env.call("PUT", &path, &upd).await.expect(200).json();
    assert_eq!(u["freeformTags"], json!({"team": "lab"}));
    assert_eq!(u["maxDurationInMinutes"], 60);
    env.call(
        "PUT",
        &path,
        &json!({"maxDurationInMinutes": 0}).to_string(),
    )
    .await
    .expect_error(400, "InvalidParameter");
    env.call("PUT", "/20200129/runs/ocid1.dataflowrun.oc1.x.nope", &upd)
        .await
        .expect_error(404, "NotAuthorizedOrNotFound");

    // ChangeRunCompartment needs a finished run.
    let lab = env
        .control("POST", "/_emulator/compartments", r#"{"name":"lab"}"#)
        .await
        .expect(200)
        .json();
    let change = json!({"compartmentId": lab["id"]}).to_string();
    env.call(
        "POST",
        &format!("{path}/actions/changeCompartment"),
        &change,
    )
    .await
    .expect_error(409, "IncorrectState");
    env.clock.advance(Duration::seconds(2));
    env.call(
        "POST",
        &format!("{path}/actions/changeCompartment"),
        &change,
    )
    .await
    .expect(200);
    assert_eq!(
        run_state(&env, a["id"].as_str().unwrap()).await["compartmentId"],
        lab["id"]
    );

    // ListRuns: one filter at a time, states, sort and paging.
    let list = format!("/20200129/runs?compartmentId={}", env.tenancy());
    let runs = env.call("GET", &list, "").await.expect(200).json();
    assert_eq!(
        runs.as_array().unwrap().len(),
        1,
        "the moved run is listed in its new compartment"
    );
    assert_eq!(runs[0]["lifecycleState"], "SUCCEEDED");
    assert!(runs[0].get("fileUri").is_none(), "RunSummary fields only");
    let by_app = env
        .call(
            "GET",
            &format!("{list}&applicationId={}", app["id"].as_str().unwrap()),
            "",
        )
        .await
        .expect(200)
        .json();
    assert_eq!(by_app, json!([]));
    let ok = env
        .call("GET", &format!("{list}&lifecycleState=SUCCEEDED"), "")
        .await
        .expect(200)
        .json();
    assert_eq!(ok.as_array().unwrap().len(), 1);
    env.call("GET", &format!("{list}&lifecycleState=DONE"), "")
        .await
        .expect_error(400, "InvalidParameter");
    env.call(
        "GET",
        &format!("{list}&lifecycleState=FAILED&displayName=x"),
        "",
    )
    .await
    .expect_error(400, "InvalidParameter");
    env.call(
        "GET",
        &format!("{list}&sortBy=totalOCpu&sortOrder=ASC&limit=1"),
        "",
    )
    .await
    .expect(200);
    env.call(
        "GET",
        &format!("{list}&timeCreatedGreaterThan=yesterday"),
        "",
    )
    .await
    .expect_error(400, "InvalidParameter");
}

/// A run in flight keeps going across a restart: its state is computed from stored timestamps.
#[tokio::test]
async fn restart_resumes_a_run_in_progress() {
    let env = with_delay(10_000);
    lab_storage(&env).await;
    let app = create_app(&env, &lab_app(&env)).await;
    let run = create_run(
        &env,
        &json!({"compartmentId": env.tenancy(), "applicationId": app["id"]}),
    )
    .await;
    let id = run["id"].as_str().unwrap().to_owned();
    env.clock.advance(Duration::seconds(15));
    assert_eq!(run_state(&env, &id).await["lifecycleState"], "IN_PROGRESS");

    let clock = Arc::new(ManualClock::at(env.clock.now()));
    let reopened = AppState::open(
        env.dir.path(),
        Options {
            clock: clock.clone(),
            ..Options::default()
        },
    )
    .unwrap();
    let get = |s: &AppState| {
        oci_emulator::services::dataflow::store::get_run(s, &id)
            .unwrap()
            .run
    };
    assert_eq!(get(&reopened).lifecycle_state, "IN_PROGRESS");
    clock.advance(Duration::seconds(5));
    let done = get(&reopened);
    assert_eq!(done.lifecycle_state, "SUCCEEDED");
    assert_eq!(done.run_duration_in_milliseconds, 10_000);
}

/// Over a real socket: create an application and a run with signed requests; a foreign key
/// gets 401.
#[tokio::test]
async fn real_socket_application_and_run() {
    let env = Env::new();
    lab_storage(&env).await;
    let server = socket::Server::start(env.state.clone()).await;
    let app = server
        .send(env.signed(
            "POST",
            "/20200129/applications",
            lab_app(&env).to_string().into_bytes(),
            &[],
        ))
        .await
        .expect(200)
        .json();
    let body = json!({"compartmentId": env.tenancy(), "applicationId": app["id"]}).to_string();
    let run = server
        .send(env.signed("POST", "/20200129/runs", body.into_bytes(), &[]))
        .await
        .expect(200)
        .json();
    let path = format!("/20200129/runs/{}", run["id"].as_str().unwrap());
    let got = server
        .send(env.signed("GET", &path, Vec::new(), &[]))
        .await
        .expect(200)
        .json();
    assert_eq!(got["lifecycleState"], "SUCCEEDED");
    let foreign = other_key();
    let req = env.signed_with(
        (&env.key_id(), &foreign),
        "GET",
        &path,
        Vec::new(),
        true,
        &[],
    );
    server.send(req).await.expect_error(401, "NotAuthenticated");
    server.shutdown().await;
}

/// The official provider's `terminate_runs_on_deletion` path: cascading delete, then the work
/// request, which must list the application as DELETED.
#[tokio::test]
async fn cascading_delete_cancels_runs_and_reports_a_work_request() {
    let env = with_delay(1000);
    lab_storage(&env).await;
    let app = create_app(&env, &lab_app(&env)).await;
    let app_id = app["id"].as_str().unwrap();
    let run = create_run(
        &env,
        &json!({"compartmentId": env.tenancy(), "applicationId": app_id}),
    )
    .await;
    let action = format!("/20200129/applications/{app_id}/actions/cascadingDeleteApplication");
    env.call_h("POST", &action, b"", &[("if-match", "stale")])
        .await
        .expect_error(412, "NoEtagMatch");
    let r = env.call("POST", &action, "").await.expect(202);
    let wr_id = r.header("opc-work-request-id").unwrap().to_owned();
    let wr_path = format!("/20200129/workRequests/{wr_id}");
    let wr = env.call("GET", &wr_path, "").await.expect(200).json();
    assert_eq!(wr["status"], "ACCEPTED");
    assert!(wr.get("timeFinished").is_none());
    assert_eq!(wr["resources"][0]["resourceId"], app_id);
    assert_eq!(wr["resources"][0]["actionType"], "DELETED");
    assert_eq!(wr["resources"][0]["workRequestid"], wr_id.as_str());
    assert_eq!(
        run_state(&env, run["id"].as_str().unwrap()).await["lifecycleState"],
        "CANCELING"
    );
    env.clock.advance(Duration::seconds(2));
    let wr = env.call("GET", &wr_path, "").await.expect(200).json();
    assert_eq!(wr["status"], "SUCCEEDED");
    assert_eq!(wr["percentComplete"], 100.0);
    assert!(wr["timeFinished"].as_str().is_some());
    assert_eq!(
        run_state(&env, run["id"].as_str().unwrap()).await["lifecycleState"],
        "CANCELED"
    );
    let app_now = env
        .call("GET", &format!("/20200129/applications/{app_id}"), "")
        .await
        .expect(200)
        .json();
    assert_eq!(app_now["lifecycleState"], "DELETED");
    let errors = env
        .call("GET", &format!("{wr_path}/errors"), "")
        .await
        .expect(200)
        .json();
    assert_eq!(errors, json!({"items": []}));
    env.call("POST", &action, "")
        .await
        .expect_error(409, "IncorrectState");
    env.call(
        "GET",
        "/20200129/workRequests/ocid1.dataflowworkrequest.oc1.x.nope",
        "",
    )
    .await
    .expect_error(404, "NotAuthorizedOrNotFound");
}

/// Fault rules and the request log see Data Flow operations by their OCI names: a 503 on
/// CreateRun fires once and creates nothing; the retry then succeeds.
#[tokio::test]
async fn fault_rules_and_request_log_name_data_flow_operations() {
    let env = Env::new();
    lab_storage(&env).await;
    let app = create_app(&env, &lab_app(&env)).await;
    let rule = json!({"service": "dataflow", "operation": "CreateRun", "status": 503, "code": "ServiceUnavailable", "count": 1});
    env.control("POST", "/_emulator/faults", &rule.to_string())
        .await;
    let body = json!({"compartmentId": env.tenancy(), "applicationId": app["id"]}).to_string();
    env.call("POST", "/20200129/runs", &body)
        .await
        .expect_error(503, "ServiceUnavailable");
    let list = format!("/20200129/runs?compartmentId={}", env.tenancy());
    assert_eq!(
        env.call("GET", &list, "").await.expect(200).json(),
        json!([])
    );
    env.call("POST", "/20200129/runs", &body).await.expect(200);
    let ops: Vec<(String, u16)> = env
        .control("GET", "/_emulator/requests", "")
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["service"] == "dataflow")
        .map(|r| {
            (
                r["operation"].as_str().unwrap_or("?").to_owned(),
                r["status"].as_u64().unwrap() as u16,
            )
        })
        .collect();
    let expected: Vec<(String, u16)> = [
        ("CreateApplication", 200),
        ("CreateRun", 503),
        ("ListRuns", 200),
        ("CreateRun", 200),
    ]
    .into_iter()
    .map(|(o, s)| (o.to_owned(), s))
    .collect();
    assert_eq!(ops, expected);
}

/// `POST /_emulator/reset` drops applications, runs, logs and work requests; the dump shows
/// them until then, with computed states.
#[tokio::test]
async fn dump_shows_applications_and_runs_and_reset_drops_them() {
    let env = Env::new();
    lab_storage(&env).await;
    let app = create_app(&env, &lab_app(&env)).await;
    let run = create_run(
        &env,
        &json!({"compartmentId": env.tenancy(), "applicationId": app["id"]}),
    )
    .await;
    let dump = env
        .control("GET", "/_emulator/dump", "")
        .await
        .expect(200)
        .json();
    assert_eq!(dump["applications"][0]["id"], app["id"]);
    assert_eq!(dump["runs"][0]["id"], run["id"]);
    assert_eq!(dump["runs"][0]["lifecycleState"], "SUCCEEDED");
    env.control("POST", "/_emulator/reset", "").await;
    let dump = env
        .control("GET", "/_emulator/dump", "")
        .await
        .expect(200)
        .json();
    assert_eq!(
        (dump["applications"].clone(), dump["runs"].clone()),
        (json!([]), json!([]))
    );
    let logs = format!("/20200129/runs/{}/logs", run["id"].as_str().unwrap());
    env.call("GET", &logs, "")
        .await
        .expect_error(404, "NotAuthorizedOrNotFound");
}
