//! Multipart uploads: Create/ListMultipartUploads, UploadPart (body unsigned, streamed),
//! ListMultipartUploadParts, Commit/AbortMultipartUpload.

use super::common::{BucketPath, ObjectPath, PageQuery, discard_on_error, last_modified};
use crate::clock::rfc3339_millis;
use crate::error::{ApiError, ApiResult};
use crate::extract::{OciJson, OciQuery};
use crate::headers::{etag_headers, etag_matches, header, insert};
use crate::paging::{next_page_headers, paginate};
use crate::services::objectstorage::model::{
    DEFAULT_CONTENT_TYPE, OBJECT_STORAGE_TIERS, check_content_md5, check_write_preconditions,
    one_of, validate_object_name,
};
use crate::services::objectstorage::store::{self, ObjectHeaders, ObjectRow, PartRow, UploadRow};
use crate::services::objectstorage::wire::*;
use crate::state::AppState;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use md5::{Digest, Md5};
use serde::Deserialize;

fn upload_wire(u: &UploadRow) -> MultipartUpload {
    MultipartUpload {
        namespace: u.namespace.clone(),
        bucket: u.bucket.clone(),
        object: u.object.clone(),
        upload_id: u.upload_id.clone(),
        time_created: u.time_created.clone(),
        storage_tier: u.storage_tier.clone(),
    }
}

/// CreateMultipartUpload: `POST /n/{ns}/b/{bucket}/u`.
pub async fn create_multipart_upload(
    State(state): State<AppState>,
    BucketPath { ns, bucket }: BucketPath,
    headers: HeaderMap,
    OciJson(d): OciJson<CreateMultipartUploadDetails>,
) -> ApiResult<Response> {
    validate_object_name(&d.object)?;
    let tier = d.storage_tier.unwrap_or_else(|| "Standard".to_owned());
    one_of("storageTier", &tier, OBJECT_STORAGE_TIERS)?;
    let u = UploadRow {
        upload_id: uuid::Uuid::new_v4().to_string(),
        namespace: ns.clone(),
        bucket: bucket.clone(),
        object: d.object,
        time_created: rfc3339_millis(state.now()),
        storage_tier: tier,
        headers: ObjectHeaders {
            content_type: Some(
                d.content_type
                    .unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_owned()),
            ),
            content_language: d.content_language,
            content_encoding: d.content_encoding,
            content_disposition: d.content_disposition,
            cache_control: d.cache_control,
            opc_sse_kms_key_id: header(&headers, "opc-sse-kms-key-id").map(str::to_owned),
        },
        metadata: d
            .metadata
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect(),
    };
    state.tx(|tx| {
        store::require_bucket(tx, &ns, &bucket)?;
        if header(&headers, "if-none-match").is_some() || header(&headers, "if-match").is_some() {
            let current = store::get_object(tx, &ns, &bucket, &u.object)?;
            check_write_preconditions(&headers, current.as_ref())?;
        }
        store::insert_upload(tx, &u)
    })?;
    let mut h = HeaderMap::new();
    insert(
        &mut h,
        "location",
        &format!("/n/{ns}/b/{bucket}/u/{}?uploadId={}", u.object, u.upload_id),
    );
    Ok((h, Json(upload_wire(&u))).into_response())
}

