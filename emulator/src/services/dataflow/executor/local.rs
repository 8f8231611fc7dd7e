//! The local Spark installation: finding Java and pyspark, and signalling a driver's process
//! group.

use std::path::{Path, PathBuf};
use std::process::Stdio;

/// A usable local Spark.
#[derive(Debug, Clone)]
pub struct SparkEnv {
    /// `pyspark.__version__`, e.g. `4.0.1`.
    pub version: String,
    /// The pyspark package directory (it is a Spark distribution: `bin/`, `jars/`).
    pub spark_home: PathBuf,
    pub python: PathBuf,
}

/// Find Java and pyspark; the error says what is missing.
pub fn detect(python: Option<&Path>) -> Result<SparkEnv, String> {
    let java = std::env::var_os("JAVA_HOME")
        .map(|h| PathBuf::from(h).join("bin/java"))
        .unwrap_or_else(|| PathBuf::from("java"));
    match std::process::Command::new(&java)
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(s) if s.success() => {}
        Ok(s) => return Err(format!("`{} -version` failed ({s})", java.display())),
        Err(e) => {
            return Err(format!(
                "Java was not found (`{}`: {e}); install a Java 17+ runtime, e.g. openjdk-17-jre-headless",
                java.display()
            ));
        }
    }
    let python = python.map_or_else(|| PathBuf::from("python3"), Path::to_path_buf);
    let out = std::process::Command::new(&python)
        .args([
            "-c",
            "import os, pyspark; print(pyspark.__version__); print(os.path.dirname(pyspark.__file__))",
        ])
        .output()
        .map_err(|e| format!("Python `{}` could not be started: {e}", python.display()))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().last().unwrap_or("").trim().to_owned();
        return Err(format!(
            "pyspark is not importable by `{}` ({last}); give --spark-python a Python with pyspark installed",
            python.display()
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let version = lines.next().unwrap_or("").trim().to_owned();
    let spark_home = PathBuf::from(lines.next().unwrap_or("").trim());
    if !spark_home.join("bin/spark-submit").exists() {
        return Err(format!(
            "pyspark at {} has no bin/spark-submit",
            spark_home.display()
        ));
    }
    Ok(SparkEnv {
        version,
        spark_home,
        python,
    })
}

/// Signals the executor sends to a driver's process group.
#[derive(Debug, Clone, Copy)]
pub enum Sig {
    Term,
    Kill,
}

/// Send `sig` to every process of group `pgid` (errors, e.g. no such group, are ignored: the
/// group being gone is the goal).
pub fn kill_group(pgid: i32, sig: Sig) {
    if let Some(pid) = rustix::process::Pid::from_raw(pgid).filter(|_| pgid > 1) {
        let sig = match sig {
            Sig::Term => rustix::process::Signal::TERM,
            Sig::Kill => rustix::process::Signal::KILL,
        };
        let _ = rustix::process::kill_process_group(pid, sig);
    }
}

/// Is any process of group `pgid` still alive?
pub fn group_alive(pgid: i32) -> bool {
    rustix::process::Pid::from_raw(pgid)
        .is_some_and(|pid| rustix::process::test_kill_process_group(pid).is_ok())
}
