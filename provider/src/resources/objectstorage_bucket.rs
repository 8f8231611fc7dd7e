//! `oci_objectstorage_bucket`: an Object Storage bucket.
//!
//! API: CreateBucket, GetBucket + ListRetentionRules (read), UpdateBucket (a POST; also moves the
//! bucket between compartments), retention rule create/update/delete, DeleteBucket. Buckets have
//! no lifecycle state, so nothing is waited on. Import ID: `n/{namespace}/b/{name}`.
//! Replacing: `name`, `namespace` and `storage_tier` cannot change in place.
//! Differences from the official provider, on purpose: `kms_key_id` can be removed (the official
//! one keeps the key forever), a non-empty bucket is not deleted unless `force_destroy` is set,
//! `approximate_count`/`approximate_size` are not tracked, and retention rules are read across
//! every page.

use std::collections::BTreeMap;

use oci_client::services::objectstorage::{
    Bucket, BucketKey, CreateBucketDetails, ListObjectsRequest, RetentionDuration, RetentionRule,
    RetentionRuleDetails, UpdateBucketDetails,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tfplugin::config_validators::unique_key;
use tfplugin::plan_modifiers::{match_elements_by_key, use_state_for_unknown_if};
use tfplugin::schema::Nesting;
use tfplugin::{
    AttributePath, CreateRequest, DeleteRequest, Diagnostics, ImportRequest, ModifyPlan,
    PlanChange, ReadRequest, Resource, Schema, UpdateRequest, Value, async_trait, validators,
};

use crate::convert::{
    changed, flatten_defined_tags, known, map_value, nest_defined_tags, time_value,
};
use crate::diag::{OrDiag, api_error, import_instructions};
use crate::provider::Oci;
use crate::tags::ServiceTags;
use crate::validators as oci;

pub const TYPE_NAME: &str = "oci_objectstorage_bucket";

/// An Object Storage bucket: a container for objects in one compartment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BucketState {
    /// Terraform ID: `n/{namespace}/b/{name}`.
    pub id: Value<String>,
    /// Public access: `NoPublicAccess` (default), `ObjectRead` or `ObjectReadWithoutList`.
    pub access_type: Value<String>,
    /// Not tracked by this provider: object counts change with every upload, and tracking them
    /// made refresh-only drift checks report every bucket in use. Always null; list the objects
    /// for a count.
    pub approximate_count: Value<String>,
    /// Not tracked by this provider, for the same reason as `approximate_count`. Always null.
    pub approximate_size: Value<String>,
    /// Auto-tiering: `Disabled` or `InfrequentAccess`.
    pub auto_tiering: Value<String>,
    /// The bucket's OCID.
    pub bucket_id: Value<String>,
    /// Bucket scope: `NAMESPACE` or `REGION`.
    pub bucket_scope: Value<String>,
    /// OCID of the compartment that holds the bucket. Changing it moves the bucket in place.
    pub compartment_id: Value<String>,
    /// OCID of the user who created the bucket.
    pub created_by: Value<String>,
    /// Defined tags, keyed `namespace.key`.
    pub defined_tags: Value<BTreeMap<String, String>>,
    /// The bucket's entity tag; changes with every change of the bucket.
    pub etag: Value<String>,
    /// Delete every object (and unfinished multipart upload) in the bucket when the bucket is
    /// destroyed. Default false: destroying a non-empty bucket fails and says how to empty it,
    /// so data is never lost by accident. Not an OCI setting; not in the official provider.
    pub force_destroy: Value<bool>,
    /// Free-form tags.
    pub freeform_tags: Value<BTreeMap<String, String>>,
    /// Whether a bucket encryption key is used.
    pub is_bucket_key_enabled: Value<bool>,
    /// Whether the bucket is read-only (set by the service, e.g. for replication targets).
    pub is_read_only: Value<bool>,
    /// OCID of a Vault master encryption key. Remove it from the configuration to go back to
    /// Oracle-managed keys (the official provider cannot clear it).
    pub kms_key_id: Value<String>,
    /// Arbitrary string metadata (up to 4 KB).
    pub metadata: Value<BTreeMap<String, String>>,
    /// Bucket name, unique in the namespace: letters, digits, `-`, `_` and `.`.
    pub name: Value<String>,
    /// Object Storage namespace (see `data.oci_objectstorage_namespace`).
    pub namespace: Value<String>,
    /// Whether object events are emitted.
    pub object_events_enabled: Value<bool>,
    /// ETag of the object lifecycle policy, if any.
    pub object_lifecycle_policy_etag: Value<String>,
    /// Whether replication is enabled.
    pub replication_enabled: Value<bool>,
    /// Retention rules, matched by `display_name`.
    pub retention_rules: Vec<RetentionRuleBlock>,
    /// Storage tier: `Standard` (default) or `Archive`. Cannot change after create.
    pub storage_tier: Value<String>,
    /// When the bucket was created.
    pub time_created: Value<String>,
    /// Object versioning: `Enabled` or `Disabled` at create; `Enabled` or `Suspended` afterwards.
    pub versioning: Value<String>,
}

