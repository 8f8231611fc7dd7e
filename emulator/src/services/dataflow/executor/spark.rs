//! The Spark executor: a run's application really runs, with `spark-submit` from the `pyspark`
//! package in local mode, as its own process group.
//!
//! `oci://bucket@namespace/path` resolution (see the emulator README): every bucket of the
//! namespace is *staged* into `<data dir>/dataflow-runs/<run>/fs/<ns>/<bucket>/` (its objects
//! copied in, when the run may read it) and mounted for Hadoop with
//! `fs.oci.impl = ViewFileSystemOverloadScheme`, one mount table per `bucket@namespace`
//! authority whose `linkFallback` is that directory. So every `oci://` path the JVM sees —
//! arguments, configuration, Spark SQL locations, and paths the script builds itself — resolves
//! to the staged copy. When the driver exits 0, what changed under each bucket directory is
//! checked against IAM and mirrored into Object Storage through its `api` (new and changed
//! files put, deleted ones deleted); a failed or canceled run writes nothing but its logs.

use super::super::exec_state;
use super::super::logs::{ProducedLog, gzip_stored};
use super::super::run::effective_arguments;
use super::super::store;
use super::super::validate::OciUri;
use super::super::wire::Run;
use super::authz::{self, Access, IamMode, Verdict};
use super::local::{Sig, SparkEnv, group_alive, kill_group};
use super::runtime::{Executor, Runtime};
use crate::error::ApiError;
use crate::services::objectstorage::api as os;
use crate::state::AppState;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use time::macros::format_description;
use tokio::sync::Notify;

/// Most bytes staged for one run: the emulator copies objects, so it stays lab-sized.
const MAX_STAGED_BYTES: u64 = 2 << 30;
/// How long a canceled or timed-out driver gets after SIGTERM before SIGKILL.
const TERM_GRACE: Duration = Duration::from_secs(10);
/// Longest `lifecycleDetails` built from a traceback.
const MAX_DETAILS: usize = 2000;

/// A line in Spark's log format, so the emulator's own lines read like the rest of the log.
fn log_line(level: &str, text: &str) -> String {
    let now = time::OffsetDateTime::now_utc();
    let ts = now
        .format(format_description!(
            "[year repr:last_two]/[month]/[day] [hour]:[minute]:[second]"
        ))
        .unwrap_or_default();
    format!("{ts} {level} DataFlowEmulator: {text}")
}

/// What staging produced.
struct Staged {
    dir: PathBuf,
    /// (bucket, local directory) of every mounted bucket.
    mounts: Vec<(String, PathBuf)>,
    /// Staged files: (bucket, object name) → (length, modification time).
    manifest: BTreeMap<(String, String), (u64, SystemTime)>,
    /// Buckets the run may not read (mounted empty).
    denied_read: BTreeSet<String>,
    app_file: PathBuf,
    archive: Option<PathBuf>,
    notes: Vec<String>,
}

/// How a run ended.
enum End {
    Succeeded {
        read: i64,
        written: i64,
    },
    Failed(String),
    Canceled,
    /// Stopped at `maxDurationInMinutes` (STOPPING → STOPPED, as Data Flow does).
    Stopped(String),
}

/// The whole life of one Spark-driven run: wait for a slot, stage, run, mirror, log.
pub async fn run_task(state: &AppState, rt: &Runtime, run_id: &str, stop: Arc<Notify>) {
    if let Err(e) = run_task_inner(state, rt, run_id, stop).await {
        tracing::warn!(run = run_id, error = %e, "Spark run failed inside the emulator");
        let msg = format!("The emulator could not execute the run: {e}");
        let _ = store::finish_executed(state, run_id, 0, 0, "FAILED", Some(&msg));
    }
}

