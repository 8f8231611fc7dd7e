//! The evaluator: the lab case, denials with reasons, ANY vs ALL, tags, OCIDs, the compartment
//! hierarchy, verbs and families, where-conditions.

use std::collections::BTreeMap;

use oci_policy::{
    CompartmentDef, Decision, DynamicGroupDef, PolicyDef, Principal, Request, authorize,
};

const T: &str = "ocid1.tenancy.oc1..t";
const C: &str = "ocid1.compartment.oc1..c";
const C2: &str = "ocid1.compartment.oc1..c2";
const O: &str = "ocid1.compartment.oc1..o";
const DG_ID: &str = "ocid1.dynamicgroup.oc1..lab";

fn compartments() -> Vec<CompartmentDef> {
    let c = |id: &str, name: &str, parent: &str| CompartmentDef {
        id: id.into(),
        name: name.into(),
        parent_id: Some(parent.into()),
    };
    vec![c(C, "Lab", T), c(C2, "Spark", C), c(O, "Other", T)]
}

fn dg(name: &str, rule: &str) -> DynamicGroupDef {
    DynamicGroupDef {
        id: if name == "lab-dg" {
            DG_ID.into()
        } else {
            format!("ocid1.dynamicgroup.oc1..{name}")
        },
        name: name.into(),
        matching_rule: rule.into(),
    }
}

fn lab_dg() -> DynamicGroupDef {
    dg(
        "lab-dg",
        &format!("ALL {{resource.type='dataflowrun', resource.compartment.id='{C}'}}"),
    )
}

fn policy(compartment: &str, statements: &[&str]) -> PolicyDef {
    PolicyDef {
        id: "ocid1.policy.oc1..p".into(),
        name: "lab-policy".into(),
        compartment_id: compartment.into(),
        statements: statements.iter().map(|s| s.to_string()).collect(),
    }
}

fn lab_policy() -> PolicyDef {
    policy(
        T,
        &[
            &format!("allow dynamic-group lab-dg to manage objects in compartment id {C}"),
            "allow dynamic-group lab-dg to read buckets in tenancy",
        ],
    )
}

fn run_in(compartment: &str) -> Principal {
    Principal {
        resource_type: "dataflowrun".into(),
        id: "ocid1.dataflowrun.oc1.iad.r".into(),
        compartment_id: compartment.into(),
        ..Principal::default()
    }
}

fn req(permission: &str, resource_type: &str, compartment: &str) -> Request {
    Request {
        permission: permission.into(),
        resource_type: resource_type.into(),
        compartment_id: compartment.into(),
        variables: BTreeMap::new(),
    }
}

fn decide(dgs: &[DynamicGroupDef], policies: &[PolicyDef], p: &Principal, r: &Request) -> Decision {
    authorize(T, &compartments(), dgs, policies, p, r)
}

fn allowed(dgs: &[DynamicGroupDef], policies: &[PolicyDef], p: &Principal, r: &Request) -> bool {
    decide(dgs, policies, p, r).allowed
}

#[test]
fn lab_run_may_read_and_create_objects_and_read_buckets() {
    let run = run_in(C);
    for perm in [
        "OBJECT_READ",
        "OBJECT_CREATE",
        "object_overwrite",
        "OBJECT_INSPECT",
    ] {
        let d = decide(&[lab_dg()], &[lab_policy()], &run, &req(perm, "objects", C));
        assert!(d.allowed, "{perm}: {}", d.explanation);
        assert_eq!(d.matched_dynamic_groups, vec!["lab-dg".to_string()]);
        assert_eq!(
            d.allowed_by,
            Some(("lab-policy".into(), 0, lab_policy().statements[0].clone()))
        );
        assert!(
            d.explanation
                .contains("allowed by policy 'lab-policy' statement 0"),
            "{}",
            d.explanation
        );
    }
    let d = decide(
        &[lab_dg()],
        &[lab_policy()],
        &run,
        &req("BUCKET_READ", "buckets", O),
    );
    assert!(d.allowed, "{}", d.explanation);
    assert_eq!(d.allowed_by.as_ref().map(|a| a.1), Some(1));
    // read buckets is not manage buckets.
    let d = decide(
        &[lab_dg()],
        &[lab_policy()],
        &run,
        &req("BUCKET_DELETE", "buckets", C),
    );
    assert!(!d.allowed);
    assert!(
        d.explanation.contains(
            "statement 1: BUCKET_DELETE needs 'manage buckets', the statement grants 'read buckets'"
        ),
        "{}",
        d.explanation
    );
}

