//! Hostile input over a real socket (the emulator's own `serve` loop on 127.0.0.1:0): races on
//! creates, unsigned / mis-signed / skewed requests, path traversal in names, malformed and
//! oversized bodies, slow clients, and a check that nothing is ever written outside the data
//! directory. Every probe expects OCI's JSON error shape with `opc-request-id`.
//!
//! Bounded: each test sends at most a few hundred requests and waits on conditions with
//! deadlines, never on sleeps.

mod common;

use common::real::Real;
use common::{Env, Resp, enc, signer};
use futures::future::join_all;
use oci_emulator::clock::http_date;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How many requests race in each concurrency probe.
const RACERS: usize = 16;
/// Races per create operation in the retry-token probe.
const TRIALS: usize = 6;
const DEADLINE: Duration = Duration::from_secs(30);

/// Short connection timeouts, so that the slow-client probes finish quickly (the defaults are
/// 30 s for headers and 120 s idle); the tests only rely on "closed before DEADLINE".
static SHORT_TIMEOUTS: std::sync::LazyLock<oci_emulator::ServeOptions> =
    std::sync::LazyLock::new(|| oci_emulator::ServeOptions {
        header_read_timeout: Duration::from_millis(500),
        idle_timeout: Duration::from_secs(1),
        ..oci_emulator::ServeOptions::default()
    });

/// An emulator served on 127.0.0.1 from a data dir *inside* an otherwise empty parent, so the
/// suite can check that nothing appears next to it.
struct Served {
    env: Env,
    client: Arc<Real>,
    addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Served {
    async fn start() -> Served {
        Self::start_with(Env::new()).await
    }

    async fn start_with(env: Env) -> Served {
        Self::start_opts(env, oci_emulator::ServeOptions::default()).await
    }

    /// With [`SHORT_TIMEOUTS`], for the slow-client probes only: a pooled client would race
    /// the server closing its idle connections.
    async fn start_short() -> Served {
        Self::start_opts(Env::new(), SHORT_TIMEOUTS.clone()).await
    }

    async fn start_opts(env: Env, options: oci_emulator::ServeOptions) -> Served {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(oci_emulator::serve_with(
            listener,
            env.state.clone(),
            options,
            async move {
                let _ = stopped.await;
            },
        ));
        let client = Arc::new(Real::new(
            &format!("http://{addr}"),
            &env.key_id(),
            env.key.clone(),
        ));
        Served {
            env,
            client,
            addr,
            stop: Some(stop),
            task: Some(task),
        }
    }

    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.task.take().unwrap().await.unwrap().unwrap();
    }

    async fn dump(&self) -> Value {
        self.env
            .control("GET", "/_emulator/dump", "")
            .await
            .expect(200)
            .json()
    }

    /// Send `RACERS` copies of one request at once; the responses in completion order.
    async fn race(
        &self,
        method: &str,
        target: &str,
        body: &str,
        headers: &[(&str, &str)],
    ) -> Vec<Resp> {
        let owned: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let barrier = Arc::new(tokio::sync::Barrier::new(RACERS));
        let tasks = (0..RACERS).map(|_| {
            let client = self.client.clone();
            let (method, target, body) = (method.to_owned(), target.to_owned(), body.to_owned());
            let owned = owned.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                let hs: Vec<(&str, &str)> = owned
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                barrier.wait().await;
                client.call_h(&method, &target, body.as_bytes(), &hs).await
            })
        });
        join_all(tasks)
            .await
            .into_iter()
            .map(|r| r.expect("racer task"))
            .collect()
    }
}

#[track_caller]
fn assert_oci_error(r: &Resp, status: u16) {
    assert_eq!(
        r.status.as_u16(),
        status,
        "body: {}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(
        r.header("content-type"),
        Some("application/json"),
        "body: {}",
        String::from_utf8_lossy(&r.body)
    );
    let j = r.json();
    assert!(j["code"].is_string() && j["message"].is_string(), "{j}");
    assert!(r.header("opc-request-id").is_some());
}

/// The lab's storage, so that Data Flow creates validate.
async fn lab_storage(s: &Served) {
    for b in ["in", "out", "logs"] {
        s.env.create_bucket(b).await;
    }
    s.env
        .put_object("in", &enc("scripts/etl.py"), b"print('etl')\n")
        .await;
}

/// The lab's storage and one application (returned), for the creates that need them.
async fn lab_with_app(s: &Served) -> Value {
    lab_storage(s).await;
    s.env
        .call("POST", "/20200129/applications", &app_body(&s.env))
        .await
        .expect(200)
        .json()
}

