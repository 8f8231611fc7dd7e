//! The evaluator: does a resource principal (a Data Flow run, say) hold a permission?
//!
//! Pure: the caller hands in the tenancy's compartments, dynamic groups and policies as texts,
//! so the emulator and tests use the same code on their own data. See the crate docs for the
//! permission model.

use std::collections::BTreeMap;

use crate::condition::{Condition, Op, Value};
use crate::model::{covers, least_verb};
use crate::statement::{
    Access, CompartmentRef, Grant, Location, PrincipalRef, Statement, StatementKind, Subject,
};
use crate::{HARD_MAX_DEPTH, parse_matching_rule, parse_statement};

/// The principal making a request: a resource principal such as a Data Flow run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Principal {
    /// The word after `ocid1.` in its OCID: `dataflowrun`, `fnfunction`, `instance`.
    pub resource_type: String,
    pub id: String,
    pub compartment_id: String,
    /// Namespace → key → value.
    pub defined_tags: BTreeMap<String, BTreeMap<String, String>>,
    /// Not matched by rules: OCI matching rules see defined tags only.
    pub freeform_tags: BTreeMap<String, String>,
}

/// A dynamic group as IAM stores it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DynamicGroupDef {
    pub id: String,
    pub name: String,
    pub matching_rule: String,
}

/// A policy as IAM stores it; `compartment_id` is the compartment it is attached to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyDef {
    pub id: String,
    pub name: String,
    pub compartment_id: String,
    pub statements: Vec<String>,
}

/// A compartment; the tenancy (root) has `parent_id: None` and need not be listed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompartmentDef {
    pub id: String,
    pub name: String,
    pub parent_id: Option<String>,
}

/// What the principal wants to do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// `OBJECT_READ`, compared ignoring case.
    pub permission: String,
    /// The target's resource type as statements name it: `objects`, `buckets`, `dataflow-run`.
    pub resource_type: String,
    /// The compartment the target lives in.
    pub compartment_id: String,
    /// Request and target variables for `where` clauses, e.g. `target.bucket.name`. Names are
    /// compared ignoring case. `request.permission`, `request.principal.type`,
    /// `request.principal.id`, `request.principal.compartment.id`, `target.compartment.id` and
    /// `target.compartment.name` are filled in from the other fields unless given here.
    pub variables: BTreeMap<String, String>,
}

/// The answer, with the reason in words either way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// Names of the dynamic groups whose matching rule the principal satisfies.
    pub matched_dynamic_groups: Vec<String>,
    /// Policy name, statement index (0-based, as in the policy's `statements` list) and the
    /// statement text as stored, for the first statement that allows the request.
    pub allowed_by: Option<(String, usize, String)>,
    /// Which statement allowed it, or for every dynamic group and statement why it did not.
    pub explanation: String,
}

/// Decides whether `principal` may perform `request`. See the crate docs for the model.
pub fn authorize(
    tenancy_id: &str,
    compartments: &[CompartmentDef],
    dynamic_groups: &[DynamicGroupDef],
    policies: &[PolicyDef],
    principal: &Principal,
    request: &Request,
) -> Decision {
    let tree = Tree {
        tenancy_id,
        compartments,
    };
    let mut notes = Vec::new();

    let mut matched: Vec<&DynamicGroupDef> = Vec::new();
    for dg in dynamic_groups {
        match parse_matching_rule(&dg.matching_rule) {
            Err(e) => notes.push(format!(
                "dynamic group '{}': matching rule does not parse ({e})",
                dg.name
            )),
            Ok(rule) => match eval(&rule.condition, &|v| rule_variable(principal, v), 0) {
                Ok(()) => matched.push(dg),
                Err(why) => {
                    notes.push(format!("dynamic group '{}' does not match: {why}", dg.name))
                }
            },
        }
    }
    let matched_dynamic_groups: Vec<String> = matched.iter().map(|d| d.name.clone()).collect();

    let vars = request_variables(&tree, principal, request);
    for policy in policies {
        for (index, text) in policy.statements.iter().enumerate() {
            let at = format!("policy '{}' statement {index}", policy.name);
            let statement = match parse_statement(text) {
                Ok(s) => s,
                Err(e) => {
                    notes.push(format!("{at}: does not parse ({e})"));
                    continue;
                }
            };
            match grants(
                &tree, policy, &statement, &matched, principal, request, &vars,
            ) {
                Ok(()) => {
                    return Decision {
                        allowed: true,
                        explanation: format!(
                            "{} on {} allowed by {at}: {text}",
                            request.permission, request.resource_type
                        ),
                        matched_dynamic_groups,
                        allowed_by: Some((policy.name.clone(), index, text.clone())),
                    };
                }
                Err(why) => notes.push(format!("{at}: {why}")),
            }
        }
    }
    let groups = if matched_dynamic_groups.is_empty() {
        "no dynamic group".to_string()
    } else {
        format!("dynamic groups {}", quoted_list(&matched_dynamic_groups))
    };
    let mut explanation = format!(
        "{} on {} in compartment {} denied for {} {} (member of {groups}): no statement allows it",
        request.permission,
        request.resource_type,
        request.compartment_id,
        principal.resource_type,
        principal.id
    );
    if notes.is_empty() {
        explanation.push_str("; there are no policies");
    }
    for n in notes {
        explanation.push_str("; ");
        explanation.push_str(&n);
    }
    Decision {
        allowed: false,
        matched_dynamic_groups,
        allowed_by: None,
        explanation,
    }
}

