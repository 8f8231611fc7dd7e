//! `oci_identity_policy`: an IAM policy (a list of statements) in a compartment.
//!
//! API: CreatePolicy, GetPolicy, UpdatePolicy (description, statements, version date, tags),
//! DeletePolicy; create waits CREATING → ACTIVE, delete DELETING → DELETED. Import ID: the OCID.
//! Replacing: `name` and `compartment_id`. Writes go to the tenancy's home region, one at a time
//! per tenancy (`crate::iam`).
//!
//! Statements are compared element by element in the policy language's canonical form
//! (`oci_policy`), so the service's rewriting (whitespace, case of keywords and compartment
//! names, #230/#371) and heredoc indentation never show as a diff, while a changed word always
//! shows as exactly that statement's change. State keeps the configured spelling.
//!
//! Differences from the official provider, on purpose: statements are validated at plan time
//! (grammar, with statement index and position) and compared by meaning, not by an MD5 of the
//! exact text; the deprecated `ETag`, `lastUpdateETag` and `policyHash` are still filled for
//! state compatibility (`policyHash` is the MD5 of the service's statements joined by `#`, as
//! upstream writes it) but play no part in diffing.

use std::collections::BTreeMap;
use std::time::Duration;

use md5::{Digest as _, Md5};
use oci_client::services::identity::{CreatePolicyDetails, Policy, UpdatePolicyDetails};
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

pub const TYPE_NAME: &str = "oci_identity_policy";

const TIMEOUT: Duration = Duration::from_secs(20 * 60);

/// An IAM policy: statements granting groups, dynamic groups or services access to resources.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PolicyState {
    /// The policy's OCID.
    pub id: Value<String>,
    /// OCID of the compartment (or tenancy) the policy is attached to. Cannot change in place.
    pub compartment_id: Value<String>,
    /// Defined tags, keyed `namespace.key`. Tags the service adds itself
    /// (`Oracle-Tags.CreatedBy/CreatedOn`) and keys in the provider's `ignore_defined_tags` are
    /// not tracked unless written here.
    pub defined_tags: Value<BTreeMap<String, String>>,
    /// Description (required by OCI; at most 400 characters).
    pub description: Value<String>,
    /// Deprecated: the entity tag of the last read (kept for state written by Oracle's provider).
    #[serde(rename = "ETag")]
    pub etag: Value<String>,
    /// Free-form tags.
    pub freeform_tags: Value<BTreeMap<String, String>>,
    /// Why the policy is INACTIVE, if it is (an int64 as a string, as in the official provider).
    pub inactive_state: Value<String>,
    /// Deprecated: the entity tag of the last read (kept for state written by Oracle's provider).
    #[serde(rename = "lastUpdateETag")]
    pub last_update_etag: Value<String>,
    /// Policy name, unique in the tenancy: letters, digits and `._+@-`. Cannot change in place.
    pub name: Value<String>,
    /// Deprecated: MD5 of the service's statements joined by `#` (as Oracle's provider writes it).
    #[serde(rename = "policyHash")]
    pub policy_hash: Value<String>,
    /// Lifecycle state: CREATING, ACTIVE, INACTIVE, DELETING or DELETED.
    pub state: Value<String>,
    /// Policy statements, e.g. `Allow dynamic-group lab-runs to read buckets in compartment lab`.
    /// Compared by meaning, statement by statement.
    pub statements: Value<Vec<Value<String>>>,
    /// When the policy was created.
    pub time_created: Value<String>,
    /// The date (`YYYY-MM-DD`) whose policy semantics apply; unset means always the current ones.
    pub version_date: Value<String>,
}

pub struct PolicyResource;

