//! The control API under `/_emulator/` (no signature; never an OCI path). Contract: "Control
//! API" in emulator/README.md.
//!
//! Unsigned, so it must not be reachable from a web page the user has open: a cross-site form
//! POST (`/_emulator/reset`, fault rules) carries an `Origin` naming the page, which
//! [`refuse_web_pages`] answers 403; tools (the CLI, curl, the harness) send no `Origin`. (The
//! `Host` is not checked here, unlike the console's: with `--allow-non-loopback` tools address
//! the emulator by a host name.)

use crate::compartments::NewCompartment;
use crate::error::{ApiError, ApiResult};
use crate::extract::OciJson;
use crate::faults::FaultRule;
use crate::services;
use crate::state::{AppState, MAX_LIFECYCLE_DELAY};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Every control path starts with this; OCI paths never do.
pub const CONTROL_PREFIX: &str = "/_emulator/";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/_emulator/reset", post(reset))
        .route("/_emulator/dump", get(dump))
        .route("/_emulator/requests", get(requests).delete(clear_requests))
        .route(
            "/_emulator/lifecycle",
            put(set_lifecycle).get(get_lifecycle),
        )
        .route(
            "/_emulator/faults",
            post(add_fault).get(list_faults).delete(clear_faults),
        )
        .route(
            "/_emulator/compartments",
            post(create_compartment).get(list_compartments),
        )
        .route("/_emulator/iam", put(set_iam).get(get_iam))
        .route("/_emulator/info", get(info))
        .merge(services::dataflow::control::routes())
        // Only the routes above: the console has its own guard (and its own headers).
        .layer(axum::middleware::from_fn(refuse_web_pages))
        .merge(crate::console::routes())
}

/// 403 for a request a web page made: an `Origin` that is not the emulator's own kind of
/// address (an IP literal or `localhost`); `null` (sandboxed frames, `file://`) is refused too.
async fn refuse_web_pages(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let Some(origin) = req.headers().get(axum::http::header::ORIGIN) else {
        return next.run(req).await;
    };
    let origin = String::from_utf8_lossy(origin.as_bytes()).into_owned();
    let allowed = origin.split_once("://").is_some_and(|(_, authority)| {
        crate::console::host_allowed(authority.trim_end_matches('/'))
    });
    if allowed {
        return next.run(req).await;
    }
    ApiError::new(
        StatusCode::FORBIDDEN,
        "NotAllowed",
        format!(
            "The control API does not answer requests made by a web page (Origin '{origin}'); call it from a tool as http://127.0.0.1:PORT{CONTROL_PREFIX}..."
        ),
    )
    .into_response()
}

async fn reset(State(state): State<AppState>) -> ApiResult<StatusCode> {
    state.reset()?;
    Ok(StatusCode::NO_CONTENT)
}

/// The keys every dump has, even when a service contributes nothing.
const DUMP_KEYS: &[&str] = &[
    "buckets",
    "objects",
    "multipart_uploads",
    "dynamic_groups",
    "policies",
    "applications",
    "runs",
    "compartments",
];

async fn dump(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let mut out = Map::new();
    for key in DUMP_KEYS {
        out.insert((*key).to_owned(), Value::Array(Vec::new()));
    }
    for def in services::ALL {
        for (key, value) in (def.dump)(&state)? {
            out.insert(key.to_owned(), value);
        }
    }
    out.insert(
        "compartments".to_owned(),
        serde_json::to_value(state.all_compartments()?)?,
    );
    Ok(Json(Value::Object(out)))
}

async fn requests(State(state): State<AppState>) -> impl IntoResponse {
    Json(state.requests())
}

async fn clear_requests(State(state): State<AppState>) -> StatusCode {
    state.clear_requests();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Lifecycle {
    /// Taken as any JSON value so that every wrong spelling (`1e15`, `-1`, `"100"`) gets the
    /// same message naming the field and the range.
    delay_ms: Value,
}

async fn set_lifecycle(
    State(state): State<AppState>,
    OciJson(body): OciJson<Lifecycle>,
) -> ApiResult<Json<Value>> {
    let max = MAX_LIFECYCLE_DELAY.whole_milliseconds();
    let ms = body
        .delay_ms
        .as_u64()
        .filter(|ms| i128::from(*ms) <= max)
        .ok_or_else(|| {
            ApiError::invalid_parameter(format!(
                "delay_ms must be a whole number of milliseconds from 0 to {max}, got {}",
                body.delay_ms
            ))
        })?;
    // Validated before anything is stored, so a refused value leaves the delay in effect.
    state.set_lifecycle_delay(time::Duration::milliseconds(ms as i64));
    Ok(Json(serde_json::json!({ "delay_ms": ms })))
}

async fn get_lifecycle(State(state): State<AppState>) -> Json<Value> {
    Json(serde_json::json!({ "delay_ms": state.lifecycle_delay().whole_milliseconds() as u64 }))
}

async fn set_iam(
    State(state): State<AppState>,
    OciJson(body): OciJson<crate::consistency::IamSettings>,
) -> Json<crate::consistency::IamSettings> {
    state.consistency().set(body);
    Json(body)
}

async fn get_iam(State(state): State<AppState>) -> Json<crate::consistency::IamSettings> {
    Json(state.consistency().settings())
}

async fn add_fault(
    State(state): State<AppState>,
    OciJson(rule): OciJson<FaultRule>,
) -> ApiResult<(StatusCode, Json<FaultRule>)> {
    rule.validate()?;
    state.faults().add(rule.clone());
    Ok((StatusCode::CREATED, Json(rule)))
}

async fn list_faults(State(state): State<AppState>) -> Json<Vec<FaultRule>> {
    Json(state.faults().list())
}

async fn clear_faults(State(state): State<AppState>) -> StatusCode {
    state.faults().clear();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ControlCompartment {
    name: String,
    #[serde(default)]
    parent_id: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

async fn create_compartment(
    State(state): State<AppState>,
    OciJson(body): OciJson<ControlCompartment>,
) -> ApiResult<Json<Value>> {
    let parent_id = body
        .parent_id
        .unwrap_or_else(|| state.identity().tenancy_id.clone());
    let c = state.create_compartment(NewCompartment {
        parent_id,
        description: body
            .description
            .unwrap_or_else(|| format!("Compartment {}", body.name)),
        name: body.name,
        ..Default::default()
    })?;
    Ok(Json(serde_json::to_value(c)?))
}

async fn list_compartments(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    Ok(Json(serde_json::to_value(state.all_compartments()?)?))
}

/// The same JSON `serve --json` prints first, minus the pid.
async fn info(State(state): State<AppState>) -> Json<Value> {
    let id = state.identity();
    Json(serde_json::json!({
        "config_file": id.config_file,
        "profile": "EMULATOR",
        "region": id.region,
        "namespace": id.namespace,
        "tenancy_id": id.tenancy_id,
        "user_id": id.user_id,
        "fingerprint": id.fingerprint,
        "key_file": id.key_file,
    }))
}
