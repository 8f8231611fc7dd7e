//! Shared test harness: an emulator state in a temp dir with a manual clock, a signer, and
//! helpers to send signed requests through `app().oneshot` or over a real socket.
#![allow(dead_code)] // each test binary uses a different subset

pub mod real;
pub mod signer;
pub mod venv;

use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use http_body_util::BodyExt;
use oci_emulator::clock::{ManualClock, http_date};
use oci_emulator::services::dataflow::executor::{IamMode, Runtime, RuntimeConfig};
use oci_emulator::{AppState, Options, app};
use rsa::RsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

/// One RSA key for every test in a binary (generation is the slow part of a fresh state).
pub fn shared_key() -> RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("keygen"))
        .clone()
}

/// A second, unregistered key (for "signed with a different key" tests).
pub fn other_key() -> RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("keygen"))
        .clone()
}

pub const HOST: &str = "emulator.test:8080";

/// The emulator's private key file, parsed: the PEM block, without the `OCI_API_KEY` label line
/// OCI's tools put after the footer.
pub fn read_private_key(path: &std::path::Path) -> RsaPrivateKey {
    let text = std::fs::read_to_string(path).unwrap();
    const FOOTER: &str = "-----END PRIVATE KEY-----";
    let end = text.find(FOOTER).expect("a PKCS#8 PEM footer") + FOOTER.len();
    RsaPrivateKey::from_pkcs8_pem(&text[..end]).unwrap()
}

pub struct Env {
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub key: RsaPrivateKey,
    pub dir: tempfile::TempDir,
}

/// A decoded response.
pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// The OCI error code of an error response.
    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_owned()
    }
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            String::from_utf8_lossy(&self.body)
        );
        self
    }
    #[track_caller]
    pub fn expect_error(self, status: u16, code: &str) -> Self {
        let s = self.expect(status);
        assert_eq!(s.code(), code, "body: {}", String::from_utf8_lossy(&s.body));
        assert!(
            s.header("opc-request-id").is_some(),
            "error responses carry opc-request-id"
        );
        s
    }
}

impl Env {
    pub fn new() -> Env {
        Self::with_options(|_| {})
    }

