//! Throughput of the emulator over a real loopback socket, reported as requests/s and latency
//! percentiles: signed GetBucket, signed PutObject (1 KiB), a mixed workload of the lab's calls
//! and ListObjects pages over a bucket of 10,000 objects.
//!
//! Run: `cargo bench -p oci-emulator --bench throughput` (optionally
//! `-- --requests 4000 --concurrency 8 --list-objects 10000`). Requests are signed and built
//! *before* the clock starts, because RSA-2048 signing on the client costs more than the
//! server's verification, and this measures the server. The server runs on a runtime of its
//! own (two workers, as `#[tokio::main]` gives the binary on two cores) and the client on one
//! thread with one HTTP/1.1 connection per concurrent task, so the CPU time of each side can be
//! read per thread and the client takes as little of the shared cores as it can. Nothing here
//! asserts a speed; the smoke test (`tests/bench_smoke.rs`) runs it tiny to keep the code
//! working.

#[allow(dead_code)] // shared with the tests, which use all of it
#[path = "../tests/common/signer.rs"]
mod signer;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use oci_emulator::clock::http_date;
use oci_emulator::{AppState, Options};
use rsa::RsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use std::time::{Duration, Instant};

pub struct Args {
    pub requests: usize,
    pub concurrency: usize,
    /// Objects in the bucket that ListObjects pages through.
    pub list_objects: usize,
    /// Workloads to run (`get`, `put`, `mixed`, `list`); empty: all. `--only put` is how
    /// callgrind measures one workload (`mixed` reads what `put` wrote, so it needs `put`).
    pub only: Vec<String>,
}

impl Default for Args {
    fn default() -> Self {
        Args {
            requests: 4000,
            concurrency: 8,
            list_objects: 10_000,
            only: Vec::new(),
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
            "--only" => {
                let v = argv.get(i + 1).expect("--only get,put,mixed,list");
                a.only = v.split(',').map(str::to_owned).collect();
                i += 1;
            }
            _ => {} // cargo passes --bench
        }
        i += 1;
    }
    a
}

/// A fully signed request, built and ready to send.
type Prepared = Request<Body>;

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
    // The signed `host`: hyper's connection API sends only the headers it is given.
    let mut b = Request::builder()
        .method(method)
        .uri(target)
        .header("host", host);
    for (k, v) in &headers {
        b = b.header(k, v);
    }
    b.body(Body::from(body)).unwrap()
}

pub struct Report {
    pub name: &'static str,
    pub n: usize,
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
    /// Commits and WAL fdatasyncs during the workload (group commit shares one among many).
    pub commits_syncs: (u64, u64),
    /// CPU time (user + system) of the server's threads and of the client's during the
    /// workload: unlike requests/s it barely moves when other processes load the machine.
    pub cpu: Cpu,
}

/// CPU time of the server's threads (its runtime's workers and blocking threads, the WAL
/// syncer) and of every other thread of the process (the client).
#[derive(Clone, Copy, Default)]
pub struct Cpu {
    pub server: Duration,
    /// The part of `server` spent in the kernel (socket I/O, WAL writes and fdatasyncs, locks).
    pub server_sys: Duration,
    pub client: Duration,
}

/// Name prefix of the server runtime's threads.
const SERVER_THREAD: &str = "emu-server";