async fn run_task_inner(
    state: &AppState,
    rt: &Runtime,
    run_id: &str,
    stop: Arc<Notify>,
) -> Result<(), ApiError> {
    let Executor::Spark(env) = rt.executor().clone() else {
        return Ok(());
    };
    // Queue: FIFO slots; a cancel while queued ends the run without starting anything.
    let permit = tokio::select! {
        p = rt.0.slots.clone().acquire_owned() => p.map_err(|e| ApiError::internal(e.to_string()))?,
        () = stop.notified() => {
            let notes = vec![log_line("INFO", "the run was canceled while it waited for a free Spark slot")];
            write_logs(state, run_id, &notes, b"", b"")?;
            return store::finish_executed(state, run_id, 0, 0, "CANCELED", None);
        }
    };
    let started = state.now();
    state.db(|c| exec_state::set_started(c, run_id, started))?;
    let run = store::get_run(state, run_id)?.run;
    let mut notes = header_notes(rt, &env, &run);

    let staged = {
        let (state, rt, run) = (state.clone(), rt.clone(), run.clone());
        tokio::task::spawn_blocking(move || stage(&state, &rt, &run))
            .await
            .map_err(|e| ApiError::internal(e.to_string()))??
    };
    let staged = match staged {
        Ok(s) => s,
        Err(why) => {
            notes.push(log_line("ERROR", &why));
            write_logs(state, run_id, &notes, b"", why.as_bytes())?;
            drop(permit);
            return store::finish_executed(state, run_id, 0, 0, "FAILED", Some(&why));
        }
    };
    notes.extend(staged.notes.iter().cloned());
    if state.db(|c| exec_state::cancel_requested(c, run_id))? {
        write_logs(state, run_id, &notes, b"", b"")?;
        cleanup(&staged.dir);
        return store::finish_executed(state, run_id, 0, 0, "CANCELED", None);
    }

    let end = execute(state, rt, &env, &run, &staged, &stop, &mut notes).await?;
    let stdout = read_capped(&staged.dir.join("driver.stdout"));
    let stderr = read_capped(&staged.dir.join("driver.stderr"));
    let end = match end {
        End::Succeeded { read, .. } => {
            let (state2, run2) = (state.clone(), run.clone());
            let mode = rt.iam_mode();
            let mounts = staged.mounts.clone();
            let manifest = staged.manifest.clone();
            let mirrored = tokio::task::spawn_blocking(move || {
                mirror(&state2, mode, &run2, &mounts, &manifest)
            })
            .await
            .map_err(|e| ApiError::internal(e.to_string()))??;
            match mirrored {
                Ok((written, mirror_notes)) => {
                    notes.extend(mirror_notes);
                    End::Succeeded { read, written }
                }
                Err(why) => {
                    notes.push(log_line("ERROR", &why));
                    End::Failed(why)
                }
            }
        }
        other => other,
    };
    drop(permit);
    let mut stderr = stderr;
    if let End::Failed(why) = &end {
        // The verdict ends stderr, after everything the driver printed.
        stderr.extend_from_slice(log_line("ERROR", &format!("the run FAILED: {why}")).as_bytes());
        stderr.push(b'\n');
    }
    write_logs(state, run_id, &notes, &stdout, &stderr)?;
    cleanup(&staged.dir);
    match end {
        End::Succeeded { read, written } => {
            store::finish_executed(state, run_id, read, written, "SUCCEEDED", None)
        }
        End::Failed(why) => store::finish_executed(state, run_id, 0, 0, "FAILED", Some(&why)),
        End::Canceled => store::finish_executed(state, run_id, 0, 0, "CANCELED", None),
        End::Stopped(why) => store::finish_executed(state, run_id, 0, 0, "STOPPED", Some(&why)),
    }
}

/// What every Spark run's driver log starts with: the executor, and the requested version and
/// shapes next to what really runs (a mismatch is stated, never hidden).
fn header_notes(rt: &Runtime, env: &SparkEnv, run: &Run) -> Vec<String> {
    let mut notes = vec![log_line(
        "INFO",
        &format!("executor spark: {}", rt.describe()),
    )];
    let major_minor = |v: &str| v.split('.').take(2).collect::<Vec<_>>().join(".");
    if major_minor(&run.spark_version) != major_minor(&env.version) {
        notes.push(log_line(
            "WARN",
            &format!(
                "the run asks for Spark {} but this emulator runs Spark {} locally; behaviour may differ",
                run.spark_version, env.version
            ),
        ));
    } else {
        notes.push(log_line(
            "INFO",
            &format!(
                "the run asks for Spark {}; running Spark {}",
                run.spark_version, env.version
            ),
        ));
    }
    let shape = |name: &str, cfg: &Option<super::super::wire::ShapeConfig>| match cfg {
        Some(c) => format!(
            "{name} ({} OCPU, {} GB)",
            c.ocpus.map_or("?".to_owned(), |o| o.to_string()),
            c.memory_in_gbs.map_or("?".to_owned(), |m| m.to_string())
        ),
        None => name.to_owned(),
    };
    notes.push(log_line(
        "WARN",
        &format!(
            "requested driver shape {}, executor shape {} x {}: not emulated; the run executes as one local driver JVM (master {}, driver memory {})",
            shape(&run.driver_shape, &run.driver_shape_config),
            shape(&run.executor_shape, &run.executor_shape_config),
            run.num_executors,
            rt.0.master,
            rt.0.driver_memory
        ),
    ));
    notes
}

