//! One async fn per Data Flow operation (oci-api.md §3.1).

use super::executor;
use super::store::{self, Outcome, StoredApp, StoredRun};
use super::validate::{self, AppSpec, Invalid, OciUri};
use super::wire::{
    Application, ApplicationDetails, ApplicationSummary, ChangeCompartmentDetails,
    CreateRunDetails, Run, RunSummary, SparkSettings, UpdateRunDetails,
};
use crate::clock::{parse_rfc3339, rfc3339_millis};
use crate::error::{ApiError, ApiResult};
use crate::extract::{OciJson, OciQuery, parse_json};
use crate::headers::{etag_headers, if_match, json_with_etag};
use crate::idempotency::StoredResponse;
use crate::paging::{next_page_headers, paginate};
use crate::request::{Principal, RequestId};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use bytes::Bytes;
use rusqlite::Connection;
use serde::Deserialize;
use std::cmp::Ordering;

const MAX_PAGE: usize = 1000;
/// `ownerUserName` of everything the bootstrapped user creates.
const OWNER_USER_NAME: &str = "emulator-user";

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        ApiError::invalid_parameter(e.0)
    }
}

fn required<'a>(field: &str, v: Option<&'a str>) -> ApiResult<&'a str> {
    match v {
        Some(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(ApiError::invalid_parameter(format!(
            "{field} may not be null or empty"
        ))),
    }
}

/// Query parameters of ListApplications / ListRuns.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    compartment_id: Option<String>,
    limit: Option<i64>,
    page: Option<String>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    display_name: Option<String>,
    display_name_starts_with: Option<String>,
    owner_principal_id: Option<String>,
    spark_version: Option<String>,
    application_id: Option<String>,
    pool_id: Option<String>,
    lifecycle_state: Option<String>,
    time_created_greater_than: Option<String>,
}

/// The SDK documents that at most one filter besides `compartmentId` may be given.
fn one_filter(names: &[(&str, bool)]) -> ApiResult<()> {
    let given: Vec<&str> = names
        .iter()
        .filter(|(_, set)| *set)
        .map(|(n, _)| *n)
        .collect();
    if given.len() > 1 {
        return Err(ApiError::invalid_parameter(format!(
            "Only one filter may be used besides compartmentId; got {}",
            given.join(", ")
        )));
    }
    Ok(())
}

fn descending(q: &ListQuery) -> ApiResult<bool> {
    match q.sort_order.as_deref() {
        None => Ok(true),
        Some(o) if o.eq_ignore_ascii_case("ASC") => Ok(false),
        Some(o) if o.eq_ignore_ascii_case("DESC") => Ok(true),
        Some(o) => Err(ApiError::invalid_parameter(format!(
            "sortOrder '{o}' is not valid; expected ASC or DESC"
        ))),
    }
}

fn page_response<T: serde::Serialize>(items: Vec<T>, q: &ListQuery) -> ApiResult<Response> {
    let (page, next) = paginate(items, q.limit, q.page.as_deref(), MAX_PAGE)?;
    Ok((
        StatusCode::OK,
        next_page_headers(next.as_deref()),
        Json(page),
    )
        .into_response())
}

/// Parse a request body; when a field has the wrong type, say which one. (The request structs
/// flatten their shared settings, and serde's flatten loses the field name from its errors, so
/// the culprit is found by parsing each top-level field on its own.)
fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    parse_json(body).map_err(|e| {
        let Ok(serde_json::Value::Object(fields)) =
            serde_json::from_slice::<serde_json::Value>(body)
        else {
            return e;
        };
        fields
            .into_iter()
            .find_map(|(k, v)| {
                let one = serde_json::Value::Object([(k.clone(), v)].into_iter().collect());
                serde_json::from_value::<T>(one).err().map(|err| {
                    ApiError::invalid_parameter(format!("Invalid request body: {k}: {err}"))
                })
            })
            .unwrap_or(e)
    })
}

