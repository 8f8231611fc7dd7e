//! Layers every request goes through, outermost first:
//! 1. [`request_id`]: echo or mint `opc-request-id`, echo `opc-client-request-id` (all paths);
//! 2. [`oci`] (OCI paths only, not `/_emulator/`): classify service + operation, verify the
//!    signature (`auth`), apply fault rules, call the handler, log the request, strip bodies
//!    from HEAD responses.

pub mod auth;

use crate::control::CONTROL_PREFIX;
use crate::error::ApiError;
use crate::services;
use crate::services::identity::home::{RequestRegion, region_of_host};
use crate::state::{AppState, RequestRecord};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;

/// Response extension asking the server loop to close the connection without answering
/// (fault rules with `drop_connection`). In `oneshot` tests the marker is visible instead.
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

/// Request extension: the request id this response will carry.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

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

/// Auth, faults and the request log for OCI paths.
pub async fn oci(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if path.starts_with(CONTROL_PREFIX) {
        return next.run(req).await;
    }
    let method = req.method().clone();
    let region = request_region(&state, &req);
    req.extensions_mut().insert(RequestRegion(region.clone()));
    let (service, operation) = match services::classify(&method, &path) {
        Some((def, op)) => (def.name, op),
        None => ("unknown", None),
    };
    let resp = handle(&state, req, next, service, operation).await;
    state.record_request(RequestRecord {
        method: method.to_string(),
        path,
        service,
        operation,
        status: resp.status().as_u16(),
        region,
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

async fn handle(
    state: &AppState,
    req: Request,
    next: Next,
    service: &str,
    operation: Option<&str>,
) -> Response {
    let (mut req, principal) = if state.insecure_no_auth() {
        let id = state.identity();
        let p = auth::Principal {
            tenancy_id: id.tenancy_id.clone(),
            user_id: id.user_id.clone(),
        };
        (req, p)
    } else {
        match auth::authenticate(state, req, operation).await {
            Ok(ok) => ok,
            Err(e) => return e.into_response(),
        }
    };
    if let Some(rule) = state
        .faults()
        .take(service, operation, req.method().as_str())
    {
        if rule.latency_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(rule.latency_ms)).await;
        }
        if rule.drop_connection {
            let mut resp = ApiError::internal("connection dropped by a fault rule").into_response();
            resp.extensions_mut().insert(DropConnection);
            return resp;
        }
        if let Some(err) = rule.error() {
            return err.into_response();
        }
    }
    req.extensions_mut().insert(principal);
    next.run(req).await
}
