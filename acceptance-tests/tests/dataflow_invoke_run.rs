//! `oci_dataflow_invoke_run` against real terraform, the built provider and a real emulator.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use acceptance_tests::{Env, assert_attribute_error, mirror};
use oci_client::services::dataflow::{CreateApplicationDetails, CreateRunDetails};
use oci_client::services::objectstorage::{CreateBucketDetails, ObjectBody, PutObjectOptions};
use tfplugin::testing::terraform_path;

const RUN: &str = "oci_dataflow_invoke_run.run";
const SCRIPT: &str = "print(\"hello from the lab\")\n";

/// Buckets for code and logs, the script object, an application of `file` and a run of it with
/// `run_extra` (e.g. `asynchronous = false`).
fn job(env: &Env, script: &str, file: &str, run_extra: &str) -> String {
    format!(
        r#"
resource "oci_objectstorage_bucket" "code" {{
  compartment_id = "{tenancy}"
  namespace      = "{ns}"
  name           = "acc-code"
  force_destroy  = true
}}

resource "oci_objectstorage_bucket" "logs" {{
  compartment_id = "{tenancy}"
  namespace      = "{ns}"
  name           = "acc-logs"
  force_destroy  = true
}}

resource "oci_objectstorage_object" "script" {{
  namespace = oci_objectstorage_bucket.code.namespace
  bucket    = oci_objectstorage_bucket.code.name
  object    = "jobs/etl.py"
  content   = {script:?}
}}

resource "oci_dataflow_application" "app" {{
  compartment_id  = "{tenancy}"
  display_name    = "acc-etl"
  language        = "PYTHON"
  spark_version   = "3.5.0"
  file_uri        = "oci://${{oci_objectstorage_bucket.code.name}}@{ns}/{file}"
  logs_bucket_uri = "oci://${{oci_objectstorage_bucket.logs.name}}@{ns}/"
  driver_shape    = "VM.Standard2.1"
  executor_shape  = "VM.Standard2.1"
  num_executors   = 1
}}

resource "oci_dataflow_invoke_run" "run" {{
  compartment_id = "{tenancy}"
  application_id = oci_dataflow_application.app.id
{run_extra}
  depends_on = [oci_objectstorage_object.script]
  lifecycle {{
    replace_triggered_by = [oci_objectstorage_object.script]
  }}
}}
"#,
        tenancy = env.tenancy(),
        ns = env.namespace(),
    )
}

fn run_values(env: &Env) -> serde_json::Value {
    env.wd.resource_values(RUN).expect("the run is in state")
}

fn operations(env: &Env) -> Vec<String> {
    env.emulator
        .requests()
        .into_iter()
        .filter_map(|r| r.operation)
        .collect()
}

#[test]
fn run_synchronous_succeeds_replans_empty_and_updates_durations_in_place() {
    let env = Env::new();
    env.init_with(&job(&env, SCRIPT, "jobs/etl.py", "  asynchronous = false"));

    // Apply with provider logs on: the wait logs each state change as it goes.
    env.wd.plan();
    let apply = env.wd.run_with_env(
        &["apply", "-input=false", "-no-color", "tfplan"],
        &[("TF_LOG_PROVIDER", "INFO")],
    );
    apply.assert_success();
    assert!(
        apply.combined().contains("Data Flow run state changed"),
        "state changes are logged:\n{}",
        apply.combined()
    );
    let run = run_values(&env);
    assert_eq!(run["state"], "SUCCEEDED");
    assert_eq!(run["language"], "PYTHON");
    assert_eq!(run["display_name"], "acc-etl");
    assert_eq!(run["total_ocpu"], 2);
    assert!(run["time_created"].as_str().unwrap().ends_with("+0000 UTC"));
    // Refresh and plan: nothing to do, and a SUCCEEDED run never runs again on its own.
    let drift = env.wd.refresh_plan().drift();
    assert!(drift.is_empty(), "{drift:?}");
    assert!(env.wd.plan().is_empty());
    let id = run["id"].as_str().unwrap().to_string();
    env.wd.import_verify(RUN, &id, &["asynchronous"]);

    // Durations change in place and really reach OCI, so the diff clears.
    env.write(&job(
        &env,
        SCRIPT,
        "jobs/etl.py",
        "  asynchronous = false\n  max_duration_in_minutes = \"30\"\n  freeform_tags = { lab = \"dataflow\" }",
    ));
    let step = env.wd.step();
    assert_eq!(step.plan.actions(RUN), ["update"]);
    assert_eq!(run_values(&env)["id"], id.as_str());
    let api = env.oci(async |c| c.get_run(&id).await.unwrap().value);
    assert_eq!(api.settings.max_duration_in_minutes, Some(30));
    assert_eq!(api.settings.freeform_tags.unwrap()["lab"], "dataflow");

    // Destroying a finished run makes no call on it.
    env.wd.destroy();
    env.assert_nothing_left();
    assert!(!operations(&env).iter().any(|o| o == "DeleteRun"));
}

