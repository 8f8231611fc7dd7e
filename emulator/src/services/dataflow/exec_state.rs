//! What the executor stores about a run (`df_run_exec`), shared by the store (which reads it
//! with every run to compute the state of a Spark-driven run) and the executor (which writes
//! it). Only SQL over this one table, and the pure phase computation.

use super::run::RunPhase;
use crate::clock::{parse_rfc3339, rfc3339_millis};
use crate::error::ApiError;
use crate::state::AppState;
use rusqlite::{Connection, OptionalExtension};
use serde::Deserialize;
use time::OffsetDateTime;

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS df_run_exec (
    run_id         TEXT PRIMARY KEY,
    executor       TEXT NOT NULL,
    state          TEXT,
    time_started   TEXT,
    time_ended     TEXT,
    details        TEXT,
    notes          TEXT NOT NULL DEFAULT '[]'
);
"#;

/// What the executor decided about a new run, stored with it.
#[derive(Debug, Clone)]
pub struct ExecPlan {
    /// `spark` or `simulated`.
    pub executor: &'static str,
    /// Spark-driven: the run starts in ACCEPTED and the executor moves it on.
    pub spark: bool,
    /// Lines for the driver log (executor statement, IAM soft-mode notes).
    pub notes: Vec<String>,
}

/// Store the plan in the transaction that inserts the run.
pub fn insert(conn: &Connection, run_id: &str, plan: &ExecPlan) -> Result<(), ApiError> {
    conn.execute(
        "INSERT OR REPLACE INTO df_run_exec (run_id, executor, state, notes) VALUES (?1, ?2, ?3, ?4)",
        (
            run_id,
            plan.executor,
            plan.spark.then_some("ACCEPTED"),
            serde_json::to_string(&plan.notes)?,
        ),
    )?;
    Ok(())
}

/// A run's executor row, as read with the run.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ExecView {
    pub executor: String,
    /// `None` for simulated runs (their state is the timed lifecycle).
    pub state: Option<String>,
    pub started: Option<String>,
    pub ended: Option<String>,
    pub details: Option<String>,
}

impl ExecView {
    pub fn parse(json: Option<String>) -> Option<ExecView> {
        serde_json::from_str(&json?).ok()
    }

    /// True when the executor, not the lifecycle delay, drives this run.
    pub fn drives(&self) -> bool {
        self.state.is_some()
    }

    /// The phase of a Spark-driven run; `None` for simulated ones. A cancel requested while
    /// the run is queued or running shows CANCELING until the process is gone.
    pub fn phase(
        &self,
        created: OffsetDateTime,
        canceled: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Option<RunPhase> {
        let state = self.state.as_deref()?;
        let t = |s: &Option<String>| s.as_deref().and_then(parse_rfc3339);
        let started = t(&self.started);
        let ended = t(&self.ended);
        let (state, since, terminal) = match (state, canceled) {
            ("ACCEPTED" | "IN_PROGRESS", Some(c)) => ("CANCELING", c, false),
            ("STOPPING", _) => ("STOPPING", ended.unwrap_or(now), false),
            ("STOPPED", _) => ("STOPPED", ended.unwrap_or(now), true),
            ("ACCEPTED", None) => ("ACCEPTED", created, false),
            ("IN_PROGRESS", None) => ("IN_PROGRESS", started.unwrap_or(created), false),
            ("SUCCEEDED", _) => ("SUCCEEDED", ended.unwrap_or(now), true),
            ("CANCELED", _) => ("CANCELED", ended.unwrap_or(now), true),
            _ => ("FAILED", ended.unwrap_or(now), true),
        };
        Some(RunPhase {
            state,
            since,
            terminal,
            started,
            ended: if terminal {
                ended.filter(|_| started.is_some())
            } else {
                None
            },
        })
    }
}

/// Lines the executor stored for a run's driver log.
pub fn notes(state: &AppState, run_id: &str) -> Result<Vec<String>, ApiError> {
    let text: Option<String> = state.db(|c| {
        Ok(c.query_row(
            "SELECT notes FROM df_run_exec WHERE run_id = ?1",
            [run_id],
            |r| r.get(0),
        )
        .optional()?)
    })?;
    Ok(text
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default())
}

/// A Spark-driven run starts executing now.
pub fn set_started(conn: &Connection, run_id: &str, now: OffsetDateTime) -> Result<(), ApiError> {
    conn.execute(
        "UPDATE df_run_exec SET state = 'IN_PROGRESS', time_started = ?1 WHERE run_id = ?2",
        (rfc3339_millis(now), run_id),
    )?;
    Ok(())
}

/// A Spark-driven run reached its maximum duration now and is being stopped.
pub fn set_stopping(conn: &Connection, run_id: &str, now: OffsetDateTime) -> Result<(), ApiError> {
    conn.execute(
        "UPDATE df_run_exec SET state = 'STOPPING', time_ended = ?1 WHERE run_id = ?2",
        (rfc3339_millis(now), run_id),
    )?;
    Ok(())
}

/// A Spark-driven run reached `terminal` now.
pub fn set_terminal(
    conn: &Connection,
    run_id: &str,
    terminal: &str,
    details: Option<&str>,
    now: OffsetDateTime,
) -> Result<(), ApiError> {
    conn.execute(
        "UPDATE df_run_exec SET state = ?1, time_ended = ?2, details = ?3 WHERE run_id = ?4",
        (terminal, rfc3339_millis(now), details, run_id),
    )?;
    Ok(())
}

/// Spark-driven runs not yet finished: (run id, cancel requested), oldest first.
pub fn unfinished(conn: &Connection) -> Result<Vec<(String, bool)>, ApiError> {
    let mut stmt = conn.prepare(
        "SELECT e.run_id, r.time_canceled IS NOT NULL FROM df_run_exec e JOIN df_runs r ON r.id = e.run_id
         WHERE e.state IN ('ACCEPTED', 'IN_PROGRESS', 'STOPPING') ORDER BY r.time_created, r.id",
    )?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Spark-driven runs IN_PROGRESS (at startup: their process is gone).
pub fn in_progress(conn: &Connection) -> Result<Vec<String>, ApiError> {
    let mut stmt =
        conn.prepare("SELECT run_id FROM df_run_exec WHERE state IN ('IN_PROGRESS', 'STOPPING')")?;
    let rows = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Was a cancel requested for this run?
pub fn cancel_requested(conn: &Connection, run_id: &str) -> Result<bool, ApiError> {
    Ok(conn
        .query_row(
            "SELECT time_canceled IS NOT NULL FROM df_runs WHERE id = ?1",
            [run_id],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(false))
}
