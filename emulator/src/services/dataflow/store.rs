//! Data Flow state: applications and runs, and the run lifecycle.
//!
//! Applications are ACTIVE as soon as they are created (creation is synchronous at OCI too);
//! delete goes DELETING → DELETED over the lifecycle delay.
//!
//! Runs: ACCEPTED → IN_PROGRESS → SUCCEEDED | FAILED, one lifecycle delay per phase, computed
//! from stored timestamps (`lifecycle::Timeline`), so a restart resumes a run where it was. The
//! outcome is planned at create from what the emulated Object Storage holds (script, archive,
//! argument buckets, logs bucket; see `plan_outcome`), with the `lifecycleDetails` the user would
//! see. (The emulator's simplification: the outcome is fixed at create, so uploading a missing
//! script afterwards does not rescue that run; a new run sees it.) Cancel (DeleteRun) switches
//! to CANCELING → CANCELED from the cancel time.
//!
//! When a run reaches its terminal state the emulator "settles" it once: it writes the driver
//! logs (served by ListRunLogs/GetRunLog and, if a logs bucket is set, written there) and, on
//! SUCCEEDED, an emulated Spark output under the second argument's prefix: an empty `_SUCCESS`
//! marker and one `part-00000-<uuid>-c000.snappy.parquet` placeholder (not real Parquet data; it
//! exists so the lab's "output written" check is meaningful). Settling happens on the next Data
//! Flow request after the finish time, and at the finish time through a timer started at create.

