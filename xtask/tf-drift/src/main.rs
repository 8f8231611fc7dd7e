//! `tf-drift [--chdir DIR] [--format text|json|github] [--init] [-- PLAN ARGS]`: exits 0 when
//! nothing drifted, 2 when something did, 1 when the check could not be made.

use std::process::ExitCode;

use clap::Parser;

/// Checks a Terraform root module for drift (a refresh-only plan), attribute by attribute.
#[derive(Parser)]
#[command(
    name = "tf-drift",
    version,
    after_help = "Exit status: 0 nothing drifted, 2 something drifted, 1 the check could not be made."
)]
struct Cli {
    #[command(flatten)]
    args: tf_drift::Args,
}

fn main() -> ExitCode {
    ExitCode::from(tf_drift::run(&Cli::parse().args))
}
