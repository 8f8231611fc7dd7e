//! Data Flow as the emulator console sees it: applications, runs with their state timeline,
//! the driver logs as text, the Object Storage locations a run names, the executor and the
//! IAM decisions recorded for runs. Read-only, from the same store the API serves.

use super::executor::{self, authz};
use super::run::{RunPhase, effective_arguments};
use super::store;
use super::validate::OciUri;
use crate::clock::rfc3339_millis;
use crate::error::ApiError;
use crate::state::AppState;
use std::io::Read;

pub use super::executor::authz::DecisionRecord;
pub use super::wire::{Application, Run};

/// One state a run went through, and when it entered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub state: &'static str,
    pub at: String,
}

/// A run as GetRun serves it now, with the states it went through.
#[derive(Debug, Clone)]
pub struct RunView {
    pub run: Run,
    pub timeline: Vec<Step>,
    /// Not in a terminal state yet (a page showing it refreshes itself).
    pub active: bool,
}

fn view(run: Run, phase: RunPhase) -> RunView {
    let mut timeline = vec![Step {
        state: "ACCEPTED",
        at: run.time_created.clone(),
    }];
    if let Some(started) = phase.started {
        timeline.push(Step {
            state: "IN_PROGRESS",
            at: rfc3339_millis(started),
        });
    }
    // A cancel or a stop passes through CANCELING / STOPPING, which began when IN_PROGRESS
    // ended.
    let passing = match phase.state {
        "CANCELED" => Some("CANCELING"),
        "STOPPED" => Some("STOPPING"),
        _ => None,
    };
    if let (Some(state), Some(ended)) = (passing, phase.ended)
        && ended < phase.since
    {
        timeline.push(Step {
            state,
            at: rfc3339_millis(ended),
        });
    }
    if !matches!(phase.state, "ACCEPTED" | "IN_PROGRESS") {
        timeline.push(Step {
            state: phase.state,
            at: rfc3339_millis(phase.since),
        });
    }
    RunView {
        run,
        timeline,
        active: !phase.terminal,
    }
}

/// Every application, DELETED ones included, in creation order.
pub fn applications(state: &AppState) -> Result<Vec<Application>, ApiError> {
    Ok(store::list_apps(state, None)?
        .into_iter()
        .map(|s| s.app)
        .collect())
}

/// One application; 404 if unknown.
pub fn application(state: &AppState, id: &str) -> Result<Application, ApiError> {
    Ok(store::get_app(state, id)?.app)
}

/// Every run, in creation order.
pub fn runs(state: &AppState) -> Result<Vec<RunView>, ApiError> {
    Ok(store::list_runs_with_phases(state, None)?
        .into_iter()
        .map(|(run, phase)| view(run, phase))
        .collect())
}

/// One run; 404 if unknown.
pub fn run(state: &AppState, id: &str) -> Result<RunView, ApiError> {
    let (stored, phase) = store::get_run_with_phase(state, id)?;
    Ok(view(stored.run, phase))
}

/// The longest part of a log shown as text; the rest is cut (GetRunLog has it all).
pub const MAX_LOG_TEXT: usize = 256 * 1024;

/// A driver log as text.
#[derive(Debug, Clone)]
pub struct LogText {
    pub name: String,
    pub source: String,
    pub kind: String,
    pub size_in_bytes: i64,
    pub text: String,
    /// The log is longer than [`MAX_LOG_TEXT`] and `text` is its beginning.
    pub truncated: bool,
}

/// The run's logs (ListRunLogs) with their text, gunzipped; empty until the run is terminal.
pub fn logs(state: &AppState, run_id: &str) -> Result<Vec<LogText>, ApiError> {
    store::list_logs(state, run_id)?
        .into_iter()
        .map(|summary| {
            let gz = store::get_log(state, run_id, &summary.name)?;
            let mut text = Vec::new();
            flate2::read::GzDecoder::new(gz.as_slice())
                .take(MAX_LOG_TEXT as u64 + 1)
                .read_to_end(&mut text)?;
            let truncated = text.len() > MAX_LOG_TEXT;
            text.truncate(MAX_LOG_TEXT);
            Ok(LogText {
                text: String::from_utf8_lossy(&text).into_owned(),
                truncated,
                name: summary.name,
                source: summary.source,
                kind: summary.kind,
                size_in_bytes: summary.size_in_bytes,
            })
        })
        .collect()
}

/// An Object Storage location a run names, and what for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// "argument 2", "logs", ...
    pub role: String,
    pub namespace: String,
    pub bucket: String,
    /// Object name or prefix.
    pub prefix: String,
}

/// The `oci://` locations of a run: its arguments (parameters substituted) and, when it has a
/// logs bucket, the prefix its logs are written under.
pub fn locations(run: &Run) -> Vec<Location> {
    let mut out: Vec<Location> = effective_arguments(run)
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            let u = OciUri::parse("argument", a).ok()?;
            Some(Location {
                role: format!("argument {}", i + 1),
                namespace: u.namespace,
                bucket: u.bucket,
                prefix: u.path,
            })
        })
        .collect();
    if let Some(u) = run
        .logs_bucket_uri
        .as_deref()
        .and_then(|l| OciUri::parse("logsBucketUri", l).ok())
    {
        out.push(Location {
            role: "logs".to_owned(),
            prefix: store::logs_object_prefix(&u.path, &run.id),
            namespace: u.namespace,
            bucket: u.bucket,
        });
    }
    out
}

/// The IAM decisions recorded for one run (or all runs), oldest first.
pub fn decisions(state: &AppState, run_id: Option<&str>) -> Result<Vec<DecisionRecord>, ApiError> {
    authz::decisions(state, run_id)
}

/// The executor in use, as `GET /_emulator/dataflow` describes it.
pub fn executor_info(state: &AppState) -> serde_json::Value {
    executor::runtime(state).info()
}
