//! Config resolution: precedence (argument → TF_VAR_ → OCI_ → config file), profiles with
//! [DEFAULT] inheritance, key sources, fingerprint check, auth modes, endpoint overrides, retry
//! settings, and error messages that name the field and the file.

mod common;

use std::path::Path;

use common::{PASSPHRASE, TENANCY, USER, fingerprint, fixture, read_fixture};
use oci_client::auth::KeyId;
use oci_client::{AuthMode, ClientConfig, Env, ProviderArgs, RetryPolicy, Secret, Service};

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `~/.oci/config` and copies the key files the config names as `~/keys/<name>`.
    fn write_config(&self, text: &str) -> std::path::PathBuf {
        let oci = self.path().join(".oci");
        std::fs::create_dir_all(&oci).unwrap();
        let keys = self.path().join("keys");
        std::fs::create_dir_all(&keys).unwrap();
        for entry in std::fs::read_dir(fixture("")).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), keys.join(entry.file_name())).unwrap();
        }
        let file = oci.join("config");
        std::fs::write(&file, text).unwrap();
        file
    }

    fn env(&self, extra: &[(&str, &str)]) -> Env {
        let mut vars = vec![("HOME".to_string(), self.path().display().to_string())];
        vars.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string())),
        );
        Env::from_map(vars)
    }
}

fn standard_config() -> String {
    format!(
        "# comment\n[DEFAULT]\nuser={USER}\nfingerprint={fp}\ntenancy={TENANCY}\nregion=us-ashburn-1\nkey_file=~/keys/pkcs8.pem\n\n\
         [ENC]\nkey_file = ~/keys/legacy_aes256.pem\npass_phrase = {PASSPHRASE}\n\n\
         [PHX]\nregion: phx\n\n[TOKEN]\nsecurity_token_file=~/token\n",
        fp = fingerprint()
    )
}

fn key_id(cfg: &ClientConfig) -> (String, String, String) {
    match cfg.signer.key_id() {
        KeyId::ApiKey {
            tenancy,
            user,
            fingerprint,
        } => (tenancy.clone(), user.clone(), fingerprint.clone()),
        KeyId::SecurityToken(_) => panic!("expected an API key"),
    }
}

fn err(args: &ProviderArgs, env: &Env) -> String {
    ClientConfig::resolve(args, env).unwrap_err().to_string()
}

#[test]
fn default_profile_from_home_config() {
    let home = Home::new();
    home.write_config(&standard_config());
    let cfg = ClientConfig::resolve(&ProviderArgs::default(), &home.env(&[])).unwrap();
    assert_eq!(cfg.auth, AuthMode::ApiKey);
    assert_eq!(key_id(&cfg), (TENANCY.into(), USER.into(), fingerprint()));
    assert_eq!(cfg.region.as_ref().unwrap().id, "us-ashburn-1");
    assert_eq!(
        cfg.endpoints[&Service::DataFlow].as_str(),
        "https://dataflow.us-ashburn-1.oci.oraclecloud.com/20200129"
    );
    assert_eq!(
        cfg.endpoints[&Service::Identity].as_str(),
        "https://identity.us-ashburn-1.oci.oraclecloud.com/20160918"
    );
    assert_eq!(
        cfg.endpoints[&Service::ObjectStorage].as_str(),
        "https://objectstorage.us-ashburn-1.oraclecloud.com/"
    );
    assert_eq!(cfg.profile.as_deref(), Some("DEFAULT"));
    assert_eq!(cfg.retry, RetryPolicy::default());
}

#[test]
fn named_profiles_inherit_from_default() {
    let home = Home::new();
    home.write_config(&standard_config());
    let args = ProviderArgs {
        config_file_profile: Some("ENC".into()),
        ..Default::default()
    };
    let cfg = ClientConfig::resolve(&args, &home.env(&[])).unwrap();
    // user/tenancy/fingerprint/region come from DEFAULT, key and passphrase from [ENC].
    assert_eq!(key_id(&cfg), (TENANCY.into(), USER.into(), fingerprint()));
    assert_eq!(cfg.region.as_ref().unwrap().id, "us-ashburn-1");
    // The profile can also come from the env, and a short region code is expanded.
    let cfg = ClientConfig::resolve(
        &ProviderArgs::default(),
        &home.env(&[("OCI_CONFIG_FILE_PROFILE", "PHX")]),
    )
    .unwrap();
    assert_eq!(cfg.region.as_ref().unwrap().id, "us-phoenix-1");
    assert_eq!(cfg.profile.as_deref(), Some("PHX"));
}

