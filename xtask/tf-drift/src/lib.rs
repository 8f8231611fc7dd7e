//! `tf-drift`: does the real infrastructure still match a Terraform root module's state?
//!
//! Works in any root module, with any providers: it runs `terraform plan -refresh-only -out`
//! and `terraform show -json` on that plan, and reports each drifted resource attribute by
//! attribute. Exit codes follow `terraform plan -detailed-exitcode`: 0 no drift, 2 drift, 1 error.
//!
//! Drift means a change to something a configuration can set (a required or optional argument,
//! or a nested block), or a resource that is gone. Attributes only the provider computes
//! (`etag`, `time_updated`, ...) change along with those and are listed for context, but on their
//! own they are not drift (the schemas come from `terraform providers schema -json`);
//! `--include-computed` counts them too.
//!
//! ```sh
//! tf-drift --chdir infra/ --format github -- -var-file=prod.tfvars
//! ```

mod diff;
mod render;
mod report;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub use diff::AttributeChange;
pub use render::Format;
pub use report::{DriftKind, DriftedResource, Location, Report, from_plan};

/// Exit code: the real infrastructure matches the state.
pub const EXIT_CLEAN: u8 = 0;
/// Exit code: the check could not be made.
pub const EXIT_ERROR: u8 = 1;
/// Exit code: something drifted.
pub const EXIT_DRIFT: u8 = 2;

/// Terraform's JSON is parsed with serde_json's nesting limit (128); its size is bounded here.
const MAX_JSON_BYTES: usize = 512 << 20;
/// `.tf` files larger than this are not searched for resource blocks.
const MAX_TF_FILE_BYTES: u64 = 8 << 20;
/// How much of a failing terraform command's output an error repeats.
const MAX_REASON_BYTES: usize = 16 << 10;

/// Command-line arguments of `tf-drift` (and of `cargo xtask drift`).
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The Terraform root module to check (already initialised, unless --init).
    #[arg(long, short = 'C', default_value = ".")]
    pub chdir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// The terraform executable.
    #[arg(long, env = "TF_DRIFT_TERRAFORM", default_value = "terraform")]
    pub terraform: PathBuf,
    /// Run `terraform init -input=false` first (a fresh CI checkout).
    #[arg(long)]
    pub init: bool,
    /// Count changes of attributes only the provider sets (etag, timestamps) as drift too.
    #[arg(long)]
    pub include_computed: bool,
    /// Extra arguments for `terraform plan`, after `--` (`-var-file=prod.tfvars`, `-lock=false`);
    /// relative paths are relative to --chdir.
    #[arg(last = true)]
    pub plan_args: Vec<String>,
    /// Extra environment for every terraform command (for callers embedding the check).
    #[arg(skip)]
    pub env: Vec<(String, String)>,
}

impl Args {
    /// Defaults for a root module at `dir`, as the command line would give them.
    pub fn new(dir: impl Into<PathBuf>) -> Args {
        Args {
            chdir: dir.into(),
            format: Format::Text,
            terraform: PathBuf::from("terraform"),
            init: false,
            include_computed: false,
            plan_args: Vec::new(),
            env: Vec::new(),
        }
    }
}

/// Why a check could not be made.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "{} was not found; install Terraform or pass --terraform (or TF_DRIFT_TERRAFORM)",
        .0.display()
    )]
    TerraformNotFound(PathBuf),
    #[error("could not run {}: {source}", program.display())]
    Spawn {
        program: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`terraform {command}` failed ({status}):\n{reason}")]
    Terraform {
        command: String,
        status: String,
        reason: String,
    },
    #[error("`terraform {command}` did not print the JSON expected: {detail}")]
    BadJson { command: String, detail: String },
    #[error("{} is not a directory", .0.display())]
    NotADirectory(PathBuf),
    #[error("temporary plan file: {0}")]
    TempDir(#[source] std::io::Error),
}

/// Renders a finished check in `format` (what [`run`] prints).
pub fn render(report: &Report, format: Format) -> String {
    render::report(report, format)
}

/// Runs the check and prints the result to stdout; returns the process exit code.
pub fn run(args: &Args) -> u8 {
    let (text, code) = match check(args) {
        Ok(report) => (
            render::report(&report, args.format),
            if report.has_drift() {
                EXIT_DRIFT
            } else {
                EXIT_CLEAN
            },
        ),
        Err(e) => (render::error(&e.to_string(), args.format), EXIT_ERROR),
    };
    print!("{text}");
    code
}

/// Refreshes and compares; what drifted (an empty report when nothing did).
pub fn check(args: &Args) -> Result<Report, Error> {
    if !args.chdir.is_dir() {
        return Err(Error::NotADirectory(args.chdir.clone()));
    }
    if args.init {
        terraform(args, ["init", "-input=false", "-no-color"])?;
    }
    let tmp = tempfile::Builder::new()
        .prefix("tf-drift")
        .tempdir()
        .map_err(Error::TempDir)?;
    let plan_file = tmp.path().join("drift.tfplan");
    let mut plan_args: Vec<&OsStr> = ["plan", "-refresh-only", "-input=false", "-no-color"]
        .iter()
        .map(OsStr::new)
        .collect();
    let out_arg = format!("-out={}", plan_file.display());
    plan_args.push(OsStr::new(&out_arg));
    plan_args.extend(args.plan_args.iter().map(OsStr::new));
    terraform(args, plan_args)?;

    let plan = terraform_json(
        args,
        [OsStr::new("show"), "-json".as_ref(), plan_file.as_ref()],
    )?;
    let schemas = if args.include_computed {
        None
    } else {
        Some(terraform_json(args, ["providers", "schema", "-json"])?)
    };
    let mut report = report::from_plan(&plan, schemas.as_ref(), args.include_computed);
    locate_all(&args.chdir, &mut report);
    Ok(report)
}

fn terraform<I, S>(args: &Args, argv: I) -> Result<Output, Error>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let argv: Vec<_> = argv.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let mut cmd = Command::new(&args.terraform);
    cmd.args(&argv)
        .current_dir(&args.chdir)
        .env("TF_IN_AUTOMATION", "1")
        .env("TF_INPUT", "0");
    for (k, v) in &args.env {
        cmd.env(k, v);
    }
    let out = cmd.output().map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::TerraformNotFound(args.terraform.clone())
        } else {
            Error::Spawn {
                program: args.terraform.clone(),
                source,
            }
        }
    })?;
    if out.status.success() {
        return Ok(out);
    }
    let command = argv
        .iter()
        .take(2)
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ");
    Err(Error::Terraform {
        command,
        status: out.status.to_string(),
        reason: reason(&out),
    })
}

