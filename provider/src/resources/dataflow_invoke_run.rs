//! `oci_dataflow_invoke_run`: one run of a Data Flow application.
//!
//! API: CreateRun; GetRun; UpdateRun (tags, `idle_timeout_in_minutes`,
//! `max_duration_in_minutes`, all really sent), ChangeRunCompartment (finished runs only);
//! DeleteRun, which cancels a run in progress. Import ID: the run OCID.
//! `asynchronous = true` (the default, as upstream) returns once the run is accepted; `false`
//! waits for a terminal state, logging each state change.
//! Differences from the official provider, on purpose (each also in the attribute's
//! description): a run that ends FAILED, CANCELED or STOPPED while we wait is an error that
//! carries `lifecycle_details`, the tail of the driver's logs and where the full logs are, and
//! the run stays in state (tainted), so the next plan shows its replacement instead of silently
//! starting a new run after a refresh; finished runs are never dropped from state on refresh;
//! duration updates are sent, so their diff clears; destroy waits until a cancelled run is
//! CANCELED.

use std::collections::BTreeMap;
use std::sync::Mutex;

use oci_client::services::dataflow::{CreateRunDetails, Run, SparkSettings, UpdateRunDetails};
use oci_client::services::lifecycle::RUN_TERMINAL;
use oci_client::wait::WaitSpec;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tfplugin::config_validators as cv;
use tfplugin::{
    AttributePath, CreateRequest, DeleteRequest, Diagnostics, ImportRequest, ModifyPlan,
    PlanChange, ReadRequest, Resource, Schema, UpdateRequest, ValidateRequest, Value, async_trait,
    validators,
};

use crate::convert::{flatten_defined_tags, known, nest_defined_tags, null_if_empty, time_value};
use crate::create_journal::{create_once, journal};
use crate::dataflow::{
    self as df, Job, LogConfigBlock, ParameterBlock, ShapeConfigBlock, minutes, minutes_value, text,
};
use crate::diag::{OrDiag, api_error};
use crate::provider::Oci;
use crate::run_iam;
use crate::timeouts::{self, Op, TimeoutsBlock};
use crate::validators as oci;

pub const TYPE_NAME: &str = "oci_dataflow_invoke_run";

/// States a run passes through before it ends.
const RUN_PENDING: [&str; 4] = ["ACCEPTED", "IN_PROGRESS", "CANCELING", "STOPPING"];

