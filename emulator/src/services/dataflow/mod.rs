//! Data Flow: `/20200129/...` — applications, runs and run logs (oci-api.md §3.1).

mod handlers;
mod logs;
mod objects;
pub mod store;
pub mod validate;
pub mod wire;

use crate::services::ServiceDef;
use crate::state::AppState;
use axum::Router;
use axum::http::Method;
use axum::routing::{get, post};

pub const SERVICE: ServiceDef = ServiceDef {
    name: "dataflow",
    prefix: "/20200129",
    schema: store::SCHEMA,
    routes,
    operation,
    dump: store::dump,
};

pub fn routes() -> Router<AppState> {
    use handlers as h;
    Router::new()
        .route(
            "/20200129/applications",
            get(h::list_applications).post(h::create_application),
        )
        .route(
            "/20200129/applications/{id}",
            get(h::get_application)
                .put(h::update_application)
                .delete(h::delete_application),
        )
        .route(
            "/20200129/applications/{id}/actions/changeCompartment",
            post(h::change_application_compartment),
        )
        .route(
            "/20200129/applications/{id}/actions/cascadingDeleteApplication",
            post(h::cascading_delete_application),
        )
        .route("/20200129/workRequests/{id}", get(h::get_work_request))
        .route(
            "/20200129/workRequests/{id}/errors",
            get(h::list_work_request_errors),
        )
        .route("/20200129/runs", get(h::list_runs).post(h::create_run))
        .route(
            "/20200129/runs/{id}",
            get(h::get_run).put(h::update_run).delete(h::delete_run),
        )
        .route(
            "/20200129/runs/{id}/actions/changeCompartment",
            post(h::change_run_compartment),
        )
        .route("/20200129/runs/{id}/logs", get(h::list_run_logs))
        .route("/20200129/runs/{id}/logs/{name}", get(h::get_run_log))
}

/// Operation names as in the OCI API reference.
fn operation(method: &Method, seg: &[&str]) -> Option<&'static str> {
    let m = method.as_str();
    Some(match (seg.first().copied()?, seg.len(), m) {
        ("applications", 1, "GET") => "ListApplications",
        ("applications", 1, "POST") => "CreateApplication",
        ("applications", 2, "GET") => "GetApplication",
        ("applications", 2, "PUT") => "UpdateApplication",
        ("applications", 2, "DELETE") => "DeleteApplication",
        ("applications", 4, "POST") if seg[3] == "changeCompartment" => {
            "ChangeApplicationCompartment"
        }
        ("applications", 4, "POST") if seg[3] == "cascadingDeleteApplication" => {
            "CascadingDeleteApplication"
        }
        ("workRequests", 2, "GET") => "GetWorkRequest",
        ("workRequests", 3, "GET") if seg[2] == "errors" => "ListWorkRequestErrors",
        ("runs", 1, "GET") => "ListRuns",
        ("runs", 1, "POST") => "CreateRun",
        ("runs", 2, "GET") => "GetRun",
        ("runs", 2, "PUT") => "UpdateRun",
        ("runs", 2, "DELETE") => "DeleteRun",
        ("runs", 4, "POST") if seg[3] == "changeCompartment" => "ChangeRunCompartment",
        ("runs", 3, "GET") if seg[2] == "logs" => "ListRunLogs",
        ("runs", 4, "GET") if seg[2] == "logs" => "GetRunLog",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_dataflow_paths() {
        let op = |m: Method, p: &str| crate::services::classify(&m, p).and_then(|(_, o)| o);
        assert_eq!(op(Method::POST, "/20200129/runs"), Some("CreateRun"));
        assert_eq!(
            op(Method::DELETE, "/20200129/runs/ocid1.dataflowrun.oc1.x.a"),
            Some("DeleteRun")
        );
        assert_eq!(
            op(Method::GET, "/20200129/runs/r/logs/spark.log.gz"),
            Some("GetRunLog")
        );
        assert_eq!(
            op(
                Method::POST,
                "/20200129/applications/a/actions/changeCompartment"
            ),
            Some("ChangeApplicationCompartment")
        );
        assert_eq!(op(Method::GET, "/20200129/pools"), None);
    }
}
