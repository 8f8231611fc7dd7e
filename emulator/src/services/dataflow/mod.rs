//! Data Flow: `/20200129/...` — applications, runs and run logs (oci-api.md §3.1).

pub mod api;
pub mod catalog;
pub mod control;
pub mod exec_state;
pub mod executor;
mod handlers;
mod logs;
mod objects;
mod run;
pub mod store;
pub mod validate;
pub mod wire;

use crate::service::{ServiceDef, operations};

/// Data Flow's operation table: routes and request classification both come from it.
pub const SERVICE: ServiceDef = ServiceDef {
    name: "dataflow",
    prefixes: &["/20200129"],
    schema: store::SCHEMA,
    operations: {
        use handlers as h;
        operations![
            GET    "/20200129/applications" ListApplications => h::list_applications;
            POST   "/20200129/applications" CreateApplication => h::create_application;
            GET    "/20200129/applications/{id}" GetApplication => h::get_application;
            PUT    "/20200129/applications/{id}" UpdateApplication => h::update_application;
            DELETE "/20200129/applications/{id}" DeleteApplication => h::delete_application;
            POST   "/20200129/applications/{id}/actions/changeCompartment"
                ChangeApplicationCompartment => h::change_application_compartment;
            POST   "/20200129/applications/{id}/actions/cascadingDeleteApplication"
                CascadingDeleteApplication => h::cascading_delete_application;
            GET    "/20200129/workRequests/{id}" GetWorkRequest => h::get_work_request;
            GET    "/20200129/workRequests/{id}/errors" ListWorkRequestErrors => h::list_work_request_errors;
            GET    "/20200129/runs" ListRuns => h::list_runs;
            POST   "/20200129/runs" CreateRun => h::create_run;
            GET    "/20200129/runs/{id}" GetRun => h::get_run;
            PUT    "/20200129/runs/{id}" UpdateRun => h::update_run;
            DELETE "/20200129/runs/{id}" DeleteRun => h::delete_run;
            POST   "/20200129/runs/{id}/actions/changeCompartment" ChangeRunCompartment => h::change_run_compartment;
            GET    "/20200129/runs/{id}/logs" ListRunLogs => h::list_run_logs;
            GET    "/20200129/runs/{id}/logs/{name}" GetRunLog => h::get_run_log;
        ]
    },
    dump: store::dump,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::Classifier;
    use axum::http::Method;

    #[test]
    fn classifies_dataflow_paths() {
        let classifier = Classifier::new(&[SERVICE]);
        let op = |m: Method, p: &str| classifier.classify(&m, p).operation;
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
