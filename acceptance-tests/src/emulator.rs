//! A real `oci-emulator` process on 127.0.0.1, started for one test (or the lab) and killed on drop.
//!
//! The emulator prints one JSON line describing itself (`serve --json`); everything else we need
//! (dump of state, the request log, fault rules) comes from its `/_emulator/` control API.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use serde_json::Value as Json;

/// What the emulator says about itself on its first stdout line.
#[derive(Debug, Clone, Deserialize)]
pub struct EmulatorInfo {
    pub endpoint: String,
    pub config_file: PathBuf,
    pub profile: String,
    pub region: String,
    pub namespace: String,
    pub tenancy_id: String,
    pub user_id: String,
    pub fingerprint: String,
    pub key_file: PathBuf,
    /// `spark` or `simulated`: what runs Data Flow jobs.
    #[serde(default)]
    pub dataflow_executor: Option<String>,
}

/// One OCI API request as the emulator logged it (control calls are not logged).
#[derive(Debug, Clone, Deserialize)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub service: Option<String>,
    #[serde(default)]
    pub operation: Option<String>,
    #[serde(default)]
    pub status: Option<u16>,
    /// The region the request was addressed to (from its `Host`), for home-region checks.
    #[serde(default)]
    pub region: Option<String>,
}

impl LoggedRequest {
    /// True for requests that may change emulator state. Reads are GET/HEAD only in OCI, except a
    /// few POST "list"-style actions we do not use.
    pub fn is_mutating(&self) -> bool {
        !matches!(self.method.as_str(), "GET" | "HEAD")
    }
}

/// A running emulator. Dropping it kills the process; its data directory lives as long as the
/// `TempDir` given to [`Emulator::start`] (or as long as the caller keeps the directory).
pub struct Emulator {
    child: Child,
    pub info: EmulatorInfo,
    data_dir: PathBuf,
    stderr: Arc<Mutex<Vec<u8>>>,
    http: reqwest::blocking::Client,
}

/// Locates a binary built from this workspace next to the running test executable
/// (`target/<profile>/deps/<test>` → `target/<profile>/<name>`).
pub fn workspace_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let mut dir = exe.parent().expect("exe dir").to_path_buf();
    if dir.ends_with("deps") || dir.ends_with("examples") {
        dir.pop();
    }
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} was not built; run `cargo build --workspace --bins` (the README's `cargo test \
         --workspace` builds it)",
        path.display()
    );
    path
}

impl Emulator {
    /// Starts the emulator on an ephemeral loopback port with `data_dir` (created on first use).
    pub fn start(data_dir: &Path) -> Self {
        Self::start_with(data_dir, &[])
    }

    /// Like [`Emulator::start`], with extra `serve` arguments (e.g. `--lifecycle-ms 50`).
    pub fn start_with(data_dir: &Path, extra: &[&str]) -> Self {
        Self::start_with_env(data_dir, extra, &[])
    }

    /// Like [`Emulator::start_with`], with environment variables for the process (e.g.
    /// `OCI_EMULATOR_LOG=trace`).
    pub fn start_with_env(data_dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Self {
        Self::start_binary_with_env(&workspace_binary("oci-emulator"), data_dir, extra, env)
    }

    /// Like [`Emulator::start_with`], running the emulator binary at `binary` (e.g. a release
    /// build, for benchmarks).
    pub fn start_binary(binary: &Path, data_dir: &Path, extra: &[&str]) -> Self {
        Self::start_binary_with_env(binary, data_dir, extra, &[])
    }

    fn start_binary_with_env(
        binary: &Path,
        data_dir: &Path,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Self {
        std::fs::create_dir_all(data_dir).expect("create emulator data dir");
        let mut child = Command::new(binary)
            .envs(env.iter().copied())
            .args(["serve", "--json", "--data-dir"])
            .arg(data_dir)
            .args(if extra.contains(&"--listen") {
                &[][..]
            } else {
                &["--listen", "127.0.0.1:0"][..]
            })
            .args(extra)
            // Run IAM and the Spark executor are opt-in here: a test passes `--run-iam enforce`
            // (the binary's default) or `--executor spark --spark-python <venv>/bin/python` to
            // get them; the others test the API with simulated runs and no policies.
            .args(if extra.contains(&"--run-iam") {
                &[][..]
            } else {
                &["--run-iam", "off"][..]
            })
            .args(if extra.contains(&"--executor") {
                &[][..]
            } else {
                &["--executor", "simulated"][..]
            })
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn oci-emulator");

        // stderr is collected in the background so a failing start can be explained.
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let mut err_pipe = child.stderr.take().expect("stderr");
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });

        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut first = String::new();
        let read = out.read_line(&mut first).expect("read emulator stdout");
        if read == 0 {
            let status = child.wait().ok();
            panic!(
                "oci-emulator exited before announcing itself ({status:?}); stderr:\n{}",
                String::from_utf8_lossy(&stderr.lock().unwrap())
            );
        }
        // Keep draining stdout so the emulator never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));

        let info: EmulatorInfo = serde_json::from_str(first.trim()).unwrap_or_else(|e| {
            panic!("emulator's first line is not its JSON info ({e}): {first}")
        });
        Emulator {
            child,
            info,
            data_dir: data_dir.to_path_buf(),
            stderr,
            // The provider's TLS configuration (ring): reqwest has no crypto provider of its
            // own in this workspace (oci_client::tls). The control API is plain HTTP anyway.
            http: reqwest::blocking::Client::builder()
                .tls_backend_preconfigured(
                    oci_client::tls::client_config(None).expect("TLS configuration"),
                )
                .build()
                .expect("HTTP client"),
        }
    }

