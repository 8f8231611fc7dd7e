//! The `spark` executor for real: the `oci-emulator` binary with `--executor spark` runs PySpark
//! jobs with the pinned pyspark (`spark/requirements.txt`, cached venv under the target dir,
//! Java 17+ on PATH) over a real socket. The lab-shaped job reads a CSV object, aggregates and
//! writes Parquet, also to a path it builds itself; a SQL application does the same through
//! Spark SQL; the rows are decoded with pyarrow. A job
//! that raises fails with its traceback tail; cancel and max duration stop the JVM (checked in
//! the process table); runs beyond the one slot wait in ACCEPTED; the driver JVM is capped
//! and has no UI; a missing object grant fails the run before any JVM starts; a run in
//! progress when the emulator is killed ends FAILED, saying so, when it starts again; a SCALA
//! application (a jar compiled in the test with the Scala compiler pyspark ships, as the JRE
//! has no javac) runs with its `--class`. Spark
//! tests are few and serialised (each JVM costs seconds and memory on a 2-core machine);
//! everything waits on conditions with deadlines.

mod common;

use acceptance_tests::procfs::tree_rss_kib;
use common::real::Real;
use common::venv::{cached_venv, run_or_fail};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use std::time::{Duration, Instant};

/// One Spark test at a time in this binary.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn venv() -> PathBuf {
    let req = Path::new(env!("CARGO_MANIFEST_DIR")).join("spark/requirements.txt");
    cached_venv("spark-venv", "pyspark", &req)
}

struct Emulator {
    child: Child,
    info: Value,
    dir: tempfile::TempDir,
}

impl Emulator {
    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // Still running (not killed by the test): SIGTERM, and the emulator stops its Spark
        // process groups on the way out.
        if let Ok(None) = self.child.try_wait() {
            let _ = Command::new("kill")
                .arg(self.child.id().to_string())
                .status();
            let _ = self.child.wait();
        }
    }
}

fn start(extra: &[&str]) -> (Emulator, Real) {
    start_in(tempfile::tempdir().unwrap(), extra)
}

/// Starts the emulator on the data directory under `dir` (kept from an earlier process for a
/// restart).
fn start_in(dir: tempfile::TempDir, extra: &[&str]) -> (Emulator, Real) {
    let python = venv().join("bin/python");
    let mut child = Command::new(env!("CARGO_BIN_EXE_oci-emulator"))
        .args([
            "serve",
            "--json",
            "--lifecycle-ms",
            "0",
            "--executor",
            "spark",
        ])
        .arg("--spark-python")
        .arg(&python)
        .args(extra)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start oci-emulator");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("JSON line");
    let info: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    assert_eq!(info["dataflow_executor"], "spark", "{info}");
    let real = Real::from_info(&info);
    (Emulator { child, info, dir }, real)
}

const INPUT: &str = "dataflow-lab-input";
const OUTPUT: &str = "dataflow-lab-output";
const LOGS: &str = "dataflow-lab-logs";
const READ_BUCKETS: &str = "Allow dynamic-group dg-runs to read buckets in compartment lab";
const MANAGE_OBJECTS: &str = "Allow dynamic-group dg-runs to manage objects in compartment lab";

const SALES: &str = "order_id,customer_id,amount,region\n1001,C001,120.50,APAC\n1002,C002,19.99,EMEA\n1003,C001,220.00,APAC\n1004,C003,5.00,NA\n1005,C004,89.00,EMEA\n";

/// Reads the CSV, aggregates by region, writes Parquet to the output argument, and a second
/// Parquet output to a URI it builds itself from the input's namespace.
const LAB_JOB: &str = r#"
import sys
from pyspark.sql import SparkSession, functions as F
inp, out = sys.argv[1], sys.argv[2]
spark = SparkSession.builder.appName("lab").getOrCreate()
orders = spark.read.option("header", "true").option("inferSchema", "true").csv(inp)
by_region = orders.groupBy("region").agg(F.count("*").alias("orders"), F.round(F.sum("amount"), 2).alias("total"))
by_region.coalesce(1).write.mode("overwrite").parquet(out)
ns = inp.split("/")[2].split("@")[1]
orders.filter(F.col("amount") >= 100).coalesce(1).write.mode("overwrite").parquet("oci://dataflow-lab-output@" + ns + "/derived/high_value/")
print("orders read:", orders.count())
spark.stop()
"#;

