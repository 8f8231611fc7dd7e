//! The three output formats: text for people, JSON for scripts, and GitHub Actions workflow
//! commands (`::error file=…,line=…::…`) so drift shows up as annotations on the pull request.

use std::fmt::Write as _;

use serde_json::{Value, json};
use similar::{ChangeTag, TextDiff};

use crate::diff::AttributeChange;
use crate::report::{DriftKind, DriftedResource, Report};

/// Output format (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Human-readable report.
    #[default]
    Text,
    /// One JSON document (`{"drift": bool, "checked": n, "resources": [...]}` or `{"error": ...}`).
    Json,
    /// GitHub Actions workflow commands (one annotation per drifted resource) plus the text report.
    Github,
}

/// Renders a finished check.
pub fn report(report: &Report, format: Format) -> String {
    match format {
        Format::Text => text(report),
        Format::Json => {
            let doc = json!({
                "drift": report.has_drift(),
                "checked": report.checked,
                "resources": report.drifted,
            });
            serde_json::to_string_pretty(&doc).expect("a report serialises") + "\n"
        }
        Format::Github => {
            let mut out = String::new();
            for r in &report.drifted {
                let mut props = String::new();
                if let Some(loc) = &r.location {
                    let _ = write!(
                        props,
                        "file={},line={},",
                        escape_property(&loc.file),
                        loc.line
                    );
                }
                let _ = write!(
                    props,
                    "title={}",
                    escape_property(&format!("Drift: {}", r.address))
                );
                let _ = writeln!(
                    out,
                    "::error {props}::{}",
                    escape_data(resource_body(r).trim_end())
                );
            }
            out + &text(report)
        }
    }
}

/// Renders a failed check (the reason, in the format asked for).
pub fn error(message: &str, format: Format) -> String {
    match format {
        Format::Text => format!("drift check failed: {message}\n"),
        Format::Json => {
            serde_json::to_string_pretty(&json!({ "error": message })).expect("serialises") + "\n"
        }
        Format::Github => format!(
            "::error title=Drift check failed::{}\ndrift check failed: {message}\n",
            escape_data(message)
        ),
    }
}

