//! IAM (`/20160918`): dynamic groups, policies, compartments (reference oci-api.md §3.3, §3.4).

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::{DefinedTags, FreeformTags, not_found_to_none};
use crate::client::{Client, Response};
use crate::endpoints::Service;
use crate::error::Result;
use crate::paginate::{Page, all_pages, page_request};
use crate::request::{OciRequest, segment};
use crate::wait::HasLifecycleState;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDynamicGroupDetails {
    /// Must be the tenancy OCID.
    pub compartment_id: String,
    pub name: String,
    pub matching_rule: String,
    /// Required by the API; may be empty.
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub freeform_tags: Option<FreeformTags>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defined_tags: Option<DefinedTags>,
}

/// Names cannot be changed, so there is no `name`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateDynamicGroupDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matching_rule: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub freeform_tags: Option<FreeformTags>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defined_tags: Option<DefinedTags>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DynamicGroup {
    pub id: String,
    pub compartment_id: String,
    pub name: String,
    pub description: Option<String>,
    pub matching_rule: Option<String>,
    pub time_created: Option<String>,
    pub lifecycle_state: String,
    pub inactive_status: Option<i64>,
    pub freeform_tags: Option<FreeformTags>,
    pub defined_tags: Option<DefinedTags>,
}

impl HasLifecycleState for DynamicGroup {
    fn lifecycle_state(&self) -> Option<&str> {
        Some(&self.lifecycle_state)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatePolicyDetails {
    pub compartment_id: String,
    pub name: String,
    pub statements: Vec<String>,
    /// Required by the API; may be empty.
    pub description: String,
    /// A date, `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub freeform_tags: Option<FreeformTags>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defined_tags: Option<DefinedTags>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdatePolicyDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statements: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub freeform_tags: Option<FreeformTags>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defined_tags: Option<DefinedTags>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    pub id: String,
    pub compartment_id: String,
    pub name: String,
    #[serde(default)]
    pub statements: Vec<String>,
    pub description: Option<String>,
    pub time_created: Option<String>,
    pub lifecycle_state: String,
    pub inactive_status: Option<i64>,
    pub version_date: Option<String>,
    pub freeform_tags: Option<FreeformTags>,
    pub defined_tags: Option<DefinedTags>,
}

impl HasLifecycleState for Policy {
    fn lifecycle_state(&self) -> Option<&str> {
        Some(&self.lifecycle_state)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Compartment {
    pub id: String,
    /// The parent compartment (absent for the tenancy itself).
    pub compartment_id: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub time_created: Option<String>,
    pub lifecycle_state: String,
    pub inactive_status: Option<i64>,
    pub is_accessible: Option<bool>,
    pub freeform_tags: Option<FreeformTags>,
    pub defined_tags: Option<DefinedTags>,
}

impl HasLifecycleState for Compartment {
    fn lifecycle_state(&self) -> Option<&str> {
        Some(&self.lifecycle_state)
    }
}

/// The tenancy (GetTenancy); `home_region_key` is a region key such as `IAD`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenancy {
    pub id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub home_region_key: Option<String>,
}

/// One region the tenancy is subscribed to (ListRegionSubscriptions).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegionSubscription {
    pub region_key: String,
    pub region_name: String,
    pub status: Option<String>,
    #[serde(default)]
    pub is_home_region: bool,
}

/// An IAM group (ListGroups), only read by this client.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub id: String,
    pub compartment_id: String,
    pub name: String,
    pub lifecycle_state: Option<String>,
}

/// Query shared by ListDynamicGroups and ListPolicies.
#[derive(Debug, Clone, Default)]
pub struct ListIamRequest {
    pub compartment_id: String,
    /// Exact name filter.
    pub name: Option<String>,
    /// `TIMECREATED` | `NAME`.
    pub sort_by: Option<String>,
    pub sort_order: Option<String>,
    pub lifecycle_state: Option<String>,
    pub limit: Option<u32>,
    pub page: Option<String>,
}

/// Query of ListCompartments.
#[derive(Debug, Clone, Default)]
pub struct ListCompartmentsRequest {
    pub compartment_id: String,
    /// `ANY` | `ACCESSIBLE`.
    pub access_level: Option<String>,
    pub compartment_id_in_subtree: Option<bool>,
    pub name: Option<String>,
    pub sort_by: Option<String>,
    pub sort_order: Option<String>,
    pub lifecycle_state: Option<String>,
    pub limit: Option<u32>,
    pub page: Option<String>,
}

fn iam(op: &'static str, method: Method, path: String) -> OciRequest {
    OciRequest::new(op, Service::Identity, method, path)
}

fn iam_list(op: &'static str, path: &str, r: &ListIamRequest) -> OciRequest {
    iam(op, Method::GET, path.into())
        .query("compartmentId", &r.compartment_id)
        .query_opt("name", r.name.as_ref())
        .query_opt("sortBy", r.sort_by.as_ref())
        .query_opt("sortOrder", r.sort_order.as_ref())
        .query_opt("lifecycleState", r.lifecycle_state.as_ref())
        .query_opt("limit", r.limit)
        .query_opt("page", r.page.as_ref())
}

impl Client {
    pub async fn create_dynamic_group(
        &self,
        details: &CreateDynamicGroupDetails,
    ) -> Result<Response<DynamicGroup>> {
        let req = iam("CreateDynamicGroup", Method::POST, "/dynamicGroups".into())
            .json(details)?
            .with_retry_token();
        self.send_json(&req).await
    }

