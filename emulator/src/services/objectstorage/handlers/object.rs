//! Object operations: ListObjects, GetObject/HeadObject, PutObject (streamed to disk),
//! DeleteObject, RenameObject, ListObjectVersions, CopyObject (which records a work request).

use super::common::{BucketPath, ObjectPath, check_namespace, discard_on_error, last_modified};
use crate::clock::{http_date, rfc3339_millis};
use crate::error::{ApiError, ApiResult};
use crate::extract::{OciJson, OciQuery};
use crate::headers::{etag_headers, etag_matches, header, insert};
use crate::paging::{next_page_headers, paginate};
use crate::services::objectstorage::model::{
    DEFAULT_CONTENT_TYPE, OBJECT_STORAGE_TIERS, check_content_md5, check_if_match,
    check_write_preconditions, one_of, parse_range, storage_tier_header, validate_object_name,
};
use crate::services::objectstorage::store::{self, ObjectHeaders, ObjectRow};
use crate::services::objectstorage::wire::*;
use crate::services::objectstorage::write;
use crate::state::AppState;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::BTreeMap;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListObjectsQuery {
    prefix: Option<String>,
    start: Option<String>,
    end: Option<String>,
    limit: Option<i64>,
    delimiter: Option<String>,
    fields: Option<String>,
    start_after: Option<String>,
}

/// Which optional `ObjectSummary` fields were asked for.
#[derive(Default)]
struct Fields {
    size: bool,
    etag: bool,
    md5: bool,
    time_created: bool,
    time_modified: bool,
    storage_tier: bool,
    archival_state: bool,
}

impl Fields {
    fn parse(csv: Option<&str>) -> ApiResult<Self> {
        let mut f = Fields::default();
        for name in csv
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match name.to_ascii_lowercase().as_str() {
                "name" => {}
                "size" => f.size = true,
                "etag" => f.etag = true,
                "md5" => f.md5 = true,
                "timecreated" => f.time_created = true,
                "timemodified" => f.time_modified = true,
                "storagetier" => f.storage_tier = true,
                "archivalstate" => f.archival_state = true,
                other => {
                    return Err(ApiError::invalid_parameter(format!(
                        "fields: '{other}' is not one of name, size, etag, md5, timeCreated, timeModified, storageTier, archivalState"
                    )));
                }
            }
        }
        Ok(f)
    }

    fn summary(&self, o: &ObjectRow) -> ObjectSummary {
        ObjectSummary {
            name: o.name.clone(),
            size: self.size.then_some(o.size),
            md5: self.md5.then(|| o.md5.clone()),
            time_created: self.time_created.then(|| o.time_created.clone()),
            etag: self.etag.then(|| o.etag.clone()),
            storage_tier: self.storage_tier.then(|| o.storage_tier.clone()),
            archival_state: (self.archival_state && o.storage_tier == "Archive")
                .then(|| "Archived".to_owned()),
            time_modified: self.time_modified.then(|| o.time_modified.clone()),
        }
    }
}

