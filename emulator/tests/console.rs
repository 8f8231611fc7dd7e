//! The emulator console (`/_emulator/console`) against the real `oci-emulator` binary on
//! 127.0.0.1: every page over HTTP (status, content type, security headers, what it shows,
//! every link it has), hostile names and contents (shown as text, never as markup), and the
//! pages in a real headless Chromium (no console message, payloads never run, a screenshot).
//!
//! Chromium is Debian's `chromium` (or `$CHROMIUM`); `.ci/run` installs it. Without it the
//! browser tests fail saying so. `OCI_EMULATOR_SCREENSHOT=<path>` also copies the run page's
//! screenshot there (README: how `emulator/docs/console.png` is made).

mod common;

use common::Resp;
use common::real::Real;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};
use std::collections::{BTreeSet, VecDeque};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_oci-emulator");
const DEADLINE: Duration = Duration::from_secs(60);
const CONSOLE: &str = "/_emulator/console";

// ------------------------------------------------------------------------------------------
// The emulator process

struct Emulator {
    child: Child,
    real: Real,
    info: Value,
    _dir: tempfile::TempDir,
}

impl Emulator {
    /// A fresh emulator: simulated executor, run IAM enforced, 100 ms lifecycle phases.
    fn start() -> Emulator {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(BIN)
            .args(["serve", "--json", "--executor", "simulated", "--run-iam"])
            .args(["enforce", "--lifecycle-ms", "100", "--data-dir"])
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn oci-emulator");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(DEADLINE).expect("the emulator started");
        let info: Value = serde_json::from_str(&line).expect("the --json line");
        Emulator {
            child,
            real: Real::from_info(&info),
            info,
            _dir: dir,
        }
    }

    fn endpoint(&self) -> &str {
        self.info["endpoint"].as_str().unwrap()
    }
    fn ns(&self) -> String {
        self.info["namespace"].as_str().unwrap().to_owned()
    }
    fn tenancy(&self) -> String {
        self.info["tenancy_id"].as_str().unwrap().to_owned()
    }

    async fn call(&self, method: &str, path: &str, body: Value) -> Resp {
        let body = if body.is_null() {
            Vec::new()
        } else {
            body.to_string().into_bytes()
        };
        self.real.call(method, path, &body).await
    }

    /// POST a create (200 expected); the new resource's id.
    async fn create(&self, path: &str, body: Value) -> String {
        let r = self.call("POST", path, body).await.expect(200).json();
        r["id"].as_str().expect("an id").to_owned()
    }

    async fn get(&self, path: &str) -> Resp {
        self.real.call("GET", path, b"").await
    }

    async fn put_object(&self, bucket: &str, name: &str, content_type: &str, body: &[u8]) {
        let path = format!("/n/{}/b/{bucket}/o/{}", self.ns(), common::enc(name));
        self.real
            .call_h("PUT", &path, body, &[("content-type", content_type)])
            .await
            .expect(200);
    }

    async fn bucket(&self, name: &str, compartment: &str) {
        self.call(
            "POST",
            &format!("/n/{}/b", self.ns()),
            json!({"name": name, "compartmentId": compartment}),
        )
        .await
        .expect(200);
    }

    /// The run's logs (ListRunLogs), each with its text (GetRunLog, gunzipped).
    async fn run_logs(&self, run_id: &str) -> Vec<(String, String)> {
        let listed = self
            .get(&format!("/20200129/runs/{run_id}/logs"))
            .await
            .expect(200)
            .json();
        let mut out = Vec::new();
        for log in listed.as_array().unwrap() {
            let name = log["name"].as_str().unwrap().to_owned();
            let gz = self
                .get(&format!("/20200129/runs/{run_id}/logs/{name}"))
                .await
                .expect(200)
                .body;
            let mut text = String::new();
            flate2::read::GzDecoder::new(gz.as_slice())
                .read_to_string(&mut text)
                .unwrap();
            out.push((name, text));
        }
        out
    }