/// A run of a Data Flow application. Unset settings come from the application.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunState {
    /// The run's OCID.
    pub id: Value<String>,
    /// OCID of the application to run. Without it, `execute` is required.
    pub application_id: Value<String>,
    /// Where the OCI Logging service receives this run's Spark logs.
    pub application_log_config: Vec<LogConfigBlock>,
    /// `oci://bucket@namespace/path` of an archive with the job's dependencies (checked at plan
    /// time).
    pub archive_uri: Value<String>,
    /// Arguments for this run; `${name}` placeholders are replaced by parameters. Arguments that
    /// start with `oci://` are checked at plan time; placeholders are checked against this run's
    /// parameters when the run has no application (an application's parameters are only known
    /// to OCI).
    pub arguments: Value<Vec<String>>,
    /// true (default, as upstream): apply returns once the run is accepted. false: apply waits
    /// until the run ends (bounded by `timeouts.create`), logging each state change; a run that
    /// ends FAILED, CANCELED or STOPPED is an error carrying `lifecycle_details` and the last
    /// lines of the driver's logs, and the run is kept in state as tainted so the next plan shows
    /// it will be replaced (the official provider drops such runs on refresh and starts a new
    /// one without saying why). A SUCCEEDED run never re-runs on its own; use
    /// `replace_triggered_by` to re-run when the script changes. With true, a run that fails
    /// later stays in state with its `state` (e.g. FAILED) and is not re-run on its own either;
    /// `terraform apply -replace=ADDRESS` starts a new one.
    pub asynchronous: Value<bool>,
    /// Main class (from the application).
    pub class_name: Value<String>,
    /// OCID of the compartment. Changing it moves a finished run in place
    /// (ChangeRunCompartment); OCI refuses to move a run that has not ended.
    pub compartment_id: Value<String>,
    /// Spark configuration properties, merged over the application's.
    pub configuration: Value<BTreeMap<String, String>>,
    /// Bytes the run read.
    pub data_read_in_bytes: Value<String>,
    /// Bytes the run wrote.
    pub data_written_in_bytes: Value<String>,
    /// Defined tags, keyed `namespace.key`. Updated in place.
    pub defined_tags: Value<BTreeMap<String, String>>,
    /// The run's name (default: the application's). Not empty.
    pub display_name: Value<String>,
    /// Shape of the driver (default: the application's).
    pub driver_shape: Value<String>,
    /// OCPUs and memory of a flexible driver shape (checked at plan time).
    pub driver_shape_config: Vec<ShapeConfigBlock>,
    /// A spark-submit style command line (required without `application_id`).
    pub execute: Value<String>,
    /// Shape of the executors (default: the application's).
    pub executor_shape: Value<String>,
    /// OCPUs and memory of a flexible executor shape (checked at plan time).
    pub executor_shape_config: Vec<ShapeConfigBlock>,
    /// The script or jar that ran (from the application).
    pub file_uri: Value<String>,
    /// Free-form tags. Updated in place.
    pub freeform_tags: Value<BTreeMap<String, String>>,
    /// Minutes a SESSION run may stay idle (an integer as a string). Updated in place and really
    /// sent (the official provider never sends it, so its diff never clears).
    pub idle_timeout_in_minutes: Value<String>,
    /// Language (from the application).
    pub language: Value<String>,
    /// Why the run is in its state, e.g. the failure reason.
    pub lifecycle_details: Value<String>,
    /// `oci://bucket@namespace/` for the run's logs (checked at plan time).
    pub logs_bucket_uri: Value<String>,
    /// Longest the run may take, in minutes (an integer as a string); then it is stopped
    /// (STOPPING → STOPPED). Updated in place and really sent (the official provider never
    /// sends it, so its diff never clears).
    pub max_duration_in_minutes: Value<String>,
    /// OCID of a Data Catalog metastore.
    pub metastore_id: Value<String>,
    /// Number of executors (default: the application's), at least 1.
    pub num_executors: Value<i64>,
    /// URL of the parent resource principal token, sent as the `opc-parent-rpt-url` header.
    pub opc_parent_rpt_url: Value<String>,
    /// The opc-request-id of the CreateRun call.
    pub opc_request_id: Value<String>,
    /// OCID of the user who started the run.
    pub owner_principal_id: Value<String>,
    /// Name of the user who started the run.
    pub owner_user_name: Value<String>,
    /// Parameters for this run, merged over the application's by name.
    pub parameters: Vec<ParameterBlock>,
    /// OCID of a Data Flow pool.
    pub pool_id: Value<String>,
    /// DNS zones of the private endpoint.
    pub private_endpoint_dns_zones: Value<Vec<String>>,
    /// OCID of the private endpoint (from the application).
    pub private_endpoint_id: Value<String>,
    /// Maximum host count of the private endpoint.
    pub private_endpoint_max_host_count: Value<i64>,
    /// NSGs of the private endpoint.
    pub private_endpoint_nsg_ids: Value<Vec<String>>,
    /// Subnet of the private endpoint.
    pub private_endpoint_subnet_id: Value<String>,
    /// How long the run took, in milliseconds.
    pub run_duration_in_milliseconds: Value<String>,
    /// Spark version (default: the application's); one Data Flow does not list is a warning.
    pub spark_version: Value<String>,
    /// lifecycleState: ACCEPTED, IN_PROGRESS, CANCELING, CANCELED, FAILED, SUCCEEDED, STOPPING
    /// or STOPPED.
    pub state: Value<String>,
    /// When the run was created.
    pub time_created: Value<String>,
    /// When the run last changed.
    pub time_updated: Value<String>,
    /// How long create (including waiting with `asynchronous = false`), update and delete
    /// (including waiting for a cancelled run) may take; default 20 minutes each.
    pub timeouts: Option<TimeoutsBlock>,
    /// OCPUs the run used.
    pub total_ocpu: Value<i64>,
    /// `BATCH`, `STREAMING` or `SESSION` (default: the application's).
    #[serde(rename = "type")]
    pub run_type: Value<String>,
    /// `oci://bucket@namespace/` for Spark SQL warehouse data (checked at plan time).
    pub warehouse_bucket_uri: Value<String>,
}

