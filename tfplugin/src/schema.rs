//! Schemas, built from the state struct.
//!
//! Names, types and descriptions come from the struct through `schemars` (doc comments become
//! descriptions); the builder adds what a struct cannot say: required / optional / computed,
//! sensitive, write-only, defaults, plan modifiers ([`crate::plan_modifiers`]), attribute
//! validators ([`crate::validators`]) and rules between attributes
//! ([`crate::config_validators`]). Fields whose type is a struct, or a `Vec`/`BTreeSet` of structs, become nested
//! blocks (single, list, set); everything else becomes an attribute.
//!
//! ```
//! use tfplugin::{Schema, Value, validators};
//! #[derive(serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
//! struct ThingState {
//!     /// Identifier assigned on create.
//!     id: Value<String>,
//!     /// Name of the thing.
//!     name: Value<String>,
//! }
//! let schema = Schema::builder::<ThingState>()
//!     .attribute("id", |a| a.computed().use_state_for_unknown())
//!     .attribute("name", |a| a.required().requires_replace().validator(validators::length(1, 64)))
//!     .build();
//! assert_eq!(schema.block.attribute("name").unwrap().description, "Name of the thing.");
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::Serialize;

use crate::config_validators::{self, ConfigValidator};
use crate::cty::{Type, Val};
use crate::diagnostics::AttributePath;
use crate::plan_modifiers::{self, PlanModifier};
use crate::validator::Validator;

/// The schema of a provider, resource or data source.
#[derive(Clone, Debug)]
pub struct Schema {
    /// Schema version, stored by Terraform with each resource instance; bump it when stored state
    /// needs [`crate::Resource::upgrade`].
    pub version: i64,
    /// The top-level block.
    pub block: Block,
    /// The JSON Schema of the state struct the schema was built from (what
    /// `schemars::schema_for!` gives), for generated documentation; null for [`Schema::empty`].
    pub state_json_schema: serde_json::Value,
}

/// A block: attributes and nested blocks.
#[derive(Clone, Debug, Default)]
pub struct Block {
    /// Attributes, sorted by name.
    pub attributes: Vec<Attribute>,
    /// Nested block types.
    pub blocks: Vec<NestedBlock>,
    /// Description (the struct's doc comment).
    pub description: String,
    /// Deprecation message, if deprecated.
    pub deprecated: Option<String>,
    /// Plan modifiers of the block as a whole (nested blocks only): replacement on any change,
    /// element matching by key.
    pub plan_modifiers: Vec<Arc<dyn PlanModifier>>,
    /// Rules between this block's attributes, checked on each of its values.
    pub config_validators: Vec<Arc<dyn ConfigValidator>>,
}

/// How a nested block repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    /// At most one; null when absent.
    Single,
    /// A list of blocks (`[]` when none).
    List,
    /// A set of blocks (`[]` when none).
    Set,
    /// Blocks keyed by label.
    Map,
    /// Exactly one, never null (absent means all attributes null).
    Group,
}

/// A nested block type.
#[derive(Clone, Debug)]
pub struct NestedBlock {
    /// Block type name (the struct field name).
    pub name: String,
    /// How it repeats.
    pub nesting: Nesting,
    /// Minimum count (0 = none).
    pub min_items: i64,
    /// Maximum count (0 = unlimited).
    pub max_items: i64,
    /// The block's content.
    pub block: Block,
}

/// One attribute.
#[derive(Clone)]
pub struct Attribute {
    /// Attribute name (the struct field name after serde renames).
    pub name: String,
    /// Its cty type.
    pub ty: Type,
    /// Description (the field's doc comment).
    pub description: String,
    /// Must be set in configuration.
    pub required: bool,
    /// May be set in configuration.
    pub optional: bool,
    /// May be set by the provider.
    pub computed: bool,
    /// Hidden in Terraform's output.
    pub sensitive: bool,
    /// Accepted in configuration but never stored (always null in state and plan).
    pub write_only: bool,
    /// Deprecation message, if deprecated.
    pub deprecated: Option<String>,
    /// Plan modifiers ([`crate::plan_modifiers`]): keep prior values, force replacement.
    pub plan_modifiers: Vec<Arc<dyn PlanModifier>>,
    /// Value planned when configuration leaves the attribute null.
    pub default: Option<Val>,
    /// Validators run on known configuration values.
    pub validators: Vec<Arc<dyn Validator>>,
}

