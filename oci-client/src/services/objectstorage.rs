//! Object Storage (no version prefix, paths start at `/n`): namespace, buckets, retention rules,
//! objects and multipart uploads (reference oci-api.md §3.2, §3.4).
//!
//! Object data is never signed (PutObject/UploadPart sign only `date (request-target) host`), so
//! files are streamed from disk, reopened for each retry, and never buffered whole in memory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::{DefinedTags, FreeformTags, not_found_to_none};
use crate::client::{BodyError, Client, Response, ResponseMeta, decode};
use crate::endpoints::Service;
use crate::error::{Error, Result};
use crate::paginate::{Page, all_pages, collect_all, page_request};
use crate::request::{OciRequest, RequestBody, segment};

mod keys;
mod upload;

pub use keys::{BucketKey, ObjectKey};
pub use upload::{
    FileDigest, FileUpload, MULTIPART_PART_SIZE, MULTIPART_THRESHOLD, md5_base64, md5_hex,
    normalize_md5,
};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateBucketDetails {
    pub name: String,
    pub compartment_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    /// `NoPublicAccess` | `ObjectRead` | `ObjectReadWithoutList`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_access_type: Option<String>,
    /// `Standard` | `Archive`; cannot be changed later.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_tier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_events_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub freeform_tags: Option<FreeformTags>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defined_tags: Option<DefinedTags>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_bucket_key_enabled: Option<bool>,
    /// `Enabled` | `Disabled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versioning: Option<String>,
    /// `Disabled` | `InfrequentAccess`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_tiering: Option<String>,
    /// `NAMESPACE` | `REGION`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket_scope: Option<String>,
}

/// UpdateBucket is a partial update sent with POST; `None` fields are left unchanged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateBucketDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Moves the bucket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compartment_id: Option<String>,
    /// Renames the bucket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_access_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_events_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub freeform_tags: Option<FreeformTags>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defined_tags: Option<DefinedTags>,
    /// Empty string removes the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_bucket_key_enabled: Option<bool>,
    /// `Enabled` | `Suspended`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versioning: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_tiering: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket_scope: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bucket {
    pub namespace: String,
    pub name: String,
    pub compartment_id: String,
    pub metadata: Option<BTreeMap<String, String>>,
    pub created_by: Option<String>,
    pub time_created: Option<String>,
    pub etag: Option<String>,
    pub public_access_type: Option<String>,
    pub storage_tier: Option<String>,
    pub object_events_enabled: Option<bool>,
    pub freeform_tags: Option<FreeformTags>,
    pub defined_tags: Option<DefinedTags>,
    pub kms_key_id: Option<String>,
    pub is_bucket_key_enabled: Option<bool>,
    pub object_lifecycle_policy_etag: Option<String>,
    pub approximate_count: Option<i64>,
    pub approximate_size: Option<i64>,
    pub replication_enabled: Option<bool>,
    pub is_read_only: Option<bool>,
    pub id: Option<String>,
    pub versioning: Option<String>,
    pub auto_tiering: Option<String>,
    pub bucket_scope: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketSummary {
    pub namespace: String,
    pub name: String,
    pub compartment_id: String,
    pub created_by: Option<String>,
    pub time_created: Option<String>,
    pub etag: Option<String>,
    pub freeform_tags: Option<FreeformTags>,
    pub defined_tags: Option<DefinedTags>,
    pub bucket_scope: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ListBucketsRequest {
    pub namespace: String,
    pub compartment_id: String,
    pub limit: Option<u32>,
    pub page: Option<String>,
    /// Only `tags` is accepted by the service.
    pub fields: Option<String>,
}

/// Retention period: `timeUnit` is `YEARS` | `DAYS`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionDuration {
    pub time_amount: i64,
    pub time_unit: String,
}

/// Body of CreateRetentionRule and UpdateRetentionRule (the same three optional fields).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionRuleDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<RetentionDuration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_rule_locked: Option<String>,
}

/// RetentionRule (GET/create/update) and RetentionRuleSummary (list items) have the same fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionRule {
    pub id: String,
    pub display_name: Option<String>,
    pub duration: Option<RetentionDuration>,
    pub etag: Option<String>,
    pub time_rule_locked: Option<String>,
    pub time_created: Option<String>,
    pub time_modified: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct RetentionRuleCollection {
    #[serde(default)]
    items: Vec<RetentionRule>,
}

