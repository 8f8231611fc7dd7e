//! `/_emulator/console`: the tenancy at a glance.

use super::dataflow::runs_table;
use super::html::{Href, Html, html};
use super::layout::{Section, bytes, frame, state_badge};
use crate::error::ApiError;
use crate::services::dataflow::api as dataflow;
use crate::services::identity::api as iam;
use crate::services::objectstorage::api as os;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;

/// How many of the latest runs the overview lists.
const RECENT_RUNS: usize = 10;

pub async fn page(State(state): State<AppState>) -> Result<Response, ApiError> {
    let state = &state;
    let id = state.identity();
    let buckets = os::buckets(state, &id.namespace)?;
    let groups = iam::dynamic_groups(state)?;
    let policies = iam::policies(state)?;
    let apps = dataflow::applications(state)?;
    let runs = dataflow::runs(state)?;
    let requests = state.requests();
    let faulted = requests.iter().filter(|r| r.fault.is_some()).count();

    let mut w = Html::new();
    w.raw("<div class=\"cards\">");
    let objects: i64 = buckets.iter().map(|b| b.object_count).sum();
    let size: i64 = buckets.iter().map(|b| b.total_size).sum();
    let live = |state: &str| state != "DELETED";
    let cards: [(&str, usize, String, Href); 5] = [
        (
            "Buckets",
            buckets.len(),
            format!("{objects} objects, {}", bytes(size)),
            Href::console(&["buckets"]),
        ),
        (
            "Dynamic groups",
            groups.iter().filter(|g| live(&g.lifecycle_state)).count(),
            format!(
                "{} policies",
                policies.iter().filter(|p| live(&p.lifecycle_state)).count()
            ),
            Href::console(&["iam"]),
        ),
        (
            "Applications",
            apps.iter().filter(|a| live(&a.lifecycle_state)).count(),
            format!("{} runs", runs.len()),
            Href::console(&["dataflow"]),
        ),
        (
            "Runs in progress",
            runs.iter().filter(|r| r.active).count(),
            format!(
                "{} succeeded, {} failed",
                runs.iter()
                    .filter(|r| r.run.lifecycle_state == "SUCCEEDED")
                    .count(),
                runs.iter()
                    .filter(|r| r.run.lifecycle_state == "FAILED")
                    .count()
            ),
            Href::console(&["dataflow"]),
        ),
        (
            "Requests logged",
            requests.len(),
            format!("{faulted} with an injected fault"),
            Href::console(&["requests"]),
        ),
    ];
    for (label, n, sub, href) in cards {
        html!(
            w,
            "<a class=\"card\" href=\"{}\"><div class=\"muted\">{}</div><div class=\"n\">{}</div><div class=\"muted\">{}</div></a>",
            href,
            label,
            n,
            sub
        );
    }
    w.raw("</div>");

    w.raw("<h2>Tenancy</h2><dl class=\"facts\">");
    for (k, v) in [
        ("Tenancy", id.tenancy_id.clone()),
        ("User", id.user_id.clone()),
        ("Namespace", id.namespace.clone()),
        ("Home region", id.region.clone()),
        ("API key fingerprint", id.fingerprint.clone()),
        ("OCI config file", id.config_file.display().to_string()),
    ] {
        html!(w, "<dt>{}</dt><dd class=\"mono\">{}</dd>", k, v);
    }
    w.raw("</dl>");

    w.raw("<h2>Emulator</h2><dl class=\"facts\">");
    let exec = dataflow::executor_info(state);
    html!(
        w,
        "<dt>Lifecycle delay</dt><dd>{} ms per transition</dd>",
        state.lifecycle_delay().whole_milliseconds() as i64
    );
    html!(
        w,
        "<dt>Data Flow executor</dt><dd>{}</dd><dt>Run IAM mode</dt><dd>{}</dd>",
        exec["description"].as_str().unwrap_or_default(),
        exec["iam_mode"].as_str().unwrap_or_default()
    );
    let rules = state.faults().list();
    html!(w, "<dt>Fault rules</dt><dd>{}", rules.len());
    for r in &rules {
        html!(
            w,
            "<div class=\"mono\">{} {} {}: {}{}</div>",
            r.service.as_deref().unwrap_or("any service"),
            r.operation.as_deref().unwrap_or("any operation"),
            r.method.as_deref().unwrap_or("any method"),
            r.describe(),
            match (r.count, r.probability) {
                (Some(n), _) => format!(" ({n} more times)"),
                (None, Some(p)) => format!(" (probability {p})"),
                (None, None) => String::new(),
            }
        );
    }
    w.raw("</dd></dl>");

    w.raw("<h2>Compartments</h2><table><tr><th>Name</th><th>OCID</th><th>Parent</th><th>State</th><th>Created</th></tr>");
    for c in state.all_compartments()? {
        let parent = if c.id == id.tenancy_id {
            String::new()
        } else {
            c.compartment_id.clone()
        };
        html!(
            w,
            "<tr><td class=\"wrap\">{}</td><td class=\"mono wrap\">{}</td><td class=\"mono wrap\">{}</td><td>{}</td><td>{}</td></tr>",
            c.name,
            c.id,
            parent,
            state_badge(&c.lifecycle_state),
            c.time_created
        );
    }
    w.raw("</table>");

    w.raw("<h2>Latest runs</h2>");
    let recent: Vec<&dataflow::RunView> = runs.iter().rev().take(RECENT_RUNS).collect();
    html!(w, "{}", runs_table(&recent, &apps));
    let refresh = runs.iter().any(|r| r.active);
    Ok(frame(Section::Overview, "Overview", refresh, w.finish()))
}