impl fmt::Debug for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attribute")
            .field("name", &self.name)
            .field("ty", &self.ty)
            .field("required", &self.required)
            .field("optional", &self.optional)
            .field("computed", &self.computed)
            .field("sensitive", &self.sensitive)
            .field("write_only", &self.write_only)
            .field("plan_modifiers", &self.plan_modifiers)
            .field("default", &self.default)
            .finish_non_exhaustive()
    }
}

impl Schema {
    /// Starts a schema from the state struct `T`.
    pub fn builder<T: JsonSchema>() -> SchemaBuilder {
        let generator = schemars::generate::SchemaSettings::draft2020_12()
            .with(|s| s.inline_subschemas = true)
            .into_generator();
        let root = generator.into_root_schema_for::<T>();
        let mut errors = Vec::new();
        let block = draft_block(root.as_value(), "", &mut errors);
        let state_json_schema = schemars::SchemaGenerator::default()
            .into_root_schema_for::<T>()
            .to_value();
        SchemaBuilder {
            version: 0,
            block,
            state_json_schema,
            errors,
        }
    }

    /// An empty schema (a provider with no configuration).
    pub fn empty() -> Schema {
        Schema {
            version: 0,
            block: Block::default(),
            state_json_schema: serde_json::Value::Null,
        }
    }

    /// The cty object type of values of this schema.
    pub fn value_type(&self) -> Type {
        self.block.value_type()
    }

    /// A JSON description of the schema, for the checked-in `schemas/*.json` files and docs.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "version": self.version, "block": self.block.to_json() })
    }
}

impl Block {
    /// The attribute called `name`.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The nested block type called `name`.
    pub fn nested(&self, name: &str) -> Option<&NestedBlock> {
        self.blocks.iter().find(|b| b.name == name)
    }

    /// The cty object type of this block's values.
    pub fn value_type(&self) -> Type {
        let mut attrs: BTreeMap<String, Type> = self
            .attributes
            .iter()
            .map(|a| (a.name.clone(), a.ty.clone()))
            .collect();
        for b in &self.blocks {
            let inner = b.block.value_type();
            let t = match b.nesting {
                Nesting::Single | Nesting::Group => inner,
                Nesting::List => Type::List(Box::new(inner)),
                Nesting::Set => Type::Set(Box::new(inner)),
                Nesting::Map => Type::Map(Box::new(inner)),
            };
            attrs.insert(b.name.clone(), t);
        }
        Type::Object(attrs)
    }

    /// Names of all attributes and nested block types.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.attributes.iter().map(|a| a.name.clone()).collect();
        v.extend(self.blocks.iter().map(|b| b.name.clone()));
        v.sort();
        v
    }

    fn to_json(&self) -> serde_json::Value {
        let attrs: serde_json::Map<String, serde_json::Value> = self
            .attributes
            .iter()
            .map(|a| (a.name.clone(), a.to_json()))
            .collect();
        let blocks: serde_json::Map<String, serde_json::Value> = self
            .blocks
            .iter()
            .map(|b| {
                let mut j = serde_json::json!({
                    "nesting": format!("{:?}", b.nesting).to_lowercase(),
                    "block": b.block.to_json(),
                });
                if b.min_items > 0 {
                    j["min_items"] = b.min_items.into();
                }
                if b.max_items > 0 {
                    j["max_items"] = b.max_items.into();
                }
                (b.name.clone(), j)
            })
            .collect();
        let mut j = serde_json::json!({ "attributes": attrs });
        if !blocks.is_empty() {
            j["block_types"] = blocks.into();
        }
        if !self.description.is_empty() {
            j["description"] = self.description.clone().into();
        }
        if let Some(d) = &self.deprecated {
            j["deprecated"] = d.clone().into();
        }
        if let Some(obj) = j.as_object_mut() {
            for m in &self.plan_modifiers {
                m.document(obj);
            }
        }
        if !self.config_validators.is_empty() {
            j["config_validators"] = self
                .config_validators
                .iter()
                .map(|v| v.description())
                .collect();
        }
        j
    }
}

