//! One async fn per Object Storage operation. Each checks its inputs, makes its store calls in
//! one transaction (committed before responding) and shapes the response headers.

use super::store::{self, ObjectHeaders, ObjectRow, PartRow, UploadRow};
use super::wire::*;
use crate::clock::{http_date, parse_rfc3339, rfc3339_millis};
use crate::error::{ApiError, ApiResult};
use crate::extract::{OciJson, OciQuery, parse_json};
use crate::idempotency::StoredResponse;
use crate::paging::{next_page_headers, paginate};
use crate::request::Principal;
use crate::state::AppState;
use axum::Extension;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use md5::{Digest, Md5};
use serde::Deserialize;
use std::collections::BTreeMap;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

// ----------------------------------------------------------------------------- helpers

/// `404 NamespaceNotFound` unless `ns` is this emulator's namespace.
pub(super) fn check_namespace(state: &AppState, ns: &str) -> ApiResult<()> {
    if ns == state.identity().namespace {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "NamespaceNotFound",
            format!(
                "You do not have authorization to perform this request, or the requested resource could not be found (namespace '{ns}')."
            ),
        ))
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Does an `if-match` / `if-none-match` value name this etag? (`*` names any.)
fn etag_matches(given: &str, current: &str) -> bool {
    given
        .split(',')
        .map(|g| g.trim().trim_matches('"'))
        .any(|g| g == "*" || g == current)
}

/// 412 `IfMatchFailed` when `if-match` is given and does not name `current`.
fn check_if_match(headers: &HeaderMap, current: &str) -> ApiResult<()> {
    match header(headers, "if-match") {
        Some(given) if !etag_matches(given, current) => Err(ApiError::precondition_failed(
            "IfMatchFailed",
            format!("The If-Match header is '{given}' but the current entity tag is '{current}'"),
        )),
        _ => Ok(()),
    }
}

fn with_etag(etag: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert("etag", v);
    }
    h
}

fn insert(h: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(name, v);
    }
}

fn one_of(field: &str, value: &str, allowed: &[&str]) -> ApiResult<()> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(ApiError::invalid_parameter(format!(
            "{field} '{value}' is not valid; allowed values: {}",
            allowed.join(", ")
        )))
    }
}

fn validate_bucket_name(name: &str) -> ApiResult<()> {
    if name.is_empty() || name.len() > 256 {
        return Err(ApiError::invalid_parameter(format!(
            "name: a bucket name must be 1 to 256 characters, got {}",
            name.len()
        )));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(ApiError::invalid_parameter(format!(
            "name: bucket name '{name}' may contain only letters, digits, '-', '_' and '.'"
        )));
    }
    Ok(())
}

fn validate_object_name(name: &str) -> ApiResult<()> {
    if name.is_empty() || name.len() > 1024 {
        return Err(ApiError::invalid_parameter(format!(
            "objectName must be 1 to 1024 bytes, got {}",
            name.len()
        )));
    }
    if name.contains(['\n', '\r', '\0']) {
        return Err(ApiError::invalid_parameter(
            "objectName must not contain line feed, carriage return or NUL",
        ));
    }
    Ok(())
}

/// `Last-Modified` from a stored RFC 3339 timestamp.
fn last_modified(t: &str) -> String {
    parse_rfc3339(t).map(http_date).unwrap_or_default()
}

/// Check a `content-md5` request header against the body's digest.
fn check_content_md5(headers: &HeaderMap, actual: &[u8; 16]) -> ApiResult<()> {
    let Some(given) = header(headers, "content-md5") else {
        return Ok(());
    };
    let decoded = B64
        .decode(given.trim())
        .ok()
        .filter(|d| d.len() == 16)
        .ok_or_else(|| {
            ApiError::invalid_parameter(format!(
                "content-md5 '{given}' is not a base64-encoded MD5 digest"
            ))
        })?;
    if decoded != actual {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "UnmatchedContentMD5",
            format!(
                "The computed MD5 of the request body ({}) does not match the content-md5 header ({given})",
                B64.encode(actual)
            ),
        ));
    }
    Ok(())
}

/// After a failed commit, delete the blob that was written for it (nothing refers to it).
async fn discard_on_error<T>(
    dir: &std::path::Path,
    blob: String,
    result: ApiResult<T>,
) -> ApiResult<T> {
    if result.is_err() {
        store::remove_blobs(dir, [blob]).await;
    }
    result
}

