//! What IAM checks in a policy or dynamic group before storing it, with the `oci_policy`
//! grammar (the same one the provider checks at plan time):
//!
//! * statements and matching rules must parse (400 `InvalidParameter` naming the statement, its
//!   position and what was expected). Parsing is bounded (length and `any {}`/`all {}` depth),
//!   so no body can exhaust the stack: a 12,000-deep `any {` is a 400 like any other typo;
//! * every dynamic group a statement names (by name) must exist and be visible: one created
//!   less than the IAM propagation delay ago (`PUT /_emulator/iam` `{"propagation_delay_ms":
//!   N}`, default 0) is not yet, as on OCI (#785), and the answer is 400 "... does not exist
//!   ...". Names are compared ignoring case; `id <ocid>` subjects are not looked up. Groups are
//!   not modelled (every tenancy has the one group `Administrators`, for ListGroups), so group
//!   names are not checked;
//! * (the service's own defined tags are added on create by `crate::tags`).

use super::store::{self, Kind};
use super::wire::DynamicGroup;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use time::OffsetDateTime;

/// The longest statement and matching rule accepted (the real service's limits are not
/// published; these are far above any real policy).
const LIMITS: oci_policy::Limits = oci_policy::Limits {
    max_len: 16 * 1024,
    max_depth: 32,
};

/// The one group every emulated tenancy has (ListGroups).
pub const ADMINISTRATORS: &str = "Administrators";

pub fn matching_rule(rule: &str) -> ApiResult<()> {
    oci_policy::parse_matching_rule_with(rule, &LIMITS)
        .map(drop)
        .map_err(|e| {
            ApiError::invalid_parameter(format!(
                "Invalid matching rule at line {}, column {}: expected {}, found {}",
                e.line, e.column, e.expected, e.found
            ))
        })
}

/// Parses every statement (400 on the first that does not) and checks the principals they name.
pub fn statements(state: &AppState, statements: &[String]) -> ApiResult<()> {
    let mut parsed = Vec::with_capacity(statements.len());
    for (i, s) in statements.iter().enumerate() {
        let st = oci_policy::parse_statement_with(s, &LIMITS).map_err(|e| {
            let shown: String = s.chars().take(200).collect();
            ApiError::invalid_parameter(format!(
                "Invalid policy statement {} of {} at line {}, column {}: expected {}, found {}: '{shown}'",
                i + 1,
                statements.len(),
                e.line,
                e.column,
                e.expected,
                e.found
            ))
        })?;
        parsed.push(st);
    }
    let visible = visible_dynamic_groups(state)?;
    for st in &parsed {
        for g in st.subject_dynamic_group_names() {
            if !visible.iter().any(|v| v.eq_ignore_ascii_case(&g)) {
                return Err(ApiError::invalid_parameter(format!(
                    "Dynamic group {g} does not exist under current compartment hierarchy"
                )));
            }
        }
    }
    Ok(())
}

/// Names of the tenancy's dynamic groups that IAM has propagated (not DELETED, created at least
/// the propagation delay ago).
fn visible_dynamic_groups(state: &AppState) -> ApiResult<Vec<String>> {
    let delay = time::Duration::milliseconds(
        i64::try_from(state.consistency().settings().propagation_delay_ms).unwrap_or(i64::MAX),
    );
    let now = state.now();
    let tenancy = state.identity().tenancy_id.clone();
    Ok(
        store::list::<DynamicGroup>(state, Kind::DynamicGroup, &tenancy)?
            .into_iter()
            .filter(|g| g.state != "DELETED")
            .filter(|g| {
                OffsetDateTime::parse(
                    &g.doc.time_created,
                    &time::format_description::well_known::Rfc3339,
                )
                .is_ok_and(|t| t + delay <= now)
            })
            .map(|g| g.doc.name)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_bounded() {
        let deep = format!(
            "{}resource.type = 'x'{}",
            "ANY {".repeat(12_000),
            "}".repeat(12_000)
        );
        let e = matching_rule(&deep).unwrap_err();
        assert!(e.message.contains("Invalid matching rule"), "{}", e.message);
        matching_rule("ALL {resource.type = 'dataflowrun'}").unwrap();
    }
}
