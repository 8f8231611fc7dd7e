//! What a run is at an instant, shared by the store (which computes it) and the run logs
//! (which describe it): its phase, and its arguments with parameters substituted. Pure.

use super::validate;
use super::wire::Run;
use time::OffsetDateTime;

/// A run's state at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunPhase {
    pub state: &'static str,
    pub since: OffsetDateTime,
    pub terminal: bool,
    /// When IN_PROGRESS began and ended (for `runDurationInMilliseconds`), if it did.
    pub started: Option<OffsetDateTime>,
    pub ended: Option<OffsetDateTime>,
}

/// The run's arguments with `${name}` placeholders replaced by its parameters.
pub fn effective_arguments(run: &Run) -> Vec<String> {
    run.arguments
        .iter()
        .map(|a| validate::substitute(a, &run.parameters))
        .collect()
}
