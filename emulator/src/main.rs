//! `oci-emulator serve|config` — a thin front end over the `oci_emulator` library.

use clap::{Parser, Subcommand};
use oci_emulator::services::dataflow::executor::{ExecutorChoice, IamMode, Runtime, RuntimeConfig};
use oci_emulator::{AppState, Options};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "oci-emulator",
    version,
    about = "Local emulator of the OCI REST API (Object Storage, IAM, Data Flow)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the emulator. The first stdout line is the endpoint (or a JSON object with --json).
    Serve {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: SocketAddr,
        /// Directory for the SQLite database, object bodies, API key and OCI config file.
        #[arg(long)]
        data_dir: PathBuf,
        /// Print a JSON object (endpoint, config file, profile, ids, pid) as the first line.
        #[arg(long)]
        json: bool,
        /// Accept requests without verifying signatures (ad-hoc use only).
        #[arg(long)]
        insecure_no_auth: bool,
        /// Duration of each lifecycle transition in milliseconds (at most one day).
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(0..=86_400_000))]
        lifecycle_ms: u64,
        /// Region for the config file and OCIDs (first start only).
        #[arg(long, default_value = "us-ashburn-1")]
        region: String,
        /// Allow listening on a non-loopback address.
        #[arg(long)]
        allow_non_loopback: bool,
        /// Data Flow executor: `spark` runs applications with a local Apache Spark (Java 17+
        /// and pyspark needed), `simulated` only emulates them, `auto` picks spark when found.
        #[arg(long, default_value = "auto", value_parser = ["auto", "spark", "simulated"])]
        executor: String,
        /// Python interpreter that can `import pyspark` (default `python3`).
        #[arg(long, env = "OCI_EMULATOR_SPARK_PYTHON")]
        spark_python: Option<PathBuf>,
        /// Spark master for runs: `local[N]`, or `spark://host:port` / `k8s://...` of an
        /// existing cluster for jobs that outgrow one machine.
        #[arg(long, default_value = "local[2]")]
        spark_master: String,
        /// Spark runs executing at once; further runs wait in ACCEPTED.
        #[arg(long, default_value_t = 1)]
        spark_max_concurrent: usize,
        /// Driver memory of each Spark run (`--driver-memory`).
        #[arg(long, default_value = "1g")]
        spark_driver_memory: String,
        /// How Data Flow runs' IAM is applied: `enforce` (denied access fails the run),
        /// `soft` (allowed, recorded), `off`.
        #[arg(long, default_value = "enforce", value_parser = ["enforce", "soft", "off"])]
        run_iam: String,
    },
    /// Print the OCI config file of a data dir (bootstrapping it if needed).
    Config {
        #[arg(long)]
        data_dir: PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("OCI_EMULATOR_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .init();
    match Cli::parse().command {
        Command::Config { data_dir } => {
            let state = AppState::open(&data_dir, Options::default())?;
            print!("{}", state.identity().config_text());
            Ok(())
        }
        Command::Serve {
            listen,
            data_dir,
            json,
            insecure_no_auth,
            lifecycle_ms,
            region,
            allow_non_loopback,
            executor,
            spark_python,
            spark_master,
            spark_max_concurrent,
            spark_driver_memory,
            run_iam,
        } => {
            if let Some(warning) = exposure_warning(listen, allow_non_loopback)? {
                eprintln!("{warning}");
            }
            if insecure_no_auth {
                eprintln!(
                    "WARNING: --insecure-no-auth: request signatures are NOT verified; anyone who can reach {listen} can change emulator state"
                );
            }
            let runtime = Runtime::new(RuntimeConfig {
                executor: match executor.as_str() {
                    "spark" => ExecutorChoice::Spark,
                    "simulated" => ExecutorChoice::Simulated,
                    _ => ExecutorChoice::Auto,
                },
                python: spark_python,
                master: spark_master,
                max_concurrent: spark_max_concurrent,
                driver_memory: spark_driver_memory,
                iam_mode: IamMode::parse(&run_iam).unwrap_or(IamMode::Enforce),
            })?;
            eprintln!(
                "oci-emulator: Data Flow executor: {}; run IAM: {}",
                runtime.describe(),
                run_iam
            );
            let executor_kind = if runtime.is_spark() {
                "spark"
            } else {
                "simulated"
            };
            let mut options = Options {
                region,
                insecure_no_auth,
                lifecycle_delay: time::Duration::milliseconds(i64::try_from(lifecycle_ms)?),
                ..Options::default()
            };
            options.extensions.insert(runtime);
            let state = AppState::open(&data_dir, options)?;
            let orphans = state.remove_orphan_blobs()?;
            if orphans > 0 {
                tracing::info!(orphans, "removed body files no object refers to");
            }
            let shutdown = shutdown_signal()?;
            let listener = tokio::net::TcpListener::bind(listen).await?;
            let endpoint = format!("http://{}", listener.local_addr()?);
            let mut out = std::io::stdout().lock();
            if json {
                let id = state.identity();
                let line = serde_json::json!({
                    "endpoint": endpoint,
                    "config_file": id.config_file,
                    "profile": "EMULATOR",
                    "region": id.region,
                    "namespace": id.namespace,
                    "tenancy_id": id.tenancy_id,
                    "user_id": id.user_id,
                    "fingerprint": id.fingerprint,
                    "key_file": id.key_file,
                    "pid": std::process::id(),
                    "dataflow_executor": executor_kind,
                });
                writeln!(out, "{line}")?;
            } else {
                writeln!(out, "{endpoint}")?;
            }
            out.flush()?;
            drop(out);
            oci_emulator::serve(listener, state, shutdown).await?;
            Ok(())
        }
    }
}

/// Refuse a non-loopback address unless allowed; when allowed, the loud warning to print.
fn exposure_warning(listen: SocketAddr, allowed: bool) -> anyhow::Result<Option<String>> {
    if listen.ip().is_loopback() {
        return Ok(None);
    }
    if !allowed {
        anyhow::bail!(
            "--listen {listen} is not a loopback address; pass --allow-non-loopback to really expose the emulator"
        );
    }
    // Signatures still protect the OCI API, but the control API has no authentication at all:
    // whoever reaches the port can reset or dump every resource and inject faults.
    Ok(Some(format!(
        "WARNING: --allow-non-loopback: listening on {listen}, reachable from other machines.\n\
         WARNING: the control API under /_emulator/ is UNAUTHENTICATED: anyone who can reach \
         this address can reset, dump and rewrite emulator state and inject faults."
    )))
}

/// Resolves on SIGTERM or SIGINT. The handlers are installed when this is *called* (not when
/// first polled), so a signal sent right after the endpoint line is printed is not lost to the
/// default action.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {},
                _ = int.recv() => {},
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::exposure_warning;

    #[test]
    fn the_lifecycle_flag_range_matches_the_control_api() {
        use clap::Parser;
        let max = oci_emulator::state::MAX_LIFECYCLE_DELAY.whole_milliseconds();
        let parse = |ms: String| {
            super::Cli::try_parse_from([
                "oci-emulator",
                "serve",
                "--data-dir",
                "/x",
                "--lifecycle-ms",
                &ms,
            ])
        };
        assert!(parse(max.to_string()).is_ok());
        assert!(parse((max + 1).to_string()).is_err());
    }

    #[test]
    fn non_loopback_is_refused_unless_allowed_and_then_warns_about_the_control_api() {
        let lo = "127.0.0.1:0".parse().unwrap();
        assert!(exposure_warning(lo, false).unwrap().is_none());
        assert!(exposure_warning(lo, true).unwrap().is_none());
        let any = "0.0.0.0:4599".parse().unwrap();
        let e = exposure_warning(any, false).unwrap_err().to_string();
        assert!(e.contains("not a loopback address"), "{e}");
        let w = exposure_warning(any, true).unwrap().expect("a warning");
        assert!(w.starts_with("WARNING"), "{w}");
        assert!(w.contains("0.0.0.0:4599"), "{w}");
        assert!(
            w.contains("/_emulator/") && w.contains("UNAUTHENTICATED"),
            "{w}"
        );
    }
}