/// A retention rule: objects cannot be changed or deleted while the rule holds them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RetentionRuleBlock {
    /// Rule name; rules are matched by it, so it must be unique in the bucket.
    pub display_name: Value<String>,
    /// How long objects are retained; without it, indefinitely.
    pub duration: Vec<RetentionDurationBlock>,
    /// The rule's id.
    pub retention_rule_id: Value<String>,
    /// When the rule was created.
    pub time_created: Value<String>,
    /// When the rule was last changed.
    pub time_modified: Value<String>,
    /// RFC 3339 time after which the rule is locked and can no longer be relaxed.
    pub time_rule_locked: Value<String>,
}

/// A retention period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RetentionDurationBlock {
    /// Amount of time (an integer, as a string as in the official provider).
    pub time_amount: Value<String>,
    /// `YEARS` or `DAYS`.
    pub time_unit: Value<String>,
}

pub struct BucketResource;

#[async_trait]
impl Resource for BucketResource {
    type State = BucketState;
    type ProviderData = Oci;

    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        Schema::builder::<BucketState>()
            .attribute("id", |a| a.computed().use_state_for_unknown())
            .attribute("access_type", |a| {
                a.optional()
                    .computed()
                    .default("NoPublicAccess")
                    .validator(validators::one_of(&[
                        "NoPublicAccess",
                        "ObjectRead",
                        "ObjectReadWithoutList",
                    ]))
            })
            .attribute("approximate_count", |a| {
                a.computed().use_state_for_unknown()
            })
            .attribute("approximate_size", |a| a.computed().use_state_for_unknown())
            .attribute("auto_tiering", |a| {
                a.optional()
                    .computed()
                    .use_state_for_unknown()
                    .validator(validators::one_of(&["Disabled", "InfrequentAccess"]))
            })
            .attribute("bucket_id", |a| a.computed().use_state_for_unknown())
            .attribute("bucket_scope", |a| {
                a.optional()
                    .computed()
                    .use_state_for_unknown()
                    .validator(validators::one_of(&["NAMESPACE", "REGION"]))
            })
            .attribute("compartment_id", |a| {
                a.required()
                    .validator(oci::ocid(&["compartment", "tenancy"]))
            })
            .attribute("created_by", |a| a.computed().use_state_for_unknown())
            .attribute("defined_tags", |a| {
                a.optional()
                    .computed()
                    .use_state_for_unknown()
                    .validator(oci::defined_tag_keys())
            })
            .attribute("etag", |a| a.computed())
            .attribute("force_destroy", |a| a.optional().computed().default(false))
            .attribute("freeform_tags", |a| {
                a.optional().computed().use_state_for_unknown()
            })
            .attribute("is_bucket_key_enabled", |a| {
                a.optional().computed().use_state_for_unknown()
            })
            .attribute("is_read_only", |a| a.computed().use_state_for_unknown())
            .attribute("kms_key_id", |a| {
                a.optional().validator(oci::ocid(&["key"]))
            })
            .attribute("metadata", |a| a.optional())
            .attribute("name", |a| {
                a.required()
                    .requires_replace()
                    .validator(oci::bucket_name())
            })
            .attribute("namespace", |a| {
                a.required()
                    .requires_replace()
                    .validator(validators::length(1, 256))
            })
            .attribute("object_events_enabled", |a| {
                a.optional().computed().use_state_for_unknown()
            })
            .attribute("object_lifecycle_policy_etag", |a| {
                a.computed().use_state_for_unknown()
            })
            .attribute("replication_enabled", |a| {
                a.computed().use_state_for_unknown()
            })
            // Rules are matched by name, so an unrelated update keeps their ids and times known.
            .block("retention_rules", |b| {
                b.nesting(Nesting::Set)
                    .plan_modifier(match_elements_by_key("display_name"))
                    .attribute("display_name", |a| {
                        a.required().validator(validators::length(1, 256))
                    })
                    .attribute("retention_rule_id", |a| {
                        a.computed().use_state_for_unknown()
                    })
                    .attribute("time_created", |a| a.computed().use_state_for_unknown())
                    .attribute("time_modified", |a| {
                        a.computed().plan_modifier(use_state_for_unknown_if(
                            "the rule's duration and lock time are unchanged",
                            |p| {
                                ["duration", "time_rule_locked"]
                                    .iter()
                                    .all(|k| p.prior_object.attr(k) == p.config_object.attr(k))
                            },
                        ))
                    })
                    .attribute("time_rule_locked", |a| {
                        a.optional().validator(validators::regex(
                            r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$",
                            "must be an RFC 3339 time, e.g. 2030-01-01T00:00:00Z",
                        ))
                    })
                    .block("duration", |d| {
                        d.max_items(1)
                            .attribute("time_amount", |a| {
                                a.required().validator(validators::regex(
                                    r"^[0-9]+$",
                                    "must be a whole number of units",
                                ))
                            })
                            .attribute("time_unit", |a| {
                                a.required()
                                    .validator(validators::one_of(&["YEARS", "DAYS"]))
                            })
                    })
            })
            .attribute("storage_tier", |a| {
                a.optional()
                    .computed()
                    .use_state_for_unknown()
                    .requires_replace()
                    .validator(validators::one_of(&["Standard", "Archive"]))
            })
            .attribute("time_created", |a| a.computed().use_state_for_unknown())
            .attribute("versioning", |a| {
                a.optional()
                    .computed()
                    .use_state_for_unknown()
                    .validator(validators::one_of(&["Enabled", "Disabled", "Suspended"]))
            })
            .config_validator(
                unique_key("retention_rules", "display_name")
                    .summary("Duplicate Retention Rule Name")
                    .detail(
                        "Two retention rules are named {value}; rules are matched by name, so \
                         names must be unique.",
                    ),
            )
            .build()
    }

    /// The official provider's forms: it stores `approximate_count`/`approximate_size`, which
    /// this one does not track (see the attribute docs), may keep an unset `time_rule_locked`
    /// as "", and after its refresh keeps `{}` for metadata the configuration leaves out. The
    /// counts are how its state is told apart: ours keeps a configured `metadata = {}`.
    fn normalize_stored(&self, state: &mut BucketState) {
        let official = !state.approximate_count.is_null() || !state.approximate_size.is_null();
        if official && state.metadata.as_known().is_some_and(BTreeMap::is_empty) {
            state.metadata = Value::Null;
        }
        state.approximate_count = Value::Null;
        state.approximate_size = Value::Null;
        for rule in &mut state.retention_rules {
            if rule
                .time_rule_locked
                .as_known()
                .is_some_and(String::is_empty)
            {
                rule.time_rule_locked = Value::Null;
            }
        }
    }

    async fn modify_plan(&self, req: &mut ModifyPlan<BucketState, Oci>, diags: &mut Diagnostics) {
        let (config, prior) = match &req.change {
            PlanChange::Create { config, .. } => (config, None),
            PlanChange::Update { config, prior, .. } => (config, Some(prior)),
            PlanChange::Destroy { .. } => return,
        };
        let Some(prior) = prior else {
            if config.versioning.as_str() == Some("Suspended") {
                diags.attribute_error(
                    AttributePath::new("versioning"),
                    "Invalid Versioning on Create",
                    "A new bucket's versioning can be \"Enabled\" or \"Disabled\"; \"Suspended\" \
                     is only possible after versioning was enabled.",
                );
            }
            return;
        };
        // OCI cannot turn versioning off once it was on; say so now, not after a failed apply.
        if config.versioning.as_str() == Some("Disabled")
            && matches!(prior.versioning.as_str(), Some("Enabled" | "Suspended"))
        {
            diags.attribute_error(
                AttributePath::new("versioning"),
                "Versioning Cannot Be Disabled",
                "Versioning was enabled on this bucket; OCI can only suspend it now. Set \
                 versioning = \"Suspended\".",
            );
        }
    }

    async fn create(
        &self,
        req: CreateRequest<BucketState, Oci>,
        diags: &mut Diagnostics,
    ) -> Option<BucketState> {
        let plan = &req.planned;
        let (ns, name) = (known(&plan.namespace), known(&plan.name));
        let doing = format!("creating bucket {name:?} in namespace {ns:?}");
        let client = &req.provider.client;
        if let Err(e) = client.create_bucket(&ns, &create_details(plan)).await {
            if e.is_conflict_code("BucketAlreadyExists") {
                diags.attribute_error(
                    AttributePath::new("name"),
                    "Bucket Already Exists",
                    format!(
                        "A bucket named {name:?} already exists in namespace {ns:?}. Choose \
                         another name, or bring the existing bucket under Terraform with:\n{}",
                        import_instructions(TYPE_NAME, &BucketKey::new(&ns, &name).to_string())
                    ),
                );
            } else {
                api_error(diags, "Create Bucket Error", &doing, &e);
            }
            return None;
        }
        // From here on the bucket exists: always return its state so Terraform tracks it.
        for rule in &plan.retention_rules {
            if let Err(e) = client
                .create_retention_rule(&ns, &name, &rule_details(rule))
                .await
            {
                api_error(diags, "Create Retention Rule Error", &doing, &e);
            }
        }
        read_bucket(&req.provider, &ns, &name, plan, diags).await
    }

    async fn read(
        &self,
        req: ReadRequest<BucketState, Oci>,
        diags: &mut Diagnostics,
    ) -> Option<BucketState> {
        let cur = &req.current;
        let (ns, name) = (known(&cur.namespace), known(&cur.name));
        read_bucket(&req.provider, &ns, &name, cur, diags).await
    }

    async fn update(
        &self,
        req: UpdateRequest<BucketState, Oci>,
        diags: &mut Diagnostics,
    ) -> Option<BucketState> {
        let (prior, plan) = (&req.prior, &req.planned);
        let (ns, name) = (known(&plan.namespace), known(&plan.name));
        let client = &req.provider.client;
        let doing = format!("updating bucket {name:?} in namespace {ns:?}");
        if let Some(details) = update_details(prior, plan) {
            // if-match: refuse to overwrite a change made since Terraform last read the bucket.
            client
                .update_bucket(
                    &ns,
                    &name,
                    &details,
                    prior.etag.as_known().map(String::as_str),
                )
                .await
                .or_diag(diags, "Update Bucket Error", &doing)?;
        }
        for (op, rule) in retention_rule_changes(&prior.retention_rules, &plan.retention_rules) {
            let result = match op {
                RuleOp::Create => client
                    .create_retention_rule(&ns, &name, &rule_details(rule))
                    .await
                    .map(drop),
                RuleOp::Update(id) => client
                    .update_retention_rule(&ns, &name, &id, &rule_details(rule), None)
                    .await
                    .map(drop),
                RuleOp::Delete(id) => client
                    .delete_retention_rule(&ns, &name, &id, None)
                    .await
                    .map(drop),
            };
            if let Err(e) = result {
                api_error(diags, "Update Retention Rules Error", &doing, &e);
            }
        }
        read_bucket(&req.provider, &ns, &name, plan, diags).await
    }

    async fn delete(&self, req: DeleteRequest<BucketState, Oci>, diags: &mut Diagnostics) {
        let prior = &req.prior;
        let (ns, name) = (known(&prior.namespace), known(&prior.name));
        let client = &req.provider.client;
        let doing = format!("deleting bucket {name:?} in namespace {ns:?}");
        if prior.force_destroy.as_known() == Some(&true)
            && client
                .empty_bucket(&BucketKey::new(&ns, &name))
                .await
                .or_diag(
                    diags,
                    "Empty Bucket Error",
                    &format!("emptying bucket {name:?} before deleting it (force_destroy)"),
                )
                .is_none()
        {
            return;
        }
        match client.delete_bucket(&ns, &name, None).await {
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) if e.is_conflict_code("BucketNotEmpty") => {
                let sample = client
                    .list_objects(
                        &ns,
                        &name,
                        &ListObjectsRequest {
                            limit: Some(5),
                            ..Default::default()
                        },
                    )
                    .await
                    .map(|r| {
                        r.into_inner()
                            .objects
                            .into_iter()
                            .map(|o| o.name)
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default();
                diags.error(
                    "Bucket Not Empty",
                    format!(
                        "Bucket {name:?} still holds objects (for example: {}), so it was not \
                         deleted and nothing in it was lost.\nEmpty it first, e.g. `oci os object \
                         bulk-delete --namespace {ns} --bucket-name {name} --force`, or set \
                         force_destroy = true on the resource and apply before destroying.\n\n\
                         Original error: {e}",
                        if sample.is_empty() {
                            "none listed".to_string()
                        } else {
                            sample.join(", ")
                        }
                    ),
                );
            }
            Err(e) => api_error(diags, "Delete Bucket Error", &doing, &e),
        }
    }

    async fn import(
        &self,
        req: ImportRequest<Oci>,
        diags: &mut Diagnostics,
    ) -> Option<BucketState> {
        match req.id.parse::<BucketKey>() {
            Ok(key) => Some(BucketState {
                id: Value::Known(key.to_string()),
                namespace: Value::Known(key.namespace),
                name: Value::Known(key.bucket),
                force_destroy: Value::Known(false),
                ..Default::default()
            }),
            Err(e) => {
                diags.error("Invalid Import ID", e.to_string());
                None
            }
        }
    }
}