fn quoted_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The compartment tree, rooted at the tenancy.
struct Tree<'a> {
    tenancy_id: &'a str,
    compartments: &'a [CompartmentDef],
}

impl Tree<'_> {
    fn get(&self, id: &str) -> Option<&CompartmentDef> {
        self.compartments
            .iter()
            .find(|c| c.id.eq_ignore_ascii_case(id))
    }

    /// `id` and its ancestors up to the tenancy. Bounded by the number of compartments, so a
    /// cycle in the caller's data cannot loop forever.
    fn ancestry(&self, id: &str) -> Vec<String> {
        let mut chain = vec![id.to_string()];
        let mut cur = id.to_string();
        for _ in 0..=self.compartments.len() {
            if cur.eq_ignore_ascii_case(self.tenancy_id) {
                break;
            }
            match self.get(&cur).and_then(|c| c.parent_id.clone()) {
                Some(parent) => {
                    chain.push(parent.clone());
                    cur = parent;
                }
                None => break,
            }
        }
        chain
    }

    fn within(&self, id: &str, ancestor: &str) -> bool {
        self.ancestry(id)
            .iter()
            .any(|a| a.eq_ignore_ascii_case(ancestor))
    }

    fn name(&self, id: &str) -> Option<&str> {
        self.get(id).map(|c| c.name.as_str())
    }

    fn child(&self, parent: &str, name: &str) -> Option<&CompartmentDef> {
        self.compartments.iter().find(|c| {
            c.parent_id
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case(parent))
                && c.name.to_lowercase() == name
        })
    }

    /// Resolves a statement's location for a policy attached to `attached`: the compartment it
    /// names, which must be `attached` or below it.
    fn resolve(&self, attached: &str, location: &Location) -> Result<String, String> {
        match location {
            Location::Tenancy => {
                if attached.eq_ignore_ascii_case(self.tenancy_id) {
                    Ok(self.tenancy_id.to_string())
                } else {
                    Err(
                        "'in tenancy' grants nothing in a policy not attached to the tenancy"
                            .into(),
                    )
                }
            }
            Location::OtherTenancy(_) => Err("names another tenancy".into()),
            Location::Compartment {
                target: CompartmentRef::Id(id),
                ..
            } => {
                if self.within(id, attached) {
                    Ok(id.clone())
                } else {
                    Err(format!(
                        "compartment {id} is not the policy's compartment or below it"
                    ))
                }
            }
            Location::Compartment {
                target: CompartmentRef::Path(path),
                ..
            } => {
                // A path starts at a child of the policy's compartment; a policy may also name
                // its own compartment first (Oracle's docs show both).
                let mut cur = attached.to_string();
                let mut rest = &path[..];
                if self.child(attached, &path[0]).is_none()
                    && self
                        .name(attached)
                        .is_some_and(|n| n.to_lowercase() == path[0])
                {
                    rest = &path[1..];
                }
                for name in rest {
                    match self.child(&cur, name) {
                        Some(c) => cur = c.id.clone(),
                        None => {
                            return Err(format!("no compartment '{}' under {cur}", path.join(":")));
                        }
                    }
                }
                Ok(cur)
            }
        }
    }
}

