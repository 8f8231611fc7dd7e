//! The whole protocol, proven with the real `terraform` binary and the file-backed test provider
//! (`src/bin/fileprovider.rs`), installed offline from a filesystem mirror.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::{Env, HEADER, file_config};
use tfplugin::testing::Workdir;

/// The provider's private bytes for `address`, from `terraform state pull`, as JSON.
fn private_of(wd: &Workdir, address: &str) -> serde_json::Value {
    let out = wd.run(&["state", "pull"]);
    out.assert_success();
    let state: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let (ty, name) = address.split_once('.').unwrap();
    let res = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == ty && r["name"] == name)
        .unwrap();
    let b64 = res["instances"][0]["private"]
        .as_str()
        .expect("private bytes in state");
    serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap(),
    )
    .unwrap()
}

#[test]
fn init_installs_from_the_filesystem_mirror_and_validates() {
    let env = Env::new();
    env.wd.write_config(&file_config("alpha", "hello", ""));
    let init = env.wd.init();
    assert!(
        init.stdout.contains("Installing ocilab/tftest v0.1.0"),
        "{}",
        init.stdout
    );
    let lock =
        std::fs::read_to_string(env.wd.path().join(".terraform.lock.hcl")).expect("lock file");
    assert!(
        lock.contains("registry.terraform.io/ocilab/tftest") && lock.contains("h1:"),
        "{lock}"
    );
    let v = env.wd.validate();
    assert!(
        v.success() && v.stdout.contains("Success"),
        "{}",
        v.combined()
    );
}

#[test]
fn create_update_replace_disappear_and_destroy() {
    let env = Env::new();
    let wd = &env.wd;
    wd.write_config(&file_config(
        "alpha",
        "hello",
        "  token   = \"one-time\"\n  tags    = { env = \"test\" }\n",
    ));
    wd.init();

    // Create: computed values unknown at plan time, default planned, write-only never stored.
    let step = wd.step();
    assert_eq!(step.plan.actions("tftest_file.a"), vec!["create"]);
    let after = step.plan.after("tftest_file.a");
    assert_eq!(after["mode"], "rw", "default is planned as a known value");
    assert_eq!(after["size"], 5, "modify_plan predicts the size");
    let a = wd.resource_values("tftest_file.a").expect("in state");
    assert_eq!(a["id"], "file-alpha");
    assert_eq!(a["size"], 5);
    assert_eq!(a["tags"]["env"], "test");
    assert_eq!(
        a["token"],
        serde_json::Value::Null,
        "write-only values are not stored"
    );
    let created = a["created"].as_str().expect("created is set").to_string();
    assert_eq!(env.object("file-alpha")["content"], "hello");

    // In-place update: same id and creation stamp (use_state_for_unknown), new content.
    wd.write_config(&file_config(
        "alpha",
        "hello, world",
        "  token   = \"one-time\"\n  tags    = { env = \"test\" }\n",
    ));
    let step = wd.step();
    assert_eq!(step.plan.actions("tftest_file.a"), vec!["update"]);
    let a = wd.resource_values("tftest_file.a").unwrap();
    assert_eq!(
        (a["id"].as_str(), a["created"].as_str(), a["size"].as_i64()),
        (Some("file-alpha"), Some(created.as_str()), Some(12))
    );
    assert_eq!(env.object("file-alpha")["content"], "hello, world");

    // Private state: written by create, handed back to update through state and plan.
    assert_eq!(
        private_of(wd, "tftest_file.a"),
        serde_json::json!({"written_by": "update", "previous": {"written_by": "create"}})
    );

    // requires_replace on name: delete then create.
    wd.write_config(&file_config("beta", "hello, world", ""));
    let step = wd.step();
    assert_eq!(step.plan.actions("tftest_file.a"), vec!["delete", "create"]);
    assert!(
        !env.object_path("file-alpha").exists(),
        "old object deleted"
    );
    assert!(env.object_path("file-beta").exists(), "new object created");

    // Out-of-band change: refresh-only drift shows an update.
    let mut obj = env.object("file-beta");
    obj["content"] = "changed outside".into();
    std::fs::write(
        env.object_path("file-beta"),
        serde_json::to_vec(&obj).unwrap(),
    )
    .unwrap();
    let drift = wd.refresh_plan().drift();
    assert_eq!(drift.len(), 1, "{drift:?}");
    assert_eq!(drift[0].actions, vec!["update"]);
    assert_eq!(
        wd.plan().actions("tftest_file.a"),
        vec!["update"],
        "the configuration wins back"
    );
    wd.step();

    // Out-of-band deletion: read returns null, so the plan re-creates it.
    std::fs::remove_file(env.object_path("file-beta")).unwrap();
    let drift = wd.refresh_plan().drift();
    assert_eq!(
        drift.iter().map(|d| d.actions.clone()).collect::<Vec<_>>(),
        vec![vec!["delete".to_string()]]
    );
    let step = wd.step();
    assert_eq!(step.plan.actions("tftest_file.a"), vec!["create"]);
    assert!(env.object_path("file-beta").exists());

    // Destroy (plan_destroy): nothing left in the directory or in state.
    wd.destroy();
    assert!(!env.object_path("file-beta").exists());
    assert!(wd.resource_values("tftest_file.a").is_none());
    assert_eq!(std::fs::read_dir(env.data.path()).unwrap().count(), 0);
}