const SQL_JOB: &str = r#"
CREATE TEMPORARY VIEW sales USING csv
  OPTIONS (path 'oci://dataflow-lab-input@${ns}/sales.csv', header 'true', inferSchema 'true');
INSERT OVERWRITE DIRECTORY 'oci://dataflow-lab-output@${ns}/sql/totals/' USING parquet
  SELECT region, ROUND(SUM(amount), 2) AS total FROM sales GROUP BY region;
"#;

const RAISING_JOB: &str = r#"
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
def check(n):
    raise ValueError("boom from the job: %d rows is not enough" % n)
check(spark.range(3).count())
"#;

const SLEEPING_JOB: &str = r#"
import time
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
print("started", spark.range(1).count(), flush=True)
time.sleep(600)
"#;

/// Compartment `lab`, the three buckets, the CSV, the job scripts, and a dynamic group for the
/// compartment's runs with the given policy statements. Returns the compartment id.
async fn lab(c: &Real, ns: &str, statements: &[&str]) -> String {
    let comp = c
        .call("POST", "/_emulator/compartments", br#"{"name": "lab"}"#)
        .await
        .expect(200)
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for b in [INPUT, OUTPUT, LOGS] {
        c.call(
            "POST",
            &format!("/n/{ns}/b"),
            json!({"name": b, "compartmentId": comp})
                .to_string()
                .as_bytes(),
        )
        .await
        .expect(200);
    }
    for (name, body) in [
        ("sales.csv", SALES),
        ("scripts%2Flab.py", LAB_JOB),
        ("scripts%2Fraise.py", RAISING_JOB),
        ("scripts%2Fsleep.py", SLEEPING_JOB),
        ("scripts%2Ftotals.sql", SQL_JOB),
    ] {
        c.call(
            "PUT",
            &format!("/n/{ns}/b/{INPUT}/o/{name}"),
            body.as_bytes(),
        )
        .await
        .expect(200);
    }
    let rule = format!("ALL {{resource.type = 'dataflowrun', resource.compartment.id = '{comp}'}}");
    let tenancy = c.key_id.split('/').next().unwrap().to_owned();
    c.call(
        "POST",
        "/20160918/dynamicGroups",
        json!({"compartmentId": tenancy, "name": "dg-runs", "description": "runs", "matchingRule": rule}).to_string().as_bytes(),
    )
    .await
    .expect(200);
    c.call(
        "POST",
        "/20160918/policies",
        json!({"compartmentId": tenancy, "name": "lab-policy", "description": "lab", "statements": statements}).to_string().as_bytes(),
    )
    .await
    .expect(200);
    comp
}

async fn create_run(c: &Real, ns: &str, comp: &str, script: &str, extra: Value) -> String {
    let mut body = json!({
        "compartmentId": comp,
        "displayName": script,
        "execute": format!("oci://{INPUT}@{ns}/scripts/{script}"),
        "arguments": [format!("oci://{INPUT}@{ns}/sales.csv"), format!("oci://{OUTPUT}@{ns}/curated/sales_parquet/")],
        "logsBucketUri": format!("oci://{LOGS}@{ns}/"),
    });
    for (k, v) in shapes()
        .as_object()
        .unwrap()
        .iter()
        .chain(extra.as_object().unwrap())
    {
        body[k] = v.clone();
    }
    post_id(c, "/20200129/runs", &body).await
}

/// The Spark version and shapes every test run asks for.
fn shapes() -> Value {
    json!({
        "sparkVersion": "3.5.0",
        "driverShape": "VM.Standard2.1",
        "executorShape": "VM.Standard2.1",
        "numExecutors": 1,
    })
}

/// POST a create request; the new resource's id.
async fn post_id(c: &Real, path: &str, body: &Value) -> String {
    c.call("POST", path, body.to_string().as_bytes())
        .await
        .expect(200)
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn get_run(c: &Real, id: &str) -> Value {
    c.call("GET", &format!("/20200129/runs/{id}"), b"")
        .await
        .expect(200)
        .json()
}

/// Poll until `pred` holds for the run (or panic after `secs`), calling `each` every poll.
async fn wait_run(
    c: &Real,
    id: &str,
    secs: u64,
    mut each: impl FnMut(&Value),
    pred: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let r = get_run(c, id).await;
        each(&r);
        if pred(&r) {
            return r;
        }
        assert!(
            Instant::now() < deadline,
            "run did not get there in {secs} s: {r}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn terminal(r: &Value) -> bool {
    matches!(
        r["lifecycleState"].as_str(),
        Some("SUCCEEDED" | "FAILED" | "CANCELED" | "STOPPED")
    )
}

/// Processes whose command line mentions `needle` (the run's staging directory is in the
/// driver JVM's and the Python driver's command lines).
fn processes_mentioning(needle: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmd) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        if cmd.contains(needle) && pid != std::process::id() {
            out.push((pid, cmd));
        }
    }
    out
}

async fn objects(c: &Real, ns: &str, bucket: &str) -> Vec<(String, i64)> {
    let list = c
        .call(
            "GET",
            &format!("/n/{ns}/b/{bucket}/o?fields=name,size"),
            b"",
        )
        .await
        .expect(200)
        .json();
    list["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["name"].as_str().unwrap().to_owned(),
                o["size"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// Download the Parquet objects under `prefix` and decode them with pyarrow: rows as JSON.
async fn decode_parquet(c: &Real, ns: &str, prefix: &str, python: &Path) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    for (name, _) in objects(c, ns, OUTPUT).await {
        if name.starts_with(prefix) && name.ends_with(".parquet") {
            let body = c
                .call(
                    "GET",
                    &format!("/n/{ns}/b/{OUTPUT}/o/{}", common::enc(&name)),
                    b"",
                )
                .await
                .expect(200)
                .body;
            std::fs::write(dir.path().join(name.rsplit('/').next().unwrap()), body).unwrap();
        }
    }
    let out = run_or_fail(
        "decode Parquet with pyarrow",
        Command::new(python).arg("-c").arg(
            "import json, sys, pyarrow.parquet as pq\n\
             rows = pq.read_table(sys.argv[1]).to_pylist()\n\
             print(json.dumps(sorted(rows, key=lambda r: json.dumps(r, sort_keys=True)), default=str))",
        ).arg(dir.path()),
    );
    serde_json::from_str::<Value>(out.trim())
        .unwrap_or_else(|e| panic!("{e}: {out}"))
        .as_array()
        .unwrap()
        .clone()
}

async fn driver_stderr(c: &Real, id: &str) -> String {
    driver_log(c, id, "STDERR").await
}

/// A driver log (`STDOUT`/`STDERR`) as ListRunLogs/GetRunLog serve it (stored deflate blocks:
/// the text is readable in the gzip member).
async fn driver_log(c: &Real, id: &str, kind: &str) -> String {
    let logs = c
        .call("GET", &format!("/20200129/runs/{id}/logs"), b"")
        .await
        .expect(200)
        .json();
    let name = logs
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} log: {logs}"))["name"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = c
        .call("GET", &format!("/20200129/runs/{id}/logs/{name}"), b"")
        .await
        .expect(200)
        .body;
    String::from_utf8_lossy(&body).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lab_job_runs_for_real_writes_parquet_and_driver_logs() {
    let _serial = SERIAL.lock().await;
    let (emu, c) = start(&[]);
    let ns = emu.info["namespace"].as_str().unwrap().to_owned();
    let comp = lab(&c, &ns, &[READ_BUCKETS, MANAGE_OBJECTS]).await;

    let submitted = Instant::now();
    let id = create_run(&c, &ns, &comp, "lab.py", json!({})).await;
    let mut running_at = None;
    let mut peak_kib = 0;
    let emu_pid = emu.child.id();
    let done = wait_run(
        &c,
        &id,
        300,
        |r| {
            if running_at.is_none() && r["lifecycleState"] == "IN_PROGRESS" {
                running_at = Some(submitted.elapsed());
            }
            peak_kib = peak_kib.max(tree_rss_kib(emu_pid));
        },
        terminal,
    )
    .await;
    let total = submitted.elapsed();
    println!(
        "FIGURES lab job: submit -> IN_PROGRESS {:?}, submit -> {} {:?}; peak RSS emulator + Spark {} MiB",
        running_at,
        done["lifecycleState"],
        total,
        peak_kib / 1024
    );
    assert_eq!(done["lifecycleState"], "SUCCEEDED", "{done}");
    assert!(running_at.is_some(), "IN_PROGRESS was observed");

    // Parquet under the output prefix, from the argument and from the path the script built.
    let outputs = objects(&c, &ns, OUTPUT).await;
    let names: Vec<&str> = outputs.iter().map(|(n, _)| n.as_str()).collect();
    for prefix in ["curated/sales_parquet/", "derived/high_value/"] {
        assert!(
            names.contains(&format!("{prefix}_SUCCESS").as_str()),
            "{names:?}"
        );
        assert!(
            names
                .iter()
                .any(|n| n.starts_with(&format!("{prefix}part-")) && n.ends_with(".parquet")),
            "{names:?}"
        );
    }
    assert!(
        !names
            .iter()
            .any(|n| n.ends_with(".crc") || n.contains("_temporary")),
        "{names:?}"
    );
    let python = venv().join("bin/python");
    let rows = decode_parquet(&c, &ns, "curated/sales_parquet/", &python).await;
    assert_eq!(
        rows,
        vec![
            json!({"orders": 1, "region": "NA", "total": 5.0}),
            json!({"orders": 2, "region": "APAC", "total": 340.5}),
            json!({"orders": 2, "region": "EMEA", "total": 108.99}),
        ]
    );
    let high = decode_parquet(&c, &ns, "derived/high_value/", &python).await;
    let ids: Vec<i64> = high
        .iter()
        .map(|r| r["order_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [1001, 1003]);

    // Measured figures: bytes the job read (Spark's input metrics), bytes put, duration.
    let written: i64 = outputs.iter().map(|(_, s)| s).sum();
    assert_eq!(done["dataWrittenInBytes"].as_i64(), Some(written), "{done}");
    assert!(
        done["dataReadInBytes"].as_i64().unwrap() >= SALES.len() as i64,
        "{done}"
    );
    let duration = done["runDurationInMilliseconds"].as_i64().unwrap();
    assert!(
        duration > 0 && duration <= total.as_millis() as i64,
        "{done}"
    );

    // Driver logs: served by the API and put under <run id>/ in the logs bucket.
    let log = driver_stderr(&c, &id).await;
    assert!(log.contains("DataFlowEmulator: executor spark"), "{log}");
    assert!(
        log.contains("the run asks for Spark 3.5.0 but this emulator runs Spark 4.0.1 locally"),
        "{log}"
    );
    assert!(
        log.contains("requested driver shape VM.Standard2.1"),
        "{log}"
    );
    assert!(
        log.contains("SparkContext"),
        "Spark's own log follows: {log}"
    );
    let logs: Vec<String> = objects(&c, &ns, LOGS)
        .await
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(
        logs,
        [
            format!("{id}/spark_driver_stderr.log.gz"),
            format!("{id}/spark_driver_stdout.log.gz")
        ]
    );
    let stdout = c
        .call(
            "GET",
            &format!("/n/{ns}/b/{LOGS}/o/{}", common::enc(&logs[1])),
            b"",
        )
        .await
        .expect(200)
        .body;
    assert!(String::from_utf8_lossy(&stdout).contains("orders read: 5"));
    assert!(
        processes_mentioning(&id).is_empty(),
        "no process of the run is left"
    );

    // A SQL application: its statements run through Spark SQL, `${name}` filled from the run's
    // parameters, the oci:// locations in the SQL text resolved like any other.
    let sql = create_run(
        &c,
        &ns,
        &comp,
        "totals.sql",
        json!({
            "arguments": [],
            "parameters": [{"name": "ns", "value": ns}],
        }),
    )
    .await;
    let done = wait_run(&c, &sql, 300, |_| {}, terminal).await;
    assert_eq!(done["lifecycleState"], "SUCCEEDED", "{done}");
    assert_eq!(done["language"], "SQL");
    let rows = decode_parquet(&c, &ns, "sql/totals/", &python).await;
    assert_eq!(
        rows,
        vec![
            json!({"region": "APAC", "total": 340.5}),
            json!({"region": "EMEA", "total": 108.99}),
            json!({"region": "NA", "total": 5.0}),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_cancel_and_max_duration_stop_the_jvm() {
    let _serial = SERIAL.lock().await;
    let (emu, c) = start(&[]);
    let ns = emu.info["namespace"].as_str().unwrap().to_owned();
    let comp = lab(&c, &ns, &[READ_BUCKETS]).await;

    // Without the object grant the run cannot read its script: FAILED before any JVM, with
    // Object Storage's wording, nothing written.
    let denied = create_run(&c, &ns, &comp, "lab.py", json!({})).await;
    let r = wait_run(&c, &denied, 60, |_| {}, terminal).await;
    assert_eq!(r["lifecycleState"], "FAILED", "{r}");
    let words = format!(
        "BucketNotFound: Either the bucket named '{INPUT}' does not exist in the namespace '{ns}' or you are not authorized to access it"
    );
    assert!(
        r["lifecycleDetails"].as_str().unwrap().starts_with(&words),
        "{r}"
    );
    assert!(driver_stderr(&c, &denied).await.contains(&words));
    assert!(objects(&c, &ns, OUTPUT).await.is_empty());
    let tenancy = c.key_id.split('/').next().unwrap().to_owned();
    let policies = c
        .call(
            "GET",
            &format!("/20160918/policies?compartmentId={tenancy}"),
            b"",
        )
        .await
        .expect(200)
        .json();
    let pid = policies[0]["id"].as_str().unwrap();
    c.call(
        "PUT",
        &format!("/20160918/policies/{pid}"),
        json!({"statements": [READ_BUCKETS, MANAGE_OBJECTS]})
            .to_string()
            .as_bytes(),
    )
    .await
    .expect(200);

    // A job that raises: FAILED with the traceback's tail.
    let raising = create_run(&c, &ns, &comp, "raise.py", json!({})).await;
    let r = wait_run(&c, &raising, 300, |_| {}, terminal).await;
    assert_eq!(r["lifecycleState"], "FAILED", "{r}");
    let details = r["lifecycleDetails"].as_str().unwrap();
    assert!(
        details.starts_with("Spark application exited with status 1:"),
        "{details}"
    );
    assert!(
        details.contains("Traceback (most recent call last)"),
        "{details}"
    );
    assert!(
        details.ends_with("ValueError: boom from the job: 3 rows is not enough"),
        "{details}"
    );
    assert!(
        driver_log(&c, &raising, "STDOUT")
            .await
            .contains("ValueError: boom from the job"),
        "PySpark prints the Python traceback on the driver's stdout"
    );
    assert!(
        driver_stderr(&c, &raising).await.contains(
            "ERROR DataFlowEmulator: the run FAILED: Spark application exited with status 1"
        ),
        "the verdict ends the driver's stderr"
    );

    // Cancel while running: CANCELING, then CANCELED, and the JVM is gone.
    let sleeping = create_run(&c, &ns, &comp, "sleep.py", json!({})).await;
    wait_run(
        &c,
        &sleeping,
        300,
        |_| {},
        |r| {
            // The job prints "started" before it sleeps: then the driver JVM is up for sure.
            let out = emu
                .data_dir()
                .join(format!("dataflow-runs/{sleeping}/driver.stdout"));
            r["lifecycleState"] == "IN_PROGRESS"
                && std::fs::read_to_string(out).is_ok_and(|t| t.contains("started 1"))
        },
    )
    .await;
    // The driver JVM is capped and has no UI.
    let jvm: Vec<String> = processes_mentioning(&sleeping)
        .into_iter()
        .map(|(_, cmd)| cmd)
        .filter(|cmd| cmd.contains("java"))
        .collect();
    assert!(
        jvm.iter().any(|cmd| cmd.contains("-Xmx1g")
            && cmd.contains("spark.ui.enabled=false")
            && cmd.contains("local[2]")),
        "{jvm:?}"
    );
    // Bounded: with one slot taken, the next run waits in ACCEPTED; cancelled there, it never
    // stages (no IAM decision recorded) nor starts a JVM.
    let queued = create_run(&c, &ns, &comp, "sleep.py", json!({})).await;
    assert_eq!(
        get_run(&c, &sleeping).await["lifecycleState"],
        "IN_PROGRESS"
    );
    assert_eq!(get_run(&c, &queued).await["lifecycleState"], "ACCEPTED");
    c.call("DELETE", &format!("/20200129/runs/{queued}"), b"")
        .await
        .expect(202);
    let q = wait_run(&c, &queued, 60, |_| {}, terminal).await;
    assert_eq!(q["lifecycleState"], "CANCELED", "{q}");
    let recorded = c
        .call(
            "GET",
            &format!("/_emulator/dataflow/iam/decisions?run_id={queued}"),
            b"",
        )
        .await
        .expect(200)
        .json();
    assert_eq!(recorded, json!([]), "the queued run never started");
    assert_eq!(processes_mentioning(&queued), vec![]);

    c.call("DELETE", &format!("/20200129/runs/{sleeping}"), b"")
        .await
        .expect(202);
    let r = wait_run(&c, &sleeping, 60, |_| {}, terminal).await;
    assert_eq!(r["lifecycleState"], "CANCELED", "{r}");
    assert_eq!(
        processes_mentioning(&sleeping),
        vec![],
        "no orphan after cancel"
    );

    // Max duration (one "minute" made 4 s through the control API): STOPPING, then STOPPED.
    c.call(
        "PUT",
        "/_emulator/dataflow/executor",
        br#"{"minute_ms": 4000}"#,
    )
    .await
    .expect(200);
    let limited = create_run(
        &c,
        &ns,
        &comp,
        "sleep.py",
        json!({"maxDurationInMinutes": 1}),
    )
    .await;
    let r = wait_run(&c, &limited, 300, |_| {}, terminal).await;
    assert_eq!(r["lifecycleState"], "STOPPED", "{r}");
    assert!(
        r["lifecycleDetails"]
            .as_str()
            .unwrap()
            .contains("it ran longer than maxDurationInMinutes (1 minutes)"),
        "{r}"
    );
    assert_eq!(
        processes_mentioning(&limited),
        vec![],
        "no orphan after max duration"
    );
    assert!(
        objects(&c, &ns, OUTPUT).await.is_empty(),
        "failed and canceled runs write nothing"
    );
}

/// A run IN_PROGRESS, its driver started, when the emulator is killed (SIGKILL, as a crash):
/// the driver dies with it (parent-death signal), and the restarted emulator ends the run
/// FAILED saying why, instead of leaving it IN_PROGRESS forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_in_progress_when_the_emulator_is_killed_ends_failed_on_restart() {
    let _serial = SERIAL.lock().await;
    let (mut emu, c) = start(&[]);
    let ns = emu.info["namespace"].as_str().unwrap().to_owned();
    let comp = lab(&c, &ns, &[READ_BUCKETS, MANAGE_OBJECTS]).await;
    let id = create_run(&c, &ns, &comp, "sleep.py", json!({})).await;
    // IN_PROGRESS with the driver started (no need to wait for the JVM to finish booting).
    wait_run(
        &c,
        &id,
        300,
        |_| {},
        |r| r["lifecycleState"] == "IN_PROGRESS" && !processes_mentioning(&id).is_empty(),
    )
    .await;

    emu.child.kill().unwrap();
    emu.child.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !processes_mentioning(&id).is_empty() {
        assert!(
            Instant::now() < deadline,
            "the run's processes outlived the killed emulator: {:?}",
            processes_mentioning(&id)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let dir = std::mem::replace(&mut emu.dir, tempfile::tempdir().unwrap());
    let (_emu, c) = start_in(dir, &[]);
    let r = get_run(&c, &id).await;
    assert_eq!(r["lifecycleState"], "FAILED", "{r}");
    assert_eq!(
        r["lifecycleDetails"],
        "The emulator stopped while this run was in progress; its Spark process ended with it.",
        "{r}"
    );
    assert_eq!(processes_mentioning(&id), vec![], "nothing was restarted");
}

/// Two objects with `main`, so the jar's manifest names no main class: only `--class` (the
/// application's className) picks `LabJob`.
const SCALA_JOB: &str = r#"
object LabJob {
  def main(args: Array[String]): Unit = {
    val spark = org.apache.spark.sql.SparkSession.builder().appName("scala-lab").getOrCreate()
    val orders = spark.read.option("header", "true").option("inferSchema", "true").csv(args(0))
    orders.groupBy("region").count().coalesce(1).write.mode("overwrite").parquet(args(1))
    println("scala job done")
    spark.stop()
  }
}
object Decoy {
  def main(args: Array[String]): Unit = sys.error("the wrong main class ran")
}
"#;

/// A jar of `source`, compiled with the Scala compiler among pyspark's jars (no download, no
/// JDK: the JRE runs scalac).
fn scala_jar(source: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let python = venv().join("bin/python");
    let jars = run_or_fail(
        "find pyspark's jars",
        Command::new(&python).args([
            "-c",
            "import os, pyspark; print(os.path.join(os.path.dirname(pyspark.__file__), 'jars'))",
        ]),
    );
    std::fs::write(dir.path().join("Job.scala"), source).unwrap();
    let jar = dir.path().join("job.jar");
    run_or_fail(
        "scalac",
        Command::new("java")
            .arg("-cp")
            .arg(format!("{}/*", jars.trim()))
            .args(["scala.tools.nsc.Main", "-usejavacp", "-d"])
            .arg(&jar)
            .arg(dir.path().join("Job.scala")),
    );
    std::fs::read(jar).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scala_jar_runs_with_its_main_class_and_writes_parquet() {
    let _serial = SERIAL.lock().await;
    let jar = scala_jar(SCALA_JOB);
    let (emu, c) = start(&[]);
    let ns = emu.info["namespace"].as_str().unwrap().to_owned();
    let comp = lab(&c, &ns, &[READ_BUCKETS, MANAGE_OBJECTS]).await;
    c.call("PUT", &format!("/n/{ns}/b/{INPUT}/o/jobs%2Flab.jar"), &jar)
        .await
        .expect(200);
    // The run's settings (shapes, arguments, logs) come from the application.
    let mut app = json!({
        "compartmentId": comp,
        "displayName": "scala-lab",
        "language": "SCALA",
        "className": "LabJob",
        "fileUri": format!("oci://{INPUT}@{ns}/jobs/lab.jar"),
    });
    for (k, v) in shapes().as_object().unwrap() {
        app[k] = v.clone();
    }
    app["logsBucketUri"] = json!(format!("oci://{LOGS}@{ns}/"));
    app["arguments"] = json!([
        format!("oci://{INPUT}@{ns}/sales.csv"),
        format!("oci://{OUTPUT}@{ns}/scala/by_region/")
    ]);
    let app = post_id(&c, "/20200129/applications", &app).await;
    let id = post_id(
        &c,
        "/20200129/runs",
        &json!({"compartmentId": comp, "applicationId": app, "displayName": "scala-run"}),
    )
    .await;
    let done = wait_run(&c, &id, 300, |_| {}, terminal).await;
    assert_eq!(
        done["lifecycleState"],
        "SUCCEEDED",
        "{done}\n{}",
        driver_stderr(&c, &id).await
    );
    assert!(
        driver_log(&c, &id, "STDOUT")
            .await
            .contains("scala job done")
    );
    let python = venv().join("bin/python");
    let rows = decode_parquet(&c, &ns, "scala/by_region/", &python).await;
    assert_eq!(
        rows,
        vec![
            json!({"count": 1, "region": "NA"}),
            json!({"count": 2, "region": "APAC"}),
            json!({"count": 2, "region": "EMEA"}),
        ]
    );
    assert_eq!(processes_mentioning(&id), vec![]);
}
