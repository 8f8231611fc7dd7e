//! Python venvs for tests, created once and cached under the cargo target dir, keyed by the
//! requirements file's content; a file lock serialises concurrent test binaries. If Python,
//! venv or pip fail, the test fails with their output: it never skips.

use sha2::{Digest, Sha256};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Run a command to completion; panic with its output unless it succeeds.
#[track_caller]
pub fn run_or_fail(what: &str, cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: could not start {cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{text}",
        out.status
    );
    text
}

/// The venv `<target>/<cache>/<name>-<hash>` with `requirements` installed.
pub fn cached_venv(cache: &str, name: &str, requirements: &Path) -> PathBuf {
    let content = std::fs::read(requirements)
        .unwrap_or_else(|e| panic!("read {}: {e}", requirements.display()));
    let key: String = Sha256::digest(&content)
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect();
    // CARGO_TARGET_TMPDIR is <target>/tmp; the cache lives beside it so `cargo clean` clears it.
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target dir")
        .join(cache);
    std::fs::create_dir_all(&root).expect("create venv cache dir");
    let dir = root.join(format!("{name}-{key}"));
    let marker = dir.join(".installed");
    let lock = File::create(root.join(format!("{name}-{key}.lock"))).expect("create lock file");
    lock.lock().expect("lock the venv cache");
    if !marker.exists() {
        if dir.exists() {
            std::fs::remove_dir_all(&dir).expect("remove a half-built venv");
        }
        run_or_fail(
            "python3 -m venv",
            Command::new("python3").arg("-m").arg("venv").arg(&dir),
        );
        run_or_fail(
            &format!("pip install -r {}", requirements.display()),
            Command::new(dir.join("bin/pip"))
                .args(["install", "--disable-pip-version-check", "--no-input", "-r"])
                .arg(requirements),
        );
        std::fs::write(&marker, &content).expect("write venv marker");
    }
    drop(lock);
    dir
}
