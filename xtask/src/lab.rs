//! `cargo xtask lab`: the Data Flow lab end to end, with no cloud account.
//!
//! Builds the provider and the emulator, starts the emulator with a fresh data directory under
//! `.lab/`, applies `examples/dataflow-lab` with the real `terraform` through a `dev_overrides`
//! CLI configuration (the way a provider developer runs a local build), summarises what exists
//! now, shows that nothing drifted, and destroys it all again, checking that nothing is left.
//! `--keep` leaves it running instead and prints commands to paste.
//!
//! Nothing here knows which resource types the lab contains: the summary is read from the
//! state, the outputs and the emulator, so the lab example can grow without touching this file.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use acceptance_tests::{Emulator, copy_dir, workspace_binary};
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

    let lab = step(
        out,
        "Starting the OCI emulator with a fresh data directory",
        || start(opts),
    )?;
    let _ = writeln!(
        out,
        "    endpoint {}, data in {}",
        lab.emulator.endpoint(),
        lab.emulator.data_dir().display()
    );

    step(out, "terraform apply (examples/dataflow-lab)", || {
        lab.terraform(&["apply", "-input=false", "-auto-approve"], "apply")
    })?;
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

fn start(opts: &Options) -> Result<Lab, Error> {
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
        emulator: Emulator::start(&opts.dir.join("emulator")),
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
