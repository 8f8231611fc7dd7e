//! `cargo xtask lab`: the Data Flow lab end to end, with no cloud account.
//!
//! Builds the provider and the emulator, sets up the local Spark (the pinned pyspark in a venv
//! under `target/spark-venv`, created on first use, as the Spark tests share it), starts the
//! emulator with a fresh data directory under `.lab/`, running Data Flow jobs with that real
//! Spark and enforcing IAM on runs (a missing grant fails the run, as in OCI), applies
//! `examples/dataflow-lab` with the real `terraform` through a `dev_overrides` CLI
//! configuration (the way a provider developer runs a local build), reports what each run
//! really did (state, timings, bytes, rows of the Parquet it wrote, logs, peak memory),
//! summarises what exists now, shows that nothing drifted, and destroys it all again, checking
//! that nothing is left. `--keep` leaves it running instead and prints commands to paste.
//!
//! Nothing here knows which resource types the lab contains: the summary is read from the
//! state, the outputs and the emulator, so the lab example can grow without touching this file.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use acceptance_tests::{Emulator, copy_dir, workspace_binary};
use oci_client::services::objectstorage::GetObjectOptions;
use serde_json::Value;

/// Why the lab stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{what} failed ({status}); its output is in {}:\n{tail}", log.display())]
    Command {
        what: String,
        status: String,
        log: PathBuf,
        tail: String,
    },
    #[error("could not run {what}: {source}")]
    Spawn {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the plan after apply is not empty, so the provider does not converge; the plan is in {}:\n{tail}", log.display())]
    PlanNotEmpty { log: PathBuf, tail: String },
    #[error("the drift check is not clean:\n{0}")]
    Drift(String),
    #[error("the drift check could not be made: {0}")]
    DriftCheck(#[source] tf_drift::Error),
    #[error("`terraform {0}` printed something that is not JSON")]
    BadJson(String),
    #[error("left behind in the emulator after destroy: {0}")]
    Leftovers(String),
    #[error("the local Spark could not be set up (Python venv with pyspark, Java 17+): {0}")]
    Spark(String),
    #[error("the run's output could not be read: {0}")]
    Output(String),
}

/// Where the lab runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// The workspace root (holds `examples/dataflow-lab`).
    pub root: PathBuf,
    /// The lab's directory: emptied, then holds `work/` (the Terraform root module),
    /// `emulator/` (its data) and `logs/`.
    pub dir: PathBuf,
    /// Run `cargo build` first (tests pass false: their binaries are already built).
    pub build: bool,
}

impl Options {
    /// This workspace, `.lab/` in it, building first.
    pub fn workspace() -> Options {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask/ is inside the workspace")
            .to_path_buf();
        Options {
            dir: root.join(".lab"),
            root,
            build: true,
        }
    }
}