/// ListObjects: `GET /n/{ns}/b/{bucket}/o` — name order, `nextStartWith` in the body.
pub async fn list_objects(
    State(state): State<AppState>,
    BucketPath { ns, bucket }: BucketPath,
    OciQuery(q): OciQuery<ListObjectsQuery>,
) -> ApiResult<Json<ListObjects>> {
    if let Some(d) = q.delimiter.as_deref()
        && d != "/"
    {
        return Err(ApiError::invalid_parameter(format!(
            "delimiter '{d}' is not supported; only '/' is"
        )));
    }
    let limit = match q.limit {
        None => 1000,
        Some(l) if l < 1 => {
            return Err(ApiError::invalid_parameter(format!(
                "limit must be at least 1, got {l}"
            )));
        }
        Some(l) => l.min(1000) as usize,
    };
    let fields = Fields::parse(q.fields.as_deref())?;
    let prefix = q.prefix.unwrap_or_default();
    let delimited = q.delimiter.is_some();
    let from = [q.start.clone().unwrap_or_default(), prefix.clone()]
        .into_iter()
        .max()
        .unwrap_or_default();
    let mut objects = Vec::new();
    let mut prefixes: Vec<String> = Vec::new();
    let mut next_start_with = None;
    state.db(|c| {
        store::require_bucket(c, &ns, &bucket)?;
        store::scan_objects(c, &ns, &bucket, &from, |o| {
            if !o.name.starts_with(&prefix) {
                return false; // names are sorted, so nothing later has the prefix either
            }
            if q.end.as_deref().is_some_and(|e| o.name.as_str() >= e) {
                return false;
            }
            if q.start_after
                .as_deref()
                .is_some_and(|s| o.name.as_str() <= s)
            {
                return true;
            }
            // A name under an already listed common prefix is covered by that prefix.
            if let Some(last) = prefixes.last()
                && o.name.starts_with(last.as_str())
            {
                return true;
            }
            if objects.len() + prefixes.len() >= limit {
                next_start_with = Some(o.name.clone());
                return false;
            }
            let rest = &o.name[prefix.len()..];
            match rest.find('/') {
                Some(i) if delimited => prefixes.push(format!("{prefix}{}", &rest[..=i])),
                _ => objects.push(fields.summary(&o)),
            }
            true
        })
    })?;
    Ok(Json(ListObjects {
        objects,
        prefixes: delimited.then_some(prefixes),
        next_start_with,
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetObjectQuery {
    version_id: Option<String>,
    http_response_content_disposition: Option<String>,
    http_response_cache_control: Option<String>,
    http_response_content_type: Option<String>,
    http_response_content_language: Option<String>,
    http_response_content_encoding: Option<String>,
    http_response_expires: Option<String>,
}

/// Headers describing a stored object (GetObject/HeadObject).
fn object_headers(o: &ObjectRow, q: &GetObjectQuery) -> HeaderMap {
    let mut h = etag_headers(&o.etag);
    insert(&mut h, "last-modified", &last_modified(&o.time_modified));
    insert(&mut h, "accept-ranges", "bytes");
    insert(&mut h, "storage-tier", &o.storage_tier);
    insert(&mut h, "version-id", &o.version_id);
    match &o.multipart_md5 {
        Some(m) => insert(&mut h, "opc-multipart-md5", m),
        None => insert(&mut h, "content-md5", &o.md5),
    }
    let pick =
        |over: &Option<String>, stored: &Option<String>| over.clone().or_else(|| stored.clone());
    let hd = &o.headers;
    let ct = pick(&q.http_response_content_type, &hd.content_type)
        .unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_owned());
    insert(&mut h, "content-type", &ct);
    for (name, v) in [
        (
            "content-language",
            pick(&q.http_response_content_language, &hd.content_language),
        ),
        (
            "content-encoding",
            pick(&q.http_response_content_encoding, &hd.content_encoding),
        ),
        (
            "content-disposition",
            pick(
                &q.http_response_content_disposition,
                &hd.content_disposition,
            ),
        ),
        (
            "cache-control",
            pick(&q.http_response_cache_control, &hd.cache_control),
        ),
        ("expires", q.http_response_expires.clone()),
        ("opc-sse-kms-key-id", hd.opc_sse_kms_key_id.clone()),
    ] {
        if let Some(v) = v {
            insert(&mut h, name, &v);
        }
    }
    if o.storage_tier == "Archive" {
        insert(&mut h, "archival-state", "Archived");
    }
    for (k, v) in &o.metadata {
        if let (Ok(name), Ok(val)) = (
            HeaderName::try_from(format!("opc-meta-{k}")),
            HeaderValue::from_str(v),
        ) {
            h.insert(name, val);
        }
    }
    h
}

/// GetObject / HeadObject: `GET|HEAD /n/{ns}/b/{bucket}/o/{object}`.
pub async fn get_object(
    State(state): State<AppState>,
    ObjectPath { ns, bucket, object }: ObjectPath,
    OciQuery(q): OciQuery<GetObjectQuery>,
    method: Method,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let dir = state.blob_dir();
    let (o, file) = state.db(|c| {
        store::require_bucket(c, &ns, &bucket)?;
        let o = store::get_object(c, &ns, &bucket, &object)?
            .ok_or_else(|| store::object_not_found(&ns, &bucket, &object))?;
        // Opened under the lock that read the row: see `store::open_blob`.
        let file = (method != Method::HEAD)
            .then(|| store::open_blob(c, &dir, &o.blob))
            .transpose()?;
        Ok((o, file))
    })?;
    if let Some(v) = &q.version_id
        && *v != o.version_id
    {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "ObjectNotFound",
            format!("The version '{v}' of object '{object}' was not found in bucket '{bucket}'"),
        ));
    }
    check_if_match(&headers, &o.etag)?;
    let mut h = object_headers(&o, &q);
    if let Some(given) = header(&headers, "if-none-match")
        && etag_matches(given, &o.etag)
    {
        return Ok((StatusCode::NOT_MODIFIED, h).into_response());
    }
    let range = match header(&headers, "range") {
        Some(r) => parse_range(r, o.size)?,
        None => None,
    };
    let (status, start, len) = match range {
        Some((s, e)) => {
            insert(
                &mut h,
                "content-range",
                &format!("bytes {s}-{e}/{}", o.size),
            );
            (StatusCode::PARTIAL_CONTENT, s, e - s + 1)
        }
        None => (StatusCode::OK, 0, o.size),
    };
    insert(&mut h, "content-length", &len.to_string());
    let file = match file {
        None => return Ok((status, h).into_response()),
        Some(store::OpenBlob::Inline(bytes)) => {
            let (start, len) = (start as usize, len as usize);
            let body = bytes::Bytes::from(bytes).slice(start..start + len);
            return Ok((status, h, Body::from(body)).into_response());
        }
        Some(store::OpenBlob::File(file)) => file,
    };
    let mut file = tokio::fs::File::from_std(file);
    if start > 0 {
        file.seek(std::io::SeekFrom::Start(start as u64)).await?;
    }
    let stream = tokio_util::io::ReaderStream::with_capacity(file.take(len as u64), 256 * 1024);
    Ok((status, h, Body::from_stream(stream)).into_response())
}

/// Representation headers and `opc-meta-*` metadata from a PutObject request.
fn headers_and_metadata(headers: &HeaderMap) -> (ObjectHeaders, BTreeMap<String, String>) {
    let get = |n: &str| header(headers, n).map(str::to_owned);
    let oh = ObjectHeaders {
        content_type: Some(get("content-type").unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_owned())),
        content_language: get("content-language"),
        content_encoding: get("content-encoding"),
        content_disposition: get("content-disposition"),
        cache_control: get("cache-control"),
        opc_sse_kms_key_id: get("opc-sse-kms-key-id"),
    };
    let metadata = headers
        .iter()
        .filter_map(|(k, v)| {
            Some((
                k.as_str().strip_prefix("opc-meta-")?.to_owned(),
                v.to_str().ok()?.to_owned(),
            ))
        })
        .collect();
    (oh, metadata)
}