#[test]
fn nested_blocks_maps_and_sensitive_values() {
    let env = Env::new();
    let wd = &env.wd;
    let body = |days: i64| {
        format!(
            "  secret  = \"s3cret\"\n  tags    = {{ a = \"1\", b = \"2\" }}\n  rule {{\n    key  = \"logs\"\n    days = {days}\n  }}\n  rule {{\n    key = \"tmp\"\n  }}\n"
        )
    };
    wd.write_config(&file_config("gamma", "x", &body(30)));
    wd.init();
    wd.step();
    let a = wd.resource_values("tftest_file.a").unwrap();
    assert_eq!(a["rule"][0]["days"], 30);
    assert_eq!(a["rule"][1]["days"], serde_json::Value::Null);
    assert_eq!(a["tags"], serde_json::json!({"a": "1", "b": "2"}));
    let plan_text = wd.run(&["plan", "-no-color"]).stdout;
    assert!(
        !plan_text.contains("s3cret"),
        "sensitive value must not be shown"
    );

    wd.write_config(&file_config("gamma", "x", &body(60)));
    let step = wd.step();
    assert_eq!(step.plan.actions("tftest_file.a"), vec!["update"]);
    assert_eq!(env.object("file-gamma")["rule"][0]["days"], 60);
    wd.destroy();
}

#[test]
fn import_with_the_cli_and_with_an_import_block() {
    let env = Env::new();
    let config = file_config("delta", "imported", "  mode    = \"ro\"\n");
    env.wd.write_config(&config);
    env.wd.init();
    env.wd.step();

    // CLI: `terraform import` in a fresh directory gives the same state as the apply did.
    env.wd.import_verify("tftest_file.a", "file-delta", &[]);

    // Unknown id: "Cannot import non-existent remote object".
    let other = env.sibling();
    other.write_config(&config);
    other.init();
    let out = other.try_import("tftest_file.a", "file-nope");
    assert!(!out.success());
    assert!(
        out.combined().contains("non-existent"),
        "{}",
        out.combined()
    );

    // import {} block: planned as an import with no other change, then applied.
    let other = env.sibling();
    other.write_config(&format!(
        "{config}\nimport {{\n  to = tftest_file.a\n  id = \"file-delta\"\n}}\n"
    ));
    other.init();
    let plan = other.plan();
    let change = plan.json["resource_changes"][0].clone();
    assert_eq!(
        change["change"]["importing"]["id"], "file-delta",
        "{change}"
    );
    assert_eq!(plan.actions("tftest_file.a"), vec!["no-op"]);
    other
        .run(&["apply", "-input=false", "-no-color", "tfplan"])
        .assert_success();
    assert_eq!(
        other.resource_values("tftest_file.a"),
        env.wd.resource_values("tftest_file.a")
    );
}