// ----------------------------------------------------------------------------- namespace

/// GetNamespace: `GET /n` → the namespace as a JSON string literal.
pub async fn get_namespace(State(state): State<AppState>) -> Json<String> {
    Json(state.identity().namespace.clone())
}

/// GetNamespaceMetadata: `GET /n/{ns}`.
pub async fn get_namespace_metadata(
    State(state): State<AppState>,
    Path(ns): Path<String>,
) -> ApiResult<Json<NamespaceMetadata>> {
    check_namespace(&state, &ns)?;
    let t = state.identity().tenancy_id.clone();
    Ok(Json(NamespaceMetadata {
        namespace: ns,
        default_s3_compartment_id: t.clone(),
        default_swift_compartment_id: t,
    }))
}

// ----------------------------------------------------------------------------- buckets

/// CreateBucket: `POST /n/{ns}/b`.
pub async fn create_bucket(
    State(state): State<AppState>,
    Path(ns): Path<String>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    check_namespace(&state, &ns)?;
    let d: CreateBucketDetails = parse_json(&body)?;
    validate_bucket_name(&d.name)?;
    let public_access_type = d
        .public_access_type
        .unwrap_or_else(|| "NoPublicAccess".to_owned());
    one_of(
        "publicAccessType",
        &public_access_type,
        &["NoPublicAccess", "ObjectRead", "ObjectReadWithoutList"],
    )?;
    let storage_tier = d.storage_tier.unwrap_or_else(|| "Standard".to_owned());
    one_of("storageTier", &storage_tier, &["Standard", "Archive"])?;
    let versioning = d.versioning.unwrap_or_else(|| "Disabled".to_owned());
    one_of("versioning", &versioning, &["Enabled", "Disabled"])?;
    let auto_tiering = d.auto_tiering.unwrap_or_else(|| "Disabled".to_owned());
    one_of(
        "autoTiering",
        &auto_tiering,
        &["Disabled", "InfrequentAccess"],
    )?;
    state.require_compartment(&d.compartment_id)?;
    state.idempotent("CreateBucket", &headers, &body, || {
        let bucket = Bucket {
            namespace: ns.clone(),
            name: d.name.clone(),
            compartment_id: d.compartment_id.clone(),
            metadata: d.metadata.clone().unwrap_or_default(),
            created_by: principal.user_id.clone(),
            time_created: rfc3339_millis(state.now()),
            etag: uuid::Uuid::new_v4().to_string(),
            public_access_type,
            storage_tier,
            object_events_enabled: d.object_events_enabled.unwrap_or(false),
            freeform_tags: d.freeform_tags.clone().unwrap_or_default(),
            defined_tags: d.defined_tags.clone().unwrap_or_default(),
            kms_key_id: d.kms_key_id.clone().filter(|k| !k.is_empty()),
            object_lifecycle_policy_etag: None,
            approximate_count: None,
            approximate_size: None,
            replication_enabled: false,
            is_read_only: false,
            id: state.new_ocid("bucket"),
            versioning,
            auto_tiering,
            object_level_audit_mode: "Disabled".to_owned(),
        };
        state.tx(|tx| store::insert_bucket(tx, &bucket))?;
        let mut h = with_etag(&bucket.etag);
        let location = format!(
            "https://objectstorage.{}.oraclecloud.com/n/{}/b/{}",
            state.identity().region,
            bucket.namespace,
            bucket.name
        );
        insert(&mut h, "location", &location);
        Ok((
            StoredResponse::json(StatusCode::OK, &h, &bucket)?,
            Some(bucket.id.clone()),
        ))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListBucketsQuery {
    compartment_id: Option<String>,
    limit: Option<i64>,
    page: Option<String>,
    fields: Option<String>,
}

/// ListBuckets: `GET /n/{ns}/b?compartmentId=...`.
pub async fn list_buckets(
    State(state): State<AppState>,
    Path(ns): Path<String>,
    OciQuery(q): OciQuery<ListBucketsQuery>,
) -> ApiResult<Response> {
    check_namespace(&state, &ns)?;
    let compartment_id = q
        .compartment_id
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ApiError::missing_parameter("compartmentId"))?;
    let with_tags = q
        .fields
        .as_deref()
        .is_some_and(|f| f.split(',').any(|x| x.trim().eq_ignore_ascii_case("tags")));
    let buckets = state.db(|c| store::list_buckets(c, &ns, &compartment_id))?;
    let (page, next) = paginate(buckets, q.limit, q.page.as_deref(), 1000)?;
    let items: Vec<BucketSummary> = page
        .into_iter()
        .map(|b| BucketSummary {
            namespace: b.namespace,
            name: b.name,
            compartment_id: b.compartment_id,
            created_by: b.created_by,
            time_created: b.time_created,
            etag: b.etag,
            freeform_tags: with_tags.then_some(b.freeform_tags),
            defined_tags: with_tags.then_some(b.defined_tags),
        })
        .collect();
    Ok((next_page_headers(next.as_deref()), Json(items)).into_response())
}

#[derive(Deserialize)]
pub struct FieldsQuery {
    fields: Option<String>,
}

/// 304 with the etag when `if-none-match` names the current etag.
fn not_modified(headers: &HeaderMap, etag: &str) -> Option<Response> {
    let given = header(headers, "if-none-match")?;
    etag_matches(given, etag).then(|| (StatusCode::NOT_MODIFIED, with_etag(etag)).into_response())
}

/// GetBucket: `GET /n/{ns}/b/{bucket}[?fields=approximateCount,approximateSize,autoTiering]`.
pub async fn get_bucket(
    State(state): State<AppState>,
    Path((ns, name)): Path<(String, String)>,
    OciQuery(q): OciQuery<FieldsQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    check_namespace(&state, &ns)?;
    let fields: Vec<String> = q
        .fields
        .unwrap_or_default()
        .split(',')
        .map(|f| f.trim().to_ascii_lowercase())
        .collect();
    let want_count = fields.iter().any(|f| f == "approximatecount");
    let want_size = fields.iter().any(|f| f == "approximatesize");
    let (mut bucket, usage) = state.db(|c| {
        let b = store::require_bucket(c, &ns, &name)?;
        let usage = if want_count || want_size {
            Some(store::bucket_usage(c, &ns, &name)?)
        } else {
            None
        };
        Ok((b, usage))
    })?;
    check_if_match(&headers, &bucket.etag)?;
    if let Some(resp) = not_modified(&headers, &bucket.etag) {
        return Ok(resp);
    }
    if let Some((count, size)) = usage {
        bucket.approximate_count = want_count.then_some(count);
        bucket.approximate_size = want_size.then_some(size);
    }
    let mut h = with_etag(&bucket.etag);
    insert(&mut h, "cache-control", "no-store");
    Ok((h, Json(bucket)).into_response())
}

/// HeadBucket: `HEAD /n/{ns}/b/{bucket}`.
pub async fn head_bucket(
    State(state): State<AppState>,
    Path((ns, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    check_namespace(&state, &ns)?;
    let bucket = state.db(|c| store::require_bucket(c, &ns, &name))?;
    check_if_match(&headers, &bucket.etag)?;
    if let Some(resp) = not_modified(&headers, &bucket.etag) {
        return Ok(resp);
    }
    Ok((StatusCode::OK, with_etag(&bucket.etag)).into_response())
}

/// UpdateBucket: `POST /n/{ns}/b/{bucket}` (a partial update; really a POST).
pub async fn update_bucket(
    State(state): State<AppState>,
    Path((ns, name)): Path<(String, String)>,
    headers: HeaderMap,
    OciJson(d): OciJson<UpdateBucketDetails>,
) -> ApiResult<Response> {
    check_namespace(&state, &ns)?;
    if let Some(n) = &d.namespace
        && !n.is_empty()
        && *n != ns
    {
        return Err(ApiError::invalid_parameter(format!(
            "namespace '{n}' does not match the namespace in the path '{ns}'"
        )));
    }
    if let Some(v) = &d.public_access_type {
        one_of(
            "publicAccessType",
            v,
            &["NoPublicAccess", "ObjectRead", "ObjectReadWithoutList"],
        )?;
    }
    if let Some(v) = &d.versioning {
        one_of("versioning", v, &["Enabled", "Suspended"])?;
    }
    if let Some(v) = &d.auto_tiering {
        one_of("autoTiering", v, &["Disabled", "InfrequentAccess"])?;
    }
    if let Some(n) = &d.name {
        validate_bucket_name(n)?;
    }
    if let Some(c) = &d.compartment_id {
        state.require_compartment(c)?;
    }
    let bucket = state.tx(|tx| {
        let mut b = store::require_bucket(tx, &ns, &name)?;
        check_if_match(&headers, &b.etag)?;
        if let Some(c) = d.compartment_id {
            b.compartment_id = c;
        }
        if let Some(n) = d.name {
            b.name = n;
        }
        if let Some(m) = d.metadata {
            b.metadata = m;
        }
        if let Some(v) = d.public_access_type {
            b.public_access_type = v;
        }
        if let Some(v) = d.object_events_enabled {
            b.object_events_enabled = v;
        }
        if let Some(v) = d.freeform_tags {
            b.freeform_tags = v;
        }
        if let Some(v) = d.defined_tags {
            b.defined_tags = v;
        }
        if let Some(k) = d.kms_key_id {
            // An empty string removes the key (oci-api.md §3.4 UpdateBucketDetails).
            b.kms_key_id = (!k.is_empty()).then_some(k);
        }
        if let Some(v) = d.versioning {
            if b.versioning == "Disabled" && v == "Suspended" {
                return Err(ApiError::invalid_parameter(
                    "versioning: a bucket whose versioning was never enabled cannot be Suspended",
                ));
            }
            b.versioning = v;
        }
        if let Some(v) = d.auto_tiering {
            b.auto_tiering = v;
        }
        b.etag = uuid::Uuid::new_v4().to_string();
        store::save_bucket(tx, &name, &b)?;
        Ok(b)
    })?;
    Ok((with_etag(&bucket.etag), Json(bucket)).into_response())
}

/// DeleteBucket: `DELETE /n/{ns}/b/{bucket}` → 204; 409 `BucketNotEmpty`.
pub async fn delete_bucket(
    State(state): State<AppState>,
    Path((ns, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    check_namespace(&state, &ns)?;
    let id = state.tx(|tx| {
        let b = store::require_bucket(tx, &ns, &name)?;
        check_if_match(&headers, &b.etag)?;
        store::delete_bucket(tx, &ns, &name)?;
        Ok(b.id)
    })?;
    state.invalidate_retry_tokens(&id)?;
    Ok(StatusCode::NO_CONTENT)
}

// ----------------------------------------------------------------------------- objects

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
    Path((ns, bucket)): Path<(String, String)>,
    OciQuery(q): OciQuery<ListObjectsQuery>,
) -> ApiResult<Json<ListObjects>> {
    check_namespace(&state, &ns)?;
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
    let mut h = with_etag(&o.etag);
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
        .unwrap_or_else(|| "application/octet-stream".to_owned());
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

/// Parse a single `bytes=` range against `size` → (start, end inclusive).
fn parse_range(value: &str, size: i64) -> ApiResult<Option<(i64, i64)>> {
    let invalid = || {
        ApiError::new(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "InvalidRange",
            format!("The range '{value}' is not satisfiable for an object of {size} bytes"),
        )
    };
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return Err(invalid());
    };
    if spec.contains(',') {
        return Err(ApiError::invalid_parameter(
            "range: only a single byte range is supported",
        ));
    }
    let (a, b) = spec.split_once('-').ok_or_else(invalid)?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", suffix) => {
            let n: i64 = suffix.parse().map_err(|_| invalid())?;
            if n == 0 {
                return Err(invalid());
            }
            ((size - n).max(0), size - 1)
        }
        (s, "") => (s.parse().map_err(|_| invalid())?, size - 1),
        (s, e) => {
            let s: i64 = s.parse().map_err(|_| invalid())?;
            let e: i64 = e.parse().map_err(|_| invalid())?;
            if e < s {
                return Err(invalid());
            }
            (s, e.min(size - 1))
        }
    };
    if start >= size || size == 0 {
        return Err(invalid());
    }
    Ok(Some((start, end)))
}

/// GetObject / HeadObject: `GET|HEAD /n/{ns}/b/{bucket}/o/{object}`.
pub async fn get_object(
    State(state): State<AppState>,
    Path((ns, bucket, object)): Path<(String, String, String)>,
    OciQuery(q): OciQuery<GetObjectQuery>,
    method: Method,
    headers: HeaderMap,
) -> ApiResult<Response> {
    check_namespace(&state, &ns)?;
    let o = state.db(|c| {
        store::require_bucket(c, &ns, &bucket)?;
        store::get_object(c, &ns, &bucket, &object)?
            .ok_or_else(|| store::object_not_found(&ns, &bucket, &object))
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
    if method == Method::HEAD {
        return Ok((status, h).into_response());
    }
    let mut file = tokio::fs::File::open(state.blob_dir().join(&o.blob)).await?;
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
        content_type: Some(
            get("content-type").unwrap_or_else(|| "application/octet-stream".to_owned()),
        ),
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

/// `if-match` / `if-none-match: *` against the current object (or its absence).
fn check_write_preconditions(headers: &HeaderMap, current: Option<&ObjectRow>) -> ApiResult<()> {
    if let Some(given) = header(headers, "if-none-match") {
        if given.trim() != "*" {
            return Err(ApiError::invalid_parameter(
                "if-none-match: only '*' is supported when writing an object",
            ));
        }
        if let Some(o) = current {
            return Err(ApiError::precondition_failed(
                "IfNoneMatchFailed",
                format!(
                    "The If-None-Match header is '*' but object '{}' already exists with entity tag '{}'",
                    o.name, o.etag
                ),
            ));
        }
    }
    if let Some(given) = header(headers, "if-match") {
        match current {
            Some(o) => check_if_match(headers, &o.etag)?,
            None => {
                return Err(ApiError::precondition_failed(
                    "IfMatchFailed",
                    format!("The If-Match header is '{given}' but the object does not exist"),
                ));
            }
        }
    }
    Ok(())
}

fn storage_tier_header(headers: &HeaderMap) -> ApiResult<String> {
    let tier = header(headers, "storage-tier")
        .unwrap_or("Standard")
        .to_owned();
    one_of(
        "storage-tier",
        &tier,
        &["Standard", "InfrequentAccess", "Archive"],
    )?;
    Ok(tier)
}

/// PutObject: `PUT /n/{ns}/b/{bucket}/o/{object}` — body streamed to disk, never buffered.
pub async fn put_object(
    State(state): State<AppState>,
    Path((ns, bucket, object)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    check_namespace(&state, &ns)?;
    validate_object_name(&object)?;
    let tier = storage_tier_header(&headers)?;
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
    let blob = store::write_blob(&dir, body).await?;
    discard_on_error(
        &dir,
        blob.name.clone(),
        check_content_md5(&headers, &blob.md5),
    )
    .await?;
    let (oh, metadata) = headers_and_metadata(&headers);
    let now = rfc3339_millis(state.now());
    let row = ObjectRow {
        namespace: ns.clone(),
        bucket: bucket.clone(),
        name: object.clone(),
        size: blob.size,
        md5: B64.encode(blob.md5),
        multipart_md5: None,
        etag: uuid::Uuid::new_v4().to_string(),
        version_id: uuid::Uuid::new_v4().to_string(),
        time_created: now.clone(),
        time_modified: now,
        storage_tier: tier,
        headers: oh,
        metadata,
        blob: blob.name.clone(),
    };
    let committed = state.tx(|tx| {
        store::require_bucket(tx, &ns, &bucket)?;
        let current = store::get_object(tx, &ns, &bucket, &object)?;
        check_write_preconditions(&headers, current.as_ref())?;
        store::upsert_object(tx, &row)
    });
    let replaced = discard_on_error(&dir, blob.name, committed).await?;
    store::remove_blobs(&dir, replaced).await;
    let mut h = with_etag(&row.etag);
    insert(&mut h, "last-modified", &last_modified(&row.time_modified));
    insert(&mut h, "opc-content-md5", &row.md5);
    insert(&mut h, "version-id", &row.version_id);
    Ok((StatusCode::OK, h).into_response())
}

/// DeleteObject: `DELETE /n/{ns}/b/{bucket}/o/{object}` → 204.
pub async fn delete_object(
    State(state): State<AppState>,
    Path((ns, bucket, object)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    check_namespace(&state, &ns)?;
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
    Path((ns, bucket)): Path<(String, String)>,
    OciJson(d): OciJson<RenameObjectDetails>,
) -> ApiResult<Response> {
    check_namespace(&state, &ns)?;
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
        store::delete_object(tx, &ns, &bucket, &d.source_name)?;
        let row = ObjectRow {
            name: d.new_name.clone(),
            time_modified: now.clone(),
            ..src
        };
        let replaced = store::upsert_object(tx, &row)?;
        Ok((row, replaced))
    })?;
    store::remove_blobs(&state.blob_dir(), replaced).await;
    let mut h = with_etag(&row.etag);
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
    Path((ns, bucket)): Path<(String, String)>,
    OciQuery(q): OciQuery<ListVersionsQuery>,
) -> ApiResult<Response> {
    check_namespace(&state, &ns)?;
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

// ----------------------------------------------------------------------------- retention rules

fn validate_retention(d: &RetentionRuleDetails) -> ApiResult<()> {
    if let Some(n) = &d.display_name
        && n.trim().is_empty()
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidRetentionRuleDetails",
            "displayName must not be empty",
        ));
    }
    if let Some(dur) = &d.duration {
        if dur.time_amount < 1 {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "InvalidRetentionRuleDetails",
                format!(
                    "duration.timeAmount must be positive, got {}",
                    dur.time_amount
                ),
            ));
        }
        if !["YEARS", "DAYS"].contains(&dur.time_unit.as_str()) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "InvalidRetentionRuleDetails",
                format!(
                    "duration.timeUnit '{}' is not one of YEARS, DAYS",
                    dur.time_unit
                ),
            ));
        }
    }
    if let Some(t) = &d.time_rule_locked
        && parse_rfc3339(t).is_none()
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidRetentionRuleDetails",
            format!("timeRuleLocked '{t}' is not an RFC 3339 timestamp"),
        ));
    }
    Ok(())
}

