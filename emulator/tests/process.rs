//! The `oci-emulator` binary: the start-up contract (first stdout line, `--json`, config file,
//! `config` subcommand), clean stop on SIGTERM, and durability across `kill -9`.

mod common;

use common::real::Real;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_oci-emulator");
const DEADLINE: Duration = Duration::from_secs(60);

struct Emulator {
    /// `None` once waited for.
    child: Option<Child>,
    first_line: String,
    stderr: mpsc::Receiver<String>,
}

impl Emulator {
    fn start(args: &[&str]) -> Emulator {
        let mut child = Command::new(BIN)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn oci-emulator");
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (line_tx, line_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = line_tx.send(line);
        });
        let (err_tx, err_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = err_tx.send(line);
            }
        });
        let first_line = line_rx
            .recv_timeout(DEADLINE)
            .expect("the emulator printed its first line");
        Emulator {
            child: Some(child),
            first_line: first_line.trim_end().to_owned(),
            stderr: err_rx,
        }
    }

    fn info(&self) -> serde_json::Value {
        serde_json::from_str(&self.first_line)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.first_line))
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Wait for the process to exit, with a deadline.
    fn wait(mut self) -> std::process::ExitStatus {
        let (tx, rx) = mpsc::channel();
        let mut child = self.child.take().expect("running");
        std::thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        rx.recv_timeout(DEADLINE)
            .expect("the emulator exited in time")
            .unwrap()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig} {pid}");
}

#[tokio::test]
async fn serve_json_prints_the_contract_line_and_writes_a_config() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let emu = Emulator::start(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        d,
        "--json",
    ]);
    let info = emu.info();
    let endpoint = info["endpoint"].as_str().unwrap();
    assert!(
        endpoint.starts_with("http://127.0.0.1:") && !endpoint.ends_with(":0"),
        "{endpoint}"
    );
    assert_eq!(info["profile"], "EMULATOR");
    assert_eq!(info["region"], "us-ashburn-1");
    assert_eq!(info["pid"], emu.pid());
    assert!(
        info["tenancy_id"]
            .as_str()
            .unwrap()
            .starts_with("ocid1.tenancy.oc1..aaaaaaaa")
    );
    assert!(
        info["user_id"]
            .as_str()
            .unwrap()
            .starts_with("ocid1.user.oc1..aaaaaaaa")
    );
    let fp = info["fingerprint"].as_str().unwrap();
    assert_eq!(fp.len(), 47);
    assert!(
        fp.chars()
            .all(|c| c == ':' || c.is_ascii_digit() || ('a'..='f').contains(&c))
    );
    let config_file = info["config_file"].as_str().unwrap();
    assert_eq!(
        std::path::Path::new(config_file),
        dir.path().canonicalize().unwrap().join("config")
    );
    let config = std::fs::read_to_string(config_file).unwrap();
    assert!(config.starts_with("[EMULATOR]\n"), "{config}");
    for (k, v) in [
        ("user", &info["user_id"]),
        ("fingerprint", &info["fingerprint"]),
        ("tenancy", &info["tenancy_id"]),
        ("key_file", &info["key_file"]),
    ] {
        assert!(
            config.contains(&format!("{k}={}\n", v.as_str().unwrap())),
            "{k} in {config}"
        );
    }
    assert!(config.contains("region=us-ashburn-1\n"));
    let key = std::fs::read_to_string(info["key_file"].as_str().unwrap()).unwrap();
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));
    // The label line OCI's tools add after the footer (the OCI CLI warns without it).
    assert!(
        key.ends_with("-----END PRIVATE KEY-----\nOCI_API_KEY\n"),
        "{}",
        &key[key.len().saturating_sub(60)..]
    );
    // The key in the config signs requests the emulator accepts.
    let client = Real::from_info(&info);
    let r = client.call("GET", "/n", b"").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), info["namespace"]);
    // `config` prints the same file.
    let out = Command::new(BIN)
        .args(["config", "--data-dir", d])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), config);
}