    /// Wait (with a deadline) until the IAM resource at `path` is ACTIVE: only ACTIVE dynamic
    /// groups and policies grant anything to runs.
    async fn wait_active(&self, path: &str) {
        let start = Instant::now();
        loop {
            let r = self.get(path).await.expect(200).json();
            if r["lifecycleState"] == "ACTIVE" {
                return;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "{path} still {}",
                r["lifecycleState"]
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Wait (with a deadline) until the run is in a terminal state; its GetRun body.
    async fn wait_terminal(&self, run_id: &str) -> Value {
        let start = Instant::now();
        loop {
            let run = self
                .get(&format!("/20200129/runs/{run_id}"))
                .await
                .expect(200)
                .json();
            let state = run["lifecycleState"].as_str().unwrap().to_owned();
            if ["SUCCEEDED", "FAILED", "CANCELED", "STOPPED"].contains(&state.as_str()) {
                return run;
            }
            assert!(start.elapsed() < DEADLINE, "run {run_id} still {state}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ------------------------------------------------------------------------------------------
// Scenarios

/// What the lab scenario made.
struct Lab {
    compartment: String,
    app_id: String,
    run_id: String,
    failed_run_id: String,
}

const LAB_RULE: &str = "all{resource.type='dataflowrun',resource.compartment.id='COMP'}";
const LAB_STATEMENTS: [&str; 2] = [
    "Allow dynamic-group lab-runs to read buckets in compartment lab",
    "allow dynamic-group lab-runs   to manage objects in compartment Lab",
];

/// The lab, through the API: a compartment with a data and a logs bucket, the script and its
/// CSV, a dynamic group and policy granting the runs, an application, a run that succeeds and
/// one whose script raises; then a GetBucket answered by an injected 503.
async fn lab(emu: &Emulator) -> Lab {
    let ns = emu.ns();
    let comp = emu
        .create("/_emulator/compartments", json!({"name": "lab"}))
        .await;
    emu.bucket("lab-data", &comp).await;
    emu.bucket("lab-logs", &comp).await;
    emu.put_object(
        "lab-data",
        "scripts/etl_sales.py",
        "text/x-python",
        b"print('etl')\n",
    )
    .await;
    emu.put_object(
        "lab-data",
        "scripts/broken.py",
        "text/x-python",
        b"raise ValueError(\"no rows in the input\")\n",
    )
    .await;
    emu.put_object(
        "lab-data",
        "input/sales.csv",
        "text/csv",
        b"order_id,amount\n1,120.5\n2,80\n",
    )
    .await;
    let group = emu
        .create(
            "/20160918/dynamicGroups",
            json!({"compartmentId": emu.tenancy(), "name": "lab-runs", "description": "the lab's runs",
                   "matchingRule": LAB_RULE.replace("COMP", &comp)}),
        )
        .await;
    let policy = emu
        .create(
            "/20160918/policies",
            json!({"compartmentId": emu.tenancy(), "name": "lab-policy", "description": "what the lab's runs may touch",
                   "statements": LAB_STATEMENTS}),
        )
        .await;
    for (kind, id) in [("dynamicGroups", group), ("policies", policy)] {
        emu.wait_active(&format!("/20160918/{kind}/{id}")).await;
    }
    let app = |name: &str, script: &str| {
        json!({
            "compartmentId": comp, "displayName": name, "language": "PYTHON", "sparkVersion": "3.5.0",
            "driverShape": "VM.Standard2.1", "executorShape": "VM.Standard2.1", "numExecutors": 1,
            "fileUri": format!("oci://lab-data@{ns}/scripts/{script}"),
            "arguments": [format!("oci://lab-data@{ns}/input/sales.csv"), format!("oci://lab-data@{ns}/output/")],
            "logsBucketUri": format!("oci://lab-logs@{ns}/"),
        })
    };
    let mut ids = Vec::new();
    for (name, script) in [("etl-sales", "etl_sales.py"), ("etl-broken", "broken.py")] {
        let app_id = emu
            .create("/20200129/applications", app(name, script))
            .await;
        let run_id = emu
            .create(
                "/20200129/runs",
                json!({"compartmentId": comp, "applicationId": app_id, "displayName": format!("{name}-run-1")}),
            )
            .await;
        ids.push((app_id, run_id));
    }
    let run = emu.wait_terminal(&ids[0].1).await;
    assert_eq!(run["lifecycleState"], "SUCCEEDED", "{run}");
    let failed = emu.wait_terminal(&ids[1].1).await;
    assert_eq!(failed["lifecycleState"], "FAILED", "{failed}");
    emu.call(
        "POST",
        "/_emulator/faults",
        json!({"service": "objectstorage", "operation": "GetBucket", "status": 503, "count": 1}),
    )
    .await
    .expect(201);
    emu.get(&format!("/n/{ns}/b/lab-data"))
        .await
        .expect_error(503, "ServiceUnavailable");
    Lab {
        compartment: comp,
        app_id: ids[0].0.clone(),
        run_id: ids[0].1.clone(),
        failed_run_id: ids[1].1.clone(),
    }
}

/// Markup and script that would run, or break the page, if any of it reached the page
/// unescaped: each sets the document's title (or adds an element) when it executes.
const PAYLOADS: &[&str] = &[
    "<script>document.title='XSS-1'</script>",
    "\"><img src=x onerror=\"document.title='XSS-2'\">",
    "'><svg onload=document.title='XSS-3'>",
    "</td></tr></table><script>document.title='XSS-4'</script>",
    "<iframe srcdoc='<script>parent.document.title=5</script>'></iframe>",
];

/// Payloads without a single quote, for the quoted values of policy statements and matching
/// rules (where a `'` would end the value and IAM would refuse the text).
const QUOTELESS: &[&str] = &[
    "</code></td><script>document.title=\"XSS-6\"</script>",
    "<img src=x onerror=document.title=\"XSS-7\">",
];

fn all_payloads() -> impl Iterator<Item = &'static str> {
    PAYLOADS.iter().chain(QUOTELESS).copied()
}

/// Resources whose user-controlled strings are the payloads: object names and content types,
/// a dynamic group's description and matching rule, a policy's description and statement, an
/// application's and a run's display names and arguments (which the driver log repeats), a
/// failing script's exception (lifecycleDetails and the traceback), a fault rule's operation.
/// Returns the run ids.
async fn hostile(emu: &Emulator) -> Vec<String> {
    let ns = emu.ns();
    let t = emu.tenancy();
    emu.bucket("hostile", &t).await;
    for (i, p) in PAYLOADS.iter().enumerate() {
        emu.put_object("hostile", p, &format!("text/html; x=\"{p}\""), p.as_bytes())
            .await;
        emu.put_object(
            "hostile",
            &format!("scripts/raise-{i}.py"),
            "text/x-python",
            format!("raise ValueError({:?})\n", p).as_bytes(),
        )
        .await;
    }
    emu.call(
        "POST",
        "/20160918/dynamicGroups",
        json!({"compartmentId": t, "name": "hostile-runs", "description": PAYLOADS[1],
               "matchingRule": format!("ALL {{resource.type = 'dataflowrun', resource.id = '{}'}}", QUOTELESS[1])}),
    )
    .await
    .expect(200);
    emu.call(
        "POST",
        "/20160918/policies",
        json!({"compartmentId": t, "name": "hostile-policy", "description": PAYLOADS[3],
               "statements": [format!("allow dynamic-group hostile-runs to read objects in tenancy where target.bucket.name = '{}'", QUOTELESS[0])]}),
    )
    .await
    .expect(200);
    emu.call(
        "POST",
        "/_emulator/faults",
        json!({"operation": PAYLOADS[4], "status": 503}),
    )
    .await
    .expect(201);
    // Soft mode: the runs (which nothing grants) go on to their scripts, which raise; the
    // would-be denials are recorded with explanations quoting the statement.
    emu.call("PUT", "/_emulator/dataflow/iam", json!({"mode": "soft"}))
        .await
        .expect(200);
    let mut runs = Vec::new();
    for (i, p) in PAYLOADS.iter().enumerate() {
        let app = emu
            .call(
                "POST",
                "/20200129/applications",
                json!({
                    "compartmentId": t, "displayName": p, "language": "PYTHON", "sparkVersion": "3.5.0",
                    "driverShape": "VM.Standard2.1", "executorShape": "VM.Standard2.1", "numExecutors": 1,
                    "fileUri": format!("oci://hostile@{ns}/scripts/raise-{i}.py"),
                    "arguments": [p, format!("oci://hostile@{ns}/{p}")],
                }),
            )
            .await
            .expect(200)
            .json();
        let run = emu
            .call(
                "POST",
                "/20200129/runs",
                json!({"compartmentId": t, "applicationId": app["id"], "displayName": p}),
            )
            .await
            .expect(200)
            .json();
        runs.push(run["id"].as_str().unwrap().to_owned());
    }
    for (id, p) in runs.iter().zip(PAYLOADS) {
        let run = emu.wait_terminal(id).await;
        assert_eq!(run["lifecycleState"], "FAILED", "{run}");
        let details = run["lifecycleDetails"].as_str().unwrap();
        // The script wrote the payload as a Rust-escaped (also valid Python) literal.
        let raised = p.replace('"', "\\\"");
        assert!(
            details.contains(&raised),
            "the exception is in the details: {run}"
        );
    }
    runs
}

// ------------------------------------------------------------------------------------------
// HTML helpers

/// Every `href="…"` and `src="…"` value of a page, entity-decoded.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            let after = &rest[i + attr.len()..];
            let end = after.find('"').expect("a closed attribute");
            out.push(
                after[..end]
                    .replace("&quot;", "\"")
                    .replace("&#39;", "'")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&amp;", "&"),
            );
            rest = &after[end..];
        }
    }
    out
}

/// Text as the console escapes it.
fn escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Text as a browser serialises a text node (`--dump-dom`): only `& < >` (and NBSP) escaped.
fn dom_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn download_path(bucket: &str, object: &str) -> String {
    format!(
        "{CONSOLE}/buckets/{bucket}/download?object={}",
        utf8_percent_encode(object, SEGMENT)
    )
}

fn body(r: &Resp) -> String {
    String::from_utf8(r.body.clone()).expect("UTF-8 page")
}

/// Every console page and file reachable from the overview by links, each fetched once:
/// (path, response). Fails on a link that leaves the console or does not answer 200.
async fn crawl(emu: &Emulator) -> Vec<(String, Resp)> {
    let mut seen = BTreeSet::from([CONSOLE.to_owned()]);
    let mut queue = VecDeque::from([CONSOLE.to_owned()]);
    let mut pages = Vec::new();
    while let Some(path) = queue.pop_front() {
        assert!(pages.len() < 500, "the crawl does not end");
        let r = emu.get(&path).await;
        assert_eq!(
            r.status.as_u16(),
            200,
            "{path} answered {}: {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        );
        if r.header("content-type") == Some("text/html; charset=utf-8") {
            for link in links(&body(&r)) {
                assert!(
                    link.starts_with(CONSOLE),
                    "{path} links outside the console: {link}"
                );
                if seen.insert(link.clone()) {
                    queue.push_back(link);
                }
            }
        }
        pages.push((path, r));
    }
    pages
}

// ------------------------------------------------------------------------------------------
// HTTP tests

#[tokio::test]
async fn every_page_is_html_with_a_strict_policy_and_every_link_resolves() {
    let emu = Emulator::start();
    let lab = lab(&emu).await;
    let pages = crawl(&emu).await;
    let paths: BTreeSet<&str> = pages.iter().map(|(p, _)| p.as_str()).collect();
    let ns = emu.ns();
    for expected in [
        CONSOLE.to_owned(),
        format!("{CONSOLE}/buckets"),
        format!("{CONSOLE}/buckets/lab-data"),
        format!("{CONSOLE}/buckets/lab-logs"),
        format!("{CONSOLE}/iam"),
        format!("{CONSOLE}/dataflow"),
        format!("{CONSOLE}/dataflow/applications/{}", lab.app_id),
        format!("{CONSOLE}/dataflow/runs/{}", lab.run_id),
        format!("{CONSOLE}/dataflow/runs/{}", lab.failed_run_id),
        format!("{CONSOLE}/requests"),
        format!("{CONSOLE}/favicon.svg"),
        format!("{CONSOLE}/buckets/lab-data?prefix=output%2F"),
        download_path("lab-data", "input/sales.csv"),
        download_path("lab-data", "output/_SUCCESS"),
    ] {
        assert!(
            paths.contains(expected.as_str()),
            "{expected} is not linked from the console; found {paths:#?}"
        );
    }
    assert!(ns.len() > 3);
    for (path, r) in &pages {
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(
            csp.contains("default-src 'none'") && !csp.contains("unsafe"),
            "{path}: {csp}"
        );
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        let ct = r.header("content-type").unwrap_or_default();
        if path.contains("/download?") {
            assert_eq!(ct, "application/octet-stream", "{path}");
            assert!(csp.starts_with("sandbox"), "{path}: {csp}");
        } else if path.ends_with(".svg") {
            assert_eq!(ct, "image/svg+xml");
        } else {
            assert_eq!(ct, "text/html; charset=utf-8", "{path}");
            let html = body(r);
            assert!(html.starts_with("<!DOCTYPE html>"), "{path}");
            assert!(html.trim_end().ends_with("</html>"), "{path}");
            assert!(!html.contains("<script"), "{path} carries a script");
            assert!(!html.contains("style=\""), "{path} has a style attribute");
        }
    }
    // The console is not an OCI request: nothing of the crawl is in the request log.
    let log = emu.get("/_emulator/requests").await.expect(200).json();
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .all(|r| !r["path"].as_str().unwrap().starts_with("/_emulator")),
        "{log}"
    );
}

#[tokio::test]
async fn pages_show_what_the_api_serves() {
    let emu = Emulator::start();
    let lab = lab(&emu).await;
    let ns = emu.ns();

    let overview = body(&emu.get(CONSOLE).await.expect(200));
    for fact in [emu.tenancy(), ns.clone(), "us-ashburn-1".to_owned()] {
        assert!(overview.contains(&fact), "overview lacks {fact}");
    }
    assert!(overview.contains(&lab.compartment));
    assert!(overview.contains("1 with an injected fault"), "{overview}");

    // Buckets and objects: what ListObjects/HeadObject say.
    let buckets = body(&emu.get(&format!("{CONSOLE}/buckets")).await.expect(200));
    assert!(buckets.contains(">lab-data</a>") && buckets.contains(">lab-logs</a>"));
    let page = body(
        &emu.get(&format!("{CONSOLE}/buckets/lab-data"))
            .await
            .expect(200),
    );
    let head = emu
        .real
        .call_h(
            "HEAD",
            &format!("/n/{ns}/b/lab-data/o/input%2Fsales.csv"),
            b"",
            &[],
        )
        .await
        .expect(200);
    assert!(page.contains(head.header("etag").unwrap()), "etag shown");
    assert!(
        page.contains("<td class=\"mono wrap\">input/sales.csv</td><td class=\"num\">29 B</td>")
    );
    assert!(page.contains("text/csv") && page.contains("text/x-python"));
    let listed = emu
        .get(&format!("/n/{ns}/b/lab-data/o?prefix=output/"))
        .await
        .expect(200)
        .json();
    let outputs: Vec<&str> = listed["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert!(outputs.contains(&"output/_SUCCESS"), "{listed}");
    let narrowed = body(
        &emu.get(&format!("{CONSOLE}/buckets/lab-data?prefix=output%2F"))
            .await
            .expect(200),
    );
    for o in &outputs {
        assert!(narrowed.contains(&format!(">{o}</td>")), "{o}");
    }
    assert!(!narrowed.contains(">input/sales.csv</td>"));

    // IAM: as stored (rewritten by IAM), and the canonical form of the policy grammar.
    let iam = body(&emu.get(&format!("{CONSOLE}/iam")).await.expect(200));
    let policies = emu
        .get(&format!(
            "/20160918/policies?compartmentId={}",
            emu.tenancy()
        ))
        .await
        .expect(200)
        .json();
    let stored: Vec<&str> = policies[0]["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(
        stored[1], "allow dynamic-group lab-runs to manage objects in compartment lab",
        "IAM's rewrite"
    );
    for s in &stored {
        let canonical = oci_policy::parse_statement(s).unwrap().canonical();
        assert!(iam.contains(&escaped(s)), "stored {s}");
        assert!(iam.contains(&escaped(&canonical)), "canonical {canonical}");
    }
    let rule = LAB_RULE.replace("COMP", &lab.compartment);
    let canonical_rule = oci_policy::parse_matching_rule(&rule).unwrap().canonical();
    assert_ne!(rule, canonical_rule);
    assert!(iam.contains(&escaped(&rule)) && iam.contains(&escaped(&canonical_rule)));

    // Data Flow: the run as GetRun serves it, its timeline, logs, outputs and decisions.
    let got = emu
        .get(&format!("/20200129/runs/{}", lab.run_id))
        .await
        .expect(200)
        .json();
    let run = body(
        &emu.get(&format!("{CONSOLE}/dataflow/runs/{}", lab.run_id))
            .await
            .expect(200),
    );
    assert!(run.contains("<span class=\"state ok\">SUCCEEDED</span>"));
    for (state, at) in [
        ("ACCEPTED", got["timeCreated"].as_str().unwrap()),
        ("SUCCEEDED", got["timeUpdated"].as_str().unwrap()),
    ] {
        assert!(
            run.contains(&format!("{state}</span></td><td>{at}</td>")),
            "timeline {state} at {at}"
        );
    }
    assert!(run.contains(">IN_PROGRESS</span>"));
    let read = got["dataReadInBytes"].as_i64().unwrap();
    let written = got["dataWrittenInBytes"].as_i64().unwrap();
    assert!(read > 0 && written > 0, "{got}");
    assert!(run.contains(&format!("<dt>Data read</dt><dd>{read} B</dd>")));
    assert!(run.contains(&format!("<dt>Data written</dt><dd>{written} B</dd>")));
    assert!(run.contains(&format!(
        "<dt>Duration</dt><dd>{} ms</dd>",
        got["runDurationInMilliseconds"]
    )));
    for o in &outputs {
        assert!(
            run.contains(&escaped(&download_path("lab-data", o))),
            "output {o} is linked"
        );
    }
    let logs = emu.run_logs(&lab.run_id).await;
    assert_eq!(logs.len(), 2, "stdout and stderr");
    for (name, text) in &logs {
        assert!(!text.is_empty());
        assert!(run.contains(&escaped(text)), "log {name} inline");
    }
    let decisions = emu
        .get(&format!(
            "/_emulator/dataflow/iam/decisions?run_id={}",
            lab.run_id
        ))
        .await
        .expect(200)
        .json();
    assert!(!decisions.as_array().unwrap().is_empty());
    assert!(run.contains(&format!(
        "policy <b>lab-policy</b>, statement 2: <code class=\"wrap\">{}</code>",
        escaped(stored[1])
    )));

    let failed = emu
        .get(&format!("/20200129/runs/{}", lab.failed_run_id))
        .await
        .expect(200)
        .json();
    let details = failed["lifecycleDetails"].as_str().unwrap();
    assert!(details.contains("no rows in the input"), "{failed}");
    let page = body(
        &emu.get(&format!("{CONSOLE}/dataflow/runs/{}", lab.failed_run_id))
            .await
            .expect(200),
    );
    assert!(page.contains(&format!("<pre>{}</pre>", escaped(details))));
    assert!(page.contains("<span class=\"state bad\">FAILED</span>"));

    let df = body(&emu.get(&format!("{CONSOLE}/dataflow")).await.expect(200));
    assert!(df.contains(">etl-sales</a>") && df.contains(">etl-broken-run-1</a>"));

    // The request log: the injected 503 is marked, the other requests are not.
    let requests = body(&emu.get(&format!("{CONSOLE}/requests")).await.expect(200));
    assert_eq!(
        requests.matches("<tr class=\"fault\">").count(),
        1,
        "{requests}"
    );
    assert!(requests.contains("⚡ 503 ServiceUnavailable"));
    assert!(requests.contains(&format!("/n/{ns}/b/lab-data")));
}

/// The console keeps no copy: what the API changes is on the next page drawn.
#[tokio::test]
async fn the_console_shows_changes_made_through_the_api_at_once() {
    let emu = Emulator::start();
    let t = emu.tenancy();
    emu.bucket("live", &t).await;
    let page = || async {
        body(
            &emu.get(&format!("{CONSOLE}/buckets/live"))
                .await
                .expect(200),
        )
    };
    assert!(page().await.contains("No objects."));
    emu.put_object("live", "a.txt", "text/plain", b"one").await;
    assert!(
        page()
            .await
            .contains(">a.txt</td><td class=\"num\">3 B</td>")
    );
    emu.put_object("live", "a.txt", "text/plain", b"three")
        .await;
    assert!(
        page()
            .await
            .contains(">a.txt</td><td class=\"num\">5 B</td>")
    );
    emu.real
        .call("DELETE", &format!("/n/{}/b/live/o/a.txt", emu.ns()), b"")
        .await
        .expect(204);
    assert!(page().await.contains("No objects."));

    let id = emu
        .create(
            "/20160918/policies",
            json!({"compartmentId": t, "name": "p", "description": "first",
                   "statements": ["allow group Administrators to read buckets in tenancy"]}),
        )
        .await;
    emu.wait_active(&format!("/20160918/policies/{id}")).await;
    emu.call(
        "PUT",
        &format!("/20160918/policies/{id}"),
        json!({"description": "second", "statements": ["allow group Administrators to read objects in tenancy"]}),
    )
    .await
    .expect(200);
    let iam = body(&emu.get(&format!("{CONSOLE}/iam")).await.expect(200));
    assert!(iam.contains("<dd>second</dd>") && !iam.contains("<dd>first</dd>"));
    assert!(iam.contains("to read objects in tenancy") && !iam.contains("read buckets"));
}

#[tokio::test]
async fn a_download_is_the_object_as_an_attachment_never_as_a_page() {
    let emu = Emulator::start();
    emu.bucket("d", &emu.tenancy()).await;
    let html = b"<html><script>document.title='owned'</script></html>";
    emu.put_object("d", "site/index.html", "text/html", html)
        .await;
    let r = emu
        .get(&download_path("d", "site/index.html"))
        .await
        .expect(200);
    assert_eq!(r.body, html);
    assert_eq!(r.header("content-type"), Some("application/octet-stream"));
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"index.html\"; filename*=UTF-8''index%2Ehtml")
    );
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert!(
        r.header("content-security-policy")
            .unwrap()
            .starts_with("sandbox")
    );
    emu.get(&download_path("d", "missing"))
        .await
        .expect_error(404, "ObjectNotFound");
    emu.get(&format!("{CONSOLE}/buckets/d/download"))
        .await
        .expect_error(400, "InvalidParameter");
    emu.get(&download_path("d", &"x".repeat(1025)))
        .await
        .expect_error(400, "InvalidParameter");
}

#[tokio::test]
async fn unknown_resources_are_404_and_a_foreign_host_is_refused() {
    let emu = Emulator::start();
    for path in [
        format!("{CONSOLE}/buckets/nope"),
        format!("{CONSOLE}/dataflow/runs/ocid1.dataflowrun.oc1..nope"),
        format!("{CONSOLE}/dataflow/applications/ocid1.dataflowapplication.oc1..nope"),
    ] {
        let r = emu.get(&path).await;
        assert_eq!(r.status.as_u16(), 404, "{path}");
    }
    emu.get(&format!("{CONSOLE}/nowhere")).await.expect(404);
    // A page that rebinds its DNS name to 127.0.0.1 sends its own name as Host.
    let r = emu
        .real
        .call_h("GET", CONSOLE, b"", &[("host", "rebind.example:80")])
        .await;
    assert_eq!(r.status.as_u16(), 403);
    assert!(r.body.starts_with(b"{"), "OCI's JSON error");
    assert!(String::from_utf8_lossy(&r.body).contains("DNS rebinding"));
    let port = emu.endpoint().rsplit(':').next().unwrap().to_owned();
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}")] {
        emu.real
            .call_h("GET", CONSOLE, b"", &[("host", &host)])
            .await
            .expect(200);
    }
}