/// CreateRetentionRule: `POST /n/{ns}/b/{bucket}/retentionRules`.
pub async fn create_retention_rule(
    State(state): State<AppState>,
    Path((ns, bucket)): Path<(String, String)>,
    OciJson(d): OciJson<RetentionRuleDetails>,
) -> ApiResult<Response> {
    check_namespace(&state, &ns)?;
    validate_retention(&d)?;
    let now = rfc3339_millis(state.now());
    let id = uuid::Uuid::new_v4().to_string();
    let rule = RetentionRule {
        display_name: d
            .display_name
            .unwrap_or_else(|| format!("retention-rule-{}", &id[..8])),
        id,
        duration: d.duration,
        etag: uuid::Uuid::new_v4().to_string(),
        time_rule_locked: d.time_rule_locked,
        time_created: now.clone(),
        time_modified: now,
    };
    state.tx(|tx| {
        store::require_bucket(tx, &ns, &bucket)?;
        store::save_retention_rule(tx, &ns, &bucket, &rule)
    })?;
    Ok((with_etag(&rule.etag), Json(rule)).into_response())
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
    limit: Option<i64>,
}

/// ListRetentionRules: `GET /n/{ns}/b/{bucket}/retentionRules` → `{"items": [...]}`.
pub async fn list_retention_rules(
    State(state): State<AppState>,
    Path((ns, bucket)): Path<(String, String)>,
    OciQuery(q): OciQuery<PageQuery>,
) -> ApiResult<Response> {
    check_namespace(&state, &ns)?;
    let rules = state.db(|c| {
        store::require_bucket(c, &ns, &bucket)?;
        store::list_retention_rules(c, &ns, &bucket)
    })?;
    let (items, next) = paginate(rules, q.limit, q.page.as_deref(), 1000)?;
    Ok((
        next_page_headers(next.as_deref()),
        Json(RetentionRuleCollection { items }),
    )
        .into_response())
}