fn text(report: &Report) -> String {
    if !report.has_drift() {
        return format!(
            "No drift: the {} managed resource(s) in the state match the real infrastructure.\n",
            report.checked
        );
    }
    let mut out = format!(
        "Drift: {} of {} managed resource(s) changed outside Terraform.\n",
        report.drifted.len(),
        report.checked
    );
    for r in &report.drifted {
        let sign = match r.kind {
            DriftKind::Changed => '~',
            DriftKind::Deleted => '-',
        };
        let at = r
            .location
            .as_ref()
            .map(|l| format!(" ({}:{})", l.file, l.line))
            .unwrap_or_default();
        let _ = writeln!(out, "\n{sign} {}{at}", r.address);
        for line in resource_body(r).lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
    out
}

/// The lines describing one resource's drift (without its address).
fn resource_body(r: &DriftedResource) -> String {
    let mut out = String::new();
    if r.kind == DriftKind::Deleted {
        return "deleted outside Terraform (the next apply would create it again)".into();
    }
    for c in &r.attributes {
        attribute(&mut out, c);
    }
    if !r.computed.is_empty() {
        let _ = writeln!(
            out,
            "(also changed, set by the provider: {})",
            r.computed.join(", ")
        );
    }
    out
}

fn attribute(out: &mut String, c: &AttributeChange) {
    if c.sensitive {
        let _ = writeln!(out, "{}: (sensitive value changed)", c.path);
        return;
    }
    let before = shown(&c.before);
    let after = shown(&c.after);
    let short = |v: &Value, s: &str| !v.as_str().is_some_and(|v| v.contains('\n')) && s.len() <= 60;
    if short(&c.before, &before) && short(&c.after, &after) {
        let _ = writeln!(out, "{}: {before} → {after}", c.path);
        return;
    }
    // Long or multi-line values: a line diff, so a reviewer sees what changed inside them.
    let _ = writeln!(out, "{}:", c.path);
    let before = multiline(&c.before);
    let after = multiline(&c.after);
    for change in TextDiff::from_lines(&before, &after).iter_all_changes() {
        let sign = match change.tag() {
            ChangeTag::Delete => '-',
            ChangeTag::Insert => '+',
            ChangeTag::Equal => ' ',
        };
        let _ = writeln!(out, "  {sign} {}", change.value().trim_end_matches('\n'));
    }
}

/// A value as one line: JSON, with `(absent)` for null.
fn shown(v: &Value) -> String {
    if v.is_null() {
        "(absent)".into()
    } else {
        v.to_string()
    }
}

/// A value as lines for a line diff: strings raw, everything else as pretty JSON.
fn multiline(v: &Value) -> String {
    let mut s = match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => serde_json::to_string_pretty(other).expect("serialises"),
    };
    if !s.is_empty() && !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// Escaping of a workflow command's message (GitHub's `toCommandValue` rules).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of a workflow command's property value (also `:` and `,`).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Location;

    fn sample() -> Report {
        Report {
            checked: 4,
            drifted: vec![DriftedResource {
                address: "t_bucket.lab[\"input\"]".into(),
                module: None,
                resource_type: "t_bucket".into(),
                name: "lab".into(),
                kind: DriftKind::Changed,
                attributes: vec![
                    AttributeChange {
                        path: "versioning".into(),
                        attribute: "versioning".into(),
                        before: json!("Disabled"),
                        after: json!("Enabled"),
                        sensitive: false,
                    },
                    AttributeChange {
                        path: "script".into(),
                        attribute: "script".into(),
                        before: json!("a\nb\nc\n"),
                        after: json!("a\nB\nc\n"),
                        sensitive: false,
                    },
                ],
                computed: vec!["etag".into()],
                location: Some(Location {
                    file: "main.tf".into(),
                    line: 12,
                }),
            }],
        }
    }

    #[test]
    fn text_names_each_attribute_with_its_change() {
        let out = report(&sample(), Format::Text);
        assert!(out.starts_with("Drift: 1 of 4"), "{out}");
        assert!(
            out.contains("~ t_bucket.lab[\"input\"] (main.tf:12)"),
            "{out}"
        );
        assert!(
            out.contains("versioning: \"Disabled\" → \"Enabled\""),
            "{out}"
        );
        assert!(
            out.contains("- b\n") && out.contains("+ B\n") && out.contains("    a\n"),
            "{out}"
        );
        assert!(out.contains("set by the provider: etag"), "{out}");
    }

    #[test]
    fn github_annotations_point_at_the_block_and_escape_their_text() {
        let out = report(&sample(), Format::Github);
        let first = out.lines().next().unwrap();
        assert!(
            first.starts_with(
                "::error file=main.tf,line=12,title=Drift%3A t_bucket.lab[\"input\"]::versioning: "
            ),
            "{first}"
        );
        assert!(first.contains("%0A"), "multi-line message escaped: {first}");
        assert!(
            out.contains("\nDrift: 1 of 4"),
            "text report follows: {out}"
        );
    }

    #[test]
    fn json_is_a_document_scripts_can_read() {
        let doc: Value = serde_json::from_str(&report(&sample(), Format::Json)).unwrap();
        assert_eq!(doc["drift"], true);
        assert_eq!(doc["resources"][0]["attributes"][0]["path"], "versioning");
        assert_eq!(doc["resources"][0]["location"]["line"], 12);
        let err: Value = serde_json::from_str(&error("no terraform", Format::Json)).unwrap();
        assert_eq!(err["error"], "no terraform");
    }

    #[test]
    fn a_clean_report_says_so() {
        let clean = Report {
            checked: 3,
            drifted: vec![],
        };
        assert!(report(&clean, Format::Text).starts_with("No drift: the 3 managed"));
    }
}
