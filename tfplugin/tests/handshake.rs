//! The go-plugin side of `tfplugin::serve`, tested on the built test provider: the magic cookie,
//! the handshake line, mutual TLS that accepts only the certificate from `PLUGIN_CLIENT_CERT`,
//! and debug mode with `TF_REATTACH_PROVIDERS`.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tfplugin::testing::ClientIdentity;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

use common::{BIN, Env, file_config};

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";

#[test]
fn started_by_hand_explains_in_one_line_and_exits_1() {
    let out = Command::new(BIN)
        .env_remove(tfplugin::MAGIC_COOKIE_KEY)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing on stdout");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("Terraform provider plugin") && stderr.contains("--debug"),
        "{stderr}"
    );
}

#[test]
fn a_terraform_without_protocol_6_is_refused() {
    let out = Command::new(BIN)
        .env(tfplugin::MAGIC_COOKIE_KEY, tfplugin::MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "4,5")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("only version 6"));
}

/// Trusts exactly the server certificate from the handshake line (like go-plugin does).
#[derive(Debug)]
struct PinnedServer(Vec<u8>, rustls::crypto::WebPkiSupportedAlgorithms);

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.0.as_slice() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "unexpected server certificate".into(),
            ))
        }
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.1)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.1)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.1.supported_schemes()
    }
}