/// GetRetentionRule: `GET /n/{ns}/b/{bucket}/retentionRules/{id}`.
pub async fn get_retention_rule(
    State(state): State<AppState>,
    Path((ns, bucket, id)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    check_namespace(&state, &ns)?;
    let rule = state.db(|c| {
        store::require_bucket(c, &ns, &bucket)?;
        store::get_retention_rule(c, &ns, &bucket, &id)
    })?;
    Ok((with_etag(&rule.etag), Json(rule)).into_response())
}

/// A rule whose lock time has passed can no longer be changed or deleted.
fn check_not_locked(state: &AppState, rule: &RetentionRule) -> ApiResult<()> {
    if let Some(t) = rule.time_rule_locked.as_deref().and_then(parse_rfc3339)
        && t <= state.now()
    {
        return Err(ApiError::conflict(
            "Conflict",
            format!(
                "Retention rule '{}' is locked since {} and cannot be changed",
                rule.display_name,
                rfc3339_millis(t)
            ),
        ));
    }
    Ok(())
}

/// UpdateRetentionRule: `PUT /n/{ns}/b/{bucket}/retentionRules/{id}`.
pub async fn update_retention_rule(
    State(state): State<AppState>,
    Path((ns, bucket, id)): Path<(String, String, String)>,
    headers: HeaderMap,
    OciJson(d): OciJson<RetentionRuleDetails>,
) -> ApiResult<Response> {
    check_namespace(&state, &ns)?;
    validate_retention(&d)?;
    let rule = state.tx(|tx| {
        store::require_bucket(tx, &ns, &bucket)?;
        let mut rule = store::get_retention_rule(tx, &ns, &bucket, &id)?;
        check_if_match(&headers, &rule.etag)?;
        check_not_locked(&state, &rule)?;
        if let Some(n) = d.display_name {
            rule.display_name = n;
        }
        if let Some(dur) = d.duration {
            rule.duration = Some(dur);
        }
        if let Some(t) = d.time_rule_locked {
            rule.time_rule_locked = Some(t);
        }
        rule.etag = uuid::Uuid::new_v4().to_string();
        rule.time_modified = rfc3339_millis(state.now());
        store::save_retention_rule(tx, &ns, &bucket, &rule)?;
        Ok(rule)
    })?;
    Ok((with_etag(&rule.etag), Json(rule)).into_response())
}

/// DeleteRetentionRule: `DELETE /n/{ns}/b/{bucket}/retentionRules/{id}` → 204.
pub async fn delete_retention_rule(
    State(state): State<AppState>,
    Path((ns, bucket, id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    check_namespace(&state, &ns)?;
    state.tx(|tx| {
        store::require_bucket(tx, &ns, &bucket)?;
        let rule = store::get_retention_rule(tx, &ns, &bucket, &id)?;
        check_if_match(&headers, &rule.etag)?;
        check_not_locked(&state, &rule)?;
        store::delete_retention_rule(tx, &id)
    })?;
    Ok(StatusCode::NO_CONTENT)
}

// ----------------------------------------------------------------------------- multipart

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
    Path((ns, bucket)): Path<(String, String)>,
    headers: HeaderMap,
    OciJson(d): OciJson<CreateMultipartUploadDetails>,
) -> ApiResult<Response> {
    check_namespace(&state, &ns)?;
    validate_object_name(&d.object)?;
    let tier = d.storage_tier.unwrap_or_else(|| "Standard".to_owned());
    one_of(
        "storageTier",
        &tier,
        &["Standard", "InfrequentAccess", "Archive"],
    )?;
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
                    .unwrap_or_else(|| "application/octet-stream".to_owned()),
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
    Path((ns, bucket)): Path<(String, String)>,
    OciQuery(q): OciQuery<PageQuery>,
) -> ApiResult<Response> {
    check_namespace(&state, &ns)?;
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
    Path((ns, bucket, object)): Path<(String, String, String)>,
    OciQuery(q): OciQuery<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    check_namespace(&state, &ns)?;
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
    let blob = store::write_blob(&dir, body).await?;
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
    let mut h = with_etag(&part.etag);
    insert(&mut h, "opc-content-md5", &part.md5);
    Ok((StatusCode::OK, h).into_response())
}

/// ListMultipartUploadParts: `GET /n/{ns}/b/{bucket}/u/{object}?uploadId=..`.
pub async fn list_multipart_upload_parts(
    State(state): State<AppState>,
    Path((ns, bucket, object)): Path<(String, String, String)>,
    OciQuery(q): OciQuery<UploadQuery>,
) -> ApiResult<Response> {
    check_namespace(&state, &ns)?;
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
    Path((ns, bucket, object)): Path<(String, String, String)>,
    OciQuery(q): OciQuery<UploadQuery>,
    headers: HeaderMap,
    OciJson(d): OciJson<CommitMultipartUploadDetails>,
) -> ApiResult<Response> {
    check_namespace(&state, &ns)?;
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
    let mut h = with_etag(&row.etag);
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
    Path((ns, bucket, object)): Path<(String, String, String)>,
    OciQuery(q): OciQuery<UploadQuery>,
) -> ApiResult<StatusCode> {
    check_namespace(&state, &ns)?;
    let upload_id = q.upload_id()?;
    let blobs = state.tx(|tx| {
        store::require_bucket(tx, &ns, &bucket)?;
        store::require_upload(tx, &ns, &bucket, &object, upload_id)?;
        store::delete_upload(tx, upload_id)
    })?;
    store::remove_blobs(&state.blob_dir(), blobs).await;
    Ok(StatusCode::NO_CONTENT)
}

// ----------------------------------------------------------------------------- copy + work requests

/// CopyObject: `POST /n/{ns}/b/{bucket}/actions/copyObject` → 202 + `opc-work-request-id`.
/// Copies within this emulator's region only (it emulates one region); the copy is done before
/// the answer, so the work request is born COMPLETED (the official provider polls it).
pub async fn copy_object(
    State(state): State<AppState>,
    Path((ns, bucket)): Path<(String, String)>,
    OciJson(d): OciJson<CopyObjectDetails>,
) -> ApiResult<Response> {
    check_namespace(&state, &ns)?;
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
        one_of(
            "destinationObjectStorageTier",
            t,
            &["Standard", "InfrequentAccess", "Archive"],
        )?;
    }
    let (src, compartment_id) = state.db(|c| {
        let b = store::require_bucket(c, &ns, &bucket)?;
        store::require_bucket(c, &ns, &d.destination_bucket)?;
        let src = store::get_object(c, &ns, &bucket, &d.source_object_name)?
            .ok_or_else(|| store::object_not_found(&ns, &bucket, &d.source_object_name))?;
        Ok((src, b.compartment_id))
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
    let dir = state.blob_dir();
    let blob = store::copy_blob(&dir, &src.blob).await?;
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
        let replaced = store::upsert_object(tx, &row)?;
        store::insert_work_request(tx, &wr)?;
        Ok(replaced)
    });
    let replaced = discard_on_error(&dir, blob, committed).await?;
    store::remove_blobs(&dir, replaced).await;
    let mut h = HeaderMap::new();
    insert(&mut h, "opc-work-request-id", &wr.id);
    Ok((StatusCode::ACCEPTED, h).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListWorkRequestsQuery {
    compartment_id: Option<String>,
    page: Option<String>,
    limit: Option<i64>,
}

/// ListWorkRequests: `GET /workRequests?compartmentId=..` → `[WorkRequestSummary]`.
pub async fn list_work_requests(
    State(state): State<AppState>,
    OciQuery(q): OciQuery<ListWorkRequestsQuery>,
) -> ApiResult<Response> {
    let compartment_id = q
        .compartment_id
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ApiError::missing_parameter("compartmentId"))?;
    let all = state.db(|c| store::list_work_requests(c, &compartment_id))?;
    let (items, next) = paginate(all, q.limit, q.page.as_deref(), 1000)?;
    Ok((next_page_headers(next.as_deref()), Json(items)).into_response())
}

/// GetWorkRequest: `GET /workRequests/{id}`.
pub async fn get_work_request(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<WorkRequest>> {
    Ok(Json(state.db(|c| store::get_work_request(c, &id))?))
}

/// CancelWorkRequest: `DELETE /workRequests/{id}`; emulated copies finish at once, so there is
/// never anything left to cancel.
pub async fn cancel_work_request(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let wr = state.db(|c| store::get_work_request(c, &id))?;
    Err(ApiError::conflict(
        "Conflict",
        format!(
            "Work request '{}' is already {} and cannot be canceled",
            wr.id, wr.status
        ),
    ))
}

/// ListWorkRequestErrors: `GET /workRequests/{id}/errors` → `[]` (emulated copies do not fail).
pub async fn list_work_request_errors(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<serde_json::Value>>> {
    state.db(|c| store::get_work_request(c, &id))?;
    Ok(Json(Vec::new()))
}

/// ListWorkRequestLogs: `GET /workRequests/{id}/logs`.
pub async fn list_work_request_logs(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<serde_json::Value>>> {
    let wr = state.db(|c| store::get_work_request(c, &id))?;
    Ok(Json(vec![serde_json::json!({
        "message": format!("Copied to {}", wr.resources.first().map(|r| r.entity_uri.as_str()).unwrap_or("")),
        "timestamp": wr.time_finished,
    })]))
}
