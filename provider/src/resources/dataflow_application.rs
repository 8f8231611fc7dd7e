//! `oci_dataflow_application`: a Data Flow application (a Spark job definition).
//!
//! API: CreateApplication, GetApplication, UpdateApplication (every settable field is sent),
//! ChangeApplicationCompartment (before the update, when `compartment_id` changed),
//! DeleteApplication, or with `terminate_runs_on_deletion` CascadingDeleteApplication and its
//! work request. Delete waits for DELETED. Import ID: the application OCID.
//! Replacing: only `type` cannot change in place.
//! Differences from the official provider, on purpose (each also in the attribute's
//! description): the job's settings are checked at plan time (URIs, language and file, class
//! name, `${name}` placeholders, shapes, Spark version); durations must be written as plain
//! whole numbers; a shape config removed from the configuration is cleared in OCI.

use std::collections::BTreeMap;

use oci_client::services::dataflow::{
    Application, CreateApplicationDetails, SparkSettings, UpdateApplicationDetails,
};
use oci_client::wait::WaitSpec;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
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

pub const TYPE_NAME: &str = "oci_dataflow_application";

/// A Data Flow application: the Spark job (file, language, shapes, arguments) that runs start.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ApplicationState {
    /// The application's OCID.
    pub id: Value<String>,
    /// Where the OCI Logging service receives the Spark logs. Once set it can be changed but not
    /// removed in place.
    pub application_log_config: Vec<LogConfigBlock>,
    /// `oci://bucket@namespace/path` of an archive (zip) with the job's dependencies. Checked at
    /// plan time.
    pub archive_uri: Value<String>,
    /// Command-line arguments; `${name}` placeholders are replaced by `parameters`. Arguments
    /// that start with `oci://` are checked at plan time, and every placeholder must name a
    /// parameter.
    pub arguments: Value<Vec<String>>,
    /// Main class for JAVA and SCALA applications (required for them; checked at plan time).
    pub class_name: Value<String>,
    /// OCID of the compartment. Changing it moves the application in place
    /// (ChangeApplicationCompartment).
    pub compartment_id: Value<String>,
    /// Spark configuration properties, e.g. `{ "spark.sql.shuffle.partitions" = "10" }`.
    pub configuration: Value<BTreeMap<String, String>>,
    /// Defined tags, keyed `namespace.key`.
    pub defined_tags: Value<BTreeMap<String, String>>,
    /// A description.
    pub description: Value<String>,
    /// The application's name (not empty).
    pub display_name: Value<String>,
    /// Shape of the driver, e.g. `VM.Standard.E4.Flex` or `VM.Standard2.1`.
    pub driver_shape: Value<String>,
    /// OCPUs and memory of a flexible driver shape: required for flexible shapes, within the
    /// shape's limits, and not allowed for fixed shapes (checked at plan time). Removing it
    /// clears it in OCI.
    pub driver_shape_config: Vec<ShapeConfigBlock>,
    /// A spark-submit style command line instead of `file_uri`, `class_name`, `arguments` and
    /// `configuration`.
    pub execute: Value<String>,
    /// Shape of the executors.
    pub executor_shape: Value<String>,
    /// OCPUs and memory of a flexible executor shape (same rules as `driver_shape_config`).
    pub executor_shape_config: Vec<ShapeConfigBlock>,
    /// `oci://bucket@namespace/path` of the script or jar; its extension must match `language`
    /// (.py for PYTHON unless it comes from `archive_uri`, .jar for JAVA and SCALA, .sql for
    /// SQL), checked at plan time.
    pub file_uri: Value<String>,
    /// Free-form tags.
    pub freeform_tags: Value<BTreeMap<String, String>>,
    /// Minutes a SESSION application may stay idle (an integer as a string, as upstream; written
    /// without leading zeros).
    pub idle_timeout_in_minutes: Value<String>,
    /// `PYTHON`, `JAVA`, `SCALA` or `SQL` (checked at plan time; the official provider does not).
    pub language: Value<String>,
    /// `oci://bucket@namespace/` where Data Flow writes the run logs. Checked at plan time.
    pub logs_bucket_uri: Value<String>,
    /// Longest a run may take, in minutes (an integer as a string, as upstream; written without
    /// leading zeros). Runs still going then are stopped (STOPPING → STOPPED).
    pub max_duration_in_minutes: Value<String>,
    /// OCID of a Data Catalog metastore.
    pub metastore_id: Value<String>,
    /// Number of executors, at least 1.
    pub num_executors: Value<i64>,
    /// OCID of the user who owns the application.
    pub owner_principal_id: Value<String>,
    /// Name of the user who owns the application.
    pub owner_user_name: Value<String>,
    /// Values for the `${name}` placeholders in `arguments`.
    pub parameters: Vec<ParameterBlock>,
    /// OCID of a Data Flow pool.
    pub pool_id: Value<String>,
    /// OCID of a private endpoint.
    pub private_endpoint_id: Value<String>,
    /// Spark version. One Data Flow does not list is a warning naming the supported versions.
    pub spark_version: Value<String>,
    /// lifecycleState: ACTIVE, DELETING, DELETED or INACTIVE.
    pub state: Value<String>,
    /// On destroy, end the application's runs too (CascadingDeleteApplication and its work
    /// request) instead of a plain delete. Default false. Not an OCI setting.
    pub terminate_runs_on_deletion: Value<bool>,
    /// When the application was created.
    pub time_created: Value<String>,
    /// When the application was last changed.
    pub time_updated: Value<String>,
    /// How long create, update and delete may take (default 20 minutes each).
    pub timeouts: Option<TimeoutsBlock>,
    /// `BATCH` (default), `STREAMING` or `SESSION`. Cannot change after create.
    #[serde(rename = "type")]
    pub application_type: Value<String>,
    /// `oci://bucket@namespace/` for Spark SQL warehouse data. Checked at plan time.
    pub warehouse_bucket_uri: Value<String>,
}

