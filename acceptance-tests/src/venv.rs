//! Python venvs created once and cached under the cargo target dir, keyed by the requirements
//! file's content; a file lock serialises concurrent users (test binaries, `cargo xtask lab`).
//! Shared by the emulator's Spark and conformance tests, the acceptance tests and the lab, so
//! all of them find the same pinned pyspark in `target/spark-venv/`. If Python, venv or pip
//! fail, the caller gets their output: tests fail with it, they never skip.

use sha2::{Digest, Sha256};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace's target dir (`target/`), found from the running executable
/// (`target/<profile>/deps/<test>` or `target/<profile>/<bin>`).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let mut dir = exe.parent().expect("exe dir").to_path_buf();
    if dir.ends_with("deps") || dir.ends_with("examples") {
        dir.pop();
    }
    dir.parent()
        .expect("profile dir has a parent")
        .to_path_buf()
}

/// Runs a command to completion; its stdout+stderr, or an error quoting them.
pub fn run(what: &str, cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("{what}: could not start {cmd:?}: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(text)
    } else {
        Err(format!("{what} failed ({}):\n{text}", out.status))
    }
}

/// Like [`run`], panicking with the output unless the command succeeds (for tests).
#[track_caller]
pub fn run_or_fail(what: &str, cmd: &mut Command) -> String {
    run(what, cmd).unwrap_or_else(|e| panic!("{e}"))
}

/// The venv `<target>/<cache>/<name>-<hash>` with `requirements` installed, created if needed.
pub fn try_cached_venv(cache: &str, name: &str, requirements: &Path) -> Result<PathBuf, String> {
    let content =
        std::fs::read(requirements).map_err(|e| format!("read {}: {e}", requirements.display()))?;
    let key: String = Sha256::digest(&content)
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect();
    let root = target_dir().join(cache);
    let io = |what: &str, e: std::io::Error| format!("{what} {}: {e}", root.display());
    std::fs::create_dir_all(&root).map_err(|e| io("create", e))?;
    let dir = root.join(format!("{name}-{key}"));
    let marker = dir.join(".installed");
    let lock =
        File::create(root.join(format!("{name}-{key}.lock"))).map_err(|e| io("lock file in", e))?;
    lock.lock().map_err(|e| io("lock", e))?;
    if !marker.exists() {
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| io("remove a half-built venv in", e))?;
        }
        run(
            "python3 -m venv",
            Command::new("python3").arg("-m").arg("venv").arg(&dir),
        )?;
        run(
            &format!("pip install -r {}", requirements.display()),
            Command::new(dir.join("bin/pip"))
                .args(["install", "--disable-pip-version-check", "--no-input", "-r"])
                .arg(requirements),
        )?;
        std::fs::write(&marker, &content).map_err(|e| io("write the marker in", e))?;
    }
    drop(lock);
    Ok(dir)
}

/// [`try_cached_venv`], panicking with the reason (for tests).
#[track_caller]
pub fn cached_venv(cache: &str, name: &str, requirements: &Path) -> PathBuf {
    try_cached_venv(cache, name, requirements).unwrap_or_else(|e| panic!("{e}"))
}

/// `emulator/spark/requirements.txt`: the pinned pyspark the emulator's Spark executor runs.
pub fn spark_requirements() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../emulator/spark/requirements.txt")
}

/// The Python (with pyspark and pyarrow) of the cached Spark venv, created on first use.
pub fn try_spark_python() -> Result<PathBuf, String> {
    Ok(try_cached_venv("spark-venv", "pyspark", &spark_requirements())?.join("bin/python"))
}

/// [`try_spark_python`], panicking with the reason (for tests).
#[track_caller]
pub fn spark_python() -> PathBuf {
    try_spark_python().unwrap_or_else(|e| panic!("{e}"))
}
