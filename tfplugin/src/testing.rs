//! Drives the real `terraform` binary against a provider binary (feature `testing`). Knows
//! nothing about any cloud; `acceptance-tests/` reuses it for the OCI resources.
//!
//! ```no_run
//! use tfplugin::testing::{Mirror, ProviderBinary, Workdir};
//! // In an integration test of the provider crate: env!("CARGO_BIN_EXE_terraform-provider-oci").
//! let exe = "target/debug/terraform-provider-oci";
//! let mirror = Mirror::new(&[ProviderBinary::new("registry.terraform.io/ocilab/oci", "0.1.0", exe)]);
//! let mut wd = Workdir::new(&mirror);
//! wd.set_env("OCI_CONFIG_FILE", "/path/to/config");
//! wd.write_config(r#"resource "oci_objectstorage_bucket" "b" { name = "x" }"#);
//! wd.init();
//! let step = wd.step(); // plan → apply → refresh-only drift check → plan must be empty
//! assert_eq!(step.plan.actions("oci_objectstorage_bucket.b"), vec!["create"]);
//! wd.import_verify("oci_objectstorage_bucket.b", "n/ns/b/x", &[]);
//! wd.destroy();
//! ```
//!
//! Every command runs with `TF_IN_AUTOMATION=1`, `CHECKPOINT_DISABLE=1`, `-input=false`,
//! `-no-color`, and the mirror's CLI config (`TF_CLI_CONFIG_FILE`), without the caller's
//! `TF_LOG*`, `TF_CLI_ARGS*`, `TF_WORKSPACE` or `TF_INPUT` (set them with
//! [`Workdir::set_env`] or [`Workdir::run_with_env`] when a test wants them), in a fresh temporary
//! directory per [`Workdir`], so each test gets its own `.terraform` and lock file (a rebuilt
//! provider binary with an unchanged version would otherwise fail the lock file's checksum,
//! tfplugin.md §2.7).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tempfile::TempDir;

mod client_cert;
pub use client_cert::ClientIdentity;

/// The `terraform` executable: `TF_ACC_TERRAFORM_PATH`, else the first `terraform` on `PATH`.
///
/// # Panics
/// When neither exists: real-Terraform tests fail loudly instead of skipping.
pub fn terraform_path() -> PathBuf {
    if let Some(p) = std::env::var_os("TF_ACC_TERRAFORM_PATH").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        assert!(
            p.is_file(),
            "TF_ACC_TERRAFORM_PATH={} is not a file",
            p.display()
        );
        return p;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("terraform"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`terraform` was not found on PATH and TF_ACC_TERRAFORM_PATH is not set. These \
                 tests drive the real Terraform CLI (1.11 or newer) and never skip: install it \
                 (see .ci/run) or point TF_ACC_TERRAFORM_PATH at it."
            )
        })
}

/// A provider binary to install into a [`Mirror`].
#[derive(Clone, Debug)]
pub struct ProviderBinary {
    /// Source address, `hostname/namespace/type`, e.g. `registry.terraform.io/ocilab/oci`.
    pub address: String,
    /// Version to install it as, e.g. `0.1.0`.
    pub version: String,
    /// The built executable.
    pub path: PathBuf,
}

impl ProviderBinary {
    /// Describes a built provider executable.
    pub fn new(address: &str, version: &str, path: impl Into<PathBuf>) -> Self {
        Self {
            address: address.to_string(),
            version: version.to_string(),
            path: path.into(),
        }
    }

    fn parts(&self) -> (&str, &str, &str) {
        let mut it = self.address.splitn(3, '/');
        match (it.next(), it.next(), it.next()) {
            (Some(h), Some(n), Some(t)) => (h, n, t),
            _ => panic!(
                "provider address {:?} must be hostname/namespace/type",
                self.address
            ),
        }
    }
}

/// The platform directory name Terraform uses, e.g. `linux_amd64`.
pub fn os_arch() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{}_{}", std::env::consts::OS, arch)
}

/// A mirror's directory is `<temp>/tf-mirror-<pid of the test process>-<random>`.
const MIRROR_PREFIX: &str = "tf-mirror-";