/// Reads the bucket and its retention rules into state; `None` (no error) when it is gone.
async fn read_bucket(
    oci: &Oci,
    ns: &str,
    name: &str,
    current: &BucketState,
    diags: &mut Diagnostics,
) -> Option<BucketState> {
    let doing = format!("reading bucket {name:?} in namespace {ns:?}");
    let client = &oci.client;
    // Both at once: a refresh then costs one round trip per bucket, not two. (For a bucket that
    // is gone the rules call fails too, and only "gone" is reported.)
    let (bucket, rules) = tokio::join!(
        client.get_bucket_opt(ns, name),
        client.list_all_retention_rules(ns, name)
    );
    let bucket = bucket.or_diag(diags, "Read Bucket Error", &doing)??;
    let rules = rules.or_diag(diags, "Read Retention Rules Error", &doing)?;
    Some(bucket_state(&bucket.value, &rules, current, &oci.tags))
}

// ---------------------------------------------------------------------------------------------
// Pure conversions.

fn create_details(p: &BucketState) -> CreateBucketDetails {
    CreateBucketDetails {
        name: known(&p.name),
        compartment_id: known(&p.compartment_id),
        metadata: p.metadata.as_known().cloned(),
        public_access_type: p.access_type.as_known().cloned(),
        storage_tier: p.storage_tier.as_known().cloned(),
        object_events_enabled: p.object_events_enabled.as_known().copied(),
        freeform_tags: p.freeform_tags.as_known().cloned(),
        defined_tags: p.defined_tags.as_known().map(nest_defined_tags),
        kms_key_id: p.kms_key_id.as_known().cloned(),
        is_bucket_key_enabled: p.is_bucket_key_enabled.as_known().copied(),
        versioning: p.versioning.as_known().cloned(),
        auto_tiering: p.auto_tiering.as_known().cloned(),
        bucket_scope: p.bucket_scope.as_known().cloned(),
    }
}