#[test]
fn run_in_another_compartment_is_denied_with_explanation() {
    let d = decide(
        &[lab_dg()],
        &[lab_policy()],
        &run_in(O),
        &req("OBJECT_READ", "objects", C),
    );
    assert!(!d.allowed);
    assert!(d.matched_dynamic_groups.is_empty());
    assert_eq!(d.allowed_by, None);
    let e = &d.explanation;
    assert!(
        e.contains(
            "denied for dataflowrun ocid1.dataflowrun.oc1.iad.r (member of no dynamic group)"
        ),
        "{e}"
    );
    assert!(
        e.contains(&format!(
            "dynamic group 'lab-dg' does not match: resource.compartment.id is '{O}', not '{C}'"
        )),
        "{e}"
    );
    assert!(
        e.contains("policy 'lab-policy' statement 0: names no dynamic group the principal is in"),
        "{e}"
    );
}

#[test]
fn lab_run_may_not_touch_objects_outside_its_compartment() {
    let d = decide(
        &[lab_dg()],
        &[lab_policy()],
        &run_in(C),
        &req("OBJECT_READ", "objects", O),
    );
    assert!(!d.allowed);
    assert!(
        d.explanation.contains(&format!(
            "statement 0: applies to {C} and below; the target is in {O}"
        )),
        "{}",
        d.explanation
    );
    assert!(
        d.explanation
            .contains("statement 1: is about buckets, which does not include objects"),
        "{}",
        d.explanation
    );
}

#[test]
fn all_means_all_and_any_means_any() {
    // #2465: the official provider's heredoc ALL matched like ANY. A function in the lab
    // compartment satisfies one of the two conditions only.
    let function = Principal {
        resource_type: "fnfunction".into(),
        id: "ocid1.fnfunction.oc1.iad.f".into(),
        compartment_id: C.into(),
        ..Principal::default()
    };
    let all = dg(
        "g",
        &format!("ALL {{\n  resource.type = 'dataflowrun',\n  resource.compartment.id = '{C}'\n}}"),
    );
    let any = dg(
        "g",
        &format!("ANY {{\n  resource.type = 'dataflowrun',\n  resource.compartment.id = '{C}'\n}}"),
    );
    let p = policy(T, &["allow dynamic-group g to read objects in tenancy"]);
    let r = req("OBJECT_READ", "objects", C);
    let d = decide(
        std::slice::from_ref(&all),
        std::slice::from_ref(&p),
        &function,
        &r,
    );
    assert!(!d.allowed);
    assert!(
        d.explanation.contains(
            "dynamic group 'g' does not match: resource.type is 'fnfunction', not 'dataflowrun'"
        ),
        "{}",
        d.explanation
    );
    assert!(allowed(
        std::slice::from_ref(&any),
        std::slice::from_ref(&p),
        &function,
        &r
    ));
    // Both conditions hold for a run in C: both forms match.
    assert!(allowed(&[all], std::slice::from_ref(&p), &run_in(C), &r));
    assert!(allowed(
        std::slice::from_ref(&any),
        std::slice::from_ref(&p),
        &run_in(C),
        &r
    ));
    // Neither holds: ANY explains each.
    let elsewhere = Principal {
        compartment_id: O.into(),
        ..function
    };
    let d = decide(&[any], &[p], &elsewhere, &r);
    assert!(!d.allowed);
    assert!(d.explanation.contains("none of ANY holds (resource.type is 'fnfunction', not 'dataflowrun'; resource.compartment.id is"), "{}", d.explanation);
}

