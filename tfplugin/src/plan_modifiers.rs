//! Attribute plan modifiers: plan behaviour declared on the schema as composable values, run by
//! the framework in step 3 of the plan pipeline (DESIGN.md "Plan pipeline").
//!
//! Attach them with [`crate::schema::AttributeBuilder::plan_modifier`] (or the sugar
//! `.requires_replace()` / `.use_state_for_unknown()`), and on nested blocks with
//! [`crate::schema::BlockBuilder::plan_modifier`]:
//!
//! ```
//! use tfplugin::{Schema, Value, plan_modifiers as pm};
//! # #[derive(serde::Serialize, serde::Deserialize, schemars::JsonSchema, Default)]
//! # struct Rule { name: Value<String>, rule_id: Value<String> }
//! #[derive(serde::Serialize, serde::Deserialize, schemars::JsonSchema, Default)]
//! struct PolicyState {
//!     id: Value<String>,
//!     statements: Value<Vec<String>>,
//!     document: Value<String>,
//!     rule: Vec<Rule>,
//! }
//! let schema = Schema::builder::<PolicyState>()
//!     .attribute("id", |a| a.computed().plan_modifier(pm::use_state_for_unknown()))
//!     // Keep prior element i when it means the same as configured element i.
//!     .attribute("statements", |a| {
//!         a.required().plan_modifier(pm::keep_prior_if_equivalent(|a: &str, b: &str| {
//!             a.split_whitespace().eq(b.split_whitespace())
//!         }))
//!     })
//!     .attribute("document", |a| a.optional().plan_modifier(pm::semantic_equal(pm::json_equal)))
//!     .block("rule", |b| {
//!         b.plan_modifier(pm::match_elements_by_key("name"))
//!             .attribute("name", |a| a.required())
//!             .attribute("rule_id", |a| a.computed().use_state_for_unknown())
//!     })
//!     .build();
//! # let _ = schema;
//! ```
//!
//! # How the framework runs them
//! Modifiers work in two phases, so the order in which an attribute lists them does not matter:
//! 1. *Values*: every modifier's [`PlanModifier::plan`] may change the planned value (keep the
//!    prior one). Nested-block elements are paired with their prior and configured elements by
//!    position, or by key when the block has [`match_elements_by_key`].
//! 2. *Replacement*: on the final planned values, an attribute (or block) whose value differs
//!    from the prior one forces replacement when one of its modifiers'
//!    [`PlanModifier::requires_replace`] says so.
//!
//! Before computed attributes are marked unknown (step 2), the framework first runs phase 1 on
//! the unmarked plan: when that alone makes the plan equal to the prior state (say only a
//! semantically equal rewrite of a policy statement), the plan is the prior state and nothing is
//! marked unknown, so Terraform shows no change.

use std::fmt;
use std::sync::Arc;

use crate::cty::{Type, Val};
use crate::diagnostics::AttributePath;
use crate::schema::Attribute;

/// One attribute's (or nested block's) planning step, as a modifier sees it.
pub struct AttributePlan<'a> {
    /// Where the value is (set elements address the set itself).
    pub path: &'a AttributePath,
    /// The prior state value; `Val::Null` when the enclosing object is new (see
    /// [`Self::is_new`]).
    pub prior: &'a Val,
    /// The configured value.
    pub config: &'a Val,
    /// The value's type (for a nested block, the type of the whole block value).
    pub ty: &'a Type,
    /// The planned value so far; change it to plan something else.
    pub planned: &'a mut Val,
    /// The enclosing object's prior value: the resource's prior state, or the nested block
    /// element paired with this one. `Val::Null` when there is none.
    pub prior_object: &'a Val,
    /// The enclosing object's configured value (resource configuration or block element).
    pub config_object: &'a Val,
}

impl AttributePlan<'_> {
    /// True when there is no prior object to keep values from: a create, or a nested block
    /// element with no prior partner.
    pub fn is_new(&self) -> bool {
        *self.prior_object == Val::Null
    }
}

/// A plan modifier (see the module docs for when each method runs).
pub trait PlanModifier: Send + Sync {
    /// A sentence for documentation and the generated schema JSON.
    fn description(&self) -> String;