#[test]
fn precedence_argument_then_tf_var_then_oci_env_then_file() {
    let home = Home::new();
    home.write_config(&standard_config());
    let region = |args: &ProviderArgs, env: &[(&str, &str)]| {
        ClientConfig::resolve(args, &home.env(env))
            .unwrap()
            .region
            .unwrap()
            .id
    };
    let none = ProviderArgs::default();
    assert_eq!(region(&none, &[]), "us-ashburn-1");
    assert_eq!(
        region(&none, &[("OCI_REGION", "eu-frankfurt-1")]),
        "eu-frankfurt-1"
    );
    assert_eq!(
        region(
            &none,
            &[
                ("OCI_REGION", "eu-frankfurt-1"),
                ("TF_VAR_region", "uk-london-1")
            ]
        ),
        "uk-london-1"
    );
    let arg = ProviderArgs {
        region: Some("ap-tokyo-1".into()),
        ..Default::default()
    };
    assert_eq!(
        region(
            &arg,
            &[
                ("OCI_REGION", "eu-frankfurt-1"),
                ("TF_VAR_region", "uk-london-1")
            ]
        ),
        "ap-tokyo-1"
    );
    // Empty values count as unset.
    assert_eq!(
        region(
            &none,
            &[("TF_VAR_region", ""), ("OCI_REGION", "eu-frankfurt-1")]
        ),
        "eu-frankfurt-1"
    );

    let cfg = ClientConfig::resolve(
        &none,
        &home.env(&[
            ("OCI_TENANCY_OCID", "ocid1.tenancy.oc1..fromenv"),
            ("TF_VAR_user_ocid", "ocid1.user.oc1..fromtfvar"),
        ]),
    )
    .unwrap();
    let (t, u, _) = key_id(&cfg);
    assert_eq!(
        (t.as_str(), u.as_str()),
        ("ocid1.tenancy.oc1..fromenv", "ocid1.user.oc1..fromtfvar")
    );
}

#[test]
fn oci_config_file_env_selects_the_file() {
    let home = Home::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("emulator-config");
    std::fs::write(
        &file,
        format!(
            "[EMULATOR]\nuser={USER}\ntenancy={TENANCY}\nfingerprint={}\nregion=us-ashburn-1\nkey_file={}\n",
            fingerprint(),
            fixture("pkcs1.pem").display()
        ),
    )
    .unwrap();
    let env = home.env(&[("OCI_CONFIG_FILE", file.to_str().unwrap())]);
    let args = ProviderArgs {
        config_file_profile: Some("EMULATOR".into()),
        ..Default::default()
    };
    let cfg = ClientConfig::resolve(&args, &env).unwrap();
    assert_eq!(cfg.config_file.as_deref(), Some(file.as_path()));
    assert_eq!(key_id(&cfg).2, fingerprint());
}

#[test]
fn provider_arguments_alone_are_enough() {
    let env = Env::from_map([("HOME", "/nonexistent-home")]);
    let args = ProviderArgs {
        region: Some("us-langley-1".into()),
        tenancy_ocid: Some(TENANCY.into()),
        user_ocid: Some(USER.into()),
        private_key: Some(Secret::new(read_fixture("pkcs8_encrypted_aes256.pem"))),
        private_key_password: Some(Secret::new(PASSPHRASE)),
        ..Default::default()
    };
    let cfg = ClientConfig::resolve(&args, &env).unwrap();
    // No fingerprint configured: it is computed from the key.
    assert_eq!(key_id(&cfg).2, fingerprint());
    assert_eq!(
        cfg.endpoints[&Service::DataFlow].as_str(),
        "https://dataflow.us-langley-1.oci.oraclegovcloud.com/20200129"
    );
    assert!(cfg.config_file.is_none());
}