#[test]
fn tag_conditions_in_matching_rules() {
    let app = "ocid1.dataflowapplication.oc1.iad.a";
    let rule = dg(
        "g",
        &format!(
            "ALL {{resource.type='dataflowrun', tag.oci-dataflow.application-id.value='{app}'}}"
        ),
    );
    let present = dg("g", "ALL {resource.type='dataflowrun', tag.Ops.Team.value}");
    let p = policy(T, &["allow dynamic-group g to read objects in tenancy"]);
    let r = req("OBJECT_READ", "objects", C);
    let tagged = |ns: &str, key: &str, value: &str| Principal {
        defined_tags: BTreeMap::from([(
            ns.to_string(),
            BTreeMap::from([(key.to_string(), value.to_string())]),
        )]),
        ..run_in(C)
    };
    assert!(allowed(
        std::slice::from_ref(&rule),
        std::slice::from_ref(&p),
        &tagged("oci-dataflow", "application-id", app),
        &r
    ));
    // Namespaces and keys ignore case; so do values.
    assert!(allowed(
        std::slice::from_ref(&rule),
        std::slice::from_ref(&p),
        &tagged("OCI-Dataflow", "Application-Id", &app.to_uppercase()),
        &r
    ));
    let d = decide(
        std::slice::from_ref(&rule),
        std::slice::from_ref(&p),
        &tagged(
            "oci-dataflow",
            "application-id",
            "ocid1.dataflowapplication.oc1.iad.other",
        ),
        &r,
    );
    assert!(!d.allowed);
    assert!(
        d.explanation.contains(
            "tag.oci-dataflow.application-id.value is 'ocid1.dataflowapplication.oc1.iad.other'"
        ),
        "{}",
        d.explanation
    );
    let d = decide(&[rule], std::slice::from_ref(&p), &run_in(C), &r);
    assert!(
        d.explanation
            .contains("tag.oci-dataflow.application-id.value does not apply"),
        "{}",
        d.explanation
    );
    // Freeform tags are not defined tags.
    let freeform = Principal {
        freeform_tags: BTreeMap::from([("Team".to_string(), "x".to_string())]),
        ..run_in(C)
    };
    assert!(!allowed(
        std::slice::from_ref(&present),
        std::slice::from_ref(&p),
        &freeform,
        &r
    ));
    assert!(allowed(
        std::slice::from_ref(&present),
        std::slice::from_ref(&p),
        &tagged("ops", "team", "anything"),
        &r
    ));
    let d = decide(&[present], &[p], &tagged("ops", "owner", "x"), &r);
    assert!(
        d.explanation.contains("tag.ops.team.value is not set"),
        "{}",
        d.explanation
    );
}

#[test]
fn dynamic_group_by_id_and_name_case() {
    let r = req("OBJECT_READ", "objects", C);
    let by_id = policy(
        T,
        &[&format!(
            "allow dynamic-group id {DG_ID} to read objects in tenancy"
        )],
    );
    assert!(allowed(&[lab_dg()], &[by_id], &run_in(C), &r));
    let other_id = policy(
        T,
        &["allow dynamic-group id ocid1.dynamicgroup.oc1..nope to read objects in tenancy"],
    );
    assert!(!allowed(&[lab_dg()], &[other_id], &run_in(C), &r));
    let upper = policy(
        T,
        &["allow dynamic-group LAB-DG to read objects in tenancy"],
    );
    assert!(allowed(&[lab_dg()], &[upper], &run_in(C), &r));
    let default_domain = policy(
        T,
        &["allow dynamic-group 'Default'/'lab-dg' to read objects in tenancy"],
    );
    assert!(allowed(&[lab_dg()], &[default_domain], &run_in(C), &r));
    let other_domain = policy(
        T,
        &["allow dynamic-group 'Corp'/'lab-dg' to read objects in tenancy"],
    );
    assert!(!allowed(&[lab_dg()], &[other_domain], &run_in(C), &r));
    let list = policy(
        T,
        &["allow dynamic-group a, b, lab-dg to read objects in tenancy"],
    );
    assert!(allowed(&[lab_dg()], &[list], &run_in(C), &r));
}