    pub fn with_options(tweak: impl FnOnce(&mut Options)) -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let clock = Arc::new(ManualClock::new());
        let mut options = Options {
            clock: clock.clone(),
            bootstrap_key: Some(shared_key()),
            lifecycle_delay: time::Duration::ZERO,
            ..Options::default()
        };
        // Run IAM is off unless a test asks for it: most tests are about the API, not policies.
        options.extensions.insert(
            Runtime::new(RuntimeConfig {
                iam_mode: IamMode::Off,
                ..RuntimeConfig::default()
            })
            .expect("simulated runtime"),
        );
        tweak(&mut options);
        let state = AppState::open(dir.path(), options).expect("open state");
        let key = read_private_key(&state.identity().key_file);
        Env {
            state,
            clock,
            key,
            dir,
        }
    }

    pub fn ns(&self) -> String {
        self.state.identity().namespace.clone()
    }
    pub fn tenancy(&self) -> String {
        self.state.identity().tenancy_id.clone()
    }
    pub fn key_id(&self) -> String {
        self.state.identity().key_id()
    }

    /// Build a request signed as the SDK would; `body_signed` is false for PutObject/UploadPart.
    pub fn signed_with(
        &self,
        signer: (&str, &RsaPrivateKey),
        method: &str,
        target: &str,
        body: Vec<u8>,
        body_signed: bool,
        extra: &[(&str, &str)],
    ) -> Request<Body> {
        self.signed_for_host(HOST, signer, method, target, body, body_signed, extra)
    }

    /// [`Env::signed_with`] addressed to (and signed for) another `Host`, e.g. a region's.
    #[allow(clippy::too_many_arguments)]
    pub fn signed_for_host(
        &self,
        host: &str,
        (key_id, key): (&str, &RsaPrivateKey),
        method: &str,
        target: &str,
        body: Vec<u8>,
        body_signed: bool,
        extra: &[(&str, &str)],
    ) -> Request<Body> {
        let date = http_date(self.state.now());
        let with_body = matches!(method, "POST" | "PUT" | "PATCH") && body_signed;
        let headers = signer::sign(
            key_id,
            key,
            &signer::ToSign {
                method,
                target,
                host,
                date: &date,
                body: with_body.then_some(body.as_slice()),
                content_type: "application/json",
            },
        );
        let mut b = Request::builder()
            .method(method)
            .uri(target)
            .header("host", host);
        for (k, v) in headers {
            b = b.header(k, v);
        }
        for (k, v) in extra {
            b = b.header(*k, *v);
        }
        b.body(Body::from(body)).unwrap()
    }

    pub fn signed(
        &self,
        method: &str,
        target: &str,
        body: Vec<u8>,
        extra: &[(&str, &str)],
    ) -> Request<Body> {
        let body_signed = !is_body_unsigned(method, target);
        self.signed_with(
            (&self.key_id(), &self.key),
            method,
            target,
            body,
            body_signed,
            extra,
        )
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        let resp: Response<Body> = app(self.state.clone()).oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn call(&self, method: &str, target: &str, body: &str) -> Resp {
        self.send(self.signed(method, target, body.as_bytes().to_vec(), &[]))
            .await
    }

    pub async fn call_h(
        &self,
        method: &str,
        target: &str,
        body: &[u8],
        extra: &[(&str, &str)],
    ) -> Resp {
        self.send(self.signed(method, target, body.to_vec(), extra))
            .await
    }

    /// A signed call addressed to `host` (OCI's per-region host names carry the region).
    pub async fn call_at(&self, host: &str, method: &str, target: &str, body: &str) -> Resp {
        let body_signed = !is_body_unsigned(method, target);
        let req = self.signed_for_host(
            host,
            (&self.key_id(), &self.key),
            method,
            target,
            body.as_bytes().to_vec(),
            body_signed,
            &[],
        );
        self.send(req).await
    }

    /// Unsigned request (control API).
    pub async fn control(&self, method: &str, path: &str, body: &str) -> Resp {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", HOST)
            .header("content-type", "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap();
        self.send(req).await
    }

    pub async fn create_bucket(&self, name: &str) -> serde_json::Value {
        let body = serde_json::json!({"name": name, "compartmentId": self.tenancy()}).to_string();
        self.call("POST", &format!("/n/{}/b", self.ns()), &body)
            .await
            .expect(200)
            .json()
    }

    pub async fn put_object(&self, bucket: &str, name_encoded: &str, body: &[u8]) -> Resp {
        self.call_h(
            "PUT",
            &format!("/n/{}/b/{bucket}/o/{name_encoded}", self.ns()),
            body,
            &[],
        )
        .await
        .expect(200)
    }
}

/// PutObject and UploadPart do not sign their bodies.
pub fn is_body_unsigned(method: &str, target: &str) -> bool {
    method == "PUT"
        && target.starts_with("/n/")
        && (target.contains("/o/") || target.contains("/u/"))
}

/// Percent-encode like the Python SDK's `quote(v, safe='')`.
pub fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC)
        .to_string()
        .replace("%2D", "-")
        .replace("%5F", "_")
        .replace("%2E", ".")
        .replace("%7E", "~")
}

/// How many object and part bodies a data dir holds: files in `blobs/` plus bodies stored inline
/// in the database (small ones are, see the objectstorage store).
pub fn stored_bodies(data_dir: &std::path::Path) -> usize {
    let files = std::fs::read_dir(data_dir.join("blobs")).unwrap().count();
    let db = rusqlite::Connection::open_with_flags(
        data_dir.join("emulator.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let inline: i64 = db
        .query_row("SELECT COUNT(*) FROM os_inline_bodies", [], |r| r.get(0))
        .unwrap();
    files + inline as usize
}
