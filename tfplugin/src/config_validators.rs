//! Resource-level configuration validators: rules between attributes, declared on the schema
//! with [`crate::schema::SchemaBuilder::config_validator`] (or on a nested block with
//! [`crate::schema::BlockBuilder::config_validator`], where they check each element). The
//! framework runs them in `ValidateResourceConfig` after the attribute validators; each problem
//! is an attribute error at the path of the attribute concerned.
//!
//! An attribute counts as *set* when it is not null (a nested list or set block: when it has an
//! element). Unknown values (that depend on other resources) may still turn out either way, so a
//! rule that would need them to decide says nothing.
//!
//! ```
//! use tfplugin::{Schema, Value, config_validators as cv};
//! #[derive(serde::Serialize, serde::Deserialize, schemars::JsonSchema, Default)]
//! struct ObjectState { content: Value<String>, source: Value<String> }
//! let schema = Schema::builder::<ObjectState>()
//!     .attribute("content", |a| a.optional())
//!     .attribute("source", |a| a.optional())
//!     .config_validator(
//!         cv::conflicts_with(&["content", "source"])
//!             .detail("Set either content (inline data) or source (a local file path), not both."),
//!     )
//!     .build();
//! # let _ = schema;
//! ```

use std::fmt;
use std::sync::Arc;

use crate::cty::Val;
use crate::diagnostics::{AttributePath, Diagnostics};

/// A rule over one object (the resource configuration, or one nested block element).
pub trait ConfigValidator: Send + Sync {
    /// A sentence for documentation and the generated schema JSON.
    fn description(&self) -> String;
    /// The attribute and block names the rule refers to, checked at schema build time.
    fn names(&self) -> Vec<String>;
    /// Appends attribute errors for `object` (found at `path`).
    fn validate(&self, object: &Val, path: &AttributePath, diags: &mut Diagnostics);
}

impl fmt::Debug for dyn ConfigValidator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.description())
    }
}

/// Whether a value is set: `Some(true)` set, `Some(false)` not set, `None` not known yet.
fn is_set(v: &Val) -> Option<bool> {
    match v {
        Val::Null => Some(false),
        Val::Unknown => None,
        Val::List(items) if items.is_empty() => Some(false),
        _ => Some(true),
    }
}

fn list(names: &[String]) -> String {
    names.join(", ")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    ConflictsWith,
    ExactlyOneOf,
    AtLeastOneOf,
    RequiredWith,
    /// `subject` is the block, `names[0]` the key attribute.
    UniqueKey,
}

/// A stock validator; refine its message with [`Self::summary`] and [`Self::detail`].
pub struct AttributeRule {
    rule: Rule,
    /// For `RequiredWith`: the attribute that needs the others; for `UniqueKey`: the block.
    subject: Option<String>,
    names: Vec<String>,
    summary: Option<String>,
    detail: Option<String>,
}

impl AttributeRule {
    fn new(rule: Rule, subject: Option<&str>, names: &[&str]) -> Self {
        Self {
            rule,
            subject: subject.map(str::to_string),
            names: names.iter().map(|s| (*s).to_string()).collect(),
            summary: None,
            detail: None,
        }
    }

    /// Replaces the diagnostic summary.
    #[must_use]
    pub fn summary(mut self, summary: &str) -> Self {
        self.summary = Some(summary.to_string());
        self
    }

    /// Replaces the diagnostic detail (say what to do). For [`unique_key`], `{value}` stands
    /// for the repeated value, quoted.
    #[must_use]
    pub fn detail(mut self, detail: &str) -> Self {
        self.detail = Some(detail.to_string());
        self
    }

    fn report(&self, diags: &mut Diagnostics, path: AttributePath, summary: &str, detail: String) {
        diags.attribute_error(
            path,
            self.summary.as_deref().unwrap_or(summary),
            self.detail.clone().unwrap_or(detail),
        );
    }
}

/// At most one of `names` may be set. Reported at each set attribute after the first.
pub fn conflicts_with(names: &[&str]) -> AttributeRule {
    AttributeRule::new(Rule::ConflictsWith, None, names)
}

/// Exactly one of `names` must be set. None set: reported at the first name; several: at each
/// set attribute after the first.
pub fn exactly_one_of(names: &[&str]) -> AttributeRule {
    AttributeRule::new(Rule::ExactlyOneOf, None, names)
}

/// At least one of `names` must be set; reported at the first name.
pub fn at_least_one_of(names: &[&str]) -> AttributeRule {
    AttributeRule::new(Rule::AtLeastOneOf, None, names)
}

/// When `name` is set, every one of `others` must be set too; reported at `name`.
pub fn required_with(name: &str, others: &[&str]) -> AttributeRule {
    AttributeRule::new(Rule::RequiredWith, Some(name), others)
}

