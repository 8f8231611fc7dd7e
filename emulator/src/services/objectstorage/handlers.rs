//! One async fn per Object Storage operation.

use super::wire::NamespaceMetadata;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};

/// `404 NamespaceNotFound` unless `ns` is this emulator's namespace.
pub(super) fn check_namespace(state: &AppState, ns: &str) -> ApiResult<()> {
    if ns == state.identity().namespace {
        Ok(())
    } else {
        Err(ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "NamespaceNotFound",
            format!(
                "You do not have authorization to perform this request, or the requested resource could not be found (namespace '{ns}')."
            ),
        ))
    }
}

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
