//! Acceptance-test harness: the real `terraform` binary, the built `terraform-provider-oci`, and
//! a real `oci-emulator` process on 127.0.0.1, wired together with no cloud account.
//!
//! Each [`Env`] is one test's world: a fresh emulator with its own data directory, a Terraform
//! working directory whose provider block points at that emulator, and an OCI client (signed with
//! the emulator's bootstrap key) for out-of-band changes in drift tests. Terraform's own steps
//! (plan → apply → refresh → plan must be empty, import-verify, drift) come from
//! [`tfplugin::testing`]; what is added here is knowledge of OCI and of the emulator.

pub mod emulator;
pub mod oracle_state;
pub mod procfs;
pub mod venv;

use std::path::Path;
use std::sync::{Arc, OnceLock};

pub use emulator::{Emulator, EmulatorInfo, LoggedRequest, workspace_binary};
use tempfile::TempDir;
pub use tfplugin::testing::{Mirror, Plan, ProviderBinary, TfOutput, Workdir};

/// The provider's source address, as users write `source = "ocilab/oci"`.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/ocilab/oci";

/// One filesystem mirror per test process: copying the provider binary once is enough, and each
/// [`Workdir`] still gets its own lock file.
pub fn mirror() -> Arc<Mirror> {
    static MIRROR: OnceLock<Arc<Mirror>> = OnceLock::new();
    MIRROR
        .get_or_init(|| {
            Mirror::new(&[ProviderBinary::new(
                PROVIDER_ADDRESS,
                env!("CARGO_PKG_VERSION"),
                workspace_binary("terraform-provider-oci"),
            )])
        })
        .clone()
}

/// The `terraform {}` and `provider "oci" {}` blocks for an emulator at `endpoint`.
pub fn provider_block(endpoint: &str, profile: &str) -> String {
    format!(
        r#"terraform {{
  required_providers {{
    oci = {{ source = "ocilab/oci" }}
  }}
}}

provider "oci" {{
  config_file_profile = "{profile}"
  endpoint            = "{endpoint}"
}}
"#
    )
}

/// One test's world; dropping it kills the emulator and removes every temporary file.
pub struct Env {
    pub emulator: Emulator,
    pub wd: Workdir,
    runtime: tokio::runtime::Runtime,
    client: oci_client::Client,
    _data: TempDir,
}

impl Env {
    /// Starts an emulator and prepares a Terraform working directory (not yet initialised).
    pub fn new() -> Env {
        Env::with_emulator(&[], &[])
    }

    /// Like [`Env::new`], with extra `serve` arguments for the emulator (e.g. `--executor
    /// spark --run-iam enforce`, see [`Emulator::start_with`]).
    pub fn with_emulator_args(extra: &[&str]) -> Env {
        Env::with_emulator(extra, &[])
    }

    /// [`Env::new`] with environment variables for the emulator process.
    pub fn with_emulator_env(emulator_env: &[(&str, &str)]) -> Env {
        Env::with_emulator(&[], emulator_env)
    }

