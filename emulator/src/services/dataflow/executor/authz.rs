//! What a run's resource principal may touch, decided by IAM's policies through
//! `oci_policy::authorize`, in one of three modes (LocalStack's `ENFORCE_IAM` / `IAM_SOFT_MODE`):
//! * `enforce` (default): a denied access fails the run with Object Storage's wording;
//! * `soft`: the access is allowed, and the would-be denial is logged and recorded;
//! * `off`: no evaluation at all.
//!
//! The run acts as `resource.type = 'dataflowrun'` with its OCID, compartment and defined tags.
//! Every evaluation (mode `off` excepted) is recorded in `df_run_iam`, so the control API can
//! show which statement allowed an access or why none did.

use super::super::wire::Run;
use crate::clock::rfc3339_millis;
use crate::error::ApiError;
use crate::services::identity::api as iam;
use crate::services::objectstorage::api as os;
use crate::state::AppState;
use oci_policy::{Decision, Principal, Request};
use serde::Serialize;
use std::collections::BTreeMap;

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS df_run_iam (
    run_id         TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    time           TEXT NOT NULL,
    mode           TEXT NOT NULL,
    purpose        TEXT NOT NULL,
    permission     TEXT NOT NULL,
    namespace      TEXT NOT NULL,
    bucket         TEXT NOT NULL,
    allowed        INTEGER NOT NULL,
    enforced       INTEGER NOT NULL,
    allowed_by     TEXT,
    matched_groups TEXT NOT NULL,
    explanation    TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
"#;

/// How denials are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IamMode {
    Enforce,
    Soft,
    Off,
}

impl IamMode {
    pub fn parse(s: &str) -> Option<IamMode> {
        match s.to_ascii_lowercase().as_str() {
            "enforce" => Some(IamMode::Enforce),
            "soft" => Some(IamMode::Soft),
            "off" => Some(IamMode::Off),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            IamMode::Enforce => "enforce",
            IamMode::Soft => "soft",
            IamMode::Off => "off",
        }
    }

    pub(super) fn to_u8(self) -> u8 {
        self as u8
    }

    pub(super) fn from_u8(v: u8) -> IamMode {
        match v {
            0 => IamMode::Enforce,
            1 => IamMode::Soft,
            _ => IamMode::Off,
        }
    }
}

/// One object-storage access a run needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access<'a> {
    /// `OBJECT_READ`, `OBJECT_CREATE`, `OBJECT_OVERWRITE`, `OBJECT_DELETE`.
    pub permission: &'static str,
    pub namespace: &'a str,
    pub bucket: &'a str,
    /// Why the run needs it, for records and messages: "application file", "logs", ...
    pub purpose: &'a str,
}

/// The result of checking one access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Allowed (or not evaluated: mode off, or the bucket does not exist — existence is
    /// reported by the caller in its own words).
    Allowed,
    /// Denied but allowed anyway (soft mode); the note is for the driver log.
    SoftDenied(String),
    /// Denied in enforce mode: the run fails with this message.
    Denied(String),
}

/// Object Storage's answer to a principal that may not touch a bucket (it never says which of
/// "missing" and "not authorized" is true).
pub fn not_authorized(bucket: &str, namespace: &str) -> String {
    format!(
        "BucketNotFound: Either the bucket named '{bucket}' does not exist in the namespace '{namespace}' or you are not authorized to access it"
    )
}

/// The run as a resource principal.
pub fn principal(run: &Run) -> Principal {
    let defined_tags = run
        .defined_tags
        .iter()
        .map(|(ns, kv)| {
            let kv = kv
                .iter()
                .map(|(k, v)| {
                    let v = v
                        .as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| v.to_string());
                    (k.clone(), v)
                })
                .collect();
            (ns.clone(), kv)
        })
        .collect();
    Principal {
        resource_type: "dataflowrun".to_owned(),
        id: run.id.clone(),
        compartment_id: run.compartment_id.clone(),
        defined_tags,
        freeform_tags: run.freeform_tags.clone(),
    }
}