/// The partial UpdateBucket body for what changed; `None` when the bucket itself is unchanged.
fn update_details(prior: &BucketState, plan: &BucketState) -> Option<UpdateBucketDetails> {
    let d = UpdateBucketDetails {
        compartment_id: changed(&prior.compartment_id, &plan.compartment_id).cloned(),
        // A removed metadata map is sent as empty, which clears it.
        metadata: (prior.metadata != plan.metadata && !plan.metadata.is_unknown())
            .then(|| plan.metadata.as_known().cloned().unwrap_or_default()),
        public_access_type: changed(&prior.access_type, &plan.access_type).cloned(),
        object_events_enabled: changed(&prior.object_events_enabled, &plan.object_events_enabled)
            .copied(),
        freeform_tags: changed(&prior.freeform_tags, &plan.freeform_tags).cloned(),
        defined_tags: changed(&prior.defined_tags, &plan.defined_tags).map(nest_defined_tags),
        // An empty kmsKeyId removes the key.
        kms_key_id: (prior.kms_key_id != plan.kms_key_id && !plan.kms_key_id.is_unknown())
            .then(|| plan.kms_key_id.as_known().cloned().unwrap_or_default()),
        is_bucket_key_enabled: changed(&prior.is_bucket_key_enabled, &plan.is_bucket_key_enabled)
            .copied(),
        // Only sent when changed: the update enum (Enabled/Suspended) differs from create's.
        versioning: changed(&prior.versioning, &plan.versioning).cloned(),
        auto_tiering: changed(&prior.auto_tiering, &plan.auto_tiering).cloned(),
        bucket_scope: changed(&prior.bucket_scope, &plan.bucket_scope).cloned(),
        ..Default::default()
    };
    (d != UpdateBucketDetails::default()).then_some(d)
}

