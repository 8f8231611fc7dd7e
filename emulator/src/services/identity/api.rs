//! IAM as the other services see it: the tenancy's dynamic groups, policies and compartments in
//! the shapes `oci_policy::authorize` takes. Data Flow uses this to decide what a run's
//! resource principal may touch; the emulator console lists every dynamic group and policy as
//! stored ([`dynamic_groups`], [`policies`]). Nothing else of IAM's state leaves this service.

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
    let groups = dynamic_groups(state)?;
    let policies = policies(state)?;
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

/// A dynamic group as stored (its matching rule as IAM keeps it), state computed now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamicGroupView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub compartment_id: String,
    pub matching_rule: String,
    pub lifecycle_state: String,
    pub time_created: String,
}

/// A policy as stored (its statements after IAM's rewrite), state computed now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub compartment_id: String,
    pub statements: Vec<String>,
    pub lifecycle_state: String,
    pub time_created: String,
}

/// Every dynamic group, DELETED ones included, in creation order.
pub fn dynamic_groups(state: &AppState) -> Result<Vec<DynamicGroupView>, ApiError> {
    let groups: Vec<DynamicGroup> =
        serde_json::from_value(store::dump_kind::<DynamicGroup>(state, Kind::DynamicGroup)?)?;
    Ok(groups
        .into_iter()
        .map(|g| DynamicGroupView {
            id: g.id,
            name: g.name,
            description: g.description,
            compartment_id: g.compartment_id,
            matching_rule: g.matching_rule,
            lifecycle_state: g.lifecycle_state,
            time_created: g.time_created,
        })
        .collect())
}

/// Every policy, DELETED ones included, in creation order.
pub fn policies(state: &AppState) -> Result<Vec<PolicyView>, ApiError> {
    let policies: Vec<Policy> =
        serde_json::from_value(store::dump_kind::<Policy>(state, Kind::Policy)?)?;
    Ok(policies
        .into_iter()
        .map(|p| PolicyView {
            id: p.id,
            name: p.name,
            description: p.description,
            compartment_id: p.compartment_id,
            statements: p.statements,
            lifecycle_state: p.lifecycle_state,
            time_created: p.time_created,
        })
        .collect())
}