pub struct RunResource;

#[async_trait]
impl Resource for RunResource {
    type State = RunState;
    type ProviderData = Oci;

    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        // A setting of the run: defaults from the application, fixed once the run started.
        let fixed = |a: tfplugin::schema::AttributeBuilder| {
            a.optional()
                .computed()
                .use_state_for_unknown()
                .requires_replace()
        };
        let fact = |a: tfplugin::schema::AttributeBuilder| a.computed();
        let lasting = |a: tfplugin::schema::AttributeBuilder| a.computed().use_state_for_unknown();
        let in_place =
            |a: tfplugin::schema::AttributeBuilder| a.optional().computed().use_state_for_unknown();
        Schema::builder::<RunState>()
            .attribute("id", lasting)
            .attribute("application_id", |a| {
                fixed(a).validator(oci::ocid(&["dataflowapplication"]))
            })
            .block("application_log_config", |b| {
                df::log_config_block(b).requires_replace()
            })
            .attribute("archive_uri", |a| fixed(a).validator(df::oci_uri(true)))
            .attribute("arguments", |a| fixed(a).validator(df::argument_uris()))
            .attribute("asynchronous", |a| {
                a.optional().computed().default(true).requires_replace()
            })
            .attribute("class_name", lasting)
            .attribute("compartment_id", |a| {
                a.required()
                    .validator(oci::ocid(&["compartment", "tenancy"]))
            })
            .attribute("configuration", fixed)
            .attribute("data_read_in_bytes", fact)
            .attribute("data_written_in_bytes", fact)
            .attribute("defined_tags", |a| {
                in_place(a).validator(oci::defined_tag_keys())
            })
            .attribute("display_name", |a| {
                fixed(a).validator(validators::length(1, 255))
            })
            .attribute("driver_shape", |a| {
                fixed(a).validator(validators::length(1, 255))
            })
            .block("driver_shape_config", |b| {
                df::shape_config_block(b).requires_replace()
            })
            .attribute("execute", fixed)
            .attribute("executor_shape", |a| {
                fixed(a).validator(validators::length(1, 255))
            })
            .block("executor_shape_config", |b| {
                df::shape_config_block(b).requires_replace()
            })
            .attribute("file_uri", lasting)
            .attribute("freeform_tags", in_place)
            .attribute("idle_timeout_in_minutes", |a| {
                in_place(a).validator(df::minutes_validator())
            })
            .attribute("language", lasting)
            .attribute("lifecycle_details", fact)
            .attribute("logs_bucket_uri", |a| {
                fixed(a).validator(df::oci_uri(false))
            })
            .attribute("max_duration_in_minutes", |a| {
                in_place(a).validator(df::minutes_validator())
            })
            .attribute("metastore_id", fixed)
            .attribute("num_executors", |a| {
                fixed(a).validator(validators::between(1.0, 1000.0))
            })
            .attribute("opc_parent_rpt_url", fixed)
            .attribute("opc_request_id", lasting)
            .attribute("owner_principal_id", lasting)
            .attribute("owner_user_name", lasting)
            .block("parameters", |b| df::parameter_block(b).requires_replace())
            .attribute("pool_id", fixed)
            .attribute("private_endpoint_dns_zones", lasting)
            .attribute("private_endpoint_id", lasting)
            .attribute("private_endpoint_max_host_count", lasting)
            .attribute("private_endpoint_nsg_ids", lasting)
            .attribute("private_endpoint_subnet_id", lasting)
            .attribute("run_duration_in_milliseconds", fact)
            .attribute("spark_version", |a| {
                fixed(a).validator(validators::length(1, 32))
            })
            .attribute("state", fact)
            .attribute("time_created", lasting)
            .attribute("time_updated", fact)
            .block("timeouts", timeouts::block)
            .attribute("total_ocpu", lasting)
            .attribute("type", |a| {
                fixed(a).validator(validators::one_of(
                    oci_client::services::dataflow_catalog::APPLICATION_TYPES,
                ))
            })
            .attribute("warehouse_bucket_uri", |a| {
                fixed(a).validator(df::oci_uri(false))
            })
            .config_validator(
                cv::at_least_one_of(&["application_id", "execute"])
                    .summary("Missing Application")
                    .detail(
                        "A run needs application_id (the application to run) or execute (a \
                         spark-submit style command line for a run without an application).",
                    ),
            )
            .build()
    }

    async fn validate(&self, req: ValidateRequest<RunState>, diags: &mut Diagnostics) {
        df::check_job(&job(&req.config), diags);
    }

    /// Oracle's `""` for unset settings and run details (see [`null_if_empty`]).
    fn normalize_stored(&self, s: &mut RunState) {
        null_if_empty(&mut [
            &mut s.archive_uri,
            &mut s.class_name,
            &mut s.display_name,
            &mut s.execute,
            &mut s.file_uri,
            &mut s.idle_timeout_in_minutes,
            &mut s.language,
            &mut s.lifecycle_details,
            &mut s.logs_bucket_uri,
            &mut s.max_duration_in_minutes,
            &mut s.metastore_id,
            &mut s.opc_request_id,
            &mut s.pool_id,
            &mut s.private_endpoint_id,
            &mut s.private_endpoint_subnet_id,
            &mut s.warehouse_bucket_uri,
        ]);
    }

    /// Warns when the tenancy's policies would not let this run read its file (or archive) or
    /// write its logs; the URIs it does not set come from its application. Only for a run to
    /// be created, once its application exists (see [`crate::run_iam`]).
    async fn modify_plan(&self, req: &mut ModifyPlan<RunState, Oci>, diags: &mut Diagnostics) {
        let PlanChange::Create { planned, .. } = &req.change else {
            return;
        };
        let (Some(compartment), Some(app_id)) = (
            planned.compartment_id.as_known(),
            planned.application_id.as_known(),
        ) else {
            return;
        };
        let app = match req.provider.client.get_application_opt(app_id).await {
            Ok(Some(app)) => app.value,
            Ok(None) => return,
            Err(e) => {
                tracing::debug!(error = %e, "run IAM check skipped: the application cannot be read");
                return;
            }
        };
        // The run's own setting, else the application's (the warning then points at
        // application_id, where the value comes from).
        let uri = |own: &Value<String>, attribute: &str, from_app: &Option<String>| match own
            .as_known()
            .filter(|s| !s.is_empty())
        {
            Some(s) => Some((s.clone(), AttributePath::new(attribute))),
            None => from_app
                .clone()
                .filter(|s| !s.is_empty())
                .map(|s| (s, AttributePath::new("application_id"))),
        };
        let needs = run_iam::needs(
            uri(&planned.file_uri, "file_uri", &app.file_uri),
            uri(
                &planned.archive_uri,
                "archive_uri",
                &app.settings.archive_uri,
            ),
            uri(
                &planned.logs_bucket_uri,
                "logs_bucket_uri",
                &app.settings.logs_bucket_uri,
            ),
        );
        let principal =
            run_iam::principal(compartment, &planned.freeform_tags, &planned.defined_tags);
        run_iam::warn_missing_grants(&req.provider, &principal, &needs, diags).await;
    }

    async fn create(
        &self,
        req: CreateRequest<RunState, Oci>,
        diags: &mut Diagnostics,
    ) -> Option<RunState> {
        let plan = &req.planned;
        let client = &req.provider.client;
        let doing = match plan.application_id.as_str() {
            Some(app) => format!("starting a run of Data Flow application {app}"),
            None => "starting a Data Flow run".to_string(),
        };
        let details = &create_details(plan);
        let parent = plan.opc_parent_rpt_url.as_str();
        let created = create_once(
            journal(),
            TYPE_NAME,
            details,
            |r: &oci_client::Response<oci_client::services::dataflow::Run>| r.value.id.as_str(),
            |token| async move {
                client
                    .create_run_with_parent(details, parent, Some(&token))
                    .await
            },
        )
        .await
        .or_diag(diags, "Create Data Flow Run Error", &doing)?
        .value;
        tracing::info!(run = %created.id, state = %created.lifecycle_state, "Data Flow run created");
        // From here on the run exists: always return it, so Terraform tracks it (and taints it
        // when an error is reported with it).
        if plan.asynchronous.as_known() != Some(&false) {
            return Some(run_state(&created, plan, false));
        }
        let timeout = timeouts::of(plan.timeouts.as_ref(), Op::Create);
        // Interrupted (Ctrl-C: Terraform sends StopProvider): hand the run back at once, so it is
        // recorded (tainted) and never left running outside Terraform's state.
        let waited = tokio::select! {
            r = wait_until_ended(client, &created, timeout) => Some(r),
            () = req.cancel.cancelled() => None,
        };
        let run = match waited {
            None => {
                diags.error(
                    "Data Flow Run Wait Interrupted",
                    format!(
                        "Terraform was interrupted while waiting for run {} to end. The run goes on \
                         in OCI and is kept in state as tainted: the next apply cancels it and \
                         starts a new one (or `terraform untaint` to keep it).",
                        created.id
                    ),
                );
                return Some(run_state(&created, plan, false));
            }
            Some(Ok(run)) => run,
            Some(Err(e)) => {
                api_error(
                    diags,
                    "Data Flow Run Did Not Finish",
                    &format!(
                        "waiting for run {} to end (asynchronous = false). The run is kept in \
                         state as tainted: the next apply cancels it and starts a new one; raise \
                         timeouts.create if it needs longer",
                        created.id
                    ),
                    &e,
                );
                return Some(run_state(&created, plan, false));
            }
        };
        if run.lifecycle_state != "SUCCEEDED" {
            diags.error(
                format!("Data Flow Run {}", title(&run.lifecycle_state)),
                format!(
                    "{}\n\nThe run is kept in state as tainted, so the next plan shows that it \
                     will be replaced; fix the cause first.",
                    df::failure_report(client, &run).await
                ),
            );
        }
        Some(run_state(&run, plan, false))
    }

    async fn read(
        &self,
        req: ReadRequest<RunState, Oci>,
        diags: &mut Diagnostics,
    ) -> Option<RunState> {
        let cur = &req.current;
        let id = known(&cur.id);
        // In state: a create journal entry for it is done.
        journal().forget(&id);
        let run = req
            .provider
            .client
            .get_run_opt(&id)
            .await
            .or_diag(
                diags,
                "Read Data Flow Run Error",
                &format!("reading Data Flow run {id}"),
            )??
            .value;
        // An imported run has no compartment_id yet (it is required).
        Some(run_state(&run, cur, cur.compartment_id.is_null()))
    }

    async fn update(
        &self,
        req: UpdateRequest<RunState, Oci>,
        diags: &mut Diagnostics,
    ) -> Option<RunState> {
        let (prior, plan) = (&req.prior, &req.planned);
        let client = &req.provider.client;
        let id = known(&prior.id);
        let target = known(&plan.compartment_id);
        if !target.is_empty() && prior.compartment_id.as_known() != Some(&target) {
            let doing = format!("moving Data Flow run {id} to compartment {target}");
            client
                .change_run_compartment(&id, &target, None)
                .await
                .or_diag(diags, "Change Data Flow Run Compartment Error", &doing)?;
        }
        let doing = format!("updating Data Flow run {id}");
        match client.update_run(&id, &update_details(plan), None).await {
            Ok(run) => Some(run_state(&run.value, plan, false)),
            Err(e) => {
                api_error(diags, "Update Data Flow Run Error", &doing, &e);
                // Keep what OCI now has (e.g. a compartment move that did happen).
                let current = client.get_run_opt(&id).await.ok().flatten()?;
                Some(run_state(&current.value, prior, false))
            }
        }
    }

    async fn delete(&self, req: DeleteRequest<RunState, Oci>, diags: &mut Diagnostics) {
        let id = known(&req.prior.id);
        let client = &req.provider.client;
        let doing = format!("cancelling Data Flow run {id}");
        let Some(run) =
            client
                .get_run_opt(&id)
                .await
                .or_diag(diags, "Delete Data Flow Run Error", &doing)
        else {
            return;
        };
        // A finished run (or one already gone) needs no call: the run record stays in OCI as
        // history, as the official provider leaves it.
        let Some(run) = run.map(|r| r.value) else {
            return;
        };
        if RUN_TERMINAL.contains(&run.lifecycle_state.as_str()) {
            return;
        }
        match client.delete_run(&id, None).await {
            Ok(_) => {}
            Err(e) if e.is_not_found() => return,
            Err(e) => return api_error(diags, "Delete Data Flow Run Error", &doing, &e),
        }
        let timeout = timeouts::of(req.prior.timeouts.as_ref(), Op::Delete);
        let waited = tokio::select! {
            r = wait_until_ended(client, &run, timeout) => r,
            () = req.cancel.cancelled() => {
                // The cancel was sent; the run stays in state, so the next destroy waits again.
                diags.error(
                    "Delete Data Flow Run Interrupted",
                    format!("Terraform was interrupted while run {id} was being cancelled."),
                );
                return;
            }
        };
        if let Err(e) = waited {
            api_error(
                diags,
                "Delete Data Flow Run Error",
                &format!("waiting for run {id} to be CANCELED"),
                &e,
            );
        }
    }

    async fn import(&self, req: ImportRequest<Oci>, diags: &mut Diagnostics) -> Option<RunState> {
        if !oci::is_ocid(&req.id) || !req.id.starts_with("ocid1.dataflowrun.") {
            diags.error(
                "Invalid Import ID",
                format!(
                    "Expected the OCID of a Data Flow run (ocid1.dataflowrun.oc1.<region>.<unique>); \
                     got {:?}.",
                    req.id
                ),
            );
            return None;
        }
        Some(RunState {
            id: Value::Known(req.id),
            asynchronous: Value::Known(true),
            ..Default::default()
        })
    }
}

