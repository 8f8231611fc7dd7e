//! The framework logic per RPC, on value trees: validation, the plan pipeline, the apply
//! consistency guard, read/import/upgrade rules. No protobuf here (see `grpc.rs`).

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use crate::cty::{self, JsonMode, Type, Val};
use crate::diagnostics::{AttributePath, Diagnostics};
use crate::plan_modifiers::{AttributePlan, find_by_key};
use crate::resource::CancellationToken;
use crate::resource::{
    AnyDataSource, AnyResource, Ctx, DynProvider, Private, ProviderData, RawPlan,
};
use crate::schema::{
    Attribute, Block, NestedBlock, Nesting, Schema, walk_attributes, walk_objects,
};

/// A resource type with its schema built once.
pub(crate) struct ResourceEntry {
    pub resource: AnyResource,
    pub schema: Schema,
    pub ty: Type,
}

/// A data source type with its schema built once.
pub(crate) struct DataSourceEntry {
    pub data_source: AnyDataSource,
    pub schema: Schema,
    pub ty: Type,
}

/// Everything one provider process serves.
pub(crate) struct Framework {
    pub provider: Box<dyn DynProvider>,
    pub provider_schema: Schema,
    pub provider_ty: Type,
    pub resources: BTreeMap<String, ResourceEntry>,
    pub data_sources: BTreeMap<String, DataSourceEntry>,
    pub provider_data: RwLock<Option<ProviderData>>,
    /// Cancelled by StopProvider; handed to every resource call.
    pub cancel: CancellationToken,
}

/// Result of planning one resource change.
pub(crate) struct PlanOutcome {
    pub planned: Val,
    pub requires_replace: Vec<AttributePath>,
    pub private: Vec<u8>,
}

impl Framework {
    /// Builds every schema once; a schema mistake is reported here, before Terraform connects.
    pub fn new(provider: Box<dyn DynProvider>) -> Arc<Self> {
        let provider_schema = provider.schema();
        let provider_ty = provider_schema.value_type();
        let resources = provider
            .resources()
            .into_iter()
            .map(|r| {
                let schema = r.schema();
                let ty = schema.value_type();
                (
                    r.type_name().to_string(),
                    ResourceEntry {
                        resource: r,
                        schema,
                        ty,
                    },
                )
            })
            .collect();
        let data_sources = provider
            .data_sources()
            .into_iter()
            .map(|d| {
                let schema = d.schema();
                let ty = schema.value_type();
                (
                    d.type_name().to_string(),
                    DataSourceEntry {
                        data_source: d,
                        schema,
                        ty,
                    },
                )
            })
            .collect();
        Arc::new(Framework {
            provider,
            provider_schema,
            provider_ty,
            resources,
            data_sources,
            provider_data: RwLock::new(None),
            cancel: CancellationToken::new(),
        })
    }

    pub fn resource(&self, type_name: &str, diags: &mut Diagnostics) -> Option<&ResourceEntry> {
        let r = self.resources.get(type_name);
        if r.is_none() {
            diags.error(
                "Unknown Resource Type",
                format!("This provider does not serve the resource type {type_name:?}."),
            );
        }
        r
    }

    pub fn data_source(
        &self,
        type_name: &str,
        diags: &mut Diagnostics,
    ) -> Option<&DataSourceEntry> {
        let d = self.data_sources.get(type_name);
        if d.is_none() {
            diags.error(
                "Unknown Data Source Type",
                format!("This provider does not serve the data source type {type_name:?}."),
            );
        }
        d
    }

    fn ctx(&self, private: Private) -> Ctx {
        Ctx {
            provider: self.provider_data.read().ok().and_then(|g| g.clone()),
            cancel: self.cancel.clone(),
            private,
        }
    }

    // -- provider ------------------------------------------------------------------------------