fn app_body(env: &Env) -> String {
    let ns = env.ns();
    json!({
        "compartmentId": env.tenancy(),
        "displayName": "etl",
        "language": "PYTHON",
        "sparkVersion": "3.2.1",
        "driverShape": "VM.Standard.E4.Flex",
        "driverShapeConfig": {"ocpus": 1, "memoryInGBs": 16},
        "executorShape": "VM.Standard.E4.Flex",
        "executorShapeConfig": {"ocpus": 1, "memoryInGBs": 16},
        "numExecutors": 1,
        "fileUri": format!("oci://in@{ns}/scripts/etl.py"),
        "logsBucketUri": format!("oci://logs@{ns}/"),
    })
    .to_string()
}

/// Same `opc-retry-token`, same body, 16 requests at once: every one answers 200 with the same
/// resource, and exactly one resource exists — for every create that takes a token.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn same_retry_token_from_16_concurrent_creates_makes_exactly_one_resource() {
    let s = Served::start().await;
    let app = lab_with_app(&s).await;
    let cases = token_taking_creates(&s.env, &app);
    // Several trials per operation: the race this guards against lost about 4 times in 10.
    let trials = cases
        .iter()
        .flat_map(|c| (0..TRIALS).map(move |t| (c.clone(), t)));
    for ((op, target, body, dump_key), trial) in trials {
        let body = if dump_key == "buckets"
            || dump_key == "compartments"
            || dump_key == "dynamic_groups"
            || dump_key == "policies"
        {
            body.replace("raced", &format!("raced{trial}"))
        } else {
            body
        };
        let before = s.dump().await[dump_key].as_array().unwrap().len();
        let token = format!("race-{op}-{trial}");
        let answers = s
            .race("POST", &target, &body, &[("opc-retry-token", &token)])
            .await;
        let statuses: Vec<u16> = answers.iter().map(|r| r.status.as_u16()).collect();
        assert!(
            statuses.iter().all(|s| *s == 200),
            "{op}: every retry answers 200, got {statuses:?}; e.g. {}",
            answers
                .iter()
                .find(|r| r.status != 200)
                .map(|r| String::from_utf8_lossy(&r.body).into_owned())
                .unwrap_or_default()
        );
        let ids: BTreeSet<String> = answers
            .iter()
            .map(|r| r.json()["id"].as_str().unwrap_or("<none>").to_owned())
            .collect();
        assert_eq!(ids.len(), 1, "{op}: one resource answered, got {ids:?}");
        let after = s.dump().await[dump_key].as_array().unwrap().len();
        assert_eq!(after, before + 1, "{op}: exactly one resource created");
    }
    s.stop().await;
}

/// Every create that takes `opc-retry-token`: (operation, target, body, dump key). `app` is an
/// existing application (for CreateRun).
fn token_taking_creates(
    env: &Env,
    app: &Value,
) -> Vec<(&'static str, String, String, &'static str)> {
    let tenancy = env.tenancy();
    let ns = env.ns();
    vec![
        (
            "CreateBucket",
            format!("/n/{ns}/b"),
            json!({"name": "raced", "compartmentId": tenancy}).to_string(),
            "buckets",
        ),
        (
            "CreateDynamicGroup",
            "/20160918/dynamicGroups".to_owned(),
            json!({"compartmentId": tenancy, "name": "dg-raced", "description": "d",
                   "matchingRule": "ALL {resource.type = 'dataflowrun'}"})
            .to_string(),
            "dynamic_groups",
        ),
        (
            "CreatePolicy",
            "/20160918/policies".to_owned(),
            json!({"compartmentId": tenancy, "name": "p-raced", "description": "d",
                   "statements": ["Allow group g to read buckets in tenancy"]})
            .to_string(),
            "policies",
        ),
        (
            "CreateCompartment",
            "/20160918/compartments".to_owned(),
            json!({"compartmentId": tenancy, "name": "c-raced", "description": "d"}).to_string(),
            "compartments",
        ),
        (
            "CreateApplication",
            "/20200129/applications".to_owned(),
            app_body(env),
            "applications",
        ),
        (
            "CreateRun",
            "/20200129/runs".to_owned(),
            json!({"compartmentId": tenancy, "applicationId": app["id"]}).to_string(),
            "runs",
        ),
    ]
}