/// Removes the mirrors of test processes that have exited. A mirror shared through a static is
/// never dropped, so each test binary run would otherwise leave one behind. Linux only (a
/// process is alive while `/proc/<pid>` exists); elsewhere nothing is removed. A reused pid only
/// keeps a stale mirror until a later sweep.
fn sweep_stale_mirrors(temp: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(temp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(MIRROR_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A temporary filesystem mirror holding copies of provider binaries, and a CLI config that
/// installs those providers from it (and only those: no registry access for them).
pub struct Mirror {
    dir: TempDir,
    cli_config: PathBuf,
    providers: Vec<ProviderBinary>,
}

impl Mirror {
    /// Links (or copies) each binary to
    /// `HOST/NAMESPACE/TYPE/VERSION/OS_ARCH/terraform-provider-TYPE_vVERSION`
    /// and writes the CLI config.
    ///
    /// # Panics
    /// When a binary is missing or cannot be copied.
    pub fn new(providers: &[ProviderBinary]) -> Arc<Mirror> {
        sweep_stale_mirrors(&std::env::temp_dir());
        let dir = tempfile::Builder::new()
            .prefix(&format!("{MIRROR_PREFIX}{}-", std::process::id()))
            .tempdir()
            .expect("temp dir for the mirror");
        let root = dir.path().join("providers");
        let mut includes = Vec::new();
        for p in providers {
            let (host, ns, ty) = p.parts();
            let target = root
                .join(host)
                .join(ns)
                .join(ty)
                .join(&p.version)
                .join(os_arch());
            std::fs::create_dir_all(&target).expect("creating the mirror layout");
            let exe = target.join(format!("terraform-provider-{ty}_v{}", p.version));
            // A hard link where possible: the mirror lives as long as the test process (it is
            // shared through a static), so copies of a 40 MB binary per test binary run filled
            // /tmp. The linker writes a new file on rebuild, so the link keeps this build.
            std::fs::hard_link(&p.path, &exe)
                .or_else(|_| std::fs::copy(&p.path, &exe).map(drop))
                .unwrap_or_else(|e| {
                    panic!(
                        "copying provider binary {} into the mirror: {e}",
                        p.path.display()
                    )
                });
            includes.push(format!("\"{host}/{ns}/{ty}\""));
        }
        let includes = includes.join(", ");
        let cli_config = dir.path().join("terraform.rc");
        let text = format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = {root:?}\n    include = [{includes}]\n  }}\n  \
             direct {{\n    exclude = [{includes}]\n  }}\n}}\n",
            root = root.display().to_string(),
        );
        std::fs::write(&cli_config, text).expect("writing the CLI config");
        Arc::new(Mirror {
            dir,
            cli_config,
            providers: providers.to_vec(),
        })
    }

    /// The CLI config file (`TF_CLI_CONFIG_FILE`).
    pub fn cli_config(&self) -> &Path {
        &self.cli_config
    }

    /// The mirror's root directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The providers it holds.
    pub fn providers(&self) -> &[ProviderBinary] {
        &self.providers
    }
}

/// What one terraform command did.
#[derive(Debug)]
pub struct TfOutput {
    /// The arguments, for messages.
    pub args: Vec<String>,
    /// Exit status.
    pub status: ExitStatus,
    /// Captured stdout.
    pub stdout: String,
    /// Captured stderr.
    pub stderr: String,
    /// Wall-clock time of the command.
    pub elapsed: Duration,
}

impl TfOutput {
    /// True on exit code 0.
    pub fn success(&self) -> bool {
        self.status.success()
    }

    /// Panics with the full output unless the command succeeded.
    #[track_caller]
    pub fn assert_success(&self) -> &Self {
        assert!(
            self.success(),
            "terraform {} failed ({}):\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.args.join(" "),
            self.status,
            self.stdout,
            self.stderr
        );
        self
    }

    /// stdout and stderr together.
    pub fn combined(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// One resource's planned (or drifted) change, from `terraform show -json`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Resource address, e.g. `oci_objectstorage_bucket.b`.
    pub address: String,
    /// Actions: `["create"]`, `["update"]`, `["delete","create"]`, `["no-op"]`, ...
    pub actions: Vec<String>,
}

/// A saved plan as `terraform show -json` describes it.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The whole JSON document.
    pub json: serde_json::Value,
}