/// Polls the run until it is SUCCEEDED, FAILED, CANCELED or STOPPED, logging every state change
/// (visible with TF_LOG=INFO), and returns its last read.
async fn wait_until_ended(
    client: &oci_client::Client,
    run: &Run,
    timeout: std::time::Duration,
) -> oci_client::error::Result<Run> {
    let last = Mutex::new(run.lifecycle_state.clone());
    let spec = WaitSpec::new(&RUN_TERMINAL, &RUN_PENDING, timeout);
    let what = format!("Data Flow run {}", run.id);
    let outcome = client
        .wait_for(&what, &spec, || async {
            let got = client.get_run_opt(&run.id).await?;
            if let Some(r) = &got
                && let Ok(mut last) = last.lock()
                && *last != r.value.lifecycle_state
            {
                tracing::info!(
                    run = %run.id,
                    from = %last,
                    to = %r.value.lifecycle_state,
                    "Data Flow run state changed"
                );
                last.clone_from(&r.value.lifecycle_state);
            }
            Ok(got)
        })
        .await?;
    Ok(match outcome.reached() {
        Some(r) => r.value,
        None => run.clone(),
    })
}

/// `FAILED` → `Failed`, for the diagnostic's title.
fn title(state: &str) -> String {
    let lower = state.to_lowercase().replace('_', " ");
    let mut c = lower.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Pure conversions.

fn job(c: &RunState) -> Job<'_> {
    // Without an application the run's own parameters are all there are.
    let names: Option<Vec<&str>> = if c.application_id.is_null() {
        c.parameters.iter().map(|p| p.name.as_str()).collect()
    } else {
        None
    };
    Job {
        archive_uri: c.archive_uri.as_str(),
        execute: c.execute.as_str(),
        arguments: c.arguments.as_known().map(Vec::as_slice),
        parameter_names: names,
        driver_shape: c.driver_shape.as_str(),
        driver_shape_config: &c.driver_shape_config,
        executor_shape: c.executor_shape.as_str(),
        executor_shape_config: &c.executor_shape_config,
        spark_version: c.spark_version.as_str(),
        ..Default::default()
    }
}