// ------------------------------------------------------------------------------------------------
// Applications

fn check_compartment(state: &AppState, id: &str) -> ApiResult<()> {
    state.require_compartment(id)
}

fn app_spec(a: &Application) -> AppSpec<'_> {
    AppSpec {
        display_name: &a.display_name,
        language: &a.language,
        kind: &a.kind,
        spark_version: &a.spark_version,
        driver_shape: &a.driver_shape,
        driver_shape_config: a.driver_shape_config.as_ref(),
        executor_shape: &a.executor_shape,
        executor_shape_config: a.executor_shape_config.as_ref(),
        num_executors: a.num_executors,
        file_uri: Some(&a.file_uri),
        class_name: a.class_name.as_deref(),
        execute: a.execute.as_deref(),
        arguments: &a.arguments,
        parameters: &a.parameters,
    }
}

/// The file named by an `execute` string: its first `oci://` token.
fn file_from_execute(execute: &str) -> Option<&str> {
    execute.split_whitespace().find(|t| t.starts_with("oci://"))
}

/// Apply the optional settings of a create/update request onto an application.
fn apply_settings(a: &mut Application, s: SparkSettings) {
    macro_rules! set {
        ($($field:ident),*) => { $( if let Some(v) = s.$field { a.$field = v; } )* };
    }
    macro_rules! set_opt {
        ($($field:ident),*) => { $( if s.$field.is_some() { a.$field = s.$field; } )* };
    }
    set!(
        display_name,
        driver_shape,
        executor_shape,
        num_executors,
        spark_version,
        arguments,
        configuration,
        parameters,
        freeform_tags,
        defined_tags
    );
    set_opt!(
        archive_uri,
        application_log_config,
        driver_shape_config,
        execute,
        executor_shape_config,
        logs_bucket_uri,
        metastore_id,
        pool_id,
        warehouse_bucket_uri,
        max_duration_in_minutes,
        idle_timeout_in_minutes
    );
}

/// An ACTIVE application owned by the caller with every optional setting unset; create paths
/// fill it from the request and then validate the whole.
fn new_application(state: &AppState, principal: &Principal, compartment_id: &str) -> Application {
    let now = rfc3339_millis(state.now());
    Application {
        id: state.new_ocid("dataflowapplication"),
        compartment_id: compartment_id.to_owned(),
        display_name: String::new(),
        driver_shape: String::new(),
        executor_shape: String::new(),
        file_uri: String::new(),
        language: String::new(),
        lifecycle_state: "ACTIVE".to_owned(),
        num_executors: 0,
        owner_principal_id: principal.user_id.clone(),
        spark_version: String::new(),
        time_created: now.clone(),
        time_updated: now,
        owner_user_name: Some(OWNER_USER_NAME.to_owned()),
        description: None,
        kind: "BATCH".to_owned(),
        class_name: None,
        archive_uri: None,
        arguments: Vec::new(),
        application_log_config: None,
        configuration: Default::default(),
        driver_shape_config: None,
        execute: None,
        executor_shape_config: None,
        logs_bucket_uri: None,
        metastore_id: None,
        parameters: Vec::new(),
        pool_id: None,
        private_endpoint_id: None,
        warehouse_bucket_uri: None,
        max_duration_in_minutes: None,
        idle_timeout_in_minutes: None,
        freeform_tags: Default::default(),
        defined_tags: Default::default(),
    }
}