impl Attribute {
    fn to_json(&self) -> serde_json::Value {
        let mut j = serde_json::json!({ "type": self.ty.to_json() });
        let flags = [
            ("required", self.required),
            ("optional", self.optional),
            ("computed", self.computed),
            ("sensitive", self.sensitive),
            ("write_only", self.write_only),
        ];
        for (k, on) in flags {
            if on {
                j[k] = true.into();
            }
        }
        if !self.description.is_empty() {
            j["description"] = self.description.clone().into();
        }
        if let Some(obj) = j.as_object_mut() {
            for m in &self.plan_modifiers {
                m.document(obj);
            }
        }
        if let Some(d) = &self.default {
            j["default"] = d.to_serde_json();
        }
        if let Some(d) = &self.deprecated {
            j["deprecated"] = d.clone().into();
        }
        if !self.validators.is_empty() {
            j["validators"] = self.validators.iter().map(|v| v.description()).collect();
        }
        j
    }
}

// ---------------------------------------------------------------------------------------------
// Builder

/// Builds a [`Schema`]; see the module docs.
pub struct SchemaBuilder {
    version: i64,
    block: Block,
    state_json_schema: serde_json::Value,
    errors: Vec<String>,
}

/// Declares one attribute's behaviour; passed to [`SchemaBuilder::attribute`].
pub struct AttributeBuilder {
    attr: Attribute,
}

/// Declares a nested block's behaviour; passed to [`SchemaBuilder::block`].
pub struct BlockBuilder {
    nested: NestedBlock,
    errors: Vec<String>,
}

impl SchemaBuilder {
    /// Sets the schema version (default 0).
    #[must_use]
    pub fn version(mut self, v: i64) -> Self {
        self.version = v;
        self
    }

    /// Overrides the description (default: the struct's doc comment).
    #[must_use]
    pub fn description(mut self, d: &str) -> Self {
        self.block.description = d.to_string();
        self
    }

    /// Declares the attribute `name` (a field of the struct).
    #[must_use]
    pub fn attribute(
        mut self,
        name: &str,
        f: impl FnOnce(AttributeBuilder) -> AttributeBuilder,
    ) -> Self {
        configure_attribute(&mut self.block, "", name, f, &mut self.errors);
        self
    }

    /// Declares the nested block `name` (a struct, `Vec` or set-of-struct field).
    #[must_use]
    pub fn block(mut self, name: &str, f: impl FnOnce(BlockBuilder) -> BlockBuilder) -> Self {
        configure_block(&mut self.block, "", name, f, &mut self.errors);
        self
    }

    /// Adds a rule between attributes of the resource (see [`crate::config_validators`]).
    #[must_use]
    pub fn config_validator(mut self, v: impl ConfigValidator + 'static) -> Self {
        self.block.config_validators.push(config_validators::arc(v));
        self
    }

    /// Finishes the schema.
    ///
    /// # Panics
    /// On any declaration mistake (an unknown name, an attribute that is neither required,
    /// optional nor computed, a default on a non-computed attribute, ...), listing all of them.
    /// Schemas are static, so the provider's schema unit tests catch this, and [`crate::serve`]
    /// builds every schema before it answers Terraform.
    pub fn build(self) -> Schema {
        match self.try_build() {
            Ok(s) => s,
            Err(errors) => panic!("invalid schema:\n  {}", errors.join("\n  ")),
        }
    }

    /// Finishes the schema, returning the declaration mistakes instead of panicking.
    pub fn try_build(mut self) -> Result<Schema, Vec<String>> {
        check_block(&self.block, "", &mut self.errors);
        if self.errors.is_empty() {
            Ok(Schema {
                version: self.version,
                block: self.block,
                state_json_schema: self.state_json_schema,
            })
        } else {
            Err(self.errors)
        }
    }
}

