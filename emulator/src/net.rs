//! Connection hygiene for [`crate::serve`]: how long a client may take to send its headers or
//! sit idle, and how the accept loop behaves when the process runs out of file descriptors.
//!
//! * **Header-read timeout** (hyper's): a request's headers must be complete within
//!   [`ServeOptions::header_read_timeout`]; the same clock runs while a kept-alive connection
//!   waits for its next request, so a client that half-sends headers (or sends nothing) is cut
//!   off instead of holding a descriptor forever. Because it also ends idle kept-alive
//!   connections, the default (100 s) is longer than the 90 s after which Go's and reqwest's
//!   connection pools drop an idle connection: the server must not close a pooled connection
//!   just as a client reuses it for a POST that then cannot be retried.
//! * **Idle timeout** (ours, [`ActivityIo`]): a connection on which no byte moves in either
//!   direction for [`ServeOptions::idle_timeout`] is closed — a stalled upload or a client that
//!   stopped reading its response.
//! * **Accept errors** ([`AcceptErrors`]): `EMFILE` and friends make `accept` fail at once,
//!   again and again; the loop backs off exponentially (1 ms → 1 s) and logs at most once per
//!   [`ServeOptions::accept_error_log_interval`], saying how many failures it did not log.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Limits of one [`crate::serve_with`] loop.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub accept_error_log_interval: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(100),
            // Longer than any fault-rule latency or multipart concatenation a test would use.
            idle_timeout: Duration::from_secs(120),
            accept_error_log_interval: Duration::from_secs(10),
        }
    }
}

const FIRST_BACKOFF: Duration = Duration::from_millis(1);
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// What to do after a failed `accept`.
#[derive(Debug, PartialEq, Eq)]
pub struct AcceptFailure {
    /// Wait this long before accepting again.
    pub back_off: Duration,
    /// Log now; the number is how many failures since the last log line were not logged.
    pub log: Option<u64>,
}

/// Back-off and log throttling for accept errors; pure, so it is tested with made-up instants.
#[derive(Debug)]
pub struct AcceptErrors {
    interval: Duration,
    next_back_off: Duration,
    last_log: Option<Instant>,
    unlogged: u64,
}

impl AcceptErrors {
    pub fn new(log_interval: Duration) -> Self {
        Self {
            interval: log_interval,
            next_back_off: FIRST_BACKOFF,
            last_log: None,
            unlogged: 0,
        }
    }

    pub fn failed(&mut self, now: Instant) -> AcceptFailure {
        let back_off = self.next_back_off;
        self.next_back_off = (self.next_back_off * 2).min(MAX_BACKOFF);
        let due = self
            .last_log
            .is_none_or(|t| now.saturating_duration_since(t) >= self.interval);
        let log = if due {
            self.last_log = Some(now);
            Some(std::mem::take(&mut self.unlogged))
        } else {
            self.unlogged += 1;
            None
        };
        AcceptFailure { back_off, log }
    }

    /// A connection was accepted: the next failure starts backing off from the beginning (the
    /// log throttle keeps its clock, so a flapping limit still logs once per interval).
    pub fn succeeded(&mut self) {
        self.next_back_off = FIRST_BACKOFF;
    }
}

/// Last time bytes moved on a connection, shared between its I/O and its idle watchdog.
#[derive(Debug, Clone)]
pub struct Activity {
    base: Instant,
    last_ms: Arc<AtomicU64>,
}

impl Activity {
    pub fn new() -> Self {
        Self {
            base: Instant::now(),
            last_ms: Arc::new(AtomicU64::new(0)),
        }
    }

    fn touch(&self) {
        let ms = self.base.elapsed().as_millis() as u64;
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        self.base + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }

    /// Resolves once nothing has moved for `idle`.
    pub async fn idle_for(&self, idle: Duration) {
        loop {
            let deadline = self.last() + idle;
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline.into()).await;
        }
    }
}

impl Default for Activity {
    fn default() -> Self {
        Self::new()
    }
}

/// A stream that records [`Activity`] whenever a read or write makes progress.
pub struct ActivityIo<T> {
    inner: T,
    activity: Activity,
}

impl<T> ActivityIo<T> {
    pub fn new(inner: T, activity: Activity) -> Self {
        Self { inner, activity }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for ActivityIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        r
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for ActivityIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_accept_failures_logs_once_and_backs_off_to_the_cap() {
        let mut e = AcceptErrors::new(Duration::from_secs(10));
        let t0 = Instant::now();
        let first = e.failed(t0);
        assert_eq!(first.log, Some(0));
        assert_eq!(first.back_off, FIRST_BACKOFF);
        let mut logged = 0;
        let mut last = first.back_off;
        for i in 1..10_000u32 {
            let f = e.failed(t0 + Duration::from_micros(u64::from(i)));
            logged += usize::from(f.log.is_some());
            assert!(f.back_off >= last && f.back_off <= MAX_BACKOFF);
            last = f.back_off;
        }
        assert_eq!(logged, 0, "one line for the whole burst");
        assert_eq!(last, MAX_BACKOFF);
        // The next interval logs again and counts what it swallowed.
        let later = e.failed(t0 + Duration::from_secs(11));
        assert_eq!(later.log, Some(9_999));
        // Success resets the back-off, not the log clock.
        e.succeeded();
        let again = e.failed(t0 + Duration::from_secs(12));
        assert_eq!(again.back_off, FIRST_BACKOFF);
        assert_eq!(again.log, None);
    }
}