use super::exec_state::{self, ExecPlan, ExecView};
use super::logs::{self, ProducedLog};
use super::objects;
use super::run::{RunPhase, effective_arguments};
use super::validate::OciUri;
use super::wire::{
    Application, ApplicationParameter, Run, RunLogSummary, WorkRequest, WorkRequestResource,
};
use crate::clock::{parse_rfc3339, rfc3339_millis};
use crate::error::ApiError;
use crate::headers::check_if_match;
use crate::lifecycle::Timeline;
use crate::state::AppState;
use rusqlite::{Connection, OptionalExtension};
use serde_json::Value;
use time::{Duration, OffsetDateTime};

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS df_applications (
    id             TEXT PRIMARY KEY,
    compartment_id TEXT NOT NULL,
    time_created   TEXT NOT NULL,
    delay_ms       INTEGER NOT NULL,
    time_deleted   TEXT,
    etag           TEXT NOT NULL,
    doc            TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS df_runs (
    id             TEXT PRIMARY KEY,
    compartment_id TEXT NOT NULL,
    application_id TEXT NOT NULL,
    time_created   TEXT NOT NULL,
    delay_ms       INTEGER NOT NULL,
    outcome        TEXT NOT NULL,
    details        TEXT,
    time_canceled  TEXT,
    settled        INTEGER NOT NULL DEFAULT 0,
    etag           TEXT NOT NULL,
    doc            TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS df_run_logs (
    run_id         TEXT NOT NULL,
    name           TEXT NOT NULL,
    source         TEXT NOT NULL,
    type           TEXT NOT NULL,
    time_created   TEXT NOT NULL,
    body           BLOB NOT NULL,
    PRIMARY KEY (run_id, name)
);
-- Facts about a run added after df_runs was first shipped (a new table, so old data dirs keep
-- working): how long its CANCELING lasts (the lifecycle delay when DeleteRun came) and, for a
-- script that raised, the Python traceback its driver's stderr shows.
CREATE TABLE IF NOT EXISTS df_run_facts (
    run_id          TEXT PRIMARY KEY,
    cancel_delay_ms INTEGER,
    traceback       TEXT
);
CREATE TABLE IF NOT EXISTS df_work_requests (
    id             TEXT PRIMARY KEY,
    time_created   TEXT NOT NULL,
    delay_ms       INTEGER NOT NULL,
    doc            TEXT NOT NULL
);
"#;

pub fn new_etag() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

// ------------------------------------------------------------------------------------------------
// Applications

struct AppRow {
    delay_ms: i64,
    time_deleted: Option<String>,
    etag: String,
    doc: String,
}

/// An application with its state computed at some instant.
#[derive(Debug, Clone)]
pub struct StoredApp {
    pub app: Application,
    pub etag: String,
}

const APP_COLUMNS: &str = "delay_ms, time_deleted, etag, doc";

fn read_app_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AppRow> {
    Ok(AppRow {
        delay_ms: r.get(0)?,
        time_deleted: r.get(1)?,
        etag: r.get(2)?,
        doc: r.get(3)?,
    })
}

fn app_state(row: &AppRow, now: OffsetDateTime) -> &'static str {
    match row.time_deleted.as_deref().and_then(parse_rfc3339) {
        Some(t) => {
            Timeline::new(
                t,
                &[("DELETING", Duration::milliseconds(row.delay_ms))],
                "DELETED",
            )
            .at(now)
            .state
        }
        None => "ACTIVE",
    }
}

fn hydrate_app(row: AppRow, now: OffsetDateTime) -> Result<StoredApp, ApiError> {
    let mut app: Application = serde_json::from_str(&row.doc)?;
    app_state(&row, now).clone_into(&mut app.lifecycle_state);
    Ok(StoredApp {
        app,
        etag: row.etag,
    })
}

fn app_row(c: &Connection, id: &str) -> Result<Option<AppRow>, ApiError> {
    Ok(c.query_row(
        &format!("SELECT {APP_COLUMNS} FROM df_applications WHERE id = ?1"),
        [id],
        read_app_row,
    )
    .optional()?)
}

/// Insert on `conn`, the create's transaction (see `idempotency.rs`).
pub fn insert_app(conn: &Connection, app: &Application) -> Result<StoredApp, ApiError> {
    let etag = new_etag();
    let doc = serde_json::to_string(app)?;
    conn.execute(
        "INSERT INTO df_applications (id, compartment_id, time_created, delay_ms, time_deleted, etag, doc) VALUES (?1,?2,?3,0,NULL,?4,?5)",
        (&app.id, &app.compartment_id, &app.time_created, &etag, &doc),
    )?;
    Ok(StoredApp {
        app: app.clone(),
        etag,
    })
}

/// One application, DELETED ones included; 404 if unknown.
pub fn get_app(state: &AppState, id: &str) -> Result<StoredApp, ApiError> {
    let now = state.now();
    let row = state
        .db(|c| app_row(c, id))?
        .ok_or_else(|| ApiError::not_found("application", id))?;
    hydrate_app(row, now)
}

/// Every application (all compartments when `compartment_id` is `None`), creation order.
pub fn list_apps(
    state: &AppState,
    compartment_id: Option<&str>,
) -> Result<Vec<StoredApp>, ApiError> {
    let now = state.now();
    let rows = state.db(|c| {
        let mut stmt = c.prepare(&format!(
            "SELECT {APP_COLUMNS} FROM df_applications WHERE ?1 IS NULL OR compartment_id = ?1 ORDER BY time_created, id"
        ))?;
        let rows = stmt.query_map([compartment_id], read_app_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    })?;
    rows.into_iter().map(|r| hydrate_app(r, now)).collect()
}

/// Read-modify-write an ACTIVE application (409 `IncorrectState` otherwise); new ETag.
pub fn update_app(
    state: &AppState,
    id: &str,
    if_match: Option<&str>,
    apply: impl FnOnce(&mut Application) -> Result<(), ApiError>,
) -> Result<StoredApp, ApiError> {
    let now = state.now();
    state.tx(|tx| {
        let row = app_row(tx, id)?.ok_or_else(|| ApiError::not_found("application", id))?;
        let st = app_state(&row, now);
        if st != "ACTIVE" {
            return Err(ApiError::conflict(
                "IncorrectState",
                format!("The application '{id}' is {st} and cannot be changed"),
            ));
        }
        check_if_match(if_match, &row.etag)?;
        let mut app: Application = serde_json::from_str(&row.doc)?;
        apply(&mut app)?;
        app.time_updated = rfc3339_millis(now);
        let etag = new_etag();
        tx.execute(
            "UPDATE df_applications SET doc = ?1, etag = ?2, compartment_id = ?3 WHERE id = ?4",
            (serde_json::to_string(&app)?, &etag, &app.compartment_id, id),
        )?;
        app.lifecycle_state = st.to_owned();
        Ok(StoredApp { app, etag })
    })
}

/// Start deleting an application (DELETING → DELETED). Deleting it again while DELETING is
/// accepted; a DELETED application is 404.
pub fn delete_app(state: &AppState, id: &str, if_match: Option<&str>) -> Result<(), ApiError> {
    let now = state.now();
    let delay_ms = state.lifecycle_delay().whole_milliseconds() as i64;
    state.tx(|tx| {
        let row = app_row(tx, id)?.ok_or_else(|| ApiError::not_found("application", id))?;
        match app_state(&row, now) {
            "DELETED" => return Err(ApiError::not_found("application", id)),
            "DELETING" => return Ok(()),
            _ => {}
        }
        check_if_match(if_match, &row.etag)?;
        let mut app: Application = serde_json::from_str(&row.doc)?;
        app.time_updated = rfc3339_millis(now);
        tx.execute(
            "UPDATE df_applications SET time_deleted = ?1, delay_ms = ?2, etag = ?3, doc = ?4 WHERE id = ?5",
            (rfc3339_millis(now), delay_ms, new_etag(), serde_json::to_string(&app)?, id),
        )?;
        Ok(())
    })?;
    state.invalidate_retry_tokens(id)
}

// ------------------------------------------------------------------------------------------------
// Runs

/// What a run will end as, decided at create time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `SUCCEEDED` or `FAILED`.
    pub state: &'static str,
    /// `lifecycleDetails` once terminal (the failure reason).
    pub details: Option<String>,
    /// For a script that raised: the traceback the driver's stderr log shows.
    pub traceback: Option<String>,
}

/// Decide how a run ends from the emulated Object Storage: FAILED when the application file or
/// archive is missing, when an `oci://` argument names a bucket that does not exist, or when the
/// logs bucket does not exist; SUCCEEDED otherwise. Messages follow the wording Spark and Data
/// Flow users see.
pub fn plan_outcome(state: &AppState, run: &Run) -> Result<Outcome, ApiError> {
    let ns = state.identity().namespace.clone();
    let fail = |details: String| {
        Ok(Outcome {
            state: "FAILED",
            details: Some(details),
            traceback: None,
        })
    };
    let mut files: Vec<(&str, &str)> = Vec::new();
    if !run.file_uri.is_empty() {
        files.push(("Application file", &run.file_uri));
    }
    if let Some(a) = run.archive_uri.as_deref().filter(|a| !a.is_empty()) {
        files.push(("Archive", a));
    }
    for (what, uri) in files {
        let Ok(u) = OciUri::parse("fileUri", uri) else {
            return fail(format!("{what} {uri} is not a valid Object Storage URI."));
        };
        if u.namespace != ns {
            return fail(format!(
                "{what} {uri} could not be read: the namespace '{}' does not exist or is not accessible (NamespaceNotFound). This tenancy's namespace is '{ns}'.",
                u.namespace
            ));
        }
        if !objects::bucket_exists(state, &u.namespace, &u.bucket)? {
            return fail(format!(
                "{what} {uri} could not be read: Either the bucket named '{}' does not exist in the namespace '{}' or you are not authorized to access it (BucketNotFound).",
                u.bucket, u.namespace
            ));
        }
        if !objects::object_exists(state, &u.namespace, &u.bucket, &u.path)? {
            return fail(format!(
                "{what} {uri} not found: java.io.FileNotFoundException: The object '{}' does not exist in bucket '{}' (ObjectNotFound). Check the path, its case and the namespace.",
                u.path, u.bucket
            ));
        }
    }
    for arg in effective_arguments(run) {
        let Some(u) = arg
            .starts_with("oci://")
            .then(|| OciUri::parse("argument", &arg).ok())
            .flatten()
        else {
            continue;
        };
        if u.namespace != ns || !objects::bucket_exists(state, &u.namespace, &u.bucket)? {
            return fail(format!(
                "Job failed: java.io.FileNotFoundException: {arg}: Either the bucket named '{}' does not exist in the namespace '{}' or you are not authorized to access it (BucketNotFound).",
                u.bucket, u.namespace
            ));
        }
    }
    if let Some(reason) = unwritable_names(run) {
        return fail(reason);
    }
    if let Some(logs) = run.logs_bucket_uri.as_deref().filter(|l| !l.is_empty())
        && let Ok(u) = OciUri::parse("logsBucketUri", logs)
        && (u.namespace != ns || !objects::bucket_exists(state, &u.namespace, &u.bucket)?)
    {
        return fail(format!(
            "The logs bucket {logs} does not exist or Data Flow is not authorized to write to it (BucketNotFound)."
        ));
    }
    if let Some(raised) = script_raise(state, run)? {
        return Ok(raised);
    }
    Ok(Outcome {
        state: "SUCCEEDED",
        details: None,
        traceback: None,
    })
}

/// Longest script the emulator reads to look for a module-level `raise`.
const MAX_SCRIPT_BYTES: usize = 1 << 20;

/// The emulator does not run Python, but a PYTHON script with a module-level `raise` (a line
/// starting with `raise` at column 0) fails as it would on Data Flow: FAILED, with the exception
/// in `lifecycleDetails` and a Python traceback in the driver's stderr log. Only the first such
/// line counts, and only the first MiB of the script is read.
fn script_raise(state: &AppState, run: &Run) -> Result<Option<Outcome>, ApiError> {
    if run.language != "PYTHON" || !run.file_uri.ends_with(".py") {
        return Ok(None);
    }
    let Ok(u) = OciUri::parse("fileUri", &run.file_uri) else {
        return Ok(None);
    };
    let Some(body) = objects::read_object(state, &u.namespace, &u.bucket, &u.path)? else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&body[..body.len().min(MAX_SCRIPT_BYTES)]).into_owned();
    let Some((n, line)) = text
        .lines()
        .enumerate()
        .find(|(_, l)| *l == "raise" || l.starts_with("raise "))
    else {
        return Ok(None);
    };
    let exception = raised_exception(line);
    let file = u.path.rsplit('/').next().unwrap_or(&u.path);
    Ok(Some(Outcome {
        state: "FAILED",
        details: Some(format!(
            "Job failed: the application raised {exception} (line {} of {}). The traceback is in the driver's stderr log.",
            n + 1,
            run.file_uri
        )),
        traceback: Some(format!(
            "Traceback (most recent call last):\n  File \"/opt/dataflow/{file}\", line {}, in <module>\n    {}\n{exception}",
            n + 1,
            line.trim()
        )),
    }))
}

