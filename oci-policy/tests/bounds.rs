//! Input bounds: depth and length limits answer with a `ParseError`, never a stack overflow.

use oci_policy::{
    HARD_MAX_DEPTH, Limits, parse_matching_rule, parse_matching_rule_with, parse_statement,
    parse_statement_with,
};

const PREFIX: &str = "allow group A to read buckets in tenancy where ";

fn nested(levels: usize, kw: &str) -> String {
    let mut s = String::new();
    for _ in 0..levels {
        s.push_str(kw);
        s.push_str(" {");
    }
    s.push_str("target.b = 'x'");
    for _ in 0..levels {
        s.push('}');
    }
    s
}

/// The emulator's old parser overflowed the stack at ~12,000 nested `any {`.
#[test]
fn twelve_thousand_nested_any_is_a_parse_error() {
    let text = format!("{PREFIX}{}", nested(12_000, "any"));
    // With the default limits the length bound refuses it first.
    let e = parse_statement(&text).unwrap_err();
    assert_eq!(e.offset, Limits::default().max_len);
    assert_eq!(e.expected, "at most 16384 bytes");
    assert_eq!(e.found, format!("{} bytes", text.len()));

    // With the length bound lifted, the depth bound refuses it at the 33rd `any`.
    let roomy = Limits {
        max_len: 1 << 20,
        max_depth: 32,
    };
    let e = parse_statement_with(&text, &roomy).unwrap_err();
    assert_eq!(e.offset, PREFIX.len() + 32 * "any {".len());
    assert_eq!(e.expected, "at most 32 nested any/all levels");
    assert_eq!(e.found, "one more level");

    // Unclosed, as a fuzzer would write it.
    let open_only = format!("{PREFIX}{}", "any {".repeat(12_000));
    assert!(parse_statement_with(&open_only, &roomy).is_err());

    // A caller asking for an absurd depth still gets the hard ceiling, not a crash.
    let absurd = Limits {
        max_len: 1 << 20,
        max_depth: usize::MAX,
    };
    let e = parse_statement_with(&text, &absurd).unwrap_err();
    assert_eq!(
        e.expected,
        format!("at most {HARD_MAX_DEPTH} nested any/all levels")
    );
}

#[test]
fn twelve_thousand_nested_all_in_a_matching_rule_is_a_parse_error() {
    let text = nested(12_000, "ALL").replace("target.b", "resource.id");
    assert!(parse_matching_rule(&text).is_err());
    let roomy = Limits {
        max_len: 1 << 20,
        max_depth: 32,
    };
    let e = parse_matching_rule_with(&text, &roomy).unwrap_err();
    assert_eq!(e.offset, 32 * "ALL {".len());
    assert_eq!(e.expected, "at most 32 nested any/all levels");
}

#[test]
fn depth_exactly_at_the_limit_parses() {
    let limits = Limits::default();
    let at = format!("{PREFIX}{}", nested(limits.max_depth, "all"));
    parse_statement_with(&at, &limits).unwrap();
    let over = format!("{PREFIX}{}", nested(limits.max_depth + 1, "all"));
    assert!(parse_statement_with(&over, &limits).is_err());
    let small = Limits {
        max_len: 1000,
        max_depth: 2,
    };
    parse_statement_with(&format!("{PREFIX}{}", nested(2, "any")), &small).unwrap();
    let e = parse_statement_with(&format!("{PREFIX}{}", nested(3, "any")), &small).unwrap_err();
    assert_eq!(e.column, PREFIX.len() + 2 * "any {".len() + 1);
}

#[test]
fn length_exactly_at_the_limit_parses() {
    let base = "allow group A to read buckets in tenancy";
    let limits = Limits {
        max_len: base.len(),
        max_depth: 4,
    };
    parse_statement_with(base, &limits).unwrap();
    let e = parse_statement_with(&format!("{base} "), &limits).unwrap_err();
    assert_eq!(e.offset, base.len());
    // The offset is moved back to a char boundary when the limit falls inside a character.
    let text = format!(
        "allow group '{}' to read buckets in tenancy",
        "é".repeat(10)
    );
    let limits = Limits {
        max_len: 14,
        max_depth: 4,
    };
    let e = parse_statement_with(&text, &limits).unwrap_err();
    assert_eq!(e.offset, 13);
    assert_eq!(e.column, 14);
}