fn bucket_state(
    b: &Bucket,
    rules: &[RetentionRule],
    current: &BucketState,
    tags: &ServiceTags,
) -> BucketState {
    BucketState {
        id: Value::Known(BucketKey::new(&b.namespace, &b.name).to_string()),
        access_type: b.public_access_type.clone().into(),
        approximate_count: Value::Null,
        approximate_size: Value::Null,
        auto_tiering: b.auto_tiering.clone().into(),
        bucket_id: b.id.clone().into(),
        bucket_scope: b.bucket_scope.clone().into(),
        compartment_id: Value::Known(b.compartment_id.clone()),
        created_by: b.created_by.clone().into(),
        defined_tags: tags.state(
            flatten_defined_tags(b.defined_tags.as_ref()),
            &current.defined_tags,
        ),
        etag: b.etag.clone().into(),
        force_destroy: match &current.force_destroy {
            Value::Known(v) => Value::Known(*v),
            _ => Value::Known(false),
        },
        freeform_tags: Value::Known(b.freeform_tags.clone().unwrap_or_default()),
        is_bucket_key_enabled: b.is_bucket_key_enabled.into(),
        is_read_only: b.is_read_only.into(),
        kms_key_id: b.kms_key_id.clone().filter(|k| !k.is_empty()).into(),
        metadata: map_value(b.metadata.clone().unwrap_or_default(), &current.metadata),
        name: Value::Known(b.name.clone()),
        namespace: Value::Known(b.namespace.clone()),
        object_events_enabled: b.object_events_enabled.into(),
        object_lifecycle_policy_etag: b.object_lifecycle_policy_etag.clone().into(),
        replication_enabled: b.replication_enabled.into(),
        retention_rules: rules.iter().map(rule_block).collect(),
        storage_tier: b.storage_tier.clone().into(),
        time_created: time_value(b.time_created.as_ref()),
        versioning: b.versioning.clone().into(),
    }
}

