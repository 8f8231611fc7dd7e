//! `oci_identity_dynamic_group`: a set of resources (e.g. Data Flow runs) that act as IAM
//! principals, chosen by a matching rule.
//!
//! API: CreateDynamicGroup, GetDynamicGroup, UpdateDynamicGroup (description, matching rule,
//! tags), DeleteDynamicGroup; create waits CREATING → ACTIVE, delete DELETING → DELETED. Import
//! ID: the OCID. Replacing: `name` and `compartment_id`. Writes go to the tenancy's home region,
//! one at a time per tenancy (`crate::iam`).
//!
//! Differences from the official provider, on purpose: the matching rule is checked at plan time
//! and compared by meaning (`oci_policy` canonical form), so a heredoc with indentation or `any`
//! for `ANY` never diffs (#2465, #2180), and it is sent to OCI in canonical form rather than
//! byte for byte; `compartment_id` must be the tenancy, which is said at plan time (#2484).

use std::collections::BTreeMap;
use std::time::Duration;

use oci_client::services::identity::{
    CreateDynamicGroupDetails, DynamicGroup, UpdateDynamicGroupDetails,
};
use oci_client::{Client, WaitSpec};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tfplugin::{
    AttributePath, CreateRequest, DeleteRequest, Diagnostics, ImportRequest, ModifyPlan,
    ReadRequest, Resource, Schema, UpdateRequest, ValidateRequest, Value, async_trait,
    plan_modifiers as pm, validators,
};

use crate::convert::{flatten_defined_tags, known, nest_defined_tags, null_if_empty, time_value};
use crate::diag::{OrDiag, api_error};
use crate::iam;
use crate::provider::Oci;
use crate::validators as oci;

pub const TYPE_NAME: &str = "oci_identity_dynamic_group";

const TIMEOUT: Duration = Duration::from_secs(20 * 60);

/// A dynamic group: resources matching a rule act as one IAM principal in policies.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DynamicGroupState {
    /// The dynamic group's OCID.
    pub id: Value<String>,
    /// OCID of the tenancy: dynamic groups exist only in the root compartment. Cannot change in
    /// place.
    pub compartment_id: Value<String>,
    /// Defined tags, keyed `namespace.key`. Tags the service adds itself
    /// (`Oracle-Tags.CreatedBy/CreatedOn`) and keys in the provider's `ignore_defined_tags` are
    /// not tracked unless written here.
    pub defined_tags: Value<BTreeMap<String, String>>,
    /// Description (required by OCI; at most 400 characters).
    pub description: Value<String>,
    /// Free-form tags.
    pub freeform_tags: Value<BTreeMap<String, String>>,
    /// Why the group is INACTIVE, if it is (an int64 as a string, as in the official provider).
    pub inactive_state: Value<String>,
    /// Which resources are members, e.g.
    /// `ALL {resource.type = 'dataflowrun', resource.compartment.id = 'ocid1.compartment…'}`.
    /// Compared by meaning: case of keywords, quoting and whitespace (heredocs) do not matter.
    pub matching_rule: Value<String>,
    /// Name, unique in the tenancy: letters, digits and `._+@-`. Cannot change in place.
    pub name: Value<String>,
    /// Lifecycle state: CREATING, ACTIVE, INACTIVE, DELETING or DELETED.
    pub state: Value<String>,
    /// When the dynamic group was created.
    pub time_created: Value<String>,
}

pub struct DynamicGroupResource;

