//! `oci-policy`: the OCI IAM policy language — policy statements and dynamic-group matching
//! rules — as a grammar: parser, canonical form, semantic equality and an evaluator. It knows
//! nothing of HTTP or Terraform, so the provider (plan-time validation, diff suppression) and the
//! emulator (CreatePolicy validation, authorising Data Flow runs) use the same rules.
//!
//! # Layout
//! - `scan.rs`: tokens (words, `'quoted'`, punctuation); pull-based so the parser decides what a
//!   `/` means.
//! - `condition.rs`: the condition tree shared by `where` clauses and matching rules, and its
//!   depth-bounded parser.
//! - `statement.rs`: `Allow` / `Endorse` / `Admit` / `Define` ([`Statement`]).
//! - `rule.rs`: matching rules ([`MatchingRule`]).
//! - `model.rs`: known resource types (for matching rules).
//! - `error.rs`: [`ParseError`], the crate's one error type.
//!
//! # Grammar accepted
//! Statements (oci-api.md §5.4), keywords in any case, any whitespace (including newlines)
//! between tokens:
//! ```text
//! allow   <subject> to <access> in <location> [where <condition>]
//! endorse <subject> to <access> in tenancy <alias> | in any-tenancy [where <condition>]
//! admit   <subject> of tenancy <alias> | of any-tenancy to <access> in <location> [where …]
//! define  tenancy | group | dynamic-group <alias> as <ocid>
//!
//! subject   := any-user | any-group
//!            | group <ref> [, <ref>…] | dynamic-group <ref> [, <ref>…]
//!            | service <name> [, <name>…]
//! ref       := id <ocid> | <name> | <name>/<name>          (identity domain / name)
//! name      := word | 'quoted text'
//! access    := (inspect | read | use | manage) <resource-type or family>
//!            | {PERMISSION [, PERMISSION…]}
//! location  := tenancy | compartment id <ocid> | compartment <name>[:<name>…]
//!            | (older) on compartment …
//! condition := any {<condition>, …} | all {<condition>, …}
//!            | <variable> (= | !=) ('text' | /pattern*/ | word)
//! ```
//! Matching rules (§5.5): `ANY {<c>, …}`, `ALL {<c>, …}` or one `<c>`, where `<c>` is
//! `<variable> (= | !=) 'value'` over `resource.type`, `resource.id`, `resource.compartment.id`,
//! `instance.id`, `instance.compartment.id`, `tag.<namespace>.<key>.value`, or a bare
//! `tag.<namespace>.<key>.value` (the tag is present, any value). `ANY`/`ALL` may nest, bounded
//! like `where` clauses.
//!
//! # Bounds
//! Every parse first checks the input length against [`Limits::max_len`] and every `any`/`all`
//! level against [`Limits::max_depth`], so no input can exhaust the stack or take more than
//! linear time. The defaults are 16 KiB and 32 levels: real statements are a line or two and
//! real conditions nest two or three deep; 16 KiB also covers the largest heredoc matching rules
//! seen. A `max_depth` above [`HARD_MAX_DEPTH`] is treated as that ceiling, because the parser
//! recurses once per level.
//!
//! # Canonical form and equality
//! [`Statement::canonical`] and [`MatchingRule::canonical`] print the parsed tree in one fixed
//! spelling, so two texts the service treats as the same compare equal
//! ([`statements_equivalent`], [`matching_rules_equivalent`]). The form is stable: the IAM code
//! may store or compare it, and it changes only with a note in this list.
//! - Whitespace: single spaces between words; `, ` between list items; `{`/`}` hug their
//!   contents (`{OBJECT_READ, OBJECT_CREATE}`, `any {a = 'x', b = 'y'}`); ` = ` and ` != ` with
//!   spaces; no space around `:` in compartment paths or `/` in domain-qualified names.
//! - Keywords (`allow`, `to`, `in`, `where`, subjects, verbs, `tenancy`, `compartment`, `id`,
//!   `any`/`all` in statements) lower-case. Resource types and families lower-case. Permission
//!   names upper-case. Matching rules write `ANY`/`ALL` upper-case, as Oracle's docs do.
//! - Variables lower-case: OCI variable names, tag namespaces and tag keys ignore case.
//! - Compartment names lower-case: the service lower-cases them itself (issue #371), so a
//!   statement read back from it differs from the written one only there.
//! - Group, dynamic-group, service, identity-domain names and tenancy aliases keep their case.
//!   OCI stores and shows these names as created and we found no source saying statements
//!   match them ignoring case, so a case change is shown as a change (an honest diff beats a
//!   silently ignored one). The evaluator nevertheless matches group names ignoring case,
//!   because IAM refuses two groups differing only in case, so no ambiguity can arise.
//! - Quoting: names are written bare when they are plain words (letters, digits, `_-.@+`) and
//!   not a keyword that could be misread (`id`, `to`, `of`, `where`, …), otherwise in single
//!   quotes; `'Admins'` and `Admins` are the same name. Domain-qualified names are always
//!   written `'Domain'/'Name'`.
//! - Values: `'quoted'` values and unquoted word values keep their text and case (the service
//!   keeps them; matching ignores case anyway). Patterns lose surrounding spaces inside the
//!   slashes (`/ abc* /` is `/abc*/`), which the service also trims (#371).
//! - Not rewritten (a change here is a real change): the order of list items, `on compartment`
//!   vs `in compartment` (the service stores the older word unchanged), a single condition vs
//!   `ALL {` that one condition `}`, OCIDs.
//!
//! # Errors
//! [`ParseError`] gives the byte offset, 1-based line and column (in characters), what the
//! parser expected there and what it found: `at 1:17: expected a verb (inspect, read, use,
//! manage) or '{' starting a permission list, found 'objects'`.
//!
//! # Property tests
//! `tests/properties.rs` runs with a bounded case count so `cargo test -p oci-policy` stays
//! within seconds. To run longer, set `PROPTEST_CASES`, e.g.
//! `PROPTEST_CASES=100000 cargo test -p oci-policy --release --test properties`.

