//! `/_emulator/console/dataflow…`: applications, runs, and one run in full (timeline, details,
//! Object Storage locations with their objects, driver logs, IAM decisions).

use super::html::{Href, Html, Markup, html};
use super::layout::{Section, bytes, duration_ms, frame, state_badge};
use super::storage::objects_table;
use crate::error::ApiError;
use crate::services::dataflow::api::{self as dataflow, Application, RunView};
use crate::services::objectstorage::api as os;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;

/// Objects listed under each location of a run.
const LOCATION_OBJECTS: usize = 50;

fn app_name<'a>(apps: &'a [Application], id: &str) -> &'a str {
    apps.iter()
        .find(|a| a.id == id)
        .map_or("(deleted application)", |a| a.display_name.as_str())
}

/// The runs table of the overview, the Data Flow page and an application's page.
pub fn runs_table(runs: &[&RunView], apps: &[Application]) -> Markup {
    let mut w = Html::new();
    w.raw("<table><tr><th>Run</th><th>Application</th><th>State</th><th>Details</th><th>Created</th><th>Duration</th><th>Read</th><th>Written</th></tr>");
    for v in runs {
        let r = &v.run;
        html!(
            w,
            "<tr><td class=\"wrap\"><a href=\"{}\">{}</a></td><td class=\"wrap\"><a href=\"{}\">{}</a></td><td>{}</td><td class=\"wrap\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            Href::console(&["dataflow", "runs", &r.id]),
            r.display_name,
            Href::console(&["dataflow", "applications", &r.application_id]),
            app_name(apps, &r.application_id),
            state_badge(&r.lifecycle_state),
            r.lifecycle_details.as_deref().unwrap_or(""),
            r.time_created,
            duration_ms(r.run_duration_in_milliseconds),
            bytes(r.data_read_in_bytes),
            bytes(r.data_written_in_bytes)
        );
    }
    if runs.is_empty() {
        w.raw("<tr><td colspan=\"8\" class=\"muted\">No runs.</td></tr>");
    }
    w.raw("</table>");
    w.finish()
}

pub async fn page(State(state): State<AppState>) -> Result<Response, ApiError> {
    let apps = dataflow::applications(&state)?;
    let runs = dataflow::runs(&state)?;
    let mut w = Html::new();
    w.raw("<h2>Applications</h2><table><tr><th>Application</th><th>State</th><th>Language</th><th>Spark</th><th>File</th><th>Runs</th><th>Created</th></tr>");
    for a in &apps {
        html!(
            w,
            "<tr><td class=\"wrap\"><a href=\"{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td class=\"mono wrap\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            Href::console(&["dataflow", "applications", &a.id]),
            a.display_name,
            state_badge(&a.lifecycle_state),
            a.language,
            a.spark_version,
            a.file_uri,
            runs.iter().filter(|r| r.run.application_id == a.id).count(),
            a.time_created
        );
    }
    if apps.is_empty() {
        w.raw("<tr><td colspan=\"7\" class=\"muted\">No applications.</td></tr>");
    }
    w.raw("</table><h2>Runs</h2>");
    let newest_first: Vec<&RunView> = runs.iter().rev().collect();
    html!(w, "{}", runs_table(&newest_first, &apps));
    let refresh = runs.iter().any(|r| r.active);
    Ok(frame(Section::DataFlow, "Data Flow", refresh, w.finish()))
}

/// `<dt>k</dt><dd>v</dd>` rows of a facts list; rows with nothing to show are left out.
fn facts(rows: &[(&str, Markup)]) -> Markup {
    let mut w = Html::new();
    w.raw("<dl class=\"facts\">");
    for (k, v) in rows.iter().filter(|(_, v)| !v.as_str().is_empty()) {
        html!(w, "<dt>{}</dt><dd>{}</dd>", k, v);
    }
    w.raw("</dl>");
    w.finish()
}

fn text(s: &str) -> Markup {
    let mut w = Html::new();
    html!(w, "{}", s);
    w.finish()
}

fn mono(s: &str) -> Markup {
    if s.is_empty() {
        return Markup::default();
    }
    let mut w = Html::new();
    html!(w, "<span class=\"mono\">{}</span>", s);
    w.finish()
}

fn list(items: &[String]) -> Markup {
    let mut w = Html::new();
    for i in items {
        html!(w, "<div class=\"mono\">{}</div>", i);
    }
    w.finish()
}

