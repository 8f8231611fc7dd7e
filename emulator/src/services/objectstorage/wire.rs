//! Object Storage JSON (camelCase), written independently of oci-client on purpose
//! (oci-api.md §3.4). Null optionals in `Bucket` are sent as JSON `null`, as the real service
//! does; `ObjectSummary` leaves out every field that `fields=` did not ask for.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

pub type Tags = BTreeMap<String, String>;
pub type DefinedTags = BTreeMap<String, BTreeMap<String, Value>>;

/// `GetNamespaceMetadata` response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceMetadata {
    pub namespace: String,
    pub default_s3_compartment_id: String,
    pub default_swift_compartment_id: String,
}

/// `Bucket`, also the stored document of a bucket.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Bucket {
    pub namespace: String,
    pub name: String,
    pub compartment_id: String,
    pub metadata: Tags,
    pub created_by: String,
    pub time_created: String,
    pub etag: String,
    pub public_access_type: String,
    pub storage_tier: String,
    pub object_events_enabled: bool,
    pub freeform_tags: Tags,
    pub defined_tags: DefinedTags,
    pub kms_key_id: Option<String>,
    pub object_lifecycle_policy_etag: Option<String>,
    pub approximate_count: Option<i64>,
    pub approximate_size: Option<i64>,
    pub replication_enabled: bool,
    pub is_read_only: bool,
    pub id: String,
    pub versioning: String,
    pub auto_tiering: String,
    pub object_level_audit_mode: String,
}

/// `BucketSummary` (tags only with `fields=tags`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketSummary {
    pub namespace: String,
    pub name: String,
    pub compartment_id: String,
    pub created_by: String,
    pub time_created: String,
    pub etag: String,
    pub freeform_tags: Option<Tags>,
    pub defined_tags: Option<DefinedTags>,
}

/// `CreateBucketDetails`.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CreateBucketDetails {
    pub name: String,
    pub compartment_id: String,
    #[serde(default)]
    pub metadata: Option<Tags>,
    #[serde(default)]
    pub public_access_type: Option<String>,
    #[serde(default)]
    pub storage_tier: Option<String>,
    #[serde(default)]
    pub object_events_enabled: Option<bool>,
    #[serde(default)]
    pub freeform_tags: Option<Tags>,
    #[serde(default)]
    pub defined_tags: Option<DefinedTags>,
    #[serde(default)]
    pub kms_key_id: Option<String>,
    #[serde(default)]
    pub versioning: Option<String>,
    #[serde(default)]
    pub auto_tiering: Option<String>,
}

/// `UpdateBucketDetails`: a partial update; absent (or null) fields are left alone.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateBucketDetails {
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub compartment_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub metadata: Option<Tags>,
    #[serde(default)]
    pub public_access_type: Option<String>,
    #[serde(default)]
    pub object_events_enabled: Option<bool>,
    #[serde(default)]
    pub freeform_tags: Option<Tags>,
    #[serde(default)]
    pub defined_tags: Option<DefinedTags>,
    /// `""` removes the key.
    #[serde(default)]
    pub kms_key_id: Option<String>,
    #[serde(default)]
    pub versioning: Option<String>,
    #[serde(default)]
    pub auto_tiering: Option<String>,
}

/// `ObjectSummary`; only `name` is always present.
#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ObjectSummary {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub md5: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_created: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_tier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archival_state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_modified: Option<String>,
}

/// `ListObjects` response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListObjects {
    pub objects: Vec<ObjectSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefixes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_start_with: Option<String>,
}

/// `ObjectVersionSummary` (versioning is not emulated: each object has one version).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectVersionSummary {
    pub name: String,
    pub size: i64,
    pub md5: String,
    pub time_created: String,
    pub time_modified: String,
    pub etag: String,
    pub storage_tier: String,
    pub version_id: String,
    pub is_delete_marker: bool,
}

/// `ObjectVersionCollection`.
#[derive(Debug, Serialize)]
pub struct ObjectVersionCollection {
    pub items: Vec<ObjectVersionSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefixes: Option<Vec<String>>,
}

