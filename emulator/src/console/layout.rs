//! The page frame every console page shares (head, navigation, style sheet), the security
//! policy that goes with it, and small formatters for what pages show.

use super::html::{Href, Html, Markup, html};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// The only style sheet, inline; the Content-Security-Policy allows exactly this text (by
/// hash), so no injected `<style>` or `style=` attribute would apply.
const CSS: &str = "
:root { color-scheme: light; --fg: #1d2330; --muted: #5b6475; --line: #d9dee7; --bg: #f6f7f9;
  --accent: #2458b3; --ok: #1c7c3c; --bad: #b3261e; --warn: #8a5a00; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif;
  color: var(--fg); background: var(--bg); }
header { display: flex; align-items: center; gap: 24px; padding: 10px 24px; background: #1d2330; }
header a { color: #e8ecf3; text-decoration: none; }
header .brand { font-weight: 600; letter-spacing: .02em; }
header nav { display: flex; gap: 16px; }
header nav a.here { border-bottom: 2px solid #7fa8ff; }
main { padding: 16px 24px 40px; max-width: 1400px; }
h1 { font-size: 20px; margin: 8px 0 16px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
h3 { font-size: 14px; margin: 16px 0 6px; }
a { color: var(--accent); }
table { border-collapse: collapse; background: #fff; border: 1px solid var(--line); width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef1f6; font-weight: 600; white-space: nowrap; }
td.time { white-space: nowrap; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
code, pre, .mono { font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace; font-size: 12.5px; }
.wrap { overflow-wrap: anywhere; }
pre { background: #fff; border: 1px solid var(--line); padding: 8px; max-height: 420px; overflow: auto;
  white-space: pre-wrap; overflow-wrap: anywhere; margin: 4px 0 12px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; background: #fff;
  border: 1px solid var(--line); padding: 10px 12px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.state { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 12px; font-weight: 600;
  background: #e5e8ee; }
.state.ok { background: #d8f0df; color: var(--ok); }
.state.bad { background: #f8dcda; color: var(--bad); }
.state.busy { background: #fdf0d2; color: var(--warn); }
tr.fault td { background: #fff4e0; }
.fault-mark { color: var(--warn); font-weight: 600; }
.muted { color: var(--muted); }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 0 0 8px; }
.card { background: #fff; border: 1px solid var(--line); padding: 10px 14px; min-width: 150px;
  color: inherit; text-decoration: none; }
.card:hover { border-color: var(--accent); }
.card .n { font-size: 22px; font-weight: 600; }
.note { color: var(--muted); margin: 4px 0 8px; }
";

/// `default-src 'none'` and exceptions only for the page's own style sheet (by hash) and
/// images from the emulator (the icon): no script, frame, font, form or connection is allowed.
pub fn content_security_policy() -> String {
    static POLICY: LazyLock<String> = LazyLock::new(|| {
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(CSS));
        format!(
            "default-src 'none'; style-src 'sha256-{hash}'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        )
    });
    POLICY.clone()
}

/// The section of the navigation a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Overview,
    Storage,
    Iam,
    DataFlow,
    Requests,
}

const NAV: &[(Section, &str, &[&str])] = &[
    (Section::Overview, "Overview", &[]),
    (Section::Storage, "Object Storage", &["buckets"]),
    (Section::Iam, "IAM", &["iam"]),
    (Section::DataFlow, "Data Flow", &["dataflow"]),
    (Section::Requests, "Requests", &["requests"]),
];

/// A whole page. `refresh`: the page shows something still changing (a run ACCEPTED or
/// IN_PROGRESS) and reloads itself every two seconds.
pub fn frame(section: Section, title: &str, refresh: bool, body: Markup) -> Response {
    let mut w = Html::new();
    w.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    html!(w, "<title>{} · oci-emulator console</title>", title);
    w.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    if refresh {
        w.raw("<meta http-equiv=\"refresh\" content=\"2\">");
    }
    html!(
        w,
        "<link rel=\"icon\" href=\"{}\" type=\"image/svg+xml\"><style>",
        Href::console(&["favicon.svg"])
    );
    w.raw(CSS);
    html!(
        w,
        "</style></head><body><header><a class=\"brand\" href=\"{}\">oci-emulator console</a><nav>",
        Href::console(&[])
    );
    for (s, label, path) in NAV {
        if *s == section {
            html!(
                w,
                "<a class=\"here\" href=\"{}\">{}</a>",
                Href::console(path),
                label
            );
        } else {
            html!(w, "<a href=\"{}\">{}</a>", Href::console(path), label);
        }
    }
    html!(w, "</nav></header><main><h1 class=\"wrap\">{}</h1>", title);
    if refresh {
        w.raw("<p class=\"note\">A run is still in progress: this page reloads every 2 s.</p>");
    }
    html!(w, "{}</main></body></html>\n", body);
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        w.finish().into_string(),
    )
        .into_response()
}

/// The tab icon (an image from the emulator itself: `data:` URLs are not allowed).
pub async fn favicon() -> Response {
    const SVG: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\"><rect width=\"16\" height=\"16\" rx=\"3\" fill=\"#1d2330\"/><circle cx=\"8\" cy=\"8\" r=\"4\" fill=\"none\" stroke=\"#7fa8ff\" stroke-width=\"2\"/></svg>";
    ([(header::CONTENT_TYPE, "image/svg+xml")], SVG).into_response()
}

/// A lifecycle state as a coloured badge.
pub fn state_badge(state: &str) -> Markup {
    let mut w = Html::new();
    match state {
        "SUCCEEDED" | "ACTIVE" => html!(w, "<span class=\"state ok\">{}</span>", state),
        "FAILED" | "DELETED" | "CANCELED" | "STOPPED" => {
            html!(w, "<span class=\"state bad\">{}</span>", state)
        }
        "ACCEPTED" | "IN_PROGRESS" | "CANCELING" | "STOPPING" | "CREATING" | "DELETING" => {
            html!(w, "<span class=\"state busy\">{}</span>", state)
        }
        _ => html!(w, "<span class=\"state\">{}</span>", state),
    }
    w.finish()
}

/// `1536` → `1.5 KiB`; small sizes in bytes.
pub fn bytes(n: i64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64;
    let mut unit = "B";
    for u in UNITS {
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    format!("{v:.1} {unit}")
}

/// `83450` → `1 min 23.45 s`.
pub fn duration_ms(ms: i64) -> String {
    if ms < 1000 {
        return format!("{ms} ms");
    }
    let s = ms as f64 / 1000.0;
    if s < 60.0 {
        return format!("{s:.2} s");
    }
    let min = (s / 60.0).floor();
    format!("{min} min {:.2} s", s - min * 60.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_read_like_a_console() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(5 * 1024 * 1024), "5.0 MiB");
        assert_eq!(duration_ms(250), "250 ms");
        assert_eq!(duration_ms(1500), "1.50 s");
        assert_eq!(duration_ms(83_450), "1 min 23.45 s");
    }

    #[test]
    fn the_policy_allows_no_script_and_exactly_this_style_sheet() {
        let p = content_security_policy();
        assert!(p.starts_with("default-src 'none';"), "{p}");
        assert!(!p.contains("script-src") && !p.contains("unsafe"), "{p}");
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(CSS));
        assert!(p.contains(&format!("style-src 'sha256-{hash}'")), "{p}");
    }
}