impl ConfigValidator for AttributeRule {
    fn description(&self) -> String {
        let n = list(&self.names);
        match self.rule {
            Rule::ConflictsWith => format!("at most one of: {n}"),
            Rule::ExactlyOneOf => format!("exactly one of: {n}"),
            Rule::AtLeastOneOf => format!("at least one of: {n}"),
            Rule::RequiredWith => format!(
                "{} requires: {n}",
                self.subject.as_deref().unwrap_or_default()
            ),
            Rule::UniqueKey => format!(
                "{} elements have unique {n}",
                self.subject.as_deref().unwrap_or_default()
            ),
        }
    }

    fn names(&self) -> Vec<String> {
        match self.rule {
            // The key is an attribute of the block's elements, not of this object.
            Rule::UniqueKey => self.subject.iter().cloned().collect(),
            _ => {
                let mut v = self.names.clone();
                v.extend(self.subject.clone());
                v
            }
        }
    }

    fn validate(&self, object: &Val, path: &AttributePath, diags: &mut Diagnostics) {
        if *object == Val::Null || *object == Val::Unknown {
            return;
        }
        if self.rule == Rule::UniqueKey {
            return self.validate_unique_key(object, path, diags);
        }
        let state: Vec<(&String, Option<bool>)> = self
            .names
            .iter()
            .map(|n| (n, is_set(object.attr(n))))
            .collect();
        let set: Vec<&String> = state
            .iter()
            .filter(|(_, s)| *s == Some(true))
            .map(|(n, _)| *n)
            .collect();
        let undecided = state.iter().any(|(_, s)| s.is_none());
        let n = list(&self.names);
        match self.rule {
            Rule::ConflictsWith | Rule::ExactlyOneOf if set.len() > 1 => {
                for extra in &set[1..] {
                    self.report(
                        diags,
                        path.attr(extra),
                        if self.rule == Rule::ConflictsWith {
                            "Conflicting Attributes"
                        } else {
                            "Invalid Attribute Combination"
                        },
                        format!(
                            "Attribute {} cannot be set together with {}: set only one of {n}.",
                            path.attr(extra),
                            path.attr(set[0])
                        ),
                    );
                }
            }
            Rule::ExactlyOneOf | Rule::AtLeastOneOf if set.is_empty() && !undecided => {
                let one = if self.rule == Rule::ExactlyOneOf {
                    "Exactly one"
                } else {
                    "At least one"
                };
                self.report(
                    diags,
                    path.attr(&self.names[0]),
                    "Missing Attribute Configuration",
                    format!("{one} of these attributes must be set: {n}."),
                );
            }
            Rule::RequiredWith => {
                let Some(subject) = &self.subject else { return };
                if is_set(object.attr(subject)) != Some(true) {
                    return;
                }
                let missing: Vec<String> = state
                    .iter()
                    .filter(|(_, s)| *s == Some(false))
                    .map(|(n, _)| (*n).clone())
                    .collect();
                if !missing.is_empty() {
                    self.report(
                        diags,
                        path.attr(subject),
                        "Missing Required Attribute",
                        format!(
                            "Attribute {} needs {} to be set as well.",
                            path.attr(subject),
                            list(&missing)
                        ),
                    );
                }
            }
            _ => {}
        }
    }
}

/// In the nested list or set block `block`, no two elements may have the same known value of
/// `key` (what [`crate::plan_modifiers::match_elements_by_key`] needs). Reported at the block,
/// once per repeated value.
pub fn unique_key(block: &str, key: &str) -> AttributeRule {
    AttributeRule::new(Rule::UniqueKey, Some(block), &[key])
}

impl AttributeRule {
    fn validate_unique_key(&self, object: &Val, path: &AttributePath, diags: &mut Diagnostics) {
        let (Some(block), Some(key)) = (&self.subject, self.names.first()) else {
            return;
        };
        let Val::List(items) = object.attr(block) else {
            return;
        };
        let mut seen: Vec<&str> = Vec::new();
        let mut reported: Vec<&str> = Vec::new();
        for item in items {
            let Val::String(k) = item.attr(key) else {
                continue;
            };
            if !seen.contains(&k.as_str()) {
                seen.push(k);
                continue;
            }
            if reported.contains(&k.as_str()) {
                continue;
            }
            reported.push(k);
            let quoted = format!("{k:?}");
            let bp = path.attr(block);
            let detail = format!(
                "Two elements of {bp} have {key} = {quoted}; elements are matched by {key}, so it \
                 must be unique."
            );
            diags.attribute_error(
                bp,
                self.summary.as_deref().unwrap_or("Duplicate Element Key"),
                self.detail
                    .as_ref()
                    .map_or(detail, |d| d.replace("{value}", &quoted)),
            );
        }
    }
}