/// `raise ValueError("no rows")` → `ValueError: no rows`; a bare `raise` → `RuntimeError: No
/// active exception to reraise`, as Python says.
fn raised_exception(line: &str) -> String {
    let expr = line.trim_start_matches("raise").trim();
    if expr.is_empty() {
        return "RuntimeError: No active exception to reraise".to_owned();
    }
    let (name, args) = match expr.split_once('(') {
        Some((name, rest)) => (name.trim(), rest.trim_end().trim_end_matches(')').trim()),
        None => (expr, ""),
    };
    let message = args
        .strip_prefix('"')
        .and_then(|a| a.strip_suffix('"'))
        .or_else(|| args.strip_prefix('\'').and_then(|a| a.strip_suffix('\'')))
        .unwrap_or(args);
    if message.is_empty() {
        name.to_owned()
    } else {
        format!("{name}: {message}")
    }
}

struct RunRow {
    time_created: String,
    delay_ms: i64,
    outcome: String,
    details: Option<String>,
    time_canceled: Option<String>,
    settled: bool,
    etag: String,
    doc: String,
    /// How long CANCELING lasts; absent for runs cancelled before this was recorded.
    cancel_delay_ms: Option<i64>,
    traceback: Option<String>,
    /// The executor's row (`exec_state`); a Spark-driven run takes its state from it.
    exec: Option<ExecView>,
}

/// The run columns, its facts, and the executor's row as one JSON value
/// (`exec_state::ExecView`).
const RUN_COLUMNS: &str = "time_created, delay_ms, outcome, details, time_canceled, settled, etag, doc, \
     (SELECT cancel_delay_ms FROM df_run_facts f WHERE f.run_id = df_runs.id), \
     (SELECT traceback FROM df_run_facts f WHERE f.run_id = df_runs.id), \
     (SELECT json_object('executor', executor, 'state', state, 'started', time_started, 'ended', time_ended, 'details', details) \
      FROM df_run_exec WHERE run_id = df_runs.id)";

fn read_run_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunRow> {
    Ok(RunRow {
        time_created: r.get(0)?,
        delay_ms: r.get(1)?,
        outcome: r.get(2)?,
        details: r.get(3)?,
        time_canceled: r.get(4)?,
        settled: r.get(5)?,
        etag: r.get(6)?,
        doc: r.get(7)?,
        cancel_delay_ms: r.get(8)?,
        traceback: r.get(9)?,
        exec: ExecView::parse(r.get(10)?),
    })
}

fn outcome_state(s: &str) -> &'static str {
    if s == "FAILED" { "FAILED" } else { "SUCCEEDED" }
}

/// The stored document's `maxDurationInMinutes`, which the lifecycle enforces.
fn max_duration(row: &RunRow) -> Option<Duration> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Limits {
        max_duration_in_minutes: Option<i64>,
    }
    serde_json::from_str::<Limits>(&row.doc)
        .ok()?
        .max_duration_in_minutes
        .filter(|m| *m > 0)
        .map(Duration::minutes)
}

