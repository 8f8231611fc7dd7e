//! Fault injection rules (`POST /_emulator/faults`), matched per OCI request by service,
//! operation and method after authentication.
//!
//! How rules combine ([`Faults::take`]): rules are tried in insertion order; a matching rule
//! fires with its `probability`. A rule that only adds latency adds it and the next rules are
//! tried, so "200 ms on every call" composes with "30 % answered 503"; the first firing rule
//! with a status or a drop decides the answer (its latency added too) and ends the search.
//! A rule with a `seed` draws from its own seeded generator, so the same sequence of matching
//! requests sees the same faults (acceptance tests use fixed seeds); without one, from entropy.
//! `after: true` lets the handler run first, then waits the rule's latency and answers with
//! the fault if it has one (a response lost or held on the way back: the create happened, the
//! client does not know it yet).

use crate::error::ApiError;
use axum::http::StatusCode;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
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
    /// Seed of this rule's own random generator (reproducible `probability`).
    #[serde(default)]
    pub seed: Option<u64>,
    /// Run the handler first, then answer with the status or drop (see the module docs).
    #[serde(default)]
    pub after: bool,
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
        parts.extend(self.answer_text());
        parts.join(", ")
    }

    /// How this rule answers, if it does: "connection dropped" or "503 ServiceUnavailable".
    fn answer_text(&self) -> Option<String> {
        if self.drop_connection {
            Some("connection dropped".to_owned())
        } else {
            self.error()
                .map(|e| format!("{} {}", e.status.as_u16(), e.code))
        }
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

/// What the rules decided for one request.
#[derive(Debug, Default)]
pub struct Decision {
    /// Sum of the latencies of every rule that fired, before the handler runs.
    pub latency_ms: u64,
    /// The same for `after` rules: waited after the handler, before answering.
    pub after_latency_ms: u64,
    /// The rule that answers (status or drop), if one fired.
    pub answer: Option<FaultRule>,
}

impl Decision {
    /// What the rules did to this request, for the request log ("latency 200 ms, 503
    /// ServiceUnavailable", "connection dropped after the handler"); `None` when nothing fired.
    pub fn describe(&self) -> Option<String> {
        let mut parts = Vec::new();
        let latency = self.latency_ms + self.after_latency_ms;
        if latency > 0 {
            parts.push(format!("latency {latency} ms"));
        }
        if let Some(rule) = &self.answer
            && let Some(what) = rule.answer_text()
        {
            parts.push(if rule.after {
                format!("{what} after the handler")
            } else {
                what
            });
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

struct Active {
    rule: FaultRule,
    rng: StdRng,
}

/// The active rules, in insertion order; see the module docs for how they combine.
#[derive(Default)]
pub struct Faults(Mutex<Vec<Active>>);

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.list()).finish()
    }
}

impl Faults {
    pub fn add(&self, rule: FaultRule) {
        let rng = match rule.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_entropy(),
        };
        self.lock().push(Active { rule, rng });
    }
    pub fn list(&self) -> Vec<FaultRule> {
        self.lock().iter().map(|a| a.rule.clone()).collect()
    }
    pub fn clear(&self) {
        self.lock().clear();
    }
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Active>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The faults for this request; consumes one use of each counted rule that fired.
    pub fn take(&self, service: &str, operation: Option<&str>, method: &str) -> Decision {
        let mut rules = self.lock();
        let mut decision = Decision::default();
        let mut idx = 0;
        while idx < rules.len() {
            let a = &mut rules[idx];
            let fires = a.rule.matches(service, operation, method)
                && a.rule.probability.is_none_or(|p| a.rng.gen_bool(p));
            if !fires {
                idx += 1;
                continue;
            }
            let latency = if a.rule.after {
                &mut decision.after_latency_ms
            } else {
                &mut decision.latency_ms
            };
            *latency = latency.saturating_add(a.rule.latency_ms);
            let answers = a.rule.status.is_some() || a.rule.drop_connection;
            if answers {
                decision.answer = Some(a.rule.clone());
            }
            let spent = a.rule.count.as_mut().is_some_and(|n| {
                *n -= 1;
                *n == 0
            });
            if spent {
                rules.remove(idx);
            } else {
                idx += 1;
            }
            if answers {
                break;
            }
        }
        decision
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(json: &str) -> FaultRule {
        let r: FaultRule = serde_json::from_str(json).unwrap();
        r.validate().unwrap();
        r
    }

    fn pattern(faults: &Faults, n: usize) -> Vec<Option<u16>> {
        (0..n)
            .map(|_| {
                faults
                    .take("dataflow", Some("GetRun"), "GET")
                    .answer
                    .and_then(|r| r.status)
            })
            .collect()
    }

    #[test]
    fn a_seeded_rule_fires_on_the_same_requests_every_time() {
        let seeded = || {
            let f = Faults::default();
            f.add(rule(r#"{"status":503,"probability":0.3,"seed":42}"#));
            f
        };
        let first = pattern(&seeded(), 400);
        assert_eq!(first, pattern(&seeded(), 400), "same seed, same faults");
        let fired = first.iter().filter(|s| s.is_some()).count();
        assert!((80..=160).contains(&fired), "about 30 % of 400: {fired}");
        let other = Faults::default();
        other.add(rule(r#"{"status":503,"probability":0.3,"seed":43}"#));
        assert_ne!(first, pattern(&other, 400), "another seed, other requests");
    }

    #[test]
    fn latency_adds_up_and_the_first_answering_rule_wins() {
        let f = Faults::default();
        f.add(rule(r#"{"latency_ms":200}"#));
        f.add(rule(r#"{"latency_ms":5,"service":"dataflow"}"#));
        f.add(rule(r#"{"status":429,"count":1}"#));
        f.add(rule(r#"{"status":500,"latency_ms":7}"#));
        f.add(rule(r#"{"drop_connection":true}"#));
        let d = f.take("dataflow", Some("GetRun"), "GET");
        assert_eq!(
            (d.latency_ms, d.answer.and_then(|r| r.status)),
            (205, Some(429))
        );
        // The counted 429 is spent: the 500 answers now, and its latency counts; the drop
        // after it is never reached.
        let d = f.take("dataflow", Some("GetRun"), "GET");
        assert_eq!(
            (d.latency_ms, d.answer.and_then(|r| r.status)),
            (212, Some(500))
        );
        let d = f.take("objectstorage", None, "GET");
        assert_eq!(d.latency_ms, 207);
        assert_eq!(f.list().len(), 4);
    }

    #[test]
    fn after_latency_is_kept_apart() {
        let f = Faults::default();
        f.add(rule(r#"{"latency_ms":5,"after":true}"#));
        f.add(rule(r#"{"latency_ms":7}"#));
        let d = f.take("dataflow", Some("GetRun"), "GET");
        assert_eq!((d.latency_ms, d.after_latency_ms), (7, 5));
        assert!(d.answer.is_none());
    }
}