/// ListMultipartUploads: `GET /n/{ns}/b/{bucket}/u`.
pub async fn list_multipart_uploads(
    State(state): State<AppState>,
    BucketPath { ns, bucket }: BucketPath,
    OciQuery(q): OciQuery<PageQuery>,
) -> ApiResult<Response> {
    let uploads = state.db(|c| {
        store::require_bucket(c, &ns, &bucket)?;
        store::list_uploads(c, &ns, &bucket)
    })?;
    let (page, next) = paginate(uploads, q.limit, q.page.as_deref(), 1000)?;
    let items: Vec<MultipartUpload> = page.iter().map(upload_wire).collect();
    Ok((next_page_headers(next.as_deref()), Json(items)).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadQuery {
    upload_id: Option<String>,
    upload_part_num: Option<i64>,
    limit: Option<i64>,
    page: Option<String>,
}

impl UploadQuery {
    fn upload_id(&self) -> ApiResult<&str> {
        self.upload_id
            .as_deref()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ApiError::missing_parameter("uploadId"))
    }
}

/// UploadPart: `PUT /n/{ns}/b/{bucket}/u/{object}?uploadId=..&uploadPartNum=..` (body unsigned).
pub async fn upload_part(
    State(state): State<AppState>,
    ObjectPath { ns, bucket, object }: ObjectPath,
    OciQuery(q): OciQuery<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let upload_id = q.upload_id()?.to_owned();
    let part_num = q
        .upload_part_num
        .ok_or_else(|| ApiError::missing_parameter("uploadPartNum"))?;
    if !(1..=10000).contains(&part_num) {
        return Err(ApiError::invalid_parameter(format!(
            "uploadPartNum must be within 1..=10000, got {part_num}"
        )));
    }
    state.db(|c| {
        store::require_bucket(c, &ns, &bucket)?;
        store::require_upload(c, &ns, &bucket, &object, &upload_id)
    })?;
    let dir = state.blob_dir();
    // Parts are always files: the commit concatenates them.
    let blob = store::write_blob(&dir, body, 0).await?;
    discard_on_error(
        &dir,
        blob.name.clone(),
        check_content_md5(&headers, &blob.md5),
    )
    .await?;
    let part = PartRow {
        part_num,
        size: blob.size,
        md5: B64.encode(blob.md5),
        etag: uuid::Uuid::new_v4().to_string(),
        blob: blob.name.clone(),
    };
    let committed = state.tx(|tx| {
        store::require_upload(tx, &ns, &bucket, &object, &upload_id)?;
        if header(&headers, "if-none-match").is_some_and(|v| v.trim() == "*")
            && store::list_parts(tx, &upload_id)?
                .iter()
                .any(|p| p.part_num == part_num)
        {
            return Err(ApiError::precondition_failed(
                "IfNoneMatchFailed",
                format!("Part {part_num} of upload '{upload_id}' already exists"),
            ));
        }
        store::upsert_part(tx, &upload_id, &part)
    });
    let replaced = discard_on_error(&dir, blob.name, committed).await?;
    store::remove_blobs(&dir, replaced).await;
    let mut h = etag_headers(&part.etag);
    insert(&mut h, "opc-content-md5", &part.md5);
    Ok((StatusCode::OK, h).into_response())
}

/// ListMultipartUploadParts: `GET /n/{ns}/b/{bucket}/u/{object}?uploadId=..`.
pub async fn list_multipart_upload_parts(
    State(state): State<AppState>,
    ObjectPath { ns, bucket, object }: ObjectPath,
    OciQuery(q): OciQuery<UploadQuery>,
) -> ApiResult<Response> {
    let upload_id = q.upload_id()?;
    let parts = state.db(|c| {
        store::require_bucket(c, &ns, &bucket)?;
        store::require_upload(c, &ns, &bucket, &object, upload_id)?;
        store::list_parts(c, upload_id)
    })?;
    let (page, next) = paginate(parts, q.limit, q.page.as_deref(), 1000)?;
    let items: Vec<MultipartUploadPartSummary> = page
        .into_iter()
        .map(|p| MultipartUploadPartSummary {
            etag: p.etag,
            md5: p.md5,
            part_number: p.part_num,
            size: p.size,
        })
        .collect();
    Ok((next_page_headers(next.as_deref()), Json(items)).into_response())
}

/// CommitMultipartUpload: `POST /n/{ns}/b/{bucket}/u/{object}?uploadId=..`.
/// The object's MD5 is OCI's multipart form: base64(MD5(concatenated part digests)) + `-<n>`.
pub async fn commit_multipart_upload(
    State(state): State<AppState>,
    ObjectPath { ns, bucket, object }: ObjectPath,
    OciQuery(q): OciQuery<UploadQuery>,
    headers: HeaderMap,
    OciJson(d): OciJson<CommitMultipartUploadDetails>,
) -> ApiResult<Response> {
    let upload_id = q.upload_id()?.to_owned();
    if d.parts_to_commit.is_empty() {
        return Err(ApiError::invalid_parameter(
            "partsToCommit must name at least one part",
        ));
    }
    let (upload, parts) = state.db(|c| {
        store::require_bucket(c, &ns, &bucket)?;
        let u = store::require_upload(c, &ns, &bucket, &object, &upload_id)?;
        Ok((u, store::list_parts(c, &upload_id)?))
    })?;
    let mut chosen: Vec<&PartRow> = Vec::with_capacity(d.parts_to_commit.len());
    let mut wanted: Vec<&CommitMultipartUploadPartDetails> = d.parts_to_commit.iter().collect();
    wanted.sort_by_key(|p| p.part_num);
    for w in wanted {
        let p = parts
            .iter()
            .find(|p| p.part_num == w.part_num)
            .ok_or_else(|| {
                ApiError::invalid_parameter(format!(
                    "partsToCommit: part {} was not uploaded to upload '{upload_id}'",
                    w.part_num
                ))
            })?;
        if !etag_matches(&w.etag, &p.etag) {
            return Err(ApiError::invalid_parameter(format!(
                "partsToCommit: part {} has entity tag '{}', not '{}'",
                w.part_num, p.etag, w.etag
            )));
        }
        if chosen.last().is_some_and(|c| c.part_num == p.part_num) {
            return Err(ApiError::invalid_parameter(format!(
                "partsToCommit: part {} is listed twice",
                p.part_num
            )));
        }
        chosen.push(p);
    }
    let mut digest_of_digests = Md5::new();
    for p in &chosen {
        digest_of_digests.update(
            B64.decode(&p.md5)
                .map_err(|e| ApiError::internal(e.to_string()))?,
        );
    }
    let multipart_md5 = format!(
        "{}-{}",
        B64.encode(digest_of_digests.finalize()),
        chosen.len()
    );
    let dir = state.blob_dir();
    let part_blobs: Vec<String> = chosen.iter().map(|p| p.blob.clone()).collect();
    let blob = store::concat_blobs(&dir, &part_blobs).await?;
    let now = rfc3339_millis(state.now());
    let row = ObjectRow {
        namespace: ns.clone(),
        bucket: bucket.clone(),
        name: object.clone(),
        size: chosen.iter().map(|p| p.size).sum(),
        md5: multipart_md5.clone(),
        multipart_md5: Some(multipart_md5),
        etag: uuid::Uuid::new_v4().to_string(),
        version_id: uuid::Uuid::new_v4().to_string(),
        time_created: now.clone(),
        time_modified: now,
        storage_tier: upload.storage_tier.clone(),
        headers: upload.headers.clone(),
        metadata: upload.metadata.clone(),
        blob: blob.clone(),
    };
    let committed = state.tx(|tx| {
        store::require_upload(tx, &ns, &bucket, &object, &upload_id)?;
        let current = store::get_object(tx, &ns, &bucket, &object)?;
        check_write_preconditions(&headers, current.as_ref())?;
        let mut garbage: Vec<String> = store::upsert_object(tx, &row)?.into_iter().collect();
        garbage.extend(store::delete_upload(tx, &upload_id)?);
        Ok(garbage)
    });
    let garbage = discard_on_error(&dir, blob, committed).await?;
    store::remove_blobs(&dir, garbage).await;
    let mut h = etag_headers(&row.etag);
    insert(
        &mut h,
        "opc-multipart-md5",
        row.multipart_md5.as_deref().unwrap_or_default(),
    );
    insert(&mut h, "last-modified", &last_modified(&row.time_modified));
    Ok((StatusCode::OK, h).into_response())
}

/// AbortMultipartUpload: `DELETE /n/{ns}/b/{bucket}/u/{object}?uploadId=..` → 204.
pub async fn abort_multipart_upload(
    State(state): State<AppState>,
    ObjectPath { ns, bucket, object }: ObjectPath,
    OciQuery(q): OciQuery<UploadQuery>,
) -> ApiResult<StatusCode> {
    let upload_id = q.upload_id()?;
    let blobs = state.tx(|tx| {
        store::require_bucket(tx, &ns, &bucket)?;
        store::require_upload(tx, &ns, &bucket, &object, upload_id)?;
        store::delete_upload(tx, upload_id)
    })?;
    store::remove_blobs(&state.blob_dir(), blobs).await;
    Ok(StatusCode::NO_CONTENT)
}