impl BlockBuilder {
    /// Declares an attribute of this block.
    #[must_use]
    pub fn attribute(
        mut self,
        name: &str,
        f: impl FnOnce(AttributeBuilder) -> AttributeBuilder,
    ) -> Self {
        let prefix = format!("{}.", self.nested.name);
        configure_attribute(&mut self.nested.block, &prefix, name, f, &mut self.errors);
        self
    }

    /// Declares a block nested in this block.
    #[must_use]
    pub fn block(mut self, name: &str, f: impl FnOnce(BlockBuilder) -> BlockBuilder) -> Self {
        let prefix = format!("{}.", self.nested.name);
        configure_block(&mut self.nested.block, &prefix, name, f, &mut self.errors);
        self
    }

    /// Minimum number of blocks.
    #[must_use]
    pub fn min_items(mut self, n: i64) -> Self {
        self.nested.min_items = n;
        self
    }

    /// Maximum number of blocks.
    #[must_use]
    pub fn max_items(mut self, n: i64) -> Self {
        self.nested.max_items = n;
        self
    }

    /// Overrides the nesting mode derived from the field type.
    #[must_use]
    pub fn nesting(mut self, n: Nesting) -> Self {
        self.nested.nesting = n;
        self
    }

    /// Any change inside the block forces replacement (sugar for
    /// `.plan_modifier(plan_modifiers::requires_replace())`).
    #[must_use]
    pub fn requires_replace(self) -> Self {
        self.plan_modifier(plan_modifiers::requires_replace())
    }

    /// Adds a plan modifier of the block as a whole, e.g.
    /// [`plan_modifiers::match_elements_by_key`].
    #[must_use]
    pub fn plan_modifier(mut self, m: Arc<dyn PlanModifier>) -> Self {
        self.nested.block.plan_modifiers.push(m);
        self
    }

    /// Adds a rule between this block's attributes, checked on each element.
    #[must_use]
    pub fn config_validator(mut self, v: impl ConfigValidator + 'static) -> Self {
        self.nested
            .block
            .config_validators
            .push(config_validators::arc(v));
        self
    }

    /// Marks the block deprecated.
    #[must_use]
    pub fn deprecated(mut self, message: &str) -> Self {
        self.nested.block.deprecated = Some(message.to_string());
        self
    }
}

impl AttributeBuilder {
    /// Must be set in configuration.
    #[must_use]
    pub fn required(mut self) -> Self {
        self.attr.required = true;
        self
    }
    /// May be set in configuration.
    #[must_use]
    pub fn optional(mut self) -> Self {
        self.attr.optional = true;
        self
    }
    /// Set by the provider (combine with `optional()` for "optional + computed").
    #[must_use]
    pub fn computed(mut self) -> Self {
        self.attr.computed = true;
        self
    }
    /// Hidden in Terraform's output.
    #[must_use]
    pub fn sensitive(mut self) -> Self {
        self.attr.sensitive = true;
        self
    }
    /// Write-only (protocol 6.8): read from configuration, never stored; always null in state.
    #[must_use]
    pub fn write_only(mut self) -> Self {
        self.attr.write_only = true;
        self
    }
    /// Deprecated, with a message shown when used.
    #[must_use]
    pub fn deprecated(mut self, message: &str) -> Self {
        self.attr.deprecated = Some(message.to_string());
        self
    }
    /// Overrides the description (default: the field's doc comment).
    #[must_use]
    pub fn description(mut self, d: &str) -> Self {
        self.attr.description = d.to_string();
        self
    }
    /// Adds a plan modifier (see [`crate::plan_modifiers`]).
    #[must_use]
    pub fn plan_modifier(mut self, m: Arc<dyn PlanModifier>) -> Self {
        self.attr.plan_modifiers.push(m);
        self
    }
    /// A change forces the resource to be replaced (sugar for
    /// `.plan_modifier(plan_modifiers::requires_replace())`).
    #[must_use]
    pub fn requires_replace(self) -> Self {
        self.plan_modifier(plan_modifiers::requires_replace())
    }
    /// A change forces replacement when `f(prior, planned)` says so; `description` documents the
    /// condition. Sugar for [`plan_modifiers::requires_replace_if`].
    #[must_use]
    pub fn requires_replace_if<F>(self, description: &str, f: F) -> Self
    where
        F: Fn(&serde_json::Value, &serde_json::Value) -> bool + Send + Sync + 'static,
    {
        self.plan_modifier(plan_modifiers::requires_replace_if(description, f))
    }
    /// On update, keep the prior state value rather than planning unknown (computed only).
    /// Sugar for [`plan_modifiers::use_state_for_unknown`].
    #[must_use]
    pub fn use_state_for_unknown(self) -> Self {
        self.plan_modifier(plan_modifiers::use_state_for_unknown())
    }
    /// Value planned when configuration leaves the attribute null (needs `optional().computed()`).
    ///
    /// # Panics
    /// If `value` cannot be serialized (a programming error).
    #[must_use]
    pub fn default(mut self, value: impl Serialize) -> Self {
        let j = serde_json::to_value(value).expect("default value must serialize");
        self.attr.default = Some(Val::from_serde_json(&j));
        self
    }
    /// Adds a validator (see [`crate::validators`]).
    #[must_use]
    pub fn validator(mut self, v: Arc<dyn Validator>) -> Self {
        self.attr.validators.push(v);
        self
    }
}

