//! Attribute-level differences between the values Terraform recorded for a resource and the
//! values a refresh read back, as `terraform show -json` gives them (`before` / `after`, plus the
//! `before_sensitive` / `after_sensitive` masks of the same shape).
//!
//! Lists are compared with a sequence diff (`similar`), not index by index: a statement inserted
//! at the top of a policy is one added element, not "every statement changed".

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;
use similar::{Algorithm, DiffOp, capture_diff_slices};

/// One changed value inside a resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttributeChange {
    /// Terraform-style path: `versioning`, `freeform_tags.lab`, `statements[1]`,
    /// `retention_rules[0].duration`, `metadata["content-type"]`.
    pub path: String,
    /// The top-level attribute the path starts in (what a schema or a reviewer knows).
    pub attribute: String,
    /// The recorded value; `null` when the value was added (or is sensitive).
    pub before: Value,
    /// The refreshed value; `null` when the value was removed (or is sensitive).
    pub after: Value,
    /// The value is sensitive: it changed, and neither side is shown.
    pub sensitive: bool,
}

#[derive(Debug, Clone)]
enum Segment {
    Key(String),
    Index(usize),
}

/// Every changed leaf between `before` and `after` (objects key by key, lists as sequences).
pub fn changes(
    before: &Value,
    after: &Value,
    before_sensitive: &Value,
    after_sensitive: &Value,
) -> Vec<AttributeChange> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    walk(
        Sides {
            before,
            after,
            before_mask: before_sensitive,
            after_mask: after_sensitive,
        },
        &mut path,
        &mut out,
    );
    out
}

#[derive(Clone, Copy)]
struct Sides<'a> {
    before: &'a Value,
    after: &'a Value,
    before_mask: &'a Value,
    after_mask: &'a Value,
}

static NULL: Value = Value::Null;
static SENSITIVE: Value = Value::Bool(true);

/// The part of a sensitivity mask that covers `segment` (`true` covers everything below it).
fn sub_mask<'a>(mask: &'a Value, segment: &Segment) -> &'a Value {
    match (mask, segment) {
        (Value::Bool(true), _) => &SENSITIVE,
        (Value::Object(m), Segment::Key(k)) => m.get(k).unwrap_or(&NULL),
        (Value::Array(a), Segment::Index(i)) => a.get(*i).unwrap_or(&NULL),
        _ => &NULL,
    }
}

fn sub<'a>(value: &'a Value, segment: &Segment) -> &'a Value {
    match (value, segment) {
        (Value::Object(m), Segment::Key(k)) => m.get(k).unwrap_or(&NULL),
        (Value::Array(a), Segment::Index(i)) => a.get(*i).unwrap_or(&NULL),
        _ => &NULL,
    }
}

fn walk(s: Sides<'_>, path: &mut Vec<Segment>, out: &mut Vec<AttributeChange>) {
    if s.before == s.after {
        return;
    }
    if s.before_mask == &SENSITIVE || s.after_mask == &SENSITIVE {
        out.push(change(path, &NULL, &NULL, true));
        return;
    }
    match (s.before, s.after) {
        (Value::Object(b), Value::Object(a)) => {
            let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
            for key in keys {
                descend(
                    s,
                    Segment::Key(key.clone()),
                    Segment::Key(key.clone()),
                    path,
                    out,
                );
            }
        }
        (Value::Array(b), Value::Array(a)) => diff_lists(s, b, a, path, out),
        _ => out.push(change(path, s.before, s.after, false)),
    }
}

/// Walks into element `old` of the before side and `new` of the after side, at path `new`.
fn descend(
    s: Sides<'_>,
    old: Segment,
    new: Segment,
    path: &mut Vec<Segment>,
    out: &mut Vec<AttributeChange>,
) {
    let inner = Sides {
        before: sub(s.before, &old),
        after: sub(s.after, &new),
        before_mask: sub_mask(s.before_mask, &old),
        after_mask: sub_mask(s.after_mask, &new),
    };
    path.push(new);
    walk(inner, path, out);
    path.pop();
}

fn diff_lists(
    s: Sides<'_>,
    before: &[Value],
    after: &[Value],
    path: &mut Vec<Segment>,
    out: &mut Vec<AttributeChange>,
) {
    // Compare elements by their canonical JSON text, which is equal exactly when the values are.
    let old: Vec<String> = before.iter().map(Value::to_string).collect();
    let new: Vec<String> = after.iter().map(Value::to_string).collect();
    for op in capture_diff_slices(Algorithm::Myers, &old, &new) {
        match op {
            DiffOp::Equal { .. } => {}
            DiffOp::Delete {
                old_index, old_len, ..
            } => {
                for i in old_index..old_index + old_len {
                    removed(s, i, path, out);
                }
            }
            DiffOp::Insert {
                new_index, new_len, ..
            } => {
                for j in new_index..new_index + new_len {
                    added(s, j, path, out);
                }
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                // Pair replaced elements up so a changed field inside an element is named.
                let paired = old_len.min(new_len);
                for k in 0..paired {
                    descend(
                        s,
                        Segment::Index(old_index + k),
                        Segment::Index(new_index + k),
                        path,
                        out,
                    );
                }
                for i in old_index + paired..old_index + old_len {
                    removed(s, i, path, out);
                }
                for j in new_index + paired..new_index + new_len {
                    added(s, j, path, out);
                }
            }
        }
    }
}

