//! What happens when a run starts: the executor and the IAM check of the run's accesses.
//!
//! Two executors (chosen at startup, stated on stderr and in every run's driver log):
//! * `spark` (`spark.rs`): the application really runs, with Apache Spark in local mode from
//!   the `pyspark` package, as a child process group of the emulator. Its run's lifecycle is
//!   driven by the process (queued in ACCEPTED while all `max_concurrent` slots are busy), not
//!   by the lifecycle delay; its state lives in `df_run_exec`.
//! * `simulated` (`simulated.rs`): the timed lifecycle of `store.rs`, with the planned outcome
//!   and emulated output. Chosen when Java or pyspark is missing, or asked for.
//!
//! Both check the run's Object Storage accesses against IAM (`authz.rs`) in the mode in
//! effect (`enforce` by default).
//!
//! Hook points into the run lifecycle (kept few so the lifecycle code stays readable):
//! `admit` (CreateRun, before the row is stored; its `ExecPlan` is stored with the run by
//! `exec_state::insert`, whose `ExecView::phase` gives a Spark-driven run's state on every
//! read and whose `notes` go into a simulated run's driver log), `poke` (after every create or cancel: start queued runs,
//! deliver cancels) and `resume`/`shutdown` (the server's start and stop).

pub mod authz;
mod local;
mod runtime;
mod simulated;
mod spark;

pub use local::SparkEnv;
pub use runtime::{Executor, ExecutorChoice, Runtime, RuntimeConfig, runtime};

use super::exec_state::{self, ExecPlan};
use super::store::Outcome;
use super::wire::Run;
use crate::error::ApiError;
use crate::state::AppState;
pub use authz::IamMode;
use std::sync::Arc;
use tokio::sync::Notify;

/// CreateRun hook: decide the executor and, for simulated runs, check the run's accesses
/// against IAM now (a Spark run is checked when it starts, as OCI checks at access time).
/// A denied access in enforce mode turns a planned SUCCEEDED into FAILED.
pub fn admit(
    state: &AppState,
    run: &Run,
    planned: Outcome,
) -> Result<(Outcome, ExecPlan), ApiError> {
    let rt = runtime(state);
    // The simulation's stand-in for a script that raises (a module-level `raise`) does not
    // apply when Spark really runs the script.
    let simulated_raise = planned.traceback.is_some();
    if planned.state != "SUCCEEDED" && !(rt.is_spark() && simulated_raise) {
        // Already failing for a missing file or bucket: no executor is involved.
        return Ok((
            planned,
            ExecPlan {
                executor: "simulated",
                spark: false,
                notes: vec![
                    "DataFlow emulator: the run failed before any executor started".to_owned(),
                ],
            },
        ));
    }
    match rt.executor() {
        Executor::Spark(_) => Ok((
            Outcome {
                state: "SUCCEEDED",
                details: None,
                traceback: None,
            },
            ExecPlan {
                executor: "spark",
                spark: true,
                notes: Vec::new(),
            },
        )),
        Executor::Simulated(why) => simulated::admit(state, &rt, run, planned, why),
    }
}

/// After a create or a cancel: start tasks for queued Spark runs and deliver cancels.
pub fn poke(state: &AppState) {
    let rt = runtime(state);
    if !rt.is_spark() || tokio::runtime::Handle::try_current().is_err() {
        return;
    }
    let pending = match state.db(exec_state::unfinished) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "listing queued Spark runs failed");
            return;
        }
    };
    let mut tasks = rt.0.tasks.lock().unwrap_or_else(|p| p.into_inner());
    for (run_id, canceled) in pending {
        match tasks.get(&run_id) {
            Some(stop) => {
                if canceled {
                    stop.notify_one();
                }
            }
            None => {
                let stop = Arc::new(Notify::new());
                if canceled {
                    stop.notify_one();
                }
                tasks.insert(run_id.clone(), stop.clone());
                let (state, rt) = (state.clone(), rt.clone());
                tokio::spawn(async move {
                    spark::run_task(&state, &rt, &run_id, stop).await;
                    rt.0.tasks
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .remove(&run_id);
                });
            }
        }
    }
}

/// Server start: a Spark run that was IN_PROGRESS when the emulator stopped lost its process,
/// so it ends FAILED saying so; queued runs are started again.
pub fn resume(state: &AppState) -> Result<(), ApiError> {
    let now = state.now();
    state.tx(|tx| {
        for run_id in exec_state::in_progress(tx)? {
            exec_state::set_terminal(
                tx,
                &run_id,
                "FAILED",
                Some("The emulator stopped while this run was in progress; its Spark process ended with it."),
                now,
            )?;
            tx.execute("UPDATE df_runs SET settled = 1 WHERE id = ?1", [&run_id])?;
        }
        Ok(())
    })?;
    poke(state);
    Ok(())
}

/// Server stop: end every running Spark process group now (no orphan JVMs).
pub fn shutdown(state: &AppState) {
    let rt = runtime(state);
    let groups: Vec<i32> =
        rt.0.groups
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .copied()
            .collect();
    for g in groups {
        local::kill_group(g, local::Sig::Kill);
    }
}