#[async_trait]
impl Resource for DynamicGroupResource {
    type State = DynamicGroupState;
    type ProviderData = Oci;

    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        Schema::builder::<DynamicGroupState>()
            .attribute("id", |a| a.computed().use_state_for_unknown())
            .attribute("compartment_id", |a| {
                a.required()
                    .requires_replace()
                    .validator(oci::ocid(&["tenancy"]))
            })
            .attribute("defined_tags", |a| {
                a.optional()
                    .computed()
                    .use_state_for_unknown()
                    .validator(oci::defined_tag_keys())
            })
            .attribute("description", |a| {
                a.required().validator(validators::length(0, 400))
            })
            .attribute("freeform_tags", |a| {
                a.optional().computed().use_state_for_unknown()
            })
            .attribute("inactive_state", |a| a.computed().use_state_for_unknown())
            .attribute("matching_rule", |a| {
                a.required()
                    .plan_modifier(pm::semantic_equal(oci_policy::matching_rules_equivalent))
            })
            .attribute("name", |a| {
                a.required().requires_replace().validator(iam::iam_name())
            })
            .attribute("state", |a| a.computed().use_state_for_unknown())
            .attribute("time_created", |a| a.computed().use_state_for_unknown())
            .build()
    }

    async fn validate(&self, req: ValidateRequest<DynamicGroupState>, diags: &mut Diagnostics) {
        check_rule(&req.config.matching_rule, diags);
    }

    /// Oracle's `""` for a group that is not inactive (see [`null_if_empty`]).
    fn normalize_stored(&self, s: &mut DynamicGroupState) {
        null_if_empty(&mut [&mut s.inactive_state]);
    }

    async fn modify_plan(
        &self,
        req: &mut ModifyPlan<DynamicGroupState, Oci>,
        diags: &mut Diagnostics,
    ) {
        let Some(config) = req.change.config().cloned() else {
            return;
        };
        // Values that referred to other resources were unknown at validate time.
        check_rule(&config.matching_rule, diags);
        warn_unknown_resource_types(&config.matching_rule, diags);
        let tenancy = iam::tenancy(&req.provider);
        if let Some(c) = config.compartment_id.as_known()
            && !tenancy.is_empty()
            && *c != tenancy
        {
            diags.attribute_error(
                AttributePath::new("compartment_id"),
                "Dynamic Groups Live in the Tenancy",
                format!(
                    "compartment_id is {c:?}, but OCI creates dynamic groups only in the \
                     tenancy (root compartment): set compartment_id = \"{tenancy}\" (e.g. \
                     var.tenancy_ocid). To scope members to a compartment, say so in the \
                     matching rule: resource.compartment.id = '{c}'."
                ),
            );
        }
        if let Some(name) = config.name.as_known() {
            req.provider.iam.note_planned_dynamic_group(name);
        }
    }

    async fn create(
        &self,
        req: CreateRequest<DynamicGroupState, Oci>,
        diags: &mut Diagnostics,
    ) -> Option<DynamicGroupState> {
        let plan = &req.planned;
        let oci = &req.provider;
        let name = known(&plan.name);
        let doing = format!("creating dynamic group {name:?}");
        let client = iam::home_client(oci, &doing, diags).await?;
        let details = CreateDynamicGroupDetails {
            compartment_id: known(&plan.compartment_id),
            name: name.clone(),
            matching_rule: rule_to_send(&known(&plan.matching_rule)),
            description: known(&plan.description),
            freeform_tags: plan.freeform_tags.as_known().cloned(),
            defined_tags: plan.defined_tags.as_known().map(nest_defined_tags),
        };
        let created = {
            let _lock = oci.iam.write_lock(&iam::tenancy(oci)).await;
            client.create_dynamic_group(&details).await
        };
        let created = match created {
            Ok(c) => c.into_inner(),
            Err(e) => {
                let failure = iam::WriteFailure {
                    type_name: TYPE_NAME,
                    noun: "dynamic group",
                    name: &name,
                    creating: true,
                    doing: &doing,
                    waited: Duration::ZERO,
                };
                write_error(oci, &client, diags, failure, &e).await;
                return None;
            }
        };
        // From here on the group exists: always return a state so Terraform tracks it.
        let ready = client
            .wait_for(
                &format!("dynamic group {}", created.id),
                &WaitSpec::new(&["ACTIVE"], &["CREATING"], TIMEOUT),
                || client.get_dynamic_group_opt(&created.id),
            )
            .await;
        if let Err(e) = &ready {
            api_error(diags, "Create Dynamic Group Error", &doing, e);
        }
        read_dynamic_group(oci, &created.id, plan, diags)
            .await
            .or_else(|| Some(partial_state(&created, plan)))
    }

    async fn read(
        &self,
        req: ReadRequest<DynamicGroupState, Oci>,
        diags: &mut Diagnostics,
    ) -> Option<DynamicGroupState> {
        read_dynamic_group(&req.provider, &known(&req.current.id), &req.current, diags).await
    }

    async fn update(
        &self,
        req: UpdateRequest<DynamicGroupState, Oci>,
        diags: &mut Diagnostics,
    ) -> Option<DynamicGroupState> {
        let (prior, plan, oci) = (&req.prior, &req.planned, &req.provider);
        let id = known(&prior.id);
        let name = known(&plan.name);
        let doing = format!("updating dynamic group {name:?} ({id})");
        let client = iam::home_client(oci, &doing, diags).await?;
        let remote = client.get_dynamic_group(&id).await.or_diag(
            diags,
            "Update Dynamic Group Error",
            &doing,
        )?;
        let details = update_details(oci, prior, plan, &remote.value);
        if details != UpdateDynamicGroupDetails::default() {
            let result = {
                let _lock = oci.iam.write_lock(&iam::tenancy(oci)).await;
                client.update_dynamic_group(&id, &details, None).await
            };
            if let Err(e) = result {
                let failure = iam::WriteFailure {
                    type_name: TYPE_NAME,
                    noun: "dynamic group",
                    name: &name,
                    creating: false,
                    doing: &doing,
                    waited: Duration::ZERO,
                };
                write_error(oci, &client, diags, failure, &e).await;
                return read_dynamic_group(oci, &id, prior, &mut Diagnostics::new()).await;
            }
        }
        read_dynamic_group(oci, &id, plan, diags).await
    }

    async fn delete(&self, req: DeleteRequest<DynamicGroupState, Oci>, diags: &mut Diagnostics) {
        let oci = &req.provider;
        let id = known(&req.prior.id);
        let doing = format!("deleting dynamic group {:?} ({id})", known(&req.prior.name));
        let Some(client) = iam::home_client(oci, &doing, diags).await else {
            return;
        };
        let deleted = {
            let _lock = oci.iam.write_lock(&iam::tenancy(oci)).await;
            client.delete_dynamic_group(&id, None).await
        };
        match deleted {
            Ok(_) => {}
            Err(e) if e.is_not_found() => return,
            Err(e) => {
                api_error(diags, "Delete Dynamic Group Error", &doing, &e);
                return;
            }
        }
        if let Err(e) = client
            .wait_for(
                &format!("dynamic group {id}"),
                &WaitSpec::new(&["DELETED"], &["DELETING", "ACTIVE"], TIMEOUT).or_gone(),
                || client.get_dynamic_group_opt(&id),
            )
            .await
        {
            api_error(diags, "Delete Dynamic Group Error", &doing, &e);
        }
    }

    async fn import(
        &self,
        req: ImportRequest<Oci>,
        diags: &mut Diagnostics,
    ) -> Option<DynamicGroupState> {
        if !req.id.starts_with("ocid1.dynamicgroup.") || !oci::is_ocid(&req.id) {
            diags.error(
                "Invalid Import ID",
                format!(
                    "Expected the dynamic group's OCID, e.g. ocid1.dynamicgroup.oc1..aaaaaaaa…; \
                     got {:?}.",
                    req.id
                ),
            );
            return None;
        }
        Some(DynamicGroupState {
            id: Value::Known(req.id),
            ..Default::default()
        })
    }
}