/// Evaluate `access` for `principal` against IAM's current state, without recording it.
/// `None` when the bucket does not exist (nothing to authorise).
pub fn evaluate(
    state: &AppState,
    principal: &Principal,
    access: &Access<'_>,
) -> Result<Option<Decision>, ApiError> {
    let Some(bucket) = os::bucket_facts(state, access.namespace, access.bucket)? else {
        return Ok(None);
    };
    let inputs = iam::policy_inputs(state)?;
    let variables = BTreeMap::from([
        ("target.bucket.name".to_owned(), bucket.name.clone()),
        ("target.bucket.id".to_owned(), bucket.id.clone()),
    ]);
    let request = Request {
        permission: access.permission.to_owned(),
        resource_type: "objects".to_owned(),
        compartment_id: bucket.compartment_id,
        variables,
    };
    Ok(Some(oci_policy::authorize(
        &inputs.tenancy_id,
        &inputs.compartments,
        &inputs.dynamic_groups,
        &inputs.policies,
        principal,
        &request,
    )))
}

/// Check one access of `run` in `mode`, recording the decision.
pub fn check(
    state: &AppState,
    mode: IamMode,
    run: &Run,
    access: &Access<'_>,
) -> Result<Verdict, ApiError> {
    if mode == IamMode::Off {
        return Ok(Verdict::Allowed);
    }
    let Some(decision) = evaluate(state, &principal(run), access)? else {
        return Ok(Verdict::Allowed);
    };
    let enforced = !decision.allowed && mode == IamMode::Enforce;
    record(state, mode, run, access, &decision, enforced)?;
    if decision.allowed {
        return Ok(Verdict::Allowed);
    }
    let words = not_authorized(access.bucket, access.namespace);
    Ok(if enforced {
        Verdict::Denied(words)
    } else {
        Verdict::SoftDenied(format!(
            "IAM soft mode: {} on bucket '{}' ({}) would have been denied ({words}); allowed anyway. {}",
            access.permission, access.bucket, access.purpose, decision.explanation
        ))
    })
}

fn record(
    state: &AppState,
    mode: IamMode,
    run: &Run,
    access: &Access<'_>,
    d: &Decision,
    enforced: bool,
) -> Result<(), ApiError> {
    let allowed_by = d.allowed_by.as_ref().map(|(policy, index, text)| {
        serde_json::json!({"policy": policy, "statement_index": index, "statement": text})
            .to_string()
    });
    let now = rfc3339_millis(state.now());
    state.db(|c| {
        c.execute(
            "INSERT INTO df_run_iam (run_id, seq, time, mode, purpose, permission, namespace, bucket, allowed, enforced, allowed_by, matched_groups, explanation)
             VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM df_run_iam WHERE run_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            rusqlite::params![
                run.id,
                now,
                mode.as_str(),
                access.purpose,
                access.permission,
                access.namespace,
                access.bucket,
                d.allowed,
                enforced,
                allowed_by,
                serde_json::to_string(&d.matched_dynamic_groups)?,
                d.explanation,
            ],
        )?;
        Ok(())
    })
}

/// One recorded decision, as the control API serves it.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionRecord {
    pub run_id: String,
    pub seq: i64,
    pub time: String,
    pub mode: String,
    pub purpose: String,
    pub permission: String,
    pub namespace: String,
    pub bucket: String,
    pub allowed: bool,
    /// Denied and the run failed for it (enforce mode).
    pub enforced: bool,
    /// `{"policy", "statement_index", "statement"}` of the statement that allowed it.
    pub allowed_by: Option<serde_json::Value>,
    pub matched_dynamic_groups: Vec<String>,
    pub explanation: String,
}

/// Recorded decisions, of one run or all, oldest first.
pub fn decisions(state: &AppState, run_id: Option<&str>) -> Result<Vec<DecisionRecord>, ApiError> {
    state.db(|c| {
        let mut stmt = c.prepare(
            "SELECT run_id, seq, time, mode, purpose, permission, namespace, bucket, allowed, enforced, allowed_by, matched_groups, explanation
             FROM df_run_iam WHERE ?1 IS NULL OR run_id = ?1 ORDER BY time, run_id, seq",
        )?;
        let rows = stmt
            .query_map([run_id], |r| {
                let allowed_by: Option<String> = r.get(10)?;
                let groups: String = r.get(11)?;
                Ok(DecisionRecord {
                    run_id: r.get(0)?,
                    seq: r.get(1)?,
                    time: r.get(2)?,
                    mode: r.get(3)?,
                    purpose: r.get(4)?,
                    permission: r.get(5)?,
                    namespace: r.get(6)?,
                    bucket: r.get(7)?,
                    allowed: r.get(8)?,
                    enforced: r.get(9)?,
                    allowed_by: allowed_by.and_then(|s| serde_json::from_str(&s).ok()),
                    matched_dynamic_groups: serde_json::from_str(&groups).unwrap_or_default(),
                    explanation: r.get(12)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    })
}