#[test]
fn inline_key_with_literal_backslash_n_and_key_path_with_tilde() {
    let home = Home::new();
    home.write_config("[DEFAULT]\n");
    let one_line = read_fixture("pkcs1.pem").replace('\n', "\\n");
    let base = ProviderArgs {
        region: Some("us-ashburn-1".into()),
        tenancy_ocid: Some(TENANCY.into()),
        user_ocid: Some(USER.into()),
        ..Default::default()
    };
    let env = home.env(&[("TF_VAR_private_key", one_line.as_str())]);
    assert_eq!(
        key_id(&ClientConfig::resolve(&base, &env).unwrap()).2,
        fingerprint()
    );
    let args = ProviderArgs {
        private_key_path: Some("~/keys/legacy_des3.pem".into()),
        ..base.clone()
    };
    let env = home.env(&[("OCI_PRIVATE_KEY_PASSWORD", PASSPHRASE)]);
    assert_eq!(
        key_id(&ClientConfig::resolve(&args, &env).unwrap()).2,
        fingerprint()
    );
}

#[test]
fn missing_fields_are_named_with_the_file_and_profile() {
    let home = Home::new();
    let file = home.write_config("[DEFAULT]\nregion=us-ashburn-1\n[EMPTY]\n");
    let args = ProviderArgs {
        config_file_profile: Some("EMPTY".into()),
        ..Default::default()
    };
    let msg = err(&args, &home.env(&[]));
    for needle in [
        "missing `tenancy_ocid`",
        "TF_VAR_tenancy_ocid",
        "OCI_TENANCY_OCID",
        "`tenancy` in profile [EMPTY]",
        "missing `user_ocid`",
        "`user` in profile [EMPTY]",
        "missing private key",
        "`key_file` in profile [EMPTY]",
        file.to_str().unwrap(),
    ] {
        assert!(msg.contains(needle), "`{needle}` not in:\n{msg}");
    }
    // Region was inherited from DEFAULT, so it is not reported.
    assert!(!msg.contains("missing `region`"), "{msg}");

    let typo = Home::new();
    let msg = err(
        &ProviderArgs::default(),
        &typo.env(&[("OCI_CONFIG_FILE", "/nonexistent/oci-config")]),
    );
    assert!(
        msg.contains("OCI_CONFIG_FILE=/nonexistent/oci-config does not exist"),
        "{msg}"
    );

    let no_file = Home::new();
    let msg = err(&ProviderArgs::default(), &no_file.env(&[]));
    assert!(
        msg.contains("missing `region`") && msg.contains("none used"),
        "{msg}"
    );
}

#[test]
fn unknown_profile_and_missing_file_are_errors() {
    let home = Home::new();
    let file = home.write_config(&standard_config());
    let args = ProviderArgs {
        config_file_profile: Some("NOPE".into()),
        ..Default::default()
    };
    let msg = err(&args, &home.env(&[]));
    assert!(
        msg.contains("no profile [NOPE]") && msg.contains(file.to_str().unwrap()),
        "{msg}"
    );
    assert!(
        msg.contains("DEFAULT, ENC, PHX, TOKEN"),
        "lists the profiles: {msg}"
    );
    let msg = err(&args, &Home::new().env(&[]));
    assert!(
        msg.contains("NOPE") && msg.contains("no OCI config file found"),
        "{msg}"
    );
    let bad = Home::new();
    let file = bad.write_config("user=x\n");
    let msg = err(&ProviderArgs::default(), &bad.env(&[]));
    assert!(
        msg.contains(file.to_str().unwrap()) && msg.contains("line 1"),
        "{msg}"
    );
}

#[test]
fn passphrase_errors_name_the_key_file() {
    let home = Home::new();
    home.write_config(&format!(
        "[DEFAULT]\nuser={USER}\ntenancy={TENANCY}\nregion=us-ashburn-1\nkey_file=~/keys/pkcs8_encrypted_aes256.pem\n[WRONG]\npass_phrase=nope\n"
    ));
    let msg = err(&ProviderArgs::default(), &home.env(&[]));
    assert!(
        msg.contains("pkcs8_encrypted_aes256.pem") && msg.contains("no passphrase"),
        "{msg}"
    );
    let args = ProviderArgs {
        config_file_profile: Some("WRONG".into()),
        ..Default::default()
    };
    let msg = err(&args, &home.env(&[]));
    assert!(
        msg.contains("passphrase is wrong") && msg.contains("`pass_phrase` in profile [WRONG]"),
        "{msg}"
    );
    assert!(
        !msg.contains("nope"),
        "the passphrase itself is never printed: {msg}"
    );
    let args = ProviderArgs {
        private_key_path: Some("~/keys/does-not-exist.pem".into()),
        ..Default::default()
    };
    let msg = err(&args, &home.env(&[]));
    assert!(
        msg.contains("does-not-exist.pem") && msg.contains("provider argument `private_key_path`"),
        "{msg}"
    );
}