/// The command: up, then either destroy, or keep until Ctrl-C.
pub fn main(keep: bool) -> ExitCode {
    let started = Instant::now();
    let out = &mut std::io::stdout();
    let result = up(&Options::workspace(), out).and_then(|lab| {
        if keep {
            lab.print_commands(out);
            wait_for_ctrl_c();
            Ok(())
        } else {
            lab.down(out)
        }
    });
    match result {
        Ok(()) => {
            let _ = writeln!(out, "\nlab finished in {}", secs(started));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("\nlab failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A lab that is up: applied, summarised, drift-checked.
pub struct Lab {
    emulator: Emulator,
    root: PathBuf,
    dir: PathBuf,
    work: PathBuf,
    logs: PathBuf,
    cli_config: PathBuf,
    terraform: PathBuf,
}

/// Builds, starts the emulator, applies, summarises and checks for drift.
pub fn up(opts: &Options, out: &mut impl Write) -> Result<Lab, Error> {
    if opts.build {
        step(
            out,
            "Building the provider and the emulator (cargo build)",
            || {
                let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
                let status = Command::new(&cargo)
                    .current_dir(&opts.root)
                    .args([
                        "build",
                        "-p",
                        "terraform-provider-oci",
                        "-p",
                        "oci-emulator",
                    ])
                    .arg("--bins")
                    .status()
                    .map_err(|source| Error::Spawn {
                        what: cargo.clone(),
                        source,
                    })?;
                if status.success() {
                    Ok(())
                } else {
                    Err(Error::Command {
                        what: "cargo build".into(),
                        status: status.to_string(),
                        log: "the terminal above".into(),
                        tail: String::new(),
                    })
                }
            },
        )?;
    }

    let python = step(
        out,
        "Local Spark for Data Flow runs (pinned pyspark in target/spark-venv, created once; Java 17+)",
        || {
            // Said here, before pip's minutes, rather than by the emulator refusing to start.
            let java = Command::new("java").arg("-version").output();
            if !java.is_ok_and(|o| o.status.success()) {
                return Err(Error::Spark(
                    "`java -version` failed: install a Java 17+ runtime (e.g. apt-get install \
                     openjdk-17-jre-headless)"
                        .into(),
                ));
            }
            acceptance_tests::venv::try_spark_python().map_err(Error::Spark)
        },
    )?;
    let _ = writeln!(out, "    Python with pyspark: {}", python.display());

    let lab = step(
        out,
        "Starting the OCI emulator with a fresh data directory",
        || start(opts, &python),
    )?;
    let _ = writeln!(
        out,
        "    endpoint {}, data in {}\n    Data Flow runs: executor {}, run IAM {RUN_IAM}",
        lab.emulator.endpoint(),
        lab.emulator.data_dir().display(),
        lab.emulator
            .info
            .dataflow_executor
            .as_deref()
            .unwrap_or("?"),
    );

    let sampled = step(out, "terraform apply (examples/dataflow-lab)", || {
        let sampler = Sampler::default();
        std::thread::scope(|scope| {
            scope.spawn(|| sampler.sample(&lab.emulator));
            let applied = lab.terraform(&["apply", "-input=false", "-auto-approve"], "apply");
            sampler.stop.store(true, Ordering::Relaxed);
            applied
        })?;
        Ok(sampler)
    })?;
    let report = step(out, "The runs: what Spark really did", || {
        lab.run_report(&python, &sampled)
    })?;
    let _ = write!(out, "{report}");
    step(out, "terraform plan: nothing left to change", || {
        // -detailed-exitcode: 2 means the plan has changes.
        lab.terraform(
            &["plan", "-input=false", "-detailed-exitcode"],
            "plan-after-apply",
        )
        .map_err(|e| match e {
            Error::Command {
                status, log, tail, ..
            } if status.ends_with("exit status: 2") => Error::PlanNotEmpty { log, tail },
            other => other,
        })
    })?;
    let summary = step(
        out,
        "Summary: the state, the outputs and what the emulator holds",
        || lab.summary(),
    )?;
    let _ = write!(out, "{summary}");

    let report = step(out, "Drift check (tf-drift: a refresh-only plan)", || {
        let mut args = tf_drift::Args::new(&lab.work);
        args.terraform = lab.terraform.clone();
        args.env = lab.env();
        let report = tf_drift::check(&args).map_err(Error::DriftCheck)?;
        if report.has_drift() {
            return Err(Error::Drift(tf_drift::render(
                &report,
                tf_drift::Format::Text,
            )));
        }
        Ok(report)
    })?;
    let _ = write!(
        out,
        "    {}",
        tf_drift::render(&report, tf_drift::Format::Text)
    );
    Ok(lab)
}

/// The lab is as strict as OCI: a run the policies do not cover fails.
const RUN_IAM: &str = "enforce";

fn start(opts: &Options, python: &Path) -> Result<Lab, Error> {
    let io = |what: &str| {
        let what = what.to_string();
        move |source| Error::Io { what, source }
    };
    if opts.dir.exists() {
        std::fs::remove_dir_all(&opts.dir).map_err(io("emptying the lab directory"))?;
    }
    let work = opts.dir.join("work");
    let logs = opts.dir.join("logs");
    copy_dir(&opts.root.join("examples/dataflow-lab"), &work)
        .map_err(io("copying examples/dataflow-lab"))?;
    std::fs::create_dir_all(&logs).map_err(io("creating the log directory"))?;

    // dev_overrides: terraform uses the freshly built binary with no registry, no init, no lock.
    let provider = workspace_binary("terraform-provider-oci");
    let provider_dir = provider.parent().expect("a binary has a directory");
    let cli_config = opts.dir.join("terraform.rc");
    std::fs::write(
        &cli_config,
        format!(
            "provider_installation {{\n  dev_overrides {{\n    \"ocilab/oci\" = {:?}\n  }}\n  direct {{}}\n}}\n",
            provider_dir.display().to_string()
        ),
    )
    .map_err(io("writing the terraform CLI configuration"))?;

    Ok(Lab {
        emulator: Emulator::start_with(
            &opts.dir.join("emulator"),
            &[
                "--executor",
                "spark",
                "--spark-python",
                &python.display().to_string(),
                "--run-iam",
                RUN_IAM,
            ],
        ),
        root: opts.root.clone(),
        dir: opts.dir.clone(),
        work,
        logs,
        cli_config,
        terraform: tfplugin::testing::terraform_path(),
    })
}

impl Lab {
    /// The lab's Terraform working directory.
    pub fn work_dir(&self) -> &Path {
        &self.work
    }

    /// The environment every terraform command of the lab runs with.
    pub fn env(&self) -> Vec<(String, String)> {
        let info = &self.emulator.info;
        vec![
            (
                "TF_CLI_CONFIG_FILE".into(),
                self.cli_config.display().to_string(),
            ),
            (
                "OCI_CONFIG_FILE".into(),
                info.config_file.display().to_string(),
            ),
            ("TF_VAR_compartment_ocid".into(), info.tenancy_id.clone()),
            ("TF_VAR_config_file_profile".into(), info.profile.clone()),
            ("TF_VAR_oci_endpoint".into(), info.endpoint.clone()),
        ]
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.terraform);
        cmd.current_dir(&self.work)
            .args(args)
            .arg("-no-color")
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .envs(self.env());
        cmd
    }

    /// Runs terraform with its output in `logs/<log>.log`; on failure the error quotes its end.
    fn terraform(&self, args: &[&str], log: &str) -> Result<(), Error> {
        let log = self.logs.join(format!("{log}.log"));
        let file = std::fs::File::create(&log).map_err(|source| Error::Io {
            what: format!("creating {}", log.display()),
            source,
        })?;
        let err = file.try_clone().map_err(|source| Error::Io {
            what: "log file".into(),
            source,
        })?;
        let what = format!("terraform {}", args[0]);
        let status = self
            .command(args)
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(err)
            .status()
            .map_err(|source| Error::Spawn {
                what: what.clone(),
                source,
            })?;
        if status.success() {
            return Ok(());
        }
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        Err(Error::Command {
            what,
            status: status.to_string(),
            tail: lines[lines.len().saturating_sub(40)..].join("\n"),
            log,
        })
    }

    fn terraform_json(&self, args: &[&str]) -> Result<Value, Error> {
        let what = args.join(" ");
        let out = self.command(args).output().map_err(|source| Error::Spawn {
            what: format!("terraform {what}"),
            source,
        })?;
        if !out.status.success() {
            return Err(Error::Command {
                what: format!("terraform {what}"),
                status: out.status.to_string(),
                log: "(not logged)".into(),
                tail: String::from_utf8_lossy(&out.stderr).into_owned(),
            });
        }
        serde_json::from_slice(&out.stdout).map_err(|_| Error::BadJson(what))
    }

    /// Each Data Flow run the emulator holds: its end state and details, when it was seen
    /// IN_PROGRESS and ended, the bytes it read and wrote (measured by the emulator), the rows
    /// of the Parquet under its output prefixes (decoded with pyarrow), its driver logs in the
    /// logs bucket, and the peak memory of the emulator with its Spark processes.
    fn run_report(&self, python: &Path, sampled: &Sampler) -> Result<String, Error> {
        let dump = self.emulator.dump();
        let objects: Vec<&Value> = dump["objects"].as_array().into_iter().flatten().collect();
        let seen = sampled.seen.lock().unwrap_or_else(|p| p.into_inner());
        let mut s = String::new();
        for run in dump["runs"].as_array().into_iter().flatten() {
            let id = run["id"].as_str().unwrap_or("?");
            let details = run["lifecycleDetails"]
                .as_str()
                .map(|d| format!(": {d}"))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "    Run {}: {}{details}",
                run["displayName"].as_str().unwrap_or(id),
                run["lifecycleState"].as_str().unwrap_or("?"),
            );
            if let Some(times) = seen.get(id) {
                // Zero: the first sighting already had that state (within one sample).
                let at = |t: Option<Duration>| match t {
                    None => "not seen".to_string(),
                    Some(t) if t.is_zero() => format!("< {:.1}s", SAMPLE.as_secs_f64()),
                    Some(t) => format!("{:.1}s", t.as_secs_f64()),
                };
                let _ = writeln!(
                    s,
                    "      submit -> IN_PROGRESS {}, submit -> {} {} (seen by polling every {} ms from the submit)",
                    at(times.in_progress),
                    run["lifecycleState"].as_str().unwrap_or("?"),
                    at(times.ended),
                    SAMPLE.as_millis()
                );
            }
            let _ = writeln!(
                s,
                "      Spark run duration {} ms, read {} bytes, wrote {} bytes (measured by the emulator)",
                run["runDurationInMilliseconds"], run["dataReadInBytes"], run["dataWrittenInBytes"]
            );
            let prefixes = run["arguments"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter_map(|a| bucket_prefix(a).filter(|(_, p)| p.ends_with('/') || p.is_empty()));
            for (bucket, prefix) in prefixes {
                let written: Vec<&str> = names_under(&objects, bucket, prefix);
                let rows = self.parquet_rows(python, bucket, &written)?;
                let _ = writeln!(
                    s,
                    "      {} objects under oci://{bucket}@…/{prefix}; Parquet rows: {rows} (decoded with pyarrow)",
                    written.len()
                );
            }
            if let Some((bucket, _)) = run["logsBucketUri"].as_str().and_then(bucket_prefix) {
                let logs = names_under(&objects, bucket, &format!("{id}/"));
                let _ = writeln!(
                    s,
                    "      driver logs in oci://{bucket}@…/{id}/: {}",
                    logs.iter()
                        .map(|n| n.rsplit('/').next().unwrap_or(n))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        }
        let _ = writeln!(
            s,
            "    Peak memory (RSS) of the emulator and its Spark processes during apply: {} MiB",
            sampled.peak_kib.load(Ordering::Relaxed) / 1024
        );
        Ok(s)
    }

    /// Rows of the `.parquet` objects among `names` in `bucket`, decoded with pyarrow.
    fn parquet_rows(&self, python: &Path, bucket: &str, names: &[&str]) -> Result<usize, Error> {
        let parts: Vec<&&str> = names.iter().filter(|n| n.ends_with(".parquet")).collect();
        if parts.is_empty() {
            return Ok(0);
        }
        let dir = self.dir.join("output");
        std::fs::create_dir_all(&dir).map_err(|e| Error::Output(e.to_string()))?;
        let client = acceptance_tests::client_for(&self.emulator);
        let ns = self.emulator.info.namespace.clone();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Output(e.to_string()))?;
        let mut files = Vec::new();
        for (i, name) in parts.iter().enumerate() {
            let file = dir.join(format!("{bucket}-{i}.parquet"));
            rt.block_on(client.get_object_to_file(
                &ns,
                bucket,
                name,
                &GetObjectOptions::default(),
                &file,
            ))
            .map_err(|e| Error::Output(format!("{name}: {e}")))?;
            files.push(file);
        }
        let out = acceptance_tests::venv::run(
            "pyarrow",
            Command::new(python)
                .arg("-c")
                .arg("import sys, pyarrow.parquet as pq\nprint(sum(pq.read_metadata(f).num_rows for f in sys.argv[1:]))")
                .args(&files),
        )
        .map_err(Error::Output)?;
        out.trim()
            .parse()
            .map_err(|_| Error::Output(format!("pyarrow printed {out:?}")))
    }

    /// What was created (from the state), the outputs, and the objects the emulator holds.
    fn summary(&self) -> Result<String, Error> {
        let state = self.terraform_json(&["show", "-json"])?;
        let outputs = self.terraform_json(&["output", "-json"])?;
        let mut s = String::new();
        let mut resources = Vec::new();
        collect_resources(&state["values"]["root_module"], &mut resources);
        let _ = writeln!(s, "    Created {} resources:", resources.len());
        let width = resources.iter().map(|(a, _)| a.len()).max().unwrap_or(0);
        for (address, label) in &resources {
            let _ = writeln!(s, "      {address:width$}  {label}");
        }
        if let Some(outputs) = outputs.as_object().filter(|o| !o.is_empty()) {
            let _ = writeln!(s, "    Outputs:");
            for (name, o) in outputs {
                let value = if o["sensitive"] == true {
                    "(sensitive)".to_string()
                } else {
                    o["value"].to_string()
                };
                let _ = writeln!(s, "      {name} = {value}");
            }
        }
        let dump = self.emulator.dump();
        let objects: Vec<&Value> = dump["objects"].as_array().into_iter().flatten().collect();
        let _ = writeln!(s, "    Objects in the emulator ({}):", objects.len());
        for o in objects {
            let _ = writeln!(
                s,
                "      {}/{} ({} bytes)",
                o["bucket"].as_str().unwrap_or("?"),
                o["name"].as_str().unwrap_or("?"),
                o["size"]
            );
        }
        let _ = writeln!(s, "    Logs: terraform's output in {}", self.logs.display());
        Ok(s)
    }

    /// Commands to paste into another shell while the lab is kept up.
    pub fn print_commands(&self, out: &mut impl Write) {
        let info = &self.emulator.info;
        let mut s = format!(
            "\nThe lab is up. Ctrl-C here stops the emulator (its data stays in {}).\n\
             Paste into another shell:\n\n  # Terraform\n  cd {}\n",
            self.emulator.data_dir().display(),
            shell_quote(&self.work.display().to_string()),
        );
        for (k, v) in self.env() {
            let _ = writeln!(s, "  export {k}={}", shell_quote(&v));
        }
        s.push_str("  terraform plan\n  terraform output\n  terraform state list\n");
        let _ = writeln!(
            s,
            "  (cd {} && cargo xtask drift --chdir \"$OLDPWD\")",
            shell_quote(&self.root.display().to_string())
        );
        // The OCI CLI reads these instead of --config-file / --profile / --endpoint.
        s.push_str("\n  # OCI CLI\n");
        for (k, v) in [
            (
                "OCI_CLI_CONFIG_FILE",
                info.config_file.display().to_string(),
            ),
            ("OCI_CLI_PROFILE", info.profile.clone()),
            ("OCI_CLI_ENDPOINT", info.endpoint.clone()),
            ("OCI_CLI_SUPPRESS_FILE_PERMISSIONS_WARNING", "True".into()),
            ("LAB_COMPARTMENT", info.tenancy_id.clone()),
        ] {
            let _ = writeln!(s, "  export {k}={}", shell_quote(&v));
        }
        s.push_str("  oci os ns get\n  oci os bucket list --compartment-id \"$LAB_COMPARTMENT\"\n");
        let dump = self.emulator.dump();
        for b in dump["buckets"].as_array().into_iter().flatten() {
            if let Some(name) = b["name"].as_str() {
                let _ = writeln!(
                    s,
                    "  oci os object list --bucket-name {}",
                    shell_quote(name)
                );
            }
        }
        for what in [
            "data-flow application",
            "data-flow run",
            "iam dynamic-group",
            "iam policy",
        ] {
            let _ = writeln!(s, "  oci {what} list --compartment-id \"$LAB_COMPARTMENT\"");
        }
        let _ = writeln!(
            s,
            "\n  # Console (read-only): open in a browser\n  {}/_emulator/console",
            info.endpoint
        );
        let _ = write!(out, "{s}");
        let _ = out.flush();
    }

    /// Destroys the lab and checks that the emulator holds nothing any more.
    pub fn down(self, out: &mut impl Write) -> Result<(), Error> {
        step(out, "terraform destroy", || {
            self.terraform(&["destroy", "-input=false", "-auto-approve"], "destroy")
        })?;
        step(out, "Checking that nothing is left in the emulator", || {
            let left = self.emulator.leftovers();
            if left.is_empty() {
                Ok(())
            } else {
                let names: Vec<String> = left
                    .iter()
                    .map(|(kind, r)| format!("{kind}: {}", label(r)))
                    .collect();
                Err(Error::Leftovers(names.join(", ")))
            }
        })?;
        let _ = writeln!(
            out,
            "    applied, checked for drift, destroyed; logs in {}",
            self.dir.join("logs").display()
        );
        Ok(())
    }
}

/// How often the apply is sampled (run states, memory): a figure's resolution, not a wait.
const SAMPLE: Duration = Duration::from_millis(100);

/// When a run was first seen, IN_PROGRESS, and ended, relative to its first sighting.
#[derive(Debug, Default, Clone, Copy)]
struct RunTimes {
    first: Option<Instant>,
    in_progress: Option<Duration>,
    ended: Option<Duration>,
}

/// Watches the emulator while terraform applies: the peak resident memory of its process tree
/// (the emulator, spark-submit's JVM and the Python driver) and each run's state changes.
#[derive(Default)]
struct Sampler {
    stop: AtomicBool,
    peak_kib: std::sync::atomic::AtomicU64,
    seen: std::sync::Mutex<std::collections::BTreeMap<String, RunTimes>>,
}

impl Sampler {
    fn sample(&self, emulator: &Emulator) {
        while !self.stop.load(Ordering::Relaxed) {
            let rss = acceptance_tests::procfs::tree_rss_kib(emulator.pid());
            self.peak_kib.fetch_max(rss, Ordering::Relaxed);
            let runs = emulator.dump()["runs"].clone();
            let now = Instant::now();
            let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            for run in runs.as_array().into_iter().flatten() {
                let (Some(id), Some(state)) = (run["id"].as_str(), run["lifecycleState"].as_str())
                else {
                    continue;
                };
                let t = seen.entry(id.to_string()).or_default();
                let first = *t.first.get_or_insert(now);
                if state == "IN_PROGRESS" && t.in_progress.is_none() {
                    t.in_progress = Some(now - first);
                }
                if matches!(state, "SUCCEEDED" | "FAILED" | "CANCELED" | "STOPPED")
                    && t.ended.is_none()
                {
                    t.ended = Some(now - first);
                }
            }
            drop(seen);
            std::thread::sleep(SAMPLE);
        }
    }
}

/// `oci://bucket@namespace/prefix` → `(bucket, prefix)`.
fn bucket_prefix(uri: &str) -> Option<(&str, &str)> {
    let rest = uri.strip_prefix("oci://")?;
    let (authority, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    Some((authority.split_once('@')?.0, prefix))
}

/// Names of the objects of `bucket` under `prefix`, from a dump's `objects`.
fn names_under<'a>(objects: &[&'a Value], bucket: &str, prefix: &str) -> Vec<&'a str> {
    objects
        .iter()
        .filter(|o| o["bucket"].as_str() == Some(bucket))
        .filter_map(|o| o["name"].as_str())
        .filter(|n| n.starts_with(prefix))
        .collect()
}

/// `(address, label)` of every managed resource, modules included. The label is the resource's
/// name as people know it, and its state where it has one (a Data Flow run's SUCCEEDED).
fn collect_resources(module: &Value, into: &mut Vec<(String, String)>) {
    for r in module["resources"].as_array().into_iter().flatten() {
        if r["mode"].as_str() != Some("managed") {
            continue;
        }
        let address = r["address"].as_str().unwrap_or("?").to_string();
        into.push((address, label(&r["values"])));
    }
    for child in module["child_modules"].as_array().into_iter().flatten() {
        collect_resources(child, into);
    }
}

fn label(values: &Value) -> String {
    let name = ["display_name", "displayName", "name", "object"]
        .iter()
        .find_map(|k| values[*k].as_str())
        .unwrap_or_else(|| values["id"].as_str().unwrap_or(""));
    let state = ["state", "lifecycle_state", "lifecycleState"]
        .iter()
        .find_map(|k| values[*k].as_str());
    match state {
        Some(state) => format!("{name}  [{state}]"),
        None => name.to_string(),
    }
}

/// Runs one step: says what it does, then how long it took.
fn step<T>(
    out: &mut impl Write,
    what: &str,
    f: impl FnOnce() -> Result<T, Error>,
) -> Result<T, Error> {
    let _ = writeln!(out, "\n==> {what}");
    let _ = out.flush();
    let started = Instant::now();
    let result = f();
    let verdict = if result.is_ok() { "done" } else { "FAILED" };
    let _ = writeln!(out, "    {verdict} in {}", secs(started));
    result
}

fn secs(since: Instant) -> String {
    format!("{:.1}s", since.elapsed().as_secs_f64())
}

/// Single-quotes a value for a POSIX shell when it needs it.
fn shell_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-:=@+,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Blocks until SIGINT; the emulator is stopped by its `Drop` afterwards.
fn wait_for_ctrl_c() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let _ = tokio::signal::ctrl_c().await;
    });
}