struct Plugin {
    child: Child,
    socket: std::path::PathBuf,
    server_cert: Vec<u8>,
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_plugin(client_cert_pem: &str, socket_dir: &std::path::Path) -> Plugin {
    let mut child = Command::new(BIN)
        .env("PLUGIN_UNIX_SOCKET_DIR", socket_dir)
        .env(tfplugin::MAGIC_COOKIE_KEY, tfplugin::MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_CLIENT_CERT", client_cert_pem)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let parts: Vec<&str> = line.trim().split('|').collect();
    assert_eq!(&parts[..3], &["1", "6", "unix"], "handshake line {line:?}");
    assert_eq!(parts[4], "grpc");
    let server_cert = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(parts[5])
        .expect("base64 DER, no padding");
    Plugin {
        child,
        socket: parts[3].into(),
        server_cert,
    }
}

/// Reads what the server sends after our HTTP/2 preface: `Ok(bytes)` (possibly empty at EOF)
/// or the TLS error; bounded by a deadline, never a sleep.
async fn exchange<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    mut s: S,
) -> std::io::Result<Vec<u8>> {
    tokio::time::timeout(Duration::from_secs(10), async {
        s.write_all(PREFACE).await?;
        s.flush().await?;
        let mut buf = vec![0u8; 64];
        let n = s.read(&mut buf).await?;
        buf.truncate(n);
        Ok(buf)
    })
    .await
    .expect("the server answers or closes within the deadline")
}

/// A refused connection: a TLS error, a closed connection, or a TLS alert record (0x15).
fn is_refusal(r: &std::io::Result<Vec<u8>>) -> bool {
    match r {
        Err(_) => true,
        Ok(b) => b.is_empty() || b[0] == 0x15,
    }
}

fn is_http2_settings(bytes: &[u8]) -> bool {
    bytes.len() >= 9 && bytes[3] == 0x04
}

/// What the TLS client presents: a certificate and the key that signs the handshake.
type Presented = (CertificateDer<'static>, Arc<dyn rustls::sign::SigningKey>);

/// Terraform's side: `id`'s certificate, signed as go-plugin signs with a P-521 key in TLS 1.3.
fn terraform(id: &ClientIdentity) -> Option<Presented> {
    Some((
        id.der.clone(),
        id.signing_key(SignatureScheme::ECDSA_NISTP521_SHA512),
    ))
}

async fn tls_exchange(p: &Plugin, identity: Option<Presented>) -> std::io::Result<Vec<u8>> {
    tls_exchange_with(p, identity, rustls::DEFAULT_VERSIONS).await
}

async fn tls_exchange_with(
    p: &Plugin,
    identity: Option<Presented>,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> std::io::Result<Vec<u8>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(PinnedServer(
        p.server_cert.clone(),
        provider.signature_verification_algorithms,
    ));
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match identity {
        Some((cert, key)) => builder.with_client_cert_resolver(Arc::new(SingleCertAndKey::from(
            CertifiedKey::new(vec![cert], key),
        ))),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    let stream = UnixStream::connect(&p.socket).await?;
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").unwrap(), stream)
        .await?;
    exchange(tls).await
}

#[tokio::test]
async fn mutual_tls_accepts_only_the_pinned_client_certificate() {
    let terraform_id = ClientIdentity::new();
    let stranger = ClientIdentity::new();
    let socket_dir = tempfile::tempdir().unwrap();
    let p = start_plugin(&terraform_id.pem, socket_dir.path());
    assert!(
        p.socket.starts_with(socket_dir.path()),
        "socket {} honours PLUGIN_UNIX_SOCKET_DIR",
        p.socket.display()
    );

    // The certificate Terraform passed, P-521 signing with SHA-512 over TLS 1.3 as go-plugin
    // does: the server speaks HTTP/2 (its SETTINGS frame).
    let ok = tls_exchange_with(&p, terraform(&terraform_id), &[&rustls::version::TLS13])
        .await
        .expect("pinned client accepted");
    assert!(
        is_http2_settings(&ok),
        "expected an HTTP/2 SETTINGS frame, got {ok:?}"
    );

    // A different certificate: refused (TLS alert or closed), never HTTP/2.
    let refused = tls_exchange(&p, terraform(&stranger)).await;
    assert!(
        is_refusal(&refused),
        "wrong certificate accepted: {refused:?}"
    );

    // Terraform's certificate without Terraform's key (the handshake signed by another P-521
    // key): the signature check refuses it, in TLS 1.3 and 1.2.
    for version in [&rustls::version::TLS13, &rustls::version::TLS12] {
        let forged = Some((
            terraform_id.der.clone(),
            stranger.signing_key(SignatureScheme::ECDSA_NISTP521_SHA512),
        ));
        let refused = tls_exchange_with(&p, forged, &[version]).await;
        assert!(
            is_refusal(&refused),
            "{version:?}: a signature by the wrong key accepted: {refused:?}"
        );
    }

    // No client certificate at all: refused.
    let refused = tls_exchange(&p, None).await;
    assert!(
        is_refusal(&refused),
        "anonymous client accepted: {refused:?}"
    );

    // Plaintext gRPC: refused.
    let plain = exchange(UnixStream::connect(&p.socket).await.unwrap()).await;
    assert!(is_refusal(&plain), "plaintext accepted: {plain:?}");

    // The pinned client still works afterwards: the refusals did not break the server.
    let again = tls_exchange(&p, terraform(&terraform_id))
        .await
        .expect("accepted again");
    assert!(is_http2_settings(&again), "{again:?}");
}

/// TLS 1.2 names only the hash in the signature scheme, so a P-521 key may sign under the
/// SHA-512 or the SHA-384 scheme (Go picks from the server's list): both verify.
#[tokio::test]
async fn a_p521_client_certificate_is_verified_over_tls12_too() {
    let terraform_id = ClientIdentity::new();
    let socket_dir = tempfile::tempdir().unwrap();
    let p = start_plugin(&terraform_id.pem, socket_dir.path());
    for scheme in [
        SignatureScheme::ECDSA_NISTP521_SHA512,
        SignatureScheme::ECDSA_NISTP384_SHA384,
    ] {
        let presented = Some((terraform_id.der.clone(), terraform_id.signing_key(scheme)));
        let ok = tls_exchange_with(&p, presented, &[&rustls::version::TLS12])
            .await
            .unwrap_or_else(|e| panic!("{scheme:?} over TLS 1.2: {e}"));
        assert!(is_http2_settings(&ok), "{scheme:?}: {ok:?}");
    }
}

#[test]
fn debug_mode_prints_reattach_value_that_terraform_uses() {
    let env = Env::new();
    let mut child = Command::new(BIN)
        .arg("--debug")
        .env_remove(tfplugin::MAGIC_COOKIE_KEY)
        .env("TFTEST_DIR", env.data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut reattach = None;
    for _ in 0..10 {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        if let Some(rest) = line.trim().strip_prefix("TF_REATTACH_PROVIDERS='") {
            reattach = Some(rest.trim_end_matches('\'').to_string());
            break;
        }
    }
    let reattach = reattach.expect("debug mode prints TF_REATTACH_PROVIDERS");
    let j: serde_json::Value = serde_json::from_str(&reattach).unwrap();
    let entry = &j[common::ADDRESS];
    assert_eq!(entry["ProtocolVersion"], 6);
    assert_eq!(entry["Pid"], child.id());

    env.wd.write_config(&file_config("theta", "x", ""));
    let out = env.wd.run_with_env(
        &["plan", "-input=false", "-no-color"],
        &[("TF_REATTACH_PROVIDERS", &reattach)],
    );
    out.assert_success();
    assert!(
        out.stdout.contains("tftest_file.a will be created"),
        "{}",
        out.stdout
    );

    // Ctrl-C stops a debug-mode provider (unlike a managed one, which ignores SIGINT).
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success());
}