fn create_details(p: &RunState) -> CreateRunDetails {
    CreateRunDetails {
        compartment_id: known(&p.compartment_id),
        application_id: p.application_id.as_known().cloned(),
        display_name: p.display_name.as_known().cloned(),
        driver_shape: p.driver_shape.as_known().cloned(),
        executor_shape: p.executor_shape.as_known().cloned(),
        num_executors: p
            .num_executors
            .as_known()
            .and_then(|n| i32::try_from(*n).ok()),
        spark_version: p.spark_version.as_known().cloned(),
        run_type: p.run_type.as_known().cloned(),
        settings: SparkSettings {
            arguments: p.arguments.as_known().cloned(),
            parameters: (!p.parameters.is_empty()).then(|| df::parameters(&p.parameters)),
            configuration: p.configuration.as_known().cloned(),
            archive_uri: p.archive_uri.as_known().cloned(),
            execute: p.execute.as_known().cloned(),
            logs_bucket_uri: p.logs_bucket_uri.as_known().cloned(),
            warehouse_bucket_uri: p.warehouse_bucket_uri.as_known().cloned(),
            metastore_id: p.metastore_id.as_known().cloned(),
            pool_id: p.pool_id.as_known().cloned(),
            application_log_config: df::log_config(&p.application_log_config),
            driver_shape_config: df::shape_config(&p.driver_shape_config),
            executor_shape_config: df::shape_config(&p.executor_shape_config),
            max_duration_in_minutes: minutes(&p.max_duration_in_minutes),
            idle_timeout_in_minutes: minutes(&p.idle_timeout_in_minutes),
            freeform_tags: p.freeform_tags.as_known().cloned(),
            defined_tags: p.defined_tags.as_known().map(nest_defined_tags),
        },
    }
}