/// PutObject: `PUT /n/{ns}/b/{bucket}/o/{object}` — a small body is kept for its row (inline),
/// a larger one streamed to disk, never buffered whole.
pub async fn put_object(
    State(state): State<AppState>,
    ObjectPath { ns, bucket, object }: ObjectPath,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let tier = storage_tier_header(&headers)?;
    let (oh, metadata) = headers_and_metadata(&headers);
    let new = write::NewObject {
        ns: &ns,
        bucket: &bucket,
        name: &object,
        storage_tier: tier,
        headers: oh,
        metadata,
    };
    write::check(&new)?;
    if let Some(v) = header(&headers, "if-none-match")
        && v.trim() != "*"
    {
        return Err(ApiError::invalid_parameter(
            "if-none-match: only '*' is supported when writing an object",
        ));
    }
    // Fail before reading the body (and before answering `Expect: 100-continue`).
    if !state.db(|c| store::bucket_exists(c, &ns, &bucket))? {
        return Err(store::bucket_not_found(&ns, &bucket));
    }
    let dir = state.blob_dir();
    let blob = store::write_blob(&dir, body, store::INLINE_MAX).await?;
    discard_on_error(
        &dir,
        blob.name.clone(),
        check_content_md5(&headers, &blob.md5),
    )
    .await?;
    let row = discard_on_error(
        &dir,
        blob.name.clone(),
        write::row(&state, new, &blob.name, blob.size, &blob.md5),
    )
    .await?;
    write::commit(&state, &row, blob.inline.as_deref(), |current| {
        check_write_preconditions(&headers, current)
    })
    .await?;
    let mut h = etag_headers(&row.etag);
    insert(&mut h, "last-modified", &last_modified(&row.time_modified));
    insert(&mut h, "opc-content-md5", &row.md5);
    insert(&mut h, "version-id", &row.version_id);
    Ok((StatusCode::OK, h).into_response())
}

/// DeleteObject: `DELETE /n/{ns}/b/{bucket}/o/{object}` → 204.
pub async fn delete_object(
    State(state): State<AppState>,
    ObjectPath { ns, bucket, object }: ObjectPath,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let o = state.tx(|tx| {
        store::require_bucket(tx, &ns, &bucket)?;
        let o = store::get_object(tx, &ns, &bucket, &object)?
            .ok_or_else(|| store::object_not_found(&ns, &bucket, &object))?;
        check_if_match(&headers, &o.etag)?;
        store::delete_object(tx, &ns, &bucket, &object)?;
        Ok(o)
    })?;
    store::remove_blobs(&state.blob_dir(), [o.blob]).await;
    let mut h = HeaderMap::new();
    insert(&mut h, "last-modified", &http_date(state.now()));
    insert(&mut h, "version-id", &o.version_id);
    insert(&mut h, "is-delete-marker", "false");
    Ok((StatusCode::NO_CONTENT, h).into_response())
}