#[tokio::test]
async fn a_page_with_a_run_in_progress_reloads_itself_until_the_run_ends() {
    let emu = Emulator::start();
    let lab = lab(&emu).await;
    let refresh = "<meta http-equiv=\"refresh\" content=\"2\">";
    let run_page = |id: &str| format!("{CONSOLE}/dataflow/runs/{id}");
    assert!(!body(&emu.get(&run_page(&lab.run_id)).await.expect(200)).contains(refresh));
    // A long first phase keeps the next run ACCEPTED until it is canceled.
    emu.call("PUT", "/_emulator/lifecycle", json!({"delay_ms": 600_000}))
        .await
        .expect(200);
    let run = emu
        .call(
            "POST",
            "/20200129/runs",
            json!({"compartmentId": lab.compartment, "applicationId": lab.app_id, "displayName": "slow"}),
        )
        .await
        .expect(200)
        .json();
    let id = run["id"].as_str().unwrap();
    for page in [
        run_page(id),
        CONSOLE.to_owned(),
        format!("{CONSOLE}/dataflow"),
        format!("{CONSOLE}/dataflow/applications/{}", lab.app_id),
    ] {
        let html = body(&emu.get(&page).await.expect(200));
        assert!(html.contains(refresh), "{page} reloads");
    }
    assert!(
        !body(&emu.get(&format!("{CONSOLE}/iam")).await.expect(200)).contains(refresh),
        "a page without runs does not"
    );
    emu.call("PUT", "/_emulator/lifecycle", json!({"delay_ms": 0}))
        .await
        .expect(200);
    emu.get(&format!("/20200129/runs/{id}")).await.expect(200);
    emu.real
        .call("DELETE", &format!("/20200129/runs/{id}"), b"")
        .await
        .expect(202);
    let ended = emu.wait_terminal(id).await;
    assert_eq!(ended["lifecycleState"], "CANCELED");
    let html = body(&emu.get(&run_page(id)).await.expect(200));
    assert!(!html.contains(refresh));
    assert!(html.contains(">CANCELED</span>"));
}