    pub async fn validate_provider(&self, config: &Val, diags: &mut Diagnostics) {
        let config = null_object(config, &self.provider_ty);
        run_validators(&self.provider_schema.block, &config, diags);
        run_config_validators(&self.provider_schema.block, &config, diags);
        if !diags.has_errors() {
            let r = shielded(self.provider.validate(&config, diags)).await;
            recover(r, (), "provider", "validate", diags);
        }
    }

    pub async fn configure(
        &self,
        config: &Val,
        terraform_version: String,
        diags: &mut Diagnostics,
    ) {
        let config = null_object(config, &self.provider_ty);
        let out = shielded(self.provider.configure(
            &config,
            terraform_version,
            self.cancel.clone(),
            diags,
        ))
        .await;
        let data = recover(out, None, "provider", "configure", diags);
        if let (Some(data), Ok(mut slot)) = (data, self.provider_data.write()) {
            *slot = Some(data);
        }
    }

    // -- resources -----------------------------------------------------------------------------

    pub async fn validate_resource(&self, type_name: &str, config: &Val, diags: &mut Diagnostics) {
        let Some(r) = self.resource(type_name, diags) else {
            return;
        };
        run_validators(&r.schema.block, config, diags);
        run_config_validators(&r.schema.block, config, diags);
        if !diags.has_errors() {
            let out = shielded(r.resource.0.validate(config, diags)).await;
            recover(out, (), type_name, "validate", diags);
        }
    }

    /// The plan pipeline (DESIGN.md): defaults → write-only null → computed unknown (create,
    /// replace, or any change) → attribute plan modifiers (values, then replacement) → resource
    /// hook → sorted, de-duplicated requires_replace.
    pub async fn plan(
        &self,
        type_name: &str,
        prior: &Val,
        proposed: &Val,
        config: &Val,
        prior_private: Vec<u8>,
        diags: &mut Diagnostics,
    ) -> Option<PlanOutcome> {
        let r = self.resource(type_name, diags)?;
        let block = &r.schema.block;
        let private = Private::from_bytes(prior_private);
        let ctx = self.ctx(private.clone());

        if *proposed == Val::Null {
            // Destroy (plan_destroy): the hook may warn, the plan stays null.
            let mut raw = RawPlan {
                prior: prior.clone(),
                config: Val::Null,
                planned: Val::Null,
                requires_replace: vec![],
            };
            let out = shielded(r.resource.0.modify_plan(&ctx, &mut raw, diags)).await;
            recover(out, (), type_name, "modify_plan", diags);
            return Some(PlanOutcome {
                planned: Val::Null,
                requires_replace: vec![],
                private: private.get(),
            });
        }

        let mut planned = proposed.clone();
        apply_defaults(block, &mut planned, config);
        null_write_only(block, &mut planned);
        let creating = *prior == Val::Null;
        if !creating && planned != *prior {
            // A change that the modifiers undo (a semantically equal rewrite) is no change: do
            // not let it mark every computed attribute unknown.
            let mut probe = planned.clone();
            run_plan_modifiers(block, &mut probe, config, prior);
            if probe == *prior {
                planned = probe;
            }
        }
        if creating || planned != *prior {
            mark_computed_unknown(block, &mut planned, config);
        }
        run_plan_modifiers(block, &mut planned, config, prior);
        let mut requires_replace = Vec::new();
        if !creating {
            collect_requires_replace(
                block,
                prior,
                &planned,
                &AttributePath::root(),
                &mut requires_replace,
            );
        }

        let mut raw = RawPlan {
            prior: prior.clone(),
            config: config.clone(),
            planned,
            requires_replace,
        };
        let out = shielded(r.resource.0.modify_plan(&ctx, &mut raw, diags)).await;
        recover(out, (), type_name, "modify_plan", diags);
        let mut planned = raw.planned;
        normalize_blocks(block, &mut planned);
        let mut requires_replace = if creating {
            Vec::new()
        } else {
            raw.requires_replace
        };
        requires_replace.sort();
        requires_replace.dedup();
        Some(PlanOutcome {
            planned,
            requires_replace,
            private: private.get(),
        })
    }