/// The token is recorded in the create's own transaction: when recording fails (here a trigger
/// refuses the insert, as a full disk or a kill -9 between the two would), the resource is
/// rolled back, so a retry with the same token creates exactly one resource and no orphan.
/// Before, the resource committed first and the token after, in a second transaction.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_token_record_rolls_the_create_back() {
    let s = Served::start().await;
    let app = lab_with_app(&s).await;
    let db = rusqlite::Connection::open(s.env.dir.path().join("emulator.db")).unwrap();
    for (op, target, body, dump_key) in token_taking_creates(&s.env, &app) {
        let body = body.replace("raced", "rolled");
        let token = format!("rollback-{op}");
        let count = |d: Value| d[dump_key].as_array().unwrap().len();
        let before = count(s.dump().await);
        db.execute_batch(
            "CREATE TRIGGER refuse_tokens BEFORE INSERT ON core_retry_tokens \
             BEGIN SELECT RAISE(ABORT, 'injected: recording the token failed'); END;",
        )
        .unwrap();
        let token_header = [("opc-retry-token", token.as_str())];
        let create = || {
            s.client
                .call_h("POST", &target, body.as_bytes(), &token_header)
        };
        let failed = create().await;
        assert_oci_error(&failed, 500);
        assert_eq!(
            count(s.dump().await),
            before,
            "{op}: nothing committed without its token"
        );
        db.execute_batch("DROP TRIGGER refuse_tokens").unwrap();
        let mut ids = BTreeSet::new();
        for _ in 0..2 {
            let r = create().await.expect(200);
            ids.insert(r.json()["id"].as_str().unwrap().to_owned());
        }
        assert_eq!(ids.len(), 1, "{op}: the retry is replayed: {ids:?}");
        assert_eq!(
            count(s.dump().await),
            before + 1,
            "{op}: exactly one resource"
        );
    }
    s.stop().await;
}

/// No token, same unique name, 16 at once: exactly one 200 per name, the rest a JSON 409.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_colliding_creates_give_exactly_one_200_per_name() {
    let s = Served::start().await;
    let tenancy = s.env.tenancy();
    let ns = s.env.ns();
    let cases: Vec<(String, String, &str)> = vec![
        (
            format!("/n/{ns}/b"),
            json!({"name": "collide", "compartmentId": tenancy}).to_string(),
            "buckets",
        ),
        (
            "/20160918/dynamicGroups".to_owned(),
            json!({"compartmentId": tenancy, "name": "dg-collide", "description": "d",
                   "matchingRule": "ALL {resource.type = 'dataflowrun'}"})
            .to_string(),
            "dynamic_groups",
        ),
        (
            "/20160918/policies".to_owned(),
            json!({"compartmentId": tenancy, "name": "p-collide", "description": "d",
                   "statements": ["Allow group g to read buckets in tenancy"]})
            .to_string(),
            "policies",
        ),
        (
            "/20160918/compartments".to_owned(),
            json!({"compartmentId": tenancy, "name": "c-collide", "description": "d"}).to_string(),
            "compartments",
        ),
    ];
    for (target, body, dump_key) in cases {
        let before = s.dump().await[dump_key].as_array().unwrap().len();
        let answers = s.race("POST", &target, &body, &[]).await;
        let ok = answers.iter().filter(|r| r.status == 200).count();
        assert_eq!(ok, 1, "{target}: exactly one 200");
        for r in answers.iter().filter(|r| r.status != 200) {
            assert_oci_error(r, 409);
        }
        let after = s.dump().await[dump_key].as_array().unwrap().len();
        assert_eq!(after, before + 1, "{target}: exactly one resource");
    }
    s.stop().await;
}

/// Nothing but signed requests change state: unsigned, mis-signed (another key, a tampered
/// signature, a signature over a different target) and skewed requests all get a JSON 401 and
/// leave the dump as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_mis_signed_and_skewed_requests_are_401_and_change_nothing() {
    let s = Served::start().await;
    let ns = s.env.ns();
    let tenancy = s.env.tenancy();
    let before = s.dump().await;
    let target = format!("/n/{ns}/b");
    let body = json!({"name": "intruder", "compartmentId": tenancy}).to_string();
    let base = format!("http://{}", s.addr);
    let http = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<axum::body::Body>();
    let collect = |resp: axum::http::Response<hyper::body::Incoming>| async move {
        use http_body_util::BodyExt;
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
    };

    // Unsigned.
    let req = axum::http::Request::post(format!("{base}{target}"))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.clone()))
        .unwrap();
    assert_oci_error(&collect(http.request(req).await.unwrap()).await, 401);

    // Signed with a key nobody registered, under the real keyId.
    let stranger = Real::new(&base, &s.env.key_id(), common::other_key());
    assert_oci_error(&stranger.call("POST", &target, body.as_bytes()).await, 401);

    // A valid signature for a different target, replayed here.
    let date = http_date(s.env.state.now());
    let host = s.addr.to_string();
    let mut headers = signer::sign(
        &s.env.key_id(),
        &s.env.key,
        &signer::ToSign {
            method: "post",
            target: &format!("/n/{ns}/b?other"),
            host: &host,
            date: &date,
            body: Some(body.as_bytes()),
            content_type: "application/json",
        },
    );
    let mut b = axum::http::Request::post(format!("{base}{target}"));
    for (k, v) in headers.drain(..) {
        b = b.header(k, v);
    }
    let req = b.body(axum::body::Body::from(body.clone())).unwrap();
    assert_oci_error(&collect(http.request(req).await.unwrap()).await, 401);

    // Skewed by six minutes either way (the limit is five).
    for skew in [-360i64, 360] {
        let date = http_date(s.env.state.now() + time::Duration::seconds(skew));
        let headers = signer::sign(
            &s.env.key_id(),
            &s.env.key,
            &signer::ToSign {
                method: "post",
                target: &target,
                host: &host,
                date: &date,
                body: Some(body.as_bytes()),
                content_type: "application/json",
            },
        );
        let mut b = axum::http::Request::post(format!("{base}{target}"));
        for (k, v) in headers {
            b = b.header(k, v);
        }
        let req = b.body(axum::body::Body::from(body.clone())).unwrap();
        let r = collect(http.request(req).await.unwrap()).await;
        assert_oci_error(&r, 401);
        assert!(
            r.json()["message"]
                .as_str()
                .unwrap()
                .contains("away from the server clock")
        );
    }

    // A tampered body under a valid signature.
    let date = http_date(s.env.state.now());
    let headers = signer::sign(
        &s.env.key_id(),
        &s.env.key,
        &signer::ToSign {
            method: "post",
            target: &target,
            host: &host,
            date: &date,
            body: Some(body.as_bytes()),
            content_type: "application/json",
        },
    );
    let mut b = axum::http::Request::post(format!("{base}{target}"));
    for (k, v) in headers {
        b = b.header(k, v);
    }
    let tampered = body.replace("intruder", "intrudeR");
    let req = b.body(axum::body::Body::from(tampered)).unwrap();
    assert_oci_error(&collect(http.request(req).await.unwrap()).await, 401);

    assert_eq!(s.dump().await, before, "no probe changed anything");
    s.stop().await;
}

