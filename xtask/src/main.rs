//! The workspace's own commands, run from source through the `cargo xtask` alias
//! (`.cargo/config.toml`), so a fresh clone needs nothing installed but cargo and terraform:
//!
//! - `cargo xtask lab [--keep]`: the Data Flow lab end to end against a local emulator;
//! - `cargo xtask drift [ARGS]`: the drift check (`tf-drift`) for any Terraform root module;
//! - `cargo xtask docs`: regenerates `docs/` from the provider's schemas and `examples/`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xtask::{docs, lab};

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
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Cmd::Lab { keep } => lab::main(keep),
        Cmd::Drift(args) => ExitCode::from(tf_drift::run(&args)),
        Cmd::Docs => docs::main(),
    }
}