    /// Phase 1: adjust `req.planned`. The default does nothing.
    fn plan(&self, _req: &mut AttributePlan<'_>) {}

    /// Phase 2: whether changing `prior` into `planned` (which differ) forces replacement. The
    /// default never does.
    fn requires_replace(&self, _prior: &Val, _planned: &Val) -> bool {
        false
    }

    /// For nested list and set blocks: the attribute that identifies an element, so elements are
    /// paired with their prior and configured partners by it instead of by position.
    fn element_key(&self) -> Option<&str> {
        None
    }

    /// Declaration check at schema build time: `attribute` is `None` on a nested block.
    /// Returns the problem in words, e.g. "use_state_for_unknown needs .computed()".
    fn check(&self, _attribute: Option<&Attribute>) -> Result<(), String> {
        Ok(())
    }

    /// Records itself in the schema JSON object of its attribute or block. The default appends
    /// the description to `"plan_modifiers"`.
    fn document(&self, json: &mut serde_json::Map<String, serde_json::Value>) {
        let list = json
            .entry("plan_modifiers")
            .or_insert_with(|| serde_json::Value::Array(Vec::new()));
        if let serde_json::Value::Array(items) = list {
            items.push(self.description().into());
        }
    }
}

impl fmt::Debug for dyn PlanModifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.description())
    }
}

// ---------------------------------------------------------------------------------------------
// Use state for unknown

/// On an existing object, keep the prior state value instead of planning unknown (for computed
/// values that never change after create: ids, creation times). A null prior value is kept too:
/// it is a real value (e.g. an optional key that was never set), and planning it unknown would
/// force a replacement whenever the attribute also requires replacement.
pub fn use_state_for_unknown() -> Arc<dyn PlanModifier> {
    Arc::new(UseStateForUnknown { condition: None })
}

