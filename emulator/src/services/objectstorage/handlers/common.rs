//! What the Object Storage handlers share: path extractors that check the namespace (and
//! name the bucket), and small response helpers.

use crate::clock::{http_date, parse_rfc3339};
use crate::error::{ApiError, ApiResult};
use crate::headers::{etag_headers, etag_matches, header};
use crate::services::objectstorage::store;
use crate::state::AppState;
use axum::extract::{FromRequestParts, Path};
use axum::http::StatusCode;
use axum::http::{HeaderMap, request::Parts};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// `404 NamespaceNotFound` unless `ns` is this emulator's namespace.
pub fn check_namespace(state: &AppState, ns: &str) -> ApiResult<()> {
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

/// `/n/{ns}`: the namespace, checked to be this emulator's (404 `NamespaceNotFound`).
#[derive(Deserialize)]
pub struct NamespacePath {
    pub ns: String,
}

/// `/n/{ns}/b/{bucket}/...`: the namespace checked, the bucket named. Whether the bucket exists
/// is checked by the handler (`store::require_bucket`) inside its transaction, so that the
/// check and the change are atomic.
#[derive(Deserialize)]
pub struct BucketPath {
    pub ns: String,
    pub bucket: String,
}

/// `/n/{ns}/b/{bucket}/o/{object}` (and `/u/{object}`): a [`BucketPath`] plus the object name.
#[derive(Deserialize)]
pub struct ObjectPath {
    pub ns: String,
    pub bucket: String,
    pub object: String,
}

/// `/n/{ns}/b/{bucket}/retentionRules/{id}`: a [`BucketPath`] plus the rule id.
#[derive(Deserialize)]
pub struct RulePath {
    pub ns: String,
    pub bucket: String,
    pub id: String,
}

/// Each path type is its route's named parameters (a rejection becomes OCI's 400), extracted
/// only once the namespace is checked.
macro_rules! namespace_checked {
    ($($path:ident),*) => {$(
        impl FromRequestParts<AppState> for $path {
            type Rejection = ApiError;

            async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
                let Path(p) = Path::<$path>::from_request_parts(parts, state)
                    .await
                    .map_err(|e| ApiError::invalid_parameter(e.body_text()))?;
                check_namespace(state, &p.ns)?;
                Ok(p)
            }
        }
    )*};
}
namespace_checked!(NamespacePath, BucketPath, ObjectPath, RulePath);

/// Paging of the list operations that have nothing else to filter by.
#[derive(Deserialize)]
pub struct PageQuery {
    pub page: Option<String>,
    pub limit: Option<i64>,
}

/// `Last-Modified` from a stored RFC 3339 timestamp.
pub fn last_modified(t: &str) -> String {
    parse_rfc3339(t).map(http_date).unwrap_or_default()
}

/// 304 with the etag when `if-none-match` names the current etag.
pub fn not_modified(headers: &HeaderMap, etag: &str) -> Option<Response> {
    let given = header(headers, "if-none-match")?;
    etag_matches(given, etag)
        .then(|| (StatusCode::NOT_MODIFIED, etag_headers(etag)).into_response())
}

/// After a failed commit, delete the blob that was written for it (nothing refers to it).
pub async fn discard_on_error<T>(
    dir: &std::path::Path,
    blob: String,
    result: ApiResult<T>,
) -> ApiResult<T> {
    if result.is_err() {
        store::remove_blobs(dir, [blob]).await;
    }
    result
}
