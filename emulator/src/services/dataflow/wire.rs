//! Data Flow `/20200129` JSON shapes (oci-api.md §3.1, §3.4), written apart from `oci-client`.
//!
//! Request structs make every field optional so that validation (validate.rs) can name a missing
//! required field in OCI's words instead of serde's. Response structs leave unset optionals out.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

pub type FreeformTags = BTreeMap<String, String>;
pub type DefinedTags = BTreeMap<String, BTreeMap<String, Value>>;

/// `driverShapeConfig` / `executorShapeConfig`. Note the JSON name `memoryInGBs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShapeConfig {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ocpus: Option<f64>,
    #[serde(
        rename = "memoryInGBs",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub memory_in_gbs: Option<f64>,
}

/// One entry of `parameters`: fills `${name}` placeholders in `arguments`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationParameter {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationLogConfig {
    pub log_group_id: String,
    pub log_id: String,
}

/// The fields an application and a run share, all optional as sent by a client. Used flattened
/// in the create/update request structs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SparkSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archive_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arguments: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_log_config: Option<ApplicationLogConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configuration: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver_shape: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver_shape_config: Option<ShapeConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execute: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub executor_shape: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub executor_shape_config: Option<ShapeConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logs_bucket_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metastore_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_executors: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Vec<ApplicationParameter>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spark_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warehouse_bucket_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_duration_in_minutes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_timeout_in_minutes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub freeform_tags: Option<FreeformTags>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defined_tags: Option<DefinedTags>,
}

/// `CreateApplicationDetails` and `UpdateApplicationDetails` (update has no `compartmentId` and
/// no `type`; the handler rejects them there).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationDetails {
    pub compartment_id: Option<String>,
    pub class_name: Option<String>,
    pub description: Option<String>,
    pub file_uri: Option<String>,
    pub language: Option<String>,
    pub private_endpoint_id: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(flatten)]
    pub spark: SparkSettings,
}

/// `CreateRunDetails`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRunDetails {
    pub compartment_id: Option<String>,
    pub application_id: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(flatten)]
    pub spark: SparkSettings,
}

/// `UpdateRunDetails`: tags and the two duration limits only.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateRunDetails {
    pub freeform_tags: Option<FreeformTags>,
    pub defined_tags: Option<DefinedTags>,
    pub max_duration_in_minutes: Option<i64>,
    pub idle_timeout_in_minutes: Option<i64>,
}

/// `ChangeApplicationCompartmentDetails` / `ChangeRunCompartmentDetails`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeCompartmentDetails {
    pub compartment_id: Option<String>,
}

/// `Application` (response and stored document).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub id: String,
    pub compartment_id: String,
    pub display_name: String,
    pub driver_shape: String,
    pub executor_shape: String,
    pub file_uri: String,
    pub language: String,
    pub lifecycle_state: String,
    pub num_executors: i64,
    pub owner_principal_id: String,
    pub spark_version: String,
    pub time_created: String,
    pub time_updated: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub owner_user_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub class_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub archive_uri: Option<String>,
    #[serde(default)]
    pub arguments: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub application_log_config: Option<ApplicationLogConfig>,
    #[serde(default)]
    pub configuration: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub driver_shape_config: Option<ShapeConfig>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub execute: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub executor_shape_config: Option<ShapeConfig>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub logs_bucket_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub metastore_id: Option<String>,
    #[serde(default)]
    pub parameters: Vec<ApplicationParameter>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub pool_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub private_endpoint_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub warehouse_bucket_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max_duration_in_minutes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub idle_timeout_in_minutes: Option<i64>,
    #[serde(default)]
    pub freeform_tags: FreeformTags,
    #[serde(default)]
    pub defined_tags: DefinedTags,
}

/// `ApplicationSummary` (ListApplications items).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSummary {
    pub id: String,
    pub compartment_id: String,
    pub display_name: String,
    pub language: String,
    pub lifecycle_state: String,
    pub owner_principal_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_user_name: Option<String>,
    pub spark_version: String,
    pub time_created: String,
    pub time_updated: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool_id: Option<String>,
    pub freeform_tags: FreeformTags,
    pub defined_tags: DefinedTags,
}

impl From<&Application> for ApplicationSummary {
    fn from(a: &Application) -> Self {
        Self {
            id: a.id.clone(),
            compartment_id: a.compartment_id.clone(),
            display_name: a.display_name.clone(),
            language: a.language.clone(),
            lifecycle_state: a.lifecycle_state.clone(),
            owner_principal_id: a.owner_principal_id.clone(),
            owner_user_name: a.owner_user_name.clone(),
            spark_version: a.spark_version.clone(),
            time_created: a.time_created.clone(),
            time_updated: a.time_updated.clone(),
            kind: a.kind.clone(),
            pool_id: a.pool_id.clone(),
            freeform_tags: a.freeform_tags.clone(),
            defined_tags: a.defined_tags.clone(),
        }
    }
}

