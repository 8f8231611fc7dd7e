//! Data Flow (`/20200129`): applications, runs and run logs (reference oci-api.md §3.1, §3.4).

use bytes::Bytes;
use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::{DefinedTags, FreeformTags};
use crate::client::{Client, Response};
use crate::endpoints::Service;
use crate::error::Result;
use crate::paginate::{Page, all_pages, collect_all, page_request};
use crate::request::{OciRequest, segment};
use crate::wait::HasLifecycleState;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationParameter {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationLogConfig {
    pub log_group_id: String,
    pub log_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShapeConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ocpus: Option<f64>,
    #[serde(rename = "memoryInGBs", skip_serializing_if = "Option::is_none")]
    pub memory_in_gbs: Option<f64>,
}

/// Fields shared by application create/update and run create; flattened into each.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SparkSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arguments: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Vec<ApplicationParameter>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configuration: Option<FreeformTags>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archive_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execute: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logs_bucket_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warehouse_bucket_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metastore_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_log_config: Option<ApplicationLogConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver_shape_config: Option<ShapeConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub executor_shape_config: Option<ShapeConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_duration_in_minutes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_timeout_in_minutes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub freeform_tags: Option<FreeformTags>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defined_tags: Option<DefinedTags>,
}

/// Body of CreateApplication.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateApplicationDetails {
    pub compartment_id: String,
    pub display_name: String,
    pub driver_shape: String,
    pub executor_shape: String,
    /// `SCALA` | `JAVA` | `PYTHON` | `SQL`.
    pub language: String,
    pub num_executors: i32,
    pub spark_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_endpoint_id: Option<String>,
    /// `BATCH` | `STREAMING` | `SESSION`; cannot be changed after create.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub application_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(flatten)]
    pub settings: SparkSettings,
}

/// Body of UpdateApplication: every field optional; no `compartmentId` (use
/// [`Client::change_application_compartment`]) and no `type`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateApplicationDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver_shape: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub executor_shape: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_executors: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spark_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_endpoint_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(flatten)]
    pub settings: SparkSettings,
}

/// A Data Flow application as the service returns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub id: String,
    pub compartment_id: String,
    pub display_name: String,
    pub lifecycle_state: String,
    pub driver_shape: Option<String>,
    pub executor_shape: Option<String>,
    pub language: Option<String>,
    pub num_executors: Option<i32>,
    pub spark_version: Option<String>,
    pub file_uri: Option<String>,
    pub class_name: Option<String>,
    pub owner_principal_id: Option<String>,
    pub owner_user_name: Option<String>,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub application_type: Option<String>,
    pub private_endpoint_id: Option<String>,
    pub time_created: Option<String>,
    pub time_updated: Option<String>,
    #[serde(flatten)]
    pub settings: SparkSettings,
}

impl HasLifecycleState for Application {
    fn lifecycle_state(&self) -> Option<&str> {
        Some(&self.lifecycle_state)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSummary {
    pub id: String,
    pub compartment_id: String,
    pub display_name: String,
    pub lifecycle_state: String,
    pub language: Option<String>,
    pub owner_principal_id: Option<String>,
    pub owner_user_name: Option<String>,
    pub spark_version: Option<String>,
    pub time_created: Option<String>,
    pub time_updated: Option<String>,
    #[serde(rename = "type")]
    pub application_type: Option<String>,
    pub pool_id: Option<String>,
    pub freeform_tags: Option<FreeformTags>,
    pub defined_tags: Option<DefinedTags>,
}

/// Body of CreateRun. With `application_id`, unset fields come from the application.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRunDetails {
    pub compartment_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver_shape: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub executor_shape: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_executors: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spark_version: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub run_type: Option<String>,
    #[serde(flatten)]
    pub settings: SparkSettings,
}

/// Body of UpdateRun: tags and durations only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateRunDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub freeform_tags: Option<FreeformTags>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defined_tags: Option<DefinedTags>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_duration_in_minutes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_timeout_in_minutes: Option<i64>,
}