/// Request body of an object upload.
#[derive(Debug, Clone)]
pub enum ObjectBody {
    Bytes(Bytes),
    /// The whole file, streamed.
    File(PathBuf),
    /// `len` bytes from `offset` (one multipart part), streamed.
    FileRange {
        path: PathBuf,
        offset: u64,
        len: u64,
    },
}

impl ObjectBody {
    async fn into_request_body(self, operation: &str, content_type: &str) -> Result<RequestBody> {
        Ok(match self {
            ObjectBody::Bytes(data) => RequestBody::Bytes {
                data,
                content_type: content_type.into(),
            },
            ObjectBody::File(path) => {
                let len = tokio::fs::metadata(&path)
                    .await
                    .map_err(|source| Error::Body {
                        operation: operation.into(),
                        path: path.clone(),
                        source,
                    })?
                    .len();
                RequestBody::File {
                    path,
                    offset: 0,
                    len,
                    content_type: content_type.into(),
                }
            }
            ObjectBody::FileRange { path, offset, len } => RequestBody::File {
                path,
                offset,
                len,
                content_type: content_type.into(),
            },
        })
    }
}

/// Optional PutObject headers.
#[derive(Debug, Clone, Default)]
pub struct PutObjectOptions {
    /// Default `application/octet-stream`.
    pub content_type: Option<String>,
    /// Base64 MD5 of the body; the service rejects a mismatch.
    pub content_md5: Option<String>,
    pub content_language: Option<String>,
    pub content_encoding: Option<String>,
    pub content_disposition: Option<String>,
    pub cache_control: Option<String>,
    /// `Standard` | `InfrequentAccess` | `Archive`.
    pub storage_tier: Option<String>,
    pub if_match: Option<String>,
    /// Only `*` ("fail if it exists").
    pub if_none_match: Option<String>,
    /// User metadata, sent as `opc-meta-<key>` headers.
    pub metadata: BTreeMap<String, String>,
    /// OCID of a Vault key to encrypt the object with (`opc-sse-kms-key-id`).
    pub opc_sse_kms_key_id: Option<String>,
}

/// Optional GetObject/HeadObject parameters.
#[derive(Debug, Clone, Default)]
pub struct GetObjectOptions {
    pub version_id: Option<String>,
    pub if_match: Option<String>,
    pub if_none_match: Option<String>,
    /// A single RFC 7233 range, e.g. `bytes=0-99`.
    pub range: Option<String>,
}

/// Object metadata from GetObject/HeadObject response headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectHead {
    pub content_length: Option<u64>,
    pub content_type: Option<String>,
    pub content_md5: Option<String>,
    pub opc_multipart_md5: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub content_language: Option<String>,
    pub content_encoding: Option<String>,
    pub content_disposition: Option<String>,
    pub cache_control: Option<String>,
    pub storage_tier: Option<String>,
    pub archival_state: Option<String>,
    pub version_id: Option<String>,
    /// `opc-meta-*` headers without the prefix.
    pub metadata: BTreeMap<String, String>,
    /// The Vault key the object is encrypted with, when it is not Oracle-managed.
    pub opc_sse_kms_key_id: Option<String>,
}

impl ObjectHead {
    pub fn from_meta(meta: &ResponseMeta) -> Self {
        let h = |n: &str| meta.header(n).map(str::to_string);
        Self {
            content_length: meta.content_length(),
            content_type: h("content-type"),
            content_md5: h("content-md5"),
            opc_multipart_md5: h("opc-multipart-md5"),
            etag: h("etag"),
            last_modified: h("last-modified"),
            content_language: h("content-language"),
            content_encoding: h("content-encoding"),
            content_disposition: h("content-disposition"),
            cache_control: h("cache-control"),
            storage_tier: h("storage-tier"),
            archival_state: h("archival-state"),
            version_id: h("version-id"),
            metadata: meta.opc_meta(),
            opc_sse_kms_key_id: h("opc-sse-kms-key-id"),
        }
    }
}

