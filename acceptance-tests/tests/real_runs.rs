//! The lab (`examples/dataflow-lab`, copied as it is) applied with the real `terraform` against an
//! emulator that runs Data Flow jobs with a real local Spark (`--executor spark`, the pinned
//! pyspark of the shared venv under target/) and enforces IAM on runs (`--run-iam enforce`):
//! * with the lab's policy, the run SUCCEEDS: the Parquet under the output prefix decodes (with
//!   pyarrow) to the rows the lab's script must produce, and the logs bucket holds the driver's
//!   logs under `<run-ocid>/`; neither the apply nor the following plan warns about IAM;
//! * with the policy's object grant removed, the plan warns naming the missing grant (once the
//!   buckets exist: the first plan of a fresh tenancy has nothing to evaluate), the run
//!   ends FAILED with Object Storage's not-authorized wording, `terraform apply` fails with it,
//!   and nothing reaches the output bucket; switched to soft mode, the next apply replaces the
//!   failed run, which succeeds, and the would-be denial is in the emulator's IAM decisions.
//!
//! The check only warns: with the emulator's run IAM off the run succeeds anyway, and when IAM
//! cannot be read the plan goes on without the warning.
//!
//! Real Spark costs a cold JVM per run (~30 s on 2 cores), so there are two runs in all and the
//! tests take turns.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use acceptance_tests::venv::{run_or_fail, spark_python};
use acceptance_tests::{Env, TfOutput};
use oci_client::services::objectstorage::{GetObjectOptions, ListObjectsRequest};
use serde_json::{Value, json};

/// One real-Spark test at a time: two JVMs at once would only fight over the 2 cores.
static SERIAL: Mutex<()> = Mutex::new(());

const OUTPUT: &str = "dataflow-lab-output";
const LOGS: &str = "dataflow-lab-logs";
const RUN: &str = "oci_dataflow_invoke_run.sales_etl";
/// The lab policy's object grant (iam.tf); the denial test removes this statement.
const OBJECT_GRANT: &str = "to manage objects in compartment id ${var.compartment_ocid}";
/// The plan-time warning's title (provider: `dataflow::run_iam`).
const WARNING: &str = "Data Flow Run Not Authorized";

/// A fresh emulator running real Spark with run IAM in `mode`, and the lab copied into the
/// working directory (after `edit`), initialised.
fn lab(mode: &str, edit: impl FnOnce(&Path)) -> Env {
    let python = spark_python();
    let python = python.to_str().expect("venv path is UTF-8");
    let mut env = Env::with_emulator_args(&[
        "--executor",
        "spark",
        "--spark-python",
        python,
        "--run-iam",
        mode,
    ]);
    env.copy_lab();
    edit(env.wd.path());
    env.wd.init().assert_success();
    env
}

/// Takes the lab policy's object grant out of the copied `iam.tf`.
fn remove_object_grant(dir: &Path) {
    let iam = dir.join("iam.tf");
    let text = std::fs::read_to_string(&iam).unwrap();
    let kept: Vec<&str> = text.lines().filter(|l| !l.contains(OBJECT_GRANT)).collect();
    assert_eq!(
        kept.len() + 1,
        text.lines().count(),
        "iam.tf has exactly one object grant"
    );
    std::fs::write(&iam, kept.join("\n") + "\n").unwrap();
}