fn terraform_json<I, S>(args: &Args, argv: I) -> Result<serde_json::Value, Error>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let argv: Vec<_> = argv.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let command = argv[0].to_string_lossy().into_owned();
    let out = terraform(args, &argv)?;
    if out.stdout.len() > MAX_JSON_BYTES {
        return Err(Error::BadJson {
            command,
            detail: format!("more than {MAX_JSON_BYTES} bytes"),
        });
    }
    serde_json::from_slice(&out.stdout).map_err(|e| Error::BadJson {
        command,
        detail: e.to_string(),
    })
}

/// Terraform's diagnostics without their box drawing, bounded in length.
fn reason(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let text = if stderr.trim().is_empty() {
        String::from_utf8_lossy(&out.stdout)
    } else {
        stderr
    };
    let mut lines: Vec<&str> = text
        .lines()
        .map(|l| l.trim_start_matches(['│', '╷', '╵']).trim_end())
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect();
    while lines.first().is_some_and(|l| l.is_empty()) {
        lines.remove(0);
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    let mut reason = lines.join("\n");
    if reason.len() > MAX_REASON_BYTES {
        let mut cut = MAX_REASON_BYTES;
        while !reason.is_char_boundary(cut) {
            cut -= 1;
        }
        reason.truncate(cut);
        reason.push_str("\n…");
    }
    reason
}

/// Points each root-module resource at its block in the `.tf` files.
fn locate_all(dir: &Path, report: &mut Report) {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tf"))
        // Locations are a convenience: a file too large to be a hand-written module is skipped.
        .filter(|e| e.metadata().is_ok_and(|m| m.len() <= MAX_TF_FILE_BYTES))
        .filter_map(|e| {
            let text = std::fs::read_to_string(e.path()).ok()?;
            Some((e.file_name().to_string_lossy().into_owned(), text))
        })
        .collect();
    files.sort();
    for r in &mut report.drifted {
        if r.module.is_none() {
            r.location = report::locate(
                files.iter().map(|(f, t)| (f.as_str(), t.as_str())),
                &r.resource_type,
                &r.name,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::ExitStatusExt as _;

    use super::*;

    fn output(stderr: &str) -> Output {
        Output {
            status: std::process::ExitStatus::from_raw(1 << 8),
            stdout: Vec::new(),
            stderr: stderr.as_bytes().to_vec(),
        }
    }

    #[test]
    fn terraform_diagnostics_lose_their_box_drawing_but_keep_their_text() {
        let out = output(
            "\n╷\n│ Error: Read Namespace Error\n│ \n│   with data.x.y,\n│ \n│ no response from http://127.0.0.1:1\n╵\n",
        );
        assert_eq!(
            reason(&out),
            "Error: Read Namespace Error\n\n  with data.x.y,\n\nno response from http://127.0.0.1:1"
        );
    }

    #[test]
    fn long_reasons_are_cut_at_a_character_boundary() {
        let out = output(&"é".repeat(MAX_REASON_BYTES));
        let r = reason(&out);
        assert!(r.len() <= MAX_REASON_BYTES + "\n…".len() && r.ends_with('…'));
    }

    #[test]
    fn errors_render_in_every_format() {
        let e = Error::TerraformNotFound("terraform".into()).to_string();
        assert!(e.contains("--terraform"), "{e}");
        let github = render::error(&e, Format::Github);
        assert!(github.starts_with("::error title=Drift check failed::terraform was not found"));
        assert!(
            render::error("a\nb", Format::Github)
                .starts_with("::error title=Drift check failed::a%0Ab")
        );
    }
}