/// Every file under `root`, relative, sorted.
fn files_under(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                stack.push(path.clone());
            }
            out.push(path.strip_prefix(root).unwrap().display().to_string());
        }
    }
    out.sort();
    out
}

/// Object, bucket and resource names that look like paths are names, never paths: whatever is
/// accepted is stored as an object (and read back byte for byte), whatever is refused is a JSON
/// 4xx, and no file appears outside the data directory or outside its layout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn path_traversal_in_names_writes_nothing_outside_the_data_dir() {
    let parent = tempfile::tempdir().unwrap();
    let data = parent.path().join("data");
    let env = env_in(&data);
    let s = Served::start_with(env).await;
    let ns = s.env.ns();
    s.env.create_bucket("safe").await;
    let names = [
        "../../../../escape",
        "..%2F..%2F..%2Fescape2",
        "/etc/passwd",
        "a/../../b",
        "..",
        ".",
        "%2e%2e%2f%2e%2e%2fescape3",
        "blobs/../../escape4",
        "C:\\windows\\escape5",
    ];
    for name in names {
        let target = format!("/n/{ns}/b/safe/o/{}", enc(name));
        let put = s.client.call("PUT", &target, name.as_bytes()).await;
        if put.status == 200 {
            let got = s.client.call("GET", &target, b"").await;
            assert_eq!(got.status, 200, "{name}");
            assert_eq!(got.body, name.as_bytes(), "{name} reads back as stored");
        } else {
            assert!(put.status.is_client_error(), "{name}: {}", put.status);
            assert_oci_error(&put, put.status.as_u16());
        }
        // The same names raw in the path (not percent-encoded), where a router could normalise.
        let raw = format!("/n/{ns}/b/safe/o/{name}");
        if raw.parse::<axum::http::Uri>().is_ok() {
            let r = s.client.call("PUT", &raw, b"raw").await;
            assert!(r.status.as_u16() < 500, "{raw}: {}", r.status);
            if !r.status.is_success() {
                assert_oci_error(&r, r.status.as_u16());
            }
        }
    }
    // Bucket names that look like paths are refused (a bare `..` is a legal bucket name and
    // only ever a database key, so it may be stored).
    for name in ["../x", "a/b", "%2e%2e", "..\\x"] {
        let r = s
            .client
            .call(
                "POST",
                &format!("/n/{ns}/b"),
                json!({"name": name, "compartmentId": s.env.tenancy()})
                    .to_string()
                    .as_bytes(),
            )
            .await;
        assert_oci_error(&r, 400);
    }
    s.stop().await;

    assert_eq!(
        files_under(parent.path())
            .iter()
            .filter(|p| !p.starts_with("data"))
            .collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "nothing next to the data dir"
    );
    let allowed_top: BTreeSet<&str> = [
        "blobs",
        "config",
        "emulator.db",
        "emulator.db-shm",
        "emulator.db-wal",
        "oci_api_key.pem",
        "oci_api_key_public.pem",
    ]
    .into();
    for f in files_under(&data) {
        let mut parts = f.split('/');
        let top = parts.next().unwrap();
        assert!(
            allowed_top.contains(top),
            "unexpected file in the data dir: {f}"
        );
        if top == "blobs"
            && let Some(blob) = parts.next()
        {
            assert!(
                uuid::Uuid::parse_str(blob).is_ok() && parts.next().is_none(),
                "blob files are flat, uuid-named: {f}"
            );
        }
    }
}

