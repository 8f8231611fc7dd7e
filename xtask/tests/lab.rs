//! `cargo xtask lab` as the README's first command runs it (minus `cargo build`: the binaries
//! are already built for tests): every step says what it does and how long it took, the run
//! ran on the real Spark with IAM enforced and its result is reported (state, Parquet rows,
//! driver logs, peak memory), the summary
//! names everything in the state, the drift check is clean, the commands printed for `--keep`
//! work when pasted into a shell, and destroy leaves the emulator empty.

use std::path::Path;
use std::process::Command;

use xtask::lab::{Options, up};

#[test]
fn lab_comes_up_summarises_is_drift_free_pastes_and_goes_down_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = Options {
        root: Path::new(env!("CARGO_MANIFEST_DIR")).join(".."),
        dir: tmp.path().join("lab"),
        build: false,
    };
    let mut out = Vec::new();
    let lab = up(&opts, &mut out)
        .unwrap_or_else(|e| panic!("lab failed: {e}\n{}", String::from_utf8_lossy(&out)));
    let text = String::from_utf8(out).unwrap();

    for step in [
        "==> Local Spark for Data Flow runs",
        "==> Starting the OCI emulator",
        "==> terraform apply",
        "==> The runs: what Spark really did",
        "==> terraform plan: nothing left to change",
        "==> Summary",
        "==> Drift check",
    ] {
        let after = text
            .split(step)
            .nth(1)
            .unwrap_or_else(|| panic!("no step {step:?} in:\n{text}"));
        let timing = after
            .lines()
            .find(|l| l.trim_start().starts_with("done in "));
        assert!(
            timing.is_some_and(|l| l.trim_end().ends_with('s')),
            "{step}: {text}"
        );
    }
    assert!(text.contains("No drift: the "), "{text}");

    // The lab's run ran on the real Spark with IAM enforced, and its result is reported as the
    // emulator measured it: the lab's CSV has 4 orders of at least 10.
    assert!(
        text.contains("Data Flow runs: executor spark, run IAM enforce"),
        "{text}"
    );
    let run = text
        .split("==> The runs: what Spark really did")
        .nth(1)
        .unwrap();
    assert!(
        run.contains("    Run dataflow-sales-etl-run: SUCCEEDED"),
        "{run}"
    );
    assert!(
        run.contains("Parquet rows: 4 (decoded with pyarrow)"),
        "{run}"
    );
    assert!(
        run.contains("spark_driver_stderr.log.gz, spark_driver_stdout.log.gz"),
        "{run}"
    );
    assert!(run.contains("Peak memory (RSS) of the emulator"), "{run}");

    // The summary names every resource the state holds, whatever the example contains.
    let listed = Command::new(tfplugin::testing::terraform_path())
        .args(["state", "list"])
        .current_dir(lab.work_dir())
        .envs(lab.env())
        .output()
        .unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    let managed: Vec<&str> = listed.lines().filter(|l| !l.starts_with("data.")).collect();
    assert!(managed.len() >= 5, "{listed}");
    assert!(
        text.contains(&format!("Created {} resources:", managed.len())),
        "{text}"
    );
    for address in &managed {
        assert!(
            text.contains(address),
            "{address} missing from the summary:\n{text}"
        );
    }
    assert!(
        text.contains("Outputs:") && text.contains("Objects in the emulator ("),
        "{text}"
    );

    // --keep's Terraform commands, pasted as printed, run against the lab and see no changes.
    let mut printed = Vec::new();
    lab.print_commands(&mut printed);
    let printed = String::from_utf8(printed).unwrap();
    let terraform_part = printed
        .split("# Terraform\n")
        .nth(1)
        .and_then(|s| s.split("# OCI CLI").next())
        .unwrap_or_else(|| panic!("no Terraform commands in:\n{printed}"));
    let script: Vec<&str> = terraform_part
        .lines()
        .map(str::trim)
        // The drift line runs cargo, which is busy running this test.
        .filter(|l| !l.is_empty() && !l.contains("cargo xtask"))
        .collect();
    let pasted = Command::new("bash")
        .arg("-euc")
        .arg(script.join("\n"))
        .env_remove("TF_CLI_CONFIG_FILE")
        .output()
        .unwrap();
    let pasted_out = String::from_utf8_lossy(&pasted.stdout);
    assert!(
        pasted.status.success() && pasted_out.contains("No changes."),
        "{script:?}\n{pasted_out}\n{}",
        String::from_utf8_lossy(&pasted.stderr)
    );
    assert!(
        printed.contains(" os object list --bucket-name "),
        "{printed}"
    );
    assert!(printed.contains("/_emulator/console\n"), "{printed}");

    let mut out = Vec::new();
    let result = lab.down(&mut out);
    let text = String::from_utf8(out).unwrap();
    result.unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(
        text.contains("==> Checking that nothing is left in the emulator"),
        "{text}"
    );
}