/// RenameObject: `POST /n/{ns}/b/{bucket}/actions/renameObject` → 200, empty body.
pub async fn rename_object(
    State(state): State<AppState>,
    BucketPath { ns, bucket }: BucketPath,
    OciJson(d): OciJson<RenameObjectDetails>,
) -> ApiResult<Response> {
    validate_object_name(&d.new_name)?;
    let now = rfc3339_millis(state.now());
    let (row, replaced) = state.tx(|tx| {
        store::require_bucket(tx, &ns, &bucket)?;
        let src = store::get_object(tx, &ns, &bucket, &d.source_name)?
            .ok_or_else(|| store::object_not_found(&ns, &bucket, &d.source_name))?;
        if let Some(e) = &d.src_obj_if_match_etag
            && !etag_matches(e, &src.etag)
        {
            return Err(ApiError::precondition_failed(
                "IfMatchFailed",
                format!(
                    "srcObjIfMatchETag is '{e}' but the source's entity tag is '{}'",
                    src.etag
                ),
            ));
        }
        let dest = store::get_object(tx, &ns, &bucket, &d.new_name)?;
        if d.new_obj_if_none_match_etag.as_deref().map(str::trim) == Some("*")
            && let Some(o) = &dest
        {
            return Err(ApiError::precondition_failed(
                "IfNoneMatchFailed",
                format!(
                    "newObjIfNoneMatchETag is '*' but object '{}' already exists",
                    o.name
                ),
            ));
        }
        if let Some(e) = &d.new_obj_if_match_etag
            && !dest.as_ref().is_some_and(|o| etag_matches(e, &o.etag))
        {
            return Err(ApiError::precondition_failed(
                "IfMatchFailed",
                format!(
                    "newObjIfMatchETag is '{e}' but the destination does not have that entity tag"
                ),
            ));
        }
        if d.source_name == d.new_name {
            return Ok((src, None));
        }
        // The body moves to the new name.
        store::delete_object_row(tx, &ns, &bucket, &d.source_name)?;
        let row = ObjectRow {
            name: d.new_name.clone(),
            time_modified: now.clone(),
            ..src
        };
        let replaced = store::upsert_object(tx, &row)?;
        Ok((row, replaced))
    })?;
    store::remove_blobs(&state.blob_dir(), replaced).await;
    let mut h = etag_headers(&row.etag);
    insert(&mut h, "last-modified", &last_modified(&row.time_modified));
    Ok((StatusCode::OK, h).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListVersionsQuery {
    prefix: Option<String>,
    limit: Option<i64>,
    page: Option<String>,
}

/// ListObjectVersions: `GET /n/{ns}/b/{bucket}/objectversions`. Versioning is not emulated,
/// so each object is its own single (latest) version; the official provider's delete with
/// `delete_all_object_versions` relies on this call.
pub async fn list_object_versions(
    State(state): State<AppState>,
    BucketPath { ns, bucket }: BucketPath,
    OciQuery(q): OciQuery<ListVersionsQuery>,
) -> ApiResult<Response> {
    let prefix = q.prefix.unwrap_or_default();
    let mut all = Vec::new();
    state.db(|c| {
        store::require_bucket(c, &ns, &bucket)?;
        store::scan_objects(c, &ns, &bucket, &prefix, |o| {
            if !o.name.starts_with(&prefix) {
                return false;
            }
            all.push(ObjectVersionSummary {
                name: o.name,
                size: o.size,
                md5: o.md5,
                time_created: o.time_created,
                time_modified: o.time_modified,
                etag: o.etag,
                storage_tier: o.storage_tier,
                version_id: o.version_id,
                is_delete_marker: false,
            });
            true
        })
    })?;
    let (items, next) = paginate(all, q.limit, q.page.as_deref(), 1000)?;
    Ok((
        next_page_headers(next.as_deref()),
        Json(ObjectVersionCollection {
            items,
            prefixes: None,
        }),
    )
        .into_response())
}

/// CopyObject: `POST /n/{ns}/b/{bucket}/actions/copyObject` → 202 + `opc-work-request-id`.
/// Copies within this emulator's region only (it emulates one region); the copy is done before
/// the answer, so the work request is born COMPLETED (the official provider polls it).
pub async fn copy_object(
    State(state): State<AppState>,
    BucketPath { ns, bucket }: BucketPath,
    OciJson(d): OciJson<CopyObjectDetails>,
) -> ApiResult<Response> {
    let region = state.identity().region.clone();
    if d.destination_region != region {
        return Err(ApiError::invalid_parameter(format!(
            "destinationRegion '{}' is not served by this emulator (region '{region}')",
            d.destination_region
        )));
    }
    check_namespace(&state, &d.destination_namespace)?;
    validate_object_name(&d.destination_object_name)?;
    if let Some(t) = &d.destination_object_storage_tier {
        one_of("destinationObjectStorageTier", t, OBJECT_STORAGE_TIERS)?;
    }
    let dir = state.blob_dir();
    let (src, src_body, compartment_id) = state.db(|c| {
        let b = store::require_bucket(c, &ns, &bucket)?;
        store::require_bucket(c, &ns, &d.destination_bucket)?;
        let src = store::get_object(c, &ns, &bucket, &d.source_object_name)?
            .ok_or_else(|| store::object_not_found(&ns, &bucket, &d.source_object_name))?;
        let body = store::open_blob(c, &dir, &src.blob)?;
        Ok((src, body, b.compartment_id))
    })?;
    if let Some(v) = &d.source_version_id
        && *v != src.version_id
    {
        return Err(store::object_not_found(&ns, &bucket, &d.source_object_name));
    }
    if let Some(e) = &d.source_object_if_match_etag
        && !etag_matches(e, &src.etag)
    {
        return Err(ApiError::precondition_failed(
            "IfMatchFailed",
            format!(
                "sourceObjectIfMatchETag is '{e}' but the source's entity tag is '{}'",
                src.etag
            ),
        ));
    }
    let blob = store::copy_blob(&dir, src_body).await?;
    let now = rfc3339_millis(state.now());
    let row = ObjectRow {
        bucket: d.destination_bucket.clone(),
        name: d.destination_object_name.clone(),
        etag: uuid::Uuid::new_v4().to_string(),
        version_id: uuid::Uuid::new_v4().to_string(),
        time_created: now.clone(),
        time_modified: now.clone(),
        storage_tier: d
            .destination_object_storage_tier
            .clone()
            .unwrap_or_else(|| src.storage_tier.clone()),
        metadata: d
            .destination_object_metadata
            .clone()
            .unwrap_or_else(|| src.metadata.clone()),
        blob: blob.clone(),
        ..src
    };
    let wr = WorkRequest {
        operation_type: "COPY_OBJECT".to_owned(),
        status: "COMPLETED".to_owned(),
        id: state.new_ocid("objectstorageworkrequest"),
        compartment_id,
        resources: vec![WorkRequestResource {
            action_type: "WRITTEN".to_owned(),
            entity_type: "object".to_owned(),
            identifier: row.name.clone(),
            entity_uri: format!("/n/{ns}/b/{}/o/{}", row.bucket, row.name),
            metadata: BTreeMap::from([
                ("REGION".to_owned(), region),
                ("NAMESPACE".to_owned(), ns.clone()),
                ("BUCKET".to_owned(), row.bucket.clone()),
                ("OBJECT".to_owned(), row.name.clone()),
            ]),
        }],
        percent_complete: 100.0,
        time_accepted: now.clone(),
        time_started: Some(now.clone()),
        time_finished: Some(now),
    };
    let write_headers = {
        let mut h = HeaderMap::new();
        if let Some(v) = &d.destination_object_if_match_etag {
            insert(&mut h, "if-match", v);
        }
        if let Some(v) = &d.destination_object_if_none_match_etag {
            insert(&mut h, "if-none-match", v);
        }
        h
    };
    let committed = state.tx(|tx| {
        store::require_bucket(tx, &ns, &row.bucket)?;
        let current = store::get_object(tx, &ns, &row.bucket, &row.name)?;
        check_write_preconditions(&write_headers, current.as_ref())?;
        let replaced = store::replace_object(tx, &row, current.map(|c| c.blob))?;
        store::insert_work_request(tx, &wr)?;
        Ok(replaced)
    });
    let replaced = discard_on_error(&dir, blob, committed).await?;
    store::remove_blobs(&dir, replaced).await;
    let mut h = HeaderMap::new();
    insert(&mut h, "opc-work-request-id", &wr.id);
    Ok((StatusCode::ACCEPTED, h).into_response())
}