    /// Apply: create (prior null), delete (planned null) or update; then the consistency guard.
    pub async fn apply(
        &self,
        type_name: &str,
        prior: &Val,
        planned: &Val,
        config: &Val,
        planned_private: Vec<u8>,
        diags: &mut Diagnostics,
    ) -> (Val, Vec<u8>) {
        let Some(r) = self.resource(type_name, diags) else {
            return (prior.clone(), planned_private);
        };
        let private = Private::from_bytes(planned_private);
        let ctx = self.ctx(private.clone());
        let res = &r.resource.0;

        if *planned == Val::Null {
            let out = shielded(res.delete(&ctx, prior, diags)).await;
            recover(out, (), type_name, "delete", diags);
            // On a failed delete Terraform keeps the object: hand the prior state back.
            let out = if diags.has_errors() {
                prior.clone()
            } else {
                Val::Null
            };
            return (out, private.get());
        }
        let result = if *prior == Val::Null {
            let out = shielded(res.create(&ctx, planned, config, diags)).await;
            recover(out, None, type_name, "create", diags)
        } else {
            let out = shielded(res.update(&ctx, prior, planned, config, diags)).await;
            recover(out, None, type_name, "update", diags)
        };
        let Some(mut new_state) = result else {
            if !diags.has_errors() {
                diags.provider_bug(
                    "Missing Resource State After Apply",
                    format!("The {type_name} create or update returned no state and no error."),
                );
            }
            // Null after a failed create keeps nothing; after a failed update keep the prior.
            return (prior.clone(), private.get());
        };
        null_write_only(&r.schema.block, &mut new_state);
        normalize_blocks(&r.schema.block, &mut new_state);
        let mut problems = Vec::new();
        check_consistent(planned, &new_state, &AttributePath::root(), &mut problems);
        for (path, what) in problems {
            diags.provider_bug(
                "Provider Produced Inconsistent Result After Apply",
                format!("{type_name}: the planned value of {path} {what}."),
            );
        }
        require_known(&mut new_state, type_name, "apply", diags);
        (new_state, private.get())
    }

    pub async fn read(
        &self,
        type_name: &str,
        current: &Val,
        private: Vec<u8>,
        diags: &mut Diagnostics,
    ) -> (Val, Vec<u8>) {
        let Some(r) = self.resource(type_name, diags) else {
            return (current.clone(), private);
        };
        let private = Private::from_bytes(private);
        let ctx = self.ctx(private.clone());
        let out = shielded(r.resource.0.read(&ctx, current, diags)).await;
        match recover(out, None, type_name, "read", diags) {
            Some(mut v) => {
                null_write_only(&r.schema.block, &mut v);
                normalize_blocks(&r.schema.block, &mut v);
                require_known(&mut v, type_name, "read", diags);
                (v, private.get())
            }
            // With errors Terraform ignores the state; keep what it had.
            None if diags.has_errors() => (current.clone(), private.get()),
            None => (Val::Null, private.get()),
        }
    }

    pub async fn import(
        &self,
        type_name: &str,
        id: &str,
        diags: &mut Diagnostics,
    ) -> Option<(Val, Vec<u8>)> {
        let r = self.resource(type_name, diags)?;
        let private = Private::default();
        let ctx = self.ctx(private.clone());
        let out = shielded(r.resource.0.import(&ctx, id, diags)).await;
        let mut v = recover(out, None, type_name, "import", diags)?;
        null_write_only(&r.schema.block, &mut v);
        normalize_blocks(&r.schema.block, &mut v);
        require_known(&mut v, type_name, "import", diags);
        Some((v, private.get()))
    }

