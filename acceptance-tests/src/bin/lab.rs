//! The lab, end to end, with no cloud account: `cargo run -p acceptance-tests --bin lab`.
//!
//! Builds the provider and the emulator, starts the emulator with a fresh data directory under
//! `.lab/`, applies `examples/dataflow-lab` with the real `terraform` binary through a
//! `dev_overrides` CLI configuration (the way a provider developer runs a local build), proves
//! that a second plan is empty, and destroys everything again. `--keep` leaves the lab up until
//! Ctrl-C so you can look around with the OCI CLI or terraform yourself.

use std::path::Path;
use std::process::{Command, ExitCode};

use acceptance_tests::{Emulator, copy_dir, workspace_binary};

fn main() -> ExitCode {
    let keep = std::env::args().any(|a| a == "--keep");
    match run(keep) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("lab failed: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(keep: bool) -> Result<(), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf();
    step("building the provider and the emulator");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    status(Command::new(cargo).current_dir(&root).args([
        "build",
        "-p",
        "terraform-provider-oci",
        "-p",
        "oci-emulator",
        "--bins",
    ]))?;
    let provider = workspace_binary("terraform-provider-oci");

    let lab = root.join(".lab");
    let _ = std::fs::remove_dir_all(&lab);
    let work = lab.join("work");
    copy_dir(&root.join("examples/dataflow-lab"), &work)
        .map_err(|e| format!("copying the example: {e}"))?;

    step("starting the OCI emulator");
    let emulator = Emulator::start(&lab.join("emulator"));
    println!(
        "    endpoint {}  config {}",
        emulator.endpoint(),
        emulator.info.config_file.display()
    );

    // dev_overrides: terraform uses the freshly built binary with no registry, no init, no lock.
    let rc = lab.join("terraform.rc");
    std::fs::write(
        &rc,
        format!(
            "provider_installation {{\n  dev_overrides {{\n    \"ocilab/oci\" = {:?}\n  }}\n  direct {{}}\n}}\n",
            provider.parent().expect("binary dir").display().to_string()
        ),
    )
    .map_err(|e| e.to_string())?;

    let terraform = tfplugin::testing::terraform_path();
    let tf = |args: &[&str]| {
        let mut cmd = Command::new(&terraform);
        cmd.current_dir(&work)
            .args(args)
            .env("TF_CLI_CONFIG_FILE", &rc)
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .env("OCI_CONFIG_FILE", &emulator.info.config_file)
            .env("TF_VAR_compartment_ocid", &emulator.info.tenancy_id)
            .env("TF_VAR_config_file_profile", &emulator.info.profile)
            .env("TF_VAR_oci_endpoint", emulator.endpoint());
        cmd
    };

    step("terraform apply");
    status(tf(&["apply", "-input=false", "-auto-approve"]).arg("-no-color"))?;

    step("terraform plan: nothing may have drifted");
    let code = tf(&["plan", "-input=false", "-no-color", "-detailed-exitcode"])
        .status()
        .map_err(|e| e.to_string())?
        .code();
    if code != Some(0) {
        return Err(format!(
            "the plan after apply was not empty (exit code {code:?})"
        ));
    }

    let dump = emulator.dump();
    let objects: Vec<String> = dump["objects"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| {
            format!(
                "{}/{} ({} bytes)",
                o["bucket"].as_str().unwrap_or("?"),
                o["name"].as_str().unwrap_or("?"),
                o["size"]
            )
        })
        .collect();
    println!("    the emulator now holds: {}", objects.join(", "));

    if keep {
        println!(
            "\nThe lab is up. In another shell:\n  cd {}\n  export TF_CLI_CONFIG_FILE={} OCI_CONFIG_FILE={}\n  \
             export TF_VAR_compartment_ocid={} TF_VAR_config_file_profile={} TF_VAR_oci_endpoint={}\n  \
             terraform plan\n  oci --config-file $OCI_CONFIG_FILE --profile {} --endpoint {} os bucket list --compartment-id {}\n\
             Press Ctrl-C to stop the emulator (its data stays in {}).",
            work.display(),
            rc.display(),
            emulator.info.config_file.display(),
            emulator.info.tenancy_id,
            emulator.info.profile,
            emulator.endpoint(),
            emulator.info.profile,
            emulator.endpoint(),
            emulator.info.tenancy_id,
            lab.join("emulator").display(),
        );
        wait_for_ctrl_c();
        return Ok(());
    }

    step("terraform destroy");
    status(&mut tf(&[
        "destroy",
        "-input=false",
        "-auto-approve",
        "-no-color",
    ]))?;
    let left = emulator.leftovers();
    if !left.is_empty() {
        return Err(format!("left behind after destroy: {left:?}"));
    }
    step("done: applied, verified no drift, destroyed, nothing left behind");
    Ok(())
}

fn step(what: &str) {
    println!("\n==> {what}");
}

fn status(cmd: &mut Command) -> Result<(), String> {
    let st = cmd.status().map_err(|e| format!("{cmd:?}: {e}"))?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("{:?} exited with {st}", cmd.get_program()))
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
