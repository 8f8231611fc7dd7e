//! IAM: `/20160918/...` — dynamic groups, policies and compartments (oci-api.md §3.3).
//!
//! Compartments are stored by `crate::compartments` (shared with every service and the control
//! API); this module only serves them over IAM's paths.

mod handlers;
pub mod home;
pub mod rewrite;
pub mod store;
pub mod validate;
pub mod wire;

use crate::error::ApiError;
use crate::services::ServiceDef;
use crate::state::AppState;
use axum::Router;
use axum::http::Method;
use axum::routing::get;
use serde_json::Value;

pub const SERVICE: ServiceDef = ServiceDef {
    name: "identity",
    prefix: "/20160918",
    schema: store::SCHEMA,
    routes,
    operation,
    dump,
};

pub fn routes() -> Router<AppState> {
    use handlers as h;
    Router::new()
        .route(
            "/20160918/dynamicGroups",
            get(h::list_dynamic_groups).post(h::create_dynamic_group),
        )
        .route(
            "/20160918/dynamicGroups/{id}",
            get(h::get_dynamic_group)
                .put(h::update_dynamic_group)
                .delete(h::delete_dynamic_group),
        )
        .route(
            "/20160918/policies",
            get(h::list_policies).post(h::create_policy),
        )
        .route(
            "/20160918/policies/{id}",
            get(h::get_policy)
                .put(h::update_policy)
                .delete(h::delete_policy),
        )
        .route(
            "/20160918/compartments",
            get(h::list_compartments).post(h::create_compartment),
        )
        .route("/20160918/compartments/{id}", get(h::get_compartment))
        .route("/20160918/tenancies/{id}", get(h::get_tenancy))
        .route(
            "/20160918/tenancies/{id}/regionSubscriptions",
            get(h::list_region_subscriptions),
        )
        .route("/20160918/regions", get(h::list_regions))
        .route("/20160918/groups", get(h::list_groups))
}

/// Operation names as in the OCI API reference.
fn operation(method: &Method, seg: &[&str]) -> Option<&'static str> {
    let one = seg.len() == 2;
    Some(match (seg.first().copied()?, seg.len(), method.as_str()) {
        ("dynamicGroups", 1, "GET") => "ListDynamicGroups",
        ("dynamicGroups", 1, "POST") => "CreateDynamicGroup",
        ("dynamicGroups", _, "GET") if one => "GetDynamicGroup",
        ("dynamicGroups", _, "PUT") if one => "UpdateDynamicGroup",
        ("dynamicGroups", _, "DELETE") if one => "DeleteDynamicGroup",
        ("policies", 1, "GET") => "ListPolicies",
        ("policies", 1, "POST") => "CreatePolicy",
        ("policies", _, "GET") if one => "GetPolicy",
        ("policies", _, "PUT") if one => "UpdatePolicy",
        ("policies", _, "DELETE") if one => "DeletePolicy",
        ("compartments", 1, "GET") => "ListCompartments",
        ("compartments", 1, "POST") => "CreateCompartment",
        ("compartments", _, "GET") if one => "GetCompartment",
        ("tenancies", _, "GET") if one => "GetTenancy",
        ("tenancies", 3, "GET") if seg[2] == "regionSubscriptions" => "ListRegionSubscriptions",
        ("regions", 1, "GET") => "ListRegions",
        ("groups", 1, "GET") => "ListGroups",
        _ => return None,
    })
}

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

    #[test]
    fn classifies_identity_paths() {
        let op = |m: Method, p: &str| crate::services::classify(&m, p).and_then(|(_, o)| o);
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