/// Wraps any validator for the builders (which store `Arc<dyn ConfigValidator>`).
pub(crate) fn arc(v: impl ConfigValidator + 'static) -> Arc<dyn ConfigValidator> {
    Arc::new(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Val {
        Val::String(x.into())
    }

    fn object(pairs: &[(&str, Val)]) -> Val {
        Val::Map(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.clone()))
                .collect(),
        )
    }

    /// (summary, path) of each diagnostic.
    fn run(v: &dyn ConfigValidator, o: &Val) -> Vec<(String, String)> {
        let mut d = Diagnostics::new();
        v.validate(o, &AttributePath::root(), &mut d);
        d.iter()
            .map(|d| {
                (
                    d.summary.clone(),
                    d.path.as_ref().map(ToString::to_string).unwrap_or_default(),
                )
            })
            .collect()
    }

    fn e(summary: &str, path: &str) -> (String, String) {
        (summary.to_string(), path.to_string())
    }

    #[test]
    fn conflicts_with_reports_the_later_attributes() {
        let v = conflicts_with(&["content", "source"]);
        assert!(run(&v, &object(&[("content", s("x")), ("source", Val::Null)])).is_empty());
        assert_eq!(
            run(&v, &object(&[("content", s("x")), ("source", s("f"))])),
            [e("Conflicting Attributes", "source")]
        );
        assert!(
            run(
                &v,
                &object(&[("content", s("x")), ("source", Val::Unknown)])
            )
            .is_empty(),
            "unknown may still be null"
        );
        let custom = conflicts_with(&["content", "source"]).detail("Pick one.");
        let mut d = Diagnostics::new();
        custom.validate(
            &object(&[("content", s("x")), ("source", s("f"))]),
            &AttributePath::root(),
            &mut d,
        );
        assert_eq!(d.iter().next().unwrap().detail, "Pick one.");
    }

    #[test]
    fn exactly_one_of_needs_one_and_refuses_two() {
        let v = exactly_one_of(&["a", "b"]);
        assert!(run(&v, &object(&[("a", s("x"))])).is_empty());
        assert_eq!(
            run(&v, &object(&[])),
            [e("Missing Attribute Configuration", "a")]
        );
        assert!(
            run(&v, &object(&[("b", Val::Unknown)])).is_empty(),
            "unknown decides later"
        );
        assert_eq!(
            run(&v, &object(&[("a", s("x")), ("b", s("y"))])),
            [e("Invalid Attribute Combination", "b")]
        );
    }

    #[test]
    fn at_least_one_of_counts_blocks_with_elements() {
        let v = at_least_one_of(&["a", "rule"]);
        assert_eq!(
            run(&v, &object(&[("rule", Val::List(vec![]))])),
            [e("Missing Attribute Configuration", "a")]
        );
        assert!(run(&v, &object(&[("rule", Val::List(vec![object(&[])]))])).is_empty());
        assert!(run(&v, &object(&[("a", s("x")), ("rule", Val::List(vec![]))])).is_empty());
    }

    #[test]
    fn required_with_reports_at_the_attribute_that_needs_the_others() {
        let v = required_with("key_id", &["key_version", "vault"]);
        assert!(run(&v, &object(&[])).is_empty(), "not set: no rule");
        assert!(
            run(
                &v,
                &object(&[
                    ("key_id", s("k")),
                    ("key_version", s("1")),
                    ("vault", s("v"))
                ])
            )
            .is_empty()
        );
        assert_eq!(
            run(
                &v,
                &object(&[("key_id", s("k")), ("key_version", Val::Unknown)])
            ),
            [e("Missing Required Attribute", "key_id")]
        );
        assert!(v.names().contains(&"key_id".to_string()));
    }

    #[test]
    fn unique_key_reports_each_repeated_value_once_at_the_block() {
        let v = unique_key("rules", "name")
            .summary("Duplicate Rule Name")
            .detail("Two rules are named {value}.");
        let el = |n: Val| object(&[("name", n)]);
        let rules = |items: Vec<Val>| object(&[("rules", Val::List(items))]);
        assert!(run(&v, &rules(vec![el(s("a")), el(s("b")), el(Val::Unknown)])).is_empty());
        assert_eq!(
            run(&v, &rules(vec![el(s("a")), el(s("a")), el(s("a"))])),
            [e("Duplicate Rule Name", "rules")]
        );
        let mut d = Diagnostics::new();
        v.validate(
            &rules(vec![el(s("a")), el(s("a"))]),
            &AttributePath::root(),
            &mut d,
        );
        assert_eq!(
            d.iter().next().unwrap().detail,
            r#"Two rules are named "a"."#
        );
    }
}