#[test]
fn compartment_hierarchy() {
    let dgs = [lab_dg()];
    let run = run_in(C);
    let by_name = policy(
        T,
        &["allow dynamic-group lab-dg to read objects in compartment lab"],
    );
    assert!(allowed(
        &dgs,
        std::slice::from_ref(&by_name),
        &run,
        &req("OBJECT_READ", "objects", C)
    ));
    // A compartment covers its descendants…
    assert!(allowed(
        &dgs,
        std::slice::from_ref(&by_name),
        &run,
        &req("OBJECT_READ", "objects", C2)
    ));
    // …but not its siblings or its parent.
    assert!(!allowed(
        &dgs,
        std::slice::from_ref(&by_name),
        &run,
        &req("OBJECT_READ", "objects", O)
    ));
    assert!(!allowed(
        &dgs,
        &[by_name],
        &run,
        &req("OBJECT_READ", "objects", T)
    ));
    let path = policy(
        T,
        &["allow dynamic-group lab-dg to read objects in compartment Lab:Spark"],
    );
    assert!(allowed(
        &dgs,
        std::slice::from_ref(&path),
        &run,
        &req("OBJECT_READ", "objects", C2)
    ));
    assert!(!allowed(
        &dgs,
        &[path],
        &run,
        &req("OBJECT_READ", "objects", C)
    ));
    let by_id = policy(
        T,
        &[&format!(
            "allow dynamic-group lab-dg to read objects in compartment id {C2}"
        )],
    );
    assert!(!allowed(
        &dgs,
        std::slice::from_ref(&by_id),
        &run,
        &req("OBJECT_READ", "objects", C)
    ));
    assert!(allowed(
        &dgs,
        &[by_id],
        &run,
        &req("OBJECT_READ", "objects", C2)
    ));
    let tenancy = policy(
        T,
        &["allow dynamic-group lab-dg to read objects in tenancy"],
    );
    for c in [T, C, C2, O] {
        assert!(allowed(
            &dgs,
            std::slice::from_ref(&tenancy),
            &run,
            &req("OBJECT_READ", "objects", c)
        ));
    }
    // A policy attached to Lab: paths start at its children, or its own name.
    let child = policy(
        C,
        &["allow dynamic-group lab-dg to read objects in compartment Spark"],
    );
    assert!(allowed(
        &dgs,
        std::slice::from_ref(&child),
        &run,
        &req("OBJECT_READ", "objects", C2)
    ));
    assert!(!allowed(
        &dgs,
        &[child],
        &run,
        &req("OBJECT_READ", "objects", C)
    ));
    let own = policy(
        C,
        &["allow dynamic-group lab-dg to read objects in compartment Lab"],
    );
    assert!(allowed(
        &dgs,
        &[own],
        &run,
        &req("OBJECT_READ", "objects", C)
    ));
    // …and it grants nothing outside its own subtree.
    let d = decide(
        &dgs,
        &[policy(
            C,
            &["allow dynamic-group lab-dg to read objects in tenancy"],
        )],
        &run,
        &req("OBJECT_READ", "objects", C),
    );
    assert!(!d.allowed);
    assert!(
        d.explanation
            .contains("'in tenancy' grants nothing in a policy not attached to the tenancy"),
        "{}",
        d.explanation
    );
    let d = decide(
        &dgs,
        &[policy(
            C,
            &[&format!(
                "allow dynamic-group lab-dg to read objects in compartment id {O}"
            )],
        )],
        &run,
        &req("OBJECT_READ", "objects", O),
    );
    assert!(!d.allowed);
    assert!(
        d.explanation
            .contains("is not the policy's compartment or below it"),
        "{}",
        d.explanation
    );
    let d = decide(
        &dgs,
        &[policy(
            T,
            &["allow dynamic-group lab-dg to read objects in compartment Nope"],
        )],
        &run,
        &req("OBJECT_READ", "objects", C),
    );
    assert!(
        d.explanation.contains("no compartment 'nope' under"),
        "{}",
        d.explanation
    );
}