/// GetObject's answer: the bytes and their metadata.
#[derive(Debug, Clone)]
pub struct ObjectData {
    pub head: ObjectHead,
    pub data: Bytes,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectSummary {
    pub name: String,
    pub size: Option<i64>,
    pub md5: Option<String>,
    pub time_created: Option<String>,
    pub etag: Option<String>,
    pub storage_tier: Option<String>,
    pub archival_state: Option<String>,
    pub time_modified: Option<String>,
}

/// ListObjects' body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListObjects {
    #[serde(default)]
    pub objects: Vec<ObjectSummary>,
    pub prefixes: Option<Vec<String>>,
    /// First name of the next page; absent on the last page.
    pub next_start_with: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ListObjectsRequest {
    pub prefix: Option<String>,
    /// Inclusive.
    pub start: Option<String>,
    /// Exclusive.
    pub end: Option<String>,
    pub start_after: Option<String>,
    pub limit: Option<u32>,
    /// Only `/`.
    pub delimiter: Option<String>,
    /// CSV of `name,size,etag,timeCreated,md5,timeModified,storageTier,archivalState`.
    pub fields: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RenameObjectDetails {
    pub source_name: String,
    pub new_name: String,
    #[serde(rename = "srcObjIfMatchETag", skip_serializing_if = "Option::is_none")]
    pub src_obj_if_match_etag: Option<String>,
    #[serde(rename = "newObjIfMatchETag", skip_serializing_if = "Option::is_none")]
    pub new_obj_if_match_etag: Option<String>,
    #[serde(
        rename = "newObjIfNoneMatchETag",
        skip_serializing_if = "Option::is_none"
    )]
    pub new_obj_if_none_match_etag: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateMultipartUploadDetails {
    pub object: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_disposition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_tier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
}

/// How [`Client::upload_file_multipart`] uploads a file.
#[derive(Debug, Clone, Default)]
pub struct MultipartFileOptions {
    /// Bytes per part (more than zero; parts are streamed from disk, so memory does not grow
    /// with it).
    pub part_size: u64,
    /// Headers and metadata for CreateMultipartUpload (`object` is taken from the call).
    pub details: CreateMultipartUploadDetails,
    /// OCID of a Vault key to encrypt the object with (`opc-sse-kms-key-id`).
    pub opc_sse_kms_key_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MultipartUpload {
    pub namespace: String,
    pub bucket: String,
    pub object: String,
    pub upload_id: String,
    pub time_created: Option<String>,
    pub storage_tier: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MultipartUploadPartSummary {
    pub etag: String,
    pub md5: Option<String>,
    pub size: Option<i64>,
    pub part_number: i32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommitMultipartUploadPartDetails {
    pub part_num: i32,
    pub etag: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommitMultipartUploadDetails {
    pub parts_to_commit: Vec<CommitMultipartUploadPartDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parts_to_exclude: Option<Vec<i32>>,
}

fn os(op: &'static str, method: Method, path: String) -> OciRequest {
    OciRequest::new(op, Service::ObjectStorage, method, path)
}

/// `/n/{ns}/b/{bucket}` with both parts checked and encoded.
fn bucket_path(op: &str, namespace: &str, bucket: &str) -> Result<String> {
    Ok(format!(
        "/n/{}/b/{}",
        segment(op, "namespace", namespace)?,
        segment(op, "bucket", bucket)?
    ))
}

fn object_path(
    op: &str,
    namespace: &str,
    bucket: &str,
    kind: &str,
    object: &str,
) -> Result<String> {
    Ok(format!(
        "{}/{kind}/{}",
        bucket_path(op, namespace, bucket)?,
        segment(op, "object", object)?
    ))
}

/// `/n/{ns}/b/{bucket}/u/{object}` of a multipart upload.
fn upload_path(op: &str, upload: &MultipartUpload) -> Result<String> {
    object_path(op, &upload.namespace, &upload.bucket, "u", &upload.object)
}

impl Client {
    /// The tenancy's namespace (the service answers with a JSON string literal).
    pub async fn get_namespace(&self, compartment_id: Option<&str>) -> Result<Response<String>> {
        let req =
            os("GetNamespace", Method::GET, "/n".into()).query_opt("compartmentId", compartment_id);
        self.send_json(&req).await
    }

    pub async fn create_bucket(
        &self,
        namespace: &str,
        details: &CreateBucketDetails,
    ) -> Result<Response<Bucket>> {
        let ns = segment("CreateBucket", "namespace", namespace)?;
        // CreateBucket takes no opc-retry-token: a retried create whose earlier attempt made the
        // bucket (its answer lost or a 5xx after the work) gets 409. That bucket is this call's
        // own when it is in the requested compartment, was created by this user, and not before
        // the call started (a minute allowed for clock skew); then it is the answer.
        let started = self.utc_now();
        let req = os("CreateBucket", Method::POST, format!("/n/{ns}/b")).json(details)?;
        match self.send_json(&req).await {
            Err(e) if e.is_conflict_code("BucketAlreadyExists") && e.attempts() > 1 => {
                match self.get_bucket(namespace, &details.name).await {
                    Ok(b) if self.made_since(&b.value, details, started) => Ok(b),
                    _ => Err(e),
                }
            }
            other => other,
        }
    }

    /// See [`Client::create_bucket`]: whether `b` is what an earlier attempt of this create made.
    fn made_since(
        &self,
        b: &Bucket,
        details: &CreateBucketDetails,
        started: time::OffsetDateTime,
    ) -> bool {
        let by_us = match self.signer().key_id() {
            crate::auth::signer::KeyId::ApiKey { user, .. } => {
                b.created_by.as_deref() == Some(user.as_str())
            }
            // A session token names no user the bucket could be compared with.
            crate::auth::signer::KeyId::SecurityToken(_) => true,
        };
        let since = b
            .time_created
            .as_deref()
            .and_then(|t| {
                time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
            })
            .is_some_and(|t| t >= started - time::Duration::minutes(1));
        by_us && since && b.compartment_id == details.compartment_id
    }

    pub async fn get_bucket(&self, namespace: &str, bucket: &str) -> Result<Response<Bucket>> {
        self.get_bucket_with_fields(namespace, bucket, &[]).await
    }

    /// GetBucket asking for extra `fields` (`approximateCount`, `approximateSize`, `autoTiering`).
    pub async fn get_bucket_with_fields(
        &self,
        namespace: &str,
        bucket: &str,
        fields: &[&str],
    ) -> Result<Response<Bucket>> {
        let req = os(
            "GetBucket",
            Method::GET,
            bucket_path("GetBucket", namespace, bucket)?,
        )
        .query_opt("fields", (!fields.is_empty()).then(|| fields.join(",")));
        self.send_json(&req).await
    }

    pub async fn get_bucket_opt(
        &self,
        namespace: &str,
        bucket: &str,
    ) -> Result<Option<Response<Bucket>>> {
        not_found_to_none(self.get_bucket(namespace, bucket).await)
    }

    /// HeadBucket: existence and ETag without a body.
    pub async fn head_bucket(&self, namespace: &str, bucket: &str) -> Result<Response<()>> {
        let req = os(
            "HeadBucket",
            Method::HEAD,
            bucket_path("HeadBucket", namespace, bucket)?,
        );
        self.send_empty(&req).await
    }

    pub async fn head_bucket_opt(
        &self,
        namespace: &str,
        bucket: &str,
    ) -> Result<Option<Response<()>>> {
        not_found_to_none(self.head_bucket(namespace, bucket).await)
    }

    pub async fn list_buckets(&self, request: &ListBucketsRequest) -> Result<Page<BucketSummary>> {
        let ns = segment("ListBuckets", "namespace", &request.namespace)?;
        let req = os("ListBuckets", Method::GET, format!("/n/{ns}/b"))
            .query("compartmentId", &request.compartment_id)
            .query_opt("limit", request.limit)
            .query_opt("page", request.page.as_ref())
            .query_opt("fields", request.fields.as_ref());
        self.send_page(&req).await
    }

    pub async fn list_all_buckets(
        &self,
        request: &ListBucketsRequest,
    ) -> Result<Vec<BucketSummary>> {
        all_pages("ListBuckets", request, |r| async move {
            self.list_buckets(&r).await
        })
        .await
    }

    /// UpdateBucket (a partial update; the API uses POST).
    pub async fn update_bucket(
        &self,
        namespace: &str,
        bucket: &str,
        details: &UpdateBucketDetails,
        if_match: Option<&str>,
    ) -> Result<Response<Bucket>> {
        let req = os(
            "UpdateBucket",
            Method::POST,
            bucket_path("UpdateBucket", namespace, bucket)?,
        )
        .json(details)?
        .header_opt("if-match", if_match);
        self.send_json(&req).await
    }

    /// DeleteBucket; a bucket with objects fails with 409 `BucketNotEmpty`.
    pub async fn delete_bucket(
        &self,
        namespace: &str,
        bucket: &str,
        if_match: Option<&str>,
    ) -> Result<Response<()>> {
        let req = os(
            "DeleteBucket",
            Method::DELETE,
            bucket_path("DeleteBucket", namespace, bucket)?,
        )
        .header_opt("if-match", if_match);
        self.send_empty(&req).await
    }

    pub async fn create_retention_rule(
        &self,
        namespace: &str,
        bucket: &str,
        details: &RetentionRuleDetails,
    ) -> Result<Response<RetentionRule>> {
        let path = format!(
            "{}/retentionRules",
            bucket_path("CreateRetentionRule", namespace, bucket)?
        );
        let req = os("CreateRetentionRule", Method::POST, path).json(details)?;
        self.send_json(&req).await
    }

    pub async fn get_retention_rule(
        &self,
        namespace: &str,
        bucket: &str,
        rule_id: &str,
    ) -> Result<Response<RetentionRule>> {
        let path = format!(
            "{}/retentionRules/{}",
            bucket_path("GetRetentionRule", namespace, bucket)?,
            segment("GetRetentionRule", "retention_rule_id", rule_id)?
        );
        self.send_json(&os("GetRetentionRule", Method::GET, path))
            .await
    }

    pub async fn get_retention_rule_opt(
        &self,
        namespace: &str,
        bucket: &str,
        rule_id: &str,
    ) -> Result<Option<Response<RetentionRule>>> {
        not_found_to_none(self.get_retention_rule(namespace, bucket, rule_id).await)
    }

    /// One page of ListRetentionRules (the body is `{"items": [...]}`).
    pub async fn list_retention_rules(
        &self,
        namespace: &str,
        bucket: &str,
        page: Option<&str>,
    ) -> Result<Page<RetentionRule>> {
        let path = format!(
            "{}/retentionRules",
            bucket_path("ListRetentionRules", namespace, bucket)?
        );
        let req = os("ListRetentionRules", Method::GET, path).query_opt("page", page);
        let resp = self.send_json::<RetentionRuleCollection>(&req).await?;
        Ok(Page {
            next_page: resp.meta.opc_next_page().map(str::to_string),
            items: resp.value.items,
            meta: resp.meta,
        })
    }

    pub async fn list_all_retention_rules(
        &self,
        namespace: &str,
        bucket: &str,
    ) -> Result<Vec<RetentionRule>> {
        collect_all("ListRetentionRules", |page| async move {
            let p = self
                .list_retention_rules(namespace, bucket, page.as_deref())
                .await?;
            Ok((p.items, p.next_page))
        })
        .await
    }

    pub async fn update_retention_rule(
        &self,
        namespace: &str,
        bucket: &str,
        rule_id: &str,
        details: &RetentionRuleDetails,
        if_match: Option<&str>,
    ) -> Result<Response<RetentionRule>> {
        let path = format!(
            "{}/retentionRules/{}",
            bucket_path("UpdateRetentionRule", namespace, bucket)?,
            segment("UpdateRetentionRule", "retention_rule_id", rule_id)?
        );
        let req = os("UpdateRetentionRule", Method::PUT, path)
            .json(details)?
            .header_opt("if-match", if_match);
        self.send_json(&req).await
    }

    pub async fn delete_retention_rule(
        &self,
        namespace: &str,
        bucket: &str,
        rule_id: &str,
        if_match: Option<&str>,
    ) -> Result<Response<()>> {
        let path = format!(
            "{}/retentionRules/{}",
            bucket_path("DeleteRetentionRule", namespace, bucket)?,
            segment("DeleteRetentionRule", "retention_rule_id", rule_id)?
        );
        let req = os("DeleteRetentionRule", Method::DELETE, path).header_opt("if-match", if_match);
        self.send_empty(&req).await
    }

    /// PutObject. The body is sent unsigned; a file body is streamed (and reopened on retry).
    /// The response metadata carries `etag`, `opc-content-md5`, `last-modified`, `version-id`.
    pub async fn put_object(
        &self,
        namespace: &str,
        bucket: &str,
        object: &str,
        body: ObjectBody,
        options: &PutObjectOptions,
    ) -> Result<Response<()>> {
        const OP: &str = "PutObject";
        let path = object_path(OP, namespace, bucket, "o", object)?;
        let content_type = options
            .content_type
            .as_deref()
            .unwrap_or("application/octet-stream");
        let mut req = os(OP, Method::PUT, path)
            .body(body.into_request_body(OP, content_type).await?)
            .header_opt("content-md5", options.content_md5.as_deref())
            .header_opt("content-language", options.content_language.as_deref())
            .header_opt("content-encoding", options.content_encoding.as_deref())
            .header_opt(
                "content-disposition",
                options.content_disposition.as_deref(),
            )
            .header_opt("cache-control", options.cache_control.as_deref())
            .header_opt("storage-tier", options.storage_tier.as_deref())
            .header_opt("if-match", options.if_match.as_deref())
            .header_opt("if-none-match", options.if_none_match.as_deref())
            .header_opt("opc-sse-kms-key-id", options.opc_sse_kms_key_id.as_deref());
        for (k, v) in &options.metadata {
            req = req.header(&format!("opc-meta-{k}"), v.clone());
        }
        self.send_empty(&req).await
    }

    /// GetObject, buffered in memory.
    pub async fn get_object(
        &self,
        namespace: &str,
        bucket: &str,
        object: &str,
        options: &GetObjectOptions,
    ) -> Result<Response<ObjectData>> {
        let req = object_read("GetObject", Method::GET, namespace, bucket, object, options)?;
        let resp = self.send(&req).await?;
        let head = ObjectHead::from_meta(&resp.meta);
        Ok(resp.map(|data| ObjectData { head, data }))
    }

    /// GetObject streamed to `path` (created or truncated; rewritten from the start if a retry
    /// happens mid-download). Returns the object's metadata and the number of bytes written.
    pub async fn get_object_to_file(
        &self,
        namespace: &str,
        bucket: &str,
        object: &str,
        options: &GetObjectOptions,
        path: &Path,
    ) -> Result<Response<(ObjectHead, u64)>> {
        use tokio::io::AsyncWriteExt as _;
        let req = object_read("GetObject", Method::GET, namespace, bucket, object, options)?;
        self.send_with(&req, |mut resp, meta| async move {
            let io = |source| BodyError::Io {
                path: path.to_path_buf(),
                source,
            };
            let mut file = tokio::fs::File::create(path).await.map_err(io)?;
            let mut written = 0u64;
            while let Some(chunk) = resp.chunk().await? {
                file.write_all(&chunk).await.map_err(io)?;
                written += chunk.len() as u64;
            }
            file.flush().await.map_err(io)?;
            let head = ObjectHead::from_meta(&meta);
            Ok(Response {
                value: (head, written),
                meta,
            })
        })
        .await
    }

    pub async fn get_object_opt(
        &self,
        namespace: &str,
        bucket: &str,
        object: &str,
        options: &GetObjectOptions,
    ) -> Result<Option<Response<ObjectData>>> {
        not_found_to_none(self.get_object(namespace, bucket, object, options).await)
    }

    pub async fn head_object(
        &self,
        namespace: &str,
        bucket: &str,
        object: &str,
        options: &GetObjectOptions,
    ) -> Result<Response<ObjectHead>> {
        let req = object_read(
            "HeadObject",
            Method::HEAD,
            namespace,
            bucket,
            object,
            options,
        )?;
        let resp = self.send(&req).await?;
        let head = ObjectHead::from_meta(&resp.meta);
        Ok(resp.map(|_| head))
    }

    pub async fn head_object_opt(
        &self,
        namespace: &str,
        bucket: &str,
        object: &str,
        options: &GetObjectOptions,
    ) -> Result<Option<Response<ObjectHead>>> {
        not_found_to_none(self.head_object(namespace, bucket, object, options).await)
    }

    pub async fn delete_object(
        &self,
        namespace: &str,
        bucket: &str,
        object: &str,
        if_match: Option<&str>,
    ) -> Result<Response<()>> {
        let path = object_path("DeleteObject", namespace, bucket, "o", object)?;
        let req = os("DeleteObject", Method::DELETE, path).header_opt("if-match", if_match);
        self.send_empty(&req).await
    }

    /// One page of ListObjects; continue with `start = next_start_with`.
    pub async fn list_objects(
        &self,
        namespace: &str,
        bucket: &str,
        request: &ListObjectsRequest,
    ) -> Result<Response<ListObjects>> {
        let path = format!("{}/o", bucket_path("ListObjects", namespace, bucket)?);
        let req = os("ListObjects", Method::GET, path)
            .query_opt("prefix", request.prefix.as_ref())
            .query_opt("start", request.start.as_ref())
            .query_opt("end", request.end.as_ref())
            .query_opt("startAfter", request.start_after.as_ref())
            .query_opt("limit", request.limit)
            .query_opt("delimiter", request.delimiter.as_ref())
            .query_opt("fields", request.fields.as_ref());
        let resp = self.send(&req).await?;
        decode("ListObjects", resp)
    }

    /// Every page of ListObjects, following `nextStartWith` (sent back as the inclusive
    /// `start`); prefixes of all pages are merged.
    pub async fn list_all_objects(
        &self,
        namespace: &str,
        bucket: &str,
        request: &ListObjectsRequest,
    ) -> Result<ListObjects> {
        let mut all = ListObjects::default();
        let mut prefixes: Vec<String> = Vec::new();
        let mut r = request.clone();
        loop {
            let page = self.list_objects(namespace, bucket, &r).await?.into_inner();
            all.objects.extend(page.objects);
            prefixes.extend(page.prefixes.unwrap_or_default());
            match page.next_start_with {
                None => break,
                Some(next) => {
                    // The next page starts at `next` (inclusive); it must move forward.
                    if r.start.as_deref().is_some_and(|s| s >= next.as_str()) {
                        return Err(Error::PaginationLoop {
                            operation: "ListObjects".into(),
                            token: next,
                        });
                    }
                    r.start = Some(next);
                    r.start_after = None;
                }
            }
        }
        prefixes.sort();
        prefixes.dedup();
        all.prefixes = (!prefixes.is_empty() || request.delimiter.is_some()).then_some(prefixes);
        Ok(all)
    }

    pub async fn rename_object(
        &self,
        namespace: &str,
        bucket: &str,
        details: &RenameObjectDetails,
    ) -> Result<Response<()>> {
        let path = format!(
            "{}/actions/renameObject",
            bucket_path("RenameObject", namespace, bucket)?
        );
        let req = os("RenameObject", Method::POST, path).json(details)?;
        self.send_empty(&req).await
    }

    pub async fn create_multipart_upload(
        &self,
        namespace: &str,
        bucket: &str,
        details: &CreateMultipartUploadDetails,
        opc_sse_kms_key_id: Option<&str>,
    ) -> Result<Response<MultipartUpload>> {
        let path = format!(
            "{}/u",
            bucket_path("CreateMultipartUpload", namespace, bucket)?
        );
        // The encryption key is a header, not a field of the body.
        let req = os("CreateMultipartUpload", Method::POST, path)
            .json(details)?
            .header_opt("opc-sse-kms-key-id", opc_sse_kms_key_id);
        self.send_json(&req).await
    }

    /// UploadPart (1-based `part_num`); the part's ETag is in the response metadata and is what
    /// [`Client::commit_multipart_upload`] needs.
    pub async fn upload_part(
        &self,
        upload: &MultipartUpload,
        part_num: i32,
        body: ObjectBody,
        content_md5: Option<&str>,
    ) -> Result<Response<()>> {
        const OP: &str = "UploadPart";
        let path = upload_path(OP, upload)?;
        let req = os(OP, Method::PUT, path)
            .query("uploadId", &upload.upload_id)
            .query("uploadPartNum", part_num)
            .body(
                body.into_request_body(OP, "application/octet-stream")
                    .await?,
            )
            .header_opt("content-md5", content_md5);
        self.send_empty(&req).await
    }

    /// CommitMultipartUpload; the response metadata carries `etag` and `opc-multipart-md5`.
    pub async fn commit_multipart_upload(
        &self,
        upload: &MultipartUpload,
        details: &CommitMultipartUploadDetails,
    ) -> Result<Response<()>> {
        let path = upload_path("CommitMultipartUpload", upload)?;
        let req = os("CommitMultipartUpload", Method::POST, path)
            .query("uploadId", &upload.upload_id)
            .json(details)?;
        self.send_empty(&req).await
    }

    pub async fn abort_multipart_upload(&self, upload: &MultipartUpload) -> Result<Response<()>> {
        let path = upload_path("AbortMultipartUpload", upload)?;
        let req =
            os("AbortMultipartUpload", Method::DELETE, path).query("uploadId", &upload.upload_id);
        self.send_empty(&req).await
    }

    pub async fn list_multipart_upload_parts(
        &self,
        upload: &MultipartUpload,
        page: Option<&str>,
    ) -> Result<Page<MultipartUploadPartSummary>> {
        let path = upload_path("ListMultipartUploadParts", upload)?;
        let req = os("ListMultipartUploadParts", Method::GET, path)
            .query("uploadId", &upload.upload_id)
            .query_opt("page", page);
        self.send_page(&req).await
    }

    pub async fn list_multipart_uploads(
        &self,
        namespace: &str,
        bucket: &str,
        page: Option<&str>,
    ) -> Result<Page<MultipartUpload>> {
        let path = format!(
            "{}/u",
            bucket_path("ListMultipartUploads", namespace, bucket)?
        );
        let req = os("ListMultipartUploads", Method::GET, path).query_opt("page", page);
        self.send_page(&req).await
    }

    /// Deletes every object and unfinished multipart upload in the bucket (what must go before
    /// DeleteBucket succeeds). Objects or uploads already gone are fine; the first other error
    /// stops and is returned, leaving the rest in place.
    pub async fn empty_bucket(&self, key: &BucketKey) -> Result<()> {
        let (ns, bucket) = (key.namespace.as_str(), key.bucket.as_str());
        let list = self
            .list_all_objects(ns, bucket, &ListObjectsRequest::default())
            .await?;
        for o in list.objects {
            match self.delete_object(ns, bucket, &o.name, None).await {
                Err(e) if !e.is_not_found() => return Err(e),
                _ => {}
            }
        }
        let mut page = None;
        loop {
            let uploads = self
                .list_multipart_uploads(ns, bucket, page.as_deref())
                .await?;
            for u in uploads.items {
                match self.abort_multipart_upload(&u).await {
                    Err(e) if !e.is_not_found() => return Err(e),
                    _ => {}
                }
            }
            match uploads.next_page {
                Some(p) => page = Some(p),
                None => return Ok(()),
            }
        }
    }

    /// Uploads a file as a multipart upload with parts of `part_size` bytes, streaming each part
    /// from disk, then commits. On any failure the upload is aborted (best effort) and the
    /// original error returned.
    pub async fn upload_file_multipart(
        &self,
        namespace: &str,
        bucket: &str,
        object: &str,
        path: &Path,
        options: &MultipartFileOptions,
    ) -> Result<Response<()>> {
        const OP: &str = "UploadFileMultipart";
        let part_size = options.part_size;
        if part_size == 0 {
            return Err(Error::InvalidArgument {
                operation: OP.into(),
                field: "part_size".into(),
                message: "must be greater than zero".into(),
            });
        }
        let len = tokio::fs::metadata(path)
            .await
            .map_err(|source| Error::Body {
                operation: OP.into(),
                path: path.to_path_buf(),
                source,
            })?
            .len();
        let mut create = options.details.clone();
        create.object = object.to_string();
        let upload = self
            .create_multipart_upload(
                namespace,
                bucket,
                &create,
                options.opc_sse_kms_key_id.as_deref(),
            )
            .await?
            .into_inner();
        let result = async {
            let mut parts = Vec::new();
            let mut offset = 0;
            let mut part_num = 1;
            while offset < len || (len == 0 && part_num == 1) {
                let this = part_size.min(len - offset);
                let resp = self
                    .upload_part(
                        &upload,
                        part_num,
                        ObjectBody::FileRange {
                            path: path.to_path_buf(),
                            offset,
                            len: this,
                        },
                        None,
                    )
                    .await?;
                let etag = resp.etag().ok_or_else(|| Error::InvalidArgument {
                    operation: "UploadPart".into(),
                    field: "etag".into(),
                    message: "the service returned no ETag for the part".into(),
                })?;
                parts.push(CommitMultipartUploadPartDetails {
                    part_num,
                    etag: etag.to_string(),
                });
                offset += this;
                part_num += 1;
            }
            self.commit_multipart_upload(
                &upload,
                &CommitMultipartUploadDetails {
                    parts_to_commit: parts,
                    parts_to_exclude: None,
                },
            )
            .await
        }
        .await;
        if result.is_err()
            && let Err(e) = self.abort_multipart_upload(&upload).await
        {
            tracing::warn!(error = %e, "aborting the failed multipart upload also failed");
        }
        result
    }
}

fn object_read(
    op: &'static str,
    method: Method,
    namespace: &str,
    bucket: &str,
    object: &str,
    options: &GetObjectOptions,
) -> Result<OciRequest> {
    Ok(
        os(op, method, object_path(op, namespace, bucket, "o", object)?)
            .query_opt("versionId", options.version_id.as_ref())
            .header_opt("if-match", options.if_match.as_deref())
            .header_opt("if-none-match", options.if_none_match.as_deref())
            .header_opt("range", options.range.as_deref()),
    )
}

page_request!(ListBucketsRequest);
