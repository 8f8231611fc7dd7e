//! IAM-aware Data Flow runs (simulated executor, manual clock, `app().oneshot`): a run acts as
//! its resource principal (`resource.type = 'dataflowrun'`), and the tenancy's dynamic groups
//! and policies decide what it may touch. Enforce fails the run with Object Storage's wording
//! and writes nothing; soft succeeds and records the would-be denial; off evaluates nothing;
//! the control API explains a decision. No JVM is started here.

mod common;

use common::{Env, enc};
use oci_emulator::services::dataflow::executor::{IamMode, Runtime, RuntimeConfig};
use serde_json::{Value, json};

fn env_with(mode: IamMode) -> Env {
    Env::with_options(|o| {
        o.extensions.insert(
            Runtime::new(RuntimeConfig {
                iam_mode: mode,
                ..RuntimeConfig::default()
            })
            .unwrap(),
        );
    })
}

const INPUT: &str = "dataflow-lab-input";
const OUTPUT: &str = "dataflow-lab-output";
const LOGS: &str = "dataflow-lab-logs";

/// The lab: a compartment, its three buckets, the script and CSV, and a dynamic group matching
/// the compartment's runs. Returns the compartment id.
async fn lab(env: &Env) -> String {
    let comp = env
        .control("POST", "/_emulator/compartments", r#"{"name": "lab"}"#)
        .await
        .expect(200)
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for b in [INPUT, OUTPUT, LOGS] {
        env.call(
            "POST",
            &format!("/n/{}/b", env.ns()),
            &json!({"name": b, "compartmentId": comp}).to_string(),
        )
        .await
        .expect(200);
    }
    env.put_object(INPUT, "sales.csv", b"order_id,amount\n1,120.5\n")
        .await
        .expect(200);
    env.put_object(INPUT, &enc("scripts/etl_sales.py"), b"print('etl')\n")
        .await
        .expect(200);
    let rule = format!("ALL {{resource.type = 'dataflowrun', resource.compartment.id = '{comp}'}}");
    env.call(
        "POST",
        "/20160918/dynamicGroups",
        &json!({"compartmentId": env.tenancy(), "name": "dg-dataflow-runs-lab", "description": "runs", "matchingRule": rule}).to_string(),
    )
    .await
    .expect(200);
    comp
}

async fn policy(env: &Env, statements: &[&str]) {
    env.call(
        "POST",
        "/20160918/policies",
        &json!({"compartmentId": env.tenancy(), "name": "lab-policy", "description": "lab", "statements": statements}).to_string(),
    )
    .await
    .expect(200);
}

const READ_BUCKETS: &str =
    "Allow dynamic-group dg-dataflow-runs-lab to read buckets in compartment lab";
const MANAGE_OBJECTS: &str =
    "Allow dynamic-group dg-dataflow-runs-lab to manage objects in compartment lab";

async fn run(env: &Env, comp: &str) -> Value {
    let ns = env.ns();
    let body = json!({
        "compartmentId": comp,
        "displayName": "lab-run",
        "execute": format!("oci://{INPUT}@{ns}/scripts/etl_sales.py"),
        "language": "PYTHON",
        "sparkVersion": "3.5.0",
        "driverShape": "VM.Standard2.1",
        "executorShape": "VM.Standard2.1",
        "numExecutors": 1,
        "arguments": [format!("oci://{INPUT}@{ns}/sales.csv"), format!("oci://{OUTPUT}@{ns}/curated/")],
        "logsBucketUri": format!("oci://{LOGS}@{ns}/"),
    });
    let id = env
        .call("POST", "/20200129/runs", &body.to_string())
        .await
        .expect(200)
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Zero lifecycle delay: the simulated run is terminal at once.
    env.call("GET", &format!("/20200129/runs/{id}"), "")
        .await
        .expect(200)
        .json()
}

async fn objects(env: &Env, bucket: &str) -> Vec<String> {
    env.control("GET", "/_emulator/dump", "")
        .await
        .expect(200)
        .json()["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["bucket"] == bucket)
        .map(|o| o["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn driver_stderr(env: &Env, id: &str) -> String {
    let logs = env
        .call("GET", &format!("/20200129/runs/{id}/logs"), "")
        .await
        .expect(200)
        .json();
    let name = logs
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["type"] == "STDERR")
        .expect("a driver stderr log")["name"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = env
        .call("GET", &format!("/20200129/runs/{id}/logs/{name}"), "")
        .await
        .expect(200);
    // Stored deflate blocks: the text is readable inside the gzip member.
    String::from_utf8_lossy(&body.body).into_owned()
}

async fn decisions(env: &Env, id: &str) -> Vec<Value> {
    env.control(
        "GET",
        &format!("/_emulator/dataflow/iam/decisions?run_id={id}"),
        "",
    )
    .await
    .expect(200)
    .json()
    .as_array()
    .unwrap()
    .clone()
}

#[tokio::test]
async fn enforce_fails_a_run_without_the_object_grant_and_writes_nothing() {
    let env = env_with(IamMode::Enforce);
    let comp = lab(&env).await;
    policy(&env, &[READ_BUCKETS]).await;
    let r = run(&env, &comp).await;
    let id = r["id"].as_str().unwrap();
    assert_eq!(r["lifecycleState"], "FAILED", "{r}");
    let details = r["lifecycleDetails"].as_str().unwrap();
    let ns = env.ns();
    let words = format!(
        "BucketNotFound: Either the bucket named '{INPUT}' does not exist in the namespace '{ns}' or you are not authorized to access it"
    );
    assert!(details.starts_with(&words), "{details}");
    assert!(driver_stderr(&env, id).await.contains(&words));
    assert!(objects(&env, OUTPUT).await.is_empty(), "nothing written");
    let d = decisions(&env, id).await;
    assert_eq!(d.len(), 1, "the first denied access ends the run: {d:?}");
    assert_eq!(d[0]["permission"], "OBJECT_READ");
    assert_eq!(d[0]["bucket"], INPUT);
    assert_eq!(
        (d[0]["allowed"].as_bool(), d[0]["enforced"].as_bool()),
        (Some(false), Some(true))
    );
    assert_eq!(
        d[0]["matched_dynamic_groups"],
        json!(["dg-dataflow-runs-lab"])
    );

    // The explanation says why no statement applied.
    let e = env
        .control(
            "POST",
            "/_emulator/dataflow/iam/explain",
            &json!({"run_id": id, "permission": "OBJECT_READ", "bucket": INPUT}).to_string(),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(e["allowed"], false);
    assert_eq!(e["allowed_by"], Value::Null);
    let why = e["explanation"].as_str().unwrap();
    assert!(
        why.contains("lab-policy") && why.contains("statement 0"),
        "{why}"
    );
}

#[tokio::test]
async fn enforce_with_the_lab_policy_succeeds_and_the_allowing_statement_is_named() {
    let env = env_with(IamMode::Enforce);
    let comp = lab(&env).await;
    policy(&env, &[READ_BUCKETS, MANAGE_OBJECTS]).await;
    let r = run(&env, &comp).await;
    let id = r["id"].as_str().unwrap();
    assert_eq!(r["lifecycleState"], "SUCCEEDED", "{r}");
    assert!(
        objects(&env, OUTPUT)
            .await
            .contains(&"curated/_SUCCESS".to_owned())
    );
    let d = decisions(&env, id).await;
    let perms: Vec<(&str, &str)> = d
        .iter()
        .map(|x| {
            (
                x["permission"].as_str().unwrap(),
                x["bucket"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        perms,
        [
            ("OBJECT_READ", INPUT),
            ("OBJECT_READ", INPUT),
            ("OBJECT_CREATE", OUTPUT),
            ("OBJECT_CREATE", LOGS)
        ]
    );
    assert!(d.iter().all(|x| x["allowed"] == true));
    assert_eq!(d[0]["allowed_by"]["statement"], MANAGE_OBJECTS);
    assert_eq!(d[0]["allowed_by"]["statement_index"], 1);
    let log = driver_stderr(&env, id).await;
    assert!(
        log.contains("executor simulated: no Spark was started"),
        "each simulated run's log says so: {log}"
    );
    let e = env
        .control(
            "POST",
            "/_emulator/dataflow/iam/explain",
            &json!({"run_id": id, "permission": "object_create", "bucket": OUTPUT}).to_string(),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(e["allowed"], true);
    assert_eq!(e["allowed_by"]["policy"], "lab-policy");
    assert_eq!(e["principal"]["resource_type"], "dataflowrun");
}

#[tokio::test]
async fn soft_mode_succeeds_and_records_the_would_be_denial() {
    let env = env_with(IamMode::Enforce);
    // Switched through the control API.
    let info = env
        .control("PUT", "/_emulator/dataflow/iam", r#"{"mode": "soft"}"#)
        .await
        .expect(200)
        .json();
    assert_eq!(info["iam_mode"], "soft");
    assert_eq!(info["executor"], "simulated");
    let comp = lab(&env).await;
    policy(&env, &[READ_BUCKETS]).await;
    let r = run(&env, &comp).await;
    let id = r["id"].as_str().unwrap();
    assert_eq!(r["lifecycleState"], "SUCCEEDED", "{r}");
    assert!(!objects(&env, OUTPUT).await.is_empty());
    let d = decisions(&env, id).await;
    assert!(!d.is_empty());
    assert!(
        d.iter()
            .all(|x| x["allowed"] == false && x["enforced"] == false && x["mode"] == "soft"),
        "{d:?}"
    );
    let log = driver_stderr(&env, id).await;
    assert!(
        log.contains("IAM soft mode: OBJECT_READ on bucket 'dataflow-lab-input'")
            && log.contains("would have been denied"),
        "{log}"
    );

    // Off: nothing is evaluated or recorded, the run succeeds.
    env.control("PUT", "/_emulator/dataflow/iam", r#"{"mode": "off"}"#)
        .await
        .expect(200);
    let r = run(&env, &comp).await;
    assert_eq!(r["lifecycleState"], "SUCCEEDED");
    assert!(decisions(&env, r["id"].as_str().unwrap()).await.is_empty());

    env.control("PUT", "/_emulator/dataflow/iam", r#"{"mode": "loose"}"#)
        .await
        .expect_error(400, "InvalidParameter");
}
