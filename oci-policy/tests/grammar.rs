//! One test per grammar feature: what parses, into which tree, and its canonical text.

use oci_policy::{
    Access, CompartmentRef, Condition, DefineKind, Location, Name, Op, PrincipalRef, StatementKind,
    Subject, TenancyRef, Value, Verb, parse_matching_rule, parse_statement,
};

fn canon(text: &str) -> String {
    parse_statement(text)
        .unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
        .canonical()
}

fn grant(text: &str) -> oci_policy::Grant {
    parse_statement(text).unwrap().grant().unwrap().clone()
}

#[test]
fn allow_group_verb_resource_in_tenancy() {
    let g = grant("ALLOW GROUP Administrators to manage all-resources IN TENANCY");
    assert_eq!(
        g.subject,
        Subject::Groups(vec![PrincipalRef::Name(Name {
            domain: None,
            name: "Administrators".into()
        })])
    );
    assert_eq!(
        g.access,
        Access::Verb {
            verb: Verb::Manage,
            resource_type: "all-resources".into()
        }
    );
    assert_eq!(g.location, Location::Tenancy);
    assert_eq!(g.condition, None);
    assert_eq!(
        canon("ALLOW GROUP Administrators to manage all-resources IN TENANCY"),
        "allow group Administrators to manage all-resources in tenancy"
    );
}

#[test]
fn every_verb_parses_and_orders() {
    for (w, v) in [
        ("inspect", Verb::Inspect),
        ("READ", Verb::Read),
        ("Use", Verb::Use),
        ("manage", Verb::Manage),
    ] {
        let g = grant(&format!("allow any-user to {w} buckets in tenancy"));
        assert_eq!(
            g.access,
            Access::Verb {
                verb: v,
                resource_type: "buckets".into()
            }
        );
    }
    assert!(Verb::Inspect < Verb::Read && Verb::Read < Verb::Use && Verb::Use < Verb::Manage);
}

#[test]
fn any_user_and_any_group() {
    assert_eq!(
        grant("allow any-user to read objects in tenancy").subject,
        Subject::AnyUser
    );
    assert_eq!(
        grant("Allow ANY-GROUP to read objects in tenancy").subject,
        Subject::AnyGroup
    );
}

#[test]
fn group_list_quoted_domain_and_ids() {
    let g = grant(
        "allow group A, 'Data Engineers', 'Default'/'Ops', Corp/Admins, id ocid1.group.oc1..aaa, id ocid1.group.oc1..bbb to read buckets in tenancy",
    );
    let Subject::Groups(l) = g.subject else {
        panic!()
    };
    assert_eq!(
        l,
        vec![
            PrincipalRef::Name(Name {
                domain: None,
                name: "A".into()
            }),
            PrincipalRef::Name(Name {
                domain: None,
                name: "Data Engineers".into()
            }),
            PrincipalRef::Name(Name {
                domain: Some("Default".into()),
                name: "Ops".into()
            }),
            PrincipalRef::Name(Name {
                domain: Some("Corp".into()),
                name: "Admins".into()
            }),
            PrincipalRef::Id("ocid1.group.oc1..aaa".into()),
            PrincipalRef::Id("ocid1.group.oc1..bbb".into()),
        ]
    );
    assert_eq!(
        canon(
            "allow group A, 'Data Engineers', 'Default'/'Ops', Corp/Admins, id ocid1.group.oc1..aaa to read buckets in tenancy"
        ),
        "allow group A, 'Data Engineers', 'Default'/'Ops', 'Corp'/'Admins', id ocid1.group.oc1..aaa to read buckets in tenancy"
    );
}

#[test]
fn dynamic_group_by_name_and_id() {
    let s = parse_statement("allow dynamic-group lab-dg, id ocid1.dynamicgroup.oc1..x to manage objects in compartment id ocid1.compartment.oc1..c").unwrap();
    assert_eq!(s.subject_dynamic_group_names(), vec!["lab-dg".to_string()]);
    assert!(s.subject_group_names().is_empty());
    let g = s.grant().unwrap();
    assert_eq!(
        g.location,
        Location::Compartment {
            target: CompartmentRef::Id("ocid1.compartment.oc1..c".into()),
            older_on: false
        }
    );
}

#[test]
fn subject_group_names_lists_names_not_ids() {
    let s =
        parse_statement("allow group A, 'D'/'B', id ocid1.group.oc1..x to read buckets in tenancy")
            .unwrap();
    assert_eq!(
        s.subject_group_names(),
        vec!["A".to_string(), "D/B".to_string()]
    );
    // Admit's groups are another tenancy's aliases, not ours.
    let a = parse_statement("admit group G of tenancy T to read buckets in tenancy").unwrap();
    assert!(a.subject_group_names().is_empty());
}