#[tokio::test]
async fn plain_serve_prints_the_endpoint_and_sigterm_stops_it_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let emu = Emulator::start(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert!(
        emu.first_line.starts_with("http://127.0.0.1:"),
        "{}",
        emu.first_line
    );
    assert!(!emu.first_line.contains('{'));
    signal(emu.pid(), "-TERM");
    let status = emu.wait();
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn sigint_stops_it_cleanly_too() {
    let dir = tempfile::tempdir().unwrap();
    let emu = Emulator::start(&["serve", "--data-dir", dir.path().to_str().unwrap()]);
    signal(emu.pid(), "-INT");
    assert!(emu.wait().success());
}

#[tokio::test]
async fn insecure_no_auth_warns_on_every_start() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    for _ in 0..2 {
        let emu = Emulator::start(&["serve", "--data-dir", d, "--insecure-no-auth"]);
        let line = emu
            .stderr
            .recv_timeout(DEADLINE)
            .expect("a warning on stderr");
        assert!(
            line.contains("WARNING") && line.contains("--insecure-no-auth"),
            "{line}"
        );
        // And requests really are not checked.
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http::<axum::body::Body>();
        let resp = client
            .get(format!("{}/n", emu.first_line).parse().unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
}

#[test]
fn a_non_loopback_listen_address_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "0.0.0.0:0",
            "--data-dir",
            dir.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a loopback address"), "{err}");
    assert!(out.stdout.is_empty());
}

#[tokio::test]
async fn kill_dash_9_then_restart_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let emu = Emulator::start(&["serve", "--data-dir", d, "--json"]);
    let info = emu.info();
    let c = Real::from_info(&info);
    let ns = info["namespace"].as_str().unwrap().to_owned();
    let tenancy = info["tenancy_id"].as_str().unwrap().to_owned();
    let b = c
        .call(
            "POST",
            &format!("/n/{ns}/b"),
            serde_json::json!({"name": "keep", "compartmentId": tenancy})
                .to_string()
                .as_bytes(),
        )
        .await;
    assert_eq!(b.status, 200);
    let body: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let put = c
        .call("PUT", &format!("/n/{ns}/b/keep/o/a%2Fb.bin"), &body)
        .await;
    assert_eq!(put.status, 200);
    let up = c
        .call(
            "POST",
            &format!("/n/{ns}/b/keep/u"),
            br#"{"object":"pending"}"#,
        )
        .await;
    assert_eq!(up.status, 200);
    let upload_id = up.json()["uploadId"].as_str().unwrap().to_owned();
    let part = c
        .call(
            "PUT",
            &format!("/n/{ns}/b/keep/u/pending?uploadId={upload_id}&uploadPartNum=1"),
            b"part-one",
        )
        .await;
    assert_eq!(part.status, 200);
    let rule = c
        .call(
            "POST",
            &format!("/n/{ns}/b/keep/retentionRules"),
            br#"{"displayName":"r"}"#,
        )
        .await;
    assert_eq!(rule.status, 200);

    // SIGKILL: no chance to flush anything that was not already durable.
    let pid = emu.pid();
    signal(pid, "-KILL");
    let status = emu.wait();
    assert!(!status.success());

    let emu2 = Emulator::start(&["serve", "--data-dir", d, "--json"]);
    let info2 = emu2.info();
    for k in ["namespace", "tenancy_id", "user_id", "fingerprint"] {
        assert_eq!(info2[k], info[k], "{k} survives a restart");
    }
    let c2 = Real::from_info(&info2);
    let got = c2.call("GET", &format!("/n/{ns}/b/keep"), b"").await;
    assert_eq!(got.status, 200);
    assert_eq!(got.json(), b.json(), "the bucket is unchanged");
    let obj = c2
        .call("GET", &format!("/n/{ns}/b/keep/o/a%2Fb.bin"), b"")
        .await;
    assert_eq!(obj.status, 200);
    assert_eq!(obj.body, body, "exact bytes after kill -9");
    assert_eq!(obj.header("etag"), put.header("etag"));
    let parts = c2
        .call(
            "GET",
            &format!("/n/{ns}/b/keep/u/pending?uploadId={upload_id}"),
            b"",
        )
        .await;
    assert_eq!(parts.json()[0]["etag"].as_str(), part.header("etag"));
    let rules = c2
        .call("GET", &format!("/n/{ns}/b/keep/retentionRules"), b"")
        .await;
    assert_eq!(rules.json()["items"][0], rule.json());
}

/// Body files that no object refers to (a kill -9 between writing a body and committing its
/// row leaves one) are removed when the emulator starts; bodies of objects are kept.
#[tokio::test]
async fn orphaned_body_files_are_removed_on_start() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let emu = Emulator::start(&["serve", "--data-dir", d, "--json"]);
    let info = emu.info();
    let c = Real::from_info(&info);
    let ns = info["namespace"].as_str().unwrap().to_owned();
    let tenancy = info["tenancy_id"].as_str().unwrap().to_owned();
    let b = c
        .call(
            "POST",
            &format!("/n/{ns}/b"),
            serde_json::json!({"name": "keep", "compartmentId": tenancy})
                .to_string()
                .as_bytes(),
        )
        .await;
    assert_eq!(b.status, 200);
    let put = c
        .call("PUT", &format!("/n/{ns}/b/keep/o/kept"), b"kept body")
        .await;
    assert_eq!(put.status, 200);
    signal(emu.pid(), "-KILL");
    assert!(!emu.wait().success());
    let blobs = dir.path().join("blobs");
    let orphan = blobs.join(uuid::Uuid::new_v4().to_string());
    std::fs::write(&orphan, b"half-written upload").unwrap();
    let emu2 = Emulator::start(&["serve", "--data-dir", d, "--json"]);
    assert!(!orphan.exists(), "the orphaned body was removed at start");
    let c2 = Real::from_info(&emu2.info());
    let got = c2.call("GET", &format!("/n/{ns}/b/keep/o/kept"), b"").await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body, b"kept body");
    assert_eq!(common::stored_bodies(dir.path()), 1, "the kept body stays");
}