#[async_trait]
impl Resource for PolicyResource {
    type State = PolicyState;
    type ProviderData = Oci;

    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        const DEPRECATED: &str =
            "Internal value of Oracle's provider, kept only so its state reads unchanged.";
        Schema::builder::<PolicyState>()
            .attribute("id", |a| a.computed().use_state_for_unknown())
            .attribute("compartment_id", |a| {
                a.required()
                    .requires_replace()
                    .validator(oci::ocid(&["compartment", "tenancy"]))
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
            .attribute("ETag", |a| a.computed().deprecated(DEPRECATED))
            .attribute("freeform_tags", |a| {
                a.optional().computed().use_state_for_unknown()
            })
            .attribute("inactive_state", |a| a.computed().use_state_for_unknown())
            .attribute("lastUpdateETag", |a| a.computed().deprecated(DEPRECATED))
            .attribute("name", |a| {
                a.required().requires_replace().validator(iam::iam_name())
            })
            .attribute("policyHash", |a| a.computed().deprecated(DEPRECATED))
            .attribute("state", |a| a.computed().use_state_for_unknown())
            .attribute("statements", |a| {
                a.required().plan_modifier(pm::keep_prior_if_equivalent(
                    oci_policy::statements_equivalent,
                ))
            })
            .attribute("time_created", |a| a.computed().use_state_for_unknown())
            .attribute("version_date", |a| {
                a.optional()
                    .computed()
                    .use_state_for_unknown()
                    .validator(validators::regex(
                        r"^\d{4}-\d{2}-\d{2}$",
                        "must be a date in the form YYYY-MM-DD, e.g. 2018-08-23",
                    ))
            })
            .build()
    }

    async fn validate(&self, req: ValidateRequest<PolicyState>, diags: &mut Diagnostics) {
        check_statements(&req.config.statements, diags);
    }

    /// Oracle's `""` for a policy that is not inactive and has no version date (see
    /// [`null_if_empty`]).
    fn normalize_stored(&self, s: &mut PolicyState) {
        null_if_empty(&mut [&mut s.inactive_state, &mut s.version_date]);
    }

    async fn modify_plan(&self, req: &mut ModifyPlan<PolicyState, Oci>, diags: &mut Diagnostics) {
        let Some(config) = req.change.config().cloned() else {
            return;
        };
        // Statements that referred to other resources were unknown at validate time.
        check_statements(&config.statements, diags);
        warn_unknown_principals(&req.provider, &config.statements, diags).await;
    }

    async fn create(
        &self,
        req: CreateRequest<PolicyState, Oci>,
        diags: &mut Diagnostics,
    ) -> Option<PolicyState> {
        let plan = &req.planned;
        let oci = &req.provider;
        let name = known(&plan.name);
        let doing = format!("creating policy {name:?}");
        let client = iam::home_client(oci, &doing, diags).await?;
        let details = CreatePolicyDetails {
            compartment_id: known(&plan.compartment_id),
            name: name.clone(),
            statements: statement_texts(&plan.statements),
            description: known(&plan.description),
            version_date: plan.version_date.as_known().cloned(),
            freeform_tags: plan.freeform_tags.as_known().cloned(),
            defined_tags: plan.defined_tags.as_known().map(nest_defined_tags),
        };
        let created = {
            let _lock = oci.iam.write_lock(&iam::tenancy(oci)).await;
            oci.iam
                .retry_propagation(&client, || client.create_policy(&details))
                .await
        };
        let created = match created {
            Ok(c) => c.into_inner(),
            Err((e, waited)) => {
                let failure = iam::WriteFailure {
                    type_name: TYPE_NAME,
                    noun: "policy",
                    name: &name,
                    creating: true,
                    doing: &doing,
                    waited,
                };
                write_error(
                    oci,
                    &client,
                    diags,
                    failure,
                    &known(&plan.compartment_id),
                    &e,
                )
                .await;
                return None;
            }
        };
        // From here on the policy exists: always return a state so Terraform tracks it.
        let ready = client
            .wait_for(
                &format!("policy {}", created.id),
                &WaitSpec::new(&["ACTIVE"], &["CREATING"], TIMEOUT),
                || client.get_policy_opt(&created.id),
            )
            .await;
        if let Err(e) = &ready {
            api_error(diags, "Create Policy Error", &doing, e);
        }
        read_policy(oci, &created.id, plan, diags)
            .await
            .or_else(|| Some(partial_state(&created, plan)))
    }

    async fn read(
        &self,
        req: ReadRequest<PolicyState, Oci>,
        diags: &mut Diagnostics,
    ) -> Option<PolicyState> {
        read_policy(&req.provider, &known(&req.current.id), &req.current, diags).await
    }

    async fn update(
        &self,
        req: UpdateRequest<PolicyState, Oci>,
        diags: &mut Diagnostics,
    ) -> Option<PolicyState> {
        let (prior, plan, oci) = (&req.prior, &req.planned, &req.provider);
        let id = known(&prior.id);
        let doing = format!("updating policy {:?} ({id})", known(&plan.name));
        let client = iam::home_client(oci, &doing, diags).await?;
        let remote = client
            .get_policy(&id)
            .await
            .or_diag(diags, "Update Policy Error", &doing)?;
        let details = update_details(oci, prior, plan, &remote.value);
        if details != UpdatePolicyDetails::default() {
            let result = {
                let _lock = oci.iam.write_lock(&iam::tenancy(oci)).await;
                oci.iam
                    .retry_propagation(&client, || client.update_policy(&id, &details, None))
                    .await
            };
            if let Err((e, waited)) = result {
                let name = known(&plan.name);
                let failure = iam::WriteFailure {
                    type_name: TYPE_NAME,
                    noun: "policy",
                    name: &name,
                    creating: false,
                    doing: &doing,
                    waited,
                };
                write_error(
                    oci,
                    &client,
                    diags,
                    failure,
                    &known(&plan.compartment_id),
                    &e,
                )
                .await;
                return read_policy(oci, &id, prior, &mut Diagnostics::new()).await;
            }
        }
        read_policy(oci, &id, plan, diags).await
    }

    async fn delete(&self, req: DeleteRequest<PolicyState, Oci>, diags: &mut Diagnostics) {
        let oci = &req.provider;
        let id = known(&req.prior.id);
        let doing = format!("deleting policy {:?} ({id})", known(&req.prior.name));
        let Some(client) = iam::home_client(oci, &doing, diags).await else {
            return;
        };
        let deleted = {
            let _lock = oci.iam.write_lock(&iam::tenancy(oci)).await;
            client.delete_policy(&id, None).await
        };
        match deleted {
            Ok(_) => {}
            Err(e) if e.is_not_found() => return,
            Err(e) => {
                api_error(diags, "Delete Policy Error", &doing, &e);
                return;
            }
        }
        if let Err(e) = client
            .wait_for(
                &format!("policy {id}"),
                &WaitSpec::new(&["DELETED"], &["DELETING", "ACTIVE"], TIMEOUT).or_gone(),
                || client.get_policy_opt(&id),
            )
            .await
        {
            api_error(diags, "Delete Policy Error", &doing, &e);
        }
    }

    async fn import(
        &self,
        req: ImportRequest<Oci>,
        diags: &mut Diagnostics,
    ) -> Option<PolicyState> {
        if !req.id.starts_with("ocid1.policy.") || !oci::is_ocid(&req.id) {
            diags.error(
                "Invalid Import ID",
                format!(
                    "Expected the policy's OCID, e.g. ocid1.policy.oc1..aaaaaaaa…; got {:?}.",
                    req.id
                ),
            );
            return None;
        }
        Some(PolicyState {
            id: Value::Known(req.id),
            ..Default::default()
        })
    }
}

/// Plan-time grammar check of every known statement, pointing at `statements[i]`.
fn check_statements(statements: &Value<Vec<Value<String>>>, diags: &mut Diagnostics) {
    let Some(list) = statements.as_known() else {
        return;
    };
    if list.is_empty() {
        diags.attribute_error(
            AttributePath::new("statements"),
            "No Policy Statements",
            "A policy needs at least one statement.",
        );
    }
    if list.len() > 50 {
        diags.attribute_error(
            AttributePath::new("statements"),
            "Too Many Policy Statements",
            format!(
                "This policy has {} statements; OCI allows at most 50 per policy. Split it into \
                 several policies.",
                list.len()
            ),
        );
    }
    for (i, s) in list.iter().enumerate() {
        let Some(text) = s.as_known() else { continue };
        if let Err(e) = oci_policy::parse_statement(text) {
            diags.attribute_error(
                AttributePath::new("statements").index(i),
                "Invalid Policy Statement",
                iam::parse_error_detail(&format!("Statement {i} (statements[{i}])"), text, &e),
            );
        }
    }
}

/// Warns about groups and dynamic groups named in statements that neither the tenancy nor this
/// configuration (dynamic groups planned earlier in this run) has: OCI would refuse the policy.
async fn warn_unknown_principals(
    oci: &Oci,
    statements: &Value<Vec<Value<String>>>,
    diags: &mut Diagnostics,
) {
    let parsed: Vec<(usize, oci_policy::Statement)> = statements
        .as_known()
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, s)| Some((i, oci_policy::parse_statement(s.as_known()?).ok()?)))
        .collect();
    let named = parsed.iter().any(|(_, s)| {
        !s.subject_group_names().is_empty() || !s.subject_dynamic_group_names().is_empty()
    });
    if !named {
        return;
    }
    let Some(names) = oci.iam.tenancy_names(&oci.client).await else {
        return;
    };
    for (i, s) in &parsed {
        let path = AttributePath::new("statements").index(*i);
        for g in s.subject_dynamic_group_names() {
            if !names.dynamic_groups.contains(&g.to_ascii_lowercase())
                && !oci.iam.is_planned_dynamic_group(&g)
            {
                diags.attribute_warning(
                    path.clone(),
                    "Unknown Dynamic Group",
                    format!(
                        "Statement {i} names dynamic group {g:?}, which the tenancy does not have \
                         and this configuration does not create (as far as planned so far). OCI \
                         refuses a policy naming a missing dynamic group. If it is created in \
                         this configuration, refer to it (e.g. \
                         ${{oci_identity_dynamic_group.x.name}}) so it is created first."
                    ),
                );
            }
        }
        for g in s.subject_group_names() {
            if !names.groups.contains(&g.to_ascii_lowercase()) {
                diags.attribute_warning(
                    path.clone(),
                    "Unknown Group",
                    format!(
                        "Statement {i} names group {g:?}, which the tenancy does not have. OCI \
                         refuses a policy naming a missing group; check the spelling."
                    ),
                );
            }
        }
    }
}

