//! Property tests: the parsers never panic, canonical forms are fixed points, generated valid
//! statements and rules parse, and noise (keyword case, whitespace, optional quoting) never
//! changes the canonical form.
//!
//! The case count defaults to 256 per property so `cargo test -p oci-policy` stays within
//! seconds; set `PROPTEST_CASES` to run longer, e.g.
//! `PROPTEST_CASES=100000 cargo test -p oci-policy --release --test properties`.

use oci_policy::{
    Limits, ParseError, matching_rules_equivalent, parse_matching_rule, parse_matching_rule_with,
    parse_statement, parse_statement_with, statements_equivalent,
};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

/// Every error points inside the text, on a character boundary, at a consistent line/column.
fn check_error(text: &str, e: &ParseError) {
    assert!(e.offset <= text.len(), "{e:?}");
    assert!(text.is_char_boundary(e.offset), "{e:?}");
    let before = &text[..e.offset];
    assert_eq!(e.line, before.matches('\n').count() + 1);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    assert_eq!(e.column, before[line_start..].chars().count() + 1);
    assert!(!e.expected.is_empty() && !e.found.is_empty());
}

/// Whatever parses: its canonical text re-parses to the same tree and is a fixed point.
fn check_statement(text: &str) {
    match parse_statement(text) {
        Ok(s) => {
            let c = s.canonical();
            let again = parse_statement(&c).unwrap_or_else(|e| panic!("{c:?}: {e}"));
            assert_eq!(again, s, "{text:?} -> {c:?}");
            assert_eq!(again.canonical(), c);
            assert!(statements_equivalent(text, &c));
        }
        Err(e) => check_error(text, &e),
    }
}

fn check_rule(text: &str) {
    match parse_matching_rule(text) {
        Ok(r) => {
            let c = r.canonical();
            let again = parse_matching_rule(&c).unwrap_or_else(|e| panic!("{c:?}: {e}"));
            assert_eq!(again, r, "{text:?} -> {c:?}");
            assert_eq!(again.canonical(), c);
            assert!(matching_rules_equivalent(text, &c));
        }
        Err(e) => check_error(text, &e),
    }
}

/// Pieces of the grammar, so random soup reaches deep into the parser instead of failing at
/// the first character.
fn soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("allow"),
        Just("Endorse"),
        Just("admit"),
        Just("define"),
        Just("group"),
        Just("dynamic-group"),
        Just("service"),
        Just("any-user"),
        Just("any-group"),
        Just("id"),
        Just("ocid1.group.oc1..x"),
        Just("to"),
        Just("of"),
        Just("as"),
        Just("manage"),
        Just("read"),
        Just("objects"),
        Just("in"),
        Just("on"),
        Just("tenancy"),
        Just("any-tenancy"),
        Just("compartment"),
        Just("where"),
        Just("any"),
        Just("ALL"),
        Just("{"),
        Just("}"),
        Just(","),
        Just(":"),
        Just("/"),
        Just("="),
        Just("!="),
        Just("'"),
        Just("'x y'"),
        Just("a.b"),
        Just("target.b"),
        Just("resource.type"),
        Just("tag.ns.k.value"),
        Just("'dataflowrun'"),
        Just("/ab*/"),
        Just("!"),
        Just("("),
        Just("\""),
        Just("é"),
        Just("\n"),
        Just(" "),
        Just(""),
        Just("\u{0}"),
        Just("before"),
        Just("between"),
        Just("and"),
        Just(")"),
        Just("'09:00Z'"),
    ];
    prop::collection::vec((piece, prop::bool::ANY), 0..60).prop_map(|v| {
        let mut s = String::new();
        for (p, space) in v {
            s.push_str(p);
            if space {
                s.push(' ');
            }
        }
        s
    })
}

/// Renders tokens with random keyword case and whitespace, driven by `noise`.
struct Render<'a> {
    noise: &'a [u8],
    i: usize,
    out: String,
}