#[test]
fn where_conditions_on_target_bucket_name() {
    let dgs = [lab_dg()];
    let run = run_in(C);
    let with_bucket = |name: Option<&str>| {
        let mut r = req("OBJECT_READ", "objects", C);
        if let Some(n) = name {
            r.variables.insert("target.bucket.name".into(), n.into());
        }
        r
    };
    let eq = policy(
        T,
        &[
            "allow dynamic-group lab-dg to manage objects in tenancy where target.bucket.name='lab-input'",
        ],
    );
    assert!(allowed(
        &dgs,
        std::slice::from_ref(&eq),
        &run,
        &with_bucket(Some("lab-input"))
    ));
    assert!(allowed(
        &dgs,
        std::slice::from_ref(&eq),
        &run,
        &with_bucket(Some("LAB-Input"))
    ));
    let d = decide(
        &dgs,
        std::slice::from_ref(&eq),
        &run,
        &with_bucket(Some("lab-output")),
    );
    assert!(!d.allowed);
    assert!(
        d.explanation
            .contains("where-condition fails: target.bucket.name is 'lab-output', not 'lab-input'"),
        "{}",
        d.explanation
    );
    let d = decide(&dgs, &[eq], &run, &with_bucket(None));
    assert!(
        d.explanation
            .contains("target.bucket.name does not apply to this request"),
        "{}",
        d.explanation
    );

    let pattern = policy(
        T,
        &[
            "allow dynamic-group lab-dg to manage objects in tenancy where target.bucket.name = /lab-*/",
        ],
    );
    assert!(allowed(
        &dgs,
        std::slice::from_ref(&pattern),
        &run,
        &with_bucket(Some("lab-anything"))
    ));
    assert!(!allowed(
        &dgs,
        &[pattern],
        &run,
        &with_bucket(Some("prod-lab-x"))
    ));
    let suffix = policy(
        T,
        &[
            "allow dynamic-group lab-dg to manage objects in tenancy where target.bucket.name = /*-input/",
        ],
    );
    assert!(allowed(
        &dgs,
        std::slice::from_ref(&suffix),
        &run,
        &with_bucket(Some("lab-input"))
    ));
    assert!(!allowed(
        &dgs,
        &[suffix],
        &run,
        &with_bucket(Some("lab-input-2"))
    ));
    let infix = policy(
        T,
        &[
            "allow dynamic-group lab-dg to manage objects in tenancy where target.bucket.name = /*lab*/",
        ],
    );
    assert!(allowed(
        &dgs,
        &[infix],
        &run,
        &with_bucket(Some("my-LAB-data"))
    ));

    let ne = policy(
        T,
        &[
            "allow dynamic-group lab-dg to manage objects in tenancy where target.bucket.name != 'secrets'",
        ],
    );
    assert!(allowed(
        &dgs,
        std::slice::from_ref(&ne),
        &run,
        &with_bucket(Some("lab-input"))
    ));
    assert!(!allowed(
        &dgs,
        std::slice::from_ref(&ne),
        &run,
        &with_bucket(Some("Secrets"))
    ));
    // A variable the request lacks makes even != false.
    assert!(!allowed(&dgs, &[ne], &run, &with_bucket(None)));

    let nested = policy(
        T,
        &[
            "allow dynamic-group lab-dg to manage objects in tenancy where all {any {target.bucket.name='lab-input', target.bucket.name='lab-output'}, request.permission != 'OBJECT_DELETE'}",
        ],
    );
    assert!(allowed(
        &dgs,
        std::slice::from_ref(&nested),
        &run,
        &with_bucket(Some("lab-output"))
    ));
    assert!(!allowed(
        &dgs,
        std::slice::from_ref(&nested),
        &run,
        &with_bucket(Some("other"))
    ));
    let mut delete = with_bucket(Some("lab-input"));
    delete.permission = "OBJECT_DELETE".into();
    assert!(!allowed(&dgs, &[nested], &run, &delete));

    // Built-in variables: the principal's type, the permission, the target compartment.
    let any_user = policy(
        T,
        &[
            "allow any-user to read objects in tenancy where all {request.principal.type='dataflowrun', request.permission=OBJECT_READ, target.compartment.name='lab'}",
        ],
    );
    let d = decide(
        &[],
        std::slice::from_ref(&any_user),
        &run,
        &with_bucket(None),
    );
    assert!(d.allowed, "{}", d.explanation);
    assert!(d.matched_dynamic_groups.is_empty());
    let function = Principal {
        resource_type: "fnfunction".into(),
        ..run_in(C)
    };
    assert!(!allowed(&[], &[any_user], &function, &with_bucket(None)));
}