/// Reports a failed create or update (see [`iam::WriteFailure`]).
async fn write_error(
    oci: &Oci,
    client: &Client,
    diags: &mut Diagnostics,
    failure: iam::WriteFailure<'_>,
    compartment_id: &str,
    e: &oci_client::Error,
) {
    let existing = if failure.creating && e.status() == Some(409) {
        let request = oci_client::services::identity::ListIamRequest {
            compartment_id: compartment_id.to_string(),
            ..Default::default()
        };
        let found = client.list_all_policies(&request).await;
        found
            .ok()
            .and_then(|l| iam::live_id(l, failure.name, |p| (p.name, p.id, p.lifecycle_state)))
    } else {
        None
    };
    failure.report(oci, existing, e, diags);
}

/// Reads the policy into state; `None` (no error) when it is gone or DELETED.
async fn read_policy(
    oci: &Oci,
    id: &str,
    current: &PolicyState,
    diags: &mut Diagnostics,
) -> Option<PolicyState> {
    let doing = format!("reading policy {id}");
    let resp =
        oci.client
            .get_policy_opt(id)
            .await
            .or_diag(diags, "Read Policy Error", &doing)??;
    if resp.value.lifecycle_state == "DELETED" {
        return None;
    }
    let etag = resp.etag().map(str::to_string);
    Some(policy_state(oci, &resp.value, etag, current))
}