impl Render<'_> {
    fn bits(&mut self) -> u8 {
        let b = self
            .noise
            .get(self.i % self.noise.len().max(1))
            .copied()
            .unwrap_or(0);
        self.i += 1;
        b
    }
    fn sep(&mut self) {
        let ws = [" ", " ", "  ", "\n", "\t", "\r\n  ", " \n\t"];
        let n = self.bits() as usize % ws.len();
        self.out.push_str(ws[n]);
    }
    /// Optional whitespace (around punctuation).
    fn opt(&mut self) {
        if self.bits().is_multiple_of(2) {
            self.sep();
        }
    }
    fn kw(&mut self, kw: &str) {
        let b = self.bits();
        let s = match b % 3 {
            0 => kw.to_ascii_lowercase(),
            1 => kw.to_ascii_uppercase(),
            _ => kw
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if (i + b as usize).is_multiple_of(2) {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect(),
        };
        self.out.push_str(&s);
    }
    fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }
    /// A name: quoted when it must be, and sometimes when it need not be.
    fn name(&mut self, n: &str) {
        let plain = n
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
            && ![
                "id",
                "to",
                "of",
                "in",
                "on",
                "where",
                "as",
                "any",
                "all",
                "tenancy",
                "compartment",
            ]
            .contains(&n.to_ascii_lowercase().as_str());
        if plain && self.bits().is_multiple_of(2) {
            self.raw(n);
        } else {
            self.raw(&format!("'{n}'"));
        }
    }
}

#[derive(Debug, Clone)]
enum Cond {
    Leaf(String, &'static str, Val),
    Group(bool, Vec<Cond>),
}

#[derive(Debug, Clone)]
enum Val {
    Quoted(String),
    Pattern(String),
    Word(String),
    List(Vec<Val>),
    Range(Box<Val>, Box<Val>),
}

fn scalar() -> impl Strategy<Value = Val> {
    prop_oneof![
        "[A-Za-z0-9 ._:*-]{0,12}".prop_map(Val::Quoted),
        "[A-Za-z0-9_]{1,10}".prop_map(Val::Word),
    ]
}

fn cond(rule: bool) -> impl Strategy<Value = Cond> {
    let leaf = if rule {
        let var = prop_oneof![
            Just("resource.type".to_string()),
            Just("Resource.Id".to_string()),
            Just("resource.compartment.id".to_string()),
            Just("instance.id".to_string()),
            Just("INSTANCE.compartment.id".to_string()),
            "tag\\.[A-Za-z][a-z0-9-]{0,6}\\.[a-z][A-Za-z0-9_-]{0,6}\\.value",
        ];
        let op = prop_oneof![Just("="), Just("!=")];
        (var, op, "[A-Za-z0-9 ._*-]{0,12}".prop_map(Val::Quoted))
            .prop_map(|(v, op, val)| Cond::Leaf(v, op, val))
            .boxed()
    } else {
        let var = "(request|target|REQUEST|Target)(\\.[a-z][a-zA-Z0-9_-]{0,6}){1,3}";
        let eq_value = prop_oneof![
            scalar(),
            "[A-Za-z0-9._-]{0,5}\\*?"
                .prop_filter("non-empty", |s| !s.is_empty())
                .prop_map(Val::Pattern),
        ];
        prop_oneof![
            (var, prop_oneof![Just("="), Just("!=")], eq_value),
            (var, prop_oneof![Just("before"), Just("after")], scalar()),
            (
                var,
                Just("in"),
                prop::collection::vec(scalar(), 1..4).prop_map(Val::List)
            ),
            (
                var,
                Just("between"),
                (scalar(), scalar()).prop_map(|(a, b)| Val::Range(Box::new(a), Box::new(b)))
            ),
        ]
        .prop_map(|(v, op, val)| Cond::Leaf(v, op, val))
        .boxed()
    };
    leaf.prop_recursive(4, 24, 4, |inner| {
        (prop::bool::ANY, prop::collection::vec(inner, 1..4))
            .prop_map(|(any, v)| Cond::Group(any, v))
    })
}

fn render_value(r: &mut Render<'_>, val: &Val) {
    match val {
        Val::Quoted(q) => r.raw(&format!("'{q}'")),
        Val::Pattern(p) => {
            r.raw("/");
            if r.bits().is_multiple_of(3) {
                r.raw(" ");
            }
            r.raw(p);
            r.raw("/");
        }
        Val::Word(w) => r.raw(w),
        Val::List(items) => {
            r.raw("(");
            for (i, v) in items.iter().enumerate() {
                r.opt();
                if i > 0 {
                    r.raw(",");
                    r.opt();
                }
                render_value(r, v);
            }
            r.opt();
            r.raw(")");
        }
        Val::Range(low, high) => {
            render_value(r, low);
            r.sep();
            r.kw("and");
            r.sep();
            render_value(r, high);
        }
    }
}

fn render_cond(r: &mut Render<'_>, c: &Cond) {
    match c {
        Cond::Leaf(var, op, val) => {
            r.raw(var);
            if op.starts_with(|c: char| c.is_ascii_alphabetic()) {
                // Word operators need whitespace on both sides.
                r.sep();
                r.kw(op);
                r.sep();
            } else {
                r.opt();
                r.raw(op);
                r.opt();
            }
            render_value(r, val);
        }
        Cond::Group(any, items) => {
            r.kw(if *any { "any" } else { "all" });
            r.opt();
            r.raw("{");
            for (i, item) in items.iter().enumerate() {
                r.opt();
                if i > 0 {
                    r.raw(",");
                    r.opt();
                }
                render_cond(r, item);
            }
            r.opt();
            r.raw("}");
        }
    }
}

#[derive(Debug, Clone)]
struct Stmt {
    /// 0 allow, 1 endorse, 2 admit, 3 define.
    form: u8,
    /// The other tenancy (endorse, admit) or the defined alias; `None` is any-tenancy.
    alias: Option<String>,
    subject: (u8, Vec<(Option<String>, String, bool)>),
    access: Result<(u8, String), Vec<String>>,
    location: (u8, Vec<String>, String),
    condition: Option<Cond>,
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z][A-Za-z0-9_.-]{0,10}",
        "[A-Za-z][A-Za-z0-9 ]{0,10}[A-Za-z]"
    ]
}

