//! Lifecycle engine: states are *computed* from stored timestamps and the clock, never advanced
//! by background tasks. A restart therefore resumes in-flight lifecycles exactly, and tests move a
//! `ManualClock` instead of sleeping.
//!
//! How a service uses it (e.g. a Data Flow run):
//! 1. At create, store `time_created`, the delay in effect (`state.lifecycle_delay()`, so a later
//!    `PUT /_emulator/lifecycle` does not rewrite history) and the planned outcome
//!    (`SUCCEEDED`, or `FAILED` plus `lifecycleDetails`).
//! 2. On every read, compute the state with [`Timeline::at`]:
//!    ```
//!    # use oci_emulator::lifecycle::Timeline;
//!    # use time::{Duration, OffsetDateTime};
//!    let created = OffsetDateTime::UNIX_EPOCH;
//!    let d = Duration::seconds(1);
//!    let phases = [("ACCEPTED", d), ("IN_PROGRESS", d)];
//!    let run = Timeline::new(created, &phases, "SUCCEEDED");
//!    assert_eq!(run.at(created + Duration::milliseconds(1500)).state, "IN_PROGRESS");
//!    assert_eq!(run.at(created + Duration::seconds(5)).state, "SUCCEEDED");
//!    assert_eq!(run.at(created + Duration::seconds(5)).since, created + Duration::seconds(2));
//!    ```
//! 3. Cancel (DeleteRun): if the run's state *at the cancel time* is not terminal, store
//!    `time_cancel_requested` and from then on evaluate
//!    `Timeline::new(cancel_time, &[("CANCELING", d)], "CANCELED")` instead.
//!
//! `since` gives `timeUpdated` and, for the terminal phase, the run duration.
//! With a zero delay every phase is skipped and the terminal state is visible at once.

use time::{Duration, OffsetDateTime};

/// A sequence of timed phases followed by a terminal state.
#[derive(Debug, Clone, Copy)]
pub struct Timeline<'a, S> {
    pub start: OffsetDateTime,
    pub phases: &'a [(S, Duration)],
    pub terminal: S,
}

/// The state in effect at some instant, and when it began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At<S> {
    pub state: S,
    pub since: OffsetDateTime,
    /// True once the terminal state is reached.
    pub terminal: bool,
}

impl<'a, S: Copy> Timeline<'a, S> {
    pub fn new(start: OffsetDateTime, phases: &'a [(S, Duration)], terminal: S) -> Self {
        Self {
            start,
            phases,
            terminal,
        }
    }

    /// The state at `now`. Times before `start` report the first phase.
    pub fn at(&self, now: OffsetDateTime) -> At<S> {
        let mut begin = self.start;
        for &(state, len) in self.phases {
            // Saturating: a delay stored by an older build (or typed by hand) must never make a
            // read panic; the phase then simply lasts until the end of representable time.
            let end = begin.saturating_add(len);
            if now < end && len > Duration::ZERO {
                return At {
                    state,
                    since: begin,
                    terminal: false,
                };
            }
            begin = end;
        }
        At {
            state: self.terminal,
            since: begin,
            terminal: true,
        }
    }

    /// When the terminal state is (or was) reached.
    pub fn finished_at(&self) -> OffsetDateTime {
        self.phases
            .iter()
            .fold(self.start, |t, &(_, len)| t.saturating_add(len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_delay_is_terminal_at_once_and_phases_advance() {
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let z = Duration::ZERO;
        let phases = [("A", z), ("B", z)];
        let tl = Timeline::new(t0, &phases, "DONE");
        assert_eq!(
            tl.at(t0),
            At {
                state: "DONE",
                since: t0,
                terminal: true
            }
        );
        let s = Duration::seconds(2);
        let phases = [("A", s), ("B", s)];
        let tl = Timeline::new(t0, &phases, "DONE");
        assert_eq!(tl.at(t0).state, "A");
        assert_eq!(tl.at(t0 + Duration::seconds(2)).state, "B");
        assert_eq!(tl.at(t0 + Duration::seconds(4)).state, "DONE");
        assert_eq!(tl.finished_at(), t0 + Duration::seconds(4));
    }

    #[test]
    fn absurd_phase_lengths_saturate_instead_of_panicking() {
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let huge = Duration::milliseconds(i64::MAX);
        let phases = [("A", huge), ("B", huge)];
        let tl = Timeline::new(t0, &phases, "DONE");
        assert_eq!(tl.at(t0 + Duration::days(365 * 5000)).state, "A");
        assert!(tl.finished_at() > t0 + Duration::days(365 * 5000));
    }
}
