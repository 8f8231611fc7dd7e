//! Terraform SIGKILLed in the middle of a lab apply, at ten fixed points: right after the k-th
//! write the emulator answered (k = 1..=9: every create of the lab, so the kill lands between a
//! resource's creation and Terraform recording it), and once while the apply waits for the run.
//! Each time the next `terraform apply` must converge, after adding exactly the imports its
//! diagnostics print (buckets and IAM: names are unique, the create gets 409); nothing may be created twice (applications and runs are re-sent with the create
//! journal's retry token and replayed, see provider/src/create_journal.rs); and destroy must
//! leave the emulator empty.
//!
//! The kill takes Terraform's whole process group (Terraform and the provider it started), as a
//! crashed CI runner or machine would: nothing of the killed apply keeps running.

use std::process::Stdio;
use std::time::{Duration, Instant};

use acceptance_tests::{Emulator, Env, LoggedRequest, TfOutput, created_names, lab_resource_names};

/// A condition on the emulator's state or request log.
type Condition = Box<dyn Fn(&Emulator) -> bool>;

/// Where to kill.
struct KillPoint {
    what: String,
    /// An operation whose answer the emulator holds for a while after committing it, so the
    /// kill certainly lands between the create and Terraform hearing of it.
    held: Option<&'static str>,
    reached: Condition,
}

fn after_write(k: usize) -> KillPoint {
    KillPoint {
        what: format!("after write #{k}"),
        held: None,
        reached: Box::new(move |e: &Emulator| {
            e.requests()
                .iter()
                .filter(|r| r.is_mutating() && r.status.is_some_and(|s| s < 300))
                .count()
                >= k
        }),
    }
}

/// Killed while `op`'s resource (dump key `kind`) is committed and its answer held.
fn created_unanswered(op: &'static str, kind: &'static str) -> KillPoint {
    KillPoint {
        what: format!("{op} committed, unanswered"),
        held: Some(op),
        reached: Box::new(move |e: &Emulator| {
            e.dump()[kind].as_array().is_some_and(|a| !a.is_empty())
        }),
    }
}

/// The ten points, in a fixed order: after each of the first seven writes (buckets, objects,
/// IAM, in Terraform's order), between the application's and the run's create and their
/// answers, and while the apply waits for the run.
fn kill_points() -> Vec<KillPoint> {
    let mut points: Vec<KillPoint> = (1..=7).map(after_write).collect();
    points.push(created_unanswered("CreateApplication", "applications"));
    points.push(created_unanswered("CreateRun", "runs"));
    points.push(KillPoint {
        what: "while waiting for the run".to_owned(),
        held: None,
        reached: Box::new(|e: &Emulator| {
            e.requests()
                .iter()
                .any(|r| r.operation.as_deref() == Some("GetRun"))
        }),
    });
    points
}

const APPLY: [&str; 4] = ["apply", "-input=false", "-no-color", "-auto-approve"];

