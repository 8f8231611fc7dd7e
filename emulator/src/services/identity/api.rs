//! IAM as the other services see it: the tenancy's dynamic groups, policies and compartments in
//! the shapes `oci_policy::authorize` takes. Data Flow uses this to decide what a run's
//! resource principal may touch; nothing else of IAM's state leaves this service.

use super::store::{self, Kind};
use super::wire::{DynamicGroup, Policy};
use crate::error::ApiError;
use crate::state::AppState;
use oci_policy::{CompartmentDef, DynamicGroupDef, PolicyDef};

/// Everything the evaluator needs about the tenancy, as IAM holds it right now.
#[derive(Debug, Clone, Default)]
pub struct PolicyInputs {
    pub tenancy_id: String,
    pub compartments: Vec<CompartmentDef>,
    pub dynamic_groups: Vec<DynamicGroupDef>,
    pub policies: Vec<PolicyDef>,
}

/// The dynamic groups and policies in effect (ACTIVE ones: a policy being created or deleted
/// grants nothing, as the official provider waits for ACTIVE anyway) and every compartment.
/// This is the one place that decides which IAM state authorises requests.
pub fn policy_inputs(state: &AppState) -> Result<PolicyInputs, ApiError> {
    let active = |s: &str| s == "ACTIVE";
    let groups: Vec<DynamicGroup> =
        serde_json::from_value(store::dump_kind::<DynamicGroup>(state, Kind::DynamicGroup)?)?;
    let policies: Vec<Policy> =
        serde_json::from_value(store::dump_kind::<Policy>(state, Kind::Policy)?)?;
    let tenancy_id = state.identity().tenancy_id.clone();
    let compartments = state
        .all_compartments()?
        .into_iter()
        .map(|c| CompartmentDef {
            parent_id: (c.id != tenancy_id).then_some(c.compartment_id),
            id: c.id,
            name: c.name,
        })
        .collect();
    Ok(PolicyInputs {
        tenancy_id,
        compartments,
        dynamic_groups: groups
            .into_iter()
            .filter(|g| active(&g.lifecycle_state))
            .map(|g| DynamicGroupDef {
                id: g.id,
                name: g.name,
                matching_rule: g.matching_rule,
            })
            .collect(),
        policies: policies
            .into_iter()
            .filter(|p| active(&p.lifecycle_state))
            .map(|p| PolicyDef {
                id: p.id,
                name: p.name,
                compartment_id: p.compartment_id,
                statements: p.statements,
            })
            .collect(),
    })
}