#[test]
fn verbs_nest_and_families_cover_their_types() {
    let dgs = [lab_dg()];
    let run = run_in(C);
    let check = |stmt: &str, perm: &str, rt: &str| {
        allowed(&dgs, &[policy(T, &[stmt])], &run, &req(perm, rt, C))
    };
    let s = |verb: &str, rt: &str| format!("allow dynamic-group lab-dg to {verb} {rt} in tenancy");
    assert!(check(&s("inspect", "objects"), "OBJECT_INSPECT", "objects"));
    assert!(!check(&s("inspect", "objects"), "OBJECT_READ", "objects"));
    assert!(check(&s("read", "objects"), "OBJECT_READ", "objects"));
    assert!(!check(&s("read", "objects"), "OBJECT_OVERWRITE", "objects"));
    assert!(check(&s("use", "objects"), "OBJECT_OVERWRITE", "objects"));
    assert!(check(&s("use", "objects"), "OBJECT_READ", "objects"));
    assert!(!check(&s("use", "objects"), "OBJECT_CREATE", "objects"));
    assert!(check(&s("manage", "objects"), "OBJECT_DELETE", "objects"));
    assert!(check(
        &s("manage", "object-family"),
        "BUCKET_CREATE",
        "buckets"
    ));
    assert!(check(&s("read", "object-family"), "OBJECT_READ", "objects"));
    assert!(!check(
        &s("manage", "object-family"),
        "DATAFLOW_RUN_READ",
        "dataflow-run"
    ));
    assert!(check(
        &s("read", "dataflow-family"),
        "DATAFLOW_RUN_READ",
        "dataflow-run"
    ));
    assert!(check(
        &s("manage", "dataflow-family"),
        "DATAFLOW_APPLICATION_CREATE",
        "dataflow-application"
    ));
    assert!(!check(
        &s("manage", "dataflow-family"),
        "OBJECT_READ",
        "objects"
    ));
    assert!(check(
        &s("manage", "all-resources"),
        "OBJECT_CREATE",
        "objects"
    ));
    assert!(check(
        &s("inspect", "all-resources"),
        "BUCKET_INSPECT",
        "buckets"
    ));
    assert!(!check(
        &s("inspect", "all-resources"),
        "BUCKET_READ",
        "buckets"
    ));
    // Unknown permission: verbs cannot grant it, a permission list can.
    let d = decide(
        &dgs,
        &[policy(T, &[&s("manage", "objects")])],
        &run,
        &req("OBJECT_TELEPORT", "objects", C),
    );
    assert!(
        d.explanation
            .contains("OBJECT_TELEPORT is not a permission of objects"),
        "{}",
        d.explanation
    );
    let list = "allow dynamic-group lab-dg to {OBJECT_READ, object_teleport} in tenancy";
    assert!(check(list, "OBJECT_TELEPORT", "objects"));
    assert!(check(list, "object_read", "objects"));
    assert!(!check(list, "OBJECT_CREATE", "objects"));
}

