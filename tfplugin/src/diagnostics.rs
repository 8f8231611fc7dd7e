//! Diagnostics (errors and warnings shown by Terraform) and attribute paths that let Terraform
//! point at the offending line of configuration.

use std::fmt;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Stops the operation.
    Error,
    /// Shown, but the operation goes on.
    Warning,
}

/// One step of an [`AttributePath`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathStep {
    /// An attribute or nested block type name.
    Attribute(String),
    /// A list (or list block) index.
    Index(i64),
    /// A map key (or map block label).
    Key(String),
}

/// The location of a value inside a resource, provider or data source object, e.g.
/// `rule[0].days`. Set elements cannot be addressed (the protocol has no step for them); a path
/// into a set stops at the set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttributePath {
    steps: Vec<PathStep>,
}

impl AttributePath {
    /// The object itself (no steps).
    pub fn root() -> Self {
        Self::default()
    }

    /// A top-level attribute: `AttributePath::new("name")`.
    pub fn new(attribute: &str) -> Self {
        Self::root().attr(attribute)
    }

    /// This path followed by an attribute (or block type) name.
    #[must_use]
    pub fn attr(&self, name: &str) -> Self {
        self.with(PathStep::Attribute(name.to_string()))
    }

    /// This path followed by a list index.
    #[must_use]
    pub fn index(&self, i: usize) -> Self {
        self.with(PathStep::Index(i64::try_from(i).unwrap_or(i64::MAX)))
    }

    /// This path followed by a map key.
    #[must_use]
    pub fn key(&self, k: &str) -> Self {
        self.with(PathStep::Key(k.to_string()))
    }

    fn with(&self, step: PathStep) -> Self {
        let mut steps = self.steps.clone();
        steps.push(step);
        Self { steps }
    }

    /// The steps from the root.
    pub fn steps(&self) -> &[PathStep] {
        &self.steps
    }

    /// Builds a path from steps.
    pub fn from_steps(steps: Vec<PathStep>) -> Self {
        Self { steps }
    }

    /// True for the root path.
    pub fn is_root(&self) -> bool {
        self.steps.is_empty()
    }
}

impl fmt::Display for AttributePath {
    /// Terraform-like notation: `rule[0].days`, `tags["env"]`, `<root>` for the root.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.steps.is_empty() {
            return f.write_str("<root>");
        }
        for (i, s) in self.steps.iter().enumerate() {
            match s {
                PathStep::Attribute(n) if i == 0 => write!(f, "{n}")?,
                PathStep::Attribute(n) => write!(f, ".{n}")?,
                PathStep::Index(i) => write!(f, "[{i}]")?,
                PathStep::Key(k) => write!(f, "[{k:?}]")?,
            }
        }
        Ok(())
    }
}

/// One error or warning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Short, title-case summary ("Create Bucket Error").
    pub summary: String,
    /// What happened, what to do, and the original error last.
    pub detail: String,
    /// The attribute the problem is about, when there is one; Terraform then shows the
    /// configuration line of that attribute.
    pub path: Option<AttributePath>,
}

/// The errors and warnings collected while serving one request. Every framework and resource
/// method receives `&mut Diagnostics` and appends to it; duplicates are dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a diagnostic unless an identical one is already present.
    pub fn push(&mut self, d: Diagnostic) {
        if !self.items.contains(&d) {
            self.items.push(d);
        }
    }

    /// Adds an error about the whole object.
    pub fn error(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            path: None,
        });
    }

    /// Adds a warning about the whole object.
    pub fn warning(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Diagnostic {
            severity: Severity::Warning,
            summary: summary.into(),
            detail: detail.into(),
            path: None,
        });
    }

    /// Adds an error about one attribute; Terraform points at its line in the configuration.
    pub fn attribute_error(
        &mut self,
        path: AttributePath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.push(Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            path: Some(path),
        });
    }

    /// Adds a warning about one attribute.
    pub fn attribute_warning(
        &mut self,
        path: AttributePath,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.push(Diagnostic {
            severity: Severity::Warning,
            summary: summary.into(),
            detail: detail.into(),
            path: Some(path),
        });
    }

    /// Moves every diagnostic of `other` into `self`.
    pub fn extend(&mut self, other: Diagnostics) {
        for d in other.items {
            self.push(d);
        }
    }

    /// True if any error was recorded.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// True if nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// All diagnostics in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Reports a framework-detected provider bug, phrased so the user knows to report it.
    pub(crate) fn provider_bug(&mut self, summary: &str, detail: impl fmt::Display) {
        self.error(
            summary,
            format!(
                "{detail}\n\nThis is a bug in the provider, which should be reported in the \
                 provider's own issue tracker."
            ),
        );
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_display_like_terraform() {
        let p = AttributePath::new("rule").index(0).attr("days");
        assert_eq!(p.to_string(), "rule[0].days");
        assert_eq!(
            AttributePath::new("tags").key("env").to_string(),
            "tags[\"env\"]"
        );
        assert_eq!(AttributePath::root().to_string(), "<root>");
    }

    #[test]
    fn duplicates_are_dropped_and_errors_detected() {
        let mut d = Diagnostics::new();
        d.warning("W", "w");
        assert!(!d.has_errors());
        d.attribute_error(AttributePath::new("a"), "E", "e");
        d.attribute_error(AttributePath::new("a"), "E", "e");
        assert!(d.has_errors());
        assert_eq!(d.iter().count(), 2);
    }
}
