//! Layers every request goes through, outermost first:
//! 1. [`request_id`]: echo or mint `opc-request-id`, echo `opc-client-request-id` (all paths);
//! 2. [`oci`]: read every body that is not streamed (all but PutObject/UploadPart, control API
//!    included) into memory, bounded by `extract::MAX_JSON_BODY` (413 as soon as it is
//!    exceeded); then, for OCI paths only, classify service + operation with the
//!    [`Classifier`] `app()` built from the services' operation tables, verify the signature
//!    (`auth`), apply fault rules, call the handler, log the request, strip bodies from HEAD
//!    responses;
//! 2. [`catch_panic`]: a handler that panics (a bug) answers 500 `InternalServerError` instead
//!    of closing the connection unanswered; SQLite rolls back the transaction it was in;
//! 3. [`json_errors`]: an error answer that is not OCI JSON (axum's own extractor rejections:
//!    a `%FF` path segment, a malformed query) is rewritten as `{"code","message"}`.
//!
//! The facts these layers establish (request id, principal, operation) are request
//! extensions of the types in `crate::request`, which handlers read.

pub mod auth;

use crate::control::CONTROL_PREFIX;
use crate::error::ApiError;
use crate::extract::buffer_bounded;
use crate::request::{Operation, Principal, RequestId, RequestRegion, region_of_host};
use crate::service::Classifier;
use crate::state::{AppState, RequestRecord};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;
use std::sync::Arc;

/// Response extension asking the server loop to close the connection without answering
/// (fault rules with `drop_connection`). In `oneshot` tests the marker is visible instead.
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

fn mint_request_id() -> String {
    let n: u128 = rand::thread_rng().r#gen();
    format!("{n:032X}")
}

/// Echo (or mint) `opc-request-id`; echo `opc-client-request-id`.
pub async fn request_id(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("opc-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(mint_request_id);
    let client_id = req.headers().get("opc-client-request-id").cloned();
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut resp = next.run(req).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("opc-request-id", v);
    }
    if let Some(c) = client_id {
        resp.headers_mut().insert("opc-client-request-id", c);
    }
    resp
}

/// State of the [`oci`] layer: the emulator state and the classifier of every service.
#[derive(Clone)]
pub struct Oci {
    pub state: AppState,
    pub classifier: Arc<Classifier>,
}

/// Auth, faults and the request log for OCI paths.
pub async fn oci(State(oci): State<Oci>, mut req: Request, next: Next) -> Response {
    let state = oci.state;
    let path = req.uri().path().to_owned();
    if path.starts_with(CONTROL_PREFIX) {
        return match buffer_bounded(req).await {
            Ok(req) => next.run(req).await,
            Err(e) => e.into_response(),
        };
    }
    let method = req.method().clone();
    let region = request_region(&state, &req);
    req.extensions_mut().insert(RequestRegion(region.clone()));
    let op = oci.classifier.classify(&method, &path);
    req.extensions_mut().insert(op);
    let time = crate::clock::rfc3339_millis(state.now());
    let (resp, fault) = handle(&state, req, next, op).await;
    state.record_request(RequestRecord {
        method: method.to_string(),
        path,
        service: op.service,
        operation: op.operation,
        status: resp.status().as_u16(),
        region,
        time,
        fault,
    });
    if method == Method::HEAD {
        // HEAD answers never carry a body, errors included (oci-api.md §6.1).
        // The content-length of a successful HEAD describes the entity (HeadObject), so it is
        // kept; an error's content-length described the JSON that is not sent.
        let (mut parts, _) = resp.into_parts();
        if parts.status.is_client_error() || parts.status.is_server_error() {
            parts.headers.remove("content-length");
            parts.headers.remove("content-type");
        }
        return Response::from_parts(parts, Body::empty());
    }
    resp
}

/// The region a request is addressed to: named by its `Host` (OCI's per-region host names), or
/// the home region when the host names none (`127.0.0.1:PORT`).
fn request_region(state: &AppState, req: &Request) -> String {
    req.headers()
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().host())
        .and_then(region_of_host)
        .unwrap_or_else(|| state.identity().region.clone())
}

/// The response, and what a fault rule did to the request (for the request log).
async fn handle(
    state: &AppState,
    req: Request,
    next: Next,
    op: Operation,
) -> (Response, Option<String>) {
    // Before authentication, so that an unsigned flood of large bodies costs no more memory
    // than the limit; object bodies stream on untouched.
    let req = if op.body_unsigned {
        req
    } else {
        match buffer_bounded(req).await {
            Ok(req) => req,
            Err(e) => return (e.into_response(), None),
        }
    };
    let (mut req, principal) = if state.insecure_no_auth() {
        let id = state.identity();
        let p = Principal {
            tenancy_id: id.tenancy_id.clone(),
            user_id: id.user_id.clone(),
        };
        (req, p)
    } else {
        match auth::authenticate(state, req, op.body_unsigned).await {
            Ok(ok) => ok,
            Err(e) => return (e.into_response(), None),
        }
    };
    let faults = state
        .faults()
        .take(op.service, op.operation, req.method().as_str());
    let fault = faults.describe();
    if faults.latency_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(faults.latency_ms)).await;
    }
    let (before, after) = match faults.answer {
        Some(rule) if rule.after => (None, Some(rule)),
        other => (other, None),
    };
    if let Some(rule) = before {
        return (fault_answer(&rule), fault);
    }
    req.extensions_mut().insert(principal);
    let resp = next.run(req).await;
    if faults.after_latency_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(faults.after_latency_ms)).await;
    }
    match after {
        // The handler's work is done (and committed); only its answer is lost.
        Some(rule) => (fault_answer(&rule), fault),
        None => (resp, fault),
    }
}

/// The answer a firing fault rule gives: a closed connection or its error.
fn fault_answer(rule: &crate::faults::FaultRule) -> Response {
    if rule.drop_connection {
        let mut resp = ApiError::internal("connection dropped by a fault rule").into_response();
        resp.extensions_mut().insert(DropConnection);
        return resp;
    }
    rule.error()
        .unwrap_or_else(|| ApiError::internal("fault rule without an answer"))
        .into_response()
}

/// Largest non-JSON error body [`json_errors`] reads to quote it (axum's rejections are one line).
const MAX_QUOTED_ERROR: usize = 4096;

/// Every error answer in OCI's JSON shape: rewrite the ones that are not (axum's plain-text
/// extractor rejections) as `{"code","message"}` with the same status.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = match axum::body::to_bytes(body, MAX_QUOTED_ERROR).await {
        Ok(b) => String::from_utf8_lossy(&b).trim().to_owned(),
        Err(_) => String::new(),
    };
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_owned()
    } else {
        text
    };
    let mut out = ApiError::from_status(status, message).into_response();
    // Keep markers such as DropConnection.
    *out.extensions_mut() = parts.extensions;
    out
}

/// Turn a panic anywhere below into a JSON 500, so that a bug answers (with `opc-request-id`)
/// instead of leaving the client with a closed connection; the panicking request's open
/// transaction is rolled back by SQLite when its connection guard unwinds.
pub async fn catch_panic(req: Request, next: Next) -> Response {
    use futures::FutureExt;
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    match std::panic::AssertUnwindSafe(next.run(req))
        .catch_unwind()
        .await
    {
        Ok(resp) => resp,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            tracing::error!(%method, %path, panic = %what, "handler panicked");
            ApiError::internal(format!(
                "The emulator hit a bug handling {method} {path}: {what}"
            ))
            .into_response()
        }
    }
}