#[test]
fn run_with_missing_script_fails_with_details_and_logs_then_plans_replacement() {
    let env = Env::new();
    env.init_with(&job(
        &env,
        SCRIPT,
        "jobs/missing.py",
        "  asynchronous = false",
    ));
    let out = env.wd.try_apply();
    assert!(!out.success(), "the run failed, so apply fails");
    let text = out.combined();
    for expected in [
        "Data Flow Run Failed",
        // lifecycle_details
        "ObjectNotFound",
        // the driver's logs, fetched through ListRunLogs / GetRunLog
        "Last lines of the driver's stderr",
        "ERROR DataFlow",
        "Last lines of the driver's stdout",
        // where the full logs are
        "oci data-flow run get-log",
        &format!("oci://acc-logs@{}/", env.namespace()),
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    let ops = operations(&env);
    assert!(ops.iter().any(|o| o == "ListRunLogs") && ops.iter().any(|o| o == "GetRunLog"));

    // The run is in state, FAILED, and the next plan says it will be replaced.
    let run = run_values(&env);
    assert_eq!(run["state"], "FAILED");
    let plan = env.wd.plan();
    assert_eq!(
        plan.actions(RUN),
        ["delete", "create"],
        "tainted → replaced"
    );

    // Fix the file name: the application changes in place and a new run succeeds.
    env.write(&job(&env, SCRIPT, "jobs/etl.py", "  asynchronous = false"));
    env.wd.step();
    let fixed = run_values(&env);
    assert_eq!(fixed["state"], "SUCCEEDED");
    assert_ne!(fixed["id"], run["id"]);
}

#[test]
fn run_script_that_raises_fails_with_its_traceback() {
    let env = Env::new();
    let script = "import sys\nprint(\"starting\")\nraise ValueError(\"no rows in input\")\n";
    env.init_with(&job(&env, script, "jobs/etl.py", "  asynchronous = false"));
    let out = env.wd.try_apply();
    assert!(!out.success());
    let text = out.combined();
    for expected in [
        "Data Flow Run Failed",
        "ValueError: no rows in input",
        "Traceback (most recent call last)",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
}

#[test]
fn run_destroy_of_a_run_in_progress_cancels_it() {
    let env = Env::new();
    // Runs keep the lifecycle delay they started with: this one stays in progress.
    env.emulator.set_lifecycle_delay_ms(3_600_000);
    env.init_with(&job(&env, SCRIPT, "jobs/etl.py", ""));
    env.wd.step();
    let run = run_values(&env);
    assert_eq!(run["state"], "ACCEPTED", "asynchronous by default");
    let id = run["id"].as_str().unwrap().to_string();

    env.emulator.set_lifecycle_delay_ms(50);
    env.wd.destroy();
    assert!(operations(&env).iter().any(|o| o == "DeleteRun"));
    let state = env.oci(async |c| c.get_run(&id).await.unwrap().value.lifecycle_state);
    assert_eq!(
        state, "CANCELED",
        "destroy waited until the run was CANCELED"
    );
    env.assert_nothing_left();
}

/// Ctrl-C while apply waits for a run: Terraform stops the provider, which hands the run back at
/// once, so the run is in state (tainted) rather than left running outside Terraform.
#[test]
fn run_interrupted_while_waiting_is_kept_in_state_and_replaced_next() {
    let env = Env::new();
    env.emulator.set_lifecycle_delay_ms(3_600_000);
    env.init_with(&job(&env, SCRIPT, "jobs/etl.py", "  asynchronous = false"));
    let mut cmd = Command::new(terraform_path());
    cmd.args(["apply", "-input=false", "-no-color", "-auto-approve"])
        .current_dir(env.wd.path())
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_CLI_CONFIG_FILE", mirror().cli_config())
        .env("OCI_CONFIG_FILE", &env.emulator.info.config_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if key.starts_with("TF_LOG") || key.starts_with("TF_CLI_ARGS") {
            cmd.env_remove(key);
        }
    }
    let child = cmd.spawn().expect("terraform apply");
    let deadline = Instant::now() + Duration::from_secs(120);
    while env.emulator.dump()["runs"]
        .as_array()
        .is_none_or(|r| r.is_empty())
    {
        assert!(Instant::now() < deadline, "the run was never created");
        std::thread::yield_now();
    }
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(sent.success());
    let out = child.wait_with_output().expect("terraform exits");
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("Data Flow Run Wait Interrupted"), "{text}");

    let run = run_values(&env);
    assert_eq!(run["state"], "ACCEPTED", "recorded while still running");
    assert_eq!(env.wd.plan().actions(RUN), ["delete", "create"], "tainted");

    // The next destroy cancels it: nothing is left running.
    env.emulator.set_lifecycle_delay_ms(50);
    env.wd.destroy();
    let id = run["id"].as_str().unwrap().to_string();
    let state = env.oci(async |c| c.get_run(&id).await.unwrap().value.lifecycle_state);
    assert_eq!(state, "CANCELED");
}

#[test]
fn run_editing_the_script_reruns_it_through_replace_triggered_by() {
    let env = Env::new();
    env.init_with(&job(&env, SCRIPT, "jobs/etl.py", "  asynchronous = false"));
    env.wd.step();
    let first = run_values(&env)["id"].clone();

    env.write(&job(
        &env,
        "print(\"hello again\")\n",
        "jobs/etl.py",
        "  asynchronous = false",
    ));
    let step = env.wd.step();
    assert_eq!(step.plan.actions(RUN), ["delete", "create"]);
    let second = run_values(&env);
    assert_ne!(second["id"], first);
    assert_eq!(second["state"], "SUCCEEDED");
}

#[test]
fn run_invalid_configs_fail_at_plan_without_api_calls() {
    let env = Env::new();
    let ns = env.namespace().to_string();
    let tenancy = env.tenancy().to_string();
    let run = |body: &str| {
        format!(
            "resource \"oci_dataflow_invoke_run\" \"run\" {{\n  compartment_id = \"{tenancy}\"\n{body}\n}}\n"
        )
    };
    let app_run = |extra: &str| {
        run(&format!(
            "  application_id = \"ocid1.dataflowapplication.oc1.iad.aaaa\"\n{extra}"
        ))
    };
    let cases: Vec<(String, &str, &str)> = vec![
        (
            app_run(r#"  archive_uri = "oci://deps/deps.zip""#),
            "Invalid Object Storage URI",
            "archive_uri",
        ),
        (
            app_run(r#"  logs_bucket_uri = "logs-bucket""#),
            "Invalid Object Storage URI",
            "logs_bucket_uri",
        ),
        (
            app_run(r#"  warehouse_bucket_uri = "oci://@ns/""#),
            "Invalid Object Storage URI",
            "warehouse_bucket_uri",
        ),
        (
            app_run(r#"  arguments = ["oci://in-without-namespace/sales.csv"]"#),
            "Invalid Object Storage URI",
            "arguments",
        ),
        (
            run(&format!(
                "  execute   = \"oci://code@{ns}/etl.py\"\n  arguments = [\"$${{input}}\"]"
            )),
            "Undefined Argument Placeholder",
            "arguments",
        ),
        (
            app_run("  num_executors = 0"),
            "Invalid Attribute Value",
            "num_executors",
        ),
        (
            app_run(r#"  type = "NIGHTLY""#),
            "Invalid Attribute Value",
            "type",
        ),
        (
            app_run(r#"  display_name = """#),
            "Invalid Attribute Value Length",
            "display_name",
        ),
        (
            app_run(r#"  spark_version = """#),
            "Invalid Attribute Value Length",
            "spark_version",
        ),
        (
            app_run(r#"  driver_shape = "VM.Standard.E4.Flex""#),
            "Flexible Shape Needs a Shape Config",
            "driver_shape",
        ),
        (
            app_run(r#"  max_duration_in_minutes = "half an hour""#),
            "Invalid Attribute Value Match",
            "max_duration_in_minutes",
        ),
        (
            run(r#"  application_id = "ocid1.bucket.oc1.iad.aaaa""#),
            "Wrong Kind of OCID",
            "application_id",
        ),
    ];
    env.init_with(&app_run(""));
    for (config, summary, attribute) in &cases {
        env.write(config);
        let out = env.wd.run(&["plan", "-input=false", "-no-color"]);
        assert_attribute_error(&out, summary, attribute);
    }

    env.write(&run(""));
    let out = env.wd.run(&["plan", "-input=false", "-no-color"]);
    assert!(!out.success());
    assert!(
        out.combined().contains("Missing Application")
            && out.combined().contains("application_id")
            && out.combined().contains("execute"),
        "{}",
        out.combined()
    );

    env.write(&app_run(r#"  spark_version = "1.6.0""#));
    let out = env.wd.run(&["plan", "-input=false", "-no-color"]);
    out.assert_success();
    assert!(
        out.combined()
            .contains("Warning: Unsupported Spark Version")
            && out.combined().contains("3.5.0"),
        "{}",
        out.combined()
    );

    let mutating = env.emulator.mutating_requests();
    assert!(
        mutating.is_empty(),
        "no mutating request may reach OCI: {mutating:?}"
    );
}

/// A state written by Oracle's provider (its format: official-provider.md §2.1, §2.2, §7) for an
/// application and a finished run plans empty once `terraform state replace-provider` points it
/// at this provider.
#[test]
fn oracle_provider_state_plans_empty_after_replace_provider() {
    let env = Env::new();
    let (ns, tenancy) = (env.namespace().to_string(), env.tenancy().to_string());
    let (app, run) = env.oci(async |c| {
        let bucket = CreateBucketDetails {
            name: "acc-code".into(),
            compartment_id: tenancy.clone(),
            ..Default::default()
        };
        c.create_bucket(&ns, &bucket).await.unwrap();
        let body = ObjectBody::Bytes(SCRIPT.into());
        c.put_object(
            &ns,
            "acc-code",
            "jobs/etl.py",
            body,
            &PutObjectOptions::default(),
        )
        .await
        .unwrap();
        let app = CreateApplicationDetails {
            compartment_id: tenancy.clone(),
            display_name: "acc-etl".into(),
            driver_shape: "VM.Standard2.1".into(),
            executor_shape: "VM.Standard2.1".into(),
            language: "PYTHON".into(),
            num_executors: 1,
            spark_version: "3.5.0".into(),
            file_uri: Some(format!("oci://acc-code@{ns}/jobs/etl.py")),
            ..Default::default()
        };
        let app = c.create_application(&app).await.unwrap().value;
        let run = CreateRunDetails {
            compartment_id: tenancy.clone(),
            application_id: Some(app.id.clone()),
            ..Default::default()
        };
        let run = c.create_run(&run).await.unwrap().value;
        (app, run)
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let run = loop {
        let r = env.oci(async |c| c.get_run(&run.id).await.unwrap().value);
        if r.lifecycle_state == "SUCCEEDED" || Instant::now() > deadline {
            break r;
        }
        std::thread::yield_now();
    };
    assert_eq!(run.lifecycle_state, "SUCCEEDED");

    let go_time = |t: &Option<String>| {
        // Go's time.String(), as the official provider stores times.
        let t = t.as_deref().unwrap();
        let (date, rest) = t.split_once('T').unwrap();
        let clock = rest.trim_end_matches('Z');
        let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
        let frac = frac.trim_end_matches('0');
        if frac.is_empty() {
            format!("{date} {hms} +0000 UTC")
        } else {
            format!("{date} {hms}.{frac} +0000 UTC")
        }
    };
    let fixture = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/oracle-dataflow.tfstate"),
    )
    .unwrap();
    let state = fixture
        .replace("{{TENANCY}}", &tenancy)
        .replace("{{NAMESPACE}}", &ns)
        .replace("{{APP_ID}}", &app.id)
        .replace("{{APP_OWNER}}", app.owner_principal_id.as_deref().unwrap())
        .replace("{{APP_TIME_CREATED}}", &go_time(&app.time_created))
        .replace("{{APP_TIME_UPDATED}}", &go_time(&app.time_updated))
        .replace("{{RUN_ID}}", &run.id)
        .replace(
            "{{RUN_OPC_REQUEST_ID}}",
            run.opc_request_id.as_deref().unwrap(),
        )
        .replace("{{RUN_TIME_CREATED}}", &go_time(&run.time_created))
        .replace("{{RUN_TIME_UPDATED}}", &go_time(&run.time_updated))
        .replace(
            "{{RUN_DURATION}}",
            &run.run_duration_in_milliseconds.unwrap().to_string(),
        )
        .replace("{{RUN_READ}}", &run.data_read_in_bytes.unwrap().to_string());
    env.wd.write_file("terraform.tfstate", &state);
    env.write(&format!(
        r#"
resource "oci_dataflow_application" "app" {{
  compartment_id = "{tenancy}"
  display_name   = "acc-etl"
  language       = "PYTHON"
  spark_version  = "3.5.0"
  file_uri       = "oci://acc-code@{ns}/jobs/etl.py"
  driver_shape   = "VM.Standard2.1"
  executor_shape = "VM.Standard2.1"
  num_executors  = 1
}}

resource "oci_dataflow_invoke_run" "run" {{
  compartment_id = "{tenancy}"
  application_id = oci_dataflow_application.app.id
  asynchronous   = false
}}
"#
    ));
    env.wd
        .run(&[
            "state",
            "replace-provider",
            "-auto-approve",
            "-no-color",
            "registry.terraform.io/oracle/oci",
            "registry.terraform.io/ocilab/oci",
        ])
        .assert_success();
    env.wd.init();
    let plan = env.wd.plan();
    assert!(
        plan.is_empty(),
        "Oracle's state needs no change: {:?}",
        plan.effective_changes()
    );
    let before = env.emulator.mutating_requests().len();
    env.wd
        .run(&["apply", "-input=false", "-no-color", "tfplan"])
        .assert_success();
    assert_eq!(
        env.emulator.mutating_requests().len(),
        before,
        "nothing re-ran"
    );
}
