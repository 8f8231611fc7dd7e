//! Attribute validators: declared on the schema, run by the framework on every wholly known,
//! non-null configuration value during `ValidateResourceConfig` (and the data source and
//! provider equivalents). Problems become attribute errors, so Terraform shows the line.

use std::sync::Arc;

use crate::diagnostics::{AttributePath, Diagnostics};

/// Checks one configuration value.
pub trait Validator: Send + Sync {
    /// A sentence for documentation and the generated schema JSON, e.g. "one of: a, b".
    fn description(&self) -> String;
    /// Appends attribute errors for `value` (known and non-null; JSON form) at `path`.
    fn validate(&self, value: &serde_json::Value, path: &AttributePath, diags: &mut Diagnostics);
}

/// The string must be one of `allowed` (exact match).
pub fn one_of(allowed: &[&str]) -> Arc<dyn Validator> {
    Arc::new(OneOf(allowed.iter().map(|s| (*s).to_string()).collect()))
}

struct OneOf(Vec<String>);

impl Validator for OneOf {
    fn description(&self) -> String {
        format!("one of: {}", self.0.join(", "))
    }
    fn validate(&self, value: &serde_json::Value, path: &AttributePath, diags: &mut Diagnostics) {
        let Some(s) = value.as_str() else { return };
        if !self.0.iter().any(|a| a == s) {
            diags.attribute_error(
                path.clone(),
                "Invalid Attribute Value",
                format!(
                    "Attribute {path} value must be {}, got: {s:?}",
                    self.description()
                ),
            );
        }
    }
}

/// The string must match the regular expression `pattern`; `message` says in words what is
/// expected (shown to the user). The syntax is the `regex-lite` crate's: that of `regex`
/// without Unicode classes (`\d`, `\w`, `\s` and `[[:alpha:]]` are ASCII, `\p{..}` is refused).
///
/// # Panics
/// If `pattern` is not a valid regular expression (a programming error, found by any test that
/// builds the schema).
pub fn regex(pattern: &str, message: &str) -> Arc<dyn Validator> {
    let re = regex_lite::Regex::new(pattern)
        .unwrap_or_else(|e| panic!("validator regex {pattern:?} is invalid: {e}"));
    Arc::new(Regex {
        re,
        message: message.to_string(),
    })
}

struct Regex {
    re: regex_lite::Regex,
    message: String,
}

impl Validator for Regex {
    fn description(&self) -> String {
        format!("{} (pattern {})", self.message, self.re.as_str())
    }
    fn validate(&self, value: &serde_json::Value, path: &AttributePath, diags: &mut Diagnostics) {
        let Some(s) = value.as_str() else { return };
        if !self.re.is_match(s) {
            diags.attribute_error(
                path.clone(),
                "Invalid Attribute Value Match",
                format!("Attribute {path} {}, got: {s:?}", self.message),
            );
        }
    }
}

/// Length bounds (inclusive): characters of a string, or elements of a list, set or map.
pub fn length(min: usize, max: usize) -> Arc<dyn Validator> {
    Arc::new(Length { min, max })
}

struct Length {
    min: usize,
    max: usize,
}

impl Validator for Length {
    fn description(&self) -> String {
        format!("length between {} and {}", self.min, self.max)
    }
    fn validate(&self, value: &serde_json::Value, path: &AttributePath, diags: &mut Diagnostics) {
        let len = match value {
            serde_json::Value::String(s) => s.chars().count(),
            serde_json::Value::Array(a) => a.len(),
            serde_json::Value::Object(o) => o.len(),
            _ => return,
        };
        if len < self.min || len > self.max {
            diags.attribute_error(
                path.clone(),
                "Invalid Attribute Value Length",
                format!("Attribute {path} {}, got: {len}", self.description()),
            );
        }
    }
}

/// A number between `min` and `max` inclusive.
pub fn between(min: f64, max: f64) -> Arc<dyn Validator> {
    Arc::new(Between { min, max })
}

struct Between {
    min: f64,
    max: f64,
}

impl Validator for Between {
    fn description(&self) -> String {
        format!("value between {} and {}", self.min, self.max)
    }
    fn validate(&self, value: &serde_json::Value, path: &AttributePath, diags: &mut Diagnostics) {
        let Some(n) = value.as_f64() else { return };
        if n < self.min || n > self.max {
            diags.attribute_error(
                path.clone(),
                "Invalid Attribute Value",
                format!(
                    "Attribute {path} must be a {}, got: {n}",
                    self.description()
                ),
            );
        }
    }
}

/// A validator from a closure; `description` documents it.
pub fn custom<F>(description: &str, f: F) -> Arc<dyn Validator>
where
    F: Fn(&serde_json::Value, &AttributePath, &mut Diagnostics) + Send + Sync + 'static,
{
    Arc::new(Custom {
        description: description.to_string(),
        f: Box::new(f),
    })
}

type CustomFn = Box<dyn Fn(&serde_json::Value, &AttributePath, &mut Diagnostics) + Send + Sync>;

struct Custom {
    description: String,
    f: CustomFn,
}

impl Validator for Custom {
    fn description(&self) -> String {
        self.description.clone()
    }
    fn validate(&self, value: &serde_json::Value, path: &AttributePath, diags: &mut Diagnostics) {
        (self.f)(value, path, diags);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(v: &Arc<dyn Validator>, value: serde_json::Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        v.validate(&value, &AttributePath::new("a"), &mut d);
        d
    }

    #[test]
    fn builtins_accept_good_and_reject_bad_values_with_the_path() {
        let v = one_of(&["rw", "ro"]);
        assert!(run(&v, json!("rw")).is_empty());
        let d = run(&v, json!("x"));
        assert_eq!(d.iter().next().unwrap().path, Some(AttributePath::new("a")));

        let v = regex("^[a-z]+$", "must be lowercase letters");
        assert!(run(&v, json!("abc")).is_empty());
        assert!(run(&v, json!("ABC")).has_errors());

        let v = length(1, 3);
        assert!(run(&v, json!("abc")).is_empty());
        assert!(run(&v, json!("abcd")).has_errors());
        assert!(run(&v, json!([])).has_errors());

        let v = between(1.0, 10.0);
        assert!(run(&v, json!(10)).is_empty());
        assert!(run(&v, json!(11)).has_errors());

        let v = custom("even", |v, p, d| {
            if v.as_i64().is_some_and(|n| n % 2 == 1) {
                d.attribute_error(p.clone(), "Odd", "must be even");
            }
        });
        assert!(run(&v, json!(2)).is_empty());
        assert!(run(&v, json!(3)).has_errors());
    }
}