    pub async fn list_dynamic_groups(
        &self,
        request: &ListIamRequest,
    ) -> Result<Page<DynamicGroup>> {
        self.send_page(&iam_list("ListDynamicGroups", "/dynamicGroups", request))
            .await
    }

    pub async fn list_all_dynamic_groups(
        &self,
        request: &ListIamRequest,
    ) -> Result<Vec<DynamicGroup>> {
        all_pages("ListDynamicGroups", request, |r| async move {
            self.list_dynamic_groups(&r).await
        })
        .await
    }

    pub async fn create_policy(&self, details: &CreatePolicyDetails) -> Result<Response<Policy>> {
        let req = iam("CreatePolicy", Method::POST, "/policies".into())
            .json(details)?
            .with_retry_token();
        self.send_json(&req).await
    }

    pub async fn list_policies(&self, request: &ListIamRequest) -> Result<Page<Policy>> {
        self.send_page(&iam_list("ListPolicies", "/policies", request))
            .await
    }

    pub async fn list_all_policies(&self, request: &ListIamRequest) -> Result<Vec<Policy>> {
        all_pages("ListPolicies", request, |r| async move {
            self.list_policies(&r).await
        })
        .await
    }

    pub async fn list_groups(&self, request: &ListIamRequest) -> Result<Page<Group>> {
        self.send_page(&iam_list("ListGroups", "/groups", request))
            .await
    }

    pub async fn list_all_groups(&self, request: &ListIamRequest) -> Result<Vec<Group>> {
        all_pages("ListGroups", request, |r| async move {
            self.list_groups(&r).await
        })
        .await
    }

    pub async fn get_tenancy(&self, tenancy_id: &str) -> Result<Response<Tenancy>> {
        let id = segment("GetTenancy", "tenancy_id", tenancy_id)?;
        self.send_json(&iam("GetTenancy", Method::GET, format!("/tenancies/{id}")))
            .await
    }

    pub async fn list_region_subscriptions(
        &self,
        tenancy_id: &str,
    ) -> Result<Response<Vec<RegionSubscription>>> {
        let id = segment("ListRegionSubscriptions", "tenancy_id", tenancy_id)?;
        self.send_json(&iam(
            "ListRegionSubscriptions",
            Method::GET,
            format!("/tenancies/{id}/regionSubscriptions"),
        ))
        .await
    }

    pub async fn get_compartment(&self, compartment_id: &str) -> Result<Response<Compartment>> {
        let id = segment("GetCompartment", "compartment_id", compartment_id)?;
        self.send_json(&iam(
            "GetCompartment",
            Method::GET,
            format!("/compartments/{id}"),
        ))
        .await
    }

    pub async fn get_compartment_opt(
        &self,
        compartment_id: &str,
    ) -> Result<Option<Response<Compartment>>> {
        not_found_to_none(self.get_compartment(compartment_id).await)
    }

    pub async fn list_compartments(
        &self,
        request: &ListCompartmentsRequest,
    ) -> Result<Page<Compartment>> {
        let req = iam("ListCompartments", Method::GET, "/compartments".into())
            .query("compartmentId", &request.compartment_id)
            .query_opt("accessLevel", request.access_level.as_ref())
            .query_opt("compartmentIdInSubtree", request.compartment_id_in_subtree)
            .query_opt("name", request.name.as_ref())
            .query_opt("sortBy", request.sort_by.as_ref())
            .query_opt("sortOrder", request.sort_order.as_ref())
            .query_opt("lifecycleState", request.lifecycle_state.as_ref())
            .query_opt("limit", request.limit)
            .query_opt("page", request.page.as_ref());
        self.send_page(&req).await
    }

    pub async fn list_all_compartments(
        &self,
        request: &ListCompartmentsRequest,
    ) -> Result<Vec<Compartment>> {
        all_pages("ListCompartments", request, |r| async move {
            self.list_compartments(&r).await
        })
        .await
    }
}

page_request!(ListIamRequest, ListCompartmentsRequest);

super::id_resource! {
    service: Service::Identity,
    collection: "/dynamicGroups",
    id_field: "dynamic_group_id",
    model: DynamicGroup,
    update_details: UpdateDynamicGroupDetails,
    get: get_dynamic_group / get_dynamic_group_opt = "GetDynamicGroup",
    update: update_dynamic_group = "UpdateDynamicGroup",
    delete: delete_dynamic_group = "DeleteDynamicGroup",
}

super::id_resource! {
    service: Service::Identity,
    collection: "/policies",
    id_field: "policy_id",
    model: Policy,
    update_details: UpdatePolicyDetails,
    get: get_policy / get_policy_opt = "GetPolicy",
    update: update_policy = "UpdatePolicy",
    delete: delete_policy = "DeletePolicy",
}