fn configure_attribute(
    block: &mut Block,
    prefix: &str,
    name: &str,
    f: impl FnOnce(AttributeBuilder) -> AttributeBuilder,
    errors: &mut Vec<String>,
) {
    let Some(i) = block.attributes.iter().position(|a| a.name == name) else {
        let hint = if block.nested(name).is_some() {
            " (it is a nested block: use .block)"
        } else {
            ""
        };
        errors.push(format!(
            "attribute {prefix}{name}: no such field in the state struct{hint}"
        ));
        return;
    };
    let placeholder = block.attributes[i].clone();
    let built = f(AttributeBuilder { attr: placeholder });
    block.attributes[i] = built.attr;
}

fn configure_block(
    block: &mut Block,
    prefix: &str,
    name: &str,
    f: impl FnOnce(BlockBuilder) -> BlockBuilder,
    errors: &mut Vec<String>,
) {
    let Some(i) = block.blocks.iter().position(|b| b.name == name) else {
        let hint = if block.attribute(name).is_some() {
            " (it is an attribute: use .attribute)"
        } else {
            ""
        };
        errors.push(format!(
            "block {prefix}{name}: no such nested block in the state struct{hint}"
        ));
        return;
    };
    let built = f(BlockBuilder {
        nested: block.blocks[i].clone(),
        errors: Vec::new(),
    });
    errors.extend(built.errors);
    block.blocks[i] = built.nested;
}

fn check_block(block: &Block, prefix: &str, errors: &mut Vec<String>) {
    for v in &block.config_validators {
        for name in v.names() {
            if block.attribute(&name).is_none() && block.nested(&name).is_none() {
                errors.push(format!(
                    "config validator \"{}\" in {}: no attribute or block {name}",
                    v.description(),
                    if prefix.is_empty() {
                        "the resource"
                    } else {
                        prefix.trim_end_matches('.')
                    }
                ));
            }
        }
    }
    for a in &block.attributes {
        let n = format!("{prefix}{}", a.name);
        if !valid_name(&a.name) {
            errors.push(format!("attribute {n}: names must match ^[a-z0-9_]+$"));
        }
        if !(a.required || a.optional || a.computed) {
            errors.push(format!(
                "attribute {n}: declare it .required(), .optional() and/or .computed()"
            ));
        }
        if a.required && (a.optional || a.computed) {
            errors.push(format!(
                "attribute {n}: required excludes optional and computed"
            ));
        }
        if a.default.is_some() && !(a.optional && a.computed) {
            errors.push(format!(
                "attribute {n}: a default needs .optional().computed()"
            ));
        }
        for m in &a.plan_modifiers {
            if let Err(e) = m.check(Some(a)) {
                errors.push(format!("attribute {n}: {e}"));
            }
        }
        if a.write_only && (a.computed || !(a.optional || a.required)) {
            errors.push(format!(
                "attribute {n}: write-only needs required or optional, not computed"
            ));
        }
        if a.write_only && (!a.plan_modifiers.is_empty() || a.default.is_some()) {
            errors.push(format!(
                "attribute {n}: write-only values are never planned"
            ));
        }
    }
    for b in &block.blocks {
        let n = format!("{prefix}{}", b.name);
        if !valid_name(&b.name) {
            errors.push(format!("block {n}: names must match ^[a-z0-9_]+$"));
        }
        match b.nesting {
            Nesting::Single if b.min_items > 1 || b.max_items > 1 => {
                errors.push(format!("block {n}: single blocks have at most one item"));
            }
            Nesting::Group | Nesting::Map if b.min_items != 0 || b.max_items != 0 => {
                errors.push(format!(
                    "block {n}: group and map blocks cannot set min/max items"
                ));
            }
            _ => {}
        }
        if b.max_items > 0 && b.min_items > b.max_items {
            errors.push(format!("block {n}: min_items exceeds max_items"));
        }
        for m in &b.block.plan_modifiers {
            if let Err(e) = m.check(None) {
                errors.push(format!("block {n}: {e}"));
            }
            if let Some(key) = m.element_key() {
                if !matches!(b.nesting, Nesting::List | Nesting::Set) {
                    errors.push(format!(
                        "block {n}: elements can be matched by key only in list and set blocks"
                    ));
                } else if b.block.attribute(key).is_none() {
                    errors.push(format!(
                        "block {n}: key {key} is not an attribute of the block"
                    ));
                }
            }
        }
        check_block(&b.block, &format!("{n}."), errors);
    }
}

fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && n.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
}

// ---------------------------------------------------------------------------------------------
// JSON Schema (from schemars) → draft block

/// Strips nullability (`Option<T>`): `type: [T, "null"]` or `anyOf: [T, {type: null}]`.
fn non_null(schema: &serde_json::Value) -> serde_json::Value {
    let mut s = schema.clone();
    if let Some(serde_json::Value::Array(types)) = s.get("type") {
        let rest: Vec<_> = types.iter().filter(|t| *t != "null").cloned().collect();
        if rest.len() == 1 {
            s["type"] = rest[0].clone();
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(serde_json::Value::Array(alts)) = s.get(key) {
            let rest: Vec<_> = alts
                .iter()
                .filter(|a| a.get("type").and_then(|t| t.as_str()) != Some("null"))
                .cloned()
                .collect();
            if rest.len() == 1 {
                let mut inner = non_null(&rest[0]);
                if let (Some(d), Some(obj)) = (s.get("description").cloned(), inner.as_object_mut())
                {
                    obj.entry("description").or_insert(d);
                }
                return inner;
            }
        }
    }
    s
}

fn is_struct(schema: &serde_json::Value) -> bool {
    schema.get("properties").is_some()
}

fn draft_block(schema: &serde_json::Value, prefix: &str, errors: &mut Vec<String>) -> Block {
    let schema = non_null(schema);
    let mut block = Block {
        description: schema
            .get("description")
            .and_then(|d| d.as_str())
            .unwrap_or("")
            .to_string(),
        ..Block::default()
    };
    let Some(props) = schema.get("properties").and_then(|p| p.as_object()) else {
        errors.push(format!(
            "{prefix}: the state type must be a struct with named fields"
        ));
        return block;
    };
    for (name, prop) in props {
        let prop = non_null(prop);
        let description = prop
            .get("description")
            .and_then(|d| d.as_str())
            .unwrap_or("")
            .to_string();
        let path = format!("{prefix}{name}");
        let items = prop.get("items").map(non_null);
        let (nesting, inner) = if is_struct(&prop) {
            (Some(Nesting::Single), Some(prop.clone()))
        } else if let Some(items) = items.filter(is_struct) {
            let unique = prop.get("uniqueItems").and_then(serde_json::Value::as_bool) == Some(true);
            (
                Some(if unique { Nesting::Set } else { Nesting::List }),
                Some(items),
            )
        } else {
            (None, None)
        };
        if let (Some(nesting), Some(inner)) = (nesting, inner) {
            let mut b = draft_block(&inner, &format!("{path}."), errors);
            if b.description.is_empty() {
                b.description = description;
            }
            block.blocks.push(NestedBlock {
                name: name.clone(),
                nesting,
                min_items: 0,
                max_items: 0,
                block: b,
            });
            continue;
        }
        match json_schema_type(&prop) {
            Ok(ty) => block.attributes.push(Attribute {
                name: name.clone(),
                ty,
                description,
                required: false,
                optional: false,
                computed: false,
                sensitive: false,
                write_only: false,
                deprecated: None,
                plan_modifiers: Vec::new(),
                default: None,
                validators: Vec::new(),
            }),
            Err(e) => errors.push(format!("attribute {path}: {e}")),
        }
    }
    block
}

fn json_schema_type(schema: &serde_json::Value) -> Result<Type, String> {
    let s = non_null(schema);
    if s.as_bool() == Some(true) || s.as_object().is_some_and(serde_json::Map::is_empty) {
        return Ok(Type::Dynamic);
    }
    if s.get("$ref").is_some() {
        return Err("recursive types are not supported".into());
    }
    // A string enum (unit-variant Rust enum) is a string.
    if let Some(values) = s.get("enum").and_then(|e| e.as_array())
        && values.iter().all(serde_json::Value::is_string)
    {
        return Ok(Type::String);
    }
    match s.get("type").and_then(|t| t.as_str()) {
        Some("string") => Ok(Type::String),
        Some("integer" | "number") => Ok(Type::Number),
        Some("boolean") => Ok(Type::Bool),
        Some("array") => {
            let items = s.get("items").ok_or("array without item type")?;
            let el = Box::new(json_schema_type(items)?);
            if s.get("uniqueItems").and_then(serde_json::Value::as_bool) == Some(true) {
                Ok(Type::Set(el))
            } else {
                Ok(Type::List(el))
            }
        }
        Some("object") => {
            if let Some(props) = s.get("properties").and_then(|p| p.as_object()) {
                let attrs = props
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), json_schema_type(v)?)))
                    .collect::<Result<_, String>>()?;
                Ok(Type::Object(attrs))
            } else {
                let el = match s.get("additionalProperties") {
                    Some(v) if v.is_object() => json_schema_type(v)?,
                    _ => Type::Dynamic,
                };
                Ok(Type::Map(Box::new(el)))
            }
        }
        other => Err(format!("unsupported JSON schema type {other:?} in {s}")),
    }
}