/// A test state whose data dir is exactly `dir`.
fn env_in(dir: &Path) -> Env {
    let holder = tempfile::tempdir().unwrap();
    let clock = Arc::new(oci_emulator::clock::ManualClock::new());
    let state = oci_emulator::AppState::open(
        dir,
        oci_emulator::Options {
            clock: clock.clone(),
            bootstrap_key: Some(common::shared_key()),
            lifecycle_delay: time::Duration::ZERO,
            ..oci_emulator::Options::default()
        },
    )
    .unwrap();
    Env {
        key: common::shared_key(),
        state,
        clock,
        dir: holder,
    }
}

/// Read from a raw connection until the server closes it, with a deadline.
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(DEADLINE, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return out,
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => panic!("the server kept the connection open past {DEADLINE:?}"),
        }
    }
}

/// Malformed JSON bodies of every kind: JSON 400 with the request id, nothing created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_bodies_are_json_400s() {
    let s = Served::start().await;
    let ns = s.env.ns();
    let before = s.dump().await;
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let long_name = format!(r#"{{"name":"{}"}}"#, "a".repeat(100_000));
    let bodies: Vec<String> = vec![
        String::new(),
        "{".to_owned(),
        "null".to_owned(),
        "[]".to_owned(),
        r#"{"name": 7}"#.to_owned(),
        "\u{feff}{}".to_owned(),
        deep,
        long_name,
        String::from_utf8_lossy(&[0xff, 0xfe, 0x00]).into_owned(),
    ];
    for body in bodies {
        let r = s
            .client
            .call("POST", &format!("/n/{ns}/b"), body.as_bytes())
            .await;
        assert_oci_error(&r, 400);
        for target in [
            "/20160918/policies",
            "/20200129/applications",
            "/20200129/runs",
        ] {
            let r = s.client.call("POST", target, body.as_bytes()).await;
            assert_oci_error(&r, 400);
        }
    }
    assert_eq!(s.dump().await, before);
    s.stop().await;
}

/// Raw bytes on the socket that are not HTTP: the connection is closed, the server keeps
/// serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_on_the_socket_closes_that_connection_only() {
    let s = Served::start_short().await;
    for junk in [
        &b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"[..],
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET /n HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        b"\r\n\r\n\r\n",
    ] {
        let mut c = TcpStream::connect(s.addr).await.unwrap();
        c.write_all(junk).await.unwrap();
        let _ = read_until_closed(&mut c).await;
    }
    s.client.call("GET", "/n", b"").await.expect(200);
    s.stop().await;
}

/// Half-sent headers (slowloris), a connection that never sends anything, and a kept-alive
/// connection left idle after one request are all closed by the server; before the header-read
/// timeout they stayed open for as long as the client liked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_silent_clients_are_disconnected() {
    let s = Served::start_short().await;
    let mut half = TcpStream::connect(s.addr).await.unwrap();
    half.write_all(b"GET /n HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let mut silent = TcpStream::connect(s.addr).await.unwrap();
    let mut kept = TcpStream::connect(s.addr).await.unwrap();
    kept.write_all(b"GET /_emulator/info HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    for (what, c) in [("half-sent headers", &mut half), ("silent", &mut silent)] {
        let got = read_until_closed(c).await;
        // hyper may answer 408 before closing; it must never be a served request.
        assert!(
            got.is_empty() || got.starts_with(b"HTTP/1.1 408"),
            "{what}: {}",
            String::from_utf8_lossy(&got)
        );
    }
    let got = read_until_closed(&mut kept).await;
    assert!(
        got.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&got)
    );
    s.client.call("GET", "/n", b"").await.expect(200);
    s.stop().await;
}

/// An upload that stops half way (headers complete, body stalled) is cut off by the idle
/// timeout, and nothing is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_upload_is_disconnected_and_stores_nothing() {
    let s = Served::start_short().await;
    s.env.create_bucket("stall").await;
    let target = format!("/n/{}/b/stall/o/half", s.env.ns());
    let date = http_date(s.env.state.now());
    let host = s.addr.to_string();
    let headers = signer::sign(
        &s.env.key_id(),
        &s.env.key,
        &signer::ToSign {
            method: "put",
            target: &target,
            host: &host,
            date: &date,
            body: None,
            content_type: "application/octet-stream",
        },
    );
    let mut head = format!("PUT {target} HTTP/1.1\r\nhost: {host}\r\ncontent-length: 1000\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n0123456789");
    let mut c = TcpStream::connect(s.addr).await.unwrap();
    c.write_all(head.as_bytes()).await.unwrap();
    let got = read_until_closed(&mut c).await;
    assert!(
        !got.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&got)
    );
    let objects = s.dump().await["objects"].as_array().unwrap().len();
    assert_eq!(objects, 0, "the half upload is not an object");
    s.stop().await;
}

