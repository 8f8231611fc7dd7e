//! The plan-time IAM check of Data Flow runs (a warning, never an error): could a run of this
//! application, acting as its resource principal (`resource.type = 'dataflowrun'` in its
//! compartment, with its tags), read its `file_uri` / `archive_uri` and write its logs bucket?
//! The lab's number-one failure is a dynamic group or policy that does not grant the buckets;
//! OCI only says so when the run fails, minutes later, as "BucketNotFound … or you are not
//! authorized". Here the tenancy's dynamic groups and policies are read (list calls only) and
//! evaluated with `oci_policy::authorize`, the evaluator the emulator authorises runs with.
//!
//! A resource's plan sees only its own configuration, not the policy resources beside it, so the
//! check reads what exists *when the plan is made*:
//! * A bucket that does not exist yet (created by the same apply) is not evaluated: nothing can
//!   grant it yet, and a warning would be noise on every fresh apply. Terraform plans each
//!   resource again during apply, just before creating it, with the values known by then; that
//!   re-plan evaluates again, with the buckets — and the policy, when the run `depends_on` it,
//!   as the lab's does — in place.
//! * `oci_dataflow_invoke_run` is checked when it is to be created (its run is the one that
//!   would fail). `oci_dataflow_application` is checked once it exists (updates and no-op
//!   plans): when it is first created, the policies its runs need are often created alongside
//!   and not ordered before it, and a warning then would be wrong by the time any run starts.
//! * IAM is eventually consistent: a policy written seconds ago may not be listed yet, so the
//!   wording says "when this plan was made"; the run's own check at apply time comes later.
//! * A planned run has no OCID yet: matching rules on `resource.id` cannot match it here.
//! * Any API error (no permission to list policies, throttling, …) means no warning: the check
//!   must never fail or block a plan (one attempt per call, no retries), and a warning must not
//!   be a guess. It is logged at debug.

use std::collections::BTreeMap;

use oci_client::Client;
use oci_client::services::identity::{ListCompartmentsRequest, ListIamRequest};
use oci_policy::{CompartmentDef, Decision, DynamicGroupDef, PolicyDef, Principal, Request};
use tfplugin::{AttributePath, Diagnostics, Value};

use crate::dataflow::parse_oci_uri;
use crate::provider::Oci;

/// The warning's title.
pub const SUMMARY: &str = "Data Flow Run Not Authorized";

/// One object access a run needs, and the attribute it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    /// Where the warning points (`file_uri`, `logs_bucket_uri`, or `application_id` when the
    /// URI comes from the application).
    pub path: AttributePath,
    /// Which setting the URI is, in words ("its file_uri").
    pub what: String,
    pub uri: String,
    pub access: Access,
}

/// What a run does with a bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads an object (the application file, the archive).
    Read,
    /// Creates objects (driver logs under `<run-ocid>/`).
    Write,
}

impl Access {
    fn permission(self) -> &'static str {
        match self {
            Access::Read => "OBJECT_READ",
            Access::Write => "OBJECT_CREATE",
        }
    }

    /// The verb of the statement to suggest: OBJECT_CREATE is only in `manage`.
    fn verb(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "manage",
        }
    }

    fn doing(self) -> &'static str {
        match self {
            Access::Read => "read objects in",
            Access::Write => "write objects to",
        }
    }
}

/// The needs of a run with these URIs (absent ones are skipped), each with the attribute path
/// the warning points at.
pub fn needs(
    file_uri: Option<(String, AttributePath)>,
    archive_uri: Option<(String, AttributePath)>,
    logs_bucket_uri: Option<(String, AttributePath)>,
) -> Vec<Need> {
    [
        (file_uri, "its file_uri", Access::Read),
        (archive_uri, "its archive_uri", Access::Read),
        (logs_bucket_uri, "its logs_bucket_uri", Access::Write),
    ]
    .into_iter()
    .filter_map(|(uri, what, access)| {
        let (uri, path) = uri?;
        Some(Need {
            path,
            what: what.to_string(),
            uri,
            access,
        })
    })
    .collect()
}

/// The tenancy's IAM as the evaluator takes it.
#[derive(Debug, Clone, Default)]
pub struct Tenancy {
    pub id: String,
    pub compartments: Vec<CompartmentDef>,
    pub dynamic_groups: Vec<DynamicGroupDef>,
    pub policies: Vec<PolicyDef>,
}