pub async fn application(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let a = dataflow::application(&state, &id)?;
    let apps = dataflow::applications(&state)?;
    let runs = dataflow::runs(&state)?;
    let mine: Vec<&RunView> = runs
        .iter()
        .rev()
        .filter(|r| r.run.application_id == a.id)
        .collect();
    let params: Vec<String> = a
        .parameters
        .iter()
        .map(|p| format!("{} = {}", p.name, p.value))
        .collect();
    let config: Vec<String> = a
        .configuration
        .iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect();
    let mut w = Html::new();
    html!(
        w,
        "{}",
        facts(&[
            ("OCID", mono(&a.id)),
            ("State", state_badge(&a.lifecycle_state)),
            ("Description", text(a.description.as_deref().unwrap_or(""))),
            ("Compartment", mono(&a.compartment_id)),
            (
                "Language",
                text(&format!("{} (Spark {})", a.language, a.spark_version))
            ),
            ("File", mono(&a.file_uri)),
            ("Archive", mono(a.archive_uri.as_deref().unwrap_or(""))),
            ("Class", mono(a.class_name.as_deref().unwrap_or(""))),
            ("Arguments", list(&a.arguments)),
            ("Parameters", list(&params)),
            ("Configuration", list(&config)),
            (
                "Logs bucket",
                mono(a.logs_bucket_uri.as_deref().unwrap_or(""))
            ),
            (
                "Shapes",
                text(&format!(
                    "driver {}, {} × executor {}",
                    a.driver_shape, a.num_executors, a.executor_shape
                ))
            ),
            ("Created", text(&a.time_created)),
            ("Updated", text(&a.time_updated)),
        ])
    );
    w.raw("<h2>Runs</h2>");
    html!(w, "{}", runs_table(&mine, &apps));
    let title = format!("Application {}", a.display_name);
    let refresh = mine.iter().any(|r| r.active);
    Ok(frame(Section::DataFlow, &title, refresh, w.finish()))
}

pub async fn run(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let v = dataflow::run(&state, &id)?;
    let r = &v.run;
    let apps = dataflow::applications(&state)?;
    let mut app_link = Html::new();
    html!(
        app_link,
        "<a href=\"{}\">{}</a>",
        Href::console(&["dataflow", "applications", &r.application_id]),
        app_name(&apps, &r.application_id)
    );
    let params: Vec<String> = r
        .parameters
        .iter()
        .map(|p| format!("{} = {}", p.name, p.value))
        .collect();
    let mut details = Html::new();
    html!(
        details,
        "<pre>{}</pre>",
        r.lifecycle_details.as_deref().unwrap_or("")
    );
    let mut w = Html::new();
    html!(
        w,
        "{}",
        facts(&[
            ("OCID", mono(&r.id)),
            ("Application", app_link.finish()),
            ("State", state_badge(&r.lifecycle_state)),
            (
                "Lifecycle details",
                if r.lifecycle_details.is_some() {
                    details.finish()
                } else {
                    text("")
                }
            ),
            (
                "Duration",
                text(&duration_ms(r.run_duration_in_milliseconds))
            ),
            ("Data read", text(&bytes(r.data_read_in_bytes))),
            ("Data written", text(&bytes(r.data_written_in_bytes))),
            (
                "Language",
                text(&format!("{} (Spark {})", r.language, r.spark_version))
            ),
            ("File", mono(&r.file_uri)),
            ("Arguments", list(&r.arguments)),
            ("Parameters", list(&params)),
            (
                "Logs bucket",
                mono(r.logs_bucket_uri.as_deref().unwrap_or(""))
            ),
            ("Compartment", mono(&r.compartment_id)),
            ("Created", text(&r.time_created)),
            ("Updated", text(&r.time_updated)),
        ])
    );

    w.raw("<h2>State timeline</h2><table><tr><th>State</th><th>Entered</th><th>For</th></tr>");
    for (i, step) in v.timeline.iter().enumerate() {
        let until = v.timeline.get(i + 1).map(|n| n.at.as_str());
        let took = until
            .zip(Some(step.at.as_str()))
            .and_then(|(b, a)| {
                Some(
                    (crate::clock::parse_rfc3339(b)? - crate::clock::parse_rfc3339(a)?)
                        .whole_milliseconds() as i64,
                )
            })
            .map(duration_ms)
            .unwrap_or_default();
        html!(
            w,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            state_badge(step.state),
            step.at,
            took
        );
    }
    w.raw("</table>");

    html!(w, "{}", decisions(&state, &r.id)?);
    html!(w, "{}", locations(&state, r)?);

    w.raw("<h2>Driver logs</h2>");
    let logs = dataflow::logs(&state, &r.id)?;
    if logs.is_empty() {
        w.raw("<p class=\"muted\">No logs yet: a run's logs are written when it ends.</p>");
    }
    for log in &logs {
        html!(
            w,
            "<h3 class=\"mono wrap\">{}</h3><p class=\"note\">{} {}, {} gzipped</p><pre>{}</pre>",
            log.name,
            log.source,
            log.kind,
            bytes(log.size_in_bytes),
            log.text
        );
        if log.truncated {
            html!(
                w,
                "<p class=\"note\">Only the first {} are shown (GetRunLog has the whole log).</p>",
                bytes(dataflow::MAX_LOG_TEXT as i64)
            );
        }
    }

    let title = format!("Run {}", r.display_name);
    Ok(frame(Section::DataFlow, &title, v.active, w.finish()))
}