#[test]
fn user_group_and_cross_tenancy_statements_never_grant_a_resource_principal() {
    let dgs = [lab_dg()];
    let d = decide(
        &dgs,
        &[policy(
            T,
            &[
                "allow group lab-dg to manage all-resources in tenancy",
                "allow any-group to manage all-resources in tenancy",
                "allow service dataflow to manage all-resources in tenancy",
                "endorse dynamic-group lab-dg to manage all-resources in any-tenancy",
                "define tenancy P as ocid1.tenancy.oc1..p",
            ],
        )],
        &run_in(C),
        &req("OBJECT_READ", "objects", C),
    );
    assert!(!d.allowed);
    assert_eq!(d.matched_dynamic_groups, vec!["lab-dg".to_string()]);
    assert!(d.explanation.contains("statement 0: names user groups; a dataflowrun resource principal belongs to dynamic groups only"), "{}", d.explanation);
    assert!(
        d.explanation
            .contains("statement 2: names a service principal"),
        "{}",
        d.explanation
    );
    assert!(
        d.explanation
            .contains("statement 3: cross-tenancy statement, not evaluated"),
        "{}",
        d.explanation
    );
}

#[test]
fn unparseable_texts_are_reported_and_skipped() {
    let broken_dg = dg("broken", "ALL {resource.type='dataflowrun'");
    let p = policy(
        T,
        &[
            "allow dynamic-group lab-dg to manage objectz in",
            &format!("allow dynamic-group lab-dg to manage objects in compartment id {C}"),
        ],
    );
    let d = decide(
        &[broken_dg, lab_dg()],
        &[p],
        &run_in(C),
        &req("OBJECT_READ", "objects", C),
    );
    assert!(d.allowed);
    assert_eq!(d.allowed_by.as_ref().map(|a| a.1), Some(1));
    assert_eq!(d.matched_dynamic_groups, vec!["lab-dg".to_string()]);
    let d = decide(
        &[dg("broken", "ALL {")],
        &[policy(T, &["allow nonsense"])],
        &run_in(C),
        &req("OBJECT_READ", "objects", C),
    );
    assert!(!d.allowed);
    assert!(
        d.explanation
            .contains("dynamic group 'broken': matching rule does not parse (at 1:6: expected"),
        "{}",
        d.explanation
    );
    assert!(
        d.explanation.contains(
            "policy 'lab-policy' statement 0: does not parse (at 1:7: expected a subject"
        ),
        "{}",
        d.explanation
    );
    let d = decide(&[], &[], &run_in(C), &req("OBJECT_READ", "objects", C));
    assert!(!d.allowed);
    assert!(
        d.explanation
            .ends_with("no statement allows it; there are no policies"),
        "{}",
        d.explanation
    );
}

#[test]
fn instance_variables_apply_to_instances_only() {
    let rule = dg("g", &format!("instance.compartment.id = '{C}'"));
    let p = policy(T, &["allow dynamic-group g to read objects in tenancy"]);
    let r = req("OBJECT_READ", "objects", C);
    let instance = Principal {
        resource_type: "instance".into(),
        id: "ocid1.instance.oc1.iad.i".into(),
        ..run_in(C)
    };
    assert!(allowed(
        std::slice::from_ref(&rule),
        std::slice::from_ref(&p),
        &instance,
        &r
    ));
    let d = decide(&[rule], &[p], &run_in(C), &r);
    assert!(!d.allowed);
    assert!(
        d.explanation
            .contains("instance.compartment.id does not apply"),
        "{}",
        d.explanation
    );
}

