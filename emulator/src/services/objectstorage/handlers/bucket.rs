//! Namespace and bucket operations: GetNamespace, GetNamespaceMetadata, CreateBucket,
//! ListBuckets, GetBucket, HeadBucket, UpdateBucket, DeleteBucket.

use super::common::{BucketPath, NamespacePath, not_modified};
use crate::clock::rfc3339_millis;
use crate::error::{ApiError, ApiResult};
use crate::extract::{OciJson, OciQuery, parse_json};
use crate::headers::{etag_headers, insert};
use crate::idempotency::StoredResponse;
use crate::paging::{next_page_headers, paginate};
use crate::request::Principal;
use crate::services::objectstorage::model::{self, check_if_match};
use crate::services::objectstorage::store;
use crate::services::objectstorage::wire::*;
use crate::state::AppState;
use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use rusqlite::Connection;
use serde::Deserialize;

/// GetNamespace: `GET /n` → the namespace as a JSON string literal.
pub async fn get_namespace(State(state): State<AppState>) -> Json<String> {
    Json(state.identity().namespace.clone())
}

/// GetNamespaceMetadata: `GET /n/{ns}`.
pub async fn get_namespace_metadata(
    State(state): State<AppState>,
    NamespacePath { ns }: NamespacePath,
) -> ApiResult<Json<NamespaceMetadata>> {
    let t = state.identity().tenancy_id.clone();
    Ok(Json(NamespaceMetadata {
        namespace: ns,
        default_s3_compartment_id: t.clone(),
        default_swift_compartment_id: t,
    }))
}

/// CreateBucket: `POST /n/{ns}/b`.
pub async fn create_bucket(
    State(state): State<AppState>,
    NamespacePath { ns }: NamespacePath,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let d: CreateBucketDetails = parse_json(&body)?;
    let model::BucketSettings {
        public_access_type,
        storage_tier,
        versioning,
        auto_tiering,
    } = model::create_bucket_settings(&d)?;
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
            defined_tags: {
                let mut tags = d.defined_tags.clone().unwrap_or_default();
                crate::tags::add_service_tags(
                    &mut tags,
                    &principal.user_id,
                    &rfc3339_millis(state.now()),
                );
                tags
            },
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
        let mut h = etag_headers(&bucket.etag);
        let location = format!(
            "https://objectstorage.{}.oraclecloud.com/n/{}/b/{}",
            state.identity().region,
            bucket.namespace,
            bucket.name
        );
        insert(&mut h, "location", &location);
        Ok(move |conn: &Connection| {
            store::insert_bucket(conn, &bucket)?;
            Ok((
                StoredResponse::json(StatusCode::OK, &h, &bucket)?,
                Some(bucket.id.clone()),
            ))
        })
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
    NamespacePath { ns }: NamespacePath,
    OciQuery(q): OciQuery<ListBucketsQuery>,
) -> ApiResult<Response> {
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

/// GetBucket: `GET /n/{ns}/b/{bucket}[?fields=approximateCount,approximateSize,autoTiering]`.
pub async fn get_bucket(
    State(state): State<AppState>,
    BucketPath { ns, bucket: name }: BucketPath,
    OciQuery(q): OciQuery<FieldsQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
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
    let mut h = etag_headers(&bucket.etag);
    insert(&mut h, "cache-control", "no-store");
    Ok((h, Json(bucket)).into_response())
}

/// HeadBucket: `HEAD /n/{ns}/b/{bucket}`.
pub async fn head_bucket(
    State(state): State<AppState>,
    BucketPath { ns, bucket: name }: BucketPath,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let bucket = state.db(|c| store::require_bucket(c, &ns, &name))?;
    check_if_match(&headers, &bucket.etag)?;
    if let Some(resp) = not_modified(&headers, &bucket.etag) {
        return Ok(resp);
    }
    Ok((StatusCode::OK, etag_headers(&bucket.etag)).into_response())
}

/// UpdateBucket: `POST /n/{ns}/b/{bucket}` (a partial update; really a POST).
pub async fn update_bucket(
    State(state): State<AppState>,
    BucketPath { ns, bucket: name }: BucketPath,
    headers: HeaderMap,
    OciJson(d): OciJson<UpdateBucketDetails>,
) -> ApiResult<Response> {
    model::check_bucket_update(&ns, &d)?;
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
            model::check_versioning_change(&b.versioning, &v)?;
            b.versioning = v;
        }
        if let Some(v) = d.auto_tiering {
            b.auto_tiering = v;
        }
        b.etag = uuid::Uuid::new_v4().to_string();
        store::save_bucket(tx, &name, &b)?;
        Ok(b)
    })?;
    Ok((etag_headers(&bucket.etag), Json(bucket)).into_response())
}

/// DeleteBucket: `DELETE /n/{ns}/b/{bucket}` → 204; 409 `BucketNotEmpty`.
pub async fn delete_bucket(
    State(state): State<AppState>,
    BucketPath { ns, bucket: name }: BucketPath,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let id = state.tx(|tx| {
        let b = store::require_bucket(tx, &ns, &name)?;
        check_if_match(&headers, &b.etag)?;
        store::delete_bucket(tx, &ns, &name)?;
        Ok(b.id)
    })?;
    state.invalidate_retry_tokens(&id)?;
    Ok(StatusCode::NO_CONTENT)
}
