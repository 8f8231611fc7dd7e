//! `oci_dataflow_application` against real terraform, the built provider and a real emulator.

use std::time::{Duration, Instant};

use acceptance_tests::{Env, assert_attribute_error};
use oci_client::services::dataflow::{
    CreateApplicationDetails, CreateRunDetails, UpdateApplicationDetails,
};

const ADDR: &str = "oci_dataflow_application.app";

/// An application of a Python script; `extra` adds or overrides arguments.
fn application(env: &Env, compartment: &str, name: &str, extra: &str) -> String {
    format!(
        r#"
resource "oci_dataflow_application" "app" {{
  compartment_id = "{compartment}"
  display_name   = "{name}"
  language       = "PYTHON"
  spark_version  = "3.5.0"
  file_uri       = "oci://acc-code@{ns}/jobs/etl.py"
  driver_shape   = "VM.Standard2.1"
  executor_shape = "VM.Standard2.1"
  num_executors  = 1
{extra}
}}
"#,
        ns = env.namespace(),
    )
}

fn create_out_of_band(env: &Env, name: &str) -> String {
    let details = CreateApplicationDetails {
        compartment_id: env.tenancy().to_string(),
        display_name: name.to_string(),
        driver_shape: "VM.Standard2.1".into(),
        executor_shape: "VM.Standard2.1".into(),
        language: "PYTHON".into(),
        num_executors: 1,
        spark_version: "3.5.0".into(),
        file_uri: Some(format!("oci://acc-code@{}/jobs/etl.py", env.namespace())),
        ..Default::default()
    };
    env.oci(async |c| c.create_application(&details).await.unwrap().value.id)
}