    /// The emulator's process id (its Spark drivers are its descendants).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn endpoint(&self) -> &str {
        &self.info.endpoint
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Everything the emulator wrote to stderr so far (for failure messages).
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    fn control(&self, method: reqwest::Method, path: &str, body: Option<Json>) -> Json {
        let url = format!("{}/_emulator/{path}", self.info.endpoint);
        let mut req = self.http.request(method.clone(), &url);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = resp.status();
        let text = resp.text().unwrap_or_default();
        assert!(status.is_success(), "{method} {url} → {status}: {text}");
        if text.trim().is_empty() {
            Json::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Json::String(text))
        }
    }

    /// The whole emulated state (`GET /_emulator/dump`).
    pub fn dump(&self) -> Json {
        self.control(reqwest::Method::GET, "dump", None)
    }

    /// OCI API requests received since start or the last reset.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        serde_json::from_value(self.control(reqwest::Method::GET, "requests", None))
            .expect("request log shape")
    }

    /// Mutating OCI API requests received since start or the last reset.
    pub fn mutating_requests(&self) -> Vec<LoggedRequest> {
        self.requests()
            .into_iter()
            .filter(LoggedRequest::is_mutating)
            .collect()
    }

    /// User-created resources still in the emulator, as `(kind, resource)`; resources in a
    /// DELETED lifecycle state count as gone (OCI keeps them visible for a while).
    pub fn leftovers(&self) -> Vec<(String, Json)> {
        const KINDS: [&str; 6] = [
            "buckets",
            "objects",
            "multipart_uploads",
            "dynamic_groups",
            "policies",
            "applications",
        ];
        let dump = self.dump();
        KINDS
            .iter()
            .flat_map(|kind| {
                dump[*kind]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|r| r["lifecycleState"].as_str() != Some("DELETED"))
                    .map(|r| ((*kind).to_string(), r.clone()))
            })
            .collect()
    }

    /// Empties the request log (state is kept), so a test can look at one step's requests.
    pub fn clear_requests(&self) {
        self.control(reqwest::Method::DELETE, "requests", None);
    }

    pub fn reset(&self) {
        self.control(reqwest::Method::POST, "reset", None);
    }

    pub fn set_lifecycle_delay_ms(&self, delay_ms: u64) {
        self.control(
            reqwest::Method::PUT,
            "lifecycle",
            Some(serde_json::json!({ "delay_ms": delay_ms })),
        );
    }

    /// IAM behaviour switches (`PUT /_emulator/iam`): `propagation_delay_ms`, `write_ms`.
    pub fn set_iam(&self, settings: Json) {
        self.control(reqwest::Method::PUT, "iam", Some(settings));
    }

    /// How runs' IAM is treated (`PUT /_emulator/dataflow/iam`): `enforce`, `soft` or `off`.
    pub fn set_run_iam(&self, mode: &str) {
        self.control(
            reqwest::Method::PUT,
            "dataflow/iam",
            Some(serde_json::json!({ "mode": mode })),
        );
    }

    /// The IAM decisions recorded for a run (`GET /_emulator/dataflow/iam/decisions`).
    pub fn run_iam_decisions(&self, run_id: &str) -> Vec<Json> {
        match self.control(
            reqwest::Method::GET,
            &format!("dataflow/iam/decisions?run_id={run_id}"),
            None,
        ) {
            Json::Array(d) => d,
            other => panic!("decisions are not a list: {other}"),
        }
    }

    /// Creates a compartment under the tenancy (control API) and returns its OCID.
    pub fn create_compartment(&self, name: &str) -> String {
        let c = self.control(
            reqwest::Method::POST,
            "compartments",
            Some(serde_json::json!({ "name": name })),
        );
        c["id"].as_str().expect("compartment id").to_string()
    }

    /// Adds a fault rule (see the emulator's control API).
    pub fn add_fault(&self, rule: Json) {
        self.control(reqwest::Method::POST, "faults", Some(rule));
    }

    pub fn clear_faults(&self) {
        self.control(reqwest::Method::DELETE, "faults", None);
    }

    /// Kills the process (SIGKILL, like a crash) and starts a new one on the same data directory
    /// and the same port, so configurations that name the endpoint keep working.
    pub fn crash_and_restart(&mut self) {
        let port = self
            .info
            .endpoint
            .rsplit(':')
            .next()
            .and_then(|p| p.parse::<u16>().ok())
            .expect("endpoint has a port");
        self.kill();
        let listen = format!("127.0.0.1:{port}");
        let fresh = Emulator::start_with(&self.data_dir, &["--listen", &listen]);
        assert_eq!(
            fresh.info.endpoint, self.info.endpoint,
            "restarted on the same endpoint"
        );
        *self = fresh;
    }

    /// SIGKILL, as a crash would; the data directory is left as it is.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.kill();
    }
}
