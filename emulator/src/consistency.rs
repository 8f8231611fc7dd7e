//! Control-API switches (held in `AppState`, set by `control.rs`) that make the emulator behave like a busy, eventually consistent
//! control plane (`PUT /_emulator/iam`, both off by default):
//!
//! * `propagation_delay_ms`: a new IAM entity (dynamic group) becomes visible to policy
//!   validation only this long after its creation, as on OCI (#785: a policy naming a dynamic
//!   group created a moment earlier is refused with 400 "... does not exist ...").
//! * `write_ms`: each IAM write (create, update or delete of a policy or dynamic group) takes
//!   this long, and a second write in the tenancy that arrives meanwhile is refused with 409
//!   `NoEtagMatch`, the failure parallel policy writes met on OCI until Oracle's provider
//!   serialised them per tenancy. With 0 writes are instant and never collide.

use crate::error::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// The settings as the control API reads and writes them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IamSettings {
    pub propagation_delay_ms: u64,
    pub write_ms: u64,
}

/// Lives in `AppState`.
#[derive(Debug, Default)]
pub struct Consistency {
    settings: Mutex<IamSettings>,
    writing: AtomicBool,
}

/// Held while an IAM write is in progress; dropping it ends the write.
pub struct WriteGuard<'a>(Option<&'a AtomicBool>);

impl Drop for WriteGuard<'_> {
    fn drop(&mut self) {
        if let Some(flag) = self.0 {
            flag.store(false, Ordering::SeqCst);
        }
    }
}

impl Consistency {
    pub fn settings(&self) -> IamSettings {
        *self.settings.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set(&self, s: IamSettings) {
        *self.settings.lock().unwrap_or_else(|p| p.into_inner()) = s;
    }

    /// Starts an IAM write: 409 while another is in progress, else waits `write_ms` (the time
    /// the write takes) and returns the guard that ends it.
    pub async fn begin_write(&self) -> ApiResult<WriteGuard<'_>> {
        let ms = self.settings().write_ms;
        if ms == 0 {
            return Ok(WriteGuard(None));
        }
        if self.writing.swap(true, Ordering::SeqCst) {
            return Err(ApiError::conflict(
                "NoEtagMatch",
                "Another IAM write in this tenancy is in progress; the policy document changed \
                 while this request was processed. Retry the request.",
            ));
        }
        let guard = WriteGuard(Some(&self.writing));
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        Ok(guard)
    }
}