fn run_phase(row: &RunRow, now: OffsetDateTime) -> RunPhase {
    let d = Duration::milliseconds(row.delay_ms);
    let created = parse_rfc3339(&row.time_created).unwrap_or(now);
    let started = created.saturating_add(d);
    let canceled = row.time_canceled.as_deref().and_then(parse_rfc3339);
    if let Some(phase) = row
        .exec
        .as_ref()
        .and_then(|e| e.phase(created, canceled, now))
    {
        return phase;
    }
    if let Some(cancel) = canceled {
        // CANCELING lasts the lifecycle delay in effect when DeleteRun came, so a test can start a
        // long run and still see it cancelled quickly.
        let cd = row.cancel_delay_ms.map_or(d, Duration::milliseconds);
        let at = Timeline::new(cancel, &[("CANCELING", cd)], "CANCELED").at(now);
        let started = (cancel > started).then_some(started);
        return RunPhase {
            state: at.state,
            since: at.since,
            terminal: at.terminal,
            started,
            ended: started.map(|_| cancel),
        };
    }
    // A run that would outlive maxDurationInMinutes is stopped by the service when it reaches the
    // limit: STOPPING (one delay), then STOPPED.
    let limit = max_duration(row).filter(|m| *m < d);
    let normal = [("ACCEPTED", d), ("IN_PROGRESS", d)];
    let stopped = [
        ("ACCEPTED", d),
        ("IN_PROGRESS", limit.unwrap_or(d)),
        ("STOPPING", d),
    ];
    let timeline = match limit {
        Some(_) => Timeline::new(created, &stopped, "STOPPED"),
        None => Timeline::new(created, &normal, outcome_state(&row.outcome)),
    };
    let at = timeline.at(now);
    RunPhase {
        state: at.state,
        since: at.since,
        terminal: at.terminal,
        started: (now >= started).then_some(started),
        ended: at
            .terminal
            .then(|| started.saturating_add(limit.unwrap_or(d))),
    }
}

/// The stored run with its lifecycle fields filled in for `now`.
fn hydrate_run(row: &RunRow, now: OffsetDateTime) -> Result<(Run, RunPhase), ApiError> {
    let mut run: Run = serde_json::from_str(&row.doc)?;
    let phase = run_phase(row, now);
    run.lifecycle_state = phase.state.to_owned();
    run.time_updated = rfc3339_millis(
        phase
            .since
            .max(parse_rfc3339(&run.time_updated).unwrap_or(phase.since)),
    );
    run.lifecycle_details = match phase.state {
        "FAILED" => match row.exec.as_ref().filter(|e| e.drives()) {
            Some(e) => e.details.clone(),
            None => row.details.clone(),
        },
        "CANCELING" | "CANCELED" => Some("Run was cancelled by the user (DeleteRun).".to_owned()),
        "STOPPING" | "STOPPED" => Some(format!(
            "Run was stopped by Data Flow: it ran longer than maxDurationInMinutes ({} minutes).",
            run.max_duration_in_minutes.unwrap_or_default()
        )),
        _ => None,
    };
    run.run_duration_in_milliseconds = match (phase.started, phase.ended) {
        (Some(s), Some(e)) => (e - s).whole_milliseconds() as i64,
        (Some(s), None) => (now - s).whole_milliseconds().max(0) as i64,
        _ => 0,
    };
    if phase.state != "SUCCEEDED" {
        run.data_read_in_bytes = 0;
        run.data_written_in_bytes = 0;
    }
    Ok((run, phase))
}

/// A run as served, plus its ETag.
#[derive(Debug, Clone)]
pub struct StoredRun {
    pub run: Run,
    pub etag: String,
}

fn run_row(c: &Connection, id: &str) -> Result<Option<RunRow>, ApiError> {
    Ok(c.query_row(
        &format!("SELECT {RUN_COLUMNS} FROM df_runs WHERE id = ?1"),
        [id],
        read_run_row,
    )
    .optional()?)
}

/// Insert on `conn`, the create's transaction (see `idempotency.rs`).
pub fn insert_run(
    state: &AppState,
    conn: &Connection,
    run: &Run,
    outcome: &Outcome,
    plan: &ExecPlan,
) -> Result<StoredRun, ApiError> {
    let now = state.now();
    let delay_ms = state.lifecycle_delay().whole_milliseconds() as i64;
    let row = RunRow {
        time_created: run.time_created.clone(),
        delay_ms,
        outcome: outcome.state.to_owned(),
        details: outcome.details.clone(),
        time_canceled: None,
        settled: false,
        etag: new_etag(),
        doc: serde_json::to_string(run)?,
        cancel_delay_ms: None,
        traceback: outcome.traceback.clone(),
        exec: plan.spark.then(|| ExecView {
            executor: plan.executor.to_owned(),
            state: Some("ACCEPTED".to_owned()),
            started: None,
            ended: None,
            details: None,
        }),
    };
    exec_state::insert(conn, &run.id, plan)?;
    conn.execute(
        "INSERT INTO df_runs (id, compartment_id, application_id, time_created, delay_ms, outcome, details, time_canceled, settled, etag, doc) VALUES (?1,?2,?3,?4,?5,?6,?7,NULL,0,?8,?9)",
        (&run.id, &run.compartment_id, &run.application_id, &row.time_created, delay_ms, &row.outcome, &row.details, &row.etag, &row.doc),
    )?;
    if let Some(tb) = &row.traceback {
        conn.execute(
            "INSERT INTO df_run_facts (run_id, traceback) VALUES (?1, ?2)",
            (&run.id, tb),
        )?;
    }
    let (run, _) = hydrate_run(&row, now)?;
    Ok(StoredRun {
        run,
        etag: row.etag,
    })
}