impl Plan {
    fn changes(&self, key: &str) -> Vec<Change> {
        self.json[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|c| Change {
                        address: c["address"].as_str().unwrap_or_default().to_string(),
                        actions: c["change"]["actions"]
                            .as_array()
                            .map(|x| {
                                x.iter()
                                    .filter_map(|s| s.as_str().map(String::from))
                                    .collect()
                            })
                            .unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Planned changes (`resource_changes`).
    pub fn resource_changes(&self) -> Vec<Change> {
        self.changes("resource_changes")
    }

    /// Changes found by refresh (`resource_drift`).
    pub fn drift(&self) -> Vec<Change> {
        self.changes("resource_drift")
    }

    /// The planned actions for `address` (empty when it is not in the plan).
    pub fn actions(&self, address: &str) -> Vec<String> {
        self.resource_changes()
            .into_iter()
            .find(|c| c.address == address)
            .map(|c| c.actions)
            .unwrap_or_default()
    }

    /// Changes other than no-op.
    pub fn effective_changes(&self) -> Vec<Change> {
        self.resource_changes()
            .into_iter()
            .filter(|c| c.actions != ["no-op"])
            .collect()
    }

    /// True when the plan would change nothing.
    pub fn is_empty(&self) -> bool {
        self.effective_changes().is_empty()
    }

    /// The planned `after` values of `address`.
    pub fn after(&self, address: &str) -> serde_json::Value {
        self.json["resource_changes"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["address"] == address))
            .map(|c| c["change"]["after"].clone())
            .unwrap_or_default()
    }
}

/// What [`Workdir::step`] observed.
#[derive(Debug)]
pub struct StepOutcome {
    /// The plan made before applying.
    pub plan: Plan,
    /// The apply's output.
    pub apply: TfOutput,
    /// The state after the step (`terraform show -json`).
    pub state: serde_json::Value,
}

/// A temporary Terraform working directory bound to a [`Mirror`].
pub struct Workdir {
    dir: TempDir,
    terraform: PathBuf,
    mirror: Arc<Mirror>,
    env: BTreeMap<String, String>,
}

impl Workdir {
    /// A fresh, empty working directory (locates terraform; panics if absent).
    pub fn new(mirror: &Arc<Mirror>) -> Workdir {
        Workdir {
            dir: tempfile::Builder::new()
                .prefix("tf-work")
                .tempdir()
                .expect("temp working dir"),
            terraform: terraform_path(),
            mirror: mirror.clone(),
            env: BTreeMap::new(),
        }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Sets an environment variable for every later command (e.g. provider settings).
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.insert(key.to_string(), value.to_string());
    }

    /// Writes a file in the directory.
    ///
    /// # Panics
    /// On I/O errors.
    pub fn write_file(&self, name: &str, contents: &str) {
        std::fs::write(self.dir.path().join(name), contents)
            .expect("writing a file in the workdir");
    }

    /// Writes `main.tf`.
    pub fn write_config(&self, hcl: &str) {
        self.write_file("main.tf", hcl);
    }

    /// Runs `terraform ARGS` (adding nothing) and captures its output; never panics on failure.
    pub fn run(&self, args: &[&str]) -> TfOutput {
        self.run_with_env(args, &[])
    }

    /// [`Workdir::run`] with extra environment variables for this command only.
    ///
    /// # Panics
    /// When terraform cannot be started at all.
    pub fn run_with_env(&self, args: &[&str], extra_env: &[(&str, &str)]) -> TfOutput {
        let mut cmd = self.command(args);
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let started = Instant::now();
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", self.terraform.display()));
        TfOutput {
            args: args.iter().map(|s| (*s).to_string()).collect(),
            status: out.status,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            elapsed: started.elapsed(),
        }
    }

    /// `terraform ARGS` as [`Workdir::run`] would start it, not started: for callers that
    /// manage the process themselves (kill it mid-apply, watch the providers it starts).
    /// Output is not captured.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.terraform);
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_CLI_CONFIG_FILE", self.mirror.cli_config())
            .env_remove("TF_REATTACH_PROVIDERS")
            .env_remove("TF_PLUGIN_CACHE_DIR")
            .env_remove("TF_DATA_DIR");
        // The caller's own Terraform settings would change what commands do or print (extra
        // CLI arguments, logs on stderr, another workspace); tests set what they need explicitly.
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            if key.starts_with("TF_CLI_ARGS")
                || key.starts_with("TF_LOG")
                || key == "TF_WORKSPACE"
                || key == "TF_INPUT"
            {
                cmd.env_remove(key.as_ref());
            }
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// `terraform init` from the mirror only, with a fresh lock file. Panics on failure.
    pub fn init(&self) -> TfOutput {
        let _ = std::fs::remove_file(self.dir.path().join(".terraform.lock.hcl"));
        let out = self.run(&["init", "-input=false", "-no-color"]);
        out.assert_success();
        out
    }

    /// `terraform validate` (not asserted: tests check failures too).
    pub fn validate(&self) -> TfOutput {
        self.run(&["validate", "-no-color"])
    }

    /// `terraform plan -out` + `terraform show -json`, or the failed command's output.
    pub fn try_plan(&self, extra_args: &[&str]) -> Result<Plan, TfOutput> {
        let mut args = vec!["plan", "-input=false", "-no-color", "-out=tfplan"];
        args.extend_from_slice(extra_args);
        let out = self.run(&args);
        if !out.success() {
            return Err(out);
        }
        Ok(self.show_plan("tfplan"))
    }

    /// A saved plan, parsed. Panics on failure.
    #[track_caller]
    pub fn plan(&self) -> Plan {
        self.try_plan(&[]).unwrap_or_else(|out| {
            out.assert_success();
            unreachable!("assert_success panics on failure")
        })
    }

    /// `terraform show -json FILE`, parsed.
    #[track_caller]
    pub fn show_plan(&self, file: &str) -> Plan {
        let out = self.run(&["show", "-json", "-no-color", file]);
        out.assert_success();
        Plan {
            json: serde_json::from_str(&out.stdout).expect("terraform show -json output is JSON"),
        }
    }

    /// A refresh-only plan (`plan -refresh-only -out` + `show -json`): read its
    /// [`Plan::drift`]. (Not `-detailed-exitcode`, which reports drift where there is none,
    /// hashicorp/terraform#36403.)
    #[track_caller]
    pub fn refresh_plan(&self) -> Plan {
        self.try_plan(&["-refresh-only"]).unwrap_or_else(|out| {
            out.assert_success();
            unreachable!("assert_success panics on failure")
        })
    }

    /// `terraform apply -auto-approve` (re-plans). Not asserted.
    pub fn try_apply(&self) -> TfOutput {
        self.run(&["apply", "-input=false", "-no-color", "-auto-approve"])
    }

    /// `terraform apply -auto-approve`. Panics on failure.
    #[track_caller]
    pub fn apply(&self) -> TfOutput {
        let out = self.try_apply();
        out.assert_success();
        out
    }

    /// `terraform import ADDRESS ID`. Not asserted.
    pub fn try_import(&self, address: &str, id: &str) -> TfOutput {
        self.run(&["import", "-input=false", "-no-color", address, id])
    }

    /// `terraform destroy -auto-approve`. Panics on failure.
    #[track_caller]
    pub fn destroy(&self) -> TfOutput {
        let out = self.run(&["destroy", "-input=false", "-no-color", "-auto-approve"]);
        out.assert_success();
        out
    }

    /// The state as `terraform show -json` gives it.
    #[track_caller]
    pub fn state(&self) -> serde_json::Value {
        let out = self.run(&["show", "-json", "-no-color"]);
        out.assert_success();
        serde_json::from_str(&out.stdout).expect("terraform show -json output is JSON")
    }

    /// The attribute values of `address` in state (`None` when absent).
    pub fn resource_values(&self, address: &str) -> Option<serde_json::Value> {
        let state = self.state();
        state["values"]["root_module"]["resources"]
            .as_array()?
            .iter()
            .find(|r| r["address"] == address)
            .map(|r| r["values"].clone())
    }

    /// One test step with terraform-plugin-testing semantics for the current `main.tf`:
    /// plan (saved), apply that plan, then a refresh-only plan must show no drift, and a normal
    /// plan must be empty.
    ///
    /// # Panics
    /// When any command fails, drift shows up, or the final plan is not empty.
    #[track_caller]
    pub fn step(&self) -> StepOutcome {
        let plan = self.plan();
        let apply = self.run(&["apply", "-input=false", "-no-color", "tfplan"]);
        apply.assert_success();
        let drift = self.refresh_plan().drift();
        assert!(
            drift.is_empty(),
            "after applying this step, refresh found drift: {drift:?}"
        );
        let after = self.plan();
        assert!(
            after.is_empty(),
            "after applying this step, the plan was not empty: {:?}",
            after.effective_changes()
        );
        StepOutcome {
            plan,
            apply,
            state: self.state(),
        }
    }

    /// Import-verify: in a fresh working directory with the same configuration and environment,
    /// `terraform import ADDRESS ID` must produce the same attribute values as this directory's
    /// state, apart from `ignore`d top-level attributes.
    ///
    /// # Panics
    /// When the import fails or the values differ (with both sides in the message).
    #[track_caller]
    pub fn import_verify(&self, address: &str, id: &str, ignore: &[&str]) {
        let expected = self
            .resource_values(address)
            .unwrap_or_else(|| panic!("{address} is not in state"));
        let other = Workdir {
            dir: tempfile::Builder::new()
                .prefix("tf-import")
                .tempdir()
                .expect("temp working dir"),
            terraform: self.terraform.clone(),
            mirror: self.mirror.clone(),
            env: self.env.clone(),
        };
        for entry in std::fs::read_dir(self.path())
            .expect("reading the workdir")
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".tf") {
                std::fs::copy(entry.path(), other.path().join(&name))
                    .expect("copying configuration");
            }
        }
        other.init();
        other.try_import(address, id).assert_success();
        let imported = other
            .resource_values(address)
            .unwrap_or_else(|| panic!("{address} missing after import"));
        let strip = |v: &serde_json::Value| -> serde_json::Value {
            let mut v = v.clone();
            if let Some(o) = v.as_object_mut() {
                for k in ignore {
                    o.remove(*k);
                }
            }
            v
        };
        assert_eq!(
            strip(&imported),
            strip(&expected),
            "state after import differs from state after apply"
        );
    }
}