/// With the descriptor limit reached, `accept` fails on every call. The loop backs off and logs
/// once per interval (it used to spin a core and write gigabytes of warnings), and serves again
/// once descriptors are free.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn descriptor_exhaustion_is_logged_once_and_survived() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_oci-emulator");
    let mut child = std::process::Command::new("prlimit")
        .args([
            "--nofile=48:48",
            bin,
            "serve",
            "--insecure-no-auth",
            "--data-dir",
        ])
        .arg(dir.path())
        .env("OCI_EMULATOR_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("prlimit (util-linux) runs the emulator with a low descriptor limit");
    // prlimit execs the emulator, so the child is the emulator: killed even if we panic.
    struct KillOnDrop(std::process::Child);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let child = KillOnDrop(child);
    let mut stdout = std::io::BufReader::new(stdout);
    let mut endpoint = String::new();
    stdout.read_line(&mut endpoint).unwrap();
    let addr: std::net::SocketAddr = endpoint
        .trim()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let (line_tx, line_rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = line_tx.send(line);
        }
    });
    // Hold more connections than the limit: the kernel completes their handshakes, the
    // emulator cannot accept them all.
    let mut held = Vec::new();
    for _ in 0..80 {
        held.push(TcpStream::connect(addr).await.unwrap());
    }
    // Wait (with a deadline) for the first accept-failure line.
    let (mut lines, line_rx) = tokio::task::spawn_blocking(move || {
        let mut lines = Vec::new();
        while let Ok(l) = line_rx.recv_timeout(DEADLINE) {
            let found = l.contains("accept failed");
            lines.push(l);
            if found {
                break;
            }
        }
        (lines, line_rx)
    })
    .await
    .unwrap();
    assert!(
        lines.iter().any(|l| l.contains("accept failed")),
        "the emulator logged the accept failure: {lines:?}"
    );
    drop(held);
    // Serves again (polling with a deadline: the freed descriptors are reclaimed asynchronously).
    let http = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<axum::body::Body>();
    let started = std::time::Instant::now();
    loop {
        let uri: axum::http::Uri = format!("http://{addr}/n").parse().unwrap();
        match tokio::time::timeout(Duration::from_secs(5), http.get(uri)).await {
            Ok(Ok(r)) if r.status() == 200 => break,
            _ if started.elapsed() < DEADLINE => tokio::task::yield_now().await,
            other => panic!("the emulator did not recover: {other:?}"),
        }
    }
    drop(child);
    lines.extend(line_rx.try_iter());
    let failures = lines.iter().filter(|l| l.contains("accept failed")).count();
    assert!(
        failures <= 3,
        "{failures} accept-failure lines for one exhaustion episode: {:?}",
        &lines[..lines.len().min(5)]
    );
}

/// A signed request head whose `content-length` is `declared`, whatever body follows.
fn signed_head(s: &Served, method: &str, target: &str, declared: u64) -> String {
    let date = http_date(s.env.state.now());
    let host = s.addr.to_string();
    let sha = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; // of the empty body; never reached
    let lines = format!(
        "date: {date}\n(request-target): {} {target}\nhost: {host}\ncontent-length: {declared}\ncontent-type: application/json\nx-content-sha256: {sha}",
        method.to_ascii_lowercase()
    );
    let sig = signer::sign_string(&s.env.key, &lines);
    format!(
        "{method} {target} HTTP/1.1\r\nhost: {host}\r\ndate: {date}\r\ncontent-length: {declared}\r\ncontent-type: application/json\r\nx-content-sha256: {sha}\r\nauthorization: Signature version=\"1\",keyId=\"{}\",algorithm=\"rsa-sha256\",headers=\"date (request-target) host content-length content-type x-content-sha256\",signature=\"{sig}\"\r\n\r\n",
        s.env.key_id()
    )
}

/// The status line and JSON body of one raw HTTP/1.1 answer.
async fn read_answer(c: &mut TcpStream) -> (String, Value) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = match tokio::time::timeout(DEADLINE, c.read(&mut buf)).await {
            Ok(Ok(n)) => n,
            Ok(Err(_)) => 0,
            Err(_) => panic!(
                "no answer within {DEADLINE:?}: {}",
                String::from_utf8_lossy(&got)
            ),
        };
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n")
            && let Some(len) = head.lines().find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse::<usize>().unwrap())
            })
            && body.len() >= len
        {
            assert!(
                head.to_ascii_lowercase()
                    .contains("content-type: application/json"),
                "{head}"
            );
            assert!(
                head.to_ascii_lowercase().contains("opc-request-id:"),
                "{head}"
            );
            let status = head.lines().next().unwrap().to_owned();
            return (status, serde_json::from_str(&body[..len]).unwrap());
        }
        if n == 0 {
            panic!("connection closed without a full answer: {text}");
        }
    }
}