#[test]
fn time_and_list_conditions() {
    let dgs = [lab_dg()];
    let run = run_in(C);
    let at = |stamp: &str, dow: &str, tod: &str| {
        let mut r = req("OBJECT_READ", "objects", C);
        r.variables
            .insert("request.utc-timestamp".into(), stamp.into());
        r.variables
            .insert("request.utc-timestamp.day-of-week".into(), dow.into());
        r.variables
            .insert("request.utc-timestamp.time-of-day".into(), tod.into());
        r
    };
    let window = policy(
        T,
        &[
            "allow dynamic-group lab-dg to read objects in tenancy where all {request.utc-timestamp after '2026-01-01Z', request.utc-timestamp before '2027-01-01T00:00:00Z', request.utc-timestamp.day-of-week in ('monday', 'Tuesday'), request.utc-timestamp.time-of-day between '09:00:00Z' and '17:00:00Z'}",
        ],
    );
    let ok = at("2026-12-01T17:15:55Z", "tuesday", "12:00:00Z");
    assert!(allowed(&dgs, std::slice::from_ref(&window), &run, &ok));
    // A timestamp on the day of an `after` date is after that date's midnight.
    assert!(allowed(
        &dgs,
        std::slice::from_ref(&window),
        &run,
        &at("2026-01-01T00:00:01Z", "monday", "09:00:00Z")
    ));
    let d = decide(
        &dgs,
        std::slice::from_ref(&window),
        &run,
        &at("2025-12-31T23:59:59Z", "monday", "12:00:00Z"),
    );
    assert!(!d.allowed);
    assert!(
        d.explanation
            .contains("request.utc-timestamp is '2025-12-31T23:59:59Z', not after '2026-01-01Z'"),
        "{}",
        d.explanation
    );
    assert!(!allowed(
        &dgs,
        std::slice::from_ref(&window),
        &run,
        &at("2027-01-01T00:00:00Z", "monday", "12:00:00Z")
    ));
    let d = decide(
        &dgs,
        std::slice::from_ref(&window),
        &run,
        &at("2026-06-01T12:00:00Z", "sunday", "12:00:00Z"),
    );
    assert!(
        d.explanation.contains(
            "request.utc-timestamp.day-of-week is 'sunday', not in ('monday', 'Tuesday')"
        ),
        "{}",
        d.explanation
    );
    // Bounds are inclusive.
    assert!(allowed(
        &dgs,
        std::slice::from_ref(&window),
        &run,
        &at("2026-06-01T12:00:00Z", "monday", "17:00:00Z")
    ));
    let d = decide(
        &dgs,
        std::slice::from_ref(&window),
        &run,
        &at("2026-06-01T12:00:00Z", "monday", "17:00:01Z"),
    );
    assert!(d.explanation.contains("request.utc-timestamp.time-of-day is '17:00:01Z', not between '09:00:00Z' and '17:00:00Z'"), "{}", d.explanation);
    // A range that wraps midnight.
    let night = policy(
        T,
        &[
            "allow dynamic-group lab-dg to read objects in tenancy where request.utc-timestamp.time-of-day between '22:00:00Z' and '06:00:00Z'",
        ],
    );
    assert!(allowed(
        &dgs,
        std::slice::from_ref(&night),
        &run,
        &at("x", "x", "23:30:00Z")
    ));
    assert!(allowed(
        &dgs,
        std::slice::from_ref(&night),
        &run,
        &at("x", "x", "05:59:59Z")
    ));
    assert!(!allowed(&dgs, &[night], &run, &at("x", "x", "12:00:00Z")));
    // No such variable in the request: declined.
    assert!(!allowed(
        &dgs,
        &[window],
        &run,
        &req("OBJECT_READ", "objects", C)
    ));
}
