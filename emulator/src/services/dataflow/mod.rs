//! Placeholder for the dataflow service; its owner replaces this file (see services/mod.rs for
//! the `ServiceDef` contract and lib.rs for how state, DB, clock and lifecycle are reached).

use crate::error::ApiError;
use crate::services::ServiceDef;
use crate::state::AppState;
use axum::Router;
use axum::http::Method;
use serde_json::Value;

pub const SERVICE: ServiceDef = ServiceDef {
    name: "dataflow",
    prefix: "/20200129",
    schema: "",
    routes,
    operation,
    dump,
};

pub fn routes() -> Router<AppState> {
    Router::new()
}

fn operation(_method: &Method, _segments: &[&str]) -> Option<&'static str> {
    None
}

fn dump(_state: &AppState) -> Result<Vec<(&'static str, Value)>, ApiError> {
    Ok(Vec::new())
}