/// A bucket a need resolved to.
#[derive(Debug, Clone)]
pub struct Target {
    pub namespace: String,
    pub name: String,
    pub id: String,
    pub compartment_id: String,
}

/// The principal of a run planned in `compartment_id` with these tags (flat `namespace.key`
/// defined tags, as the resources take them; unknown or null tags count as none).
pub fn principal(
    compartment_id: &str,
    freeform_tags: &Value<BTreeMap<String, String>>,
    defined_tags: &Value<BTreeMap<String, String>>,
) -> Principal {
    let mut nested: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (k, v) in defined_tags.as_known().into_iter().flatten() {
        let (ns, key) = k.split_once('.').unwrap_or((k.as_str(), ""));
        nested
            .entry(ns.to_string())
            .or_default()
            .insert(key.to_string(), v.clone());
    }
    Principal {
        resource_type: "dataflowrun".to_string(),
        // Not created yet: no matching rule on resource.id can match it.
        id: "ocid1.dataflowrun.oc1..planned".to_string(),
        compartment_id: compartment_id.to_string(),
        defined_tags: nested,
        freeform_tags: freeform_tags.as_known().cloned().unwrap_or_default(),
    }
}

/// Decides one need; the warning's detail when it is not granted.
pub fn check(
    tenancy: &Tenancy,
    principal: &Principal,
    need: &Need,
    target: &Target,
) -> Option<String> {
    let request = Request {
        permission: need.access.permission().to_string(),
        resource_type: "objects".to_string(),
        compartment_id: target.compartment_id.clone(),
        variables: BTreeMap::from([
            ("target.bucket.name".to_string(), target.name.clone()),
            ("target.bucket.id".to_string(), target.id.clone()),
        ]),
    };
    let decision = oci_policy::authorize(
        &tenancy.id,
        &tenancy.compartments,
        &tenancy.dynamic_groups,
        &tenancy.policies,
        principal,
        &request,
    );
    (!decision.allowed).then(|| detail(tenancy, principal, need, target, &decision))
}

/// The statement that would grant `need` on `target` to dynamic group `dg`.
pub fn suggested_statement(tenancy: &Tenancy, dg: &str, access: Access, target: &Target) -> String {
    let location = if target.compartment_id == tenancy.id {
        "tenancy".to_string()
    } else {
        format!("compartment id {}", target.compartment_id)
    };
    format!(
        "Allow dynamic-group {dg} to {} objects in {location} where target.bucket.name = '{}'",
        access.verb(),
        target.name
    )
}

fn detail(
    tenancy: &Tenancy,
    principal: &Principal,
    need: &Need,
    target: &Target,
    decision: &Decision,
) -> String {
    let compartment = tenancy
        .compartments
        .iter()
        .find(|c| c.id == principal.compartment_id)
        .map_or_else(
            || principal.compartment_id.clone(),
            |c| format!("{} ({})", c.name, c.id),
        );
    let (dg, no_group) = match decision.matched_dynamic_groups.first() {
        Some(dg) => (dg.clone(), String::new()),
        None => (
            "<dynamic-group>".to_string(),
            format!(
                " No dynamic group matches the run either; create one with the matching rule \
                 ALL {{resource.type = 'dataflowrun', resource.compartment.id = '{}'}}.",
                principal.compartment_id
            ),
        ),
    };
    format!(
        "When this plan was made, no policy let a Data Flow run in compartment {compartment} {} \
         bucket '{}' ({}: {}), so the run would fail with \"BucketNotFound: Either the bucket \
         named '{}' does not exist in the namespace '{}' or you are not authorized to access \
         it\". {}{no_group}\n\nAdd a policy statement such as:\n  {}\n\nIf this configuration \
         creates the policy, make the run depend on it (depends_on) so the run starts after the \
         grant exists; IAM changes can take a little while to apply.",
        need.access.doing(),
        target.name,
        need.what,
        need.uri,
        target.name,
        target.namespace,
        decision.explanation,
        suggested_statement(tenancy, &dg, need.access, target),
    )
}