/// Starts `terraform apply` in its own process group and SIGKILLs the group once `point` is
/// reached. Returns false when the apply ended before that.
fn apply_killed_at(env: &Env, point: &KillPoint) -> bool {
    use std::os::unix::process::CommandExt;
    if let Some(op) = point.held {
        env.emulator.add_fault(serde_json::json!(
            {"operation": op, "latency_ms": 1500, "after": true, "count": 1}
        ));
    }
    let mut child = env
        .wd
        .command(&APPLY)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start terraform apply");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().expect("terraform status").is_some() {
            return false;
        }
        if (point.reached)(&env.emulator) {
            let group = format!("-{}", child.id());
            let killed = std::process::Command::new("kill")
                .args(["-KILL", "--", &group])
                .status()
                .expect("run kill");
            assert!(killed.success(), "kill -KILL {group}");
            child.wait().expect("reap terraform");
            // From here on the log holds what the next commands send. (A held answer is never
            // logged: its connection is gone, so the emulator drops the request after commit.)
            env.emulator.clear_requests();
            return true;
        }
        assert!(
            Instant::now() < deadline,
            "{} not reached within the deadline",
            point.what
        );
        // Poll interval of the wait on the request log (the condition is what synchronises).
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// `(address, id)` of every import the diagnostics of `out` ask for. The provider prints
/// `terraform import <type>.<name> <id>` and the same as an `import` block; the address is the
/// one Terraform names in that diagnostic (`with <address>,`).
fn requested_imports(out: &TfOutput) -> Vec<(String, String)> {
    let text = out.combined();
    text.split("Error: ")
        .skip(1)
        .filter_map(|block| {
            let lines: Vec<&str> = block
                .lines()
                .map(|l| l.trim_start_matches(['│', ' ']))
                .collect();
            let address = lines
                .iter()
                .find_map(|l| l.strip_prefix("with "))?
                .trim_end_matches(',');
            let command = lines
                .iter()
                .find_map(|l| l.strip_prefix("terraform import "))?;
            let (placeholder, id) = command.split_once(' ')?;
            let type_name = placeholder.strip_suffix(".<name>")?;
            assert!(
                address.starts_with(&format!("{type_name}.")),
                "the import command's type {type_name} is the resource's: {address}"
            );
            let block_id = lines
                .iter()
                .find_map(|l| l.strip_prefix("id = "))
                .map(|v| v.trim().trim_matches('"'));
            assert_eq!(
                block_id,
                Some(id.trim()),
                "the import block says the same:\n{block}"
            );
            assert!(
                lines.contains(&format!("to = {type_name}.<name>").as_str()),
                "{block}"
            );
            Some((address.to_owned(), id.trim().to_owned()))
        })
        .collect()
}

/// Applies until green, adding the `import` blocks the diagnostics print (with the address
/// Terraform named; `terraform import` itself cannot run here: it evaluates the lab's locals,
/// which index bucket instances that are not in state yet). Returns what was imported.
fn converge(env: &Env, context: &str) -> Vec<(String, String)> {
    let mut imported: Vec<(String, String)> = Vec::new();
    for _ in 0..4 {
        let out = env.wd.try_apply();
        if out.success() {
            // The blocks did their work; the configuration is the lab's again.
            let _ = std::fs::remove_file(env.wd.path().join("imports.tf"));
            return imported;
        }
        let requested = requested_imports(&out);
        assert!(
            !requested.is_empty(),
            "{context}: the apply failed without an import to run:\n{}",
            out.combined()
        );
        imported.extend(requested);
        let blocks: String = imported
            .iter()
            .map(|(to, id)| format!("import {{\n  to = {to}\n  id = \"{id}\"\n}}\n"))
            .collect();
        env.wd.write_file("imports.tf", &blocks);
    }
    panic!("{context}: no convergence after four applies (imported {imported:?})");
}

#[test]
fn a_lab_apply_killed_at_ten_points_converges_without_duplicates_or_orphans() {
    let env = Env::lab();
    env.emulator.set_lifecycle_delay_ms(10);
    let started = Instant::now();
    let mut replayed = Vec::new();
    for point in kill_points() {
        let context = format!("killed {}", point.what);
        assert!(
            apply_killed_at(&env, &point),
            "{context}: the apply finished before the kill point"
        );
        let imported = converge(&env, &context);
        env.assert_plans_empty(&context);
        assert_eq!(
            created_names(&env.emulator.dump()),
            lab_resource_names(),
            "{context}: every resource exactly once (imported {imported:?})"
        );
        let log = env.emulator.requests();
        let sent = |op: &str| {
            log.iter()
                .filter(|r| r.operation.as_deref() == Some(op) && r.status == Some(200))
                .count()
        };
        // Sent again after the kill, yet one resource: replayed (or never made before).
        let resent: Vec<&str> = ["CreateApplication", "CreateRun"]
            .into_iter()
            .filter(|op| sent(op) > 0)
            .collect();
        if let Some(op) = point.held {
            assert!(resent.contains(&op), "{context}: {op} was re-sent");
            replayed.push(format!("{op} ({context})"));
        }
        env.wd.destroy();
        env.assert_nothing_left();
        eprintln!(
            "{context}: imported {:?}, sent after the kill {resent:?}",
            imported.iter().map(|(a, _)| a).collect::<Vec<_>>()
        );
        // The next scenario starts from an empty emulator and an empty state.
        env.emulator.reset();
        env.emulator.set_lifecycle_delay_ms(10);
    }
    assert_eq!(
        replayed,
        [
            "CreateApplication (killed CreateApplication committed, unanswered)",
            "CreateRun (killed CreateRun committed, unanswered)"
        ],
        "a create killed before its answer is re-sent and replayed"
    );
    eprintln!(
        "ten interrupted applies in {:.1} s; replayed: {replayed:?}",
        started.elapsed().as_secs_f64()
    );
}