#[test]
fn validator_failures_point_at_the_attribute_line() {
    let env = Env::new();
    let config = file_config(
        "Not Valid!",
        "x",
        "  mode    = \"rw\"\n  rule {\n    key  = \"k\"\n    days = 99999\n  }\n",
    );
    env.wd.write_config(&config);
    env.wd.init();
    let out = env.wd.validate();
    assert!(!out.success());
    let text = out.combined();
    let line_of = |needle: &str| config.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let name_line = line_of("name    =");
    let days_line = line_of("days = 99999");
    assert!(text.contains("must contain only a-z, 0-9 and -"), "{text}");
    assert!(
        text.contains(&format!("on main.tf line {name_line}")),
        "expected line {name_line}:\n{text}"
    );
    assert!(
        text.contains(&format!("on main.tf line {days_line}")),
        "expected line {days_line}:\n{text}"
    );
}

/// Every provider process Terraform starts exits by itself through GRPCController.Shutdown
/// (a SIGKILLed process writes no `.exit` marker), leaves no socket directory behind, and no
/// provider process outlives the command. Also prints the measured provider time of a
/// 1-resource plan (measured, not asserted).
#[test]
fn every_provider_process_exits_through_shutdown() {
    let env = Env::new();
    let procs = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    env.wd.write_config(&file_config("epsilon", "x", ""));
    env.wd.init();
    env.wd.step();

    let extra = [
        ("TFTEST_PROCESS_LOG", procs.path().to_str().unwrap()),
        ("TMPDIR", tmp.path().to_str().unwrap()),
    ];
    let out = env
        .wd
        .run_with_env(&["plan", "-input=false", "-no-color"], &extra);
    out.assert_success();
    assert!(out.stdout.contains("No changes"), "{}", out.stdout);

    let pids = |ext: &str| -> BTreeSet<String> {
        std::fs::read_dir(procs.path())
            .unwrap()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.strip_suffix(ext).map(String::from))
            .collect()
    };
    let started = pids(".start");
    assert!(
        started.len() >= 2,
        "terraform starts several provider processes per plan: {started:?}"
    );
    // Terraform has already waited for its plugins; the deadline only guards slow filesystems.
    let deadline = Instant::now() + Duration::from_secs(10);
    while pids(".exit") != started && Instant::now() < deadline {
        std::thread::yield_now();
    }
    assert_eq!(
        pids(".exit"),
        started,
        "every process exits cleanly after Shutdown"
    );
    for pid in &started {
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "provider process {pid} still running"
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(
        leftovers.is_empty(),
        "socket directories left behind: {leftovers:?}"
    );

    let read = |pid: &str, ext: &str| -> u128 {
        std::fs::read_to_string(procs.path().join(format!("{pid}{ext}")))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    let lifetimes: Vec<u128> = started
        .iter()
        .map(|p| read(p, ".exit") - read(p, ".start"))
        .collect();
    eprintln!(
        "MEASURED: 1-resource `terraform plan` took {:?} wall; {} provider processes lived {:?} µs (sum {} µs)",
        out.elapsed,
        lifetimes.len(),
        lifetimes,
        lifetimes.iter().sum::<u128>()
    );
}

#[test]
fn unknown_values_from_other_resources_flow_through_plan_and_apply() {
    let env = Env::new();
    let config = format!(
        "{HEADER}resource \"tftest_file\" \"a\" {{\n  name    = \"zeta\"\n  content = \"x\"\n}}\n\n\
         resource \"tftest_file\" \"b\" {{\n  name    = \"eta\"\n  content = \"copy of ${{tftest_file.a.id}}\"\n}}\n"
    );
    env.wd.write_config(&config);
    env.wd.init();
    let step = env.wd.step();
    // b's content depends on a's id: unknown (a refined unknown on the wire) at plan time.
    assert_eq!(
        step.plan.json["resource_changes"][1]["change"]["after_unknown"]["content"],
        true
    );
    assert_eq!(env.object("file-eta")["content"], "copy of file-zeta");
    env.wd.destroy();
}

#[test]
fn provider_logs_reach_terraform_as_hclog_with_levels() {
    let env = Env::new();
    env.wd.write_config(&file_config("iota", "x", ""));
    env.wd.init();
    let out = env.wd.run_with_env(
        &["plan", "-input=false", "-no-color"],
        &[("TF_LOG", "DEBUG")],
    );
    out.assert_success();
    // Terraform parsed our JSON lines: level, message and fields, not the raw JSON text.
    let plan_line = out
        .stderr
        .lines()
        .find(|l| {
            l.contains("[DEBUG] provider.terraform-provider-tftest_v0.1.0: PlanResourceChange:")
        })
        .unwrap_or_else(|| panic!("no parsed PlanResourceChange line in:\n{}", out.stderr));
    assert!(
        plan_line.contains("@module=tfplugin.grpc") && plan_line.contains("type_name=tftest_file"),
        "{plan_line}"
    );
    assert!(out.stderr.contains(
        "[INFO]  provider.terraform-provider-tftest_v0.1.0: serving gRPC over mutual TLS"
    ));
    assert!(!out.stderr.contains("{\"@level\""), "unparsed hclog line");
    // Without TF_LOG, nothing of ours shows.
    let quiet = env.wd.run(&["plan", "-input=false", "-no-color"]);
    assert!(!quiet.combined().contains("PlanResourceChange"));
}

#[test]
fn data_source_reads_after_apply_and_reports_missing_objects() {
    let env = Env::new();
    let config = format!(
        "{}\ndata \"tftest_file\" \"d\" {{\n  id = tftest_file.a.id\n}}\n\noutput \"copied\" {{\n  value = data.tftest_file.d.content\n}}\n",
        file_config("kappa", "read me", "")
    );
    env.wd.write_config(&config);
    env.wd.init();
    let step = env.wd.step();
    assert_eq!(
        step.state["values"]["outputs"]["copied"]["value"],
        "read me"
    );

    let missing = format!(
        "{}data \"tftest_file\" \"gone\" {{\n  id = \"file-nope\"\n}}\n",
        common::HEADER
    );
    let other = env.sibling();
    other.write_config(&missing);
    other.init();
    let out = other
        .try_plan(&[])
        .expect_err("reading a missing object fails");
    let text = out.combined();
    assert!(
        text.contains("Object Not Found") && text.contains("on main.tf line 8"),
        "{text}"
    );
}

/// State written by schema version 0 (attribute `text`, renamed `content` in version 1) goes
/// through the resource's upgrade hook: the plan is empty and the state is in the new shape.
#[test]
fn state_from_an_older_schema_version_is_upgraded() {
    let env = Env::new();
    env.wd.write_config(&file_config("lambda", "old text", ""));
    env.wd.init();
    env.wd.step();

    // Rewrite the stored state as version 0 would have written it.
    let out = env.wd.run(&["state", "pull"]);
    out.assert_success();
    let mut state: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let instance = &mut state["resources"][0]["instances"][0];
    assert_eq!(instance["schema_version"], 1);
    instance["schema_version"] = 0.into();
    let attrs = instance["attributes"].as_object_mut().unwrap();
    let content = attrs.remove("content").unwrap();
    attrs.insert("text".into(), content);
    state["serial"] = (state["serial"].as_i64().unwrap() + 1).into();
    env.wd.write_file("old.tfstate", &state.to_string());
    env.wd
        .run(&["state", "push", "old.tfstate"])
        .assert_success();

    // Without refresh, only the upgrade can have turned `text` back into `content`: a
    // same-version decode would drop it and the plan would show an update.
    let plan = env
        .wd
        .try_plan(&["-refresh=false"])
        .unwrap_or_else(|out| panic!("{}", out.combined()));
    assert!(plan.is_empty(), "{:?}", plan.effective_changes());
    env.wd
        .run(&["apply", "-input=false", "-no-color", "tfplan"])
        .assert_success();
    let out = env.wd.run(&["state", "pull"]);
    let state: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let instance = &state["resources"][0]["instances"][0];
    assert_eq!(instance["schema_version"], 1);
    assert_eq!(instance["attributes"]["content"], "old text");
    assert!(instance["attributes"].get("text").is_none());
}