/// Plan-time grammar check of the matching rule.
fn check_rule(rule: &Value<String>, diags: &mut Diagnostics) {
    let Some(text) = rule.as_known() else { return };
    if let Err(e) = oci_policy::parse_matching_rule(text) {
        diags.attribute_error(
            AttributePath::new("matching_rule"),
            "Invalid Matching Rule",
            iam::parse_error_detail("The matching rule", text, &e),
        );
    }
}

/// Warns about `resource.type` values no OCI resource has: the group would match nothing.
fn warn_unknown_resource_types(rule: &Value<String>, diags: &mut Diagnostics) {
    let Some(parsed) = rule
        .as_known()
        .and_then(|t| oci_policy::parse_matching_rule(t).ok())
    else {
        return;
    };
    for t in parsed.resource_types() {
        if oci_policy::is_known_resource_type(&t) {
            continue;
        }
        let hint = iam::suggest_resource_type(&t)
            .map(|s| format!(" Did you mean '{s}'?"))
            .unwrap_or_default();
        diags.attribute_warning(
            AttributePath::new("matching_rule"),
            "Unknown Resource Type",
            format!(
                "The matching rule names resource.type = '{t}', which no OCI resource has, so \
                 that condition never matches.{hint}"
            ),
        );
    }
}

/// Reports a failed create or update (see [`iam::WriteFailure`]).
async fn write_error(
    oci: &Oci,
    client: &Client,
    diags: &mut Diagnostics,
    failure: iam::WriteFailure<'_>,
    e: &oci_client::Error,
) {
    let existing = if failure.creating && e.status() == Some(409) {
        let found = client.list_all_dynamic_groups(&iam::in_tenancy(oci)).await;
        found
            .ok()
            .and_then(|l| iam::live_id(l, failure.name, |g| (g.name, g.id, g.lifecycle_state)))
    } else {
        None
    };
    failure.report(oci, existing, e, diags);
}

/// Reads the dynamic group into state; `None` (no error) when it is gone or DELETED.
async fn read_dynamic_group(
    oci: &Oci,
    id: &str,
    current: &DynamicGroupState,
    diags: &mut Diagnostics,
) -> Option<DynamicGroupState> {
    let doing = format!("reading dynamic group {id}");
    let resp = oci.client.get_dynamic_group_opt(id).await.or_diag(
        diags,
        "Read Dynamic Group Error",
        &doing,
    )??;
    if resp.value.lifecycle_state == "DELETED" {
        return None;
    }
    Some(dynamic_group_state(oci, &resp.value, current))
}

