//! Real TLS: the client talks HTTPS (rustls) to a local server with a freshly generated
//! certificate, trusts it only through `custom_cert_location`, and refuses it otherwise.

mod common;

use std::sync::Arc;

use common::{TENANCY, USER, fixture};
use oci_client::{Client, ClientConfig, Env, ProviderArgs};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// A one-purpose HTTPS server: answers every request with the namespace JSON string and records
/// the request head. Returns its base URL and the certificate PEM.
async fn https_server() -> (String, String, Arc<std::sync::Mutex<Vec<String>>>) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert_pem = cert.cert.pem();
    let key_der =
        rustls::pki_types::PrivateKeyDer::try_from(cert.signing_key.serialize_der()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.cert.der().clone()], key_der)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let heads = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = heads.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let seen = seen.clone();
            tokio::spawn(async move {
                // A failed handshake (untrusted cert on the client side) just ends this connection.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                seen.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&buf).into_owned());
                let body = b"\"tlsns\"";
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nopc-request-id: tls-1\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = tls.write_all(head.as_bytes()).await;
                let _ = tls.write_all(body).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (format!("https://localhost:{port}"), cert_pem, heads)
}

fn config_for(url: &str, ca: Option<&std::path::Path>) -> ClientConfig {
    let mut vars = vec![("HOME".to_string(), "/nonexistent".to_string())];
    if let Some(ca) = ca {
        vars.push(("OCI_custom_cert_location".into(), ca.display().to_string()));
    }
    let args = ProviderArgs {
        tenancy_ocid: Some(TENANCY.into()),
        user_ocid: Some(USER.into()),
        private_key_path: Some(fixture("pkcs1.pem").display().to_string()),
        endpoint: Some(url.into()),
        disable_auto_retries: Some(true),
        ..Default::default()
    };
    ClientConfig::resolve(&args, &Env::from_map(vars)).unwrap()
}

#[tokio::test]
async fn https_with_a_custom_ca_bundle() {
    let (url, cert_pem, heads) = https_server().await;
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &cert_pem).unwrap();

    let client = Client::new(config_for(&url, Some(&ca))).unwrap();
    let ns = client.get_namespace(None).await.unwrap();
    assert_eq!(ns.value, "tlsns");
    assert_eq!(ns.opc_request_id(), Some("tls-1"));
    let head = heads.lock().unwrap()[0].to_ascii_lowercase();
    assert!(head.starts_with("get /n http/1.1"), "{head}");
    assert!(head.contains("authorization: signature "), "{head}");
    assert!(
        head.contains(&format!("host: {}", url.trim_start_matches("https://"))),
        "{head}"
    );

    // Without the bundle the self-signed certificate is rejected: verification is real, and an
    // untrusted certificate is not retried.
    let clock = oci_client::retry::ManualClock::new();
    let untrusting = Client::new(config_for(&url, None))
        .unwrap()
        .with_retry_policy(oci_client::RetryPolicy::default())
        .with_clock(Arc::new(clock.clone()));
    let err = untrusting.get_namespace(None).await.unwrap_err();
    assert!(matches!(err, oci_client::Error::Transport { .. }), "{err}");
    assert!(!err.is_retryable(), "{err:?}");
    assert!(clock.sleeps().is_empty());
    assert_eq!(
        heads.lock().unwrap().len(),
        1,
        "no request got through without trust"
    );
}

#[test]
fn a_bad_ca_bundle_is_a_config_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("not-a-cert.pem");
    std::fs::write(&ca, "hello").unwrap();
    let err = Client::new(config_for("https://localhost:1", Some(&ca))).unwrap_err();
    assert!(err.to_string().contains("not-a-cert.pem"), "{err}");
}
