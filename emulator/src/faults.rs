//! Fault injection rules (`POST /_emulator/faults`), matched per OCI request by service,
//! operation and method after authentication.

use crate::error::ApiError;
use axum::http::StatusCode;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// Longest injected latency: beyond it a request would outlive any client's timeout (and the
/// connection's idle timeout), which tests nothing.
pub const MAX_LATENCY_MS: u64 = 600_000;

/// One rule. Absent matchers match everything; `status: null` injects only latency or a drop.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default)]
    pub operation: Option<String>,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    /// Fire this many times, then remove the rule. `null` = forever.
    #[serde(default)]
    pub count: Option<u32>,
    /// Fire with this probability (0..=1). `null` = always.
    #[serde(default)]
    pub probability: Option<f64>,
    #[serde(default)]
    pub latency_ms: u64,
    /// Close the connection without any response.
    #[serde(default)]
    pub drop_connection: bool,
}

impl FaultRule {
    /// Reject nonsense before it is stored, naming the field.
    pub fn validate(&self) -> Result<(), ApiError> {
        if let Some(s) = self.status
            && !(400..=599).contains(&s)
        {
            return Err(ApiError::invalid_parameter(format!(
                "status must be 400..=599, got {s}"
            )));
        }
        if let Some(p) = self.probability
            && !(0.0..=1.0).contains(&p)
        {
            return Err(ApiError::invalid_parameter(format!(
                "probability must be within 0..=1, got {p}"
            )));
        }
        if self.latency_ms > MAX_LATENCY_MS {
            return Err(ApiError::invalid_parameter(format!(
                "latency_ms must be at most {MAX_LATENCY_MS} (ten minutes), got {}",
                self.latency_ms
            )));
        }
        if self.count == Some(0) {
            return Err(ApiError::invalid_parameter(
                "count must be at least 1 (or null for forever)",
            ));
        }
        if self.status.is_none() && self.latency_ms == 0 && !self.drop_connection {
            return Err(ApiError::invalid_parameter(
                "a fault rule needs a status, latency_ms or drop_connection",
            ));
        }
        Ok(())
    }

    fn matches(&self, service: &str, operation: Option<&str>, method: &str) -> bool {
        self.service
            .as_deref()
            .is_none_or(|s| s.eq_ignore_ascii_case(service))
            && self
                .operation
                .as_deref()
                .is_none_or(|o| Some(o) == operation)
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
    }

    /// What this rule did to a request, for the request log: "503 ServiceUnavailable",
    /// "latency 200 ms", "connection dropped", or several of them.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.latency_ms > 0 {
            parts.push(format!("latency {} ms", self.latency_ms));
        }
        if self.drop_connection {
            parts.push("connection dropped".to_owned());
        } else if let Some(e) = self.error() {
            parts.push(format!("{} {}", e.status.as_u16(), e.code));
        }
        parts.join(", ")
    }

    /// The error this rule answers with, if it has a status.
    pub fn error(&self) -> Option<ApiError> {
        let status = StatusCode::from_u16(self.status?).ok()?;
        let code = self
            .code
            .clone()
            .unwrap_or_else(|| default_code(status).to_owned());
        let message = self
            .message
            .clone()
            .unwrap_or_else(|| format!("Injected fault: {code}"));
        Some(ApiError::new(status, code, message))
    }
}

fn default_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "InvalidParameter",
        401 => "NotAuthenticated",
        404 => "NotAuthorizedOrNotFound",
        409 => "IncorrectState",
        412 => "NoEtagMatch",
        429 => "TooManyRequests",
        500 => "InternalServerError",
        503 => "ServiceUnavailable",
        _ => "InjectedFault",
    }
}

/// The active rules, in insertion order; the first matching rule that fires wins.
#[derive(Debug, Default)]
pub struct Faults(Mutex<Vec<FaultRule>>);

impl Faults {
    pub fn add(&self, rule: FaultRule) {
        self.lock().push(rule);
    }
    pub fn list(&self) -> Vec<FaultRule> {
        self.lock().clone()
    }
    pub fn clear(&self) {
        self.lock().clear();
    }
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<FaultRule>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The rule that fires for this request, if any; consumes one use of a counted rule.
    pub fn take(&self, service: &str, operation: Option<&str>, method: &str) -> Option<FaultRule> {
        let mut rules = self.lock();
        let mut rng = rand::thread_rng();
        let idx = rules.iter().position(|r| {
            r.matches(service, operation, method) && r.probability.is_none_or(|p| rng.gen_bool(p))
        })?;
        let fired = rules[idx].clone();
        if let Some(n) = rules[idx].count.as_mut() {
            *n -= 1;
            if *n == 0 {
                rules.remove(idx);
            }
        }
        Some(fired)
    }
}
