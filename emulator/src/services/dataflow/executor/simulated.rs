//! The simulated executor's part in admitting a run: IAM is checked at create for the accesses
//! the simulation models (the application file and archive are read, the first argument is the
//! input, the second the output prefix, logs go to the logs bucket), and every simulated run's
//! driver log says that no Spark ran.

use super::super::exec_state::ExecPlan;
use super::super::run::effective_arguments;
use super::super::store::Outcome;
use super::super::validate::OciUri;
use super::super::wire::Run;
use super::authz::{self, Access, Verdict};
use super::runtime::Runtime;
use crate::error::ApiError;
use crate::state::AppState;

/// The accesses a simulated run makes: (permission, uri, purpose).
fn accesses(run: &Run) -> Vec<(&'static str, String, String)> {
    let mut out = vec![(
        "OBJECT_READ",
        run.file_uri.clone(),
        "application file".to_owned(),
    )];
    if let Some(a) = run.archive_uri.as_deref().filter(|a| !a.is_empty()) {
        out.push(("OBJECT_READ", a.to_owned(), "archive".to_owned()));
    }
    for (i, arg) in effective_arguments(run).into_iter().enumerate() {
        if arg.starts_with("oci://") {
            let (permission, purpose) = if i == 1 {
                ("OBJECT_CREATE", "output (argument 2)".to_owned())
            } else {
                ("OBJECT_READ", format!("input (argument {})", i + 1))
            };
            out.push((permission, arg, purpose));
        }
    }
    if let Some(l) = run.logs_bucket_uri.as_deref().filter(|l| !l.is_empty()) {
        out.push(("OBJECT_CREATE", l.to_owned(), "logs".to_owned()));
    }
    out
}

pub(super) fn admit(
    state: &AppState,
    rt: &Runtime,
    run: &Run,
    planned: Outcome,
    why: &str,
) -> Result<(Outcome, ExecPlan), ApiError> {
    let mut notes = vec![format!(
        "DataFlow emulator: executor simulated: no Spark was started ({why}); the output is an emulated placeholder"
    )];
    let mode = rt.iam_mode();
    let mut outcome = planned;
    for (permission, uri, purpose) in accesses(run) {
        let Ok(u) = OciUri::parse("uri", &uri) else {
            continue;
        };
        let access = Access {
            permission,
            namespace: &u.namespace,
            bucket: &u.bucket,
            purpose: &purpose,
        };
        match authz::check(state, mode, run, &access)? {
            Verdict::Allowed => {}
            Verdict::SoftDenied(note) => notes.push(note),
            Verdict::Denied(words) => {
                outcome = Outcome {
                    state: "FAILED",
                    details: Some(format!("{words} ({purpose} {uri})")),
                    traceback: None,
                };
                break;
            }
        }
    }
    Ok((
        outcome,
        ExecPlan {
            executor: "simulated",
            spark: false,
            notes,
        },
    ))
}