fn state_id(env: &Env) -> String {
    env.wd.resource_values(ADDR).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn application_basic_create_update_move_import_destroy() {
    let env = Env::new();
    let tenancy = env.tenancy().to_string();
    env.init_with(&application(&env, &tenancy, "acc-etl", ""));
    let step = env.wd.step();
    assert_eq!(step.plan.actions(ADDR), ["create"]);
    let created = env.wd.resource_values(ADDR).unwrap();
    assert_eq!(created["state"], "ACTIVE");
    assert_eq!(created["type"], "BATCH");
    assert_eq!(created["terminate_runs_on_deletion"], false);
    let id = state_id(&env);
    assert!(id.starts_with("ocid1.dataflowapplication."), "{id}");

    env.wd.import_verify(ADDR, &id, &[]);

    // In place: every kind of setting at once, and each really reaches OCI.
    let extra = r#"  description             = "sales ETL"
  arguments               = ["$${input}", "--mode", "full"]
  max_duration_in_minutes = "120"
  configuration           = { "spark.sql.shuffle.partitions" = "4" }
  freeform_tags           = { lab = "dataflow" }
  parameters {
    name  = "input"
    value = "oci://in@ns/sales.csv"
  }
  timeouts {
    delete = "5m"
  }"#;
    let flex = application(&env, &tenancy, "acc-etl-2", extra)
        .replace(
            r#"driver_shape   = "VM.Standard2.1""#,
            "driver_shape   = \"VM.Standard.E4.Flex\"\n  driver_shape_config {\n    ocpus         = 1\n    memory_in_gbs = 16\n  }",
        )
        .replace("num_executors  = 1", "num_executors  = 2");
    env.write(&flex);
    let step = env.wd.step();
    assert_eq!(step.plan.actions(ADDR), ["update"]);
    assert_eq!(state_id(&env), id, "updated in place");
    let app = env.oci(async |c| c.get_application(&id).await.unwrap().value);
    assert_eq!(app.display_name, "acc-etl-2");
    assert_eq!(app.num_executors, Some(2));
    assert_eq!(app.description.as_deref(), Some("sales ETL"));
    assert_eq!(app.settings.max_duration_in_minutes, Some(120));
    assert_eq!(
        app.settings
            .driver_shape_config
            .as_ref()
            .and_then(|c| c.memory_in_gbs),
        Some(16.0)
    );
    assert_eq!(app.settings.parameters.as_ref().unwrap()[0].name, "input");

    // Back to a fixed shape: the shape config is cleared in OCI, not left behind.
    env.write(&application(&env, &tenancy, "acc-etl-2", extra));
    env.wd.step();
    let app = env.oci(async |c| c.get_application(&id).await.unwrap().value);
    assert_eq!(app.driver_shape.as_deref(), Some("VM.Standard2.1"));
    assert!(
        app.settings
            .driver_shape_config
            .is_none_or(|c| c.ocpus.is_none() && c.memory_in_gbs.is_none()),
        "shape config cleared"
    );

    // Compartment move: in place, through ChangeApplicationCompartment.
    let other = env.emulator.create_compartment("acc-other");
    env.write(&application(&env, &other, "acc-etl-2", extra));
    let step = env.wd.step();
    assert_eq!(step.plan.actions(ADDR), ["update"]);
    assert_eq!(state_id(&env), id);
    let app = env.oci(async |c| c.get_application(&id).await.unwrap().value);
    assert_eq!(app.compartment_id, other);
    assert!(
        env.emulator
            .requests()
            .iter()
            .any(|r| r.operation.as_deref() == Some("ChangeApplicationCompartment")),
        "moved with ChangeApplicationCompartment"
    );

    // `type` cannot change in place.
    env.write(&application(
        &env,
        &other,
        "acc-etl-2",
        &format!("{extra}\n  type = \"STREAMING\""),
    ));
    let step = env.wd.step();
    assert_eq!(step.plan.actions(ADDR), ["delete", "create"]);
    assert_ne!(state_id(&env), id);

    env.wd.destroy();
    env.assert_nothing_left();
}

#[test]
fn application_import_block_adopts_existing_application() {
    let env = Env::new();
    let id = create_out_of_band(&env, "acc-imported");
    let tenancy = env.tenancy().to_string();
    let config = format!(
        "{}\nimport {{\n  to = {ADDR}\n  id = \"{id}\"\n}}\n",
        application(&env, &tenancy, "acc-imported", "")
    );
    env.init_with(&config);
    // A malformed id is refused before any call.
    let out = env.wd.try_import(ADDR, "not-an-ocid");
    assert!(!out.success());
    assert!(
        out.combined().contains("Invalid Import ID"),
        "{}",
        out.combined()
    );
    let plan = env.wd.plan();
    assert_eq!(
        plan.actions(ADDR),
        ["no-op"],
        "import only, nothing to change"
    );
    assert!(plan.json["resource_changes"][0]["change"]["importing"].is_object());
    env.wd
        .run(&["apply", "-input=false", "-no-color", "tfplan"])
        .assert_success();
    assert!(env.wd.plan().is_empty());
    assert_eq!(state_id(&env), id);
}

#[test]
fn application_out_of_band_change_is_drift_and_apply_fixes_it() {
    let env = Env::new();
    let tenancy = env.tenancy().to_string();
    env.init_with(&application(&env, &tenancy, "acc-drift", ""));
    env.wd.step();
    let id = state_id(&env);
    env.oci(async |c| {
        let d = UpdateApplicationDetails {
            display_name: Some("renamed-in-console".into()),
            num_executors: Some(4),
            ..Default::default()
        };
        c.update_application(&id, &d, None).await.unwrap();
    });

    let drift = env.wd.refresh_plan().drift();
    assert_eq!(drift.len(), 1, "{drift:?}");
    assert_eq!(drift[0].address, ADDR);
    assert_eq!(drift[0].actions, ["update"]);
    let fix = env.wd.plan();
    assert_eq!(fix.actions(ADDR), ["update"]);
    assert_eq!(fix.after(ADDR)["display_name"], "acc-drift");
    env.wd
        .run(&["apply", "-input=false", "-no-color", "tfplan"])
        .assert_success();
    assert!(env.wd.plan().is_empty());
    let app = env.oci(async |c| c.get_application(&id).await.unwrap().value);
    assert_eq!(
        (app.display_name.as_str(), app.num_executors),
        ("acc-drift", Some(1))
    );
}

#[test]
fn application_deleted_out_of_band_is_recreated() {
    let env = Env::new();
    let tenancy = env.tenancy().to_string();
    env.init_with(&application(&env, &tenancy, "acc-gone", ""));
    env.wd.step();
    let id = state_id(&env);
    env.oci(async |c| c.delete_application(&id, None).await.unwrap());

    let drift = env.wd.refresh_plan().drift();
    assert_eq!(
        drift.iter().map(|d| d.actions.clone()).collect::<Vec<_>>(),
        [["delete"]]
    );
    let plan = env.wd.plan();
    assert_eq!(plan.actions(ADDR), ["create"]);
    env.wd
        .run(&["apply", "-input=false", "-no-color", "tfplan"])
        .assert_success();
    let new_id = state_id(&env);
    assert_ne!(new_id, id);
    let app = env.oci(async |c| c.get_application(&new_id).await.unwrap().value);
    assert_eq!(app.lifecycle_state, "ACTIVE");
}

/// Starts a run of `app_id` that stays in progress: the emulator's lifecycle delay is long while
/// it is created (each run keeps the delay it started with), then short again for what follows.
fn start_long_run(env: &Env, app_id: &str) -> String {
    env.emulator.set_lifecycle_delay_ms(3_600_000);
    let details = CreateRunDetails {
        compartment_id: env.tenancy().to_string(),
        application_id: Some(app_id.to_string()),
        ..Default::default()
    };
    let run = env.oci(async |c| c.create_run(&details).await.unwrap().value);
    env.emulator.set_lifecycle_delay_ms(50);
    assert_eq!(run.lifecycle_state, "ACCEPTED");
    run.id
}

/// Polls the run (no sleeping on a guess: each poll is a request) until `done` holds or the
/// deadline passes; returns the last state seen.
fn run_state_until(env: &Env, run_id: &str, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let state = env.oci(async |c| c.get_run(run_id).await.unwrap().value.lifecycle_state);
        if done(&state) || Instant::now() > deadline {
            return state;
        }
        std::thread::yield_now();
    }
}

