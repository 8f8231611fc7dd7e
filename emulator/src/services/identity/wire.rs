//! IAM `/20160918` JSON shapes (oci-api.md §3.3–3.4), written apart from `oci-client` on purpose.
//!
//! Real IAM responses leave null optional fields out (no `inactiveStatus` key) but always carry
//! `freeformTags` and `definedTags`, so response structs skip `None` and default the tag maps.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// `freeformTags`: string → string.
pub type FreeformTags = BTreeMap<String, String>;
/// `definedTags`: namespace → key → any JSON value.
pub type DefinedTags = BTreeMap<String, BTreeMap<String, Value>>;

/// IAM lifecycle states shared by dynamic groups, policies and compartments.
pub const LIFECYCLE_STATES: &[&str] = &["CREATING", "ACTIVE", "INACTIVE", "DELETING", "DELETED"];

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDynamicGroupDetails {
    pub compartment_id: Option<String>,
    pub name: Option<String>,
    pub matching_rule: Option<String>,
    pub description: Option<String>,
    pub freeform_tags: Option<FreeformTags>,
    pub defined_tags: Option<DefinedTags>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateDynamicGroupDetails {
    pub description: Option<String>,
    pub matching_rule: Option<String>,
    pub freeform_tags: Option<FreeformTags>,
    pub defined_tags: Option<DefinedTags>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DynamicGroup {
    pub id: String,
    pub compartment_id: String,
    pub name: String,
    pub description: String,
    pub matching_rule: String,
    pub time_created: String,
    pub lifecycle_state: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub inactive_status: Option<i64>,
    #[serde(default)]
    pub freeform_tags: FreeformTags,
    #[serde(default)]
    pub defined_tags: DefinedTags,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatePolicyDetails {
    pub compartment_id: Option<String>,
    pub name: Option<String>,
    pub statements: Option<Vec<String>>,
    pub description: Option<String>,
    pub version_date: Option<String>,
    pub freeform_tags: Option<FreeformTags>,
    pub defined_tags: Option<DefinedTags>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdatePolicyDetails {
    pub description: Option<String>,
    pub statements: Option<Vec<String>>,
    pub version_date: Option<String>,
    pub freeform_tags: Option<FreeformTags>,
    pub defined_tags: Option<DefinedTags>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    pub id: String,
    pub compartment_id: String,
    pub name: String,
    pub statements: Vec<String>,
    pub description: String,
    pub time_created: String,
    pub lifecycle_state: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub inactive_status: Option<i64>,
    /// `YYYY-MM-DD` (a date, not a datetime, whatever the Python model says).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub version_date: Option<String>,
    #[serde(default)]
    pub freeform_tags: FreeformTags,
    #[serde(default)]
    pub defined_tags: DefinedTags,
}

/// The response is `crate::compartments::Compartment`, shared with the control API.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateCompartmentDetails {
    pub compartment_id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub freeform_tags: Option<FreeformTags>,
    pub defined_tags: Option<DefinedTags>,
}

/// `Tenancy` (GetTenancy).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenancy {
    pub id: String,
    pub name: String,
    pub description: String,
    pub home_region_key: String,
    pub freeform_tags: FreeformTags,
    pub defined_tags: DefinedTags,
}

/// `RegionSubscription` (ListRegionSubscriptions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegionSubscription {
    pub region_key: String,
    pub region_name: String,
    pub status: String,
    pub is_home_region: bool,
}

/// `Region` (ListRegions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Region {
    pub key: String,
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body shaped like the recorded CreatePolicy response (oci-api.md §3.4 "Real IAM responses").
    #[test]
    fn policy_round_trips_and_omits_null_optionals() {
        let json = r#"{"id":"ocid1.policy.oc1..aaaa","compartmentId":"ocid1.tenancy.oc1..aaaa","name":"p",
            "statements":["Allow group A to read buckets in tenancy"],"description":"",
            "timeCreated":"2023-01-25T14:37:04.481Z","lifecycleState":"ACTIVE","versionDate":"2018-08-23",
            "freeformTags":{},"definedTags":{}}"#;
        let p: Policy = serde_json::from_str(json).unwrap();
        let back = serde_json::to_value(&p).unwrap();
        assert!(back.get("inactiveStatus").is_none());
        assert_eq!(back["versionDate"], "2018-08-23");
        assert_eq!(back["freeformTags"], serde_json::json!({}));
    }
}
