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
//! - `model.rs`: known resource types (for matching rules) and the permission model.
//! - `eval.rs`: [`authorize`].
//! - `error.rs`: [`ParseError`], the crate's one error type.
//!
//! # Use
//! ```
//! use oci_policy::{parse_statement, statements_equivalent, parse_matching_rule};
//!
//! let s = parse_statement("ALLOW dynamic-group lab-dg TO manage objects IN compartment Lab\n  WHERE target.bucket.name='lab-input'").unwrap();
//! assert_eq!(
//!     s.canonical(),
//!     "allow dynamic-group lab-dg to manage objects in compartment lab where target.bucket.name = 'lab-input'"
//! );
//! assert_eq!(s.subject_dynamic_group_names(), ["lab-dg"]);
//! assert!(statements_equivalent(
//!     "allow group A to read buckets in tenancy",
//!     "Allow group A to  READ buckets in TENANCY",
//! ));
//! let e = parse_statement("allow group A to objects in tenancy").unwrap_err();
//! assert_eq!((e.line, e.column, e.offset), (1, 18, 17));
//! assert_eq!(e.to_string(), "at 1:18: expected a verb (inspect, read, use, manage) or '{' starting a permission list, found 'objects'");
//!
//! let r = parse_matching_rule("all {resource.type='dataflowrun', resource.compartment.id='ocid1.compartment.oc1..c'}").unwrap();
//! assert_eq!(r.canonical(), "ALL {resource.type = 'dataflowrun', resource.compartment.id = 'ocid1.compartment.oc1..c'}");
//! assert_eq!(r.resource_types(), ["dataflowrun"]);
//! ```
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
//!            | <variable> (before | after) <v> | <variable> in (<v>, …)
//!            | <variable> between <v> and <v>            (<v> := 'text' | word)
//! ```
//! Variables in `where` clauses start `request.` or `target.` (Oracle's two kinds), so a typo
//! such as `traget.bucket.name` is refused with its position. OCIDs after `id` / `as` must have
//! the OCID shape ([`is_ocid`]) and may be quoted.
//! Not supported (refused with a position): the network `associate … with …` form of
//! `Endorse`/`Admit`, and `/` patterns in matching rules.
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
//! # Permission model (the evaluator)
//! [`authorize`] answers whether a resource principal (a Data Flow run, a function, an
//! instance) holds one permission on one target, the way IAM decides it:
//! 1. **Dynamic groups.** The principal is in every dynamic group whose matching rule holds for
//!    it: `resource.type`, `resource.id`, `resource.compartment.id` are its type, OCID and
//!    compartment; `instance.id` / `instance.compartment.id` apply only to `instance`
//!    principals; `tag.<ns>.<key>.value` looks up its defined tags (freeform tags are not
//!    matched, as in OCI). `ALL {…}` needs every condition, `ANY {…}` one — `ALL` means all,
//!    unlike the official provider's heredoc bug (#2465).
//! 2. **Statements.** Only `Allow` statements grant here (`Endorse`/`Admit`/`Define` are
//!    cross-tenancy and skipped, with a note). A statement grants when all of these hold:
//!    - *subject*: `any-user`, or a `dynamic-group` naming (ignoring case; no domain or the
//!      `Default` domain) or by OCID one of the principal's groups. `group`/`any-group` name
//!      user groups, which a resource principal is never in; `service` never matches.
//!    - *access*: a permission list containing the permission; or a verb and a resource type
//!      or family that covers the target's type ([`covers`]: the type itself, a family, or
//!      `all-resources`), where the verb is at least the permission's least verb
//!      ([`least_verb`]). Verbs nest: inspect ⊂ read ⊂ use ⊂ manage.
//!    - *location*: the compartment it names contains the target's compartment (a compartment
//!      covers itself and all its descendants; `tenancy` is the root). Paths resolve from the
//!      compartment the policy is attached to (its children first, else its own name), names
//!      ignoring case. A policy grants nothing outside its own compartment's subtree, so
//!      `in tenancy` counts only in a policy attached to the tenancy.
//!    - *where*: the condition holds over the request variables. Values match ignoring case;
//!      `/a*b/` patterns match with `*` as any run; an unquoted word value that names a
//!      variable compares with that variable's value; a variable the request does not have
//!      makes its comparison false whether `=` or `!=` (Oracle: "variables that aren't
//!      applicable to a request result in a declined request"). `before`/`after`/`between`
//!      compare ISO 8601 texts with the trailing `Z` set aside (a date alone is that day's
//!      midnight; bounds inclusive; a `between` whose low bound is above its high bound wraps
//!      midnight); `in` is any-equal.
//! 3. **Decision.** The first granting statement (policies in the order given, statements in
//!    order) is reported in [`Decision::allowed_by`] with its 0-based index. Otherwise
//!    [`Decision::explanation`] lists every dynamic group that did not match and why (the first
//!    failing `ALL` condition, each failing `ANY` condition), and every statement and why it
//!    did not apply.
//!
//! Permissions known per type (least verb in brackets); a verb grants its own and those below:
//!
//! | type | inspect | read | use | manage |
//! |---|---|---|---|---|
//! | `buckets` | BUCKET_INSPECT | BUCKET_READ | BUCKET_UPDATE | BUCKET_CREATE, BUCKET_DELETE, PAR_MANAGE, RETENTION_RULE_MANAGE, RETENTION_RULE_LOCK |
//! | `objects` | OBJECT_INSPECT | OBJECT_READ | OBJECT_OVERWRITE | OBJECT_CREATE, OBJECT_DELETE, OBJECT_VERSION_DELETE, OBJECT_RESTORE, OBJECT_UPDATE_TIER |
//! | `objectstorage-namespaces` | OBJECTSTORAGE_NAMESPACE_READ | | | OBJECTSTORAGE_NAMESPACE_UPDATE |
//! | `dataflow-application` | DATAFLOW_APPLICATION_INSPECT | DATAFLOW_APPLICATION_READ | | DATAFLOW_APPLICATION_CREATE, _UPDATE, _DELETE, _MOVE |
//! | `dataflow-run` | DATAFLOW_RUN_INSPECT | DATAFLOW_RUN_READ | | DATAFLOW_RUN_CREATE, _UPDATE, _DELETE, _MOVE |
//!
//! Families: `object-family` = buckets, objects, objectstorage-namespaces; `dataflow-family` =
//! dataflow-application, dataflow-run, dataflow-private-endpoint, dataflow-pool,
//! dataflow-sqlendpoint; `all-resources` = everything. A permission outside this table is
//! granted only by a `{PERMISSION}` list naming it. The object-storage rows follow Oracle's
//! policy reference; the Data Flow rows are our reading of its Data Flow policy page and should
//! be re-checked against live OCI.
//!
//! # Property tests
//! `tests/properties.rs` runs with a bounded case count so `cargo test -p oci-policy` stays
//! within seconds. To run longer, set `PROPTEST_CASES`, e.g.
//! `PROPTEST_CASES=100000 cargo test -p oci-policy --release --test properties`.

mod condition;
mod error;
mod eval;
mod model;
mod rule;
mod scan;
mod statement;

pub use condition::{Condition, Op, Value};
pub use error::ParseError;
pub use eval::{
    CompartmentDef, Decision, DynamicGroupDef, PolicyDef, Principal, Request, authorize,
};
pub use model::{covers, is_known_resource_type, least_verb};
pub use rule::MatchingRule;
pub use statement::{
    Access, CompartmentRef, DefineKind, Grant, Location, Name, PrincipalRef, Statement,
    StatementKind, Subject, TenancyRef, Verb, is_ocid,
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
