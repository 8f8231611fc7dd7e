//! Throughput of the emulator over a real loopback socket: signed GetBucket and signed
//! PutObject (1 KiB), reported as requests/s and latency percentiles.
//!
//! Run: `cargo bench -p oci-emulator --bench throughput` (optionally
//! `-- --requests 4000 --concurrency 8`). Requests are signed *before* the clock starts, because
//! RSA-2048 signing on the client costs more than the server's verification, and this measures
//! the server. Nothing here asserts a speed.

#[allow(dead_code)] // shared with the tests, which use all of it
#[path = "../tests/common/signer.rs"]
mod signer;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use oci_emulator::clock::http_date;
use oci_emulator::{AppState, Options};
use rsa::RsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Args {
    requests: usize,
    concurrency: usize,
}

fn args() -> Args {
    let mut a = Args {
        requests: 4000,
        concurrency: 8,
    };
    let argv: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < argv.len() {
        match argv[i].as_str() {
            "--requests" => {
                a.requests = argv[i + 1].parse().expect("--requests N");
                i += 1;
            }
            "--concurrency" => {
                a.concurrency = argv[i + 1].parse().expect("--concurrency N");
                i += 1;
            }
            _ => {} // cargo passes --bench
        }
        i += 1;
    }
    a
}

/// A fully signed request, ready to send.
struct Prepared {
    method: &'static str,
    uri: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn prepare(
    host: &str,
    key_id: &str,
    key: &RsaPrivateKey,
    method: &'static str,
    target: String,
    body: Vec<u8>,
    body_signed: bool,
) -> Prepared {
    let date = http_date(time::OffsetDateTime::now_utc());
    let mut headers = signer::sign(
        key_id,
        key,
        &signer::ToSign {
            method,
            target: &target,
            host,
            date: &date,
            body: body_signed.then_some(body.as_slice()),
            content_type: "application/json",
        },
    );
    if !body_signed && method == "PUT" {
        headers.push((
            "content-type".to_owned(),
            "application/octet-stream".to_owned(),
        ));
    }
    Prepared {
        method,
        uri: format!("http://{host}{target}"),
        headers,
        body,
    }
}

struct Report {
    name: &'static str,
    n: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Report {
    fn print(&mut self) {
        self.latencies.sort();
        let pct = |p: f64| {
            self.latencies[((self.latencies.len() as f64 * p).ceil() as usize).saturating_sub(1)]
        };
        println!(
            "{:<28} {:>6} req  {:>9.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
            self.name,
            self.n,
            self.n as f64 / self.elapsed.as_secs_f64(),
            pct(0.50).as_secs_f64() * 1e3,
            pct(0.99).as_secs_f64() * 1e3,
            self.latencies.last().unwrap().as_secs_f64() * 1e3,
        );
    }
}

async fn run(
    name: &'static str,
    requests: Vec<Prepared>,
    concurrency: usize,
    expect: u16,
) -> Report {
    let client: Client<_, Body> = Client::builder(TokioExecutor::new()).build_http();
    let n = requests.len();
    let queue = Arc::new(std::sync::Mutex::new(requests));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let client = client.clone();
        let queue = queue.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                let Some(p) = queue.lock().unwrap().pop() else {
                    break;
                };
                let mut b = Request::builder().method(p.method).uri(&p.uri);
                for (k, v) in &p.headers {
                    b = b.header(k, v);
                }
                let t = Instant::now();
                let resp = client
                    .request(b.body(Body::from(p.body)).unwrap())
                    .await
                    .expect("request");
                let status = resp.status().as_u16();
                let _ = resp.into_body().collect().await.expect("body");
                lat.push(t.elapsed());
                assert_eq!(status, expect, "{name}: unexpected status");
            }
            lat
        }));
    }
    let mut latencies = Vec::with_capacity(n);
    for t in tasks {
        latencies.extend(t.await.unwrap());
    }
    Report {
        name,
        n,
        elapsed: started.elapsed(),
        latencies,
    }
}

fn main() {
    let a = args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::open(dir.path(), Options::default()).unwrap();
        let id = state.identity().clone();
        let pem = std::fs::read_to_string(&id.key_file).unwrap();
        // Only the PEM block: the file ends with the `OCI_API_KEY` label line.
        let end =
            pem.find("-----END PRIVATE KEY-----").unwrap() + "-----END PRIVATE KEY-----".len();
        let key = RsaPrivateKey::from_pkcs8_pem(&pem[..end]).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(oci_emulator::serve(listener, state, async move {
            let _ = stop_rx.await;
        }));
        let key_id = id.key_id();
        let ns = id.namespace.clone();

        let create = prepare(
            &host,
            &key_id,
            &key,
            "POST",
            format!("/n/{ns}/b"),
            serde_json::json!({"name": "bench", "compartmentId": id.tenancy_id})
                .to_string()
                .into_bytes(),
            true,
        );
        let r = run("create bucket", vec![create], 1, 200).await;
        drop(r);

        println!(
            "oci-emulator throughput, 127.0.0.1, {} requests per workload, concurrency {}",
            a.requests, a.concurrency
        );
        let gets: Vec<Prepared> = (0..a.requests)
            .map(|_| {
                prepare(
                    &host,
                    &key_id,
                    &key,
                    "GET",
                    format!("/n/{ns}/b/bench"),
                    Vec::new(),
                    false,
                )
            })
            .collect();
        run("signed GetBucket", gets, a.concurrency, 200)
            .await
            .print();

        let body = vec![b'x'; 1024];
        let puts: Vec<Prepared> = (0..a.requests)
            .map(|i| {
                prepare(
                    &host,
                    &key_id,
                    &key,
                    "PUT",
                    format!("/n/{ns}/b/bench/o/obj-{i:06}"),
                    body.clone(),
                    false,
                )
            })
            .collect();
        run("signed PutObject (1 KiB)", puts, a.concurrency, 200)
            .await
            .print();

        stop_tx.send(()).unwrap();
        server.await.unwrap().unwrap();
    });
}