/// Check a run's access; `Err(message)` when it is denied in enforce mode.
fn need(
    state: &AppState,
    mode: IamMode,
    run: &Run,
    access: Access<'_>,
    notes: &mut Vec<String>,
) -> Result<Result<(), String>, ApiError> {
    Ok(match authz::check(state, mode, run, &access)? {
        Verdict::Allowed => Ok(()),
        Verdict::SoftDenied(note) => {
            notes.push(log_line("WARN", &note));
            Ok(())
        }
        Verdict::Denied(words) => Err(words),
    })
}

/// The staged copy of an object named `name` under `root`, if the name maps to a safe path.
fn local_path(root: &Path, name: &str) -> Option<PathBuf> {
    if name.is_empty() || name.ends_with('/') || name.starts_with('/') {
        return None;
    }
    let mut p = root.to_path_buf();
    for part in name.split('/') {
        if part.is_empty() || part == "." || part == ".." {
            return None;
        }
        p.push(part);
    }
    Some(p)
}

/// Stage the application and every bucket of the namespace. `Ok(Err(why))` fails the run.
fn stage(state: &AppState, rt: &Runtime, run: &Run) -> Result<Result<Staged, String>, ApiError> {
    let ns = state.identity().namespace.clone();
    let mode = rt.iam_mode();
    let dir = state.data_dir().join("dataflow-runs").join(&run.id);
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["fs", "app", "eventlog", "tmp", "conf"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    let mut notes = Vec::new();

    // The application file and archive: read, or the run fails as OCI's would.
    let fetch = |what: &str,
                 uri: &str,
                 notes: &mut Vec<String>|
     -> Result<Result<PathBuf, String>, ApiError> {
        let u = match OciUri::parse(what, uri) {
            Ok(u) => u,
            Err(e) => return Ok(Err(e.0)),
        };
        if let Err(words) = need(
            state,
            mode,
            run,
            Access {
                permission: "OBJECT_READ",
                namespace: &u.namespace,
                bucket: &u.bucket,
                purpose: what,
            },
            notes,
        )? {
            return Ok(Err(format!("{words} ({what} {uri})")));
        }
        let Some(bytes) = (u.namespace == ns)
            .then(|| os::read_object(state, &u.namespace, &u.bucket, &u.path))
            .transpose()?
            .flatten()
        else {
            return Ok(Err(format!(
                "{what} {uri} not found: the object '{}' does not exist in bucket '{}' (ObjectNotFound)",
                u.path, u.bucket
            )));
        };
        let name = u.path.rsplit('/').next().unwrap_or("app").to_owned();
        let path = dir.join("app").join(if name.is_empty() {
            "app".to_owned()
        } else {
            name
        });
        std::fs::write(&path, bytes)?;
        Ok(Ok(path))
    };
    let app_file = match fetch("application file", &run.file_uri, &mut notes)? {
        Ok(p) => p,
        Err(why) => return Ok(Err(why)),
    };
    let archive = match run.archive_uri.as_deref().filter(|a| !a.is_empty()) {
        Some(a) => match fetch("archive", a, &mut notes)? {
            Ok(p) => Some(p),
            Err(why) => return Ok(Err(why)),
        },
        None => None,
    };
    if let Some(logs) = run.logs_bucket_uri.as_deref().filter(|l| !l.is_empty())
        && let Ok(u) = OciUri::parse("logsBucketUri", logs)
        && let Err(words) = need(
            state,
            mode,
            run,
            Access {
                permission: "OBJECT_CREATE",
                namespace: &u.namespace,
                bucket: &u.bucket,
                purpose: "logs",
            },
            &mut notes,
        )?
    {
        return Ok(Err(format!("{words} (logs bucket {logs})")));
    }

    // Every bucket: mounted; its objects copied in when the run may read it.
    let mut mounts = Vec::new();
    let mut manifest = BTreeMap::new();
    let mut denied_read = BTreeSet::new();
    let mut total: u64 = 0;
    let mut count = 0usize;
    for bucket in os::bucket_names(state, &ns)? {
        let root = dir.join("fs").join(&ns).join(&bucket);
        std::fs::create_dir_all(&root)?;
        mounts.push((bucket.clone(), root.clone()));
        let access = Access {
            permission: "OBJECT_READ",
            namespace: &ns,
            bucket: &bucket,
            purpose: "read (staging the bucket for the run)",
        };
        if need(state, mode, run, access, &mut notes)?.is_err() {
            denied_read.insert(bucket);
            continue;
        }
        for (name, size) in os::object_sizes(state, &ns, &bucket)? {
            let Some(path) = local_path(&root, &name) else {
                notes.push(log_line(
                    "WARN",
                    &format!("object '{name}' in bucket '{bucket}' has no file path and is not visible to the run"),
                ));
                continue;
            };
            total += size.max(0) as u64;
            if total > MAX_STAGED_BYTES {
                return Ok(Err(format!(
                    "The emulator stages at most {} MiB of Object Storage data per run, and the buckets of namespace '{ns}' hold more",
                    MAX_STAGED_BYTES >> 20
                )));
            }
            let Some(bytes) = os::read_object(state, &ns, &bucket, &name)? else {
                continue;
            };
            if let Some(parent) = path.parent()
                && std::fs::create_dir_all(parent).is_err()
            {
                notes.push(log_line(
                    "WARN",
                    &format!("object '{name}' in bucket '{bucket}' clashes with another object's path and is not visible to the run"),
                ));
                continue;
            }
            if std::fs::write(&path, &bytes).is_err() {
                notes.push(log_line(
                    "WARN",
                    &format!("object '{name}' in bucket '{bucket}' clashes with another object's path and is not visible to the run"),
                ));
                continue;
            }
            let meta = std::fs::metadata(&path)?;
            manifest.insert(
                (bucket.clone(), name),
                (
                    meta.len(),
                    meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                ),
            );
            count += 1;
        }
    }
    notes.push(log_line(
        "INFO",
        &format!(
            "staged {count} object(s), {total} bytes; oci://<bucket>@{ns}/ resolves to the staged buckets {}",
            mounts
                .iter()
                .map(|(b, _)| b.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ));
    Ok(Ok(Staged {
        dir,
        mounts,
        manifest,
        denied_read,
        app_file,
        archive,
        notes,
    }))
}

/// Spark SQL applications run through this driver: each `;`-separated statement of the file,
/// with `${name}` replaced by the run's parameters (given as JSON in the environment).
const SQL_DRIVER: &str = r#"
import json, os, sys
from pyspark.sql import SparkSession
text = open(sys.argv[1], encoding="utf-8").read()
for name, value in json.loads(os.environ.get("DATAFLOW_SQL_PARAMETERS", "{}")).items():
    text = text.replace("${" + name + "}", value)
spark = SparkSession.builder.getOrCreate()
for statement in [s.strip() for s in text.split(";")]:
    if statement:
        print(">>> " + statement.splitlines()[0], flush=True)
        spark.sql(statement).show(20, truncate=False)
spark.stop()
"#;

/// Sets "kill me with SIGKILL when my parent (the emulator) dies", exits if the parent is
/// already gone, then becomes the given command.
const PDEATHSIG_SHIM: &str = "import ctypes, os, signal, sys\n\
ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)\n\
if os.getppid() == 1: sys.exit(70)\n\
os.execv(sys.argv[1], sys.argv[1:])\n";

/// Build and run `spark-submit`; wait for it, a cancel or the maximum duration.
async fn execute(
    state: &AppState,
    rt: &Runtime,
    env: &SparkEnv,
    run: &Run,
    staged: &Staged,
    stop: &Notify,
    notes: &mut Vec<String>,
) -> Result<End, ApiError> {
    let dir = &staged.dir;
    let ns = state.identity().namespace.clone();
    // The driver dies with the emulator (PR_SET_PDEATHSIG, set by a Python shim that then
    // execs spark-submit; the JVM keeps it across exec), so a killed emulator leaves no JVM.
    let mut cmd = tokio::process::Command::new(&env.python);
    cmd.arg("-c")
        .arg(PDEATHSIG_SHIM)
        .arg(env.spark_home.join("bin/spark-submit"))
        .arg("--master")
        .arg(&rt.0.master)
        .arg("--name")
        .arg(&run.display_name)
        .arg("--driver-memory")
        .arg(&rt.0.driver_memory)
        .arg("--driver-java-options")
        .arg(format!("-Djava.io.tmpdir={}", dir.join("tmp").display()));
    let file_url = |p: &Path| format!("file://{}", p.display());
    let mut conf: Vec<(String, String)> = vec![
        ("spark.ui.enabled".into(), "false".into()),
        ("spark.ui.showConsoleProgress".into(), "false".into()),
        (
            "spark.hadoop.fs.oci.impl".into(),
            "org.apache.hadoop.fs.viewfs.ViewFileSystemOverloadScheme".into(),
        ),
        (
            "spark.hadoop.fs.oci.impl.disable.cache".into(),
            "true".into(),
        ),
        ("spark.eventLog.enabled".into(), "true".into()),
        ("spark.eventLog.dir".into(), file_url(&dir.join("eventlog"))),
        ("spark.eventLog.compress".into(), "false".into()),
        ("spark.eventLog.rolling.enabled".into(), "false".into()),
        (
            "spark.sql.warehouse.dir".into(),
            file_url(&dir.join("tmp/warehouse")),
        ),
    ];
    for (bucket, root) in &staged.mounts {
        conf.push((
            format!("spark.hadoop.fs.viewfs.mounttable.{bucket}@{ns}.linkFallback"),
            file_url(root),
        ));
    }
    for (k, v) in &run.configuration {
        conf.push((k.clone(), v.clone()));
    }
    for (k, v) in conf {
        cmd.arg("--conf").arg(format!("{k}={v}"));
    }
    let args = effective_arguments(run);
    match run.language.as_str() {
        "JAVA" | "SCALA" => {
            if let Some(class) = run.class_name.as_deref().filter(|c| !c.is_empty()) {
                cmd.arg("--class").arg(class);
            }
            if let Some(a) = &staged.archive {
                cmd.arg("--jars").arg(a);
            }
            cmd.arg(&staged.app_file).args(&args);
        }
        "SQL" => {
            let driver = dir.join("app/_dataflow_sql_driver.py");
            std::fs::write(&driver, SQL_DRIVER)?;
            let params: BTreeMap<&str, &str> = run
                .parameters
                .iter()
                .map(|p| (p.name.as_str(), p.value.as_str()))
                .collect();
            cmd.env("DATAFLOW_SQL_PARAMETERS", serde_json::to_string(&params)?);
            cmd.arg(&driver).arg(&staged.app_file).args(&args);
        }
        _ => {
            if let Some(a) = &staged.archive {
                cmd.arg("--py-files").arg(a);
            }
            cmd.arg(&staged.app_file).args(&args);
        }
    }
    // PySpark's driver Python is the JVM's child: it gets the same death signal through a
    // wrapper, so it cannot outlive the JVM either.
    let driver_python = dir.join("app/_driver_python");
    let quote = |p: &Path| format!("'{}'", p.display().to_string().replace('\'', "'\\''"));
    std::fs::write(
        &driver_python,
        format!(
            "#!/bin/sh\nexec {py} -c '{PDEATHSIG_SHIM}' {py} \"$@\"\n",
            py = quote(&env.python)
        ),
    )?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&driver_python, std::fs::Permissions::from_mode(0o755))?;
    }
    cmd.env("SPARK_HOME", &env.spark_home)
        .env("PYSPARK_PYTHON", &env.python)
        .env("PYSPARK_DRIVER_PYTHON", &driver_python)
        .env("SPARK_LOCAL_IP", "127.0.0.1")
        .env("SPARK_LOCAL_DIRS", dir.join("tmp"))
        .env("SPARK_CONF_DIR", dir.join("conf"))
        .env("DATAFLOW_RUN_ID", &run.id)
        .current_dir(dir.join("tmp"))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(dir.join("driver.stdout"))?)
        .stderr(std::fs::File::create(dir.join("driver.stderr"))?)
        .process_group(0)
        .kill_on_drop(true);
    let started = std::time::Instant::now();
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return Ok(End::Failed(format!(
                "spark-submit could not be started: {e}"
            )));
        }
    };
    let pgid = child.id().map_or(0, |p| p as i32);
    rt.0.groups
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(pgid);
    let limit = run
        .max_duration_in_minutes
        .filter(|m| *m > 0)
        .map(|m| Duration::from_millis((m as u64).saturating_mul(rt.minute_ms())));
    let deadline = async {
        match limit {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    enum Why {
        Exited(std::io::Result<std::process::ExitStatus>),
        Canceled,
        TimedOut,
    }
    let why = tokio::select! {
        s = child.wait() => Why::Exited(s),
        () = stop.notified() => Why::Canceled,
        () = deadline => Why::TimedOut,
    };
    let (status, timed_out) = match why {
        Why::Exited(s) => (Some(s?), false),
        Why::Canceled | Why::TimedOut => {
            if matches!(why, Why::TimedOut) {
                let now = state.now();
                state.db(|c| exec_state::set_stopping(c, &run.id, now))?;
            }
            kill_group(pgid, Sig::Term);
            if tokio::time::timeout(TERM_GRACE, child.wait())
                .await
                .is_err()
            {
                kill_group(pgid, Sig::Kill);
                let _ = child.wait().await;
            }
            (None, matches!(why, Why::TimedOut))
        }
    };
    // Python workers and the driver's Python outlive the JVM for a moment: end the group.
    kill_group(pgid, Sig::Kill);
    let gone = std::time::Instant::now() + Duration::from_secs(10);
    while group_alive(pgid) && std::time::Instant::now() < gone {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    rt.0.groups
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&pgid);
    notes.push(log_line(
        "INFO",
        &format!("spark-submit ran for {} ms", started.elapsed().as_millis()),
    ));
    Ok(match status {
        Some(s) if s.success() => End::Succeeded {
            read: bytes_read(&dir.join("eventlog")),
            written: 0,
        },
        Some(s) => {
            // PySpark's driver prints the Python process's output, traceback included, on the
            // JVM's stdout; the JVM's own errors go to stderr.
            // Both are searched, stdout last so a Python traceback ends the text.
            let mut output = read_capped(&dir.join("driver.stderr"));
            output.extend_from_slice(&read_capped(&dir.join("driver.stdout")));
            End::Failed(failure_details(
                &String::from_utf8_lossy(&output),
                s,
                &staged.denied_read,
                &ns,
            ))
        }
        None if timed_out => {
            let minutes = run.max_duration_in_minutes.unwrap_or_default();
            let why = format!(
                "Run was stopped by Data Flow: it ran longer than maxDurationInMinutes ({minutes} minutes)."
            );
            notes.push(log_line("WARN", &why));
            End::Stopped(why)
        }
        None => {
            notes.push(log_line(
                "INFO",
                "the run was canceled; its Spark processes were stopped",
            ));
            End::Canceled
        }
    })
}

/// A file's bytes, at most the last 4 MiB (driver logs of lab jobs are kilobytes).
fn read_capped(path: &Path) -> Vec<u8> {
    const CAP: u64 = 4 << 20;
    let Ok(mut f) = std::fs::File::open(path) else {
        return Vec::new();
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    if len > CAP {
        use std::io::Seek;
        let _ = f.seek(std::io::SeekFrom::Start(len - CAP));
    }
    let mut out = Vec::new();
    let _ = f.read_to_end(&mut out);
    out
}

/// Spark's own log lines (`yy/MM/dd HH:mm:ss LEVEL ...`), as opposed to the job's output.
fn is_spark_log_line(line: &str) -> bool {
    if line.starts_with("WARNING: Using incubator modules")
        || line.starts_with("Using Spark's default log4j profile")
    {
        return true;
    }
    let b = line.as_bytes();
    b.len() > 18
        && b[2] == b'/'
        && b[5] == b'/'
        && b[8] == b' '
        && b[11] == b':'
        && [" INFO ", " WARN ", " ERROR ", " DEBUG "]
            .iter()
            .any(|l| line[17..].starts_with(l))
}

/// `lifecycleDetails` of a driver that exited non-zero, from its output: the last traceback's
/// tail (or the last lines), prefixed with Object Storage's wording when a bucket the run may not read is
/// named in it.
fn failure_details(
    output: &str,
    status: std::process::ExitStatus,
    denied_read: &BTreeSet<String>,
    ns: &str,
) -> String {
    let lines: Vec<&str> = output.lines().filter(|l| !is_spark_log_line(l)).collect();
    let start = lines
        .iter()
        .rposition(|l| l.starts_with("Traceback (most recent call last)"))
        .unwrap_or(lines.len().saturating_sub(10));
    let mut tail: Vec<&str> = lines[start..]
        .iter()
        .copied()
        .filter(|l| !l.trim().is_empty())
        .collect();
    if tail.len() > 12 {
        tail.drain(..tail.len() - 12);
    }
    let mut text = tail.join("\n");
    if text.len() > MAX_DETAILS {
        let mut cut = text.len() - MAX_DETAILS;
        while !text.is_char_boundary(cut) {
            cut += 1;
        }
        text = format!("…{}", &text[cut..]);
    }
    let code = status
        .code()
        .map_or("a signal".to_owned(), |c| c.to_string());
    let mut details = format!("Spark application exited with status {code}");
    if let Some(b) = denied_read
        .iter()
        .find(|b| output.contains(&format!("{b}@{ns}")))
    {
        details = format!("{}. {details}", authz::not_authorized(b, ns));
    }
    if text.is_empty() {
        details
    } else {
        format!("{details}:\n{text}")
    }
}

/// Bytes Spark's tasks read (the event log's `Input Metrics`), as Data Flow reports them.
fn bytes_read(eventlog: &Path) -> i64 {
    let mut total = 0i64;
    let Ok(entries) = std::fs::read_dir(eventlog) else {
        return 0;
    };
    for entry in entries.flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        for line in text.lines() {
            if !line.contains("SparkListenerTaskEnd") {
                continue;
            }
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
                total += v["Task Metrics"]["Input Metrics"]["Bytes Read"]
                    .as_i64()
                    .unwrap_or(0);
            }
        }
    }
    total
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("csv") => "text/csv",
        Some("json") => "application/json",
        Some("txt") => "text/plain",
        _ => "application/octet-stream",
    }
}