/// Like [`use_state_for_unknown`], but only when `condition` holds, e.g. "the element's
/// duration did not change" for a modification time.
pub fn use_state_for_unknown_if<F>(description: &str, condition: F) -> Arc<dyn PlanModifier>
where
    F: Fn(&AttributePlan<'_>) -> bool + Send + Sync + 'static,
{
    Arc::new(UseStateForUnknown {
        condition: Some((description.to_string(), Box::new(condition))),
    })
}

type PlanCondition = Box<dyn Fn(&AttributePlan<'_>) -> bool + Send + Sync>;

struct UseStateForUnknown {
    condition: Option<(String, PlanCondition)>,
}

impl PlanModifier for UseStateForUnknown {
    fn description(&self) -> String {
        match &self.condition {
            None => "use state for unknown".into(),
            Some((d, _)) => format!("use state for unknown when {d}"),
        }
    }
    fn plan(&self, req: &mut AttributePlan<'_>) {
        if req.is_new() || *req.planned != Val::Unknown || *req.config != Val::Null {
            return;
        }
        if let Some((_, condition)) = &self.condition
            && !condition(req)
        {
            return;
        }
        *req.planned = req.prior.clone();
    }
    fn check(&self, attribute: Option<&Attribute>) -> Result<(), String> {
        match attribute {
            Some(a) if !a.computed => Err("use_state_for_unknown needs .computed()".into()),
            None => Err("use_state_for_unknown applies to attributes, not blocks".into()),
            _ => Ok(()),
        }
    }
    fn document(&self, json: &mut serde_json::Map<String, serde_json::Value>) {
        match &self.condition {
            None => {
                json.insert("use_state_for_unknown".into(), true.into());
            }
            Some((d, _)) => {
                json.insert("use_state_for_unknown_if".into(), d.clone().into());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Requires replace

/// A change forces the resource to be replaced. On a nested block: a change anywhere in it.
pub fn requires_replace() -> Arc<dyn PlanModifier> {
    Arc::new(RequiresReplace { condition: None })
}

/// A change forces replacement when `condition(prior, planned)` says so (both in JSON form);
/// `description` documents the condition. Not called when the planned value is unknown or
/// equal to the prior value.
pub fn requires_replace_if<F>(description: &str, condition: F) -> Arc<dyn PlanModifier>
where
    F: Fn(&serde_json::Value, &serde_json::Value) -> bool + Send + Sync + 'static,
{
    Arc::new(RequiresReplace {
        condition: Some((description.to_string(), Box::new(condition))),
    })
}

type ReplaceCondition = Box<dyn Fn(&serde_json::Value, &serde_json::Value) -> bool + Send + Sync>;

struct RequiresReplace {
    condition: Option<(String, ReplaceCondition)>,
}

impl PlanModifier for RequiresReplace {
    fn description(&self) -> String {
        match &self.condition {
            None => "requires replace".into(),
            Some((d, _)) => format!("requires replace when {d}"),
        }
    }
    fn requires_replace(&self, prior: &Val, planned: &Val) -> bool {
        match &self.condition {
            None => true,
            Some((_, f)) => {
                *planned != Val::Unknown && f(&prior.to_serde_json(), &planned.to_serde_json())
            }
        }
    }
    fn check(&self, attribute: Option<&Attribute>) -> Result<(), String> {
        match attribute {
            Some(a) if a.write_only => Err("write-only values are never planned".into()),
            _ => Ok(()),
        }
    }
    fn document(&self, json: &mut serde_json::Map<String, serde_json::Value>) {
        match &self.condition {
            None => {
                json.insert("requires_replace".into(), true.into());
            }
            Some((d, _)) => {
                json.insert("requires_replace_if".into(), d.clone().into());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Semantic equality

/// Keeps the prior value when the configured one means the same under `equivalent(prior,
/// configured)`, so a rewrite that does not change the meaning plans no change (and the value
/// Terraform checks after apply is the one the API keeps returning).
///
/// Works on strings, and element-wise on collections of strings: a list keeps prior element
/// `i` when it is equivalent to configured element `i`; a set keeps any prior element
/// equivalent to a configured one; a map compares per key. Unknown and null values are left
/// alone. Stock functions: [`json_equal`], [`case_insensitive`].
pub fn semantic_equal<F>(equivalent: F) -> Arc<dyn PlanModifier>
where
    F: Fn(&str, &str) -> bool + Send + Sync + 'static,
{
    Arc::new(SemanticEqual(Box::new(equivalent)))
}

/// The same modifier as [`semantic_equal`], named for what it does at the call site:
/// `.plan_modifier(keep_prior_if_equivalent(|a: &str, b: &str| canonical(a) == canonical(b)))`.
pub fn keep_prior_if_equivalent<F>(equivalent: F) -> Arc<dyn PlanModifier>
where
    F: Fn(&str, &str) -> bool + Send + Sync + 'static,
{
    semantic_equal(equivalent)
}

/// Two JSON texts are equal as JSON values (whitespace and key order do not matter). Texts that
/// are not JSON are equal only when identical. Bounded: texts over 1 MiB compare as text.
pub fn json_equal(a: &str, b: &str) -> bool {
    const MAX: usize = 1 << 20;
    if a == b {
        return true;
    }
    if a.len() > MAX || b.len() > MAX {
        return false;
    }
    // serde_json limits nesting depth to 128 itself, so a hostile text cannot overflow the stack.
    match (
        serde_json::from_str::<serde_json::Value>(a),
        serde_json::from_str::<serde_json::Value>(b),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Two texts are equal ignoring ASCII and Unicode case (for enums the API spells its own way).
pub fn case_insensitive(a: &str, b: &str) -> bool {
    a == b || a.to_lowercase() == b.to_lowercase()
}

type Equivalence = Box<dyn Fn(&str, &str) -> bool + Send + Sync>;

struct SemanticEqual(Equivalence);

impl SemanticEqual {
    fn same(&self, prior: &Val, config: &Val) -> bool {
        match (prior, config) {
            (Val::String(p), Val::String(c)) => p == c || (self.0)(p, c),
            _ => false,
        }
    }
}

impl PlanModifier for SemanticEqual {
    fn description(&self) -> String {
        "keeps the prior value when the configured one is semantically equal".into()
    }
    fn plan(&self, req: &mut AttributePlan<'_>) {
        if req.is_new() || *req.planned == *req.prior {
            return;
        }
        // Only a value that is still what configuration says is ours to normalise.
        if *req.planned != *req.config {
            return;
        }
        match (req.prior, req.config, &mut *req.planned) {
            (Val::String(_), Val::String(_), planned) if self.same(req.prior, req.config) => {
                *planned = req.prior.clone();
            }
            (Val::List(prior), Val::List(config), Val::List(planned)) => {
                let set = matches!(req.ty, Type::Set(_));
                let mut used = vec![false; prior.len()];
                for (i, slot) in planned.iter_mut().enumerate() {
                    let Some(c) = config.get(i) else { continue };
                    if set {
                        // Set elements have no position: keep an unused prior element meaning
                        // the same (each at most once, so the set keeps its size).
                        if let Some(j) =
                            (0..prior.len()).find(|&j| !used[j] && self.same(&prior[j], c))
                        {
                            used[j] = true;
                            *slot = prior[j].clone();
                        }
                    } else if let Some(p) = prior.get(i)
                        && self.same(p, c)
                    {
                        *slot = p.clone();
                    }
                }
            }
            (Val::Map(prior), Val::Map(config), Val::Map(planned)) => {
                for (k, slot) in planned.iter_mut() {
                    if let (Some(p), Some(c)) = (prior.get(k), config.get(k))
                        && self.same(p, c)
                    {
                        *slot = p.clone();
                    }
                }
            }
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Match elements by key

/// On a nested list or set block: pair each element with the prior and configured element that
/// has the same value of the `key` attribute, instead of the one at the same position. The
/// element's own modifiers then see its real prior values (an added or reordered element no
/// longer takes its neighbour's id), and replacement paths follow the key. Keys should be
/// unique; declare [`crate::config_validators::unique_key`] to say so at validate time.
pub fn match_elements_by_key(key: &str) -> Arc<dyn PlanModifier> {
    Arc::new(MatchByKey(key.to_string()))
}

struct MatchByKey(String);

impl PlanModifier for MatchByKey {
    fn description(&self) -> String {
        format!("elements matched by {}", self.0)
    }
    fn element_key(&self) -> Option<&str> {
        Some(&self.0)
    }
    fn check(&self, attribute: Option<&Attribute>) -> Result<(), String> {
        match attribute {
            Some(_) => Err("match_elements_by_key applies to nested list and set blocks".into()),
            None => Ok(()),
        }
    }
    fn document(&self, json: &mut serde_json::Map<String, serde_json::Value>) {
        json.insert("match_elements_by".into(), self.0.clone().into());
    }
}

/// The element of `list` whose `key` attribute equals `element`'s, or null. Unknown or null keys
/// match nothing.
pub(crate) fn find_by_key<'v>(list: &'v Val, key: &str, element: &Val) -> &'v Val {
    static NULL: Val = Val::Null;
    let k = element.attr(key);
    if matches!(k, Val::Null | Val::Unknown) {
        return &NULL;
    }
    match list {
        Val::List(items) => items.iter().find(|x| x.attr(key) == k).unwrap_or(&NULL),
        _ => &NULL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Val {
        Val::String(x.into())
    }

    /// Runs `m.plan` on one value inside an existing (or, with `new`, a new) object.
    fn plan(
        m: &Arc<dyn PlanModifier>,
        ty: &Type,
        prior: Val,
        config: Val,
        planned: Val,
        new: bool,
    ) -> Val {
        let path = AttributePath::new("a");
        let prior_object = if new {
            Val::Null
        } else {
            Val::Map([("a".to_string(), prior.clone())].into())
        };
        let config_object = Val::Map([("a".to_string(), config.clone())].into());
        let mut planned = planned;
        m.plan(&mut AttributePlan {
            path: &path,
            prior: if new { &Val::Null } else { &prior },
            config: &config,
            ty,
            planned: &mut planned,
            prior_object: &prior_object,
            config_object: &config_object,
        });
        planned
    }

    #[test]
    fn use_state_for_unknown_keeps_prior_only_for_unknown_unconfigured_values_of_existing_objects()
    {
        let m = use_state_for_unknown();
        let t = Type::String;
        assert_eq!(
            plan(&m, &t, s("id-1"), Val::Null, Val::Unknown, false),
            s("id-1")
        );
        assert_eq!(
            plan(&m, &t, Val::Null, Val::Null, Val::Unknown, false),
            Val::Null,
            "a null prior is a value"
        );
        assert_eq!(
            plan(&m, &t, s("id-1"), Val::Null, Val::Unknown, true),
            Val::Unknown,
            "create"
        );
        assert_eq!(
            plan(&m, &t, s("id-1"), Val::Unknown, Val::Unknown, false),
            Val::Unknown,
            "unknown config"
        );
        assert_eq!(
            plan(&m, &t, s("a"), s("b"), s("b"), false),
            s("b"),
            "known plan"
        );
    }

    #[test]
    fn use_state_for_unknown_if_asks_its_condition() {
        let m = use_state_for_unknown_if("the object's a is unchanged", |p| {
            p.prior_object.attr("a") == p.config_object.attr("a")
        });
        let t = Type::String;
        // Here the object's "a" is the attribute itself: prior null vs config null is equal.
        assert_eq!(
            plan(&m, &t, Val::Null, Val::Null, Val::Unknown, false),
            Val::Null
        );
        let never = use_state_for_unknown_if("never", |_| false);
        assert_eq!(
            plan(&never, &t, s("x"), Val::Null, Val::Unknown, false),
            Val::Unknown
        );
        assert!(m.description().contains("unchanged"));
    }

    #[test]
    fn requires_replace_forces_every_change_and_the_conditional_form_asks() {
        assert!(requires_replace().requires_replace(&s("a"), &s("b")));
        let removing = requires_replace_if("removing it", |p, n| !p.is_null() && n.is_null());
        assert!(removing.requires_replace(&s("a"), &Val::Null));
        assert!(!removing.requires_replace(&s("a"), &s("b")));
        assert!(
            !removing.requires_replace(&s("a"), &Val::Unknown),
            "unknown is not decided"
        );
        let mut j = serde_json::Map::new();
        requires_replace().document(&mut j);
        removing.document(&mut j);
        assert_eq!(j["requires_replace"], true);
        assert_eq!(j["requires_replace_if"], "removing it");
    }

    #[test]
    fn semantic_equal_keeps_prior_strings_that_mean_the_same() {
        let m = semantic_equal(json_equal);
        let t = Type::String;
        let prior = s(r#"{"a":1,"b":[2]}"#);
        let same = s("{ \"b\": [2], \"a\": 1 }");
        assert_eq!(
            plan(&m, &t, prior.clone(), same.clone(), same.clone(), false),
            prior
        );
        let other = s(r#"{"a":2}"#);
        assert_eq!(
            plan(&m, &t, prior.clone(), other.clone(), other.clone(), false),
            other
        );
        assert_eq!(
            plan(&m, &t, prior.clone(), same.clone(), same.clone(), true),
            same,
            "create"
        );
        assert_eq!(
            plan(&m, &t, prior.clone(), Val::Unknown, Val::Unknown, false),
            Val::Unknown
        );
        let m = semantic_equal(case_insensitive);
        assert_eq!(
            plan(&m, &t, s("Enabled"), s("ENABLED"), s("ENABLED"), false),
            s("Enabled")
        );
        assert_eq!(
            plan(&m, &t, s("Enabled"), s("Disabled"), s("Disabled"), false),
            s("Disabled")
        );
    }

    #[test]
    fn keep_prior_if_equivalent_works_element_wise_on_lists_sets_and_maps() {
        let m = keep_prior_if_equivalent(|a: &str, b: &str| {
            a.split_whitespace().eq(b.split_whitespace())
        });
        let list = Type::List(Box::new(Type::String));
        let prior = Val::List(vec![
            s("Allow group A to read all"),
            s("Allow group B to use x"),
        ]);
        let config = Val::List(vec![
            s("Allow  group A to read all"),
            s("Allow group C to use x"),
        ]);
        assert_eq!(
            plan(
                &m,
                &list,
                prior.clone(),
                config.clone(),
                config.clone(),
                false
            ),
            Val::List(vec![
                s("Allow group A to read all"),
                s("Allow group C to use x")
            ]),
            "element 0 is equivalent, element 1 changed"
        );
        // Lists compare by position: a swapped pair is a change.
        let swapped = Val::List(vec![
            s("Allow group B to use x"),
            s("Allow group A  to read all"),
        ]);
        assert_eq!(
            plan(
                &m,
                &list,
                prior.clone(),
                swapped.clone(),
                swapped.clone(),
                false
            ),
            swapped
        );
        // Sets compare by meaning.
        let set = Type::Set(Box::new(Type::String));
        assert_eq!(
            plan(&m, &set, prior.clone(), swapped.clone(), swapped, false),
            Val::List(vec![
                s("Allow group B to use x"),
                s("Allow group A to read all")
            ])
        );
        let map = Type::Map(Box::new(Type::String));
        let pm = Val::Map([("k".to_string(), s("a  b"))].into());
        let cm = Val::Map([("k".to_string(), s("a b"))].into());
        assert_eq!(plan(&m, &map, pm.clone(), cm.clone(), cm, false), pm);
    }

    #[test]
    fn json_equal_and_case_insensitive() {
        assert!(json_equal("[1, 2]", "[1,2]"));
        assert!(!json_equal("[1, 2]", "[2,1]"));
        assert!(!json_equal("not json", "not  json"));
        assert!(json_equal("not json", "not json"));
        let deep = "[".repeat(100_000);
        assert!(
            !json_equal(&deep, &format!("{deep} ")),
            "deep input is refused, not a crash"
        );
        assert!(case_insensitive("Standard", "STANDARD"));
        assert!(!case_insensitive("Standard", "Archive"));
    }

    #[test]
    fn match_elements_by_key_names_the_key_and_finds_partners() {
        let m = match_elements_by_key("name");
        assert_eq!(m.element_key(), Some("name"));
        assert!(m.check(None).is_ok());
        let el = |n: &str, id: &str| {
            Val::Map([("name".to_string(), s(n)), ("id".to_string(), s(id))].into())
        };
        let prior = Val::List(vec![el("a", "1"), el("b", "2")]);
        assert_eq!(find_by_key(&prior, "name", &el("b", "?")), &el("b", "2"));
        assert_eq!(find_by_key(&prior, "name", &el("c", "?")), &Val::Null);
        let unknown_key = Val::Map([("name".to_string(), Val::Unknown)].into());
        assert_eq!(find_by_key(&prior, "name", &unknown_key), &Val::Null);
    }
}