#[test]
fn fingerprint_mismatch_is_an_error() {
    let home = Home::new();
    home.write_config(&standard_config());
    let wrong = "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff";
    let args = ProviderArgs {
        fingerprint: Some(wrong.into()),
        ..Default::default()
    };
    let msg = err(&args, &home.env(&[]));
    assert!(
        msg.contains("fingerprint mismatch") && msg.contains(wrong) && msg.contains(&fingerprint()),
        "{msg}"
    );
    assert!(msg.contains("provider argument `fingerprint`"), "{msg}");
}

#[test]
fn auth_modes() {
    let home = Home::new();
    home.write_config(&standard_config());
    std::fs::write(home.path().join("token"), "header.payload.sig\n").unwrap();
    let args = ProviderArgs {
        auth: Some("securitytoken".into()),
        config_file_profile: Some("TOKEN".into()),
        ..Default::default()
    };
    let cfg = ClientConfig::resolve(&args, &home.env(&[])).unwrap();
    assert_eq!(cfg.auth, AuthMode::SecurityToken);
    match cfg.signer.key_id() {
        KeyId::SecurityToken(t) => assert_eq!(t.expose(), "header.payload.sig"),
        other => panic!("{other:?}"),
    }
    let msg = err(
        &ProviderArgs {
            auth: Some("SecurityToken".into()),
            ..Default::default()
        },
        &home.env(&[]),
    );
    assert!(msg.contains("config_file_profile"), "{msg}");
    let msg = err(
        &ProviderArgs {
            auth: Some("SecurityToken".into()),
            config_file_profile: Some("ENC".into()),
            ..Default::default()
        },
        &home.env(&[]),
    );
    assert!(
        msg.contains("security_token_file") && msg.contains("[ENC]"),
        "{msg}"
    );

    for mode in [
        "InstancePrincipal",
        "ResourcePrincipal",
        "OKEWorkloadIdentity",
        "InstancePrincipalWithCerts",
        "WorkloadIdentityFederation",
    ] {
        let msg = err(
            &ProviderArgs {
                auth: Some(mode.into()),
                ..Default::default()
            },
            &home.env(&[]),
        );
        assert!(
            msg.contains(mode) && msg.contains("not supported yet"),
            "{mode}: {msg}"
        );
    }
    let msg = err(
        &ProviderArgs::default(),
        &home.env(&[("OCI_AUTH", "Kerberos")]),
    );
    assert!(
        msg.contains("OCI_AUTH") && msg.contains("Kerberos") && msg.contains("ApiKey"),
        "{msg}"
    );
}