/// `Run` (response). Stored as a document; the lifecycle fields are recomputed on every read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub id: String,
    pub application_id: String,
    pub compartment_id: String,
    pub display_name: String,
    pub driver_shape: String,
    pub executor_shape: String,
    pub file_uri: String,
    pub language: String,
    pub lifecycle_state: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub lifecycle_details: Option<String>,
    pub num_executors: i64,
    pub spark_version: String,
    pub time_created: String,
    pub time_updated: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub owner_principal_id: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub owner_user_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub opc_request_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub class_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub archive_uri: Option<String>,
    #[serde(default)]
    pub arguments: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub application_log_config: Option<ApplicationLogConfig>,
    #[serde(default)]
    pub configuration: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub driver_shape_config: Option<ShapeConfig>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub execute: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub executor_shape_config: Option<ShapeConfig>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub logs_bucket_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub metastore_id: Option<String>,
    #[serde(default)]
    pub parameters: Vec<ApplicationParameter>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub pool_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub private_endpoint_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub warehouse_bucket_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max_duration_in_minutes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub idle_timeout_in_minutes: Option<i64>,
    pub data_read_in_bytes: i64,
    pub data_written_in_bytes: i64,
    pub run_duration_in_milliseconds: i64,
    pub total_o_cpu: i64,
    #[serde(default)]
    pub freeform_tags: FreeformTags,
    #[serde(default)]
    pub defined_tags: DefinedTags,
}

/// `RunSummary` (ListRuns items).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    pub id: String,
    pub application_id: String,
    pub compartment_id: String,
    pub display_name: String,
    pub language: String,
    pub lifecycle_state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle_details: Option<String>,
    pub data_read_in_bytes: i64,
    pub data_written_in_bytes: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opc_request_id: Option<String>,
    pub owner_principal_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_user_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool_id: Option<String>,
    pub run_duration_in_milliseconds: i64,
    pub total_o_cpu: i64,
    pub time_created: String,
    pub time_updated: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub freeform_tags: FreeformTags,
    pub defined_tags: DefinedTags,
}

impl From<&Run> for RunSummary {
    fn from(r: &Run) -> Self {
        Self {
            id: r.id.clone(),
            application_id: r.application_id.clone(),
            compartment_id: r.compartment_id.clone(),
            display_name: r.display_name.clone(),
            language: r.language.clone(),
            lifecycle_state: r.lifecycle_state.clone(),
            lifecycle_details: r.lifecycle_details.clone(),
            data_read_in_bytes: r.data_read_in_bytes,
            data_written_in_bytes: r.data_written_in_bytes,
            opc_request_id: r.opc_request_id.clone(),
            owner_principal_id: r.owner_principal_id.clone(),
            owner_user_name: r.owner_user_name.clone(),
            pool_id: r.pool_id.clone(),
            run_duration_in_milliseconds: r.run_duration_in_milliseconds,
            total_o_cpu: r.total_o_cpu,
            time_created: r.time_created.clone(),
            time_updated: r.time_updated.clone(),
            kind: r.kind.clone(),
            freeform_tags: r.freeform_tags.clone(),
            defined_tags: r.defined_tags.clone(),
        }
    }
}

/// `RunLogSummary` (ListRunLogs items).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunLogSummary {
    pub name: String,
    pub run_id: String,
    pub size_in_bytes: i64,
    pub source: String,
    pub time_created: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// `WorkRequest` (GetWorkRequest), as used for CascadingDeleteApplication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkRequest {
    pub compartment_id: String,
    pub id: String,
    pub operation: String,
    pub percent_complete: f64,
    pub resources: Vec<WorkRequestResource>,
    pub status: String,
    pub time_accepted: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub time_started: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub time_finished: Option<String>,
}

/// One resource a work request touched. Note the SDK's spelling `workRequestid`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkRequestResource {
    pub action_type: String,
    pub resource_id: String,
    pub resource_type: String,
    pub resource_uri: String,
    #[serde(rename = "workRequestid")]
    pub work_requestid: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_config_uses_memory_in_gbs_spelling() {
        let c: ShapeConfig = serde_json::from_str(r#"{"ocpus":1,"memoryInGBs":16}"#).unwrap();
        assert_eq!(c.memory_in_gbs, Some(16.0));
        assert_eq!(serde_json::to_value(&c).unwrap()["memoryInGBs"], 16.0);
    }

    /// The exact body the Python SDK sent for CreateApplication (oci-api.md §1, recorded).
    #[test]
    fn create_application_body_from_the_sdk_parses() {
        let body = r#"{"compartmentId": "ocid1.compartment.oc1..aaaa", "displayName": "app1", "driverShape": "VM.Standard2.1", "executorShape": "VM.Standard2.1", "fileUri": "oci://b@ns/app.py", "language": "PYTHON", "numExecutors": 1, "sparkVersion": "3.2.1"}"#;
        let d: ApplicationDetails = serde_json::from_str(body).unwrap();
        assert_eq!(d.spark.display_name.as_deref(), Some("app1"));
        assert_eq!(d.spark.num_executors, Some(1));
        assert_eq!(d.file_uri.as_deref(), Some("oci://b@ns/app.py"));
    }

    #[test]
    fn run_log_summary_field_names() {
        let s = serde_json::to_string(&RunLogSummary {
            name: "n".into(),
            run_id: "r".into(),
            size_in_bytes: 1,
            source: "DRIVER".into(),
            time_created: "t".into(),
            kind: "STDOUT".into(),
        })
        .unwrap();
        assert!(
            s.contains("\"runId\"")
                && s.contains("\"sizeInBytes\"")
                && s.contains("\"type\":\"STDOUT\""),
            "{s}"
        );
    }
}