fn removed(s: Sides<'_>, i: usize, path: &mut Vec<Segment>, out: &mut Vec<AttributeChange>) {
    let seg = Segment::Index(i);
    let sensitive = sub_mask(s.before_mask, &seg) == &SENSITIVE;
    path.push(seg.clone());
    let value = if sensitive {
        &NULL
    } else {
        sub(s.before, &seg)
    };
    out.push(change(path, value, &NULL, sensitive));
    path.pop();
}

fn added(s: Sides<'_>, j: usize, path: &mut Vec<Segment>, out: &mut Vec<AttributeChange>) {
    let seg = Segment::Index(j);
    let sensitive = sub_mask(s.after_mask, &seg) == &SENSITIVE;
    path.push(seg.clone());
    let value = if sensitive { &NULL } else { sub(s.after, &seg) };
    out.push(change(path, &NULL, value, sensitive));
    path.pop();
}

fn change(path: &[Segment], before: &Value, after: &Value, sensitive: bool) -> AttributeChange {
    AttributeChange {
        path: render_path(path),
        attribute: match path.first() {
            Some(Segment::Key(k)) => k.clone(),
            _ => String::new(),
        },
        before: before.clone(),
        after: after.clone(),
        sensitive,
    }
}

fn render_path(path: &[Segment]) -> String {
    let mut s = String::new();
    for (n, seg) in path.iter().enumerate() {
        match seg {
            Segment::Key(k) if is_identifier(k) => {
                if n > 0 {
                    s.push('.');
                }
                s.push_str(k);
            }
            Segment::Key(k) => {
                s.push('[');
                s.push_str(&Value::String(k.clone()).to_string());
                s.push(']');
            }
            Segment::Index(i) => {
                s.push('[');
                s.push_str(&i.to_string());
                s.push(']');
            }
        }
    }
    s
}

fn is_identifier(k: &str) -> bool {
    let mut chars = k.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn paths(before: Value, after: Value) -> Vec<String> {
        changes(&before, &after, &json!({}), &json!({}))
            .into_iter()
            .map(|c| c.path)
            .collect()
    }

    #[test]
    fn scalar_and_nested_changes_are_named_by_path() {
        assert_eq!(
            paths(
                json!({"versioning": "Disabled", "name": "a", "tags": {"lab": "x", "a b": "1"}}),
                json!({"versioning": "Enabled", "name": "a", "tags": {"lab": "y", "a b": "2"}}),
            ),
            ["tags[\"a b\"]", "tags.lab", "versioning"]
        );
    }

    #[test]
    fn an_inserted_list_element_is_one_addition() {
        let c = changes(
            &json!({"statements": ["allow a", "allow b"]}),
            &json!({"statements": ["allow z", "allow a", "allow b"]}),
            &json!({}),
            &json!({}),
        );
        assert_eq!(c.len(), 1, "{c:?}");
        assert_eq!(c[0].path, "statements[0]");
        assert_eq!(c[0].attribute, "statements");
        assert_eq!(
            (&c[0].before, &c[0].after),
            (&Value::Null, &json!("allow z"))
        );
    }

    #[test]
    fn a_changed_list_element_names_the_field_inside_it() {
        assert_eq!(
            paths(
                json!({"rules": [{"name": "r", "days": 1}], "arguments": ["--in", "a", "--out", "b"]}),
                json!({"rules": [{"name": "r", "days": 2}], "arguments": ["--in", "c", "--out", "b"]}),
            ),
            ["arguments[1]", "rules[0].days"]
        );
    }

    #[test]
    fn sensitive_values_are_never_copied_into_the_report() {
        let c = changes(
            &json!({"content": "old secret", "list": ["s1"]}),
            &json!({"content": "new secret", "list": ["s2"]}),
            &json!({"content": true, "list": [true]}),
            &json!({"content": true, "list": [true]}),
        );
        assert_eq!(c.len(), 2, "{c:?}");
        assert!(
            c.iter()
                .all(|c| c.sensitive && c.before.is_null() && c.after.is_null())
        );
        assert!(!format!("{c:?}").contains("secret"));
    }

    #[test]
    fn equal_values_give_no_changes() {
        assert!(
            paths(
                json!({"a": [1, {"b": null}]}),
                json!({"a": [1, {"b": null}]})
            )
            .is_empty()
        );
    }
}
