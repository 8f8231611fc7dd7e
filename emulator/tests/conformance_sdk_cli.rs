//! Conformance against Oracle's official clients: the Python SDK (`oci`) and the CLI (`oci-cli`),
//! pinned in `conformance/requirements.txt`, drive the real `oci-emulator` binary through every
//! Object Storage, IAM and Data Flow operation it serves (see `conformance/README.md`).
//!
//! The venv is created once and cached under the cargo target dir, keyed by the requirements
//! file's content; a file lock serialises concurrent test runs. If Python, venv or pip fail, the
//! test fails with their output: it never skips.

mod common;

use common::venv::run_or_fail;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance")
}

/// The venv with the pinned `oci` and `oci-cli`, created on first use.
fn venv() -> PathBuf {
    common::venv::cached_venv(
        "conformance-venv",
        "oci",
        &conformance_dir().join("requirements.txt"),
    )
}

/// The emulator binary, killed when dropped (it is our child; nothing else is touched).
struct Emulator {
    child: Child,
    info: serde_json::Value,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_emulator(data_dir: &Path) -> Emulator {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oci-emulator"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--json",
            "--lifecycle-ms",
            "200",
            // The SDK and CLI conformance is about the API: simulated runs, no run IAM.
            "--executor",
            "simulated",
            "--run-iam",
            "off",
            "--data-dir",
        ])
        .arg(data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start oci-emulator");
    let stdout = child.stdout.take().expect("emulator stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("emulator printed its JSON line within 60 s");
    let info: serde_json::Value = serde_json::from_str(&line)
        .unwrap_or_else(|e| panic!("first stdout line is not JSON ({e}): {line:?}"));
    Emulator { child, info }
}

#[test]
fn official_python_sdk_and_cli_conform() {
    let venv = venv();
    let python = venv.join("bin/python");
    let versions = run_or_fail(
        "pinned versions",
        Command::new(&python).args([
            "-c",
            "import oci, oci_cli; print(oci.__version__, oci_cli.__version__)",
        ]),
    );
    println!("oci / oci-cli: {versions}");

    let tmp = tempfile::tempdir().expect("tempdir");
    let emulator = start_emulator(&tmp.path().join("data"));
    let endpoint = emulator.info["endpoint"]
        .as_str()
        .expect("endpoint")
        .to_owned();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");
    let config = emulator.info["config_file"]
        .as_str()
        .expect("config_file")
        .to_owned();
    let profile = emulator.info["profile"]
        .as_str()
        .expect("profile")
        .to_owned();
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();

    let mut failures = Vec::new();
    for (name, script, extra) in [
        ("SDK", "sdk_conformance.py", vec![]),
        (
            "CLI",
            "cli_conformance.py",
            vec![
                "--oci".to_owned(),
                venv.join("bin/oci").display().to_string(),
            ],
        ),
    ] {
        let out = Command::new(&python)
            .arg(conformance_dir().join(script))
            .args(&extra)
            .args([
                "--endpoint",
                &endpoint,
                "--config",
                &config,
                "--profile",
                &profile,
                "--workdir",
            ])
            .arg(&work)
            .env("OCI_CLI_SUPPRESS_FILE_PERMISSIONS_WARNING", "True")
            .env("SUPPRESS_LABEL_WARNING", "True")
            .output()
            .unwrap_or_else(|e| panic!("run {script}: {e}"));
        println!("===== {name} conformance ({script}) =====");
        println!("{}", String::from_utf8_lossy(&out.stdout));
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        if !out.status.success() {
            failures.push(format!("{name} conformance failed ({})", out.status));
        }
    }
    drop(emulator);
    assert!(failures.is_empty(), "{failures:?} — see the output above");
}