/// UpdateRun: everything it can change, as planned.
fn update_details(p: &RunState) -> UpdateRunDetails {
    UpdateRunDetails {
        freeform_tags: p.freeform_tags.as_known().cloned(),
        defined_tags: p.defined_tags.as_known().map(nest_defined_tags),
        max_duration_in_minutes: minutes(&p.max_duration_in_minutes),
        idle_timeout_in_minutes: minutes(&p.idle_timeout_in_minutes),
    }
}

/// State from the API. The run's blocks are kept as configured (OCI reports the merged values
/// from the application, which Terraform would see as a change of a fixed setting), except on
/// import, where they come from OCI.
fn run_state(r: &Run, current: &RunState, importing: bool) -> RunState {
    let s = &r.settings;
    fn blocks<T: Clone>(importing: bool, api: Vec<T>, cur: &[T]) -> Vec<T> {
        if importing { api } else { cur.to_vec() }
    }
    let count = |n: Option<i64>| Value::Known(n.unwrap_or(0).to_string());
    RunState {
        id: Value::Known(r.id.clone()),
        application_id: r.application_id.clone().into(),
        application_log_config: blocks(
            importing,
            df::log_config_blocks(s.application_log_config.as_ref()),
            &current.application_log_config,
        ),
        archive_uri: text(s.archive_uri.as_ref()),
        arguments: Value::Known(s.arguments.clone().unwrap_or_default()),
        asynchronous: Value::Known(current.asynchronous.as_known().copied().unwrap_or(true)),
        class_name: text(r.class_name.as_ref()),
        compartment_id: Value::Known(r.compartment_id.clone()),
        configuration: Value::Known(s.configuration.clone().unwrap_or_default()),
        data_read_in_bytes: count(r.data_read_in_bytes),
        data_written_in_bytes: count(r.data_written_in_bytes),
        defined_tags: Value::Known(flatten_defined_tags(s.defined_tags.as_ref())),
        display_name: text(r.display_name.as_ref()),
        driver_shape: r.driver_shape.clone().into(),
        driver_shape_config: blocks(
            importing,
            df::shape_config_blocks(s.driver_shape_config.as_ref()),
            &current.driver_shape_config,
        ),
        execute: text(s.execute.as_ref()),
        executor_shape: r.executor_shape.clone().into(),
        executor_shape_config: blocks(
            importing,
            df::shape_config_blocks(s.executor_shape_config.as_ref()),
            &current.executor_shape_config,
        ),
        file_uri: text(r.file_uri.as_ref()),
        freeform_tags: Value::Known(s.freeform_tags.clone().unwrap_or_default()),
        idle_timeout_in_minutes: minutes_value(s.idle_timeout_in_minutes),
        language: text(r.language.as_ref()),
        lifecycle_details: text(r.lifecycle_details.as_ref()),
        logs_bucket_uri: text(s.logs_bucket_uri.as_ref()),
        max_duration_in_minutes: minutes_value(s.max_duration_in_minutes),
        metastore_id: text(s.metastore_id.as_ref()),
        num_executors: r.num_executors.map(i64::from).into(),
        opc_parent_rpt_url: current.opc_parent_rpt_url.as_known().cloned().into(),
        opc_request_id: text(r.opc_request_id.as_ref()),
        owner_principal_id: r.owner_principal_id.clone().into(),
        owner_user_name: r.owner_user_name.clone().into(),
        parameters: blocks(
            importing,
            df::parameter_blocks(s.parameters.as_ref()),
            &current.parameters,
        ),
        pool_id: text(s.pool_id.as_ref()),
        private_endpoint_dns_zones: Value::Known(
            r.private_endpoint_dns_zones.clone().unwrap_or_default(),
        ),
        private_endpoint_id: text(r.private_endpoint_id.as_ref()),
        private_endpoint_max_host_count: Value::Known(
            r.private_endpoint_max_host_count.unwrap_or(0),
        ),
        private_endpoint_nsg_ids: Value::Known(
            r.private_endpoint_nsg_ids.clone().unwrap_or_default(),
        ),
        private_endpoint_subnet_id: text(r.private_endpoint_subnet_id.as_ref()),
        run_duration_in_milliseconds: count(r.run_duration_in_milliseconds),
        spark_version: r.spark_version.clone().into(),
        state: Value::Known(r.lifecycle_state.clone()),
        time_created: time_value(r.time_created.as_ref()),
        time_updated: time_value(r.time_updated.as_ref()),
        timeouts: current.timeouts.clone(),
        total_ocpu: Value::Known(r.total_ocpu.unwrap_or(0)),
        run_type: r.run_type.clone().into(),
        warehouse_bucket_uri: text(s.warehouse_bucket_uri.as_ref()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(state: &str) -> Run {
        Run {
            id: "ocid1.dataflowrun.oc1.iad.r".into(),
            compartment_id: "ocid1.compartment.oc1..c".into(),
            lifecycle_state: state.into(),
            application_id: Some("ocid1.dataflowapplication.oc1.iad.a".into()),
            display_name: Some("etl".into()),
            data_read_in_bytes: Some(132),
            total_ocpu: Some(2),
            settings: SparkSettings {
                max_duration_in_minutes: Some(30),
                parameters: Some(vec![oci_client::services::dataflow::ApplicationParameter {
                    name: "from_app".into(),
                    value: "x".into(),
                }]),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn schema_matches_state_struct() {
        tfplugin::schema::assert_fields_match::<RunState>(&RunResource.schema());
    }

    #[test]
    fn api_run_to_state_keeps_configured_blocks() {
        let s = run_state(&run("SUCCEEDED"), &RunState::default(), false);
        assert_eq!(s.data_read_in_bytes, Value::Known("132".into()));
        assert_eq!(s.data_written_in_bytes, Value::Known("0".into()));
        assert_eq!(s.max_duration_in_minutes, Value::Known("30".into()));
        assert_eq!(s.asynchronous, Value::Known(true));
        assert!(
            s.parameters.is_empty(),
            "inherited parameters are not a change"
        );
        let imported = run_state(&run("SUCCEEDED"), &RunState::default(), true);
        assert_eq!(imported.parameters.len(), 1);
    }

    #[test]
    fn update_sends_the_durations() {
        let plan = RunState {
            max_duration_in_minutes: Value::Known("45".into()),
            idle_timeout_in_minutes: Value::Known("10".into()),
            freeform_tags: Value::Known([("k".to_string(), "v".to_string())].into()),
            ..Default::default()
        };
        let d = update_details(&plan);
        assert_eq!(d.max_duration_in_minutes, Some(45));
        assert_eq!(d.idle_timeout_in_minutes, Some(10));
        assert_eq!(d.freeform_tags.unwrap()["k"], "v");
    }

    #[test]
    fn titles() {
        assert_eq!(title("FAILED"), "Failed");
        assert_eq!(title("IN_PROGRESS"), "In progress");
    }
}