pub struct ApplicationResource;

#[async_trait]
impl Resource for ApplicationResource {
    type State = ApplicationState;
    type ProviderData = Oci;

    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        let setting =
            |a: tfplugin::schema::AttributeBuilder| a.optional().computed().use_state_for_unknown();
        Schema::builder::<ApplicationState>()
            .attribute("id", |a| a.computed().use_state_for_unknown())
            .block("application_log_config", df::log_config_block)
            .attribute("archive_uri", |a| a.optional().validator(df::oci_uri(true)))
            .attribute("arguments", |a| setting(a).validator(df::argument_uris()))
            .attribute("class_name", |a| a.optional())
            .attribute("compartment_id", |a| {
                a.required()
                    .validator(oci::ocid(&["compartment", "tenancy"]))
            })
            .attribute("configuration", setting)
            .attribute("defined_tags", |a| {
                setting(a).validator(oci::defined_tag_keys())
            })
            .attribute("description", setting)
            .attribute("display_name", |a| {
                a.required().validator(validators::length(1, 255))
            })
            .attribute("driver_shape", |a| {
                a.required().validator(validators::length(1, 255))
            })
            .block("driver_shape_config", df::shape_config_block)
            .attribute("execute", setting)
            .attribute("executor_shape", |a| {
                a.required().validator(validators::length(1, 255))
            })
            .block("executor_shape_config", df::shape_config_block)
            .attribute("file_uri", |a| setting(a).validator(df::oci_uri(true)))
            .attribute("freeform_tags", setting)
            .attribute("idle_timeout_in_minutes", |a| {
                setting(a).validator(df::minutes_validator())
            })
            .attribute("language", |a| {
                a.required().validator(validators::one_of(
                    oci_client::services::dataflow_catalog::LANGUAGES,
                ))
            })
            .attribute("logs_bucket_uri", |a| {
                setting(a).validator(df::oci_uri(false))
            })
            .attribute("max_duration_in_minutes", |a| {
                setting(a).validator(df::minutes_validator())
            })
            .attribute("metastore_id", setting)
            .attribute("num_executors", |a| {
                a.required().validator(validators::between(1.0, 1000.0))
            })
            .attribute("owner_principal_id", |a| {
                a.computed().use_state_for_unknown()
            })
            .attribute("owner_user_name", |a| a.computed().use_state_for_unknown())
            .block("parameters", df::parameter_block)
            .attribute("pool_id", setting)
            .attribute("private_endpoint_id", setting)
            .attribute("spark_version", |a| {
                a.required().validator(validators::length(1, 32))
            })
            .attribute("state", |a| a.computed())
            .attribute("terminate_runs_on_deletion", |a| {
                a.optional().computed().default(false)
            })
            .attribute("time_created", |a| a.computed().use_state_for_unknown())
            .attribute("time_updated", |a| a.computed())
            .block("timeouts", timeouts::block)
            .attribute("type", |a| {
                setting(a).requires_replace().validator(validators::one_of(
                    oci_client::services::dataflow_catalog::APPLICATION_TYPES,
                ))
            })
            .attribute("warehouse_bucket_uri", |a| {
                setting(a).validator(df::oci_uri(false))
            })
            .build()
    }

    async fn validate(&self, req: ValidateRequest<ApplicationState>, diags: &mut Diagnostics) {
        df::check_job(&job(&req.config), diags);
    }

    /// Oracle's `""` for unset settings (see [`null_if_empty`]).
    fn normalize_stored(&self, s: &mut ApplicationState) {
        null_if_empty(&mut [
            &mut s.archive_uri,
            &mut s.class_name,
            &mut s.description,
            &mut s.execute,
            &mut s.file_uri,
            &mut s.idle_timeout_in_minutes,
            &mut s.logs_bucket_uri,
            &mut s.max_duration_in_minutes,
            &mut s.metastore_id,
            &mut s.pool_id,
            &mut s.private_endpoint_id,
            &mut s.warehouse_bucket_uri,
        ]);
    }

    /// Warns when the tenancy's policies would not let this application's runs (assumed to
    /// carry its compartment and tags) read its file or write its logs. Only once the
    /// application exists: see [`crate::run_iam`] for why not at create.
    async fn modify_plan(
        &self,
        req: &mut ModifyPlan<ApplicationState, Oci>,
        diags: &mut Diagnostics,
    ) {
        let PlanChange::Update { planned, .. } = &req.change else {
            return;
        };
        let Some(compartment) = planned.compartment_id.as_known() else {
            return;
        };
        let own = |v: &Value<String>, attribute: &str| {
            v.as_known()
                .filter(|s| !s.is_empty())
                .map(|s| (s.clone(), AttributePath::new(attribute)))
        };
        let needs = run_iam::needs(
            own(&planned.file_uri, "file_uri"),
            own(&planned.archive_uri, "archive_uri"),
            own(&planned.logs_bucket_uri, "logs_bucket_uri"),
        );
        if needs.is_empty() {
            return;
        }
        let principal =
            run_iam::principal(compartment, &planned.freeform_tags, &planned.defined_tags);
        run_iam::warn_missing_grants(&req.provider, &principal, &needs, diags).await;
    }

    async fn create(
        &self,
        req: CreateRequest<ApplicationState, Oci>,
        diags: &mut Diagnostics,
    ) -> Option<ApplicationState> {
        let plan = &req.planned;
        let client = &req.provider.client;
        let doing = format!(
            "creating Data Flow application {:?}",
            known(&plan.display_name)
        );
        let details = &create_details(plan);
        let created = create_once(
            journal(),
            TYPE_NAME,
            details,
            |r: &oci_client::Response<oci_client::services::dataflow::Application>| {
                r.value.id.as_str()
            },
            |token| async move {
                client
                    .create_application_with_token(details, Some(&token))
                    .await
            },
        )
        .await
        .or_diag(diags, "Create Data Flow Application Error", &doing)?;
        // From here on the application exists: always return it so Terraform tracks it.
        let app = created.value;
        if app.lifecycle_state != "ACTIVE" {
            diags.error(
                "Create Data Flow Application Error",
                format!(
                    "Application {} is {} right after create; Data Flow creates applications \
                     ACTIVE. It is kept in state; run `terraform plan` to see it.",
                    app.id, app.lifecycle_state
                ),
            );
        }
        Some(application_state(&app, plan, false))
    }

    async fn read(
        &self,
        req: ReadRequest<ApplicationState, Oci>,
        diags: &mut Diagnostics,
    ) -> Option<ApplicationState> {
        let cur = &req.current;
        let id = known(&cur.id);
        // In state: a create journal entry for it is done.
        journal().forget(&id);
        let doing = format!("reading Data Flow application {id}");
        let app = req
            .provider
            .client
            .get_application_opt(&id)
            .await
            .or_diag(diags, "Read Data Flow Application Error", &doing)??
            .value;
        // A DELETED application is gone: Terraform drops it and plans to create it again.
        if app.lifecycle_state == "DELETED" {
            return None;
        }
        // An imported application has no display_name yet (it is required): take every block
        // from OCI then.
        let importing = cur.display_name.is_null();
        Some(application_state(&app, cur, importing))
    }

    async fn update(
        &self,
        req: UpdateRequest<ApplicationState, Oci>,
        diags: &mut Diagnostics,
    ) -> Option<ApplicationState> {
        let (prior, plan) = (&req.prior, &req.planned);
        let client = &req.provider.client;
        let id = known(&prior.id);
        let target = known(&plan.compartment_id);
        if !target.is_empty() && prior.compartment_id.as_known() != Some(&target) {
            let doing = format!("moving Data Flow application {id} to compartment {target}");
            client
                .change_application_compartment(&id, &target, None)
                .await
                .or_diag(
                    diags,
                    "Change Data Flow Application Compartment Error",
                    &doing,
                )?;
        }
        let doing = format!("updating Data Flow application {id}");
        match client
            .update_application(&id, &update_details(plan), None)
            .await
        {
            Ok(updated) => Some(application_state(&updated.value, plan, false)),
            Err(e) => {
                api_error(diags, "Update Data Flow Application Error", &doing, &e);
                // Keep what OCI now has (e.g. a compartment move that did happen).
                let current = client.get_application_opt(&id).await.ok().flatten()?;
                Some(application_state(&current.value, prior, false))
            }
        }
    }

    async fn delete(&self, req: DeleteRequest<ApplicationState, Oci>, diags: &mut Diagnostics) {
        let prior = &req.prior;
        let client = &req.provider.client;
        let id = known(&prior.id);
        let timeout = timeouts::of(prior.timeouts.as_ref(), Op::Delete);
        if prior.terminate_runs_on_deletion.as_known() == Some(&true) {
            if !cascading_delete(client, &id, timeout, diags).await {
                return;
            }
        } else {
            let doing = format!("deleting Data Flow application {id}");
            match client.delete_application(&id, None).await {
                Ok(_) => {}
                Err(e) if e.is_not_found() => return,
                Err(e) => {
                    return api_error(diags, "Delete Data Flow Application Error", &doing, &e);
                }
            }
        }
        let spec = WaitSpec::new(&["DELETED"], &["DELETING"], timeout).or_gone();
        let what = format!("Data Flow application {id}");
        let wait = client.wait_for(&what, &spec, || async {
            client.get_application_opt(&id).await
        });
        // Interrupted: the delete was sent; the application stays in state and the next destroy
        // finds it DELETED (or deletes it again).
        let waited = tokio::select! {
            r = wait => r,
            () = req.cancel.cancelled() => {
                diags.error(
                    "Delete Data Flow Application Interrupted",
                    format!("Terraform was interrupted while application {id} was being deleted."),
                );
                return;
            }
        };
        waited.or_diag(
            diags,
            "Delete Data Flow Application Error",
            &format!("waiting for application {id} to be DELETED"),
        );
    }

    async fn import(
        &self,
        req: ImportRequest<Oci>,
        diags: &mut Diagnostics,
    ) -> Option<ApplicationState> {
        if !oci::is_ocid(&req.id) || !req.id.starts_with("ocid1.dataflowapplication.") {
            diags.error(
                "Invalid Import ID",
                format!(
                    "Expected the OCID of a Data Flow application \
                     (ocid1.dataflowapplication.oc1.<region>.<unique>); got {:?}.",
                    req.id
                ),
            );
            return None;
        }
        Some(ApplicationState {
            id: Value::Known(req.id),
            terminate_runs_on_deletion: Value::Known(false),
            ..Default::default()
        })
    }
}