/// An oversized JSON body is refused as it streams in, with OCI's JSON 413: a declared
/// 256 MiB `content-length` before a byte of it is sent (it used to be buffered, up to 1 GiB,
/// before anything was answered), a chunked body as soon as it passes the limit, and the control
/// API alike. Object bodies are not limited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_json_bodies_are_refused_as_they_stream_in() {
    let s = Served::start().await;
    let ns = s.env.ns();
    let before = s.dump().await;

    let mut c = TcpStream::connect(s.addr).await.unwrap();
    c.write_all(signed_head(&s, "POST", &format!("/n/{ns}/b"), 256 << 20).as_bytes())
        .await
        .unwrap();
    let (status, j) = read_answer(&mut c).await;
    assert!(status.starts_with("HTTP/1.1 413"), "{status}");
    assert_eq!(j["code"], "RequestEntityTooLarge");

    // Chunked, no length: refused once it passes the limit, not at its end.
    let mut c = TcpStream::connect(s.addr).await.unwrap();
    let head = format!(
        "POST /20200129/applications HTTP/1.1\r\nhost: {}\r\ntransfer-encoding: chunked\r\ncontent-type: application/json\r\n\r\n",
        s.addr
    );
    c.write_all(head.as_bytes()).await.unwrap();
    // Up to 16 MiB offered; the answer comes once 2 MiB have arrived (later writes may fail
    // because the server has stopped reading).
    let chunk = vec![b' '; 256 << 10];
    for _ in 0..64 {
        let frame = [
            format!("{:x}\r\n", chunk.len()).into_bytes(),
            chunk.clone(),
            b"\r\n".to_vec(),
        ]
        .concat();
        if c.write_all(&frame).await.is_err() {
            break;
        }
    }
    let (status, j) = read_answer(&mut c).await;
    assert!(status.starts_with("HTTP/1.1 413"), "{status}");
    assert_eq!(j["code"], "RequestEntityTooLarge");

    // The control API is bounded the same way.
    let mut c = TcpStream::connect(s.addr).await.unwrap();
    c.write_all(
        format!(
            "POST /_emulator/faults HTTP/1.1\r\nhost: {}\r\ncontent-length: {}\r\n\r\n",
            s.addr,
            3u64 << 20
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let (status, j) = read_answer(&mut c).await;
    assert!(status.starts_with("HTTP/1.1 413"), "{status}");
    assert_eq!(j["code"], "RequestEntityTooLarge");

    assert_eq!(s.dump().await, before, "nothing created");
    // An object body three times the JSON limit still streams in.
    s.env.create_bucket("big").await;
    let body = vec![7u8; 6 << 20];
    s.client
        .call("PUT", &format!("/n/{ns}/b/big/o/six-mib"), &body)
        .await
        .expect(200);
    s.stop().await;
}

/// Errors that used to come from axum in text/plain are OCI JSON: a `%FF` path segment in every
/// service, a malformed query, and a JSON body with trailing garbage (which used to be
/// accepted, creating the bucket).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_is_oci_json_with_a_request_id() {
    let s = Served::start().await;
    let ns = s.env.ns();
    s.env.create_bucket("b").await;
    for target in [
        "/20160918/policies/%FF".to_owned(),
        "/20160918/dynamicGroups/%FF%FE".to_owned(),
        "/20200129/applications/%FF".to_owned(),
        "/20200129/runs/%C0%AF/logs".to_owned(),
        format!("/n/{ns}/b/%FF"),
        format!("/n/{ns}/b/b/o/%FF"),
        format!("/n/{ns}/b?compartmentId=%FF&limit=x"),
        "/20160918/policies?compartmentId=x&limit=-x".to_owned(),
    ] {
        let r = s.client.call("GET", &target, b"").await;
        assert!(r.status.is_client_error(), "{target}: {}", r.status);
        assert_oci_error(&r, r.status.as_u16());
    }
    let tenancy = s.env.tenancy();
    for body in [
        format!(r#"{{"name":"garbage","compartmentId":"{tenancy}"}}garbage"#),
        format!(r#"{{"name":"garbage","compartmentId":"{tenancy}"}} {{}}"#),
    ] {
        let r = s
            .client
            .call("POST", &format!("/n/{ns}/b"), body.as_bytes())
            .await;
        assert_oci_error(&r, 400);
    }
    let r = s
        .client
        .call("GET", &format!("/n/{ns}/b/garbage"), b"")
        .await;
    assert_oci_error(&r, 404);
    s.stop().await;
}

/// Readers racing overwrites of one object get the old body or the new one, whole, never a 500
/// (a reader used to open the body file after the replacing PutObject had deleted it: about
/// 1 read in 2 000 with 2 writers and 6 readers).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn get_object_during_overwrites_returns_a_whole_body_never_a_500() {
    const WRITES: usize = 150;
    const READERS: usize = 6;
    let env = Env::with_options(|o| o.insecure_no_auth = true);
    let s = Served::start_with(env).await;
    s.env.create_bucket("hot").await;
    let url = format!("http://{}/n/{}/b/hot/o/obj", s.addr, s.env.ns());
    let http = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<axum::body::Body>();
    type Http = hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        axum::body::Body,
    >;
    async fn put(http: Http, url: String, v: u8) {
        let req = axum::http::Request::put(url)
            .header("content-length", 65_536)
            .body(axum::body::Body::from(vec![v; 65_536]))
            .unwrap();
        let r = http.request(req).await.unwrap();
        assert_eq!(r.status(), 200);
    }
    put(http.clone(), url.clone(), 1).await;
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..READERS)
        .map(|_| {
            let (http, url, done) = (http.clone(), url.clone(), done.clone());
            tokio::spawn(async move {
                use http_body_util::BodyExt;
                let mut reads = 0usize;
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    let r = http.get(url.parse().unwrap()).await.unwrap();
                    let status = r.status();
                    let body = r.into_body().collect().await.unwrap().to_bytes();
                    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
                    assert_eq!(body.len(), 65_536);
                    assert!(body.iter().all(|b| *b == body[0]), "a torn body");
                    reads += 1;
                }
                reads
            })
        })
        .collect();
    let writers: Vec<_> = (0..2u8)
        .map(|w| {
            let (http, url) = (http.clone(), url.clone());
            tokio::spawn(async move {
                for i in 0..WRITES {
                    put(http.clone(), url.clone(), 2 + w + 2 * (i % 100) as u8).await;
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut reads = 0;
    for r in readers {
        reads += r.await.expect("every read was a whole 200");
    }
    assert!(reads > 0);
    s.stop().await;
}

/// Data Flow writes run output and logs through PutObject's own path and rules: a run whose
/// output prefix (or logs prefix) would make object names PutObject refuses — a NUL, or over
/// 1 024 bytes — fails with a reason and stores nothing under those names (such names used to
/// be stored).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_flow_output_obeys_the_put_object_name_rules() {
    let s = Served::start().await;
    lab_storage(&s).await;
    let ns = s.env.ns();
    let app = s
        .env
        .call("POST", "/20200129/applications", &app_body(&s.env))
        .await
        .expect(200)
        .json();
    let long = "p".repeat(1100);
    let cases = [
        (
            json!([
                format!("oci://in@{ns}/scripts/etl.py"),
                format!("oci://out@{ns}/bad\u{0}dir/")
            ]),
            None,
        ),
        (
            json!([
                format!("oci://in@{ns}/scripts/etl.py"),
                format!("oci://out@{ns}/{long}/")
            ]),
            None,
        ),
        (
            json!([
                format!("oci://in@{ns}/scripts/etl.py"),
                format!("oci://out@{ns}/ok/")
            ]),
            Some(format!("oci://logs@{ns}/{long}/")),
        ),
    ];
    for (arguments, logs) in cases {
        let mut body = json!({"compartmentId": s.env.tenancy(), "applicationId": app["id"],
                              "arguments": arguments});
        if let Some(l) = logs {
            body["logsBucketUri"] = json!(l);
        }
        let run = s
            .env
            .call("POST", "/20200129/runs", &body.to_string())
            .await
            .expect(200)
            .json();
        let id = run["id"].as_str().unwrap();
        let got = s
            .env
            .call("GET", &format!("/20200129/runs/{id}"), "")
            .await
            .expect(200)
            .json();
        assert_eq!(got["lifecycleState"], "FAILED", "{got}");
        assert!(
            got["lifecycleDetails"]
                .as_str()
                .unwrap()
                .contains("objectName"),
            "{got}"
        );
    }
    let dump = s.dump().await;
    for o in dump["objects"].as_array().unwrap() {
        let name = o["name"].as_str().unwrap();
        assert!(
            name.len() <= 1024 && !name.contains('\u{0}'),
            "stored an object PutObject would refuse: {} bytes",
            name.len()
        );
    }
    s.stop().await;
}

/// A handler that panics (a bug) answers JSON 500 with a request id instead of dropping the
/// connection; exercised on a router with the emulator's own layers around a panicking route.
#[tokio::test]
async fn a_panicking_handler_answers_a_json_500() {
    use tower::ServiceExt;
    let router = axum::Router::new()
        .route(
            "/boom",
            axum::routing::get(|| async {
                if true {
                    panic!("deliberate");
                }
                "unreachable"
            }),
        )
        .layer(axum::middleware::from_fn(
            oci_emulator::middleware::catch_panic,
        ))
        .layer(axum::middleware::from_fn(
            oci_emulator::middleware::request_id,
        ));
    let resp = router
        .oneshot(
            axum::http::Request::get("/boom")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 500);
    assert!(resp.headers().contains_key("opc-request-id"));
    use http_body_util::BodyExt;
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    let j: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(j["code"], "InternalServerError");
    assert!(j["message"].as_str().unwrap().contains("deliberate"), "{j}");
}