#[test]
fn endpoint_overrides() {
    let home = Home::new();
    home.write_config(&standard_config());
    let args = ProviderArgs {
        endpoint: Some("http://127.0.0.1:4599".into()),
        ..Default::default()
    };
    let cfg = ClientConfig::resolve(&args, &home.env(&[])).unwrap();
    assert_eq!(
        cfg.endpoints[&Service::DataFlow].as_str(),
        "http://127.0.0.1:4599/20200129"
    );
    assert_eq!(
        cfg.endpoints[&Service::Identity].as_str(),
        "http://127.0.0.1:4599/20160918"
    );
    assert_eq!(
        cfg.endpoints[&Service::ObjectStorage].as_str(),
        "http://127.0.0.1:4599/"
    );

    // Per-service beats the single endpoint; a base path already present is not doubled.
    let mut args = args.clone();
    args.service_endpoints
        .insert("identity".into(), "http://127.0.0.1:5000/20160918/".into());
    let cfg = ClientConfig::resolve(&args, &home.env(&[])).unwrap();
    assert_eq!(
        cfg.endpoints[&Service::Identity].as_str(),
        "http://127.0.0.1:5000/20160918"
    );
    assert_eq!(
        cfg.endpoints[&Service::DataFlow].as_str(),
        "http://127.0.0.1:4599/20200129"
    );

    // The official CLIENT_HOST_OVERRIDES format; services it does not name use the region.
    let env = home.env(&[(
        "CLIENT_HOST_OVERRIDES",
        "oci_identity.IdentityClient=http://127.0.0.1:4600;oci_object_storage.ObjectStorageClient=http://localhost:4601",
    )]);
    let cfg = ClientConfig::resolve(&ProviderArgs::default(), &env).unwrap();
    assert_eq!(
        cfg.endpoints[&Service::Identity].as_str(),
        "http://127.0.0.1:4600/20160918"
    );
    assert_eq!(
        cfg.endpoints[&Service::ObjectStorage].as_str(),
        "http://localhost:4601/"
    );
    assert_eq!(
        cfg.endpoints[&Service::DataFlow].as_str(),
        "https://dataflow.us-ashburn-1.oci.oraclecloud.com/20200129"
    );

    // Lookup order as upstream: TF_VAR_ form, then OCI_, then the plain name.
    let env = home.env(&[
        (
            "CLIENT_HOST_OVERRIDES",
            "oci_dataflow.DataFlowClient=http://127.0.0.1:1",
        ),
        (
            "TF_VAR_CLIENT_HOST_OVERRIDES",
            "oci_dataflow.DataFlowClient=http://127.0.0.1:2",
        ),
    ]);
    let cfg = ClientConfig::resolve(&ProviderArgs::default(), &env).unwrap();
    assert_eq!(
        cfg.endpoints[&Service::DataFlow].as_str(),
        "http://127.0.0.1:2/20200129"
    );

    // Without a region, overrides for every service suffice.
    let env = Env::from_map([("HOME", "/nonexistent")]);
    let args = ProviderArgs {
        tenancy_ocid: Some(TENANCY.into()),
        user_ocid: Some(USER.into()),
        private_key_path: Some(fixture("pkcs8.pem").display().to_string()),
        endpoint: Some("http://127.0.0.1:4599".into()),
        ..Default::default()
    };
    let cfg = ClientConfig::resolve(&args, &env).unwrap();
    assert!(cfg.region.is_none());

    let mut bad = args.clone();
    bad.service_endpoints
        .insert("compute".into(), "http://x".into());
    assert!(err(&bad, &env).contains("unknown service `compute`"));
    let bad = ProviderArgs {
        endpoint: Some("ftp://127.0.0.1".into()),
        ..args.clone()
    };
    let msg = err(&bad, &env);
    assert!(
        msg.contains("provider argument `endpoint`") && msg.contains("http://"),
        "{msg}"
    );
    let env = Env::from_map([
        ("HOME", "/nonexistent"),
        ("CLIENT_HOST_OVERRIDES", "garbage"),
    ]);
    assert!(err(&args, &env).contains("CLIENT_HOST_OVERRIDES"));
}

#[test]
fn retry_settings() {
    let home = Home::new();
    home.write_config(&standard_config());
    let resolve = |args: &ProviderArgs, env: &[(&str, &str)]| {
        ClientConfig::resolve(args, &home.env(env)).unwrap().retry
    };
    let none = ProviderArgs::default();
    assert_eq!(resolve(&none, &[]).max_attempts, Some(8));
    assert_eq!(
        resolve(
            &ProviderArgs {
                disable_auto_retries: Some(true),
                ..Default::default()
            },
            &[]
        ),
        RetryPolicy::none()
    );
    assert_eq!(
        resolve(&none, &[("OCI_DISABLE_AUTO_RETRIES", "true")]),
        RetryPolicy::none()
    );
    let p = resolve(&none, &[("TF_VAR_retry_duration_seconds", "90")]);
    assert_eq!(
        (p.max_attempts, p.max_elapsed),
        (None, Some(std::time::Duration::from_secs(90)))
    );
    let p = resolve(
        &ProviderArgs {
            retry_duration_seconds: Some(-1),
            ..Default::default()
        },
        &[],
    );
    assert_eq!((p.max_attempts, p.max_elapsed), (None, None));
    let msg = ClientConfig::resolve(&none, &home.env(&[("OCI_RETRY_DURATION_SECONDS", "soon")]))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("OCI_RETRY_DURATION_SECONDS") && msg.contains("soon"),
        "{msg}"
    );
}