    /// UpgradeResourceState: same version → re-encode in the current schema (removed attributes
    /// dropped, new ones null); older → the resource's hook; newer → error.
    pub async fn upgrade(
        &self,
        type_name: &str,
        version: i64,
        raw_json: &[u8],
        has_flatmap: bool,
        diags: &mut Diagnostics,
    ) -> Option<Val> {
        let r = self.resource(type_name, diags)?;
        if raw_json.is_empty() && has_flatmap {
            diags.error(
                "Unsupported State Format",
                "This state was written by Terraform 0.11 or older (flatmap format), which this \
                 provider cannot read. Re-import the resource.",
            );
            return None;
        }
        let current = r.schema.version;
        let mut v = if version == current {
            match cty::decode_json(raw_json, &r.ty, JsonMode::DropUnknownAttributes) {
                Ok(v) => v,
                Err(e) => {
                    diags.error("Unable to Read Stored State", format!("{type_name}: {e}"));
                    return None;
                }
            }
        } else if version > current {
            diags.error(
                "Resource State From a Newer Provider",
                format!(
                    "{type_name} state has schema version {version}, but this provider only knows \
                     versions up to {current}. Use the newer provider version that wrote it."
                ),
            );
            return None;
        } else {
            let raw: serde_json::Value = match serde_json::from_slice(raw_json) {
                Ok(j) => j,
                Err(e) => {
                    diags.error("Unable to Read Stored State", format!("{type_name}: {e}"));
                    return None;
                }
            };
            let out = shielded(r.resource.0.upgrade(version, raw, diags)).await;
            recover(out, None, type_name, "upgrade", diags)?
        };
        null_write_only(&r.schema.block, &mut v);
        normalize_blocks(&r.schema.block, &mut v);
        require_known(&mut v, type_name, "upgrade", diags);
        Some(v)
    }

    // -- data sources --------------------------------------------------------------------------

    pub async fn validate_data_source(
        &self,
        type_name: &str,
        config: &Val,
        diags: &mut Diagnostics,
    ) {
        let Some(d) = self.data_source(type_name, diags) else {
            return;
        };
        run_validators(&d.schema.block, config, diags);
        run_config_validators(&d.schema.block, config, diags);
        if !diags.has_errors() {
            let out = shielded(d.data_source.0.validate(config, diags)).await;
            recover(out, (), type_name, "validate", diags);
        }
    }

    pub async fn read_data_source(
        &self,
        type_name: &str,
        config: &Val,
        diags: &mut Diagnostics,
    ) -> Option<Val> {
        let d = self.data_source(type_name, diags)?;
        let ctx = self.ctx(Private::default());
        let out = shielded(d.data_source.0.read(&ctx, config, diags)).await;
        let mut v = recover(out, None, type_name, "read", diags)?;
        normalize_blocks(&d.schema.block, &mut v);
        require_known(&mut v, type_name, "read", diags);
        Some(v)
    }
}

/// Runs provider code so that a panic in it becomes a diagnostic instead of a failed RPC
/// (which Terraform would only report as "Plugin did not respond").
async fn shielded<F: std::future::Future>(fut: F) -> Result<F::Output, String> {
    use futures::FutureExt as _;
    std::panic::AssertUnwindSafe(fut)
        .catch_unwind()
        .await
        .map_err(|payload| {
            payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_string())
        })
}

/// The result of [`shielded`] code, or `fallback` after reporting the panic as a provider bug.
fn recover<T>(
    result: Result<T, String>,
    fallback: T,
    type_name: &str,
    op: &str,
    diags: &mut Diagnostics,
) -> T {
    result.unwrap_or_else(|message| {
        diags.provider_bug(
            "Provider Panicked",
            format!("{type_name}: {op} panicked: {message}"),
        );
        fallback
    })
}

/// An all-null object for a null value (Terraform sends all-null provider config, but be safe).
fn null_object(v: &Val, ty: &Type) -> Val {
    match (v, ty) {
        (Val::Null, Type::Object(attrs)) => {
            Val::Map(attrs.keys().map(|k| (k.clone(), Val::Null)).collect())
        }
        _ => v.clone(),
    }
}

fn require_known(v: &mut Val, type_name: &str, what: &str, diags: &mut Diagnostics) {
    if !v.is_wholly_known() {
        diags.provider_bug(
            "Provider Returned Unknown Values",
            format!("{type_name}: the state returned by {what} contains unknown values."),
        );
        v.unknowns_to_null();
    }
}

