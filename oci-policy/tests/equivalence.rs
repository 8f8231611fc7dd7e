//! `statements_equivalent` / `matching_rules_equivalent`: case and whitespace variants are the
//! same statement; a one-word change never is.

use oci_policy::{matching_rules_equivalent, statements_equivalent};

const LAB: &str = "allow dynamic-group lab-dg to manage objects in compartment id ocid1.compartment.oc1..c where target.bucket.name = 'lab-input'";

#[test]
fn case_and_whitespace_variants_are_equivalent() {
    for variant in [
        "ALLOW DYNAMIC-GROUP lab-dg TO MANAGE OBJECTS IN COMPARTMENT ID ocid1.compartment.oc1..c WHERE target.bucket.name='lab-input'",
        "Allow dynamic-group lab-dg to manage objects in compartment id ocid1.compartment.oc1..c where target.bucket.name='lab-input'",
        "  allow   dynamic-group\n  lab-dg to manage objects\n  in compartment id ocid1.compartment.oc1..c\n  where   target.bucket.name =   'lab-input'  \n",
        "allow dynamic-group 'lab-dg' to manage objects in compartment id ocid1.compartment.oc1..c where Target.Bucket.Name = 'lab-input'",
        "allow\tdynamic-group lab-dg to manage Objects in compartment id ocid1.compartment.oc1..c where target.bucket.name='lab-input'",
    ] {
        assert!(statements_equivalent(LAB, variant), "{variant:?}");
        assert!(
            statements_equivalent(variant, LAB),
            "{variant:?} (symmetric)"
        );
    }
    // The service's own rewrites (#230, #371): spaces around `where`, compartment name case,
    // spaces inside patterns.
    assert!(statements_equivalent(
        "Allow group A to read buckets in compartment Lab-Data where target.bucket.name = / lab* /",
        "allow group A to read buckets in compartment lab-data where target.bucket.name=/lab*/"
    ));
    assert!(statements_equivalent(
        "allow group A to {object_read,OBJECT_CREATE} in tenancy",
        "allow group A to { OBJECT_READ , object_create } in tenancy"
    ));
    assert!(statements_equivalent(
        "allow group A to read buckets in tenancy where any{target.b='x',all{target.d='y',target.f!=/z*/}}",
        "allow group A to read buckets in tenancy where ANY { target.b = 'x' , ALL { target.d = 'y' , target.f != /z*/ } }"
    ));
}

#[test]
fn one_word_changes_are_not_equivalent() {
    for changed in [
        "allow dynamic-group lab-dg2 to manage objects in compartment id ocid1.compartment.oc1..c where target.bucket.name = 'lab-input'",
        "allow dynamic-group Lab-dg to manage objects in compartment id ocid1.compartment.oc1..c where target.bucket.name = 'lab-input'",
        "allow group lab-dg to manage objects in compartment id ocid1.compartment.oc1..c where target.bucket.name = 'lab-input'",
        "allow dynamic-group lab-dg to read objects in compartment id ocid1.compartment.oc1..c where target.bucket.name = 'lab-input'",
        "allow dynamic-group lab-dg to manage buckets in compartment id ocid1.compartment.oc1..c where target.bucket.name = 'lab-input'",
        "allow dynamic-group lab-dg to manage objects in compartment id ocid1.compartment.oc1..d where target.bucket.name = 'lab-input'",
        "allow dynamic-group lab-dg to manage objects in tenancy where target.bucket.name = 'lab-input'",
        "allow dynamic-group lab-dg to manage objects in compartment id ocid1.compartment.oc1..c where target.bucket.name = 'lab-output'",
        "allow dynamic-group lab-dg to manage objects in compartment id ocid1.compartment.oc1..c where target.bucket.name = 'Lab-input'",
        "allow dynamic-group lab-dg to manage objects in compartment id ocid1.compartment.oc1..c where target.bucket.name != 'lab-input'",
        "allow dynamic-group lab-dg to manage objects in compartment id ocid1.compartment.oc1..c where target.bucket.id = 'lab-input'",
        "allow dynamic-group lab-dg to manage objects in compartment id ocid1.compartment.oc1..c where target.bucket.name = /lab-input/",
        "allow dynamic-group lab-dg to manage objects in compartment id ocid1.compartment.oc1..c",
        "endorse dynamic-group lab-dg to manage objects in any-tenancy where target.bucket.name = 'lab-input'",
    ] {
        assert!(!statements_equivalent(LAB, changed), "{changed:?}");
    }
    assert!(!statements_equivalent(
        "allow group A to read buckets on compartment lab",
        "allow group A to read buckets in compartment lab"
    ));
    assert!(!statements_equivalent(
        "allow group A, B to read buckets in tenancy",
        "allow group B, A to read buckets in tenancy"
    ));
    assert!(!statements_equivalent(
        "allow group A to read buckets in tenancy where any {target.b='x'}",
        "allow group A to read buckets in tenancy where all {target.b='x'}"
    ));
}