/// Reads what the check needs and warns for each need the tenancy's policies do not grant.
/// Never fails: when something cannot be read, there is no warning (logged at debug).
pub async fn warn_missing_grants(
    oci: &Oci,
    principal: &Principal,
    needs: &[Need],
    diags: &mut Diagnostics,
) {
    // Best effort: one attempt per call, so a struggling API never holds the plan for the
    // retry policy's minutes; a failed read only means no warning.
    let client = &oci
        .client
        .clone()
        .with_retry_policy(oci_client::retry::RetryPolicy::none());
    let mut targets = Vec::new();
    for need in needs {
        let Ok(uri) = parse_oci_uri(&need.uri) else {
            continue; // the URI validators report it
        };
        match client.get_bucket_opt(uri.namespace, uri.bucket).await {
            Ok(Some(b)) => targets.push((
                need,
                Target {
                    namespace: uri.namespace.to_string(),
                    name: b.value.name,
                    id: b.value.id.unwrap_or_default(),
                    compartment_id: b.value.compartment_id,
                },
            )),
            Ok(None) => tracing::debug!(
                bucket = uri.bucket,
                "run IAM check: the bucket does not exist yet; the apply-time plan checks again"
            ),
            Err(e) => {
                tracing::debug!(error = %e, "run IAM check skipped: the bucket cannot be read");
                return;
            }
        }
    }
    if targets.is_empty() {
        return;
    }
    let tenancy = match read_tenancy(client, &crate::iam::tenancy(oci)).await {
        Ok(t) => t,
        Err(e) => {
            tracing::debug!(error = %e, "run IAM check skipped: IAM cannot be read");
            return;
        }
    };
    for (need, target) in targets {
        if let Some(detail) = check(&tenancy, principal, need, &target) {
            diags.attribute_warning(need.path.clone(), SUMMARY, detail);
        }
    }
}

/// The tenancy's compartments, dynamic groups and the policies of every compartment (a policy
/// attached to a compartment also covers its subtree).
async fn read_tenancy(client: &Client, tenancy: &str) -> Result<Tenancy, oci_client::Error> {
    if tenancy.is_empty() {
        return Err(oci_client::Error::Config(
            "no tenancy OCID in the provider's configuration".to_string(),
        ));
    }
    let subtree = ListCompartmentsRequest {
        compartment_id: tenancy.to_string(),
        compartment_id_in_subtree: Some(true),
        access_level: Some("ANY".to_string()),
        ..Default::default()
    };
    let mut compartments = vec![CompartmentDef {
        id: tenancy.to_string(),
        name: "tenancy".to_string(),
        parent_id: None,
    }];
    for c in client.list_all_compartments(&subtree).await? {
        if c.lifecycle_state == "ACTIVE" {
            compartments.push(CompartmentDef {
                id: c.id,
                name: c.name,
                parent_id: c.compartment_id,
            });
        }
    }
    let dynamic_groups = client
        .list_all_dynamic_groups(&in_compartment(tenancy))
        .await?
        .into_iter()
        .filter(|g| g.lifecycle_state == "ACTIVE")
        .map(|g| DynamicGroupDef {
            id: g.id,
            name: g.name,
            matching_rule: g.matching_rule.unwrap_or_default(),
        })
        .collect();
    let mut policies = Vec::new();
    for c in &compartments {
        for p in client.list_all_policies(&in_compartment(&c.id)).await? {
            if p.lifecycle_state == "ACTIVE" {
                policies.push(PolicyDef {
                    id: p.id,
                    name: p.name,
                    compartment_id: p.compartment_id,
                    statements: p.statements,
                });
            }
        }
    }
    Ok(Tenancy {
        id: tenancy.to_string(),
        compartments,
        dynamic_groups,
        policies,
    })
}

