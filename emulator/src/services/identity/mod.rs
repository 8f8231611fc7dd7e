//! IAM: `/20160918/...` — dynamic groups, policies and compartments (oci-api.md §3.3).
//!
//! Compartments are stored by `crate::compartments` (shared with every service and the control
//! API); this module only serves them over IAM's paths.

pub mod api;
mod handlers;
pub mod home;
pub mod rewrite;
pub mod store;
pub mod validate;
pub mod wire;

use crate::error::ApiError;
use crate::service::{ServiceDef, operations};
use crate::state::AppState;
use serde_json::Value;

/// IAM's operation table: routes and request classification both come from it.
pub const SERVICE: ServiceDef = ServiceDef {
    name: "identity",
    prefixes: &["/20160918"],
    schema: store::SCHEMA,
    operations: {
        use handlers as h;
        operations![
            GET    "/20160918/dynamicGroups" ListDynamicGroups => h::list_dynamic_groups;
            POST   "/20160918/dynamicGroups" CreateDynamicGroup => h::create_dynamic_group;
            GET    "/20160918/dynamicGroups/{id}" GetDynamicGroup => h::get_dynamic_group;
            PUT    "/20160918/dynamicGroups/{id}" UpdateDynamicGroup => h::update_dynamic_group;
            DELETE "/20160918/dynamicGroups/{id}" DeleteDynamicGroup => h::delete_dynamic_group;
            GET    "/20160918/policies" ListPolicies => h::list_policies;
            POST   "/20160918/policies" CreatePolicy => h::create_policy;
            GET    "/20160918/policies/{id}" GetPolicy => h::get_policy;
            PUT    "/20160918/policies/{id}" UpdatePolicy => h::update_policy;
            DELETE "/20160918/policies/{id}" DeletePolicy => h::delete_policy;
            GET    "/20160918/compartments" ListCompartments => h::list_compartments;
            POST   "/20160918/compartments" CreateCompartment => h::create_compartment;
            GET    "/20160918/compartments/{id}" GetCompartment => h::get_compartment;
            GET    "/20160918/tenancies/{id}" GetTenancy => h::get_tenancy;
            GET    "/20160918/tenancies/{id}/regionSubscriptions"
                ListRegionSubscriptions => h::list_region_subscriptions;
            GET    "/20160918/regions" ListRegions => h::list_regions;
            GET    "/20160918/groups" ListGroups => h::list_groups;
        ]
    },
    dump,
};

/// `dynamic_groups` and `policies` for `GET /_emulator/dump` (compartments are dumped by the
/// core, which owns them).
fn dump(state: &AppState) -> Result<Vec<(&'static str, Value)>, ApiError> {
    Ok(vec![
        (
            "dynamic_groups",
            store::dump_kind::<wire::DynamicGroup>(state, store::Kind::DynamicGroup)?,
        ),
        (
            "policies",
            store::dump_kind::<wire::Policy>(state, store::Kind::Policy)?,
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::Classifier;
    use axum::http::Method;

    #[test]
    fn classifies_identity_paths() {
        let classifier = Classifier::new(&[SERVICE]);
        let op = |m: Method, p: &str| classifier.classify(&m, p).operation;
        assert_eq!(
            op(Method::POST, "/20160918/dynamicGroups"),
            Some("CreateDynamicGroup")
        );
        assert_eq!(
            op(Method::DELETE, "/20160918/policies/ocid1.policy.oc1..a"),
            Some("DeletePolicy")
        );
        assert_eq!(
            op(Method::GET, "/20160918/compartments"),
            Some("ListCompartments")
        );
        assert_eq!(op(Method::GET, "/20160918/users"), None);
    }
}