fn rule_block(r: &RetentionRule) -> RetentionRuleBlock {
    RetentionRuleBlock {
        display_name: r.display_name.clone().into(),
        duration: r
            .duration
            .iter()
            .map(|d| RetentionDurationBlock {
                time_amount: Value::Known(d.time_amount.to_string()),
                time_unit: Value::Known(d.time_unit.clone()),
            })
            .collect(),
        retention_rule_id: Value::Known(r.id.clone()),
        time_created: time_value(r.time_created.as_ref()),
        time_modified: time_value(r.time_modified.as_ref()),
        time_rule_locked: r.time_rule_locked.clone().into(),
    }
}

fn rule_details(r: &RetentionRuleBlock) -> RetentionRuleDetails {
    RetentionRuleDetails {
        display_name: r.display_name.as_known().cloned(),
        duration: r.duration.first().map(|d| RetentionDuration {
            time_amount: d
                .time_amount
                .as_known()
                .and_then(|a| a.parse().ok())
                .unwrap_or_default(),
            time_unit: known(&d.time_unit),
        }),
        time_rule_locked: r.time_rule_locked.as_known().cloned(),
    }
}

#[derive(Debug, PartialEq)]
enum RuleOp {
    Create,
    Update(String),
    Delete(String),
}

/// Retention rule calls that turn `prior` into `planned`, matching rules by display name.
fn retention_rule_changes<'a>(
    prior: &'a [RetentionRuleBlock],
    planned: &'a [RetentionRuleBlock],
) -> Vec<(RuleOp, &'a RetentionRuleBlock)> {
    let mut ops = Vec::new();
    for old in prior {
        if !planned.iter().any(|p| p.display_name == old.display_name) {
            ops.push((RuleOp::Delete(known(&old.retention_rule_id)), old));
        }
    }
    for new in planned {
        match prior.iter().find(|o| o.display_name == new.display_name) {
            None => ops.push((RuleOp::Create, new)),
            Some(old)
                if old.duration != new.duration || old.time_rule_locked != new.time_rule_locked =>
            {
                ops.push((RuleOp::Update(known(&old.retention_rule_id)), new));
            }
            Some(_) => {}
        }
    }
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(name: &str, days: &str) -> RetentionRuleBlock {
        RetentionRuleBlock {
            display_name: Value::Known(name.into()),
            duration: vec![RetentionDurationBlock {
                time_amount: Value::Known(days.into()),
                time_unit: Value::Known("DAYS".into()),
            }],
            retention_rule_id: Value::Known(format!("id-{name}")),
            ..Default::default()
        }
    }

    #[test]
    fn unchanged_bucket_needs_no_update_call() {
        let s = BucketState {
            compartment_id: Value::Known("ocid1.compartment.oc1..a".into()),
            metadata: Value::Known([("k".to_string(), "v".to_string())].into()),
            ..Default::default()
        };
        assert_eq!(update_details(&s, &s), None);
    }

    #[test]
    fn update_sends_only_changes_and_clears_kms_key() {
        let prior = BucketState {
            compartment_id: Value::Known("ocid1.compartment.oc1..a".into()),
            kms_key_id: Value::Known("ocid1.key.oc1.iad.k".into()),
            access_type: Value::Known("NoPublicAccess".into()),
            ..Default::default()
        };
        let plan = BucketState {
            compartment_id: Value::Known("ocid1.compartment.oc1..b".into()),
            kms_key_id: Value::Null,
            ..prior.clone()
        };
        let d = update_details(&prior, &plan).unwrap();
        assert_eq!(
            d.compartment_id.as_deref(),
            Some("ocid1.compartment.oc1..b")
        );
        assert_eq!(
            d.kms_key_id.as_deref(),
            Some(""),
            "empty kmsKeyId removes the key"
        );
        assert_eq!(d.public_access_type, None);
        assert_eq!(d.metadata, None);
    }

    #[test]
    fn retention_rules_diffed_by_name() {
        let prior = vec![rule("keep", "30"), rule("old", "1"), rule("same", "7")];
        let plan = vec![rule("keep", "60"), rule("new", "2"), rule("same", "7")];
        let ops: Vec<_> = retention_rule_changes(&prior, &plan)
            .into_iter()
            .map(|(o, r)| (o, r.display_name.clone()))
            .collect();
        assert_eq!(
            ops,
            vec![
                (RuleOp::Delete("id-old".into()), Value::Known("old".into())),
                (
                    RuleOp::Update("id-keep".into()),
                    Value::Known("keep".into())
                ),
                (RuleOp::Create, Value::Known("new".into())),
            ]
        );
    }

    #[test]
    fn api_bucket_to_state() {
        let b = Bucket {
            namespace: "ns".into(),
            name: "in put".into(),
            compartment_id: "ocid1.compartment.oc1..a".into(),
            metadata: Some(BTreeMap::new()),
            time_created: Some("2026-01-02T03:04:05.600Z".into()),
            kms_key_id: Some(String::new()),
            storage_tier: Some("Standard".into()),
            ..Default::default()
        };
        let s = bucket_state(&b, &[], &BucketState::default(), &ServiceTags::default());
        assert_eq!(s.id, Value::Known("n/ns/b/in%20put".into()));
        assert_eq!(
            s.metadata,
            Value::Null,
            "empty metadata stays null when unset"
        );
        assert_eq!(s.kms_key_id, Value::Null);
        assert_eq!(s.force_destroy, Value::Known(false));
        assert_eq!(
            s.time_created,
            Value::Known("2026-01-02 03:04:05.6 +0000 UTC".into())
        );
        assert_eq!(s.approximate_count, Value::Null);
    }
}
