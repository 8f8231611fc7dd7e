//! Malformed statements and rules: each is refused at a stated line:column with a stated
//! expectation and finding. The offset is checked against the column too, so a wrong byte/char
//! conversion fails here.

use oci_policy::{ParseError, parse_matching_rule, parse_statement};

struct Case {
    text: &'static str,
    line: usize,
    column: usize,
    expected: &'static str,
    found: &'static str,
}

const fn c(
    text: &'static str,
    line: usize,
    column: usize,
    expected: &'static str,
    found: &'static str,
) -> Case {
    Case {
        text,
        line,
        column,
        expected,
        found,
    }
}

fn check(cases: &[Case], parse: impl Fn(&str) -> Result<(), ParseError>) {
    let mut failures = Vec::new();
    for case in cases {
        match parse(case.text) {
            Ok(()) => failures.push(format!("{:?} parsed", case.text)),
            Err(e) => {
                let line_start = case
                    .text
                    .split_inclusive('\n')
                    .take(case.line - 1)
                    .map(str::len)
                    .sum::<usize>();
                let offset: usize = line_start
                    + case.text[line_start..]
                        .chars()
                        .take(case.column - 1)
                        .map(char::len_utf8)
                        .sum::<usize>();
                if (e.line, e.column, e.offset) != (case.line, case.column, offset)
                    || !e.expected.contains(case.expected)
                    || e.found != case.found
                {
                    failures.push(format!(
                        "{:?}\n   want {}:{} (offset {offset}) expected ~{:?} found {:?}\n   got  {}:{} (offset {}) expected {:?} found {:?}",
                        case.text, case.line, case.column, case.expected, case.found,
                        e.line, e.column, e.offset, e.expected, e.found
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[rustfmt::skip]
const STATEMENTS: &[Case] = &[
    c("", 1, 1, "a statement starting with 'allow'", "end of statement"),
    c("   \n  ", 2, 3, "a statement starting with 'allow'", "end of statement"),
    c("permit group A to read buckets in tenancy", 1, 1, "'allow', 'endorse', 'admit' or 'define'", "'permit'"),
    c("allowgroup A to read buckets in tenancy", 1, 1, "a statement starting", "'allowgroup'"),
    c("allow users to read buckets in tenancy", 1, 7, "a subject (group, dynamic-group", "'users'"),
    c("allow group to read buckets in tenancy", 1, 13, "a group name or 'id <ocid>'", "'to'"),
    c("allow group A read buckets in tenancy", 1, 15, "',' or 'to'", "'read'"),
    c("allow group A, to read buckets in tenancy", 1, 16, "a group name or 'id <ocid>'", "'to'"),
    c("allow group id to read buckets in tenancy", 1, 16, "the group's OCID after 'id' (ocid1.<type>.<realm>.[region].<unique>)", "'to'"),
    c("allow group id ocid1.group to read buckets in tenancy", 1, 16, "the group's OCID after 'id'", "'ocid1.group'"),
    c("allow group id ocid1.group.oc1..a b to read buckets in tenancy", 1, 35, "',' or 'to'", "'b'"),
    c("allow group A to read buckets in compartment id ocid1.compartment.xx1..abc", 1, 49, "a compartment OCID after 'compartment id'", "'ocid1.compartment.xx1..abc'"),
    c("allow group A to read buckets in compartment id ocid1.compartment.oc1..", 1, 49, "a compartment OCID", "'ocid1.compartment.oc1..'"),
    c("allow group id abc to read buckets in tenancy", 1, 16, "(ocid1.<type>.<realm>.[region].<unique>)", "'abc'"),
    c("allow group 'Data Eng to read buckets in tenancy", 1, 13, "a closing ' for this quote", "end of statement"),
    c("allow group '' to read buckets in tenancy", 1, 13, "a group name", "quoted ''"),
    c("allow group \"A\" to read buckets in tenancy", 1, 13, "a group name", "'\"' (quote names and values with single quotes)"),
    c("allow group 'D'/ to read buckets in tenancy", 1, 18, "a group name after the identity domain's '/'", "'to'"),
    c("allow group A to objects in tenancy", 1, 18, "a verb (inspect, read, use, manage) or '{'", "'objects'"),
    c("allow group A to write objects in tenancy", 1, 18, "a verb", "'write'"),
    c("allow group A to manage in tenancy", 1, 25, "a resource type or family", "'in'"),
    c("allow group A to manage objects tenancy", 1, 33, "'in' followed by tenancy or compartment", "'tenancy'"),
    c("allow group A to manage objects in", 1, 35, "'tenancy' or 'compartment'", "end of statement"),
    c("allow group A to manage objects in the tenancy", 1, 36, "'tenancy' or 'compartment'", "'the'"),
    c("allow group A to manage objects on tenancy", 1, 36, "'compartment' after 'on'", "'tenancy'"),
    c("allow group A to manage objects in compartment", 1, 47, "a compartment name", "end of statement"),
    c("allow group A to manage objects in compartment a:", 1, 50, "a compartment name", "end of statement"),
    c("allow group A to manage objects in compartment id lab", 1, 51, "a compartment OCID", "'lab'"),
    c("allow group A to manage objects in tenancy extra", 1, 44, "'where' or end of statement", "'extra'"),
    c("allow group A to {} in tenancy", 1, 19, "a permission name such as OBJECT_READ", "'}'"),
    c("allow group A to {OBJECT_READ OBJECT_CREATE} in tenancy", 1, 31, "',' or '}'", "'OBJECT_CREATE'"),
    c("allow group A to {OBJECT_READ,} in tenancy", 1, 31, "a permission name", "'}'"),
    c("allow group A to {OBJECT-READ} in tenancy", 1, 19, "a permission name", "'OBJECT-READ'"),
    c("allow group A to manage objects in tenancy where", 1, 49, "a condition (variable = 'value'", "end of statement"),
    c("allow group A to manage objects in tenancy where name='x'", 1, 50, "a variable starting request. or target.", "'name'"),
    c("allow group A to manage objects in tenancy where bucket.name='x'", 1, 50, "a variable starting request. or target. (such as target.bucket.name)", "'bucket.name'"),
    c("allow group A to manage objects in tenancy where traget.bucket.name='x'", 1, 50, "a variable starting request. or target.", "'traget.bucket.name'"),
    c("allow group A to manage objects in tenancy where target..name='x'", 1, 50, "a variable starting request. or target.", "'target..name'"),
    c("allow group A to manage objects in tenancy where target.bucket.name 'x'", 1, 69, "'=', '!=', 'before', 'after', 'in' or 'between'", "quoted 'x'"),
    c("allow group A to manage objects in tenancy where request.utc-timestamp.day-of-week in 'monday'", 1, 87, "'(' starting the list after 'in'", "quoted 'monday'"),
    c("allow group A to manage objects in tenancy where request.utc-timestamp.day-of-week in ()", 1, 88, "a value: 'quoted text' or a word", "')'"),
    c("allow group A to manage objects in tenancy where request.utc-timestamp.day-of-week in ('monday' 'friday')", 1, 97, "',' or ')'", "quoted 'friday'"),
    c("allow group A to manage objects in tenancy where request.utc-timestamp.day-of-week in ('monday',", 1, 97, "a value: 'quoted text' or a word", "end of statement"),
    c("allow group A to manage objects in tenancy where request.utc-timestamp.time-of-day between '09:00:00Z' '17:00:00Z'", 1, 104, "'and' between the two bounds", "quoted '17:00:00Z'"),
    c("allow group A to manage objects in tenancy where request.utc-timestamp before /2026*/", 1, 79, "a value: 'quoted text' or a word", "'/'"),
    c("allow group A to manage objects in tenancy where request.utc-timestamp after", 1, 77, "a value: 'quoted text' or a word", "end of statement"),
    c("allow group A to manage objects in tenancy where target.bucket.name == 'x'", 1, 70, "a value: 'quoted text', /pattern*/ or a word", "'='"),
    c("allow group A to manage objects in tenancy where target.bucket.name = 'x", 1, 71, "a closing ' for this quote", "end of text"),
    c("allow group A to manage objects in tenancy where target.bucket.name = /lab*", 1, 71, "a closing '/' for this pattern", "end of statement"),
    c("allow group A to manage objects in tenancy where target.bucket.name = //", 1, 71, "a pattern such as /prefix*/", "an empty pattern"),
    c("allow group A to manage objects in tenancy where target.b='x', target.d='y'", 1, 62, "end of statement (several conditions are joined with any {…} or all {…})", "','"),
    c("allow group A to manage objects in tenancy where any target.b='x'", 1, 54, "'{' after any/all", "'target.b'"),
    c("allow group A to manage objects in tenancy where any {}", 1, 55, "a condition", "'}'"),
    c("allow group A to manage objects in tenancy where any {target.b='x',}", 1, 68, "a condition", "'}'"),
    c("allow group A to manage objects in tenancy where any {target.b='x'", 1, 67, "',' or '}'", "end of statement"),
    c("allow group A to manage objects in tenancy where all {target.b='x' target.d='y'}", 1, 68, "',' or '}'", "'target.d'"),
    c("allow group A to manage objects in tenancy where (target.b='x')", 1, 50, "a condition", "'('"),
    c("allow group A to manage objects in tenancy where target.b='x'}", 1, 62, "end of statement", "'}'"),
    c("allow group A to manage objects in tenancy;", 1, 43, "'where' or end of statement", "';'"),
    c("allow group A\nto manage objects\nin compartment Lab\nwhere target.bucket.name = 'x' junk", 4, 32, "end of statement", "'junk'"),
    c("allow group Ä to mänage objects in tenancy", 1, 18, "a verb", "'mänage'"),
    c("allow group A to manage objects in tenancy where target.b='x'\u{0}", 1, 62, "end of statement", "control character U+0000"),
    c("endorse group A to manage objects in compartment X", 1, 38, "'tenancy <alias>' or 'any-tenancy'", "'compartment'"),
    c("endorse group A to manage objects in tenancy", 1, 45, "the endorsed tenancy's alias", "end of statement"),
    c("endorse group A to manage objects on compartment X", 1, 35, "'in' (an endorsement is", "'on'"),
    c("admit group A to manage objects in tenancy", 1, 15, "',' or 'of'", "'to'"),
    c("admit group A of B to manage objects in tenancy", 1, 18, "'tenancy <alias>' or 'any-tenancy' after 'of'", "'B'"),
    c("define tenancy P ocid1.tenancy.oc1..p", 1, 18, "'as'", "'ocid1.tenancy.oc1..p'"),
    c("define tenancy P as partner", 1, 21, "an OCID after 'as' (ocid1.<type>.<realm>.[region].<unique>)", "'partner'"),
    c("define user P as ocid1.user.oc1..u", 1, 8, "'tenancy', 'group' or 'dynamic-group' after 'define'", "'user'"),
    c("define tenancy P as ocid1.tenancy.oc1..p where target.b='c'", 1, 42, "end of statement", "'where'"),
];

#[rustfmt::skip]
const RULES: &[Case] = &[
    c("", 1, 1, "a matching-rule variable", "end of rule"),
    c("resource.type", 1, 14, "'=' or '!='", "end of rule"),
    c("resource.type=", 1, 15, "a quoted value such as 'dataflowrun'", "end of rule"),
    c("resource.type=dataflowrun", 1, 15, "a quoted value", "'dataflowrun'"),
    c("resource.type=/dataflow*/", 1, 15, "a quoted value", "'/'"),
    c("resource.kind='dataflowrun'", 1, 1, "a matching-rule variable (resource.type", "'resource.kind'"),
    c("tag.ns.value='x'", 1, 1, "tag.<namespace>.<key>.value", "'tag.ns.value'"),
    c("tag.ns.key='x'", 1, 1, "tag.<namespace>.<key>.value", "'tag.ns.key'"),
    c("ALL {resource.type='dataflowrun' resource.compartment.id='c'}", 1, 34, "',' or '}'", "'resource.compartment.id'"),
    c("ALL {resource.type='dataflowrun',}", 1, 34, "a matching-rule variable", "'}'"),
    c("ALL {}", 1, 6, "a matching-rule variable", "'}'"),
    c("ALL (resource.type='dataflowrun')", 1, 5, "'{' after any/all", "'('"),
    c("ALL {resource.type='dataflowrun'", 1, 33, "',' or '}'", "end of rule"),
    c("ALL {resource.type='dataflowrun'}}", 1, 34, "end of rule", "'}'"),
    c("resource.type='dataflowrun', resource.id='x'", 1, 28, "end of rule (several conditions are joined with ANY {…} or ALL {…})", "','"),
    c("ANY {resource.type = 'dataflowrun}", 1, 22, "a closing ' for this quote", "end of text"),
    c("ALL {\n  resource.type = 'dataflowrun',\n  resource.compartment.id = \"c\"\n}", 3, 29, "a quoted value", "'\"' (quote names and values with single quotes)"),
    c("SOME {resource.type='dataflowrun'}", 1, 1, "a matching-rule variable", "'SOME'"),
    c("resource.type == 'dataflowrun'", 1, 16, "a quoted value", "'='"),
    c("resource.type in ('dataflowrun')", 1, 15, "'=' or '!='", "'in'"),
    c("tag.ns.key.value 'x'", 1, 18, "'=', '!=', ',' or the end of the condition", "quoted 'x'"),
];

#[test]
fn malformed_statements_report_position_expected_and_found() {
    assert!(STATEMENTS.len() >= 30);
    check(STATEMENTS, |t| parse_statement(t).map(|_| ()));
}

#[test]
fn malformed_matching_rules_report_position_expected_and_found() {
    check(RULES, |t| parse_matching_rule(t).map(|_| ()));
}

#[test]
fn error_positions_count_characters_not_bytes() {
    // 'Ä' and 'ö' are two bytes each: the column counts them once, the offset twice.
    let e = parse_statement("allow group 'Äö' to rëad buckets in tenancy").unwrap_err();
    assert_eq!((e.line, e.column), (1, 21));
    assert_eq!(e.offset, "allow group 'Äö' to ".len());
    assert_eq!(e.found, "'rëad'");
}

#[test]
fn long_words_are_shortened_in_found() {
    let long = "x".repeat(500);
    let e = parse_statement(&format!("allow group A to {long} buckets in tenancy")).unwrap_err();
    assert_eq!(e.found, format!("'{}…'", "x".repeat(40)));
}
