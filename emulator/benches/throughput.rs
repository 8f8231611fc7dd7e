//! Throughput of the emulator over a real loopback socket, reported as requests/s and latency
//! percentiles: signed GetBucket, signed PutObject (1 KiB), a mixed workload of the lab's calls
//! and ListObjects pages over a bucket of 10,000 objects.
//!
//! Run: `cargo bench -p oci-emulator --bench throughput` (optionally
//! `-- --requests 4000 --concurrency 8 --list-objects 10000`). Requests are signed *before* the
//! clock starts, because RSA-2048 signing on the client costs more than the server's
//! verification, and this measures the server. Nothing here asserts a speed; the smoke test
//! (`tests/bench_smoke.rs`) runs it tiny to keep the code working.

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

pub struct Args {
    pub requests: usize,
    pub concurrency: usize,
    /// Objects in the bucket that ListObjects pages through.
    pub list_objects: usize,
}

impl Default for Args {
    fn default() -> Self {
        Args {
            requests: 4000,
            concurrency: 8,
            list_objects: 10_000,
        }
    }
}

fn args() -> Args {
    let mut a = Args::default();
    let argv: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < argv.len() {
        let value = |what: &str| -> usize {
            argv.get(i + 1)
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{what} N"))
        };
        match argv[i].as_str() {
            "--requests" => {
                a.requests = value("--requests");
                i += 1;
            }
            "--concurrency" => {
                a.concurrency = value("--concurrency");
                i += 1;
            }
            "--list-objects" => {
                a.list_objects = value("--list-objects");
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

pub struct Report {
    pub name: &'static str,
    pub n: usize,
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
    /// Commits and WAL fdatasyncs during the workload (group commit shares one among many).
    pub commits_syncs: (u64, u64),
    /// CPU time (user + system) of this whole process, client and server, during the workload:
    /// unlike requests/s it barely moves when other processes load the machine.
    pub cpu: Duration,
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
        let per_request = self.cpu.as_secs_f64() * 1e6 / self.n as f64;
        println!(
            "{:<28} CPU {per_request:.0} µs per request (client + server; 2 cores give {:.0} req/s at that)",
            "",
            2e6 / per_request
        );
        let (commits, syncs) = self.commits_syncs;
        if commits > 0 {
            println!(
                "{:<28} {commits} commits, {syncs} WAL fdatasyncs ({:.1} commits per sync)",
                "",
                commits as f64 / syncs.max(1) as f64
            );
        }
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
    let cpu_before = process_cpu();
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
    let elapsed = started.elapsed();
    Report {
        name,
        n,
        elapsed,
        latencies,
        commits_syncs: (0, 0),
        cpu: process_cpu().saturating_sub(cpu_before),
    }
}

/// utime + stime of this process so far (`/proc/self/stat`, clock ticks of 1/100 s).
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rfind(')').map_or("", |i| &stat[i + 2..]);
    let f: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse().ok())
        .collect();
    Duration::from_millis(f.iter().sum::<u64>() * 10)
}

fn main() {
    let a = args();
    println!(
        "oci-emulator throughput, 127.0.0.1, {} requests per workload, concurrency {}",
        a.requests, a.concurrency
    );
    for mut r in run_all(&a) {
        r.print();
    }
}

/// Every workload against one fresh in-process emulator (a temporary data dir), in order.
pub fn run_all(a: &Args) -> Vec<Report> {
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
        let stats_of = state.clone();
        let stats = move || stats_of.group_commit_stats();
        let measured = |r: Report, before: (u64, u64), after: (u64, u64)| Report {
            commits_syncs: (after.0 - before.0, after.1 - before.1),
            ..r
        };
        let server = tokio::spawn(oci_emulator::serve(listener, state, async move {
            let _ = stop_rx.await;
        }));
        let key_id = id.key_id();
        let ns = id.namespace.clone();
        let sign = |method: &'static str, target: String, body: Vec<u8>, body_signed: bool| {
            prepare(&host, &key_id, &key, method, target, body, body_signed)
        };
        let json = |v: serde_json::Value| v.to_string().into_bytes();
        let mut reports = Vec::new();

        for bucket in ["bench", "list"] {
            let create = sign(
                "POST",
                format!("/n/{ns}/b"),
                json(serde_json::json!({"name": bucket, "compartmentId": id.tenancy_id})),
                true,
            );
            run("create bucket", vec![create], 1, 200).await;
        }
        let policy = sign(
            "POST",
            "/20160918/policies".to_owned(),
            json(serde_json::json!({
                "compartmentId": id.tenancy_id, "name": "bench", "description": "bench",
                "statements": ["Allow group Bench to read buckets in tenancy"],
            })),
            true,
        );
        let policy_id = send_one(policy).await["id"].as_str().unwrap().to_owned();

        let gets: Vec<Prepared> = (0..a.requests)
            .map(|_| sign("GET", format!("/n/{ns}/b/bench"), Vec::new(), false))
            .collect();
        reports.push(run("signed GetBucket", gets, a.concurrency, 200).await);

        let body = vec![b'x'; 1024];
        let puts: Vec<Prepared> = (0..a.requests)
            .map(|i| {
                let target = format!("/n/{ns}/b/bench/o/obj-{i:06}");
                sign("PUT", target, body.clone(), false)
            })
            .collect();
        let before = stats();
        let r = run("signed PutObject (1 KiB)", puts, a.concurrency, 200).await;
        reports.push(measured(r, before, stats()));

        // The lab's calls, interleaved: what a refresh of its bucket, objects and policy asks
        // (namespace, bucket, retention rules, object HEAD/GET, policy) plus an upload.
        let rounds = a.requests.div_ceil(8);
        let mut mixed = Vec::with_capacity(rounds * 8);
        for i in 0..rounds {
            let obj = format!("/n/{ns}/b/bench/o/obj-{:06}", i % a.requests.max(1));
            mixed.push(sign("GET", "/n/".to_owned(), Vec::new(), false));
            mixed.push(sign("GET", format!("/n/{ns}/b/bench"), Vec::new(), false));
            let rules = format!("/n/{ns}/b/bench/retentionRules");
            mixed.push(sign("GET", rules, Vec::new(), false));
            mixed.push(sign("HEAD", obj.clone(), Vec::new(), false));
            mixed.push(sign("GET", obj, Vec::new(), false));
            let listed = format!("/n/{ns}/b/bench/o?prefix=obj-00&limit=100");
            mixed.push(sign("GET", listed, Vec::new(), false));
            let policy = format!("/20160918/policies/{policy_id}");
            mixed.push(sign("GET", policy, Vec::new(), false));
            let target = format!("/n/{ns}/b/bench/o/mixed-{i:06}");
            mixed.push(sign("PUT", target, body.clone(), false));
        }
        let before = stats();
        let r = run("mixed (lab's calls)", mixed, a.concurrency, 200).await;
        reports.push(measured(r, before, stats()));

        // ListObjects over a bucket of `list_objects` objects: filled at full concurrency (not
        // reported), then listed page by page (1,000 names a page, as clients page).
        let fill: Vec<Prepared> = (0..a.list_objects)
            .map(|i| {
                let target = format!("/n/{ns}/b/list/o/item-{i:06}");
                sign("PUT", target, b"x".to_vec(), false)
            })
            .collect();
        run("fill", fill, a.concurrency, 200).await;
        let pages = a.list_objects.div_ceil(1000).max(1);
        let listings = (a.requests / 100).max(1);
        let lists: Vec<Prepared> = (0..listings * pages)
            .map(|i| {
                let start = format!("item-{:06}", (i % pages) * 1000);
                let target = format!("/n/{ns}/b/list/o?limit=1000&start={start}");
                sign("GET", target, Vec::new(), false)
            })
            .collect();
        reports.push(run("ListObjects (1,000/page)", lists, a.concurrency, 200).await);

        stop_tx.send(()).unwrap();
        server.await.unwrap().unwrap();
        reports
    })
}

/// Sends one request and returns its JSON answer (setup steps that need an id).
async fn send_one(p: Prepared) -> serde_json::Value {
    let client: Client<_, Body> = Client::builder(TokioExecutor::new()).build_http();
    let mut b = Request::builder().method(p.method).uri(&p.uri);
    for (k, v) in &p.headers {
        b = b.header(k, v);
    }
    let resp = client
        .request(b.body(Body::from(p.body)).unwrap())
        .await
        .expect("request");
    let status = resp.status();
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    assert!(
        status.is_success(),
        "{status}: {}",
        String::from_utf8_lossy(&body)
    );
    serde_json::from_slice(&body).expect("JSON answer")
}
