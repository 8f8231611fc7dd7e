//! Provider configuration as users write it, and the secrets rule: private key material never
//! reaches Terraform's output, its logs (at TRACE, provider logs included) or error messages.

use acceptance_tests::Env;

/// A provider block with every credential explicit and the key inline (`private_key`).
fn explicit_provider(env: &Env, fingerprint: &str) -> String {
    let i = &env.emulator.info;
    format!(
        r#"terraform {{
  required_providers {{
    oci = {{ source = "ocilab/oci" }}
  }}
}}

provider "oci" {{
  tenancy_ocid = "{tenancy}"
  user_ocid    = "{user}"
  fingerprint  = "{fingerprint}"
  region       = "{region}"
  private_key  = file("{key}")
  endpoint     = "{endpoint}"
}}

resource "oci_objectstorage_bucket" "b" {{
  compartment_id = "{tenancy}"
  namespace      = "{ns}"
  name           = "acc-explicit"
}}
"#,
        tenancy = i.tenancy_id,
        user = i.user_id,
        region = i.region,
        key = i.key_file.display(),
        endpoint = i.endpoint,
        ns = i.namespace,
    )
}

/// The base64 body lines of the emulator's private key: any of them showing up is a leak.
fn key_lines(env: &Env) -> Vec<String> {
    std::fs::read_to_string(&env.emulator.info.key_file)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 20)
        .map(str::to_string)
        .collect()
}

fn assert_no_key_material(env: &Env, text: &str, what: &str) {
    let lines = key_lines(env);
    assert!(lines.len() > 10, "the key file has a body");
    for line in lines {
        assert!(
            !text.contains(&line),
            "private key material leaked into {what}"
        );
    }
}

#[test]
fn inline_private_key_works_and_never_reaches_output_or_logs() {
    let mut env = Env::new();
    // No config file: every credential comes from the provider block.
    env.wd.set_env("OCI_CONFIG_FILE", "/nonexistent/config");
    env.wd.write_config(&explicit_provider(
        &env,
        &env.emulator.info.fingerprint.clone(),
    ));
    env.wd.init();
    let log = env.wd.path().join("trace.log");
    let out = env.wd.run_with_env(
        &["apply", "-input=false", "-no-color", "-auto-approve"],
        &[("TF_LOG", "TRACE"), ("TF_LOG_PATH", log.to_str().unwrap())],
    );
    out.assert_success();
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(
        log.contains("ApplyResourceChange"),
        "provider logs reached the trace log"
    );
    assert_no_key_material(&env, &out.combined(), "terraform output");
    assert_no_key_material(&env, &log, "the TRACE log");
    assert_no_key_material(
        &env,
        &env.wd.run(&["plan", "-no-color"]).combined(),
        "plan output",
    );
    assert_eq!(env.emulator.dump()["buckets"].as_array().unwrap().len(), 1);
}

#[test]
fn wrong_fingerprint_is_named_without_leaking_the_key() {
    let mut env = Env::new();
    env.wd.set_env("OCI_CONFIG_FILE", "/nonexistent/config");
    env.wd.write_config(&explicit_provider(
        &env,
        "aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99",
    ));
    env.wd.init();
    let out = env.wd.run(&["plan", "-input=false", "-no-color"]);
    assert!(!out.success());
    let text = out.combined();
    assert!(text.contains("Invalid Provider Configuration"), "{text}");
    assert!(
        text.to_lowercase().contains("fingerprint"),
        "names the problem: {text}"
    );
    assert_no_key_material(&env, &text, "the error");
    assert!(
        env.emulator.requests().is_empty(),
        "nothing was sent with a bad configuration"
    );
}

/// Every secret of the lab's credentials: the key's body lines (plain and encrypted), the
/// passphrase and a session token.
struct Secrets {
    lines: Vec<String>,
    passphrase: &'static str,
    token: String,
}

impl Secrets {
    #[track_caller]
    fn assert_absent(&self, text: &str, what: &str) {
        for line in &self.lines {
            assert!(
                !text.contains(line),
                "private key material leaked into {what}"
            );
        }
        assert!(
            !text.contains(self.passphrase),
            "the passphrase leaked into {what}"
        );
        assert!(
            !text.contains(&self.token),
            "the security token leaked into {what}"
        );
    }
}