/// A Data Flow run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub id: String,
    pub compartment_id: String,
    pub lifecycle_state: String,
    pub application_id: Option<String>,
    pub display_name: Option<String>,
    pub lifecycle_details: Option<String>,
    pub driver_shape: Option<String>,
    pub executor_shape: Option<String>,
    pub file_uri: Option<String>,
    pub class_name: Option<String>,
    pub language: Option<String>,
    pub num_executors: Option<i32>,
    pub spark_version: Option<String>,
    pub data_read_in_bytes: Option<i64>,
    pub data_written_in_bytes: Option<i64>,
    pub run_duration_in_milliseconds: Option<i64>,
    #[serde(rename = "totalOCpu")]
    pub total_ocpu: Option<i64>,
    pub opc_request_id: Option<String>,
    pub owner_principal_id: Option<String>,
    pub owner_user_name: Option<String>,
    pub private_endpoint_id: Option<String>,
    pub private_endpoint_dns_zones: Option<Vec<String>>,
    pub private_endpoint_max_host_count: Option<i64>,
    pub private_endpoint_nsg_ids: Option<Vec<String>>,
    pub private_endpoint_subnet_id: Option<String>,
    #[serde(rename = "type")]
    pub run_type: Option<String>,
    pub time_created: Option<String>,
    pub time_updated: Option<String>,
    #[serde(flatten)]
    pub settings: SparkSettings,
}

impl HasLifecycleState for Run {
    fn lifecycle_state(&self) -> Option<&str> {
        Some(&self.lifecycle_state)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    pub id: String,
    pub compartment_id: String,
    pub lifecycle_state: String,
    pub application_id: Option<String>,
    pub display_name: Option<String>,
    pub language: Option<String>,
    pub lifecycle_details: Option<String>,
    pub data_read_in_bytes: Option<i64>,
    pub data_written_in_bytes: Option<i64>,
    pub opc_request_id: Option<String>,
    pub owner_principal_id: Option<String>,
    pub owner_user_name: Option<String>,
    pub pool_id: Option<String>,
    pub run_duration_in_milliseconds: Option<i64>,
    #[serde(rename = "totalOCpu")]
    pub total_ocpu: Option<i64>,
    pub time_created: Option<String>,
    pub time_updated: Option<String>,
    #[serde(rename = "type")]
    pub run_type: Option<String>,
    pub freeform_tags: Option<FreeformTags>,
    pub defined_tags: Option<DefinedTags>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunLogSummary {
    pub name: String,
    pub run_id: String,
    /// `APPLICATION` | `DRIVER` | `EXECUTOR`.
    pub source: String,
    /// `STDERR` | `STDOUT`.
    #[serde(rename = "type")]
    pub log_type: String,
    pub size_in_bytes: Option<i64>,
    pub time_created: Option<String>,
}

/// A Data Flow work request (from CascadingDeleteApplication). Statuses are spelled
/// `INPROGRESS`, `CANCELLING`, `CANCELLED` (no underscore, double L), as in the SDK.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkRequest {
    pub id: String,
    pub status: String,
    pub operation: Option<String>,
    pub compartment_id: Option<String>,
    pub percent_complete: Option<f64>,
    #[serde(default)]
    pub resources: Vec<WorkRequestResource>,
    pub time_accepted: Option<String>,
    pub time_started: Option<String>,
    pub time_finished: Option<String>,
}

impl HasLifecycleState for WorkRequest {
    fn lifecycle_state(&self) -> Option<&str> {
        Some(&self.status)
    }
}

/// One resource a work request touched.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkRequestResource {
    /// `CREATED` | `UPDATED` | `DELETED` | `IN_PROGRESS` | ...
    pub action_type: String,
    pub resource_id: Option<String>,
    pub resource_type: String,
    pub resource_uri: Option<String>,
}

/// One error of a work request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkRequestError {
    pub code: Option<String>,
    pub message: String,
    pub timestamp: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct WorkRequestErrorCollection {
    #[serde(default)]
    items: Vec<WorkRequestError>,
}

/// Query of ListApplications. The service accepts at most one filter besides `compartment_id`.
#[derive(Debug, Clone, Default)]
pub struct ListApplicationsRequest {
    pub compartment_id: String,
    pub display_name: Option<String>,
    pub display_name_starts_with: Option<String>,
    pub owner_principal_id: Option<String>,
    pub spark_version: Option<String>,
    pub sort_by: Option<String>,
    pub sort_order: Option<String>,
    pub limit: Option<u32>,
    pub page: Option<String>,
}

/// Query of ListRuns. The service accepts at most one filter besides `compartment_id`.
#[derive(Debug, Clone, Default)]
pub struct ListRunsRequest {
    pub compartment_id: String,
    pub application_id: Option<String>,
    pub pool_id: Option<String>,
    pub owner_principal_id: Option<String>,
    pub display_name: Option<String>,
    pub display_name_starts_with: Option<String>,
    pub lifecycle_state: Option<String>,
    pub time_created_greater_than: Option<String>,
    pub sort_by: Option<String>,
    pub sort_order: Option<String>,
    pub limit: Option<u32>,
    pub page: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChangeCompartmentDetails<'a> {
    compartment_id: &'a str,
}