#[test]
fn service_subjects() {
    assert_eq!(
        grant("ALLOW SERVICE objectstorage-us-phoenix-1 TO MANAGE objects IN TENANCY").subject,
        Subject::Services(vec!["objectstorage-us-phoenix-1".into()])
    );
    assert_eq!(
        grant("allow service blockstorage, OKE to use keys in tenancy").subject,
        Subject::Services(vec!["blockstorage".into(), "OKE".into()])
    );
}

#[test]
fn permission_sets_upper_cased_in_order() {
    let g = grant("allow group A to {stream_read, STREAM_CONSUME} in tenancy");
    assert_eq!(
        g.access,
        Access::Permissions(vec!["STREAM_READ".into(), "STREAM_CONSUME".into()])
    );
    assert_eq!(
        canon("allow group A to {  stream_read ,STREAM_CONSUME } in tenancy"),
        "allow group A to {STREAM_READ, STREAM_CONSUME} in tenancy"
    );
}

#[test]
fn families_and_types_lower_cased() {
    assert_eq!(
        canon("allow group A to manage Object-Family in tenancy"),
        "allow group A to manage object-family in tenancy"
    );
    assert_eq!(
        canon("allow group A to read DATAFLOW-FAMILY in tenancy"),
        "allow group A to read dataflow-family in tenancy"
    );
}

#[test]
fn compartment_by_name_path_and_older_on() {
    let g = grant("allow group A to read buckets in compartment Lab");
    assert_eq!(
        g.location,
        Location::Compartment {
            target: CompartmentRef::Path(vec!["lab".into()]),
            older_on: false
        }
    );
    let g = grant("allow group A to read buckets in compartment Projects:Lab:'Team One'");
    assert_eq!(
        g.location,
        Location::Compartment {
            target: CompartmentRef::Path(vec!["projects".into(), "lab".into(), "team one".into()]),
            older_on: false
        }
    );
    assert_eq!(
        canon("allow group A to read buckets in compartment Projects : Lab:'Team One'"),
        "allow group A to read buckets in compartment projects:lab:'team one'"
    );
    let g = grant("allow group A to read buckets on compartment Lab");
    assert_eq!(
        g.location,
        Location::Compartment {
            target: CompartmentRef::Path(vec!["lab".into()]),
            older_on: true
        }
    );
    assert_eq!(
        canon("Allow group A to read buckets ON COMPARTMENT Lab"),
        "allow group A to read buckets on compartment lab"
    );
}

#[test]
fn where_single_condition_quoted_pattern_word() {
    let g =
        grant("allow group A to manage objects in tenancy where target.bucket.name='lab-input'");
    assert_eq!(
        g.condition,
        Some(Condition::Compare {
            variable: "target.bucket.name".into(),
            op: Op::Eq,
            value: Value::Quoted("lab-input".into())
        })
    );
    let g =
        grant("allow group A to manage objects in tenancy where target.bucket.name != / lab-* /");
    assert_eq!(
        g.condition,
        Some(Condition::Compare {
            variable: "target.bucket.name".into(),
            op: Op::Ne,
            value: Value::Pattern("lab-*".into())
        })
    );
    let g =
        grant("allow group A to manage objects in tenancy where Request.Permission = OBJECT_READ");
    assert_eq!(
        g.condition,
        Some(Condition::Compare {
            variable: "request.permission".into(),
            op: Op::Eq,
            value: Value::Word("OBJECT_READ".into())
        })
    );
}

#[test]
fn where_nested_any_all() {
    let text = "allow any-user to manage objects in tenancy where ALL{ANY{request.principal.type='dataflowrun',request.principal.type='fnfunction'},target.bucket.name=/*-input/}";
    let g = grant(text);
    assert_eq!(
        g.condition,
        Some(Condition::All(vec![
            Condition::Any(vec![
                Condition::Compare {
                    variable: "request.principal.type".into(),
                    op: Op::Eq,
                    value: Value::Quoted("dataflowrun".into())
                },
                Condition::Compare {
                    variable: "request.principal.type".into(),
                    op: Op::Eq,
                    value: Value::Quoted("fnfunction".into())
                },
            ]),
            Condition::Compare {
                variable: "target.bucket.name".into(),
                op: Op::Eq,
                value: Value::Pattern("*-input".into())
            },
        ]))
    );
    assert_eq!(
        canon(text),
        "allow any-user to manage objects in tenancy where all {any {request.principal.type = 'dataflowrun', request.principal.type = 'fnfunction'}, target.bucket.name = /*-input/}"
    );
}