/// Issue 13 item 6, for every resource type: the whole lab applied at TF_LOG=TRACE with a
/// passphrase-protected key, then a failing apply, then a failing apply with a session token.
/// No private key line, passphrase or token appears in Terraform's output, its TRACE log
/// (provider logs included), the plan, the state file, or the emulator's log at its most
/// verbose level.
#[test]
fn the_lab_at_trace_with_an_encrypted_key_and_a_token_leaks_no_secret() {
    let mut env = Env::lab_with_emulator_env(&[("OCI_EMULATOR_LOG", "trace")]);
    env.emulator.set_lifecycle_delay_ms(10);
    let wd = env.wd.path().to_path_buf();
    let info = env.emulator.info.clone();
    let passphrase = "lab-passphrase-6Zq9";
    let encrypted = wd.join("encrypted_key.pem");
    let status = std::process::Command::new("openssl")
        .args(["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-passout"])
        .arg(format!("pass:{passphrase}"))
        .arg("-in")
        .arg(&info.key_file)
        .arg("-out")
        .arg(&encrypted)
        .status()
        .expect("openssl (needed to encrypt the test key) is not installed");
    assert!(status.success(), "openssl pkcs8 failed");
    let token = format!(
        "eyJ0eXAiOiJKV1Qi.session-{}.sig",
        info.fingerprint.replace(':', "")
    );
    std::fs::write(wd.join("token"), &token).unwrap();
    let base = std::fs::read_to_string(&info.config_file)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("key_file=") && !l.starts_with('['))
        .collect::<Vec<_>>()
        .join("\n");
    let key = encrypted.display();
    let config = format!(
        "[{p}]\n{base}\nkey_file={key}\npass_phrase={passphrase}\n\n[TOKEN]\n{base}\n\
         key_file={key}\npass_phrase={passphrase}\nsecurity_token_file={}\n",
        wd.join("token").display(),
        p = info.profile,
    );
    std::fs::write(wd.join("oci-config"), config).unwrap();
    env.wd.set_env(
        "OCI_CONFIG_FILE",
        &wd.join("oci-config").display().to_string(),
    );
    let mut lines = key_lines(&env);
    lines.extend(
        std::fs::read_to_string(&encrypted)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with("-----") && l.len() > 20)
            .map(str::to_string),
    );
    let secrets = Secrets {
        lines,
        passphrase,
        token,
    };

    let trace = |name: &str| {
        let path = wd.join(name);
        (
            path.clone(),
            [
                ("TF_LOG", "TRACE".to_owned()),
                ("TF_LOG_PATH", path.display().to_string()),
            ],
        )
    };
    let run = |args: &[&str], log: &str, extra: &[(&str, &str)]| {
        let (path, vars) = trace(log);
        let mut all: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        all.extend_from_slice(extra);
        let out = env.wd.run_with_env(args, &all);
        let log = std::fs::read_to_string(path).unwrap_or_default();
        (out, log)
    };
    let apply = ["apply", "-input=false", "-no-color", "-auto-approve"];

    let (out, log) = run(&apply, "apply.log", &[]);
    out.assert_success();
    for type_name in [
        "oci_objectstorage_bucket",
        "oci_objectstorage_object",
        "oci_identity_dynamic_group",
        "oci_identity_policy",
        "oci_dataflow_application",
        "oci_dataflow_invoke_run",
    ] {
        assert!(
            out.stdout.contains(type_name),
            "the lab applied {type_name}"
        );
    }
    assert!(
        log.contains("ApplyResourceChange"),
        "provider logs reached the trace log"
    );
    secrets.assert_absent(&out.combined(), "the apply's output");
    secrets.assert_absent(&log, "the apply's TRACE log");
    let state = std::fs::read_to_string(wd.join("terraform.tfstate")).unwrap();
    secrets.assert_absent(&state, "the state file");
    let (plan, log) = run(&["plan", "-no-color"], "plan.log", &[]);
    plan.assert_success();
    secrets.assert_absent(&plan.combined(), "plan output");
    secrets.assert_absent(&log, "the plan's TRACE log");

    // A failed apply: the run's create is refused.
    env.emulator.add_fault(serde_json::json!({
        "operation": "CreateRun", "status": 400, "code": "InvalidParameter",
        "message": "injected: the run was refused"
    }));
    let (out, log) = run(
        &[&apply[..], &["-replace=oci_dataflow_invoke_run.sales_etl"]].concat(),
        "failed.log",
        &[],
    );
    assert!(!out.success());
    assert!(
        out.combined().contains("injected: the run was refused"),
        "{}",
        out.combined()
    );
    secrets.assert_absent(&out.combined(), "a failed apply's error");
    secrets.assert_absent(&log, "a failed apply's TRACE log");
    env.emulator.clear_faults();

    // A session token the service does not accept: the error names the problem, not the token.
    let (out, log) = run(
        &apply,
        "token.log",
        &[
            ("TF_VAR_auth", "SecurityToken"),
            ("TF_VAR_config_file_profile", "TOKEN"),
        ],
    );
    assert!(!out.success(), "{}", out.combined());
    secrets.assert_absent(&out.combined(), "a failed token apply's error");
    secrets.assert_absent(&log, "a failed token apply's TRACE log");

    env.wd.destroy();
    env.assert_nothing_left();
    secrets.assert_absent(&env.emulator.stderr(), "the emulator's log");
}