fn ocid() -> impl Strategy<Value = String> {
    "ocid1\\.[a-z]{3,10}\\.oc1\\.[a-z-]{0,6}\\.[a-z0-9]{5,20}"
}

fn statement() -> impl Strategy<Value = Stmt> {
    let refs = prop::collection::vec((prop::option::of(name()), name(), prop::bool::ANY), 1..4);
    let access = prop_oneof![
        (0u8..4, "[a-z][a-z-]{1,15}")
            .prop_filter("not a location word", |(_, t)| t != "in" && t != "on")
            .prop_map(Ok),
        prop::collection::vec("[A-Za-z][A-Za-z0-9_]{0,15}", 1..4).prop_map(Err),
    ];
    let location = (0u8..4, prop::collection::vec(name(), 1..4), ocid());
    (
        (0u8..4, prop::option::of(name())),
        0u8..5,
        refs,
        access,
        location,
        prop::option::of(cond(false)),
    )
        .prop_map(
            |((form, alias), kind, refs, access, location, condition)| Stmt {
                form,
                alias,
                subject: (kind, refs),
                access,
                location,
                condition,
            },
        )
}

fn render_statement(s: &Stmt, noise: &[u8], ids: &[String]) -> String {
    let mut r = Render {
        noise,
        i: 0,
        out: String::new(),
    };
    r.opt();
    let tenancy = |r: &mut Render<'_>| match &s.alias {
        Some(a) => {
            r.kw("tenancy");
            r.sep();
            r.name(a);
        }
        None => r.kw("any-tenancy"),
    };
    if s.form == 3 {
        r.kw("define");
        r.sep();
        r.kw(["tenancy", "group", "dynamic-group"][s.subject.0 as usize % 3]);
        r.sep();
        r.name(s.alias.as_deref().unwrap_or("Alias"));
        r.sep();
        r.kw("as");
        r.sep();
        r.raw(&ids[0]);
        r.opt();
        return r.out;
    }
    r.kw(["allow", "endorse", "admit"][s.form as usize]);
    r.sep();
    let (kind, refs) = &s.subject;
    match kind {
        0 => r.kw("any-user"),
        1 => r.kw("any-group"),
        k => {
            r.kw(match k {
                2 => "group",
                3 => "dynamic-group",
                _ => "service",
            });
            r.sep();
            for (i, (domain, n, by_id)) in refs.iter().enumerate() {
                if i > 0 {
                    r.opt();
                    r.raw(",");
                    r.opt();
                }
                if *k == 4 {
                    r.name(n);
                } else if *by_id {
                    r.kw("id");
                    r.sep();
                    r.raw(&ids[i % ids.len()]);
                } else {
                    if let Some(d) = domain {
                        r.name(d);
                        r.opt();
                        r.raw("/");
                        r.opt();
                    }
                    r.name(n);
                }
            }
        }
    }
    if s.form == 2 {
        r.sep();
        r.kw("of");
        r.sep();
        tenancy(&mut r);
    }
    r.sep();
    r.kw("to");
    r.sep();
    match &s.access {
        Ok((verb, t)) => {
            r.kw(["inspect", "read", "use", "manage"][*verb as usize]);
            r.sep();
            r.kw(t);
        }
        Err(perms) => {
            r.raw("{");
            for (i, p) in perms.iter().enumerate() {
                r.opt();
                if i > 0 {
                    r.raw(",");
                    r.opt();
                }
                r.kw(p);
            }
            r.opt();
            r.raw("}");
        }
    }
    r.sep();
    let (loc, path, id) = &s.location;
    match loc {
        _ if s.form == 1 => {
            r.kw("in");
            r.sep();
            tenancy(&mut r);
        }
        0 => {
            r.kw("in");
            r.sep();
            r.kw("tenancy");
        }
        1 => {
            r.kw("in");
            r.sep();
            r.kw("compartment");
            r.sep();
            r.kw("id");
            r.sep();
            r.raw(id);
        }
        _ => {
            r.kw(if *loc == 2 { "in" } else { "on" });
            r.sep();
            r.kw("compartment");
            r.sep();
            for (i, c) in path.iter().enumerate() {
                if i > 0 {
                    r.opt();
                    r.raw(":");
                    r.opt();
                }
                r.name(c);
            }
        }
    }
    if let Some(c) = &s.condition {
        r.sep();
        r.kw("where");
        r.sep();
        render_cond(&mut r, c);
    }
    r.opt();
    r.out
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn parsers_never_panic_on_arbitrary_strings(text in any::<String>()) {
        check_statement(&text);
        check_rule(&text);
    }

    #[test]
    fn parsers_never_panic_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        check_statement(&text);
        check_rule(&text);
    }

    #[test]
    fn grammar_soup_never_panics_and_what_parses_is_canonical(text in soup()) {
        check_statement(&text);
        check_rule(&text);
        let tiny = Limits { max_len: 64, max_depth: 2 };
        if let Err(e) = parse_statement_with(&text, &tiny) { check_error(&text, &e); }
        if let Err(e) = parse_matching_rule_with(&text, &tiny) { check_error(&text, &e); }
    }

    #[test]
    fn generated_statements_parse_and_noise_never_changes_the_canonical_form(
        s in statement(),
        ids in prop::collection::vec(ocid(), 1..4),
        noise_a in prop::collection::vec(any::<u8>(), 1..64),
        noise_b in prop::collection::vec(any::<u8>(), 1..64),
    ) {
        let a = render_statement(&s, &noise_a, &ids);
        let b = render_statement(&s, &noise_b, &ids);
        let pa = parse_statement(&a).unwrap_or_else(|e| panic!("{a:?}: {e}"));
        let pb = parse_statement(&b).unwrap_or_else(|e| panic!("{b:?}: {e}"));
        prop_assert_eq!(pa.canonical(), pb.canonical(), "{:?} vs {:?}", a, b);
        prop_assert!(statements_equivalent(&a, &b));
        check_statement(&a);
    }

    #[test]
    fn generated_matching_rules_parse_and_noise_never_changes_the_canonical_form(
        c in cond(true),
        noise_a in prop::collection::vec(any::<u8>(), 1..64),
        noise_b in prop::collection::vec(any::<u8>(), 1..64),
    ) {
        let render = |noise: &[u8]| {
            let mut r = Render { noise, i: 0, out: String::new() };
            r.opt();
            render_cond(&mut r, &c);
            r.opt();
            r.out
        };
        let (a, b) = (render(&noise_a), render(&noise_b));
        let pa = parse_matching_rule(&a).unwrap_or_else(|e| panic!("{a:?}: {e}"));
        let pb = parse_matching_rule(&b).unwrap_or_else(|e| panic!("{b:?}: {e}"));
        prop_assert_eq!(pa.canonical(), pb.canonical());
        prop_assert!(matching_rules_equivalent(&a, &b));
        check_rule(&a);
    }
}