/// State after a create whose wait or read failed: what the create answered.
fn partial_state(p: &Policy, plan: &PolicyState) -> PolicyState {
    PolicyState {
        id: Value::Known(p.id.clone()),
        etag: Value::Null,
        last_update_etag: Value::Null,
        policy_hash: Value::Known(policy_hash(&p.statements)),
        state: Value::Known(p.lifecycle_state.clone()),
        time_created: time_value(p.time_created.as_ref()),
        inactive_state: p.inactive_status.map(|s| s.to_string()).into(),
        statements: Value::Known(merge_texts(&p.statements, &plan.statements)),
        ..plan.clone()
    }
}

// ---------------------------------------------------------------------------------------------
// Pure conversions.

fn statement_texts(v: &Value<Vec<Value<String>>>) -> Vec<String> {
    v.as_known()
        .into_iter()
        .flatten()
        .map(|s| s.as_known().cloned().unwrap_or_default())
        .collect()
}

/// The service's statements, each replaced by the one in `current` at the same index when that
/// means the same: state keeps the user's spelling, while a real change shows the service's.
fn merge_texts(remote: &[String], current: &Value<Vec<Value<String>>>) -> Vec<Value<String>> {
    let mine = current.as_known();
    remote
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let keep = mine
                .and_then(|m| m.get(i))
                .and_then(Value::as_known)
                .filter(|c| oci_policy::statements_equivalent(c, r));
            Value::Known(keep.cloned().unwrap_or_else(|| r.clone()))
        })
        .collect()
}