/// Runs every attribute validator on wholly known, non-null configuration values.
fn run_validators(block: &Block, config: &Val, diags: &mut Diagnostics) {
    walk_attributes(block, config, &AttributePath::root(), &mut |a, path, v| {
        if a.validators.is_empty() || *v == Val::Null || !v.is_wholly_known() {
            return;
        }
        let j = v.to_serde_json();
        if !a.sensitive {
            for validator in &a.validators {
                validator.validate(&j, path, diags);
            }
            return;
        }
        // Validators quote the offending value; a sensitive one must not reach the terminal.
        let mut found = Diagnostics::new();
        for validator in &a.validators {
            validator.validate(&j, path, &mut found);
        }
        let secrets = secret_texts(&j);
        for mut d in found {
            for secret in &secrets {
                d.detail = d.detail.replace(secret.as_str(), "(sensitive value)");
                d.summary = d.summary.replace(secret.as_str(), "(sensitive value)");
            }
            diags.push(d);
        }
    });
}

/// The forms in which a sensitive value could appear in a message: each string inside it, raw
/// and debug-quoted, and the whole value as JSON.
fn secret_texts(j: &serde_json::Value) -> Vec<String> {
    fn strings(j: &serde_json::Value, out: &mut Vec<String>) {
        match j {
            serde_json::Value::String(s) if !s.is_empty() => {
                out.push(format!("{s:?}"));
                out.push(s.clone());
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
            serde_json::Value::Object(o) => o.values().for_each(|x| strings(x, out)),
            _ => {}
        }
    }
    let mut out = if j.is_object() || j.is_array() {
        vec![j.to_string()]
    } else {
        Vec::new()
    };
    strings(j, &mut out);
    // Longest first, so a quoted form is replaced before the bare text inside it.
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out
}

/// Where an attribute sits while planning: its path and the objects (resource or nested block
/// element) around it.
struct Site<'a> {
    path: AttributePath,
    prior_object: &'a Val,
    config_object: &'a Val,
}

type Visitor<'f> = dyn FnMut(&Attribute, &mut Val, &Val, &Val, &Site<'_>) + 'f;

/// Visits attributes of `planned` together with the matching config and prior values, in nested
/// blocks too. List and set elements are paired with their config and prior partners by key
/// when the block matches elements by key, else by position.
/// `f(attribute, planned slot, config, prior, site)`.
fn zip_attributes(
    block: &Block,
    planned: &mut Val,
    config: &Val,
    prior: &Val,
    f: &mut Visitor<'_>,
) {
    zip_at(block, planned, config, prior, &AttributePath::root(), f);
}

fn zip_at(
    block: &Block,
    planned: &mut Val,
    config: &Val,
    prior: &Val,
    path: &AttributePath,
    f: &mut Visitor<'_>,
) {
    let Val::Map(pm) = planned else { return };
    for a in &block.attributes {
        if let Some(slot) = pm.get_mut(&a.name) {
            let site = Site {
                path: path.attr(&a.name),
                prior_object: prior,
                config_object: config,
            };
            f(a, slot, config.attr(&a.name), prior.attr(&a.name), &site);
        }
    }
    for b in &block.blocks {
        let Some(slot) = pm.get_mut(&b.name) else {
            continue;
        };
        let (c, p) = (config.attr(&b.name), prior.attr(&b.name));
        let bp = path.attr(&b.name);
        let key = element_key(b);
        match (b.nesting, slot) {
            (Nesting::Single | Nesting::Group, v @ Val::Map(_)) => {
                zip_at(&b.block, v, c, p, &bp, f)
            }
            (Nesting::List | Nesting::Set, Val::List(items)) => {
                for (i, v) in items.iter_mut().enumerate() {
                    let ci = partner(c, i, v, key);
                    let pi = partner(p, i, v, key);
                    let ep = if b.nesting == Nesting::List {
                        bp.index(i)
                    } else {
                        bp.clone()
                    };
                    zip_at(&b.block, v, ci, pi, &ep, f);
                }
            }
            (Nesting::Map, Val::Map(m)) => {
                for (k, v) in m.iter_mut() {
                    zip_at(&b.block, v, c.attr(k), p.attr(k), &bp.key(k), f);
                }
            }
            _ => {}
        }
    }
}

