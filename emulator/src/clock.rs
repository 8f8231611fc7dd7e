//! Injectable time. Everything time-dependent (lifecycle states, `timeCreated`, signature skew)
//! asks `AppState::now()`, which asks a [`Clock`], so tests move time by hand instead of sleeping.

use std::sync::Mutex;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Duration, OffsetDateTime, UtcOffset};

/// Source of "now" for the emulator.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to; for tests of lifecycles and skew.
#[derive(Debug)]
pub struct ManualClock(Mutex<OffsetDateTime>);

impl ManualClock {
    /// Starts at the current wall-clock time (so signed requests made "now" are not skewed).
    pub fn new() -> Self {
        Self::at(OffsetDateTime::now_utc())
    }
    pub fn at(t: OffsetDateTime) -> Self {
        Self(Mutex::new(t))
    }
    pub fn advance(&self, by: Duration) {
        *self.0.lock().expect("clock lock") += by;
    }
    pub fn set(&self, t: OffsetDateTime) {
        *self.0.lock().expect("clock lock") = t;
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().expect("clock lock")
    }
}

/// OCI's timestamp format: RFC 3339, UTC, milliseconds, `Z` (e.g. `2023-01-25T14:37:04.481Z`).
pub fn rfc3339_millis(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let fmt =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    t.format(&fmt).expect("formatting a UTC time cannot fail")
}

/// Parse any RFC 3339 timestamp (as stored by [`rfc3339_millis`] or sent by clients).
pub fn parse_rfc3339(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// RFC 7231 IMF-fixdate, as used in `Date`, `Last-Modified` (`Sat, 21 Nov 2026 02:25:26 GMT`).
pub fn http_date(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let fmt = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    t.format(&fmt).expect("formatting a UTC time cannot fail")
}

/// Parse an IMF-fixdate (`date` / `x-date` request headers).
pub fn parse_http_date(s: &str) -> Option<OffsetDateTime> {
    let fmt = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(s.trim(), &fmt)
        .ok()
        .map(|p| p.assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_date_round_trips() {
        let t = parse_http_date("Sat, 21 Nov 2026 02:25:26 GMT").unwrap();
        assert_eq!(http_date(t), "Sat, 21 Nov 2026 02:25:26 GMT");
        assert_eq!(rfc3339_millis(t), "2026-11-21T02:25:26.000Z");
        assert!(parse_http_date("2026-11-21T02:25:26Z").is_none());
    }
}