fn request_variables(
    tree: &Tree<'_>,
    principal: &Principal,
    request: &Request,
) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::new();
    vars.insert("request.permission".into(), request.permission.clone());
    vars.insert(
        "request.principal.type".into(),
        principal.resource_type.clone(),
    );
    vars.insert("request.principal.id".into(), principal.id.clone());
    vars.insert(
        "request.principal.compartment.id".into(),
        principal.compartment_id.clone(),
    );
    vars.insert(
        "target.compartment.id".into(),
        request.compartment_id.clone(),
    );
    if let Some(name) = tree.name(&request.compartment_id) {
        vars.insert("target.compartment.name".into(), name.to_string());
    }
    for (k, v) in &request.variables {
        vars.insert(k.to_ascii_lowercase(), v.clone());
    }
    vars
}

/// A matching-rule variable's value for `principal`, if the variable applies to it.
fn rule_variable(principal: &Principal, variable: &str) -> Option<String> {
    let is_instance = principal.resource_type.eq_ignore_ascii_case("instance");
    match variable {
        "resource.type" => Some(principal.resource_type.clone()),
        "resource.id" => Some(principal.id.clone()),
        "resource.compartment.id" => Some(principal.compartment_id.clone()),
        "instance.id" if is_instance => Some(principal.id.clone()),
        "instance.compartment.id" if is_instance => Some(principal.compartment_id.clone()),
        _ => {
            let rest = variable.strip_prefix("tag.")?.strip_suffix(".value")?;
            let (ns, key) = rest.split_once('.')?;
            let (_, keys) = principal
                .defined_tags
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(ns))?;
            keys.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.clone())
        }
    }
}

/// Whether `grant`-bearing `statement` allows the request; `Err` says why not.
fn grants(
    tree: &Tree<'_>,
    policy: &PolicyDef,
    statement: &Statement,
    matched: &[&DynamicGroupDef],
    principal: &Principal,
    request: &Request,
    vars: &BTreeMap<String, String>,
) -> Result<(), String> {
    let grant: &Grant = match &statement.kind {
        StatementKind::Allow(g) => g,
        StatementKind::Endorse(_) | StatementKind::Admit { .. } | StatementKind::Define { .. } => {
            return Err("cross-tenancy statement, not evaluated".into());
        }
    };
    subject_covers(&grant.subject, matched, principal)?;
    access_covers(&grant.access, request)?;
    let scope = tree.resolve(&policy.compartment_id, &grant.location)?;
    if !tree.within(&request.compartment_id, &scope) {
        return Err(format!(
            "applies to {scope} and below; the target is in {}",
            request.compartment_id
        ));
    }
    if let Some(c) = &grant.condition {
        let lookup = |v: &str| vars.get(v).cloned();
        eval(c, &lookup, 0).map_err(|why| format!("where-condition fails: {why}"))?;
    }
    Ok(())
}

fn subject_covers(
    subject: &Subject,
    matched: &[&DynamicGroupDef],
    principal: &Principal,
) -> Result<(), String> {
    match subject {
        Subject::AnyUser => Ok(()),
        Subject::DynamicGroups(refs) => {
            let hit = refs.iter().any(|r| {
                matched.iter().any(|dg| match r {
                    PrincipalRef::Id(id) => dg.id.eq_ignore_ascii_case(id),
                    // IAM names are unique ignoring case. The legacy dynamic groups live in
                    // the Default identity domain.
                    PrincipalRef::Name(n) => {
                        n.name.to_lowercase() == dg.name.to_lowercase()
                            && n.domain
                                .as_deref()
                                .is_none_or(|d| d.eq_ignore_ascii_case("default"))
                    }
                })
            });
            if hit {
                Ok(())
            } else {
                Err("names no dynamic group the principal is in".into())
            }
        }
        Subject::AnyGroup | Subject::Groups(_) => Err(format!(
            "names user groups; a {} resource principal belongs to dynamic groups only",
            principal.resource_type
        )),
        Subject::Services(_) => Err("names a service principal".into()),
    }
}

fn access_covers(access: &Access, request: &Request) -> Result<(), String> {
    match access {
        Access::Permissions(perms) => {
            if perms
                .iter()
                .any(|p| p.eq_ignore_ascii_case(&request.permission))
            {
                Ok(())
            } else {
                Err(format!(
                    "grants {{{}}}, not {}",
                    perms.join(", "),
                    request.permission
                ))
            }
        }
        Access::Verb {
            verb,
            resource_type,
        } => {
            if !covers(resource_type, &request.resource_type) {
                return Err(format!(
                    "is about {resource_type}, which does not include {}",
                    request.resource_type
                ));
            }
            match least_verb(&request.resource_type, &request.permission) {
                None => Err(format!(
                    "{} is not a permission of {} in the permission model",
                    request.permission, request.resource_type
                )),
                Some(needed) if needed > *verb => Err(format!(
                    "{} needs '{} {}', the statement grants '{} {resource_type}'",
                    request.permission,
                    needed.as_str(),
                    request.resource_type,
                    verb.as_str()
                )),
                Some(_) => Ok(()),
            }
        }
    }
}

