//! No secret — key PEM, passphrase, security token — appears in Debug/Display output, error
//! messages or log lines (captured with a tracing subscriber at TRACE level).

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{PASSPHRASE, Reply, TENANCY, TestServer, USER, fixture, read_fixture};
use oci_client::auth::signer::{BodySigning, SigningInput};
use oci_client::{Client, ClientConfig, Env, ProviderArgs, Secret};

const TOKEN: &str = "SECRET-TOKEN-eyJhbGciOiJSUzI1NiJ9.c2VjcmV0";

/// Lines of base64 key material that must never be printed (every body line of every file).
fn key_lines() -> Vec<String> {
    let mut lines = Vec::new();
    for name in [
        "pkcs8.pem",
        "pkcs1.pem",
        "pkcs8_encrypted_aes256.pem",
        "legacy_aes256.pem",
    ] {
        lines.extend(
            read_fixture(name)
                .lines()
                .filter(|l| l.len() > 40 && !l.contains(':') && !l.starts_with("-----"))
                .map(str::to_string),
        );
    }
    lines
}

fn assert_clean(what: &str, text: &str) {
    assert!(
        !text.contains(PASSPHRASE),
        "{what} leaks the passphrase:\n{text}"
    );
    assert!(
        !text.contains(TOKEN),
        "{what} leaks the security token:\n{text}"
    );
    assert!(!text.contains("PRIVATE KEY"), "{what} leaks PEM:\n{text}");
    for line in key_lines() {
        assert!(!text.contains(&line), "{what} leaks key material:\n{text}");
    }
}

fn token_config(home: &std::path::Path) -> ClientConfig {
    std::fs::write(home.join("token"), TOKEN).unwrap();
    std::fs::write(
        home.join("config"),
        format!(
            "[DEFAULT]\ntenancy={TENANCY}\nuser={USER}\nregion=us-ashburn-1\n[TOKEN]\nkey_file={}\npass_phrase={PASSPHRASE}\nsecurity_token_file={}\n",
            fixture("legacy_aes256.pem").display(),
            home.join("token").display()
        ),
    )
    .unwrap();
    let env = Env::from_map([
        ("HOME", home.to_str().unwrap()),
        ("OCI_CONFIG_FILE", home.join("config").to_str().unwrap()),
    ]);
    let args = ProviderArgs {
        auth: Some("SecurityToken".into()),
        config_file_profile: Some("TOKEN".into()),
        ..Default::default()
    };
    ClientConfig::resolve(&args, &env).unwrap()
}

#[test]
fn debug_and_display_never_show_secrets() {
    let pem = read_fixture("pkcs8_encrypted_aes256.pem");
    let args = ProviderArgs {
        region: Some("us-ashburn-1".into()),
        tenancy_ocid: Some(TENANCY.into()),
        user_ocid: Some(USER.into()),
        private_key: Some(Secret::new(pem.clone())),
        private_key_password: Some(Secret::new(PASSPHRASE)),
        ..Default::default()
    };
    let env = Env::from_map([
        ("HOME", "/nonexistent"),
        ("TF_VAR_private_key_password", PASSPHRASE),
        ("OCI_PRIVATE_KEY", pem.as_str()),
    ]);
    assert_clean("ProviderArgs", &format!("{args:?}"));
    assert_clean("Env", &format!("{env:?}"));
    let config = ClientConfig::resolve(&args, &env).unwrap();
    assert_clean("ClientConfig", &format!("{config:?} {config:#?}"));
    let client = Client::new(config.clone()).unwrap();
    assert_clean("Client", &format!("{client:?}"));
    assert_clean(
        "Secret",
        &format!("{:?} {}", Secret::new(PASSPHRASE), Secret::new(PASSPHRASE)),
    );

    let home = tempfile::tempdir().unwrap();
    let token_cfg = token_config(home.path());
    assert_clean("token ClientConfig", &format!("{token_cfg:?}"));
    let url = reqwest::Url::parse("http://127.0.0.1:1/n").unwrap();
    let signed = token_cfg.signer.sign(&SigningInput {
        method: "GET",
        url: &url,
        date: "Sat, 21 Nov 2026 02:25:26 GMT",
        content_type: "application/json",
        body: BodySigning::Unsigned,
    });
    assert!(
        signed.authorization.contains(TOKEN),
        "the header itself carries the token"
    );
    assert_clean("SignedHeaders", &format!("{signed:?}"));

    // Errors about keys and passphrases name the source, not the secret.
    let wrong = ProviderArgs {
        private_key_password: Some(Secret::new("wrong-pass-XYZ")),
        ..args.clone()
    };
    let env_min = Env::from_map([("HOME", "/nonexistent")]);
    let err = ClientConfig::resolve(&wrong, &env_min).unwrap_err();
    let text = format!("{err} {err:?}");
    assert_clean("key error", &text);
    assert!(!text.contains("wrong-pass-XYZ"), "{text}");
    let mismatch = ProviderArgs {
        fingerprint: Some("00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00".into()),
        ..args
    };
    let err = ClientConfig::resolve(&mismatch, &env_min).unwrap_err();
    assert_clean("fingerprint error", &format!("{err} {err:?}"));
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn log_lines_never_show_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = TestServer::start(|_, i| {
        if i == 0 {
            Reply::error(503, "ServiceUnavailable", "retry me")
        } else {
            Reply::json(200, serde_json::json!("ns"))
        }
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    let mut config = token_config(home.path());
    let base = ClientConfig::new(config.signer.clone(), &server.url).unwrap();
    config.endpoints = base.endpoints;
    let clock = oci_client::retry::ManualClock::new();
    let client = Client::new(config).unwrap().with_clock(Arc::new(clock));
    assert_eq!(client.get_namespace(None).await.unwrap().value, "ns");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert!(
        reqs[1]
            .header("authorization")
            .unwrap()
            .contains(&format!("keyId=\"ST${TOKEN}\""))
    );
    assert!(reqs[1].signature.is_ok());

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("sending OCI request") && log.contains("retrying OCI request"),
        "logging is on:\n{log}"
    );
    assert!(log.contains("GetNamespace"));
    assert_clean("tracing output", &log);
}