/// Every file under `root`, as object names relative to it (Hadoop's `.crc` side files aside).
fn files_under(root: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_dir() {
                stack.push(p);
            } else if ft.is_file() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') && name.ends_with(".crc") {
                    continue;
                }
                if let Ok(rel) = p.strip_prefix(root) {
                    let rel: Vec<String> = rel
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect();
                    out.push((rel.join("/"), p));
                }
            }
        }
    }
    out.sort();
    out
}

/// Mirror what the job changed into Object Storage, after checking every needed permission
/// (nothing is written if any is denied). `Ok(Err(why))` fails the run.
fn mirror(
    state: &AppState,
    mode: IamMode,
    run: &Run,
    mounts: &[(String, PathBuf)],
    manifest: &BTreeMap<(String, String), (u64, SystemTime)>,
) -> Result<Result<(i64, Vec<String>), String>, ApiError> {
    let ns = state.identity().namespace.clone();
    let mut puts = Vec::new();
    let mut deletes = Vec::new();
    for (bucket, root) in mounts {
        let present = files_under(root);
        let names: BTreeSet<&str> = present.iter().map(|(n, _)| n.as_str()).collect();
        for (name, path) in &present {
            let meta = std::fs::metadata(path)?;
            let now = (
                meta.len(),
                meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            );
            match manifest.get(&(bucket.clone(), name.clone())) {
                Some(before) if *before == now => {}
                Some(_) => puts.push((bucket.clone(), name.clone(), path.clone(), true)),
                None => puts.push((bucket.clone(), name.clone(), path.clone(), false)),
            }
        }
        for (b, name) in manifest.keys() {
            if b == bucket && !names.contains(name.as_str()) {
                deletes.push((bucket.clone(), name.clone()));
            }
        }
    }
    let mut notes = Vec::new();
    let mut needed: BTreeSet<(&str, String)> = BTreeSet::new();
    for (bucket, _, _, exists) in &puts {
        needed.insert((
            if *exists {
                "OBJECT_OVERWRITE"
            } else {
                "OBJECT_CREATE"
            },
            bucket.clone(),
        ));
    }
    for (bucket, _) in &deletes {
        needed.insert(("OBJECT_DELETE", bucket.clone()));
    }
    for (permission, bucket) in &needed {
        let access = Access {
            permission,
            namespace: &ns,
            bucket,
            purpose: "write (the job's output)",
        };
        if let Err(words) = need(state, mode, run, access, &mut notes)? {
            return Ok(Err(format!(
                "{words} ({permission} for the job's output in oci://{bucket}@{ns}/; nothing was written)"
            )));
        }
    }
    let mut written = 0i64;
    for (bucket, name, path, _) in &puts {
        let body = std::fs::read(path)?;
        written += body.len() as i64;
        if let Err(e) = os::put_object(state, &ns, bucket, name, content_type(name), body) {
            return Ok(Err(format!(
                "writing oci://{bucket}@{ns}/{name} failed: {}",
                e.message
            )));
        }
    }
    for (bucket, name) in &deletes {
        os::delete_object(state, &ns, bucket, name)?;
    }
    notes.push(log_line(
        "INFO",
        &format!(
            "committed the job's output to Object Storage: {} object(s) written ({written} bytes), {} deleted",
            puts.len(),
            deletes.len()
        ),
    ));
    Ok(Ok((written, notes)))
}