impl Cpu {
    /// So far, from `/proc/self/task/*/stat` (utime + stime, ticks of 1/100 s). A thread
    /// that ended is not counted; none of these end during a workload.
    fn now() -> Cpu {
        let mut cpu = Cpu::default();
        let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
            return cpu;
        };
        for task in tasks.flatten() {
            let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
            let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
                continue;
            };
            let comm = &stat[open + 1..close];
            let ticks: Vec<u64> = stat[close + 2..]
                .split_whitespace()
                .skip(11)
                .take(2)
                .filter_map(|v| v.parse::<u64>().ok())
                .collect();
            let [user, sys] = ticks[..] else { continue };
            let t = Duration::from_millis((user + sys) * 10);
            if comm.starts_with(SERVER_THREAD) || comm == "wal-sync" {
                cpu.server += t;
                cpu.server_sys += Duration::from_millis(sys * 10);
            } else {
                cpu.client += t;
            }
        }
        cpu
    }

    fn since(self, before: Cpu) -> Cpu {
        Cpu {
            server: self.server.saturating_sub(before.server),
            server_sys: self.server_sys.saturating_sub(before.server_sys),
            client: self.client.saturating_sub(before.client),
        }
    }
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
        let per = |d: Duration| d.as_secs_f64() * 1e6 / self.n as f64;
        let (server, client) = (per(self.cpu.server), per(self.cpu.client));
        println!(
            "{:<28} CPU per request: server {server:.0} µs ({:.0} in the kernel) + client {client:.0} µs (2 cores give {:.0} req/s at the sum, {:.0} at the server's alone)",
            "",
            per(self.cpu.server_sys),
            2e6 / (server + client),
            2e6 / server
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
    addr: std::net::SocketAddr,
    requests: Vec<Prepared>,
    concurrency: usize,
    expect: u16,
) -> Report {
    let n = requests.len();
    // One connection per concurrent task, opened before the clock starts: the client's work
    // per request is then only hyper's HTTP/1.1 codec, no pool.
    let mut senders = Vec::new();
    for _ in 0..concurrency {
        senders.push(connect(addr).await);
    }
    let queue = std::rc::Rc::new(std::cell::RefCell::new(requests));
    let cpu_before = Cpu::now();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for mut sender in senders {
        let queue = queue.clone();
        tasks.push(tokio::task::spawn_local(async move {
            let mut lat = Vec::new();
            loop {
                let Some(req) = queue.borrow_mut().pop() else {
                    break;
                };
                let t = Instant::now();
                let resp = sender.send_request(req).await.expect("request");
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
        cpu: Cpu::now().since(cpu_before),
    }
}

/// An HTTP/1.1 connection to `addr`, driven by a local task.
async fn connect(addr: std::net::SocketAddr) -> hyper::client::conn::http1::SendRequest<Body> {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::task::spawn_local(async move {
        let _ = conn.await;
    });
    sender
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
    let wanted = |w: &str| a.only.is_empty() || a.only.iter().any(|o| o == w);
    assert!(
        !wanted("mixed") || wanted("put"),
        "the mixed workload reads the objects PutObject wrote: --only put,mixed"
    );
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(SERVER_THREAD)
        .enable_all()
        .build()
        .unwrap();
    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = server_rt
        .block_on(async { AppState::open(dir.path(), Options::default()) })
        .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = server_rt.spawn({
        let state = state.clone();
        async move {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            oci_emulator::serve(listener, state, async move {
                let _ = stop_rx.await;
            })
            .await
        }
    });
    let local = tokio::task::LocalSet::new();
    let reports = local.block_on(&client_rt, async {
        let id = state.identity().clone();
        let pem = std::fs::read_to_string(&id.key_file).unwrap();
        // Only the PEM block: the file ends with the `OCI_API_KEY` label line.
        let end =
            pem.find("-----END PRIVATE KEY-----").unwrap() + "-----END PRIVATE KEY-----".len();
        let key = RsaPrivateKey::from_pkcs8_pem(&pem[..end]).unwrap();
        let host = addr.to_string();
        let stats_of = state.clone();
        let stats = move || stats_of.group_commit_stats();
        let measured = |r: Report, before: (u64, u64), after: (u64, u64)| Report {
            commits_syncs: (after.0 - before.0, after.1 - before.1),
            ..r
        };
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
            run("create bucket", addr, vec![create], 1, 200).await;
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
        let policy_id = send_one(addr, policy).await["id"]
            .as_str()
            .unwrap()
            .to_owned();

        if wanted("get") {
            let gets: Vec<Prepared> = (0..a.requests)
                .map(|_| sign("GET", format!("/n/{ns}/b/bench"), Vec::new(), false))
                .collect();
            reports.push(run("signed GetBucket", addr, gets, a.concurrency, 200).await);
        }

        let body = vec![b'x'; 1024];
        if wanted("put") {
            let puts: Vec<Prepared> = (0..a.requests)
                .map(|i| {
                    let target = format!("/n/{ns}/b/bench/o/obj-{i:06}");
                    sign("PUT", target, body.clone(), false)
                })
                .collect();
            let before = stats();
            let r = run("signed PutObject (1 KiB)", addr, puts, a.concurrency, 200).await;
            reports.push(measured(r, before, stats()));
        }

        // The lab's calls, interleaved: what a refresh of its bucket, objects and policy asks
        // (namespace, bucket, retention rules, object HEAD/GET, policy) plus an upload.
        if wanted("mixed") {
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
            let r = run("mixed (lab's calls)", addr, mixed, a.concurrency, 200).await;
            reports.push(measured(r, before, stats()));
        }

        // ListObjects over a bucket of `list_objects` objects: filled at full concurrency (not
        // reported), then listed page by page (1,000 names a page, as clients page).
        if wanted("list") {
            let fill: Vec<Prepared> = (0..a.list_objects)
                .map(|i| {
                    let target = format!("/n/{ns}/b/list/o/item-{i:06}");
                    sign("PUT", target, b"x".to_vec(), false)
                })
                .collect();
            run("fill", addr, fill, a.concurrency, 200).await;
            let pages = a.list_objects.div_ceil(1000).max(1);
            let listings = (a.requests / 100).max(1);
            let lists: Vec<Prepared> = (0..listings * pages)
                .map(|i| {
                    let start = format!("item-{:06}", (i % pages) * 1000);
                    let target = format!("/n/{ns}/b/list/o?limit=1000&start={start}");
                    sign("GET", target, Vec::new(), false)
                })
                .collect();
            reports.push(run("ListObjects (1,000/page)", addr, lists, a.concurrency, 200).await);
        }

        reports
    });
    stop_tx.send(()).unwrap();
    server_rt.block_on(server).unwrap().unwrap();
    reports
}

/// Sends one request and returns its JSON answer (setup steps that need an id).
async fn send_one(addr: std::net::SocketAddr, p: Prepared) -> serde_json::Value {
    let resp = connect(addr).await.send_request(p).await.expect("request");
    let status = resp.status();
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    assert!(
        status.is_success(),
        "{status}: {}",
        String::from_utf8_lossy(&body)
    );
    serde_json::from_slice(&body).expect("JSON answer")
}