/// `RenameObjectDetails`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RenameObjectDetails {
    pub source_name: String,
    pub new_name: String,
    #[serde(default, rename = "srcObjIfMatchETag")]
    pub src_obj_if_match_etag: Option<String>,
    #[serde(default, rename = "newObjIfMatchETag")]
    pub new_obj_if_match_etag: Option<String>,
    #[serde(default, rename = "newObjIfNoneMatchETag")]
    pub new_obj_if_none_match_etag: Option<String>,
}

/// Retention rule `duration`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RetentionDuration {
    pub time_amount: i64,
    pub time_unit: String,
}

/// `RetentionRule` (and `RetentionRuleSummary`, which has the same fields); the stored document.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RetentionRule {
    pub id: String,
    pub display_name: String,
    pub duration: Option<RetentionDuration>,
    pub etag: String,
    pub time_rule_locked: Option<String>,
    pub time_created: String,
    pub time_modified: String,
}

/// `CreateRetentionRuleDetails` / `UpdateRetentionRuleDetails`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionRuleDetails {
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub duration: Option<RetentionDuration>,
    #[serde(default)]
    pub time_rule_locked: Option<String>,
}

/// `RetentionRuleCollection`.
#[derive(Debug, Serialize)]
pub struct RetentionRuleCollection {
    pub items: Vec<RetentionRule>,
}

/// `CreateMultipartUploadDetails`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateMultipartUploadDetails {
    pub object: String,
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub content_language: Option<String>,
    #[serde(default)]
    pub content_encoding: Option<String>,
    #[serde(default)]
    pub content_disposition: Option<String>,
    #[serde(default)]
    pub cache_control: Option<String>,
    #[serde(default)]
    pub storage_tier: Option<String>,
    #[serde(default)]
    pub metadata: Option<Tags>,
}

/// `MultipartUpload`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MultipartUpload {
    pub namespace: String,
    pub bucket: String,
    pub object: String,
    pub upload_id: String,
    pub time_created: String,
    pub storage_tier: String,
}

/// `MultipartUploadPartSummary`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MultipartUploadPartSummary {
    pub etag: String,
    pub md5: String,
    pub part_number: i64,
    pub size: i64,
}

/// One entry of `partsToCommit`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommitMultipartUploadPartDetails {
    pub part_num: i64,
    pub etag: String,
}

/// `CommitMultipartUploadDetails`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommitMultipartUploadDetails {
    pub parts_to_commit: Vec<CommitMultipartUploadPartDetails>,
    #[serde(default)]
    pub parts_to_exclude: Option<Vec<i64>>,
}

/// `CopyObjectDetails`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CopyObjectDetails {
    pub source_object_name: String,
    #[serde(default, rename = "sourceObjectIfMatchETag")]
    pub source_object_if_match_etag: Option<String>,
    #[serde(default)]
    pub source_version_id: Option<String>,
    pub destination_region: String,
    pub destination_namespace: String,
    pub destination_bucket: String,
    pub destination_object_name: String,
    #[serde(default, rename = "destinationObjectIfMatchETag")]
    pub destination_object_if_match_etag: Option<String>,
    #[serde(default, rename = "destinationObjectIfNoneMatchETag")]
    pub destination_object_if_none_match_etag: Option<String>,
    #[serde(default)]
    pub destination_object_metadata: Option<Tags>,
    #[serde(default)]
    pub destination_object_storage_tier: Option<String>,
}

/// `WorkRequestResource`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WorkRequestResource {
    pub action_type: String,
    pub entity_type: String,
    pub identifier: String,
    pub entity_uri: String,
    pub metadata: Tags,
}

/// Object Storage `WorkRequest` (also the stored document).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WorkRequest {
    pub operation_type: String,
    pub status: String,
    pub id: String,
    pub compartment_id: String,
    pub resources: Vec<WorkRequestResource>,
    pub percent_complete: f64,
    pub time_accepted: String,
    pub time_started: Option<String>,
    pub time_finished: Option<String>,
}