/// State after a create whose wait or read failed: what the create answered.
fn partial_state(g: &DynamicGroup, plan: &DynamicGroupState) -> DynamicGroupState {
    DynamicGroupState {
        id: Value::Known(g.id.clone()),
        state: Value::Known(g.lifecycle_state.clone()),
        time_created: time_value(g.time_created.as_ref()),
        inactive_state: g.inactive_status.map(|s| s.to_string()).into(),
        ..plan.clone()
    }
}

// ---------------------------------------------------------------------------------------------
// Pure conversions.

/// The rule as sent to OCI: its canonical form when it parses, so heredoc indentation and line
/// breaks never reach the service (#2180); the text as written otherwise.
fn rule_to_send(rule: &str) -> String {
    oci_policy::parse_matching_rule(rule).map_or_else(|_| rule.to_string(), |r| r.canonical())
}

/// The service's rule, or the one in `current` when that means the same (state keeps the user's
/// spelling; a real change shows the service's).
fn rule_state(remote: &str, current: &Value<String>) -> Value<String> {
    match current.as_known() {
        Some(c) if oci_policy::matching_rules_equivalent(c, remote) => Value::Known(c.clone()),
        _ => Value::Known(remote.to_string()),
    }
}

fn dynamic_group_state(
    oci: &Oci,
    g: &DynamicGroup,
    current: &DynamicGroupState,
) -> DynamicGroupState {
    DynamicGroupState {
        id: Value::Known(g.id.clone()),
        compartment_id: Value::Known(g.compartment_id.clone()),
        defined_tags: oci.tags.state(
            flatten_defined_tags(g.defined_tags.as_ref()),
            &current.defined_tags,
        ),
        description: Value::Known(g.description.clone().unwrap_or_default()),
        freeform_tags: Value::Known(g.freeform_tags.clone().unwrap_or_default()),
        inactive_state: g.inactive_status.map(|s| s.to_string()).into(),
        matching_rule: rule_state(
            g.matching_rule.as_deref().unwrap_or_default(),
            &current.matching_rule,
        ),
        name: Value::Known(g.name.clone()),
        state: Value::Known(g.lifecycle_state.clone()),
        time_created: time_value(g.time_created.as_ref()),
    }
}

/// The UpdateDynamicGroup body for what changed between `prior` and `plan`.
fn update_details(
    oci: &Oci,
    prior: &DynamicGroupState,
    plan: &DynamicGroupState,
    remote: &DynamicGroup,
) -> UpdateDynamicGroupDetails {
    let changed = |a: &Value<String>, b: &Value<String>| a != b && b.is_known();
    UpdateDynamicGroupDetails {
        description: changed(&prior.description, &plan.description)
            .then(|| known(&plan.description)),
        matching_rule: changed(&prior.matching_rule, &plan.matching_rule)
            .then(|| rule_to_send(&known(&plan.matching_rule))),
        freeform_tags: (prior.freeform_tags != plan.freeform_tags
            && !plan.freeform_tags.is_unknown())
        .then(|| plan.freeform_tags.as_known().cloned().unwrap_or_default()),
        defined_tags: (prior.defined_tags != plan.defined_tags && !plan.defined_tags.is_unknown())
            .then(|| {
                let planned = plan.defined_tags.as_known().cloned().unwrap_or_default();
                let remote = flatten_defined_tags(remote.defined_tags.as_ref());
                nest_defined_tags(&oci.tags.to_send(&planned, &remote))
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heredoc_rule_is_sent_canonical_and_kept_as_written() {
        let heredoc = "ALL {\n    resource.type = 'dataflowrun',\n    resource.compartment.id = 'ocid1.compartment.oc1..aaaa'\n  }\n";
        let sent = rule_to_send(heredoc);
        assert!(!sent.contains('\n'), "{sent}");
        let mine = Value::Known(heredoc.to_string());
        assert_eq!(rule_state(&sent, &mine), mine);
        let other = "ANY {resource.type = 'dataflowrun'}";
        assert_eq!(rule_state(other, &mine), Value::Known(other.to_string()));
    }

    #[test]
    fn rule_errors_point_at_the_attribute() {
        let mut d = Diagnostics::new();
        check_rule(&Value::Known("ALL {resource.type = }".into()), &mut d);
        let e: Vec<_> = d.iter().collect();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].path, Some(AttributePath::new("matching_rule")));
        assert!(e[0].detail.contains("line 1, column"), "{}", e[0].detail);
    }

    #[test]
    fn unknown_resource_types_warn_with_a_suggestion() {
        let mut d = Diagnostics::new();
        warn_unknown_resource_types(
            &Value::Known("ANY {resource.type = 'dataflowruns'}".into()),
            &mut d,
        );
        let w: Vec<_> = d.iter().collect();
        assert_eq!(w.len(), 1);
        assert!(w[0].detail.contains("'dataflowrun'"), "{}", w[0].detail);
        assert!(!d.has_errors());
    }
}