#[tokio::test]
async fn hostile_names_and_contents_are_shown_as_text_never_as_markup() {
    let emu = Emulator::start();
    let runs = hostile(&emu).await;
    let pages = crawl(&emu).await;
    let mut html_pages = 0;
    let all: String = pages
        .iter()
        .filter(|(_, r)| r.header("content-type") == Some("text/html; charset=utf-8"))
        .map(|(path, r)| {
            html_pages += 1;
            let html = body(r);
            for p in all_payloads() {
                assert!(!html.contains(p), "{path} has the raw payload {p}");
            }
            for tag in ["<script", "<img", "<svg", "<iframe"] {
                assert!(!html.contains(tag), "{path} has {tag}");
            }
            html
        })
        .collect();
    // Overview, buckets, the bucket, IAM, Data Flow, requests; per run its page, its
    // application's and its output prefix in the bucket.
    assert!(html_pages >= 6 + runs.len() * 3, "{html_pages} pages");
    // Each payload is on the pages, as text.
    for p in all_payloads() {
        assert!(all.contains(&escaped(p)), "{p} is shown");
    }
    let run = body(
        &emu.get(&format!("{CONSOLE}/dataflow/runs/{}", runs[0]))
            .await
            .expect(200),
    );
    let title = format!(
        "<title>Run {} · oci-emulator console</title>",
        escaped(PAYLOADS[0])
    );
    assert!(run.contains(&title), "display name in the title");
    assert!(run.contains(&format!(
        "<div class=\"mono\">{}</div>",
        escaped(PAYLOADS[0])
    )));
    // The failed run's driver log repeats the arguments (a payload among them): inline, as
    // text.
    let logs = emu.run_logs(&runs[0]).await;
    assert!(!logs.is_empty(), "the failed run has logs");
    for (name, text) in &logs {
        assert!(run.contains(&escaped(text)), "log {name} inline");
    }
    let with_payload = logs.iter().filter(|(_, t)| t.contains(PAYLOADS[0])).count();
    assert!(with_payload > 0, "a log line carries the payload");
    let bucket = body(
        &emu.get(&format!("{CONSOLE}/buckets/hostile"))
            .await
            .expect(200),
    );
    for p in PAYLOADS {
        assert!(bucket.contains(&format!("<td class=\"mono wrap\">{}</td>", escaped(p))));
        assert!(bucket.contains(&escaped(&format!("text/html; x=\"{p}\""))));
    }
}