mod condition;
mod error;
mod model;
mod rule;
mod scan;
mod statement;

pub use condition::{Condition, Op, Value};
pub use error::ParseError;
pub use model::is_known_resource_type;
pub use rule::MatchingRule;
pub use statement::{
    Access, CompartmentRef, DefineKind, Grant, Location, Name, PrincipalRef, Statement,
    StatementKind, Subject, TenancyRef, Verb,
};

/// The deepest `any`/`all` nesting any parse accepts, whatever [`Limits::max_depth`] says.
pub const HARD_MAX_DEPTH: usize = 256;

/// Bounds every parse: input byte length and `any {}`/`all {}` nesting depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest accepted text, in bytes.
    pub max_len: usize,
    /// Deepest accepted `any`/`all` nesting (capped at [`HARD_MAX_DEPTH`]).
    pub max_depth: usize,
}

impl Default for Limits {
    /// 16 KiB and 32 levels, for statements and matching rules alike (see the crate docs).
    fn default() -> Self {
        Limits {
            max_len: 16 * 1024,
            max_depth: 32,
        }
    }
}

impl Limits {
    pub(crate) fn effective_depth(&self) -> usize {
        self.max_depth.min(HARD_MAX_DEPTH)
    }
}

pub(crate) fn check_len(text: &str, limits: &Limits) -> Result<(), ParseError> {
    if text.len() > limits.max_len {
        return Err(ParseError::at(
            text,
            limits.max_len,
            format!("at most {} bytes", limits.max_len),
            format!("{} bytes", text.len()),
        ));
    }
    Ok(())
}

/// Parses a policy statement with [`Limits::default`].
pub fn parse_statement(text: &str) -> Result<Statement, ParseError> {
    statement::parse(text, &Limits::default())
}

/// Parses a policy statement within `limits`.
pub fn parse_statement_with(text: &str, limits: &Limits) -> Result<Statement, ParseError> {
    statement::parse(text, limits)
}

/// Parses a dynamic-group matching rule with [`Limits::default`].
pub fn parse_matching_rule(text: &str) -> Result<MatchingRule, ParseError> {
    rule::parse(text, &Limits::default())
}

/// Parses a dynamic-group matching rule within `limits`.
pub fn parse_matching_rule_with(text: &str, limits: &Limits) -> Result<MatchingRule, ParseError> {
    rule::parse(text, limits)
}

/// Semantic equality of two statements as the service treats them: when both parse, their
/// canonical forms are equal; when either does not, the texts are byte-for-byte equal.
pub fn statements_equivalent(a: &str, b: &str) -> bool {
    match (parse_statement(a), parse_statement(b)) {
        (Ok(x), Ok(y)) => x.canonical() == y.canonical(),
        _ => a == b,
    }
}

/// Semantic equality of two matching rules, like [`statements_equivalent`].
pub fn matching_rules_equivalent(a: &str, b: &str) -> bool {
    match (parse_matching_rule(a), parse_matching_rule(b)) {
        (Ok(x), Ok(y)) => x.canonical() == y.canonical(),
        _ => a == b,
    }
}