/// When the run `id` will reach its terminal state (for the settle timer).
pub fn finish_time(state: &AppState, id: &str) -> Result<Option<OffsetDateTime>, ApiError> {
    let row = state.db(|c| run_row(c, id))?;
    Ok(row.and_then(|r| {
        let created = parse_rfc3339(&r.time_created)?;
        let d = Duration::milliseconds(r.delay_ms);
        if let Some(cancel) = r.time_canceled.as_deref().and_then(parse_rfc3339) {
            return Some(
                cancel.saturating_add(r.cancel_delay_ms.map_or(d, Duration::milliseconds)),
            );
        }
        // Saturating: a row written with an absurd delay must stay readable (no overflow panic).
        let run_for = match max_duration(&r).filter(|m| *m < d) {
            Some(m) => d.saturating_add(m).saturating_add(d),
            None => d.saturating_add(d),
        };
        Some(created.saturating_add(run_for))
    }))
}

pub fn get_run(state: &AppState, id: &str) -> Result<StoredRun, ApiError> {
    Ok(get_run_with_phase(state, id)?.0)
}

/// [`get_run`] with the run's phase (when it started and ended), for the console's timeline.
pub fn get_run_with_phase(state: &AppState, id: &str) -> Result<(StoredRun, RunPhase), ApiError> {
    settle_due(state)?;
    let now = state.now();
    let row = state
        .db(|c| run_row(c, id))?
        .ok_or_else(|| ApiError::not_found("run", id))?;
    let (run, phase) = hydrate_run(&row, now)?;
    Ok((
        StoredRun {
            run,
            etag: row.etag,
        },
        phase,
    ))
}

/// Every run (all compartments when `compartment_id` is `None`), creation order.
pub fn list_runs(state: &AppState, compartment_id: Option<&str>) -> Result<Vec<Run>, ApiError> {
    Ok(list_runs_with_phases(state, compartment_id)?
        .into_iter()
        .map(|(run, _)| run)
        .collect())
}