/// Asserts that the state struct's serialized field names are exactly the schema's attribute and
/// block names; it catches serde attributes (skip, rename) that make the struct and its schema
/// disagree. For registered types, [`crate::AnyResource::state_fields`] lets one test check a
/// whole registry.
///
/// # Panics
/// When the names differ, listing both sides.
pub fn assert_fields_match<T: Serialize + Default>(schema: &Schema) {
    let j = serde_json::to_value(T::default()).expect("state struct must serialize");
    let mut fields: Vec<String> = j
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    fields.sort();
    assert_eq!(
        fields,
        schema.block.names(),
        "state struct fields vs schema attributes/blocks"
    );
}

/// Walks the objects of a value: `value` itself (of `block`) and every nested block element,
/// with their paths (set elements address the set itself). `f(block, object, path)`.
pub(crate) fn walk_objects<'v>(
    block: &Block,
    value: &'v Val,
    path: &AttributePath,
    f: &mut dyn FnMut(&Block, &'v Val, &AttributePath),
) {
    f(block, value, path);
    for b in &block.blocks {
        let bp = path.attr(&b.name);
        match (b.nesting, value.attr(&b.name)) {
            (Nesting::Single | Nesting::Group, v @ Val::Map(_)) => {
                walk_objects(&b.block, v, &bp, f)
            }
            (Nesting::List, Val::List(items)) => {
                for (i, v) in items.iter().enumerate() {
                    walk_objects(&b.block, v, &bp.index(i), f);
                }
            }
            (Nesting::Set, Val::List(items)) => {
                for v in items {
                    walk_objects(&b.block, v, &bp, f);
                }
            }
            (Nesting::Map, Val::Map(m)) => {
                for (k, v) in m {
                    walk_objects(&b.block, v, &bp.key(k), f);
                }
            }
            _ => {}
        }
    }
}