/// CascadingDeleteApplication, then its work request until it finishes; true when the work
/// request reports the application DELETED (what the official provider checks too).
async fn cascading_delete(
    client: &oci_client::Client,
    id: &str,
    timeout: std::time::Duration,
    diags: &mut Diagnostics,
) -> bool {
    const SUMMARY: &str = "Delete Data Flow Application Error";
    let doing = format!("deleting Data Flow application {id} and ending its runs");
    let resp = match client.cascading_delete_application(id, None).await {
        Ok(r) => r,
        Err(e) if e.is_not_found() => return false,
        Err(e) => {
            api_error(diags, SUMMARY, &doing, &e);
            return false;
        }
    };
    let Some(wr_id) = resp.meta.header("opc-work-request-id").map(str::to_owned) else {
        diags.error(
            SUMMARY,
            format!("While {doing}: OCI returned no opc-work-request-id to follow."),
        );
        return false;
    };
    let spec = WaitSpec::new(
        &["SUCCEEDED", "FAILED", "CANCELLED"],
        &["ACCEPTED", "INPROGRESS", "CANCELLING"],
        timeout,
    );
    let what = format!("work request {wr_id}");
    let Some(wr) = client
        .wait_for(&what, &spec, || async {
            oci_client::services::not_found_to_none(client.get_work_request(&wr_id).await)
        })
        .await
        .or_diag(diags, SUMMARY, &doing)
        .and_then(|o| o.reached())
    else {
        return false;
    };
    let deleted = wr.value.resources.iter().any(|r| {
        r.resource_type.to_ascii_lowercase().contains("application")
            && r.action_type.eq_ignore_ascii_case("DELETED")
    });
    if !deleted {
        let errors = client
            .list_work_request_errors(&wr_id)
            .await
            .map(|errs| {
                errs.into_iter()
                    .map(|e| e.message)
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_else(|e| format!("(its errors could not be listed: {e})"));
        diags.error(
            SUMMARY,
            format!(
                "While {doing}: work request {wr_id} ended {} without deleting the application. \
                 {errors}",
                wr.value.status
            ),
        );
    }
    deleted
}

// ---------------------------------------------------------------------------------------------
// Pure conversions.

fn job(c: &ApplicationState) -> Job<'_> {
    let names: Option<Vec<&str>> = c.parameters.iter().map(|p| p.name.as_str()).collect();
    Job {
        language: c.language.as_str(),
        file_uri: c.file_uri.as_str(),
        archive_uri: c.archive_uri.as_str(),
        class_name: c.class_name.as_str(),
        execute: c.execute.as_str(),
        arguments: c.arguments.as_known().map(Vec::as_slice),
        parameter_names: names,
        driver_shape: c.driver_shape.as_str(),
        driver_shape_config: &c.driver_shape_config,
        executor_shape: c.executor_shape.as_str(),
        executor_shape_config: &c.executor_shape_config,
        spark_version: c.spark_version.as_str(),
    }
}

/// The settings every create and update sends. Known values are sent; unknown ones (left to the
/// service) are not.
fn settings(p: &ApplicationState) -> SparkSettings {
    SparkSettings {
        arguments: p.arguments.as_known().cloned(),
        parameters: Some(df::parameters(&p.parameters)),
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
    }
}

fn create_details(p: &ApplicationState) -> CreateApplicationDetails {
    CreateApplicationDetails {
        compartment_id: known(&p.compartment_id),
        display_name: known(&p.display_name),
        driver_shape: known(&p.driver_shape),
        executor_shape: known(&p.executor_shape),
        language: known(&p.language),
        num_executors: p
            .num_executors
            .as_known()
            .and_then(|n| i32::try_from(*n).ok())
            .unwrap_or_default(),
        spark_version: known(&p.spark_version),
        file_uri: p.file_uri.as_known().cloned(),
        class_name: p.class_name.as_known().cloned(),
        private_endpoint_id: p.private_endpoint_id.as_known().cloned(),
        application_type: p.application_type.as_known().cloned(),
        description: p.description.as_known().cloned(),
        settings: settings(p),
    }
}

/// UpdateApplication with every settable field. Optional values removed from the
/// configuration are sent empty, which clears them (`archive_uri`, `class_name`, a shape
/// config when switching to a fixed shape).
fn update_details(p: &ApplicationState) -> UpdateApplicationDetails {
    let cleared = |v: &Value<String>| match v {
        Value::Unknown => None,
        other => Some(other.as_known().cloned().unwrap_or_default()),
    };
    let mut s = settings(p);
    s.archive_uri = cleared(&p.archive_uri);
    s.driver_shape_config = Some(s.driver_shape_config.unwrap_or_default());
    s.executor_shape_config = Some(s.executor_shape_config.unwrap_or_default());
    UpdateApplicationDetails {
        display_name: p.display_name.as_known().cloned(),
        driver_shape: p.driver_shape.as_known().cloned(),
        executor_shape: p.executor_shape.as_known().cloned(),
        language: p.language.as_known().cloned(),
        num_executors: p
            .num_executors
            .as_known()
            .and_then(|n| i32::try_from(*n).ok()),
        spark_version: p.spark_version.as_known().cloned(),
        file_uri: p.file_uri.as_known().cloned(),
        class_name: cleared(&p.class_name),
        private_endpoint_id: p.private_endpoint_id.as_known().cloned(),
        description: p.description.as_known().cloned(),
        settings: s,
    }
}

/// State from the API. Shape configs are kept only where the configuration has them (or on
/// import), since OCI may report a shape's size even when none was configured; Terraform
/// plans blocks from the configuration alone.
fn application_state(
    a: &Application,
    current: &ApplicationState,
    importing: bool,
) -> ApplicationState {
    let s = &a.settings;
    let shape = |api, cur: &Vec<ShapeConfigBlock>| {
        if importing || !cur.is_empty() {
            df::shape_config_blocks(api)
        } else {
            Vec::new()
        }
    };
    ApplicationState {
        id: Value::Known(a.id.clone()),
        application_log_config: df::log_config_blocks(s.application_log_config.as_ref()),
        archive_uri: text(s.archive_uri.as_ref()),
        arguments: Value::Known(s.arguments.clone().unwrap_or_default()),
        class_name: text(a.class_name.as_ref()),
        compartment_id: Value::Known(a.compartment_id.clone()),
        configuration: Value::Known(s.configuration.clone().unwrap_or_default()),
        defined_tags: Value::Known(flatten_defined_tags(s.defined_tags.as_ref())),
        description: text(a.description.as_ref()),
        display_name: Value::Known(a.display_name.clone()),
        driver_shape: a.driver_shape.clone().into(),
        driver_shape_config: shape(s.driver_shape_config.as_ref(), &current.driver_shape_config),
        execute: text(s.execute.as_ref()),
        executor_shape: a.executor_shape.clone().into(),
        executor_shape_config: shape(
            s.executor_shape_config.as_ref(),
            &current.executor_shape_config,
        ),
        file_uri: text(a.file_uri.as_ref()),
        freeform_tags: Value::Known(s.freeform_tags.clone().unwrap_or_default()),
        idle_timeout_in_minutes: minutes_value(s.idle_timeout_in_minutes),
        language: a.language.clone().into(),
        logs_bucket_uri: text(s.logs_bucket_uri.as_ref()),
        max_duration_in_minutes: minutes_value(s.max_duration_in_minutes),
        metastore_id: text(s.metastore_id.as_ref()),
        num_executors: a.num_executors.map(i64::from).into(),
        owner_principal_id: a.owner_principal_id.clone().into(),
        owner_user_name: a.owner_user_name.clone().into(),
        parameters: df::parameter_blocks(s.parameters.as_ref()),
        pool_id: text(s.pool_id.as_ref()),
        private_endpoint_id: text(a.private_endpoint_id.as_ref()),
        spark_version: a.spark_version.clone().into(),
        state: Value::Known(a.lifecycle_state.clone()),
        terminate_runs_on_deletion: Value::Known(
            current
                .terminate_runs_on_deletion
                .as_known()
                .copied()
                .unwrap_or(false),
        ),
        time_created: time_value(a.time_created.as_ref()),
        time_updated: time_value(a.time_updated.as_ref()),
        timeouts: current.timeouts.clone(),
        application_type: a.application_type.clone().into(),
        warehouse_bucket_uri: text(s.warehouse_bucket_uri.as_ref()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oci_client::services::dataflow::ShapeConfig;

    fn flex_app() -> Application {
        Application {
            id: "ocid1.dataflowapplication.oc1.iad.a".into(),
            compartment_id: "ocid1.compartment.oc1..c".into(),
            display_name: "etl".into(),
            lifecycle_state: "ACTIVE".into(),
            driver_shape: Some("VM.Standard.E4.Flex".into()),
            executor_shape: Some("VM.Standard.E4.Flex".into()),
            language: Some("PYTHON".into()),
            num_executors: Some(1),
            spark_version: Some("3.5.0".into()),
            file_uri: Some("oci://in@ns/etl.py".into()),
            time_created: Some("2026-01-02T03:04:05.600Z".into()),
            settings: SparkSettings {
                archive_uri: Some(String::new()),
                driver_shape_config: Some(ShapeConfig {
                    ocpus: Some(1.0),
                    memory_in_gbs: Some(16.0),
                }),
                max_duration_in_minutes: Some(60),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn schema_matches_state_struct() {
        tfplugin::schema::assert_fields_match::<ApplicationState>(&ApplicationResource.schema());
    }

    #[test]
    fn api_application_to_state() {
        let s = application_state(&flex_app(), &ApplicationState::default(), false);
        assert_eq!(s.archive_uri, Value::Null, "\"\" from the API is unset");
        assert_eq!(s.max_duration_in_minutes, Value::Known("60".into()));
        assert_eq!(s.terminate_runs_on_deletion, Value::Known(false));
        assert!(s.driver_shape_config.is_empty(), "not configured, not kept");
        let imported = application_state(&flex_app(), &ApplicationState::default(), true);
        assert_eq!(imported.driver_shape_config[0].ocpus, Value::Known(1.0));
        assert_eq!(
            s.time_created,
            Value::Known("2026-01-02 03:04:05.6 +0000 UTC".into())
        );
    }

    #[test]
    fn update_sends_every_field_and_clears_removed_ones() {
        let state = application_state(&flex_app(), &ApplicationState::default(), false);
        let d = update_details(&state);
        assert_eq!(d.display_name.as_deref(), Some("etl"));
        assert_eq!(d.num_executors, Some(1));
        assert_eq!(d.settings.max_duration_in_minutes, Some(60));
        assert_eq!(d.settings.archive_uri.as_deref(), Some(""), "cleared");
        assert_eq!(d.class_name.as_deref(), Some(""), "cleared");
        assert_eq!(
            d.settings.driver_shape_config,
            Some(ShapeConfig::default()),
            "a removed shape config is sent empty"
        );
        assert_eq!(d.settings.parameters, Some(vec![]));
    }
}
