//! Data Flow's part of the control API (`/_emulator/dataflow...`, unsigned, never logged),
//! merged into `crate::control`'s router:
//!
//! | call | effect |
//! |---|---|
//! | `GET /_emulator/dataflow` | the executor in use (`spark` or `simulated` and why), Spark version, master, limits, IAM mode |
//! | `PUT /_emulator/dataflow/iam` | `{"mode": "enforce" \| "soft" \| "off"}`: how denied run accesses are treated |
//! | `GET /_emulator/dataflow/iam/decisions[?run_id=..]` | every access decision made for runs: permission, bucket, allowed, enforced, allowing statement or why none |
//! | `POST /_emulator/dataflow/iam/explain` | `{"run_id", "permission", "bucket"}`: evaluate one access for that run's principal now, without recording it |
//! | `PUT /_emulator/dataflow/executor` | `{"minute_ms": N}`: how long one minute of `maxDurationInMinutes` lasts (tests shorten it) |

use super::executor::{self, authz};
use super::store;
use crate::error::{ApiError, ApiResult};
use crate::extract::{OciJson, OciQuery};
use crate::state::AppState;
use axum::extract::State;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/_emulator/dataflow", get(info))
        .route("/_emulator/dataflow/iam", put(set_iam).get(info))
        .route("/_emulator/dataflow/iam/decisions", get(decisions))
        .route("/_emulator/dataflow/iam/explain", post(explain))
        .route("/_emulator/dataflow/executor", put(set_executor))
}

async fn info(State(state): State<AppState>) -> Json<Value> {
    Json(executor::runtime(&state).info())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IamSetting {
    mode: String,
}

async fn set_iam(
    State(state): State<AppState>,
    OciJson(body): OciJson<IamSetting>,
) -> ApiResult<Json<Value>> {
    let mode = authz::IamMode::parse(&body.mode).ok_or_else(|| {
        ApiError::invalid_parameter(format!(
            "mode '{}' is not valid; expected enforce, soft or off",
            body.mode
        ))
    })?;
    let rt = executor::runtime(&state);
    rt.set_iam_mode(mode);
    Ok(Json(rt.info()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExecutorSetting {
    minute_ms: u64,
}

async fn set_executor(
    State(state): State<AppState>,
    OciJson(body): OciJson<ExecutorSetting>,
) -> ApiResult<Json<Value>> {
    if body.minute_ms == 0 || body.minute_ms > 3_600_000 {
        return Err(ApiError::invalid_parameter(
            "minute_ms must be between 1 and 3600000",
        ));
    }
    let rt = executor::runtime(&state);
    rt.set_minute_ms(body.minute_ms);
    Ok(Json(rt.info()))
}

#[derive(Deserialize)]
struct DecisionsQuery {
    run_id: Option<String>,
}

async fn decisions(
    State(state): State<AppState>,
    OciQuery(q): OciQuery<DecisionsQuery>,
) -> ApiResult<Json<Vec<authz::DecisionRecord>>> {
    Ok(Json(authz::decisions(&state, q.run_id.as_deref())?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Explain {
    run_id: String,
    permission: String,
    bucket: String,
    namespace: Option<String>,
}

/// Which statement allows the access, or why none does, for the run's principal right now.
async fn explain(
    State(state): State<AppState>,
    OciJson(body): OciJson<Explain>,
) -> ApiResult<Json<Value>> {
    if body.permission.len() > 64 || body.bucket.len() > 256 {
        return Err(ApiError::invalid_parameter(
            "permission or bucket is too long",
        ));
    }
    let run = store::get_run(&state, &body.run_id)?.run;
    let ns = body
        .namespace
        .unwrap_or_else(|| state.identity().namespace.clone());
    let permission = body.permission.to_ascii_uppercase();
    let access = authz::Access {
        permission: match permission.as_str() {
            "OBJECT_READ" => "OBJECT_READ",
            "OBJECT_INSPECT" => "OBJECT_INSPECT",
            "OBJECT_CREATE" => "OBJECT_CREATE",
            "OBJECT_OVERWRITE" => "OBJECT_OVERWRITE",
            "OBJECT_DELETE" => "OBJECT_DELETE",
            other => {
                return Err(ApiError::invalid_parameter(format!(
                    "permission '{other}' is not one a run needs; expected OBJECT_READ, OBJECT_INSPECT, OBJECT_CREATE, OBJECT_OVERWRITE or OBJECT_DELETE"
                )));
            }
        },
        namespace: &ns,
        bucket: &body.bucket,
        purpose: "explain",
    };
    let principal = authz::principal(&run);
    let Some(d) = authz::evaluate(&state, &principal, &access)? else {
        return Err(ApiError::not_found("bucket", &body.bucket));
    };
    Ok(Json(serde_json::json!({
        "run_id": run.id,
        "principal": {
            "resource_type": principal.resource_type,
            "id": principal.id,
            "compartment_id": principal.compartment_id,
        },
        "permission": access.permission,
        "namespace": ns,
        "bucket": body.bucket,
        "allowed": d.allowed,
        "matched_dynamic_groups": d.matched_dynamic_groups,
        "allowed_by": d.allowed_by.map(|(policy, index, statement)| serde_json::json!({
            "policy": policy, "statement_index": index, "statement": statement,
        })),
        "explanation": d.explanation,
        "mode": executor::runtime(&state).iam_mode().as_str(),
    })))
}