/// Walks a block's attributes with their paths inside `value` (nested blocks included; set
/// elements address the set itself). `f(attribute, path, value_at_path)`.
pub(crate) fn walk_attributes<'v>(
    block: &Block,
    value: &'v Val,
    path: &AttributePath,
    f: &mut dyn FnMut(&Attribute, &AttributePath, &'v Val),
) {
    walk_objects(block, value, path, &mut |b, object, at| {
        for a in &b.attributes {
            f(a, &at.attr(&a.name), object.attr(&a.name));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Value, validators};
    use std::collections::{BTreeMap, BTreeSet};

    /// A rule.
    #[derive(Serialize, serde::Deserialize, JsonSchema, Default)]
    struct Rule {
        /// Days to keep.
        days: Value<i64>,
    }

    /// A thing.
    #[derive(Serialize, serde::Deserialize, JsonSchema, Default)]
    struct Thing {
        /// The id.
        id: Value<String>,
        /// Ratio.
        ratio: Value<f64>,
        /// Tags.
        tags: Value<BTreeMap<String, String>>,
        /// Names.
        names: Value<BTreeSet<String>>,
        /// Flag.
        flag: Option<bool>,
        /// Rules.
        rule: Vec<Rule>,
        /// One settings block.
        settings: Value<Rule>,
    }

    fn thing_schema() -> Schema {
        Schema::builder::<Thing>()
            .version(2)
            .attribute("id", |a| a.computed().use_state_for_unknown())
            .attribute("ratio", |a| a.optional().computed().default(0.5))
            .attribute("tags", |a| a.optional())
            .attribute("names", |a| {
                a.optional().validator(validators::length(0, 3))
            })
            .attribute("flag", |a| a.required().requires_replace())
            .block("rule", |b| {
                b.max_items(2).attribute("days", |a| a.required())
            })
            .block("settings", |b| b.attribute("days", |a| a.optional()))
            .build()
    }

    #[test]
    fn types_descriptions_and_blocks_come_from_the_struct() {
        let s = thing_schema();
        assert_eq!(s.version, 2);
        assert_eq!(s.block.description, "A thing.");
        let ty = |n: &str| s.block.attribute(n).unwrap().ty.clone();
        assert_eq!(ty("id"), Type::String);
        assert_eq!(ty("ratio"), Type::Number);
        assert_eq!(ty("tags"), Type::Map(Box::new(Type::String)));
        assert_eq!(ty("names"), Type::Set(Box::new(Type::String)));
        assert_eq!(ty("flag"), Type::Bool);
        assert_eq!(s.block.attribute("tags").unwrap().description, "Tags.");
        let rule = s.block.nested("rule").unwrap();
        assert_eq!((rule.nesting, rule.max_items), (Nesting::List, 2));
        assert_eq!(rule.block.attribute("days").unwrap().ty, Type::Number);
        assert_eq!(s.block.nested("settings").unwrap().nesting, Nesting::Single);
        assert_fields_match::<Thing>(&s);
    }

    #[test]
    fn declaration_mistakes_are_all_reported() {
        let errors = Schema::builder::<Thing>()
            .attribute("nope", |a| a.optional())
            .attribute("rule", |a| a.optional())
            .attribute("id", |a| a.required().computed())
            .attribute("ratio", |a| a.optional().default(1))
            .try_build()
            .unwrap_err();
        let all = errors.join("\n");
        for needle in [
            "attribute nope: no such field",
            "it is a nested block",
            "attribute id: required excludes",
            "attribute ratio: a default needs",
            "attribute tags: declare it",
            "attribute rule.days: declare it",
        ] {
            assert!(all.contains(needle), "missing {needle:?} in:\n{all}");
        }
    }

    #[test]
    fn schema_json_lists_behaviour() {
        let j = thing_schema().to_json();
        assert_eq!(
            j["block"]["attributes"]["ratio"]["default"],
            serde_json::json!(0.5)
        );
        assert_eq!(j["block"]["attributes"]["flag"]["requires_replace"], true);
        assert_eq!(j["block"]["block_types"]["rule"]["max_items"], 2);
        assert_eq!(
            j["block"]["attributes"]["names"]["type"],
            serde_json::json!(["set", "string"])
        );
    }
}