#[test]
fn where_time_and_list_operators() {
    let g = grant(
        "allow group A to read objects in tenancy where ALL {request.utc-timestamp AFTER '2026-01-01Z', request.utc-timestamp before '2027-01-01T00:00:00Z', request.utc-timestamp.day-of-week In ('monday','Friday'), request.utc-timestamp.time-of-day BETWEEN '09:00:00Z' AND '17:00:00Z', request.region in (iad)}",
    );
    let Some(Condition::All(items)) = g.condition else {
        panic!()
    };
    let cmp = |variable: &str, op: Op, value: Value| Condition::Compare {
        variable: variable.into(),
        op,
        value,
    };
    assert_eq!(
        items,
        vec![
            cmp(
                "request.utc-timestamp",
                Op::After,
                Value::Quoted("2026-01-01Z".into())
            ),
            cmp(
                "request.utc-timestamp",
                Op::Before,
                Value::Quoted("2027-01-01T00:00:00Z".into())
            ),
            cmp(
                "request.utc-timestamp.day-of-week",
                Op::In,
                Value::List(vec![
                    Value::Quoted("monday".into()),
                    Value::Quoted("Friday".into())
                ])
            ),
            cmp(
                "request.utc-timestamp.time-of-day",
                Op::Between,
                Value::Range(
                    Box::new(Value::Quoted("09:00:00Z".into())),
                    Box::new(Value::Quoted("17:00:00Z".into()))
                )
            ),
            cmp(
                "request.region",
                Op::In,
                Value::List(vec![Value::Word("iad".into())])
            ),
        ]
    );
    assert_eq!(
        canon(
            "allow group A to read objects in tenancy where any{request.utc-timestamp.day-of-week IN('monday' ,'friday'),request.utc-timestamp.time-of-day between'09:00:00Z'and'17:00:00Z'}"
        ),
        "allow group A to read objects in tenancy where any {request.utc-timestamp.day-of-week in ('monday', 'friday'), request.utc-timestamp.time-of-day between '09:00:00Z' and '17:00:00Z'}"
    );
}

#[test]
fn multi_line_statement() {
    assert_eq!(
        canon(
            "Allow\n  dynamic-group lab-dg\n\tto manage objects\r\n  in compartment id ocid1.compartment.oc1..c\n"
        ),
        "allow dynamic-group lab-dg to manage objects in compartment id ocid1.compartment.oc1..c"
    );
}

#[test]
fn endorse_admit_define() {
    let s = parse_statement("Define tenancy Partner as ocid1.tenancy.oc1..p").unwrap();
    assert_eq!(
        s.kind,
        StatementKind::Define {
            what: DefineKind::Tenancy,
            alias: "Partner".into(),
            ocid: "ocid1.tenancy.oc1..p".into()
        }
    );
    assert_eq!(
        s.canonical(),
        "define tenancy Partner as ocid1.tenancy.oc1..p"
    );
    assert_eq!(
        canon("DEFINE DYNAMIC-GROUP PDG AS ocid1.dynamicgroup.oc1..d"),
        "define dynamic-group PDG as ocid1.dynamicgroup.oc1..d"
    );
    assert_eq!(
        canon("define group PG as ocid1.group.oc1..g"),
        "define group PG as ocid1.group.oc1..g"
    );

    let s = parse_statement("Endorse group Ops to manage objects in tenancy Partner").unwrap();
    let StatementKind::Endorse(g) = &s.kind else {
        panic!()
    };
    assert_eq!(
        g.location,
        Location::OtherTenancy(TenancyRef::Alias("Partner".into()))
    );
    assert_eq!(s.subject_group_names(), vec!["Ops".to_string()]);
    assert_eq!(
        canon("ENDORSE any-user to read buckets IN ANY-TENANCY"),
        "endorse any-user to read buckets in any-tenancy"
    );

    let s = parse_statement("Admit group PG of tenancy Partner to read buckets in compartment Shared where target.bucket.name='x'").unwrap();
    let StatementKind::Admit { of, grant } = &s.kind else {
        panic!()
    };
    assert_eq!(of, &TenancyRef::Alias("Partner".into()));
    assert!(grant.condition.is_some());
    assert_eq!(
        s.canonical(),
        "admit group PG of tenancy Partner to read buckets in compartment shared where target.bucket.name = 'x'"
    );
    assert_eq!(
        canon("admit any-user of any-tenancy to read buckets in tenancy"),
        "admit any-user of any-tenancy to read buckets in tenancy"
    );
}

#[test]
fn reserved_words_as_names_are_quoted() {
    assert_eq!(
        canon("allow group 'id', 'to', 'where' to read buckets in compartment 'where'"),
        "allow group 'id', 'to', 'where' to read buckets in compartment 'where'"
    );
    // A bare `where` as a group name is still a name (only `id` and `to` are syntax there).
    assert_eq!(
        canon("allow group where to read buckets in tenancy"),
        "allow group 'where' to read buckets in tenancy"
    );
}