/// CreateApplication: `POST /20200129/applications`.
pub async fn create_application(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    state.idempotent("CreateApplication", &headers, &body, || {
        let d: ApplicationDetails = parse_body(&body)?;
        validate::create_application_required(
            d.compartment_id.as_deref(),
            &d.spark,
            d.language.as_deref(),
        )?;
        let compartment_id = d.compartment_id.clone().unwrap_or_default();
        let mut app = new_application(&state, &principal, &compartment_id);
        app.file_uri = d.file_uri.clone().unwrap_or_default();
        app.language = d.language.clone().unwrap_or_default();
        app.description = d.description.clone();
        app.kind = d.kind.clone().unwrap_or_else(|| "BATCH".to_owned());
        app.class_name = d.class_name.clone();
        app.private_endpoint_id = d.private_endpoint_id.clone();
        apply_settings(&mut app, d.spark);
        if app.file_uri.is_empty()
            && let Some(f) = app.execute.as_deref().and_then(file_from_execute)
        {
            app.file_uri = f.to_owned();
        }
        validate::app_spec(&app_spec(&app))?;
        check_compartment(&state, &compartment_id)?;
        Ok(move |conn: &Connection| {
            let stored = store::insert_app(conn, &app)?;
            let id = stored.app.id.clone();
            Ok((
                StoredResponse::json(StatusCode::OK, &etag_headers(&stored.etag), &stored.app)?,
                Some(id),
            ))
        })
    })
}

/// GetApplication: `GET /20200129/applications/{id}`.
pub async fn get_application(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let StoredApp { app, etag } = store::get_app(&state, &id)?;
    Ok(json_with_etag(&etag, &app))
}

/// ListApplications: `GET /20200129/applications?compartmentId=...`. DELETED applications are
/// not listed.
pub async fn list_applications(
    State(state): State<AppState>,
    OciQuery(q): OciQuery<ListQuery>,
) -> ApiResult<Response> {
    let compartment_id = required("compartmentId", q.compartment_id.as_deref())?;
    check_compartment(&state, compartment_id)?;
    one_filter(&[
        ("displayName", q.display_name.is_some()),
        (
            "displayNameStartsWith",
            q.display_name_starts_with.is_some(),
        ),
        ("ownerPrincipalId", q.owner_principal_id.is_some()),
        ("sparkVersion", q.spark_version.is_some()),
    ])?;
    let desc = descending(&q)?;
    let mut apps: Vec<Application> = store::list_apps(&state, Some(compartment_id))?
        .into_iter()
        .map(|s| s.app)
        .filter(|a| a.lifecycle_state != "DELETED")
        .filter(|a| {
            q.display_name
                .as_deref()
                .is_none_or(|n| a.display_name == n)
        })
        .filter(|a| {
            q.display_name_starts_with
                .as_deref()
                .is_none_or(|n| a.display_name.starts_with(n))
        })
        .filter(|a| {
            q.owner_principal_id
                .as_deref()
                .is_none_or(|n| a.owner_principal_id == n)
        })
        .filter(|a| {
            q.spark_version
                .as_deref()
                .is_none_or(|n| a.spark_version == n)
        })
        .collect();
    let key: fn(&Application, &Application) -> Ordering =
        match q.sort_by.as_deref().unwrap_or("timeCreated") {
            "timeCreated" => |a, b| a.time_created.cmp(&b.time_created),
            "displayName" => |a, b| a.display_name.cmp(&b.display_name),
            "language" => |a, b| a.language.cmp(&b.language),
            other => {
                return Err(ApiError::invalid_parameter(format!(
                    "sortBy '{other}' is not valid; expected timeCreated, displayName or language"
                )));
            }
        };
    apps.sort_by(|a, b| if desc { key(b, a) } else { key(a, b) });
    let summaries: Vec<ApplicationSummary> = apps.iter().map(ApplicationSummary::from).collect();
    page_response(summaries, &q)
}