/// The caller's token on every attempt, or a fresh one for this call.
fn retry_token_of(req: OciRequest, token: Option<&str>) -> OciRequest {
    match token {
        Some(t) => req.header("opc-retry-token", t),
        None => req.with_retry_token(),
    }
}

fn df(op: &'static str, method: Method, path: String) -> OciRequest {
    OciRequest::new(op, Service::DataFlow, method, path)
}

impl Client {
    pub async fn create_application(
        &self,
        details: &CreateApplicationDetails,
    ) -> Result<Response<Application>> {
        self.create_application_with_token(details, None).await
    }

    /// CreateApplication with the caller's `opc-retry-token` (`None`: a fresh one per call),
    /// e.g. one kept across processes so a re-sent create replays the first one's answer.
    pub async fn create_application_with_token(
        &self,
        details: &CreateApplicationDetails,
        retry_token: Option<&str>,
    ) -> Result<Response<Application>> {
        let req = df("CreateApplication", Method::POST, "/applications".into()).json(details)?;
        self.send_json(&retry_token_of(req, retry_token)).await
    }

    /// One page; pass `request.page` from the previous page's `next_page`.
    pub async fn list_applications(
        &self,
        request: &ListApplicationsRequest,
    ) -> Result<Page<ApplicationSummary>> {
        let req = df("ListApplications", Method::GET, "/applications".into())
            .query("compartmentId", &request.compartment_id)
            .query_opt("displayName", request.display_name.as_ref())
            .query_opt(
                "displayNameStartsWith",
                request.display_name_starts_with.as_ref(),
            )
            .query_opt("ownerPrincipalId", request.owner_principal_id.as_ref())
            .query_opt("sparkVersion", request.spark_version.as_ref())
            .query_opt("sortBy", request.sort_by.as_ref())
            .query_opt("sortOrder", request.sort_order.as_ref())
            .query_opt("limit", request.limit)
            .query_opt("page", request.page.as_ref());
        self.send_page(&req).await
    }

    /// Every page of ListApplications.
    pub async fn list_all_applications(
        &self,
        request: &ListApplicationsRequest,
    ) -> Result<Vec<ApplicationSummary>> {
        all_pages("ListApplications", request, |r| async move {
            self.list_applications(&r).await
        })
        .await
    }

    pub async fn change_application_compartment(
        &self,
        application_id: &str,
        compartment_id: &str,
        if_match: Option<&str>,
    ) -> Result<Response<()>> {
        let id = segment(
            "ChangeApplicationCompartment",
            "application_id",
            application_id,
        )?;
        let req = df(
            "ChangeApplicationCompartment",
            Method::POST,
            format!("/applications/{id}/actions/changeCompartment"),
        )
        .json(&ChangeCompartmentDetails { compartment_id })?
        .header_opt("if-match", if_match)
        .with_retry_token();
        self.send_empty(&req).await
    }

    /// CascadingDeleteApplication: deletes the application and ends its runs. The POST has no
    /// body but is still signed with `content-length: 0` and the SHA-256 of the empty string.
    pub async fn cascading_delete_application(
        &self,
        application_id: &str,
        if_match: Option<&str>,
    ) -> Result<Response<()>> {
        const OP: &str = "CascadingDeleteApplication";
        let id = segment(OP, "application_id", application_id)?;
        let path = format!("/applications/{id}/actions/cascadingDeleteApplication");
        let req = df(OP, Method::POST, path).header_opt("if-match", if_match);
        self.send_empty(&req).await
    }

    /// GetWorkRequest.
    pub async fn get_work_request(&self, work_request_id: &str) -> Result<Response<WorkRequest>> {
        let id = segment("GetWorkRequest", "work_request_id", work_request_id)?;
        self.send_json(&df(
            "GetWorkRequest",
            Method::GET,
            format!("/workRequests/{id}"),
        ))
        .await
    }

    /// ListWorkRequestErrors (first page: a failed delete lists a handful at most).
    pub async fn list_work_request_errors(
        &self,
        work_request_id: &str,
    ) -> Result<Vec<WorkRequestError>> {
        const OP: &str = "ListWorkRequestErrors";
        let id = segment(OP, "work_request_id", work_request_id)?;
        let resp: Response<WorkRequestErrorCollection> = self
            .send_json(&df(OP, Method::GET, format!("/workRequests/{id}/errors")))
            .await?;
        Ok(resp.value.items)
    }

    pub async fn create_run(&self, details: &CreateRunDetails) -> Result<Response<Run>> {
        self.create_run_with_parent(details, None, None).await
    }