/// MD5 of the statements joined by `#`, hex: the official provider's `policyHash`.
fn policy_hash(statements: &[String]) -> String {
    let digest = Md5::digest(statements.join("#").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn policy_state(oci: &Oci, p: &Policy, etag: Option<String>, current: &PolicyState) -> PolicyState {
    PolicyState {
        id: Value::Known(p.id.clone()),
        compartment_id: Value::Known(p.compartment_id.clone()),
        defined_tags: oci.tags.state(
            flatten_defined_tags(p.defined_tags.as_ref()),
            &current.defined_tags,
        ),
        description: Value::Known(p.description.clone().unwrap_or_default()),
        etag: etag.clone().into(),
        freeform_tags: Value::Known(p.freeform_tags.clone().unwrap_or_default()),
        inactive_state: p.inactive_status.map(|s| s.to_string()).into(),
        last_update_etag: etag.into(),
        name: Value::Known(p.name.clone()),
        policy_hash: Value::Known(policy_hash(&p.statements)),
        state: Value::Known(p.lifecycle_state.clone()),
        statements: Value::Known(merge_texts(&p.statements, &current.statements)),
        time_created: time_value(p.time_created.as_ref()),
        version_date: p.version_date.clone().into(),
    }
}

/// The UpdatePolicy body for what changed between `prior` and `plan` (empty when nothing did).
fn update_details(
    oci: &Oci,
    prior: &PolicyState,
    plan: &PolicyState,
    remote: &Policy,
) -> UpdatePolicyDetails {
    let changed = |a: &Value<String>, b: &Value<String>| a != b && b.is_known();
    UpdatePolicyDetails {
        description: changed(&prior.description, &plan.description)
            .then(|| known(&plan.description)),
        statements: (prior.statements != plan.statements)
            .then(|| statement_texts(&plan.statements)),
        version_date: changed(&prior.version_date, &plan.version_date)
            .then(|| known(&plan.version_date)),
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

    fn list(items: &[&str]) -> Value<Vec<Value<String>>> {
        Value::Known(
            items
                .iter()
                .map(|s| Value::Known((*s).to_string()))
                .collect(),
        )
    }

    #[test]
    fn state_keeps_the_configured_spelling_of_equivalent_statements() {
        let remote = vec![
            "Allow group Admins to manage buckets in compartment lab".to_string(),
            "allow group Admins to read objects in tenancy".to_string(),
        ];
        let mine = list(&[
            "ALLOW group Admins  to manage buckets\n in compartment Lab",
            "allow group Admins to manage objects in tenancy",
        ]);
        let merged = merge_texts(&remote, &mine);
        assert_eq!(merged[0], Value::Known(statement_texts(&mine)[0].clone()));
        assert_eq!(
            merged[1],
            Value::Known(remote[1].clone()),
            "a real change keeps the service's text"
        );
    }

    #[test]
    fn policy_hash_is_upstreams() {
        // md5("a#b"): statements joined by '#'.
        assert_eq!(
            policy_hash(&["a".into(), "b".into()]),
            "6457c7988b74a5dd2057c7bf0905389e"
        );
    }

    #[test]
    fn statement_errors_point_at_the_element() {
        let mut d = Diagnostics::new();
        check_statements(
            &list(&[
                "Allow group A to read buckets in tenancy",
                "Allow group A to fly buckets in tenancy",
            ]),
            &mut d,
        );
        let errs: Vec<_> = d.iter().collect();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(
            errs[0].path,
            Some(AttributePath::new("statements").index(1))
        );
        assert!(errs[0].detail.contains("Statement 1"), "{}", errs[0].detail);
        assert!(errs[0].detail.contains("column 18"), "{}", errs[0].detail);
    }
}