/// Terraform's output with the diagnostic frame (`│`) and line wrapping taken out, so a sentence
/// can be searched for whole.
fn flat(out: &TfOutput) -> String {
    out.combined()
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn object_names(env: &Env, bucket: &str) -> Vec<String> {
    let ns = env.namespace().to_string();
    let req = ListObjectsRequest::default();
    env.oci(async |c| c.list_all_objects(&ns, bucket, &req).await.unwrap())
        .objects
        .into_iter()
        .map(|o| o.name)
        .collect()
}

fn run_id(env: &Env) -> String {
    env.wd.resource_values(RUN).expect("the run is in state")["id"]
        .as_str()
        .expect("an id")
        .to_string()
}

/// Downloads the Parquet files under `prefix` of the output bucket and decodes them with
/// pyarrow: the rows, sorted by order id.
fn parquet_rows(env: &Env, prefix: &str) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let ns = env.namespace().to_string();
    let parts: Vec<String> = object_names(env, OUTPUT)
        .into_iter()
        .filter(|n| n.starts_with(prefix) && n.ends_with(".parquet"))
        .collect();
    assert!(!parts.is_empty(), "no Parquet under {prefix}");
    for name in &parts {
        let file: PathBuf = dir.path().join(name.rsplit('/').next().unwrap());
        env.oci(async |c| {
            c.get_object_to_file(&ns, OUTPUT, name, &GetObjectOptions::default(), &file)
                .await
                .unwrap()
        });
    }
    let out = run_or_fail(
        "decode Parquet with pyarrow",
        std::process::Command::new(spark_python())
            .arg("-c")
            .arg(
                "import json, sys, pyarrow.parquet as pq\n\
             rows = pq.read_table(sys.argv[1]).to_pylist()\n\
             print(json.dumps(sorted(rows, key=lambda r: r['order_id']), default=str))",
            )
            .arg(dir.path()),
    );
    serde_json::from_str::<Vec<Value>>(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn lab_runs_spark_for_real_parquet_rows_and_driver_logs_under_the_run() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let env = lab("enforce", |_| {});

    let apply = env.wd.apply();
    assert!(
        !flat(&apply).contains(WARNING),
        "everything is granted: no IAM warning\n{}",
        apply.combined()
    );
    let state = env.wd.run(&["output", "-raw", "run_state"]);
    assert_eq!(state.stdout, "SUCCEEDED", "{}", apply.combined());

    // The lab script's output: orders of at least 10, labelled by size.
    let rows = parquet_rows(&env, "curated/sales_parquet/");
    let expected = [
        (1001, "C001", 120.5, "APAC", "high"),
        (1002, "C002", 19.99, "EMEA", "low"),
        (1003, "C001", 220.0, "APAC", "high"),
        (1005, "C004", 89.0, "EMEA", "medium"),
    ]
    .map(|(id, c, a, r, b)| {
        json!({"order_id": id, "customer_id": c, "amount": a, "region": r, "amount_bucket": b})
    });
    assert_eq!(rows, expected);
    let outputs = object_names(&env, OUTPUT);
    assert!(
        outputs.contains(&"curated/sales_parquet/_SUCCESS".to_string()),
        "{outputs:?}"
    );

    // The driver's logs, under the run's OCID as Data Flow names them.
    let id = run_id(&env);
    let mut logs = object_names(&env, LOGS);
    logs.sort();
    assert_eq!(
        logs,
        [
            format!("{id}/spark_driver_stderr.log.gz"),
            format!("{id}/spark_driver_stdout.log.gz")
        ]
    );
    let run = env.wd.resource_values(RUN).unwrap();
    // Measured, not invented: Spark read at least the CSV, and wrote what is in the bucket.
    let csv = std::fs::metadata(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/dataflow-lab/files/sales.csv"),
    )
    .unwrap()
    .len();
    let read: u64 = run["data_read_in_bytes"]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(read >= csv, "{run}");

    // The re-plan reads the same grants and stays quiet (and empty).
    let plan = env
        .wd
        .run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
    assert_eq!(plan.status.code(), Some(0), "{}", plan.combined());
    assert!(!flat(&plan).contains(WARNING), "{}", plan.combined());
}

#[test]
fn without_the_object_grant_apply_fails_not_authorized_and_soft_mode_records_the_denial() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let env = lab("enforce", remove_object_grant);
    let ns = env.namespace().to_string();

    // A fresh tenancy: the buckets do not exist yet, so nothing is evaluated and nothing warned.
    let first = env.wd.run(&["plan", "-input=false", "-no-color"]);
    first.assert_success();
    assert!(!flat(&first).contains(WARNING), "{}", first.combined());

    let apply = env.wd.try_apply();
    assert!(!apply.success(), "{}", apply.combined());
    let words = format!(
        "BucketNotFound: Either the bucket named 'dataflow-lab-input' does not exist in the \
         namespace '{ns}' or you are not authorized to access it"
    );
    let stderr = apply.stderr.replace('│', " ");
    let stderr = stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        stderr.contains("Error: ") && stderr.contains(&words),
        "apply fails with the not-authorized wording:\n{}",
        apply.stderr
    );
    // Terraform plans the run again just before creating it, once the buckets and (depends_on)
    // the policy exist: that plan warned before the run failed.
    assert!(
        flat(&apply).contains(&format!("Warning: {WARNING}")),
        "{}",
        apply.combined()
    );
    let id = run_id(&env);
    let run = env.wd.resource_values(RUN).unwrap();
    assert_eq!(run["state"], "FAILED", "{run}");
    assert!(
        run["lifecycle_details"]
            .as_str()
            .is_some_and(|d| d.contains(&words)),
        "{run}"
    );
    assert_eq!(
        object_names(&env, OUTPUT),
        Vec::<String>::new(),
        "a denied run writes nothing"
    );
    // The plan now sees the buckets and the policy: it names the missing grant.
    let plan = env.wd.run(&["plan", "-input=false", "-no-color"]);
    plan.assert_success();
    let text = flat(&plan);
    assert!(
        text.contains(&format!("Warning: {WARNING}"))
            && text.contains(
                "no policy let a Data Flow run in compartment tenancy (ocid1.tenancy.oc1"
            )
            && text.contains(&words)
            && text.contains(
                "Allow dynamic-group dg-dataflow-lab-runs to read objects in tenancy where \
                 target.bucket.name = 'dataflow-lab-input'"
            ),
        "the plan warns naming the missing grant:\n{}",
        plan.combined()
    );
    let denied = env.emulator.run_iam_decisions(&id);
    assert!(
        denied
            .iter()
            .any(|d| d["allowed"] == false && d["enforced"] == true),
        "{denied:?}"
    );

    // Soft mode: the failed (tainted) run is replaced; the new one succeeds, and what enforce
    // would have denied is recorded for it.
    env.emulator.set_run_iam("soft");
    let apply = env.wd.apply();
    let state = env.wd.run(&["output", "-raw", "run_state"]);
    assert_eq!(state.stdout, "SUCCEEDED", "{}", apply.combined());
    let soft_id = run_id(&env);
    assert_ne!(soft_id, id, "a new run");
    let decisions = env.emulator.run_iam_decisions(&soft_id);
    let would_be: Vec<(&str, &str)> = decisions
        .iter()
        .filter(|d| d["allowed"] == false && d["enforced"] == false && d["mode"] == "soft")
        .map(|d| {
            (
                d["permission"].as_str().unwrap(),
                d["bucket"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        would_be.contains(&("OBJECT_READ", "dataflow-lab-input")),
        "{decisions:?}"
    );
    assert!(
        object_names(&env, OUTPUT).contains(&"curated/sales_parquet/_SUCCESS".to_string()),
        "soft mode lets the run write"
    );
}

/// The plan-time check is a warning, never a failure: with run IAM off in the emulator the
/// run succeeds although the plans warned, and when IAM cannot be read (ListPolicies failing)
/// the plan still succeeds, without the warning, as fast as without the check's retries.
/// (Simulated executor: no Spark needed to show it.)
#[test]
fn the_plan_time_check_only_warns_and_degrades_to_silence_when_iam_cannot_be_read() {
    let mut env = Env::new();
    env.copy_lab();
    remove_object_grant(env.wd.path());
    env.wd.init().assert_success();
    let apply = env.wd.apply();
    assert!(flat(&apply).contains(WARNING), "{}", apply.combined());
    let state = env.wd.run(&["output", "-raw", "run_state"]);
    assert_eq!(state.stdout, "SUCCEEDED");

    let plan = env.wd.run(&["plan", "-input=false", "-no-color"]);
    plan.assert_success();
    assert!(flat(&plan).contains(WARNING), "{}", plan.combined());

    env.emulator
        .add_fault(json!({"operation": "ListPolicies", "status": 500, "count": 1000}));
    env.emulator.clear_requests();
    let plan = env.wd.run(&["plan", "-input=false", "-no-color"]);
    plan.assert_success();
    assert!(!flat(&plan).contains(WARNING), "{}", plan.combined());
    let failed: Vec<_> = env
        .emulator
        .requests()
        .into_iter()
        .filter(|r| r.operation.as_deref() == Some("ListPolicies"))
        .collect();
    assert_eq!(
        failed.len(),
        1,
        "one attempt, no retries at plan time: {failed:?}"
    );
}