#[test]
fn unparseable_texts_compare_byte_for_byte() {
    assert!(statements_equivalent("allow nonsense", "allow nonsense"));
    assert!(!statements_equivalent("allow nonsense", "ALLOW nonsense"));
    assert!(!statements_equivalent("allow nonsense", LAB));
    assert!(!statements_equivalent(LAB, "allow nonsense"));
    assert!(matching_rules_equivalent("ALL {", "ALL {"));
    assert!(!matching_rules_equivalent("ALL {", "all {"));
}

const RULE: &str =
    "ALL {resource.type = 'dataflowrun', resource.compartment.id = 'ocid1.compartment.oc1..c'}";

#[test]
fn matching_rule_variants_are_equivalent() {
    for variant in [
        "all {resource.type='dataflowrun',resource.compartment.id='ocid1.compartment.oc1..c'}",
        "All{Resource.Type='dataflowrun', RESOURCE.COMPARTMENT.ID = 'ocid1.compartment.oc1..c'}",
        "ALL {\n  resource.type = 'dataflowrun',\n  resource.compartment.id = 'ocid1.compartment.oc1..c'\n}\n",
        "\t\tALL {\r\n\t\t\tresource.type = 'dataflowrun' ,\r\n\t\t\tresource.compartment.id = 'ocid1.compartment.oc1..c'\r\n\t\t}",
    ] {
        assert!(matching_rules_equivalent(RULE, variant), "{variant:?}");
    }
    assert!(matching_rules_equivalent(
        "tag.NS.Key.value",
        "tag.ns.key.VALUE"
    ));
}

#[test]
fn matching_rule_one_word_changes_are_not_equivalent() {
    for changed in [
        "ANY {resource.type = 'dataflowrun', resource.compartment.id = 'ocid1.compartment.oc1..c'}",
        "ALL {resource.type = 'dataflowapplication', resource.compartment.id = 'ocid1.compartment.oc1..c'}",
        "ALL {resource.type = 'dataflowrun', resource.compartment.id = 'ocid1.compartment.oc1..d'}",
        "ALL {resource.type = 'dataflowrun', resource.id = 'ocid1.compartment.oc1..c'}",
        "ALL {resource.type != 'dataflowrun', resource.compartment.id = 'ocid1.compartment.oc1..c'}",
        "ALL {resource.type = 'DataflowRun', resource.compartment.id = 'ocid1.compartment.oc1..c'}",
        "ALL {resource.compartment.id = 'ocid1.compartment.oc1..c', resource.type = 'dataflowrun'}",
        "ALL {resource.type = 'dataflowrun'}",
        "resource.type = 'dataflowrun'",
    ] {
        assert!(!matching_rules_equivalent(RULE, changed), "{changed:?}");
    }
    assert!(!matching_rules_equivalent(
        "ALL {resource.type = 'dataflowrun'}",
        "resource.type = 'dataflowrun'"
    ));
}