fn in_compartment(id: &str) -> ListIamRequest {
    ListIamRequest {
        compartment_id: id.to_string(),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TENANCY: &str = "ocid1.tenancy.oc1..t";
    const LAB: &str = "ocid1.compartment.oc1..lab";

    fn tenancy(statements: &[&str]) -> Tenancy {
        Tenancy {
            id: TENANCY.into(),
            compartments: vec![
                CompartmentDef {
                    id: TENANCY.into(),
                    name: "tenancy".into(),
                    parent_id: None,
                },
                CompartmentDef {
                    id: LAB.into(),
                    name: "lab".into(),
                    parent_id: Some(TENANCY.into()),
                },
            ],
            dynamic_groups: vec![DynamicGroupDef {
                id: "ocid1.dynamicgroup.oc1..dg".into(),
                name: "dg-lab-runs".into(),
                matching_rule: format!(
                    "ALL {{resource.type = 'dataflowrun', resource.compartment.id = '{LAB}'}}"
                ),
            }],
            policies: vec![PolicyDef {
                id: "ocid1.policy.oc1..p".into(),
                name: "lab-runs".into(),
                compartment_id: LAB.into(),
                statements: statements.iter().map(|s| s.to_string()).collect(),
            }],
        }
    }

    fn target(name: &str) -> Target {
        Target {
            namespace: "ns".into(),
            name: name.into(),
            id: format!("ocid1.bucket.oc1..{name}"),
            compartment_id: LAB.into(),
        }
    }

    fn lab_needs() -> Vec<Need> {
        needs(
            Some((
                "oci://lab-input@ns/scripts/etl.py".into(),
                AttributePath::new("file_uri"),
            )),
            None,
            Some((
                "oci://lab-logs@ns/".into(),
                AttributePath::new("logs_bucket_uri"),
            )),
        )
    }

    #[test]
    fn the_lab_policy_grants_file_and_logs_so_no_warning() {
        let t = tenancy(&[
            "Allow dynamic-group dg-lab-runs to read buckets in compartment lab",
            "Allow dynamic-group dg-lab-runs to manage objects in compartment lab",
        ]);
        let p = principal(LAB, &Value::Null, &Value::Null);
        let n = lab_needs();
        assert_eq!(check(&t, &p, &n[0], &target("lab-input")), None);
        assert_eq!(check(&t, &p, &n[1], &target("lab-logs")), None);
    }

    #[test]
    fn a_missing_object_grant_is_named_and_the_suggested_statement_grants_it() {
        let t = tenancy(&["Allow dynamic-group dg-lab-runs to read buckets in compartment lab"]);
        let p = principal(LAB, &Value::Null, &Value::Null);
        let n = lab_needs();
        for (need, bucket) in n.iter().zip(["lab-input", "lab-logs"]) {
            let detail = check(&t, &p, need, &target(bucket)).expect("a warning");
            let suggested = suggested_statement(&t, "dg-lab-runs", need.access, &target(bucket));
            assert!(detail.contains(&suggested), "{detail}");
            assert!(
                detail.contains(&format!(
                    "Either the bucket named '{bucket}' does not exist in the namespace 'ns'"
                )),
                "{detail}"
            );
            assert!(
                detail.contains("compartment lab (ocid1.compartment.oc1..lab)"),
                "{detail}"
            );
            // Adding exactly the suggestion silences the warning (and reading needs no more
            // than `read`, writing logs needs `manage`).
            let mut fixed = t.clone();
            fixed.policies[0].statements.push(suggested);
            assert_eq!(check(&fixed, &p, need, &target(bucket)), None);
            assert!(check(&fixed, &p, need, &target("other")).is_some());
        }
        assert!(
            check(&t, &p, &n[1], &target("lab-logs"))
                .unwrap()
                .contains("to manage objects in compartment id ocid1.compartment.oc1..lab where target.bucket.name = 'lab-logs'")
        );
    }

    #[test]
    fn a_run_no_dynamic_group_matches_gets_the_rule_to_create() {
        let t = tenancy(&["Allow dynamic-group dg-lab-runs to manage objects in tenancy"]);
        let other = "ocid1.compartment.oc1..other";
        let p = principal(other, &Value::Null, &Value::Null);
        let detail = check(&t, &p, &lab_needs()[0], &target("lab-input")).expect("a warning");
        assert!(
            detail.contains("No dynamic group matches the run"),
            "{detail}"
        );
        assert!(
            detail.contains(&format!("resource.compartment.id = '{other}'")),
            "{detail}"
        );
        assert!(
            detail.contains("Allow dynamic-group <dynamic-group> to read objects"),
            "{detail}"
        );
    }

    #[test]
    fn tags_of_the_run_count_for_matching_rules() {
        let mut t = tenancy(&["Allow dynamic-group dg-tagged to read objects in tenancy"]);
        t.policies[0].compartment_id = TENANCY.into();
        t.dynamic_groups.push(DynamicGroupDef {
            id: "ocid1.dynamicgroup.oc1..tagged".into(),
            name: "dg-tagged".into(),
            matching_rule: "ALL {resource.type = 'dataflowrun', tag.lab.purpose.value = 'etl'}"
                .into(),
        });
        let n = lab_needs();
        let untagged = principal(LAB, &Value::Null, &Value::Null);
        assert!(check(&t, &untagged, &n[0], &target("lab-input")).is_some());
        let tagged = principal(
            LAB,
            &Value::Null,
            &Value::Known(BTreeMap::from([(
                "lab.purpose".to_string(),
                "etl".to_string(),
            )])),
        );
        assert_eq!(check(&t, &tagged, &n[0], &target("lab-input")), None);
    }
}
