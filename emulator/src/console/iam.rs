//! `/_emulator/console/iam`: dynamic groups and policies, each rule and statement as IAM
//! stored it and in the canonical form of the `oci-policy` grammar (what a semantic comparison
//! and the run IAM evaluator see).

use super::html::{Html, Markup, html};
use super::layout::{Section, frame, state_badge};
use crate::error::ApiError;
use crate::services::identity::api as iam;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;

/// The canonical text, or why the stored text does not parse (IAM refuses such text at
/// create, so this shows only for data written by an older emulator).
fn canonical(parsed: Result<String, oci_policy::ParseError>) -> Markup {
    let mut w = Html::new();
    match parsed {
        Ok(text) => html!(w, "<code class=\"wrap\">{}</code>", text),
        Err(e) => html!(
            w,
            "<span class=\"muted\">does not parse: {}</span>",
            e.to_string()
        ),
    }
    w.finish()
}

pub async fn page(State(state): State<AppState>) -> Result<Response, ApiError> {
    let state = &state;
    let mut w = Html::new();
    w.raw("<h2>Dynamic groups</h2><table><tr><th>Name</th><th>State</th><th>Matching rule (as stored)</th><th>Canonical form</th><th>Description</th><th>OCID</th></tr>");
    let groups = iam::dynamic_groups(state)?;
    for g in &groups {
        html!(
            w,
            "<tr><td class=\"wrap\">{}</td><td>{}</td><td><code class=\"wrap\">{}</code></td><td>{}</td><td class=\"wrap\">{}</td><td class=\"mono wrap\">{}</td></tr>",
            g.name,
            state_badge(&g.lifecycle_state),
            g.matching_rule,
            canonical(oci_policy::parse_matching_rule(&g.matching_rule).map(|r| r.canonical())),
            g.description,
            g.id
        );
    }
    if groups.is_empty() {
        w.raw("<tr><td colspan=\"6\" class=\"muted\">No dynamic groups.</td></tr>");
    }
    w.raw("</table><h2>Policies</h2>");
    let policies = iam::policies(state)?;
    if policies.is_empty() {
        w.raw("<p class=\"muted\">No policies.</p>");
    }
    for p in &policies {
        html!(
            w,
            "<h3 class=\"wrap\">{} {}</h3><dl class=\"facts\"><dt>Description</dt><dd>{}</dd><dt>Compartment</dt><dd class=\"mono\">{}</dd><dt>OCID</dt><dd class=\"mono\">{}</dd><dt>Created</dt><dd>{}</dd></dl>",
            p.name,
            state_badge(&p.lifecycle_state),
            p.description,
            p.compartment_id,
            p.id,
            p.time_created
        );
        w.raw("<table><tr><th>#</th><th>Statement (as stored)</th><th>Canonical form</th></tr>");
        for (i, s) in p.statements.iter().enumerate() {
            html!(
                w,
                "<tr><td class=\"num\">{}</td><td><code class=\"wrap\">{}</code></td><td>{}</td></tr>",
                i + 1,
                s,
                canonical(oci_policy::parse_statement(s).map(|s| s.canonical()))
            );
        }
        w.raw("</table>");
    }
    Ok(frame(
        Section::Iam,
        "IAM: dynamic groups and policies",
        false,
        w.finish(),
    ))
}