/// Checks a generated, checked-in file (e.g. `schemas/<type>.json`): when `path` does not hold
/// exactly `contents`, it is rewritten and the call panics with a unified diff, so the change
/// shows up in review and the next run passes (rust-analyzer's `ensure_file_contents`).
///
/// # Panics
/// When the file was missing or different (after updating it), or cannot be written.
#[track_caller]
pub fn ensure_file_contents(path: &Path, contents: &str) {
    let current = std::fs::read_to_string(path).unwrap_or_default();
    if current.replace("\r\n", "\n") == contents {
        return;
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("creating the directory of a generated file");
    }
    std::fs::write(path, contents).unwrap_or_else(|e| panic!("updating {}: {e}", path.display()));
    let diff = similar::TextDiff::from_lines(current.as_str(), contents)
        .unified_diff()
        .header("checked in", "generated")
        .to_string();
    panic!(
        "{} was not up to date; it has been regenerated, review and commit it:\n{diff}",
        path.display()
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn mirrors_of_exited_test_processes_are_swept_and_live_ones_kept() {
        let temp = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let stale = temp
            .path()
            .join(format!("{}{dead}-abc", super::MIRROR_PREFIX));
        let ours = temp.path().join(format!(
            "{}{}-abc",
            super::MIRROR_PREFIX,
            std::process::id()
        ));
        let other = temp.path().join("tf-mirrorless");
        for d in [&stale, &ours, &other] {
            std::fs::create_dir_all(d.join("providers")).unwrap();
        }
        super::sweep_stale_mirrors(temp.path());
        assert!(!stale.exists(), "the exited process's mirror is removed");
        assert!(ours.exists(), "this process's mirror is kept");
        assert!(other.exists(), "a directory that is not a mirror is kept");
    }

    use super::*;

    #[test]
    fn ensure_file_contents_rewrites_and_reports_stale_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gen/x.json");
        let first = std::panic::catch_unwind(|| ensure_file_contents(&path, "{\"a\": 1}\n"));
        let message = *first.unwrap_err().downcast::<String>().unwrap();
        assert!(message.contains("+{\"a\": 1}"), "{message}");
        // Now current: no panic.
        ensure_file_contents(&path, "{\"a\": 1}\n");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"a\": 1}\n");
    }

    #[test]
    fn os_arch_names_follow_terraform() {
        let os_arch = os_arch();
        assert!(
            os_arch.starts_with(std::env::consts::OS) && !os_arch.contains("x86_64"),
            "{os_arch}"
        );
    }
}