/// [`list_runs`] with each run's phase (when it started and ended), for the console's timeline.
pub fn list_runs_with_phases(
    state: &AppState,
    compartment_id: Option<&str>,
) -> Result<Vec<(Run, RunPhase)>, ApiError> {
    settle_due(state)?;
    let now = state.now();
    let rows = state.db(|c| {
        let mut stmt = c.prepare(&format!(
            "SELECT {RUN_COLUMNS} FROM df_runs WHERE ?1 IS NULL OR compartment_id = ?1 ORDER BY time_created, id"
        ))?;
        let rows = stmt.query_map([compartment_id], read_run_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    })?;
    rows.iter().map(|r| hydrate_run(r, now)).collect()
}

/// Read-modify-write a run's stored document (tags, limits, compartment); new ETag.
/// `require_terminal` is for ChangeRunCompartment, which OCI allows only on finished runs.
pub fn update_run(
    state: &AppState,
    id: &str,
    if_match: Option<&str>,
    require_terminal: bool,
    apply: impl FnOnce(&mut Run),
) -> Result<StoredRun, ApiError> {
    let now = state.now();
    state.tx(|tx| {
        let mut row = run_row(tx, id)?.ok_or_else(|| ApiError::not_found("run", id))?;
        let phase = run_phase(&row, now);
        if require_terminal && !phase.terminal {
            return Err(ApiError::conflict(
                "IncorrectState",
                format!("The run '{id}' is {}; its compartment can only be changed once it is CANCELED, FAILED or SUCCEEDED", phase.state),
            ));
        }
        check_if_match(if_match, &row.etag)?;
        let mut run: Run = serde_json::from_str(&row.doc)?;
        apply(&mut run);
        run.time_updated = rfc3339_millis(now);
        row.doc = serde_json::to_string(&run)?;
        row.etag = new_etag();
        tx.execute(
            "UPDATE df_runs SET doc = ?1, etag = ?2, compartment_id = ?3 WHERE id = ?4",
            (&row.doc, &row.etag, &run.compartment_id, id),
        )?;
        let (run, _) = hydrate_run(&row, now)?;
        Ok(StoredRun { run, etag: row.etag })
    })
}

/// DeleteRun: cancel a run that has not finished (→ CANCELING → CANCELED). A finished run is
/// left as it is (the official provider calls this on CANCELED runs and expects success).
pub fn cancel_run(state: &AppState, id: &str, if_match: Option<&str>) -> Result<(), ApiError> {
    let now = state.now();
    state.tx(|tx| {
        let row = run_row(tx, id)?.ok_or_else(|| ApiError::not_found("run", id))?;
        check_if_match(if_match, &row.etag)?;
        let phase = run_phase(&row, now);
        if phase.terminal || row.time_canceled.is_some() {
            return Ok(());
        }
        tx.execute(
            "UPDATE df_runs SET time_canceled = ?1, etag = ?2 WHERE id = ?3",
            (rfc3339_millis(now), new_etag(), id),
        )?;
        tx.execute(
            "INSERT INTO df_run_facts (run_id, cancel_delay_ms) VALUES (?1, ?2) \
             ON CONFLICT(run_id) DO UPDATE SET cancel_delay_ms = excluded.cancel_delay_ms",
            (id, state.lifecycle_delay().whole_milliseconds() as i64),
        )?;
        Ok(())
    })
}

/// Settle every run that has reached its terminal state but has not been settled yet: write
/// its logs and (on SUCCEEDED) its emulated output. Idempotent; cheap when nothing is due.
pub fn settle_due(state: &AppState) -> Result<(), ApiError> {
    let now = state.now();
    let rows = state.db(|c| {
        let mut stmt = c.prepare(&format!(
            "SELECT {RUN_COLUMNS} FROM df_runs WHERE settled = 0 ORDER BY time_created"
        ))?;
        let rows = stmt
            .query_map([], read_run_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    })?;
    for row in rows {
        if row.exec.as_ref().is_some_and(ExecView::drives) {
            continue; // the executor settles its own runs
        }
        let (run, phase) = hydrate_run(&row, now)?;
        if !phase.terminal || row.settled {
            continue;
        }
        settle(state, &run, &phase)?;
    }
    Ok(())
}

fn settle(state: &AppState, run: &Run, phase: &RunPhase) -> Result<(), ApiError> {
    // Claim the run first, so a timer and a request settling at the same moment cannot both
    // write output.
    let claimed = state.db(|c| {
        Ok(c.execute(
            "UPDATE df_runs SET settled = 1 WHERE id = ?1 AND settled = 0",
            [&run.id],
        )?)
    })?;
    if claimed == 0 {
        return Ok(());
    }
    let mut written: i64 = 0;
    let mut output_note = None;
    if phase.state == "SUCCEEDED"
        && let Some((uri, bytes)) = write_output(state, run)?
    {
        written = bytes;
        output_note = Some(uri);
    }
    let read = if phase.state == "SUCCEEDED" {
        input_bytes(state, run)?
    } else {
        0
    };
    let traceback = state.db(|c| {
        Ok(c.query_row(
            "SELECT traceback FROM df_run_facts WHERE run_id = ?1",
            [&run.id],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten())
    })?;
    let notes = exec_state::notes(state, &run.id)?;
    let produced = logs::driver_logs(
        run,
        phase,
        output_note.as_deref(),
        traceback.as_deref(),
        &notes,
    );
    record_logs(state, run, &produced, phase.since)?;
    state.tx(|tx| set_metrics(tx, &run.id, read, written))
}

fn set_metrics(
    tx: &rusqlite::Transaction<'_>,
    run_id: &str,
    read: i64,
    written: i64,
) -> Result<(), ApiError> {
    let mut doc: Run = serde_json::from_str(&tx.query_row(
        "SELECT doc FROM df_runs WHERE id = ?1",
        [run_id],
        |r| r.get::<_, String>(0),
    )?)?;
    doc.data_read_in_bytes = read;
    doc.data_written_in_bytes = written;
    tx.execute(
        "UPDATE df_runs SET doc = ?1 WHERE id = ?2",
        (serde_json::to_string(&doc)?, run_id),
    )?;
    Ok(())
}

/// Where a run's logs go in its logs bucket: `<prefix><run id>/`, the prefix being the logs
/// bucket URI's path (with a `/` added when it has none).
pub fn logs_object_prefix(path: &str, run_id: &str) -> String {
    if path.is_empty() || path.ends_with('/') {
        format!("{path}{run_id}/")
    } else {
        format!("{path}/{run_id}/")
    }
}

/// Store a run's logs (ListRunLogs/GetRunLog) and, when it has a logs bucket, put them under
/// `<prefix><run id>/` there, as Data Flow names them.
pub fn record_logs(
    state: &AppState,
    run: &Run,
    produced: &[ProducedLog],
    time: OffsetDateTime,
) -> Result<(), ApiError> {
    let time = rfc3339_millis(time);
    let logs_target = run
        .logs_bucket_uri
        .as_deref()
        .and_then(|l| OciUri::parse("logsBucketUri", l).ok())
        .filter(|u| u.namespace == state.identity().namespace);
    for log in produced {
        if let Some(u) = &logs_target
            && objects::bucket_exists(state, &u.namespace, &u.bucket)?
        {
            let name = format!(
                "{}{}",
                logs_object_prefix(&u.path, &run.id),
                log.object_name
            );
            objects::put_object(
                state,
                &u.namespace,
                &u.bucket,
                &name,
                "application/gzip",
                log.gz.clone(),
            )?;
        }
    }
    state.tx(|tx| {
        for log in produced {
            tx.execute(
                "INSERT OR REPLACE INTO df_run_logs (run_id, name, source, type, time_created, body) VALUES (?1,?2,?3,?4,?5,?6)",
                (&run.id, &log.name, log.source, log.kind, &time, &log.gz),
            )?;
        }
        Ok(())
    })
}

/// The executor finished a Spark-driven run: measured metrics, terminal state and "settled",
/// in one transaction, after its output and logs were written (so a client that sees the
/// terminal state finds them).
pub fn finish_executed(
    state: &AppState,
    run_id: &str,
    read: i64,
    written: i64,
    terminal: &str,
    details: Option<&str>,
) -> Result<(), ApiError> {
    let now = state.now();
    state.tx(|tx| {
        set_metrics(tx, run_id, read, written)?;
        exec_state::set_terminal(tx, run_id, terminal, details, now)?;
        tx.execute("UPDATE df_runs SET settled = 1 WHERE id = ?1", [run_id])?;
        Ok(())
    })
}

/// Total size of the `oci://` objects named by the run's arguments (what Spark would read).
fn input_bytes(state: &AppState, run: &Run) -> Result<i64, ApiError> {
    let mut total = 0;
    for arg in effective_arguments(run).iter().take(1) {
        if let Ok(u) = OciUri::parse("argument", arg) {
            total += objects::object_size(state, &u.namespace, &u.bucket, &u.path)?.unwrap_or(0);
        }
    }
    Ok(total)
}

/// The longest object names a successful run writes (`write_output`, the logs in `settle`),
/// checked against PutObject's rules up front: a run whose output or logs prefix makes a name
/// PutObject refuses fails, as Spark's writer would, instead of storing it.
fn unwritable_names(run: &Run) -> Option<String> {
    let with_slash = |p: &str| {
        if p.is_empty() || p.ends_with('/') {
            p.to_owned()
        } else {
            format!("{p}/")
        }
    };
    let mut names = Vec::new();
    if let Some(out) = effective_arguments(run).get(1)
        && let Ok(u) = OciUri::parse("argument", out)
    {
        let prefix = with_slash(&u.path);
        names.push((
            out.clone(),
            format!(
                "{prefix}part-00000-{}-c000.snappy.parquet",
                uuid::Uuid::nil()
            ),
        ));
    }
    if let Some(logs) = run.logs_bucket_uri.as_deref()
        && let Ok(u) = OciUri::parse("logsBucketUri", logs)
    {
        let prefix = with_slash(&u.path);
        names.push((
            logs.to_owned(),
            format!("{prefix}{}/spark_driver_stdout.log.gz", run.id),
        ));
    }
    names.into_iter().find_map(|(uri, name)| {
        objects::check_object_name(&name)
            .err()
            .map(|e| format!("Job failed: cannot write under {uri}: {}", e.message))
    })
}

/// On SUCCEEDED: `_SUCCESS` and a placeholder part file under the output prefix (the second
/// argument, as in the lab's script `etl.py <input> <output>`). Returns the prefix URI and the
/// bytes written, or `None` when there is no usable output argument.
fn write_output(state: &AppState, run: &Run) -> Result<Option<(String, i64)>, ApiError> {
    let args = effective_arguments(run);
    let Some(out) = args.get(1) else {
        return Ok(None);
    };
    let Ok(u) = OciUri::parse("argument", out) else {
        return Ok(None);
    };
    if u.namespace != state.identity().namespace
        || !objects::bucket_exists(state, &u.namespace, &u.bucket)?
    {
        return Ok(None);
    }
    let prefix = if u.path.is_empty() || u.path.ends_with('/') {
        u.path.clone()
    } else {
        format!("{}/", u.path)
    };
    let part = format!(
        "{prefix}part-00000-{}-c000.snappy.parquet",
        uuid::Uuid::new_v4()
    );
    let body = logs::parquet_placeholder(run);
    let size = body.len() as i64;
    objects::put_object(
        state,
        &u.namespace,
        &u.bucket,
        &part,
        "application/octet-stream",
        body,
    )?;
    objects::put_object(
        state,
        &u.namespace,
        &u.bucket,
        &format!("{prefix}_SUCCESS"),
        "application/octet-stream",
        Vec::new(),
    )?;
    Ok(Some((
        format!("oci://{}@{}/{prefix}", u.bucket, u.namespace),
        size,
    )))
}

/// The run's logs, newest last; empty until the run is terminal.
pub fn list_logs(state: &AppState, run_id: &str) -> Result<Vec<RunLogSummary>, ApiError> {
    get_run(state, run_id)?;
    state.db(|c| {
        let mut stmt = c.prepare(
            "SELECT name, source, type, time_created, length(body) FROM df_run_logs WHERE run_id = ?1 ORDER BY name",
        )?;
        let logs = stmt
            .query_map([run_id], |r| {
                Ok(RunLogSummary {
                    name: r.get(0)?,
                    run_id: run_id.to_owned(),
                    source: r.get(1)?,
                    kind: r.get(2)?,
                    time_created: r.get(3)?,
                    size_in_bytes: r.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(logs)
    })
}

/// One log's gzip bytes.
pub fn get_log(state: &AppState, run_id: &str, name: &str) -> Result<Vec<u8>, ApiError> {
    get_run(state, run_id)?;
    state
        .db(|c| {
            Ok(c.query_row(
                "SELECT body FROM df_run_logs WHERE run_id = ?1 AND name = ?2",
                (run_id, name),
                |r| r.get(0),
            )
            .optional()?)
        })?
        .ok_or_else(|| ApiError::not_found("run log", name))
}

// ------------------------------------------------------------------------------------------------
// Work requests (CascadingDeleteApplication)

/// Start a cascading delete: cancel the application's unfinished runs, delete the application,
/// and record a work request that goes ACCEPTED → INPROGRESS → SUCCEEDED over the lifecycle
/// delay, listing the application as DELETED (what the official provider checks).
pub fn cascading_delete(
    state: &AppState,
    app_id: &str,
    if_match: Option<&str>,
) -> Result<String, ApiError> {
    let app = get_app(state, app_id)?;
    if app.app.lifecycle_state != "ACTIVE" {
        return Err(ApiError::conflict(
            "IncorrectState",
            format!("The application '{app_id}' is {}", app.app.lifecycle_state),
        ));
    }
    check_if_match(if_match, &app.etag)?;
    for run in list_runs(state, None)?
        .iter()
        .filter(|r| r.application_id == app_id)
    {
        cancel_run(state, &run.id, None)?;
    }
    delete_app(state, app_id, None)?;
    let now = state.now();
    let id = state.new_ocid("dataflowworkrequest");
    let doc = WorkRequest {
        compartment_id: app.app.compartment_id.clone(),
        id: id.clone(),
        operation: "DELETE_APPLICATION".to_owned(),
        percent_complete: 0.0,
        resources: vec![WorkRequestResource {
            action_type: "DELETED".to_owned(),
            resource_id: app_id.to_owned(),
            resource_type: "application".to_owned(),
            resource_uri: format!("/20200129/applications/{app_id}"),
            work_requestid: id.clone(),
        }],
        status: "ACCEPTED".to_owned(),
        time_accepted: rfc3339_millis(now),
        time_started: None,
        time_finished: None,
    };
    let delay_ms = state.lifecycle_delay().whole_milliseconds() as i64;
    state.db(|c| {
        c.execute(
            "INSERT INTO df_work_requests (id, time_created, delay_ms, doc) VALUES (?1,?2,?3,?4)",
            (
                &id,
                &doc.time_accepted,
                delay_ms,
                serde_json::to_string(&doc)?,
            ),
        )?;
        Ok(())
    })?;
    Ok(id)
}

/// A work request with its status computed now.
pub fn get_work_request(state: &AppState, id: &str) -> Result<WorkRequest, ApiError> {
    let now = state.now();
    let (created, delay_ms, doc): (String, i64, String) = state
        .db(|c| {
            Ok(c.query_row(
                "SELECT time_created, delay_ms, doc FROM df_work_requests WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?)
        })?
        .ok_or_else(|| ApiError::not_found("work request", id))?;
    let mut wr: WorkRequest = serde_json::from_str(&doc)?;
    let start = parse_rfc3339(&created).unwrap_or(now);
    let d = Duration::milliseconds(delay_ms);
    let at = Timeline::new(start, &[("ACCEPTED", d), ("INPROGRESS", d)], "SUCCEEDED").at(now);
    at.state.clone_into(&mut wr.status);
    let started = start.saturating_add(d);
    wr.time_started = (now >= started).then(|| rfc3339_millis(started));
    wr.time_finished = at.terminal.then(|| rfc3339_millis(at.since));
    wr.percent_complete = match at.state {
        "SUCCEEDED" => 100.0,
        "INPROGRESS" => 50.0,
        _ => 0.0,
    };
    Ok(wr)
}

/// Merge run-level parameters over the application's, by name (run values win).
pub fn merge_parameters(
    app: &[ApplicationParameter],
    run: Option<&[ApplicationParameter]>,
) -> Vec<ApplicationParameter> {
    let mut out: Vec<ApplicationParameter> = app.to_vec();
    for p in run.unwrap_or_default() {
        match out.iter_mut().find(|q| q.name == p.name) {
            Some(q) => q.value.clone_from(&p.value),
            None => out.push(p.clone()),
        }
    }
    out
}

/// `applications` and `runs` for `GET /_emulator/dump`, states computed now.
pub fn dump(state: &AppState) -> Result<Vec<(&'static str, Value)>, ApiError> {
    let apps = list_apps(state, None)?
        .into_iter()
        .map(|s| serde_json::to_value(s.app))
        .collect::<Result<Vec<_>, _>>()?;
    let runs = list_runs(state, None)?
        .into_iter()
        .map(serde_json::to_value)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(vec![
        ("applications", Value::Array(apps)),
        ("runs", Value::Array(runs)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(created: &str, delay_ms: i64, outcome: &str, canceled: Option<&str>) -> RunRow {
        RunRow {
            time_created: created.into(),
            delay_ms,
            outcome: outcome.into(),
            details: Some("boom".into()),
            time_canceled: canceled.map(Into::into),
            settled: false,
            etag: "e".into(),
            doc: "{}".into(),
            cancel_delay_ms: None,
            traceback: None,
            exec: None,
        }
    }

    #[test]
    fn run_phases_follow_the_clock() {
        let t0 = parse_rfc3339("2026-01-01T00:00:00.000Z").unwrap();
        let r = row("2026-01-01T00:00:00.000Z", 1000, "SUCCEEDED", None);
        assert_eq!(run_phase(&r, t0).state, "ACCEPTED");
        assert_eq!(
            run_phase(&r, t0 + Duration::milliseconds(1500)).state,
            "IN_PROGRESS"
        );
        let done = run_phase(&r, t0 + Duration::seconds(3));
        assert_eq!((done.state, done.terminal), ("SUCCEEDED", true));
        assert_eq!(
            done.ended.unwrap() - done.started.unwrap(),
            Duration::seconds(1)
        );
        let f = row("2026-01-01T00:00:00.000Z", 0, "FAILED", None);
        assert_eq!(run_phase(&f, t0).state, "FAILED");
        let c = row(
            "2026-01-01T00:00:00.000Z",
            1000,
            "SUCCEEDED",
            Some("2026-01-01T00:00:01.500Z"),
        );
        assert_eq!(
            run_phase(&c, t0 + Duration::milliseconds(2000)).state,
            "CANCELING"
        );
        assert_eq!(
            run_phase(&c, t0 + Duration::milliseconds(2600)).state,
            "CANCELED"
        );
    }

    #[test]
    fn a_run_longer_than_its_max_duration_is_stopped() {
        let t0 = parse_rfc3339("2026-01-01T00:00:00.000Z").unwrap();
        let mut r = row("2026-01-01T00:00:00.000Z", 600_000, "SUCCEEDED", None);
        r.doc = r#"{"maxDurationInMinutes": 2}"#.into();
        let at = |min: i64| run_phase(&r, t0 + Duration::minutes(min));
        assert_eq!(at(5).state, "ACCEPTED");
        assert_eq!(at(11).state, "IN_PROGRESS");
        assert_eq!(at(13).state, "STOPPING");
        let end = at(30);
        assert_eq!((end.state, end.terminal), ("STOPPED", true));
        assert_eq!(
            end.ended.unwrap() - end.started.unwrap(),
            Duration::minutes(2)
        );
        // A limit longer than the run changes nothing.
        r.doc = r#"{"maxDurationInMinutes": 60}"#.into();
        assert_eq!(run_phase(&r, t0 + Duration::minutes(30)).state, "SUCCEEDED");
    }

    #[test]
    fn cancel_lasts_the_delay_in_effect_when_it_came() {
        let t0 = parse_rfc3339("2026-01-01T00:00:00.000Z").unwrap();
        let mut r = row(
            "2026-01-01T00:00:00.000Z",
            3_600_000,
            "SUCCEEDED",
            Some("2026-01-01T00:00:01.000Z"),
        );
        r.cancel_delay_ms = Some(50);
        assert_eq!(
            run_phase(&r, t0 + Duration::milliseconds(1020)).state,
            "CANCELING"
        );
        assert_eq!(
            run_phase(&r, t0 + Duration::milliseconds(1100)).state,
            "CANCELED"
        );
    }

    #[test]
    fn raised_exceptions_read_like_python() {
        assert_eq!(
            raised_exception(r#"raise ValueError("no rows in input")"#),
            "ValueError: no rows in input"
        );
        assert_eq!(raised_exception("raise SystemExit"), "SystemExit");
        assert_eq!(
            raised_exception("raise KeyError('region')"),
            "KeyError: region"
        );
        assert_eq!(
            raised_exception("raise"),
            "RuntimeError: No active exception to reraise"
        );
    }

    #[test]
    fn run_parameters_override_application_parameters() {
        let p = |n: &str, v: &str| ApplicationParameter {
            name: n.into(),
            value: v.into(),
        };
        let merged = merge_parameters(
            &[p("a", "1"), p("b", "2")],
            Some(&[p("b", "20"), p("c", "3")]),
        );
        assert_eq!(merged, vec![p("a", "1"), p("b", "20"), p("c", "3")]);
    }
}