#[test]
fn application_destroy_with_a_run_in_progress_with_and_without_terminating_runs() {
    let env = Env::new();
    let tenancy = env.tenancy().to_string();

    // terminate_runs_on_deletion = true: the cascading delete ends the run, through its work
    // request.
    env.init_with(&application(
        &env,
        &tenancy,
        "acc-cascade",
        "  terminate_runs_on_deletion = true",
    ));
    env.wd.step();
    let run = start_long_run(&env, &state_id(&env));
    env.wd.destroy();
    env.assert_nothing_left();
    let ops: Vec<String> = env
        .emulator
        .requests()
        .into_iter()
        .filter_map(|r| r.operation)
        .collect();
    assert!(
        ops.iter().any(|o| o == "CascadingDeleteApplication"),
        "{ops:?}"
    );
    assert!(ops.iter().any(|o| o == "GetWorkRequest"), "{ops:?}");
    assert!(!ops.iter().any(|o| o == "DeleteApplication"), "{ops:?}");
    assert_eq!(run_state_until(&env, &run, |s| s == "CANCELED"), "CANCELED");

    // Default: a plain delete; the application goes, the run (not Terraform's) is left alone.
    env.write(&application(&env, &tenancy, "acc-plain", ""));
    env.wd.step();
    let run = start_long_run(&env, &state_id(&env));
    env.wd.destroy();
    env.assert_nothing_left();
    let state = env.oci(async |c| c.get_run(&run).await.unwrap().value.lifecycle_state);
    assert!(
        state == "ACCEPTED" || state == "IN_PROGRESS",
        "a plain delete does not cancel runs: {state}"
    );
}

