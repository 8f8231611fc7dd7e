//! Waiting for a resource to reach a lifecycle state, polling with exponential backoff on the
//! client's [`Clock`](crate::Clock) (so tests never sleep for real).
//!
//! States in `pending` keep the wait going; a state in `targets` ends it; any other state is an
//! error (e.g. a run that FAILED while we waited for SUCCEEDED only). A 404 ends the wait with
//! [`WaitOutcome::Gone`] when `gone_is_target` is set (waiting for deletion), else it is an error.

use std::future::Future;
use std::time::Duration;

use crate::client::Client;
use crate::error::{Error, Result};

/// Resources that carry a `lifecycleState`.
pub trait HasLifecycleState {
    fn lifecycle_state(&self) -> Option<&str>;
}

impl<T: HasLifecycleState> HasLifecycleState for crate::client::Response<T> {
    fn lifecycle_state(&self) -> Option<&str> {
        self.value.lifecycle_state()
    }
}

/// What to wait for.
#[derive(Debug, Clone)]
pub struct WaitSpec {
    pub targets: Vec<String>,
    pub pending: Vec<String>,
    pub timeout: Duration,
    /// A 404 counts as success (waiting for a delete).
    pub gone_is_target: bool,
    pub initial_delay: Duration,
    pub max_delay: Duration,
}

impl WaitSpec {
    pub fn new(targets: &[&str], pending: &[&str], timeout: Duration) -> Self {
        Self {
            targets: targets.iter().map(|s| (*s).to_string()).collect(),
            pending: pending.iter().map(|s| (*s).to_string()).collect(),
            timeout,
            gone_is_target: false,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(15),
        }
    }

    /// Also accept "not found" as the end state.
    pub fn or_gone(mut self) -> Self {
        self.gone_is_target = true;
        self
    }
}

/// How a wait ended.
#[derive(Debug, Clone)]
pub enum WaitOutcome<T> {
    /// The resource reached one of the targets; this is its last read.
    Reached(T),
    /// The resource no longer exists (only with `gone_is_target`).
    Gone,
}

impl<T> WaitOutcome<T> {
    pub fn reached(self) -> Option<T> {
        match self {
            WaitOutcome::Reached(t) => Some(t),
            WaitOutcome::Gone => None,
        }
    }
}

impl Client {
    /// Polls `get` (an `*_opt` getter) until the state is a target. `what` names the resource in
    /// errors, e.g. `run ocid1.dataflowrun...`.
    pub async fn wait_for<T, F, Fut>(
        &self,
        what: &str,
        spec: &WaitSpec,
        mut get: F,
    ) -> Result<WaitOutcome<T>>
    where
        T: HasLifecycleState,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<T>>>,
    {
        let clock = self.clock().clone();
        let start = clock.now();
        let mut delay = spec.initial_delay;
        let targets = spec.targets.join("|");
        loop {
            let last_state = match get().await? {
                None if spec.gone_is_target => return Ok(WaitOutcome::Gone),
                None => {
                    return Err(Error::UnexpectedState {
                        operation: "wait".into(),
                        what: what.into(),
                        state: "(not found)".into(),
                        targets,
                    });
                }
                Some(item) => {
                    let state = item.lifecycle_state().unwrap_or("").to_string();
                    if spec.targets.iter().any(|t| t.eq_ignore_ascii_case(&state)) {
                        return Ok(WaitOutcome::Reached(item));
                    }
                    if !spec.pending.iter().any(|p| p.eq_ignore_ascii_case(&state)) {
                        return Err(Error::UnexpectedState {
                            operation: "wait".into(),
                            what: what.into(),
                            state,
                            targets,
                        });
                    }
                    state
                }
            };
            let waited = clock.now().saturating_sub(start);
            if waited >= spec.timeout {
                return Err(Error::Timeout {
                    operation: "wait".into(),
                    what: what.into(),
                    targets,
                    last_state,
                    waited,
                });
            }
            let sleep = delay.min(spec.timeout - waited);
            tracing::debug!(what, state = %last_state, sleep_ms = u64::try_from(sleep.as_millis()).unwrap_or(u64::MAX), "waiting for lifecycle state");
            clock.sleep(sleep).await;
            delay = (delay * 2).min(spec.max_delay);
        }
    }
}