/// The journal's token is only reused while OCI honours it: killed after the application's
/// create, the application then deleted out of band, the next apply's re-sent create gets 409
/// `InvalidatedRetryToken` and is sent again with a fresh token (a new application, not an
/// error). And a plain destroy-then-apply of the same configuration creates new resources.
#[test]
fn a_journal_token_whose_resource_was_deleted_falls_back_to_a_fresh_create() {
    let env = Env::lab();
    env.emulator.set_lifecycle_delay_ms(10);
    assert!(apply_killed_at(
        &env,
        &created_unanswered("CreateApplication", "applications")
    ));
    let dump = env.emulator.dump();
    let first = dump["applications"][0]["id"].as_str().unwrap().to_owned();
    env.oci(async |c| c.delete_application(&first, None).await.unwrap());
    converge(&env, "application deleted out of band");
    let creates: Vec<Option<u16>> = env
        .emulator
        .requests()
        .iter()
        .filter(|r| r.operation.as_deref() == Some("CreateApplication"))
        .map(|r| r.status)
        .collect();
    assert_eq!(
        creates,
        [Some(409), Some(200)],
        "after the kill: the replay refused, then a fresh create"
    );
    let app_id = || {
        env.wd
            .resource_values("oci_dataflow_application.sales_etl")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let id = app_id();
    assert_ne!(id, first, "a new application");

    env.wd.destroy();
    env.wd.apply();
    let again = app_id();
    assert!(
        again != id && again != first,
        "destroy then apply creates anew"
    );
    env.wd.destroy();
    env.assert_nothing_left();
}

/// The pids whose parent is `pid` (from /proc).
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|p| {
            std::fs::read_to_string(format!("/proc/{p}/stat"))
                .ok()
                .and_then(|s| {
                    // `pid (comm) state ppid …`: comm may hold spaces, so split after the ')'.
                    let rest = s.rsplit_once(')')?.1.to_owned();
                    rest.split_whitespace().nth(1)?.parse::<u32>().ok()
                })
                == Some(pid)
        })
        .collect()
}

/// Only Terraform SIGKILLed (as `kill -9 <terraform>` does): its provider must not live on as an
/// orphan still working on the apply; it notices its parent is gone and exits.
#[test]
fn a_provider_whose_terraform_was_killed_exits() {
    let env = Env::lab();
    // Long lifecycles: the apply is still waiting on resources when Terraform is killed.
    env.emulator.set_lifecycle_delay_ms(5_000);
    let mut child = env
        .wd
        .command(&APPLY)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start terraform apply");
    let deadline = Instant::now() + Duration::from_secs(60);
    let providers = loop {
        let log = env.emulator.requests();
        let providers = children_of(child.id());
        if log.iter().any(LoggedRequest::is_mutating) && !providers.is_empty() {
            break providers;
        }
        assert!(Instant::now() < deadline, "the apply never started writing");
        assert!(child.try_wait().unwrap().is_none(), "the apply ended early");
        std::thread::sleep(Duration::from_millis(5));
    };
    child.kill().expect("SIGKILL terraform");
    child.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let alive = |p: &u32| std::path::Path::new(&format!("/proc/{p}")).exists();
    while providers.iter().any(alive) {
        assert!(
            Instant::now() < deadline,
            "provider processes {providers:?} outlived Terraform by 10 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
