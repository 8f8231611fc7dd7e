//! `/_emulator/console/requests`: the request log (`GET /_emulator/requests`), newest first,
//! with the requests an injected fault rule answered marked.

use super::html::{Html, html};
use super::layout::{Section, frame};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;

/// Requests one page lists (the log keeps up to `state::REQUEST_LOG_CAPACITY`).
const PAGE_REQUESTS: usize = 500;

pub async fn page(State(state): State<AppState>) -> Result<Response, ApiError> {
    let log = state.requests();
    let faulted = log.iter().filter(|r| r.fault.is_some()).count();
    let mut w = Html::new();
    html!(
        w,
        "<p class=\"note\">{} requests logged ({} with an injected fault); the newest {} are listed. Control and console calls are not logged.</p>",
        log.len(),
        faulted,
        PAGE_REQUESTS.min(log.len())
    );
    w.raw("<table><tr><th>Time</th><th>Method</th><th>Path</th><th>Service</th><th>Operation</th><th>Status</th><th>Region</th><th>Injected fault</th></tr>");
    for r in log.iter().rev().take(PAGE_REQUESTS) {
        if r.fault.is_some() {
            w.raw("<tr class=\"fault\">");
        } else {
            w.raw("<tr>");
        }
        html!(
            w,
            "<td class=\"time\">{}</td><td>{}</td><td class=\"mono wrap\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td>",
            r.time,
            r.method,
            r.path,
            r.service,
            r.operation.unwrap_or("(no operation)"),
            r.status,
            r.region
        );
        match &r.fault {
            Some(f) => html!(w, "<td class=\"fault-mark\">⚡ {}</td></tr>", f),
            None => w.raw("<td></td></tr>"),
        }
    }
    if log.is_empty() {
        w.raw("<tr><td colspan=\"8\" class=\"muted\">No requests yet.</td></tr>");
    }
    w.raw("</table>");
    Ok(frame(Section::Requests, "Requests", false, w.finish()))
}
