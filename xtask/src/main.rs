//! The workspace's own commands, run from source through the `cargo xtask` alias
//! (`.cargo/config.toml`), so a fresh clone needs nothing installed but cargo and terraform:
//!
//! - `cargo xtask lab [--keep]`: the Data Flow lab end to end against a local emulator;
//! - `cargo xtask drift [ARGS]`: the drift check (`tf-drift`) for any Terraform root module;
//! - `cargo xtask docs`: regenerates `docs/` from the provider's schemas and `examples/`;
//! - `cargo xtask bench [WHAT]`: every figure of BENCHMARKS.md (release builds, this machine).

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xtask::{bench, docs, lab};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "ocilab's own commands")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Build the provider and the emulator, apply examples/dataflow-lab against a fresh emulator,
    /// summarise it, check for drift, destroy it.
    Lab {
        /// Leave the lab running and print terraform / oci commands to use it (until Ctrl-C).
        #[arg(long)]
        keep: bool,
    },
    /// Check a Terraform root module for drift: exit 0 none, 2 drift, 1 error (see tf-drift).
    Drift(tf_drift::Args),
    /// Regenerate docs/ (Terraform Registry layout) from the provider's schemas and examples/.
    Docs,
    /// Measure BENCHMARKS.md's figures: binary sizes, start time, refresh at scale, emulator
    /// throughput (builds the release binaries first).
    Bench {
        /// Which figures.
        #[arg(value_enum, default_value = "all")]
        what: bench::What,
        /// N for the refresh figures (N buckets and N policies each).
        #[arg(long, value_delimiter = ',', default_value = "10,100,1000")]
        n: Vec<usize>,
        /// Timed refreshing plans per N (the median is reported).
        #[arg(long, default_value_t = 3)]
        reps: usize,
        /// Measure the release binaries as they are, without `cargo build --release` first.
        #[arg(long)]
        no_build: bool,
        /// Measure the binaries in this directory instead of target/release (implies --no-build).
        #[arg(long)]
        bin_dir: Option<std::path::PathBuf>,
    },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Cmd::Lab { keep } => lab::main(keep),
        Cmd::Drift(args) => ExitCode::from(tf_drift::run(&args)),
        Cmd::Docs => docs::main(),
        Cmd::Bench {
            what,
            n,
            reps,
            no_build,
            bin_dir,
        } => bench::main(what, &n, reps, !no_build, bin_dir),
    }
}