/// The run's driver logs: the emulator's lines first in stderr, then what the driver printed.
fn write_logs(
    state: &AppState,
    run_id: &str,
    notes: &[String],
    stdout: &[u8],
    stderr: &[u8],
) -> Result<(), ApiError> {
    let run = store::get_run(state, run_id)?.run;
    let now = state.now();
    let stamp = now
        .format(format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_default();
    let mut err = notes.join("\n").into_bytes();
    if !err.is_empty() {
        err.push(b'\n');
    }
    err.extend_from_slice(stderr);
    let logs: Vec<ProducedLog> = [
        ("stdout", "STDOUT", stdout.to_vec()),
        ("stderr", "STDERR", err),
    ]
    .into_iter()
    .map(|(suffix, kind, body)| ProducedLog {
        name: format!("spark_driver_{suffix}_{stamp}.log.gz"),
        object_name: format!("spark_driver_{suffix}.log.gz"),
        source: "DRIVER",
        kind,
        gz: gzip_stored(&body),
    })
    .collect();
    store::record_logs(state, &run, &logs, now)
}

fn cleanup(dir: &Path) {
    if std::env::var_os("OCI_EMULATOR_KEEP_STAGING").is_none() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    #[test]
    fn spark_log_lines_are_told_from_job_output() {
        assert!(is_spark_log_line(
            "26/12/01 18:00:01 INFO SparkContext: Running Spark version 4.0.1"
        ));
        assert!(!is_spark_log_line("ValueError: boom"));
        assert!(!is_spark_log_line("Traceback (most recent call last):"));
    }

    #[test]
    fn failure_details_keep_the_traceback_tail_and_name_a_denied_bucket() {
        let stderr = "26/12/01 18:00:01 INFO SparkContext: Running Spark version 4.0.1\n\
            Traceback (most recent call last):\n  File \"job.py\", line 3, in <module>\n\
            pyspark.errors.exceptions.captured.AnalysisException: [PATH_NOT_FOUND] Path does not exist: oci://in@ns1/x.csv.\n\
            26/12/01 18:00:02 INFO ShutdownHookManager: Shutdown hook called\n";
        let denied = BTreeSet::from(["in".to_owned()]);
        let d = failure_details(
            stderr,
            std::process::ExitStatus::from_raw(1 << 8),
            &denied,
            "ns1",
        );
        assert!(d.starts_with("BucketNotFound: Either the bucket named 'in' does not exist in the namespace 'ns1' or you are not authorized to access it. Spark application exited with status 1:\nTraceback"), "{d}");
        assert!(
            d.ends_with("Path does not exist: oci://in@ns1/x.csv."),
            "{d}"
        );
        assert!(!d.contains("ShutdownHookManager"));
        let d = failure_details(
            "ValueError: x\n",
            std::process::ExitStatus::from_raw(2 << 8),
            &BTreeSet::new(),
            "ns1",
        );
        assert_eq!(d, "Spark application exited with status 2:\nValueError: x");
    }

    #[test]
    fn object_names_map_to_safe_paths_only() {
        let root = Path::new("/r");
        assert_eq!(
            local_path(root, "a/b.csv"),
            Some(PathBuf::from("/r/a/b.csv"))
        );
        for bad in ["", "a/", "/a", "a//b", "../x", "a/./b"] {
            assert_eq!(local_path(root, bad), None, "{bad}");
        }
    }
}