// ------------------------------------------------------------------------------------------
// A real browser

/// Debian's Chromium (`$CHROMIUM` overrides). Tests never skip: without it they fail.
fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return PathBuf::from(p);
    }
    for name in ["chromium", "chromium-browser"] {
        for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
            let p = dir.join(name);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!(
        "chromium is not installed: the console's browser tests need it (apt-get install -y chromium; .ci/run installs it when missing), or set CHROMIUM to a Chromium binary"
    );
}

/// What one headless Chromium run left: stdout, and the page's console messages (script
/// errors, Content-Security-Policy violations, `console.*` calls) from its log.
struct Browsed {
    stdout: String,
    console: Vec<String>,
}

/// Run headless Chromium on `url` with `extra` flags, in a fresh profile, with a deadline.
fn browse(url: &str, extra: &[&str]) -> Browsed {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish {url} within {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = out.join().unwrap();
    let stderr = err.join().unwrap();
    assert!(
        status.success(),
        "chromium failed on {url}: {status}\n{stderr}"
    );
    // Chromium logs each console message as `…:INFO:CONSOLE:<line>] "<message>", source: …`
    // (older versions: `CONSOLE(<line>)`).
    let console = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE:") || l.contains(":CONSOLE("))
        .map(str::to_owned)
        .collect();
    Browsed { stdout, console }
}

fn dump_dom(url: &str) -> Browsed {
    browse(url, &["--dump-dom"])
}

#[tokio::test]
async fn chromium_renders_the_lab_without_console_messages_and_takes_a_screenshot() {
    let emu = Emulator::start();
    let lab = lab(&emu).await;
    let base = emu.endpoint().to_owned();
    let pages = [
        CONSOLE.to_owned(),
        format!("{CONSOLE}/buckets"),
        format!("{CONSOLE}/buckets/lab-data"),
        format!("{CONSOLE}/iam"),
        format!("{CONSOLE}/dataflow"),
        format!("{CONSOLE}/dataflow/runs/{}", lab.failed_run_id),
        format!("{CONSOLE}/requests"),
    ];
    for page in &pages {
        let b = dump_dom(&format!("{base}{page}"));
        assert!(b.console.is_empty(), "{page}: {:#?}", b.console);
        assert!(b.stdout.contains("<main>"), "{page} rendered: {}", b.stdout);
    }
    let run_url = format!("{base}{CONSOLE}/dataflow/runs/{}", lab.run_id);
    let b = dump_dom(&run_url);
    assert!(b.console.is_empty(), "{:#?}", b.console);
    // The rendered page (the DOM after parsing) shows the run's state and its output.
    assert!(
        b.stdout
            .contains("<dt>State</dt><dd><span class=\"state ok\">SUCCEEDED</span></dd>"),
        "{}",
        b.stdout
    );
    assert!(
        b.stdout
            .contains("<td class=\"mono wrap\">output/_SUCCESS</td>"),
        "{}",
        b.stdout
    );
    let shots = tempfile::tempdir().unwrap();
    let shot = shots.path().join("console.png");
    let b = browse(
        &run_url,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,1600",
            "--hide-scrollbars",
        ],
    );
    assert!(b.console.is_empty(), "{:#?}", b.console);
    let png = std::fs::read(&shot).expect("chromium wrote the screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // IHDR: width and height, big-endian, at bytes 16..24.
    let size = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    assert_eq!((size(16), size(20)), (1280, 1600));
    if let Some(to) = std::env::var_os("OCI_EMULATOR_SCREENSHOT") {
        std::fs::copy(&shot, Path::new(&to)).expect("copy the screenshot");
    }
}

#[tokio::test]
async fn chromium_runs_no_payload_even_without_the_policy() {
    let emu = Emulator::start();
    let runs = hostile(&emu).await;
    let base = emu.endpoint().to_owned();
    let pages = [
        format!("{CONSOLE}/buckets/hostile"),
        format!("{CONSOLE}/iam"),
        format!("{CONSOLE}/dataflow"),
        format!("{CONSOLE}/dataflow/runs/{}", runs[0]),
        format!("{CONSOLE}/dataflow/runs/{}", runs[1]),
        CONSOLE.to_owned(),
    ];
    let copies = tempfile::tempdir().unwrap();
    for (i, page) in pages.iter().enumerate() {
        // Served: the policy would block a payload, and report it as a console message.
        let served = dump_dom(&format!("{base}{page}"));
        assert!(served.console.is_empty(), "{page}: {:#?}", served.console);
        // The same HTML from a file has no policy: only the escaping stands between the
        // payloads and the page. Each would change the title or add an element if it ran.
        let html = emu.get(page).await.expect(200).body;
        let file = copies.path().join(format!("page-{i}.html"));
        std::fs::write(&file, &html).unwrap();
        let local = dump_dom(&format!("file://{}", file.display()));
        // The title as the browser serialises it: a payload that ran would have changed it.
        let html = String::from_utf8(html).unwrap();
        let title = &html[html.find("<title>").unwrap()..html.find("</title>").unwrap() + 8];
        let title = title.replace("&quot;", "\"").replace("&#39;", "'");
        for dom in [&served.stdout, &local.stdout] {
            assert!(dom.contains(&title), "{page}: the title changed: {dom}");
            for tag in ["<script", "<img", "<svg", "<iframe"] {
                assert!(!dom.contains(tag), "{page}: a payload became markup: {dom}");
            }
        }
        assert!(local.console.is_empty(), "{page}: {:#?}", local.console);
    }
    // The markup held: the bucket page's table has one row per object, each name as text.
    let dom = dump_dom(&format!("{base}{CONSOLE}/buckets/hostile")).stdout;
    let objects = PAYLOADS.len() * 2;
    assert_eq!(dom.matches("<tr>").count(), objects + 1, "{dom}");
    for p in PAYLOADS {
        assert!(
            dom.contains(&format!("<td class=\"mono wrap\">{}</td>", dom_text(p))),
            "{p} as the text of its cell: {dom}"
        );
    }
}