/// The attribute that pairs elements of a nested block, if one of its modifiers names it.
fn element_key(b: &NestedBlock) -> Option<&str> {
    b.block.plan_modifiers.iter().find_map(|m| m.element_key())
}

/// The element of `others` paired with element `i` (`item`) of a nested list or set block.
fn partner<'v>(others: &'v Val, i: usize, item: &Val, key: Option<&str>) -> &'v Val {
    match key {
        Some(k) => find_by_key(others, k, item),
        None => element(others, i),
    }
}

fn element(v: &Val, i: usize) -> &Val {
    static NULL: Val = Val::Null;
    match v {
        Val::List(items) => items.get(i).unwrap_or(&NULL),
        _ => &NULL,
    }
}

/// Sets each attribute that configuration leaves null to `pick(attribute)`, if that says one.
fn fill_unset(
    block: &Block,
    planned: &mut Val,
    config: &Val,
    pick: &dyn Fn(&Attribute) -> Option<Val>,
) {
    zip_attributes(
        block,
        planned,
        config,
        &Val::Null,
        &mut |a, slot, c, _, _| {
            if *c == Val::Null
                && let Some(v) = pick(a)
            {
                *slot = v;
            }
        },
    );
}

fn apply_defaults(block: &Block, planned: &mut Val, config: &Val) {
    fill_unset(block, planned, config, &|a| a.default.clone());
}

fn mark_computed_unknown(block: &Block, planned: &mut Val, config: &Val) {
    fill_unset(block, planned, config, &|a| {
        (a.computed && a.default.is_none()).then_some(Val::Unknown)
    });
}

fn null_write_only(block: &Block, v: &mut Val) {
    zip_attributes(block, v, &Val::Null, &Val::Null, &mut |a, slot, _, _, _| {
        if a.write_only {
            *slot = Val::Null;
        }
    });
}

/// Phase 1 of the attribute plan modifiers: each modifier may change its planned value.
fn run_plan_modifiers(block: &Block, planned: &mut Val, config: &Val, prior: &Val) {
    zip_attributes(block, planned, config, prior, &mut |a, slot, c, p, site| {
        for m in &a.plan_modifiers {
            m.plan(&mut AttributePlan {
                path: &site.path,
                prior: p,
                config: c,
                ty: &a.ty,
                planned: slot,
                prior_object: site.prior_object,
                config_object: site.config_object,
            });
        }
    });
}

/// Runs the rules between attributes of `block` on `config`, and of nested blocks on each of
/// their elements.
fn run_config_validators(block: &Block, config: &Val, diags: &mut Diagnostics) {
    walk_objects(
        block,
        config,
        &AttributePath::root(),
        &mut |b, object, path| {
            for v in &b.config_validators {
                v.validate(object, path, diags);
            }
        },
    );
}

