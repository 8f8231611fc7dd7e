//! Work requests (of CopyObject), served at `/workRequests`: List/Get/Cancel, errors, logs.

use crate::error::{ApiError, ApiResult};
use crate::extract::OciQuery;
use crate::paging::{next_page_headers, paginate};
use crate::services::objectstorage::store;
use crate::services::objectstorage::wire::*;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

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