#[test]
fn application_invalid_configs_fail_at_plan_without_api_calls() {
    let env = Env::new();
    let tenancy = env.tenancy().to_string();
    let ns = env.namespace().to_string();
    let app = |extra: &str| application(&env, &tenancy, "acc-valid", extra);
    let replace = |from: &str, to: &str| app("").replace(from, to);
    let file = |uri: &str| {
        replace(
            &format!(r#"file_uri       = "oci://acc-code@{ns}/jobs/etl.py""#),
            &format!(r#"file_uri       = "{uri}""#),
        )
    };
    let cases: Vec<(String, &str, &str)> = vec![
        (
            file("s3://code/etl.py"),
            "Invalid Object Storage URI",
            "file_uri",
        ),
        (
            file("oci://acc-code/jobs/etl.py"),
            "Invalid Object Storage URI",
            "file_uri",
        ),
        (
            file(&format!("oci://acc-code@{ns}/jobs/")),
            "Invalid Object Storage URI",
            "file_uri",
        ),
        (
            app(r#"  archive_uri = "https://example.com/deps.zip""#),
            "Invalid Object Storage URI",
            "archive_uri",
        ),
        (
            app(r#"  logs_bucket_uri = "oci://logs""#),
            "Invalid Object Storage URI",
            "logs_bucket_uri",
        ),
        (
            app(r#"  warehouse_bucket_uri = "oci://wh house@ns/""#),
            "Invalid Object Storage URI",
            "warehouse_bucket_uri",
        ),
        (
            app(r#"  arguments = ["--in", "oci://input-without-namespace/sales.csv"]"#),
            "Invalid Object Storage URI",
            "arguments",
        ),
        (
            file(&format!("oci://acc-code@{ns}/jobs/etl.jar")),
            "File Does Not Match Language",
            "file_uri",
        ),
        (
            replace(r#"language       = "PYTHON""#, r#"language       = "SQL""#),
            "File Does Not Match Language",
            "file_uri",
        ),
        (
            file(&format!("oci://acc-code@{ns}/jobs/etl.jar"))
                .replace(r#"language       = "PYTHON""#, r#"language       = "JAVA""#),
            "Missing Class Name",
            "language",
        ),
        (
            app(r#"  arguments = ["$${input}", "$${output}"]
  parameters {
    name  = "input"
    value = "oci://in@ns/sales.csv"
  }"#),
            "Undefined Argument Placeholder",
            "arguments",
        ),
        (
            replace("num_executors  = 1", "num_executors  = 0"),
            "Invalid Attribute Value",
            "num_executors",
        ),
        (
            replace(
                r#"driver_shape   = "VM.Standard2.1""#,
                r#"driver_shape   = "VM.Standard.E4.Flex""#,
            ),
            "Flexible Shape Needs a Shape Config",
            "driver_shape",
        ),
        (
            replace(
                r#"executor_shape = "VM.Standard2.1""#,
                "executor_shape = \"VM.Standard.E4.Flex\"\n  executor_shape_config {\n    ocpus         = 1\n    memory_in_gbs = 128\n  }",
            ),
            "Shape Config Out of Range",
            "memory_in_gbs",
        ),
        (
            replace(
                r#"language       = "PYTHON""#,
                r#"language       = "python""#,
            ),
            "Invalid Attribute Value",
            "language",
        ),
        (
            app(r#"  type = "NIGHTLY""#),
            "Invalid Attribute Value",
            "type",
        ),
        (
            replace(r#"display_name   = "acc-valid""#, r#"display_name   = """#),
            "Invalid Attribute Value Length",
            "display_name",
        ),
        (
            replace(r#"spark_version  = "3.5.0""#, r#"spark_version  = """#),
            "Invalid Attribute Value Length",
            "spark_version",
        ),
        (
            app(r#"  max_duration_in_minutes = "060""#),
            "Invalid Attribute Value Match",
            "max_duration_in_minutes",
        ),
    ];
    env.init_with(&app(""));
    for (config, summary, attribute) in &cases {
        env.write(config);
        let out = env.wd.run(&["plan", "-input=false", "-no-color"]);
        assert_attribute_error(&out, summary, attribute);
    }

    // An unknown Spark version is a warning that names the supported ones; the plan goes on.
    env.write(&replace(
        r#"spark_version  = "3.5.0""#,
        r#"spark_version  = "9.9.9""#,
    ));
    let out = env.wd.run(&["plan", "-input=false", "-no-color"]);
    out.assert_success();
    let text = out.combined();
    assert!(
        text.contains("Warning: Unsupported Spark Version") && text.contains("3.5.0"),
        "{text}"
    );

    let mutating = env.emulator.mutating_requests();
    assert!(
        mutating.is_empty(),
        "no mutating request may reach OCI: {mutating:?}"
    );
}