/// UpdateApplication: `PUT /20200129/applications/{id}`. No `compartmentId` (use
/// changeCompartment) and no `type` (fixed at create).
pub async fn update_application(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let d: ApplicationDetails = parse_body(&body)?;
    if d.compartment_id.is_some() {
        return Err(ApiError::invalid_parameter(
            "compartmentId cannot be changed by UpdateApplication; use ChangeApplicationCompartment",
        ));
    }
    if d.kind.is_some() {
        return Err(ApiError::invalid_parameter(
            "type cannot be changed after an application is created",
        ));
    }
    validate::settings_fields(&d.spark)?;
    let stored = store::update_app(&state, &id, if_match(&headers), |app| {
        if let Some(v) = d.file_uri {
            app.file_uri = v;
        }
        if let Some(v) = d.language {
            app.language = v;
        }
        if d.class_name.is_some() {
            app.class_name = d.class_name;
        }
        if d.description.is_some() {
            app.description = d.description;
        }
        if d.private_endpoint_id.is_some() {
            app.private_endpoint_id = d.private_endpoint_id;
        }
        apply_settings(app, d.spark);
        validate::app_spec(&app_spec(app))?;
        Ok(())
    })?;
    Ok(json_with_etag(&stored.etag, &stored.app))
}

/// DeleteApplication: `DELETE /20200129/applications/{id}` → 204; DELETING → DELETED.
pub async fn delete_application(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    store::delete_app(&state, &id, if_match(&headers))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The answer of a compartment move: 200 with no body (the write is already committed).
fn moved(_: &Connection) -> ApiResult<(StoredResponse, Option<String>)> {
    Ok((
        StoredResponse {
            status: StatusCode::OK,
            headers: Vec::new(),
            body: Vec::new(),
        },
        None,
    ))
}

/// ChangeApplicationCompartment: `POST /20200129/applications/{id}/actions/changeCompartment`.
pub async fn change_application_compartment(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    state.idempotent("ChangeApplicationCompartment", &headers, &body, || {
        let d: ChangeCompartmentDetails = parse_json(&body)?;
        let target = required("compartmentId", d.compartment_id.as_deref())?.to_owned();
        check_compartment(&state, &target)?;
        // Not a create: the move commits on its own (a replayed move to the same compartment
        // changes nothing), only the answer is recorded with the token.
        store::update_app(&state, &id, if_match(&headers), |app| {
            app.compartment_id = target;
            Ok(())
        })?;
        Ok(moved)
    })
}

// ------------------------------------------------------------------------------------------------
// Runs

/// Build the run from its request and its application: every run-level setting overrides the
/// application's; parameters merge by name and configuration by key.
fn build_run(
    state: &AppState,
    principal: &Principal,
    request_id: &str,
    d: CreateRunDetails,
    app: &Application,
) -> Run {
    let s = d.spark;
    let mut configuration = app.configuration.clone();
    configuration.extend(s.configuration.unwrap_or_default());
    let parameters = store::merge_parameters(&app.parameters, s.parameters.as_deref());
    let driver_shape = s.driver_shape.unwrap_or_else(|| app.driver_shape.clone());
    let driver_shape_config = s
        .driver_shape_config
        .or_else(|| app.driver_shape_config.clone());
    let executor_shape = s
        .executor_shape
        .unwrap_or_else(|| app.executor_shape.clone());
    let executor_shape_config = s
        .executor_shape_config
        .or_else(|| app.executor_shape_config.clone());
    let num_executors = s.num_executors.unwrap_or(app.num_executors);
    let total_o_cpu = validate::shape_ocpus(&driver_shape, driver_shape_config.as_ref())
        + num_executors * validate::shape_ocpus(&executor_shape, executor_shape_config.as_ref());
    let now = rfc3339_millis(state.now());
    Run {
        id: state.new_ocid("dataflowrun"),
        application_id: app.id.clone(),
        compartment_id: d.compartment_id.unwrap_or_default(),
        display_name: s.display_name.unwrap_or_else(|| app.display_name.clone()),
        driver_shape,
        executor_shape,
        file_uri: app.file_uri.clone(),
        language: app.language.clone(),
        lifecycle_state: "ACCEPTED".to_owned(),
        lifecycle_details: None,
        num_executors,
        spark_version: s.spark_version.unwrap_or_else(|| app.spark_version.clone()),
        time_created: now.clone(),
        time_updated: now,
        kind: d.kind.unwrap_or_else(|| app.kind.clone()),
        owner_principal_id: principal.user_id.clone(),
        owner_user_name: Some(OWNER_USER_NAME.to_owned()),
        opc_request_id: Some(request_id.to_owned()),
        class_name: app.class_name.clone(),
        archive_uri: s.archive_uri.or_else(|| app.archive_uri.clone()),
        arguments: s.arguments.unwrap_or_else(|| app.arguments.clone()),
        application_log_config: s
            .application_log_config
            .or_else(|| app.application_log_config.clone()),
        configuration,
        driver_shape_config,
        execute: s.execute.or_else(|| app.execute.clone()),
        executor_shape_config,
        logs_bucket_uri: s.logs_bucket_uri.or_else(|| app.logs_bucket_uri.clone()),
        metastore_id: s.metastore_id.or_else(|| app.metastore_id.clone()),
        parameters,
        pool_id: s.pool_id.or_else(|| app.pool_id.clone()),
        private_endpoint_id: app.private_endpoint_id.clone(),
        warehouse_bucket_uri: s
            .warehouse_bucket_uri
            .or_else(|| app.warehouse_bucket_uri.clone()),
        max_duration_in_minutes: s.max_duration_in_minutes.or(app.max_duration_in_minutes),
        idle_timeout_in_minutes: s.idle_timeout_in_minutes.or(app.idle_timeout_in_minutes),
        data_read_in_bytes: 0,
        data_written_in_bytes: 0,
        run_duration_in_milliseconds: 0,
        total_o_cpu,
        freeform_tags: s.freeform_tags.unwrap_or_default(),
        defined_tags: s.defined_tags.unwrap_or_default(),
    }
}

/// The application a run without `applicationId` runs: OCI creates one implicitly from
/// `execute`; we do the same, with the run's settings.
fn implicit_application(
    state: &AppState,
    principal: &Principal,
    d: &CreateRunDetails,
) -> ApiResult<Application> {
    let s = &d.spark;
    let execute = required("execute", s.execute.as_deref()).map_err(|_| {
        ApiError::invalid_parameter("Either applicationId or execute must be given to create a run")
    })?;
    let file = file_from_execute(execute).ok_or_else(|| {
        ApiError::invalid_parameter(format!(
            "execute '{execute}' names no application file (an oci://bucket@namespace/path token)"
        ))
    })?;
    OciUri::parse("execute", file)?;
    let language = match file.rsplit('.').next() {
        Some("py") => "PYTHON",
        Some("sql") => "SQL",
        Some("jar") => "JAVA",
        _ => "PYTHON",
    };
    for (field, v) in [
        ("driverShape", s.driver_shape.is_some()),
        ("executorShape", s.executor_shape.is_some()),
        ("numExecutors", s.num_executors.is_some()),
        ("sparkVersion", s.spark_version.is_some()),
    ] {
        if !v {
            return Err(ApiError::invalid_parameter(format!(
                "{field} may not be null when the run has no applicationId"
            )));
        }
    }
    let name = s
        .display_name
        .clone()
        .unwrap_or_else(|| file.rsplit('/').next().unwrap_or(file).to_owned());
    let compartment_id = d.compartment_id.clone().unwrap_or_default();
    let mut app = new_application(state, principal, &compartment_id);
    app.display_name = name;
    app.file_uri = file.to_owned();
    app.language = language.to_owned();
    app.description = Some("Created implicitly by CreateRun with execute".to_owned());
    app.kind = d.kind.clone().unwrap_or_else(|| "BATCH".to_owned());
    apply_settings(&mut app, s.clone());
    validate::app_spec(&app_spec(&app))?;
    Ok(app)
}

/// CreateRun: `POST /20200129/runs`. The outcome is planned from the emulated Object Storage;
/// see `store::plan_outcome`.
pub async fn create_run(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let response = state.idempotent("CreateRun", &headers, &body, || {
        let d: CreateRunDetails = parse_body(&body)?;
        let compartment_id = required("compartmentId", d.compartment_id.as_deref())?.to_owned();
        validate::settings_fields(&d.spark)?;
        if let Some(k) = &d.kind {
            validate::kind(k)?;
        }
        check_compartment(&state, &compartment_id)?;
        let (app, implicit) = match d.application_id.as_deref().filter(|a| !a.is_empty()) {
            Some(app_id) => {
                let app = store::get_app(&state, app_id)
                    .map_err(|_| ApiError::not_found("application", app_id))?
                    .app;
                if app.lifecycle_state != "ACTIVE" {
                    return Err(ApiError::conflict(
                        "IncorrectState",
                        format!("The application '{app_id}' is {}; runs can only be created for ACTIVE applications", app.lifecycle_state),
                    ));
                }
                (app, false)
            }
            // Inserted by the write below, in the run's transaction.
            None => (implicit_application(&state, &principal, &d)?, true),
        };
        let run = build_run(&state, &principal, &request_id.0, d, &app);
        validate::app_spec(&AppSpec {
            display_name: &run.display_name,
            language: &run.language,
            kind: &run.kind,
            spark_version: &run.spark_version,
            driver_shape: &run.driver_shape,
            driver_shape_config: run.driver_shape_config.as_ref(),
            executor_shape: &run.executor_shape,
            executor_shape_config: run.executor_shape_config.as_ref(),
            num_executors: run.num_executors,
            file_uri: Some(&run.file_uri),
            class_name: run.class_name.as_deref(),
            execute: run.execute.as_deref(),
            arguments: &run.arguments,
            parameters: &run.parameters,
        })?;
        let outcome: Outcome = store::plan_outcome(&state, &run)?;
        let (outcome, plan) = executor::admit(&state, &run, outcome)?;
        let state = &state;
        Ok(move |conn: &Connection| {
            if implicit {
                store::insert_app(conn, &app)?;
            }
            let stored = store::insert_run(state, conn, &run, &outcome, &plan)?;
            let id = stored.run.id.clone();
            Ok((StoredResponse::json(StatusCode::OK, &etag_headers(&stored.etag), &stored.run)?, Some(id)))
        })
    })?;
    schedule_settle(&state);
    Ok(response)
}

/// Settle runs that are due now, and start a timer for the ones that finish later, so logs and
/// output appear at the finish time even if nobody asks about the run.
fn schedule_settle(state: &AppState) {
    // Spark-driven runs: start the queued ones, deliver cancels.
    executor::poke(state);
    if let Err(e) = store::settle_due(state) {
        tracing::warn!(error = %e, "settling finished runs failed");
    }
    let delay: time::Duration = state.lifecycle_delay() * 2;
    if delay > time::Duration::ZERO {
        let state = state.clone();
        let wait = std::time::Duration::from_millis(delay.whole_milliseconds() as u64 + 1);
        tokio::spawn(async move {
            tokio::time::sleep(wait).await;
            if let Err(e) = store::settle_due(&state) {
                tracing::warn!(error = %e, "settling finished runs failed");
            }
        });
    }
}

/// GetRun: `GET /20200129/runs/{id}`.
pub async fn get_run(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let StoredRun { run, etag } = store::get_run(&state, &id)?;
    Ok(json_with_etag(&etag, &run))
}

const RUN_STATES: &[&str] = &[
    "ACCEPTED",
    "IN_PROGRESS",
    "CANCELING",
    "CANCELED",
    "FAILED",
    "SUCCEEDED",
    "STOPPING",
    "STOPPED",
];

/// ListRuns: `GET /20200129/runs?compartmentId=...`.
pub async fn list_runs(
    State(state): State<AppState>,
    OciQuery(q): OciQuery<ListQuery>,
) -> ApiResult<Response> {
    let compartment_id = required("compartmentId", q.compartment_id.as_deref())?;
    check_compartment(&state, compartment_id)?;
    one_filter(&[
        ("displayName", q.display_name.is_some()),
        (
            "displayNameStartsWith",
            q.display_name_starts_with.is_some(),
        ),
        ("ownerPrincipalId", q.owner_principal_id.is_some()),
        ("applicationId", q.application_id.is_some()),
        ("poolId", q.pool_id.is_some()),
        ("lifecycleState", q.lifecycle_state.is_some()),
        (
            "timeCreatedGreaterThan",
            q.time_created_greater_than.is_some(),
        ),
    ])?;
    if let Some(s) = &q.lifecycle_state
        && !RUN_STATES.contains(&s.as_str())
    {
        return Err(ApiError::invalid_parameter(format!(
            "lifecycleState '{s}' is not valid; expected one of {}",
            RUN_STATES.join(", ")
        )));
    }
    let after = match q.time_created_greater_than.as_deref() {
        None => None,
        Some(t) => Some(parse_rfc3339(t).ok_or_else(|| {
            ApiError::invalid_parameter(format!(
                "timeCreatedGreaterThan '{t}' is not an RFC 3339 timestamp"
            ))
        })?),
    };
    let desc = descending(&q)?;
    let mut runs: Vec<Run> = store::list_runs(&state, Some(compartment_id))?
        .into_iter()
        .filter(|r| {
            q.display_name
                .as_deref()
                .is_none_or(|n| r.display_name == n)
        })
        .filter(|r| {
            q.display_name_starts_with
                .as_deref()
                .is_none_or(|n| r.display_name.starts_with(n))
        })
        .filter(|r| {
            q.owner_principal_id
                .as_deref()
                .is_none_or(|n| r.owner_principal_id == n)
        })
        .filter(|r| {
            q.application_id
                .as_deref()
                .is_none_or(|n| r.application_id == n)
        })
        .filter(|r| {
            q.pool_id
                .as_deref()
                .is_none_or(|n| r.pool_id.as_deref() == Some(n))
        })
        .filter(|r| {
            q.lifecycle_state
                .as_deref()
                .is_none_or(|n| r.lifecycle_state == n)
        })
        .filter(|r| after.is_none_or(|t| parse_rfc3339(&r.time_created).is_some_and(|c| c > t)))
        .collect();
    let key: fn(&Run, &Run) -> Ordering = match q.sort_by.as_deref().unwrap_or("timeCreated") {
        "timeCreated" => |a, b| a.time_created.cmp(&b.time_created),
        "displayName" => |a, b| a.display_name.cmp(&b.display_name),
        "language" => |a, b| a.language.cmp(&b.language),
        "runDurationInMilliseconds" => |a, b| {
            a.run_duration_in_milliseconds
                .cmp(&b.run_duration_in_milliseconds)
        },
        "lifecycleState" => |a, b| a.lifecycle_state.cmp(&b.lifecycle_state),
        "totalOCpu" => |a, b| a.total_o_cpu.cmp(&b.total_o_cpu),
        "dataReadInBytes" => |a, b| a.data_read_in_bytes.cmp(&b.data_read_in_bytes),
        "dataWrittenInBytes" => |a, b| a.data_written_in_bytes.cmp(&b.data_written_in_bytes),
        other => {
            return Err(ApiError::invalid_parameter(format!(
                "sortBy '{other}' is not valid for ListRuns"
            )));
        }
    };
    runs.sort_by(|a, b| if desc { key(b, a) } else { key(a, b) });
    let summaries: Vec<RunSummary> = runs.iter().map(RunSummary::from).collect();
    page_response(summaries, &q)
}

/// UpdateRun: `PUT /20200129/runs/{id}` (tags and the two duration limits).
pub async fn update_run(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    OciJson(d): OciJson<UpdateRunDetails>,
) -> ApiResult<Response> {
    validate::settings_fields(&SparkSettings {
        max_duration_in_minutes: d.max_duration_in_minutes,
        idle_timeout_in_minutes: d.idle_timeout_in_minutes,
        ..SparkSettings::default()
    })?;
    let stored = store::update_run(&state, &id, if_match(&headers), false, |r| {
        if let Some(v) = d.freeform_tags {
            r.freeform_tags = v;
        }
        if let Some(v) = d.defined_tags {
            r.defined_tags = v;
        }
        if d.max_duration_in_minutes.is_some() {
            r.max_duration_in_minutes = d.max_duration_in_minutes;
        }
        if d.idle_timeout_in_minutes.is_some() {
            r.idle_timeout_in_minutes = d.idle_timeout_in_minutes;
        }
    })?;
    Ok(json_with_etag(&stored.etag, &stored.run))
}

/// DeleteRun: `DELETE /20200129/runs/{id}` → 202; cancels a run that has not finished.
pub async fn delete_run(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    store::cancel_run(&state, &id, if_match(&headers))?;
    schedule_settle(&state);
    Ok(StatusCode::ACCEPTED)
}

/// ChangeRunCompartment: `POST /20200129/runs/{id}/actions/changeCompartment` (finished runs).
pub async fn change_run_compartment(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    state.idempotent("ChangeRunCompartment", &headers, &body, || {
        let d: ChangeCompartmentDetails = parse_json(&body)?;
        let target = required("compartmentId", d.compartment_id.as_deref())?.to_owned();
        check_compartment(&state, &target)?;
        // Not a create: the move commits on its own (a replayed move to the same compartment
        // changes nothing), only the answer is recorded with the token.
        store::update_run(&state, &id, if_match(&headers), true, |r| {
            r.compartment_id = target
        })?;
        Ok(moved)
    })
}

/// Paging of ListRunLogs.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageQuery {
    limit: Option<i64>,
    page: Option<String>,
}