/// Evaluates a condition; `Err` carries why it is false. A variable that does not apply makes
/// its comparison false whatever the operator, as OCI documents. `depth` bounds the recursion
/// (the parser already bounds trees; this keeps a hand-built one from exhausting the stack).
fn eval(
    c: &Condition,
    lookup: &dyn Fn(&str) -> Option<String>,
    depth: usize,
) -> Result<(), String> {
    if depth > HARD_MAX_DEPTH {
        return Err("condition nested too deeply".into());
    }
    match c {
        // ALL means all (the official provider's #2465 matched any).
        Condition::All(items) => {
            for item in items {
                eval(item, lookup, depth + 1)?;
            }
            Ok(())
        }
        Condition::Any(items) => {
            let mut whys = Vec::new();
            for item in items {
                match eval(item, lookup, depth + 1) {
                    Ok(()) => return Ok(()),
                    Err(why) => whys.push(why),
                }
            }
            Err(format!("none of ANY holds ({})", whys.join("; ")))
        }
        Condition::TagPresent { variable } => match lookup(variable) {
            Some(_) => Ok(()),
            None => Err(format!("{variable} is not set")),
        },
        Condition::Compare {
            variable,
            op,
            value,
        } => {
            let Some(actual) = lookup(variable) else {
                return Err(format!("{variable} does not apply to this request"));
            };
            // A word value naming a request variable compares with that variable's value.
            let resolve = |v: &Value| -> String {
                match v {
                    Value::Word(w) => lookup(&w.to_ascii_lowercase()).unwrap_or_else(|| w.clone()),
                    Value::Quoted(q) | Value::Pattern(q) => q.clone(),
                    Value::List(_) | Value::Range(..) => String::new(),
                }
            };
            let hit = match (op, value) {
                (Op::Eq | Op::Ne, Value::Pattern(p)) => glob_ignore_case(p, &actual),
                (Op::Eq | Op::Ne, v) => eq_ignore_case(&actual, &resolve(v)),
                (Op::In, Value::List(items)) => {
                    items.iter().any(|v| eq_ignore_case(&actual, &resolve(v)))
                }
                (Op::Before, v) => time_key(&actual) < time_key(&resolve(v)),
                (Op::After, v) => time_key(&actual) > time_key(&resolve(v)),
                (Op::Between, Value::Range(low, high)) => {
                    let (a, lo, hi) = (
                        time_key(&actual),
                        time_key(&resolve(low)),
                        time_key(&resolve(high)),
                    );
                    // A range that wraps midnight ('22:00:00Z' and '06:00:00Z').
                    if lo <= hi {
                        lo <= a && a <= hi
                    } else {
                        a >= lo || a <= hi
                    }
                }
                // Only a hand-built tree pairs an operator with the wrong value shape.
                _ => false,
            };
            let mut shown = String::new();
            value.write(&mut shown);
            if let Value::Word(w) = value
                && let Some(other) = lookup(&w.to_ascii_lowercase())
            {
                shown = format!("{w} ('{other}')");
            }
            match (op, hit) {
                (Op::Ne, false) => Ok(()),
                (Op::Ne, true) => Err(format!("{variable} is {shown}")),
                (_, true) => Ok(()),
                (Op::Eq, false) => Err(format!("{variable} is '{actual}', not {shown}")),
                (_, false) => Err(format!(
                    "{variable} is '{actual}', not {} {shown}",
                    op.as_str()
                )),
            }
        }
    }
}

/// Time values compare as text once a trailing `Z` (UTC) and case are set aside: ISO 8601
/// timestamps, dates and times of day of one shape sort lexicographically, and a date alone
/// sorts before every time on that day (it means that day's midnight).
fn time_key(s: &str) -> String {
    s.trim()
        .to_ascii_uppercase()
        .trim_end_matches('Z')
        .to_string()
}

fn eq_ignore_case(a: &str, b: &str) -> bool {
    a == b || a.to_lowercase() == b.to_lowercase()
}

/// `*` matches any run of characters (including none); everything else matches itself,
/// ignoring case. Iterative with one backtrack point, so linear-time in practice.
fn glob_ignore_case(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}