    /// CreateRun with the `opc-parent-rpt-url` header (resource principal v3 delegation) and
    /// the caller's `opc-retry-token` (`None`: a fresh one per call).
    pub async fn create_run_with_parent(
        &self,
        details: &CreateRunDetails,
        opc_parent_rpt_url: Option<&str>,
        retry_token: Option<&str>,
    ) -> Result<Response<Run>> {
        let req = df("CreateRun", Method::POST, "/runs".into())
            .json(details)?
            .header_opt("opc-parent-rpt-url", opc_parent_rpt_url);
        self.send_json(&retry_token_of(req, retry_token)).await
    }

    /// ChangeRunCompartment: OCI allows it only once the run is CANCELED, FAILED or SUCCEEDED.
    pub async fn change_run_compartment(
        &self,
        run_id: &str,
        compartment_id: &str,
        if_match: Option<&str>,
    ) -> Result<Response<()>> {
        let id = segment("ChangeRunCompartment", "run_id", run_id)?;
        let req = df(
            "ChangeRunCompartment",
            Method::POST,
            format!("/runs/{id}/actions/changeCompartment"),
        )
        .json(&ChangeCompartmentDetails { compartment_id })?
        .header_opt("if-match", if_match)
        .with_retry_token();
        self.send_empty(&req).await
    }

    pub async fn list_runs(&self, request: &ListRunsRequest) -> Result<Page<RunSummary>> {
        let req = df("ListRuns", Method::GET, "/runs".into())
            .query("compartmentId", &request.compartment_id)
            .query_opt("applicationId", request.application_id.as_ref())
            .query_opt("poolId", request.pool_id.as_ref())
            .query_opt("ownerPrincipalId", request.owner_principal_id.as_ref())
            .query_opt("displayName", request.display_name.as_ref())
            .query_opt(
                "displayNameStartsWith",
                request.display_name_starts_with.as_ref(),
            )
            .query_opt("lifecycleState", request.lifecycle_state.as_ref())
            .query_opt(
                "timeCreatedGreaterThan",
                request.time_created_greater_than.as_ref(),
            )
            .query_opt("sortBy", request.sort_by.as_ref())
            .query_opt("sortOrder", request.sort_order.as_ref())
            .query_opt("limit", request.limit)
            .query_opt("page", request.page.as_ref());
        self.send_page(&req).await
    }

    pub async fn list_all_runs(&self, request: &ListRunsRequest) -> Result<Vec<RunSummary>> {
        all_pages(
            "ListRuns",
            request,
            |r| async move { self.list_runs(&r).await },
        )
        .await
    }

    pub async fn list_run_logs(
        &self,
        run_id: &str,
        limit: Option<u32>,
        page: Option<&str>,
    ) -> Result<Page<RunLogSummary>> {
        let id = segment("ListRunLogs", "run_id", run_id)?;
        let req = df("ListRunLogs", Method::GET, format!("/runs/{id}/logs"))
            .query_opt("limit", limit)
            .query_opt("page", page);
        self.send_page(&req).await
    }

    pub async fn list_all_run_logs(&self, run_id: &str) -> Result<Vec<RunLogSummary>> {
        collect_all("ListRunLogs", |page| async move {
            let p = self.list_run_logs(run_id, None, page.as_deref()).await?;
            Ok((p.items, p.next_page))
        })
        .await
    }

    /// The log file's raw bytes (usually gzip, as named).
    pub async fn get_run_log(&self, run_id: &str, name: &str) -> Result<Response<Bytes>> {
        let id = segment("GetRunLog", "run_id", run_id)?;
        let name = segment("GetRunLog", "name", name)?;
        self.send(&df(
            "GetRunLog",
            Method::GET,
            format!("/runs/{id}/logs/{name}"),
        ))
        .await
    }
}

page_request!(ListApplicationsRequest, ListRunsRequest);

super::id_resource! {
    service: Service::DataFlow,
    collection: "/applications",
    id_field: "application_id",
    model: Application,
    update_details: UpdateApplicationDetails,
    get: get_application / get_application_opt = "GetApplication",
    update: update_application = "UpdateApplication",
    delete: delete_application = "DeleteApplication",
}

super::id_resource! {
    service: Service::DataFlow,
    collection: "/runs",
    id_field: "run_id",
    model: Run,
    update_details: UpdateRunDetails,
    get: get_run / get_run_opt = "GetRun",
    update: update_run = "UpdateRun",
    /// DeleteRun cancels the run if it has not finished; the run stays, as CANCELING/CANCELED.
    delete: delete_run = "DeleteRun",
}