    /// [`Env::new`] with extra `serve` arguments and environment variables for the emulator.
    pub fn with_emulator(extra: &[&str], emulator_env: &[(&str, &str)]) -> Env {
        let data = tempfile::Builder::new()
            .prefix("ocilab-emu")
            .tempdir()
            .expect("temp dir");
        let emulator = Emulator::start_with_env(&data.path().join("emulator"), extra, emulator_env);
        let mut wd = Workdir::new(&mirror());
        wd.set_env(
            "OCI_CONFIG_FILE",
            &emulator.info.config_file.display().to_string(),
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let client = client_for(&emulator);
        Env {
            emulator,
            wd,
            runtime,
            client,
            _data: data,
        }
    }

    /// Copies `examples/dataflow-lab` into the working directory (not yet initialised) and sets
    /// the variables that point it at this emulator, as `cargo xtask lab` does.
    pub fn copy_lab(&mut self) {
        let lab = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/dataflow-lab");
        copy_dir(&lab, self.wd.path()).expect("copy examples/dataflow-lab");
        let info = self.emulator.info.clone();
        self.wd.set_env("TF_VAR_compartment_ocid", &info.tenancy_id);
        self.wd.set_env("TF_VAR_config_file_profile", &info.profile);
        self.wd.set_env("TF_VAR_oci_endpoint", &info.endpoint);
    }

    /// The Data Flow lab (`examples/dataflow-lab`) copied into the working directory, its
    /// variables set for this emulator, `terraform init` done: ready for `apply`.
    pub fn lab() -> Env {
        Self::lab_with_emulator_env(&[])
    }

    /// [`Env::lab`] with environment variables for the emulator process.
    pub fn lab_with_emulator_env(emulator_env: &[(&str, &str)]) -> Env {
        let mut env = Env::with_emulator_env(emulator_env);
        env.copy_lab();
        env.wd.init();
        env
    }

    /// Writes `main.tf`: the provider blocks plus `body`.
    pub fn write(&self, body: &str) {
        let header = provider_block(self.emulator.endpoint(), &self.emulator.info.profile);
        self.wd.write_config(&format!("{header}\n{body}"));
    }

    /// Writes `main.tf` and runs `terraform init`.
    pub fn init_with(&self, body: &str) {
        self.write(body);
        self.wd.init().assert_success();
    }

    /// The emulator's Object Storage namespace.
    pub fn namespace(&self) -> &str {
        &self.emulator.info.namespace
    }

    /// The tenancy OCID (the root compartment).
    pub fn tenancy(&self) -> &str {
        &self.emulator.info.tenancy_id
    }

    /// Runs an OCI API call the way a colleague with the console would: out of band.
    pub fn oci<T>(&self, f: impl AsyncFnOnce(&oci_client::Client) -> T) -> T {
        self.runtime.block_on(f(&self.client))
    }

    /// Asserts that `terraform plan -detailed-exitcode` exits 0 (nothing to change) and that a
    /// refresh-only plan finds no drift; `context` says what came before, for the message.
    #[track_caller]
    pub fn assert_plans_empty(&self, context: &str) {
        let plan = self
            .wd
            .run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"]);
        assert_eq!(
            plan.status.code(),
            Some(0),
            "{context}: the plan is not empty:\n{}",
            plan.combined()
        );
        let drift = self.wd.refresh_plan().drift();
        assert!(
            drift.is_empty(),
            "{context}: refresh found drift: {drift:?}"
        );
    }

    /// Runs any future on this test's runtime (e.g. calls through another client).
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    /// Asserts that the emulator holds no user-created resources any more.
    pub fn assert_nothing_left(&self) {
        let left = self.emulator.leftovers();
        assert!(left.is_empty(), "left behind after destroy: {left:#?}");
    }
}

impl Default for Env {
    fn default() -> Self {
        Self::new()
    }
}

/// Copies a directory tree (e.g. an example) into a working directory, leaving out Terraform's
/// own `.terraform*` files so the copy starts clean.
pub fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else if !entry
            .file_name()
            .to_string_lossy()
            .starts_with(".terraform")
        {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// An OCI client configured exactly as a user would from the emulator's config file.
pub fn client_for(emulator: &Emulator) -> oci_client::Client {
    let args = oci_client::ProviderArgs {
        config_file_profile: Some(emulator.info.profile.clone()),
        endpoint: Some(emulator.info.endpoint.clone()),
        ..Default::default()
    };
    let env = oci_client::Env::from_map([(
        "OCI_CONFIG_FILE",
        emulator.info.config_file.display().to_string(),
    )]);
    let config = oci_client::ClientConfig::resolve(&args, &env).expect("emulator config resolves");
    oci_client::Client::new(config).expect("client")
}

/// Writes `len` bytes of deterministic, incompressible-looking data to `path` without holding
/// them in memory (xorshift stream), for upload tests.
pub fn write_pseudo_random_file(path: &Path, len: u64, seed: u64) {
    use std::io::Write;
    let mut f =
        std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).expect("create"));
    let mut x = seed | 1;
    let mut written = 0u64;
    while written < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let bytes = x.to_le_bytes();
        let n = (len - written).min(8) as usize;
        f.write_all(&bytes[..n]).expect("write");
        written += n as u64;
    }
    f.flush().expect("flush");
}

/// The names of every bucket, dynamic group, policy, application and run in an emulator dump,
/// sorted, deleted ones included: a duplicate create shows up here even after destroy.
pub fn created_names(dump: &serde_json::Value) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut out = std::collections::BTreeMap::new();
    for (kind, name) in [
        ("buckets", "name"),
        ("dynamic_groups", "name"),
        ("policies", "name"),
        ("applications", "displayName"),
        ("runs", "displayName"),
    ] {
        let mut names: Vec<String> = dump[kind]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| r[name].as_str().unwrap_or("?").to_owned())
            .collect();
        names.sort();
        out.insert(kind.to_owned(), names);
    }
    out
}

/// [`created_names`] after one apply of the lab with its default variables.
pub fn lab_resource_names() -> std::collections::BTreeMap<String, Vec<String>> {
    [
        (
            "buckets",
            &[
                "dataflow-lab-input",
                "dataflow-lab-logs",
                "dataflow-lab-output",
            ][..],
        ),
        ("dynamic_groups", &["dg-dataflow-lab-runs"][..]),
        ("policies", &["dataflow-lab-runs-access"][..]),
        ("applications", &["dataflow-sales-etl"][..]),
        ("runs", &["dataflow-sales-etl-run"][..]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.iter().map(|s| (*s).to_owned()).collect()))
    .collect()
}

/// Everything terraform printed, on one line with single spaces and no box-drawing margins:
/// Terraform wraps long diagnostics, so phrases are compared in this form.
pub fn one_line(out: &TfOutput) -> String {
    out.combined()
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Asserts that a failed terraform command reported `summary` pointing at `attribute`: Terraform
/// prints the offending source line under the diagnostic when the provider gave a path.
#[track_caller]
pub fn assert_attribute_error(out: &TfOutput, summary: &str, attribute: &str) {
    assert!(
        !out.success(),
        "expected terraform {} to fail:\n{}",
        out.args.join(" "),
        out.combined()
    );
    let text = out.combined();
    let block = text
        .split("Error: ")
        .skip(1)
        .find(|b| b.starts_with(summary))
        .unwrap_or_else(|| panic!("no error {summary:?} in output:\n{text}"));
    // The quoted source line looks like `  14:   access_type = "Public"`.
    let pointed = block.lines().any(|l| {
        l.trim_start_matches(['│', ' '])
            .split_once(':')
            .is_some_and(|(n, rest)| {
                n.trim().parse::<u32>().is_ok() && rest.trim_start().starts_with(attribute)
            })
    });
    assert!(
        pointed,
        "error {summary:?} does not point at attribute {attribute:?}:\n{block}"
    );
}