#[test]
fn matching_rule_single_any_all() {
    let r = parse_matching_rule("resource.type='dataflowrun'").unwrap();
    assert_eq!(
        r.condition,
        Condition::Compare {
            variable: "resource.type".into(),
            op: Op::Eq,
            value: Value::Quoted("dataflowrun".into())
        }
    );
    assert_eq!(r.canonical(), "resource.type = 'dataflowrun'");
    let r = parse_matching_rule(
        "all {resource.type='dataflowrun', Resource.Compartment.Id='ocid1.compartment.oc1..c'}",
    )
    .unwrap();
    assert_eq!(
        r.canonical(),
        "ALL {resource.type = 'dataflowrun', resource.compartment.id = 'ocid1.compartment.oc1..c'}"
    );
    assert_eq!(r.resource_types(), vec!["dataflowrun".to_string()]);
    let r = parse_matching_rule("ANY{instance.compartment.id='ocid1.tenancy.oc1..t',instance.id!='ocid1.instance.oc1..i', resource.id = 'ocid1.fnfunction.oc1..f'}").unwrap();
    assert_eq!(
        r.canonical(),
        "ANY {instance.compartment.id = 'ocid1.tenancy.oc1..t', instance.id != 'ocid1.instance.oc1..i', resource.id = 'ocid1.fnfunction.oc1..f'}"
    );
}

#[test]
fn matching_rule_tags() {
    let r = parse_matching_rule(
        "ALL {resource.type='dataflowrun', tag.oci-dataflow.application-id.value='ocid1.dataflowapplication.oc1..a', tag.Ops.Team.value}",
    )
    .unwrap();
    let Condition::All(items) = &r.condition else {
        panic!()
    };
    assert_eq!(
        items[1],
        Condition::Compare {
            variable: "tag.oci-dataflow.application-id.value".into(),
            op: Op::Eq,
            value: Value::Quoted("ocid1.dataflowapplication.oc1..a".into())
        }
    );
    assert_eq!(
        items[2],
        Condition::TagPresent {
            variable: "tag.ops.team.value".into()
        }
    );
    assert_eq!(
        parse_matching_rule("tag.ns.key.value").unwrap().condition,
        Condition::TagPresent {
            variable: "tag.ns.key.value".into()
        }
    );
}

#[test]
fn matching_rule_heredoc_indentation() {
    let heredoc = "ALL {\n    resource.type = 'dataflowrun',\n    resource.compartment.id = 'ocid1.compartment.oc1..c'\n}\n";
    assert_eq!(
        parse_matching_rule(heredoc).unwrap().canonical(),
        "ALL {resource.type = 'dataflowrun', resource.compartment.id = 'ocid1.compartment.oc1..c'}"
    );
}

#[test]
fn ocids_bare_or_quoted() {
    assert_eq!(
        canon(
            "allow group id 'ocid1.group.oc1..aaa', id ocid1.group.oc1..bbb to read buckets in compartment id 'ocid1.compartment.oc1.iad.c-1_x'"
        ),
        "allow group id ocid1.group.oc1..aaa, id ocid1.group.oc1..bbb to read buckets in compartment id ocid1.compartment.oc1.iad.c-1_x"
    );
    assert!(oci_policy::is_ocid("ocid1.tenancy.oc1..aaaaaaaa"));
    assert!(oci_policy::is_ocid(
        "ocid1.dataflowrun.oc1.ap-tokyo-1.anxhiljr"
    ));
    assert!(oci_policy::is_ocid("OCID1.bucket.oc19.iad.future.x"));
    for bad in [
        "ocid1.tenancy",
        "ocid1.tenancy.oc1.",
        "ocid2.tenancy.oc1..a",
        "ocid1.ten_ancy.oc1..a",
        "ocid1.tenancy.xx1..a",
        "ocid1.tenancy.oc1..a/b",
        "",
    ] {
        assert!(!oci_policy::is_ocid(bad), "{bad}");
    }
}

#[test]
fn known_resource_types() {
    assert!(oci_policy::is_known_resource_type("dataflowrun"));
    assert!(oci_policy::is_known_resource_type("fnfunction"));
    assert!(oci_policy::is_known_resource_type("DataFlowRun"));
    assert!(!oci_policy::is_known_resource_type("dataflowruns"));
    assert!(!oci_policy::is_known_resource_type(""));
}

#[test]
fn error_display_format() {
    let e = parse_statement("allow group A to objects in tenancy").unwrap_err();
    assert_eq!(
        e.to_string(),
        "at 1:18: expected a verb (inspect, read, use, manage) or '{' starting a permission list, found 'objects'"
    );
}
