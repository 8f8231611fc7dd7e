//! Test helpers: the checked-in TEST key, a client pointed at a local server, and a small
//! recording HTTP server on 127.0.0.1:0 that verifies every request's signature like OCI would.
//! The server is a test double for retry/pagination behaviour; it is not the emulator.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine as _;
use bytes::Bytes;
use oci_client::auth::{KeyId, PrivateKey, Signer};
use oci_client::retry::ManualClock;
use oci_client::{Client, ClientConfig};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier as _;
use sha2::Digest as _;

pub const TENANCY: &str = "ocid1.tenancy.oc1..aaaaaaaatesttenancy";
pub const USER: &str = "ocid1.user.oc1..aaaaaaaatestuser";
pub const PASSPHRASE: &str = "test-passphrase-not-secret";

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keys")
        .join(name)
}

pub fn read_fixture(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).expect("fixture readable")
}

pub fn fingerprint() -> String {
    read_fixture("fingerprint.txt").trim().to_string()
}

pub fn test_key() -> PrivateKey {
    PrivateKey::from_pem(&read_fixture("pkcs8.pem"), None).expect("test key parses")
}

pub fn api_key_signer() -> Signer {
    Signer::new(
        KeyId::ApiKey {
            tenancy: TENANCY.into(),
            user: USER.into(),
            fingerprint: fingerprint(),
        },
        test_key(),
    )
}

/// A client for `base_url` with a manual clock (no real sleeps).
pub fn client(base_url: &str) -> (Client, ManualClock) {
    let config = ClientConfig::new(api_key_signer(), base_url).expect("config");
    let clock = ManualClock::new();
    let client = Client::new(config)
        .expect("client")
        .with_clock(Arc::new(clock.clone()));
    (client, clock)
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Raw path and query as on the wire.
    pub target: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Result of verifying the signature with the test public key.
    pub signature: Result<Vec<String>, String>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    pub fn query(&self) -> Vec<(String, String)> {
        let q = self
            .target
            .split_once('?')
            .map(|(_, q)| q)
            .unwrap_or_default();
        reqwest::Url::parse(&format!("http://x/?{q}"))
            .expect("query parses")
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    pub fn query_value(&self, name: &str) -> Option<String> {
        self.query()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

/// What the server answers.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(status: u16, body: serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: serde_json::to_vec(&body).expect("json"),
        }
    }

    pub fn error(status: u16, code: &str, message: &str) -> Self {
        Self::json(
            status,
            serde_json::json!({"code": code, "message": message}),
        )
    }

    pub fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

type Responder = dyn Fn(&Recorded, usize) -> Reply + Send + Sync;

#[derive(Clone)]
struct ServerState {
    log: Arc<Mutex<Vec<Recorded>>>,
    responder: Arc<Responder>,
}

pub struct TestServer {
    pub url: String,
    log: Arc<Mutex<Vec<Recorded>>>,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    /// Starts a server whose answers come from `responder(request, index_of_request)`.
    pub async fn start(
        responder: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let log = Arc::new(Mutex::new(Vec::new()));
        let state = ServerState {
            log: log.clone(),
            responder: Arc::new(responder),
        };
        let app = axum::Router::new().fallback(handle).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        Self { url, log, task }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().expect("log").clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle(State(state): State<ServerState>, req: Request) -> Response {
    let method = req.method().to_string();
    let target = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_default();
    let headers = req.headers().clone();
    let body = axum::body::to_bytes(req.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    let signature = verify_signature(&method, &target, &headers, &body);
    let recorded = Recorded {
        method,
        target,
        headers,
        body,
        signature,
    };
    let index = {
        let mut log = state.log.lock().expect("log");
        log.push(recorded.clone());
        log.len() - 1
    };
    let reply = (state.responder)(&recorded, index);
    let mut builder =
        Response::builder().status(StatusCode::from_u16(reply.status).expect("status"));
    for (k, v) in reply.headers {
        builder = builder.header(k, v);
    }
    builder.body(Body::from(reply.body)).expect("response")
}

/// Verifies an OCI signature the way the service does (oci-api.md §1.10) and returns the signed
/// header names. Uses the public half of the test key.
pub fn verify_signature(
    method: &str,
    target: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Vec<String>, String> {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or("no authorization header")?;
    let params = auth
        .strip_prefix("Signature ")
        .ok_or("not a Signature header")?;
    let mut map = std::collections::BTreeMap::new();
    for part in params.split("\",") {
        let (k, v) = part.split_once("=\"").ok_or("bad parameter")?;
        map.insert(k.trim().to_string(), v.trim_end_matches('"').to_string());
    }
    if map.get("algorithm").map(String::as_str) != Some("rsa-sha256")
        || map.get("version").map(String::as_str) != Some("1")
    {
        return Err(format!("bad algorithm/version in {map:?}"));
    }
    let names: Vec<String> = map
        .get("headers")
        .ok_or("no headers")?
        .split(' ')
        .map(str::to_string)
        .collect();
    let mut lines = Vec::new();
    for name in &names {
        if name == "(request-target)" {
            lines.push(format!(
                "(request-target): {} {target}",
                method.to_ascii_lowercase()
            ));
        } else {
            let v = headers
                .get(name.as_str())
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| format!("signed header {name} missing"))?;
            lines.push(format!("{name}: {v}"));
        }
    }
    if names.iter().any(|n| n == "x-content-sha256") {
        let expected = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(body));
        if headers
            .get("x-content-sha256")
            .and_then(|v| v.to_str().ok())
            != Some(expected.as_str())
        {
            return Err("x-content-sha256 does not match the body".into());
        }
    }
    let public = rsa::RsaPublicKey::from_public_key_pem(&read_fixture("public.pem"))
        .map_err(|e| e.to_string())?;
    let verifier = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(public);
    let sig_bytes = base64::engine::general_purpose::STANDARD
        .decode(map.get("signature").ok_or("no signature")?)
        .map_err(|e| e.to_string())?;
    let sig =
        rsa::pkcs1v15::Signature::try_from(sig_bytes.as_slice()).map_err(|e| e.to_string())?;
    verifier
        .verify(lines.join("\n").as_bytes(), &sig)
        .map_err(|e| format!("signature does not verify: {e}"))?;
    Ok(names)
}
