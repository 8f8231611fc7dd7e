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