pub(crate) fn collect_requires_replace(
    block: &Block,
    prior: &Val,
    planned: &Val,
    path: &AttributePath,
    out: &mut Vec<AttributePath>,
) {
    for a in &block.attributes {
        let (p, n) = (prior.attr(&a.name), planned.attr(&a.name));
        if p == n {
            continue;
        }
        if a.plan_modifiers.iter().any(|m| m.requires_replace(p, n)) {
            out.push(path.attr(&a.name));
        }
    }
    for b in &block.blocks {
        let bp = path.attr(&b.name);
        let (p, n) = (prior.attr(&b.name), planned.attr(&b.name));
        if p == n {
            continue;
        }
        if b.block
            .plan_modifiers
            .iter()
            .any(|m| m.requires_replace(p, n))
        {
            out.push(bp);
            continue;
        }
        let key = element_key(b);
        match (b.nesting, p, n) {
            (Nesting::Single | Nesting::Group, _, _) => {
                collect_requires_replace(&b.block, p, n, &bp, out)
            }
            (Nesting::List, _, Val::List(items)) => {
                for (i, v) in items.iter().enumerate() {
                    collect_requires_replace(&b.block, partner(p, i, v, key), v, &bp.index(i), out);
                }
            }
            (Nesting::Set, _, _) => {
                // Set elements have no path step: a forcing attribute anywhere forces the set.
                let mut inner = Vec::new();
                for (i, v) in as_list(n).iter().enumerate() {
                    collect_requires_replace(&b.block, partner(p, i, v, key), v, &bp, &mut inner);
                }
                if !inner.is_empty() {
                    out.push(bp);
                }
            }
            (Nesting::Map, _, Val::Map(m)) => {
                for (k, v) in m {
                    collect_requires_replace(&b.block, p.attr(k), v, &bp.key(k), out);
                }
            }
            _ => {}
        }
    }
}

fn as_list(v: &Val) -> &[Val] {
    match v {
        Val::List(items) => items,
        _ => &[],
    }
}

/// LIST and SET blocks are `[]`, never null (AssertPlanValid rejects null); recurse into blocks.
fn normalize_blocks(block: &Block, v: &mut Val) {
    let Val::Map(m) = v else { return };
    for b in &block.blocks {
        let slot = m.entry(b.name.clone()).or_insert(Val::Null);
        match (b.nesting, &mut *slot) {
            (Nesting::List | Nesting::Set, Val::Null) => *slot = Val::List(Vec::new()),
            (Nesting::Map, Val::Null) => *slot = Val::Map(BTreeMap::new()),
            (Nesting::List | Nesting::Set, Val::List(items)) => {
                items.iter_mut().for_each(|x| normalize_blocks(&b.block, x));
            }
            (Nesting::Map, Val::Map(items)) => {
                items
                    .values_mut()
                    .for_each(|x| normalize_blocks(&b.block, x));
            }
            (Nesting::Single | Nesting::Group, x @ Val::Map(_)) => normalize_blocks(&b.block, x),
            _ => {}
        }
    }
}

/// Every value known in `planned` must come back identical in `new` (Terraform's
/// AssertObjectCompatible); unknowns may become anything.
fn check_consistent(
    planned: &Val,
    new: &Val,
    path: &AttributePath,
    out: &mut Vec<(AttributePath, String)>,
) {
    match (planned, new) {
        (Val::Unknown, _) => {}
        (Val::Map(pm), Val::Map(nm)) => {
            for (k, pv) in pm {
                check_consistent(pv, nm.get(k).unwrap_or(&Val::Null), &path.attr(k), out);
            }
        }
        (Val::List(pl), Val::List(nl)) => {
            if pl.len() != nl.len() {
                out.push((
                    path.clone(),
                    format!("had {} elements, but now has {}", pl.len(), nl.len()),
                ));
                return;
            }
            let all_known = pl.iter().all(Val::is_wholly_known);
            if all_known && pl != nl {
                // Sets may come back reordered: compare as multisets before blaming.
                let unmatched = pl.iter().filter(|x| !nl.contains(x)).count();
                if unmatched == 0 {
                    return;
                }
            }
            for (i, (p, n)) in pl.iter().zip(nl).enumerate() {
                if all_known && nl.contains(p) {
                    continue;
                }
                check_consistent(p, n, &path.index(i), out);
            }
        }
        (p, n) if p == n => {}
        (p, n) => out.push((
            path.clone(),
            format!("was {}, but now {}", show(p), show(n)),
        )),
    }
}

fn show(v: &Val) -> String {
    match v {
        Val::Null => "null".into(),
        Val::Unknown => "unknown".into(),
        other => other.to_serde_json().to_string(),
    }
}

#[cfg(test)]
mod tests;