/// ListRunLogs: `GET /20200129/runs/{id}/logs` (empty until the run has finished).
pub async fn list_run_logs(
    State(state): State<AppState>,
    Path(id): Path<String>,
    OciQuery(q): OciQuery<PageQuery>,
) -> ApiResult<Response> {
    let logs = store::list_logs(&state, &id)?;
    let (page, next) = paginate(logs, q.limit, q.page.as_deref(), MAX_PAGE)?;
    Ok((
        StatusCode::OK,
        next_page_headers(next.as_deref()),
        Json(page),
    )
        .into_response())
}

/// GetRunLog: `GET /20200129/runs/{id}/logs/{name}` → the gzip bytes of the log.
pub async fn get_run_log(
    State(state): State<AppState>,
    Path((id, name)): Path<(String, String)>,
) -> ApiResult<Response> {
    let body = store::get_log(&state, &id, &name)?;
    let etag = crate::idempotency::hex(&<sha2::Sha256 as sha2::Digest>::digest(&body));
    let mut headers = etag_headers(&etag);
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/octet-stream"),
    );
    Ok((StatusCode::OK, headers, body).into_response())
}

/// CascadingDeleteApplication: `POST /20200129/applications/{id}/actions/cascadingDeleteApplication`
/// → 202 with `opc-work-request-id`; unfinished runs are canceled, the application deleted.
pub async fn cascading_delete_application(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let wr = store::cascading_delete(&state, &id, if_match(&headers))?;
    let mut h = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&wr) {
        h.insert("opc-work-request-id", v);
    }
    schedule_settle(&state);
    Ok((StatusCode::ACCEPTED, h).into_response())
}

/// GetWorkRequest: `GET /20200129/workRequests/{id}`.
pub async fn get_work_request(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Ok(Json(store::get_work_request(&state, &id)?).into_response())
}

/// ListWorkRequestErrors: `GET /20200129/workRequests/{id}/errors` (our work requests never fail).
pub async fn list_work_request_errors(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    store::get_work_request(&state, &id)?;
    Ok(Json(serde_json::json!({"items": []})).into_response())
}
