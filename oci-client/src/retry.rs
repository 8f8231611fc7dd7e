//! Retry policy and the clock it runs on.
//!
//! What is retried follows the official SDKs' default strategy (reference oci-api.md §6.3):
//! transport failures (no response), 409 `IncorrectState`/`LockConflict`, every 429, and every
//! 5xx except 501. All other 4xx (400, 401, 403, 404, 412, other 409s) fail at once.
//!
//! How long: at most `max_attempts` attempts (default 8, as the SDKs) within `max_elapsed`
//! (default 600 s, the Python SDK's budget). Between attempts we sleep a full-jitter exponential
//! backoff, `U(0, min(max_delay, base_delay * 2^(n-1)))` for the n-th retry, unless the answer
//! carried `retry-after` (seconds), which is obeyed up to `max_delay`. If the next sleep would
//! end past the time budget we stop and return the last error instead of sleeping in vain.
//!
//! The provider arguments map onto this as in the official provider (official-provider.md §3.6):
//! `disable_auto_retries = true` → one attempt; `retry_duration_seconds = N` → the budget is N
//! seconds and attempts are bounded only by time (N < 0 means no time bound, as upstream).
//!
//! The [`Clock`] is injectable so tests can run the policy without real sleeps.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng as _;

use crate::error::Error;

/// Monotonic time, wall time (for the `date` header) and sleeping.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Monotonic time since an arbitrary origin.
    fn now(&self) -> Duration;
    /// Current UTC time for the request `date` header.
    fn utc_now(&self) -> time::OffsetDateTime;
    /// Sleeps for `d`.
    fn sleep(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>>;
}

/// The real clock: `Instant`, `SystemTime` and `tokio::time::sleep`.
#[derive(Debug, Clone)]
pub struct SystemClock {
    origin: Instant,
}

impl Default for SystemClock {
    fn default() -> Self {
        Self {
            origin: Instant::now(),
        }
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    fn utc_now(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc()
    }

    fn sleep(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        Box::pin(tokio::time::sleep(d))
    }
}

/// A clock for tests: `sleep` returns immediately, advances `now` by the requested duration and
/// records it, so backoff sequences can be asserted without waiting.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    state: Arc<Mutex<ManualState>>,
}

#[derive(Debug, Default)]
struct ManualState {
    now: Duration,
    sleeps: Vec<Duration>,
}

impl ManualClock {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every sleep requested so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.lock().sleeps.clone()
    }

    /// Moves time forward without a sleep (simulates slow responses).
    pub fn advance(&self, d: Duration) {
        self.lock().now += d;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ManualState> {
        // A poisoned lock only means another test thread panicked; the data is still usable.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        self.lock().now
    }

    fn utc_now(&self) -> time::OffsetDateTime {
        // Real wall time, shifted by the simulated time, keeps signatures within the skew window.
        time::OffsetDateTime::now_utc() + self.lock().now
    }

    fn sleep(&self, d: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        let mut s = self.lock();
        s.now += d;
        s.sleeps.push(d);
        Box::pin(std::future::ready(()))
    }
}

/// When and how often to retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts including the first; `None` = bounded only by `max_elapsed`.
    pub max_attempts: Option<u32>,
    /// Time budget from the first attempt; `None` = unbounded.
    pub max_elapsed: Option<Duration>,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: Some(8),
            max_elapsed: Some(Duration::from_secs(600)),
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn none() -> Self {
        Self {
            max_attempts: Some(1),
            ..Self::default()
        }
    }

    /// The policy for the provider arguments `disable_auto_retries` / `retry_duration_seconds`.
    pub fn from_provider_settings(
        disable_auto_retries: bool,
        retry_duration_seconds: Option<i64>,
    ) -> Self {
        if disable_auto_retries {
            return Self::none();
        }
        match retry_duration_seconds {
            None => Self::default(),
            Some(secs) => Self {
                max_attempts: None,
                max_elapsed: u64::try_from(secs).ok().map(Duration::from_secs),
                ..Self::default()
            },
        }
    }

    /// Whether retries are possible at all (decides the `opc-client-retries` header).
    pub fn retries_enabled(&self) -> bool {
        self.max_attempts != Some(1) && self.max_elapsed != Some(Duration::ZERO)
    }

    /// Upper bound of the sleep before retry number `retry` (1-based):
    /// `min(max_delay, base_delay * 2^(retry-1))`.
    pub fn backoff_ceiling(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1).min(30));
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// Full-jitter sleep before retry number `retry`: uniform in `[0, backoff_ceiling(retry)]`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self.backoff_ceiling(retry);
        if ceiling.is_zero() {
            return ceiling;
        }
        rand::thread_rng().gen_range(Duration::ZERO..=ceiling)
    }

    /// Decides whether to try again after `attempts` attempts that ended in `error`, `elapsed`
    /// after the first one started. Returns the sleep to take, or `None` to give up.
    pub fn next_delay(&self, error: &Error, attempts: u32, elapsed: Duration) -> Option<Duration> {
        if !is_retryable(error) {
            return None;
        }
        if self.max_attempts.is_some_and(|max| attempts >= max) {
            return None;
        }
        // A service that says when to come back (`retry-after`, e.g. on 429/503) is obeyed,
        // capped at `max_delay`; otherwise full-jitter backoff.
        let delay = match error {
            Error::Service(e) if e.retry_after.is_some() => {
                e.retry_after.unwrap_or_default().min(self.max_delay)
            }
            _ => self.backoff(attempts),
        };
        if self
            .max_elapsed
            .is_some_and(|budget| elapsed.saturating_add(delay) >= budget)
        {
            return None;
        }
        Some(delay)
    }
}