/// The run's `oci://` locations, each with the objects under it (outputs, inputs, logs).
fn locations(state: &AppState, run: &dataflow::Run) -> Result<Markup, ApiError> {
    let ns = &state.identity().namespace;
    let mut w = Html::new();
    w.raw("<h2>Objects the run names</h2><p class=\"note\">The objects under each <code>oci://</code> argument (parameters substituted) and under the run's logs prefix, as Object Storage holds them now.</p>");
    let locations = dataflow::locations(run);
    if locations.is_empty() {
        w.raw("<p class=\"muted\">The run names no Object Storage location.</p>");
    }
    for l in locations {
        let uri = format!("oci://{}@{}/{}", l.bucket, l.namespace, l.prefix);
        if l.namespace != *ns || os::bucket_facts(state, ns, &l.bucket)?.is_none() {
            html!(
                w,
                "<h3>{}: <code class=\"wrap\">{}</code></h3><p class=\"muted\">No such bucket in this emulator.</p>",
                l.role,
                uri
            );
            continue;
        }
        let (objects, more) = os::objects(state, ns, &l.bucket, &l.prefix, LOCATION_OBJECTS)?;
        html!(
            w,
            "<h3>{}: <a class=\"mono wrap\" href=\"{}\">{}</a></h3>{}",
            l.role,
            Href::console(&["buckets", &l.bucket]).query("prefix", &l.prefix),
            uri,
            objects_table(&l.bucket, &objects)
        );
        if more {
            html!(
                w,
                "<p class=\"note\">Only the first {} are listed; the link shows them all.</p>",
                LOCATION_OBJECTS
            );
        }
    }
    Ok(w.finish())
}

/// The IAM decisions recorded for the run: which statement allowed each access, or why none
/// did.
fn decisions(state: &AppState, run_id: &str) -> Result<Markup, ApiError> {
    let mut w = Html::new();
    w.raw("<h2>IAM decisions</h2>");
    let records = dataflow::decisions(state, Some(run_id))?;
    if records.is_empty() {
        html!(
            w,
            "<p class=\"muted\">None recorded (run IAM mode is {} now; in mode off nothing is evaluated).</p>",
            dataflow::executor_info(state)["iam_mode"]
                .as_str()
                .unwrap_or_default()
        );
        return Ok(w.finish());
    }
    w.raw("<table><tr><th>Time</th><th>For</th><th>Permission</th><th>Bucket</th><th>Decision</th><th>Why</th><th>Matched dynamic groups</th></tr>");
    for d in &records {
        let verdict = match (d.allowed, d.enforced) {
            (true, _) => state_badge_text("allowed", "ok"),
            (false, true) => state_badge_text("denied", "bad"),
            (false, false) => {
                state_badge_text(&format!("denied ({} mode: allowed)", d.mode), "busy")
            }
        };
        let mut why = Html::new();
        match &d.allowed_by {
            Some(by) => html!(
                why,
                "policy <b>{}</b>, statement {}: <code class=\"wrap\">{}</code>",
                by["policy"].as_str().unwrap_or_default(),
                by["statement_index"]
                    .as_u64()
                    .map(|i| i + 1)
                    .unwrap_or_default(),
                by["statement"].as_str().unwrap_or_default()
            ),
            None => html!(why, "{}", d.explanation),
        }
        html!(
            w,
            "<tr><td class=\"time\">{}</td><td>{}</td><td class=\"mono\">{}</td><td class=\"wrap\">{}</td><td>{}</td><td class=\"wrap\">{}</td><td class=\"wrap\">{}</td></tr>",
            d.time,
            d.purpose,
            d.permission,
            d.bucket,
            verdict,
            why.finish(),
            d.matched_dynamic_groups.join(", ")
        );
    }
    w.raw("</table>");
    Ok(w.finish())
}

fn state_badge_text(label: &str, class: &'static str) -> Markup {
    let mut w = Html::new();
    match class {
        "ok" => html!(w, "<span class=\"state ok\">{}</span>", label),
        "bad" => html!(w, "<span class=\"state bad\">{}</span>", label),
        _ => html!(w, "<span class=\"state busy\">{}</span>", label),
    }
    w.finish()
}