/// Whether a transport error is rustls refusing the peer (certificate or handshake failure).
pub fn is_tls_rejection(error: &reqwest::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        if e.is::<rustls::Error>() {
            return true;
        }
        // hyper wraps the rustls error in (nested) io::Errors, whose `source()` skips the
        // payload itself, so step into the payload explicitly.
        cause = match e
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            Some(inner) => Some(inner),
            None => e.source(),
        };
    }
    false
}

/// The retry classification of an error (see the module docs).
pub fn is_retryable(error: &Error) -> bool {
    match error {
        Error::Service(e) => match e.status {
            409 => matches!(e.code.as_str(), "IncorrectState" | "LockConflict"),
            429 => true,
            501 => false,
            500..=599 => true,
            _ => false,
        },
        // A certificate the client does not trust will not become trusted by retrying.
        Error::Transport { source, .. } => !source.is_builder() && !is_tls_rejection(source),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ServiceError;

    fn service(status: u16, code: &str) -> Error {
        Error::service(ServiceError {
            operation: "Op".into(),
            status,
            code: code.into(),
            message: String::new(),
            opc_request_id: None,
            retry_after: None,
            method: "GET".into(),
            attempts: 1,
            retried_for: Duration::ZERO,
            url: "http://x".into(),
        })
    }

    #[test]
    fn classification_follows_the_sdk_default() {
        for (status, code) in [
            (429, "TooManyRequests"),
            (500, "InternalServerError"),
            (502, "Bad"),
            (503, "ServiceUnavailable"),
            (504, "x"),
            (409, "IncorrectState"),
            (409, "LockConflict"),
        ] {
            assert!(is_retryable(&service(status, code)), "{status} {code}");
        }
        for (status, code) in [
            (400, "InvalidParameter"),
            (401, "NotAuthenticated"),
            (403, "NotAuthorized"),
            (404, "NotAuthorizedOrNotFound"),
            (409, "BucketNotEmpty"),
            (409, "InvalidatedRetryToken"),
            (412, "NoEtagMatch"),
            (501, "MethodNotImplemented"),
        ] {
            assert!(!is_retryable(&service(status, code)), "{status} {code}");
        }
        assert!(!is_retryable(&Error::Config("x".into())));
    }

    #[test]
    fn full_jitter_stays_within_the_ceiling() {
        let p = RetryPolicy::default();
        for retry in 1..=10 {
            for _ in 0..200 {
                assert!(p.backoff(retry) <= p.backoff_ceiling(retry));
            }
        }
        let e = service(503, "ServiceUnavailable");
        assert!(p.next_delay(&e, 7, Duration::ZERO).is_some());
        assert!(
            p.next_delay(&e, 8, Duration::ZERO).is_none(),
            "8 attempts at most"
        );
        assert!(
            p.next_delay(&e, 1, Duration::from_secs(600)).is_none(),
            "budget spent"
        );
        assert!(
            RetryPolicy::none()
                .next_delay(&e, 1, Duration::ZERO)
                .is_none()
        );
        assert!(!RetryPolicy::none().retries_enabled());
        let zero = RetryPolicy::from_provider_settings(false, Some(0));
        assert!(!zero.retries_enabled() && zero.next_delay(&e, 1, Duration::ZERO).is_none());
    }
}
