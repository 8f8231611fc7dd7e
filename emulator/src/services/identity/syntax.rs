//! Syntax checks for IAM policy statements (oci-api.md §5.4) and dynamic-group matching rules
//! (§5.5).
//!
//! OCI rejects a malformed statement or rule at create/update time with 400 `InvalidParameter`;
//! the lab's users otherwise only learn of a typo when a run fails with 403. We check syntax only,
//! as the service does for OCIDs in rules: names of groups and compartments are not resolved.
//! Keywords and variables are case-insensitive; whitespace is free (`ANY{a='b'}` is valid).
//!
//! Deliberate leniency: cross-tenancy statements (`Define`, `Endorse`, `Admit`) are out of scope
//! and only get a shape check (keyword, then `to ... in ...` for Endorse/Admit).

use std::fmt;

/// A syntax error: what was expected, and the 1-based column where the problem starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub column: usize,
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at column {})", self.message, self.column)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A bare word: keywords, names, resource types, variables, OCIDs, `a:b` compartment paths.
    Word(String),
    /// A single-quoted string, quotes removed.
    Quoted(String),
    /// A `/pattern/` value (only lexed right after `=` or `!=`).
    Pattern(String),
    Punct(&'static str),
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Word(w) => write!(f, "'{w}'"),
            Tok::Quoted(q) => write!(f, "quoted string '{q}'"),
            Tok::Pattern(p) => write!(f, "pattern /{p}/"),
            Tok::Punct(p) => write!(f, "'{p}'"),
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '@' | '+' | '*' | '$' | '#')
}

fn lex(src: &str) -> Result<Vec<(Tok, usize)>, SyntaxError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out: Vec<(Tok, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let after_operator = matches!(out.last(), Some((Tok::Punct("=" | "!="), _)));
        match c {
            '\'' => {
                let start = i + 1;
                let end = (start..chars.len())
                    .find(|&j| chars[j] == '\'')
                    .ok_or_else(|| SyntaxError {
                        column: col,
                        message: "unterminated quoted string (missing closing ')".into(),
                    })?;
                out.push((Tok::Quoted(chars[start..end].iter().collect()), col));
                i = end + 1;
            }
            '"' => {
                return Err(SyntaxError {
                    column: col,
                    message:
                        "double quotes are not allowed; quote values with single quotes ('...')"
                            .into(),
                });
            }
            '/' if after_operator => {
                let start = i + 1;
                let end = (start..chars.len())
                    .find(|&j| chars[j] == '/')
                    .ok_or_else(|| SyntaxError {
                        column: col,
                        message: "unterminated pattern (missing closing /)".into(),
                    })?;
                out.push((Tok::Pattern(chars[start..end].iter().collect()), col));
                i = end + 1;
            }
            '!' if chars.get(i + 1) == Some(&'=') => {
                out.push((Tok::Punct("!="), col));
                i += 2;
            }
            '{' | '}' | ',' | '(' | ')' | '/' | '=' => {
                let p = match c {
                    '{' => "{",
                    '}' => "}",
                    ',' => ",",
                    '(' => "(",
                    ')' => ")",
                    '/' => "/",
                    _ => "=",
                };
                out.push((Tok::Punct(p), col));
                i += 1;
            }
            c if is_word_char(c) => {
                let start = i;
                while i < chars.len() && is_word_char(chars[i]) {
                    i += 1;
                }
                out.push((Tok::Word(chars[start..i].iter().collect()), col));
            }
            other => {
                return Err(SyntaxError {
                    column: col,
                    message: format!("unexpected character '{other}'"),
                });
            }
        }
    }
    Ok(out)
}

/// A cursor over the tokens of one statement or rule.
struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    end_col: usize,
}

impl Parser {
    fn new(src: &str) -> Result<Self, SyntaxError> {
        Ok(Self {
            toks: lex(src)?,
            pos: 0,
            end_col: src.chars().count() + 1,
        })
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }

    fn col(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end_col, |(_, c)| *c)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).map(|(t, _)| t.clone());
        self.pos += 1;
        t
    }

    fn found(&self) -> String {
        self.peek()
            .map_or_else(|| "the end of the text".to_owned(), ToString::to_string)
    }

    fn error(&self, expected: &str) -> SyntaxError {
        SyntaxError {
            column: self.col(),
            message: format!("expected {expected}, found {}", self.found()),
        }
    }

    /// The next token if it is a word, lower-cased for keyword comparison.
    fn peek_keyword(&self) -> Option<String> {
        match self.peek() {
            Some(Tok::Word(w)) => Some(w.to_ascii_lowercase()),
            _ => None,
        }
    }

    fn eat_keyword(&mut self, kw: &str) -> bool {
        if self.peek_keyword().as_deref() == Some(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_keyword(&mut self, kw: &str, context: &str) -> Result<(), SyntaxError> {
        if self.eat_keyword(kw) {
            Ok(())
        } else {
            Err(self.error(&format!("'{kw}' {context}")))
        }
    }

    fn eat_punct(&mut self, p: &str) -> bool {
        if self.peek()
            == Some(&Tok::Punct(match p {
                "{" => "{",
                "}" => "}",
                "," => ",",
                "(" => "(",
                ")" => ")",
                "/" => "/",
                "=" => "=",
                _ => "!=",
            }))
        {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_punct(&mut self, p: &str, context: &str) -> Result<(), SyntaxError> {
        if self.eat_punct(p) {
            Ok(())
        } else {
            Err(self.error(&format!("'{p}' {context}")))
        }
    }

    fn expect_end(&self, context: &str) -> Result<(), SyntaxError> {
        match self.peek() {
            None => Ok(()),
            Some(t) => Err(SyntaxError {
                column: self.col(),
                message: format!("unexpected {t} {context}"),
            }),
        }
    }
}

/// Loose OCID shape check (oci-api.md §5.1): `ocid1.<type>.<realm>.[region].<unique>`. Real
/// unique parts are lowercase base32; `-` and `_` are tolerated so hand-written test OCIDs pass.
pub fn is_ocid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() >= 5
        && parts[0] == "ocid1"
        && !parts[1].is_empty()
        && parts[1]
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && parts[2].starts_with("oc")
        && parts.last().is_some_and(|u| {
            !u.is_empty()
                && u.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

// ------------------------------------------------------------------------------------------------
// Policy statements

const VERBS: &[&str] = &["inspect", "read", "use", "manage"];

/// Check one policy statement.
pub fn check_policy_statement(statement: &str) -> Result<(), SyntaxError> {
    let mut p = Parser::new(statement)?;
    match p.peek_keyword().as_deref() {
        Some("allow") => {
            p.next();
            subject(&mut p)?;
            p.expect_keyword("to", "after the subject")?;
            permission(&mut p)?;
            if !(p.eat_keyword("in") || p.eat_keyword("on")) {
                return Err(p.error("'in' followed by a location (tenancy, compartment <name>, compartment id <ocid>)"));
            }
            location(&mut p)?;
            if p.eat_keyword("where") {
                condition(&mut p)?;
            }
            p.expect_end("after the end of the statement")
        }
        Some("endorse" | "admit") => {
            p.next();
            subject(&mut p)?;
            p.expect_keyword("to", "after the subject")?;
            permission(&mut p)?;
            p.expect_keyword("in", "before the tenancy")?;
            if p.peek().is_none() {
                return Err(p.error("a tenancy after 'in'"));
            }
            Ok(())
        }
        Some("define") => {
            p.next();
            if !matches!(
                p.peek_keyword().as_deref(),
                Some("tenancy" | "group" | "dynamic-group")
            ) {
                return Err(p.error("'tenancy', 'group' or 'dynamic-group' after 'define'"));
            }
            p.next();
            name(&mut p, "a name to define")?;
            p.expect_keyword("as", "after the defined name")?;
            ocid(&mut p)?;
            p.expect_end("after the OCID")
        }
        _ => Err(p.error("a statement starting with 'Allow'")),
    }
}

fn subject(p: &mut Parser) -> Result<(), SyntaxError> {
    match p.peek_keyword().as_deref() {
        Some("any-user" | "any-group") => {
            p.next();
            Ok(())
        }
        Some("group" | "dynamic-group") => {
            p.next();
            if p.peek_keyword().as_deref() == Some("id") {
                loop {
                    p.expect_keyword("id", "before each OCID in the subject")?;
                    ocid(p)?;
                    if !p.eat_punct(",") {
                        return Ok(());
                    }
                }
            }
            name_list(p)
        }
        Some("service") => {
            p.next();
            name_list(p)
        }
        _ => Err(p.error("a subject ('group <name>', 'dynamic-group <name>', 'any-user', 'any-group' or 'service <name>') after 'Allow'")),
    }
}

fn name_list(p: &mut Parser) -> Result<(), SyntaxError> {
    loop {
        name(p, "a group name")?;
        if !p.eat_punct(",") {
            return Ok(());
        }
    }
}

/// A name, possibly domain-qualified: `Name`, `'Some Name'`, `'Domain'/'Name'`.
fn name(p: &mut Parser, what: &str) -> Result<(), SyntaxError> {
    match p.peek() {
        Some(Tok::Word(w)) if !is_reserved(w) => {}
        Some(Tok::Quoted(q)) if !q.trim().is_empty() => {}
        _ => return Err(p.error(what)),
    }
    p.next();
    if p.eat_punct("/") {
        match p.peek() {
            Some(Tok::Word(_) | Tok::Quoted(_)) => {
                p.next();
            }
            _ => return Err(p.error("a name after the identity domain 'Domain'/")),
        }
    }
    Ok(())
}

/// Keywords that cannot be names: catching `Allow group to manage ...` (missing name).
fn is_reserved(w: &str) -> bool {
    matches!(
        w.to_ascii_lowercase().as_str(),
        "to" | "in" | "on" | "where" | "id"
    )
}

fn ocid(p: &mut Parser) -> Result<(), SyntaxError> {
    let v = match p.peek() {
        Some(Tok::Word(w)) => w.clone(),
        Some(Tok::Quoted(q)) => q.clone(),
        _ => return Err(p.error("an OCID (ocid1.<type>.<realm>..<unique>)")),
    };
    if !is_ocid(&v) {
        return Err(SyntaxError {
            column: p.col(),
            message: format!("'{v}' is not a valid OCID"),
        });
    }
    p.next();
    Ok(())
}

fn permission(p: &mut Parser) -> Result<(), SyntaxError> {
    if p.eat_punct("{") {
        loop {
            match p.next() {
                Some(Tok::Word(w)) if w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {}
                _ => {
                    p.pos -= 1;
                    return Err(
                        p.error("a permission name such as BUCKET_READ in the permission list")
                    );
                }
            }
            if p.eat_punct("}") {
                return Ok(());
            }
            p.expect_punct(",", "or '}' in the permission list")?;
        }
    }
    match p.peek_keyword() {
        Some(v) if VERBS.contains(&v.as_str()) => {
            p.next();
        }
        _ => return Err(p.error("a verb (inspect, read, use or manage) or a permission list {PERMISSION, ...} after 'to'")),
    }
    match p.peek() {
        Some(Tok::Word(w))
            if !is_reserved(w)
                && w.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
        {
            p.next();
            Ok(())
        }
        _ => Err(p.error("a resource type (e.g. buckets, objects, dataflow-family, all-resources) after the verb")),
    }
}

fn location(p: &mut Parser) -> Result<(), SyntaxError> {
    match p.peek_keyword().as_deref() {
        Some("tenancy") => {
            p.next();
            Ok(())
        }
        Some("compartment") => {
            p.next();
            if p.eat_keyword("id") {
                return ocid(p);
            }
            match p.peek() {
                Some(Tok::Word(w)) if !is_reserved(w) => {
                    if w.starts_with(':') || w.ends_with(':') || w.contains("::") {
                        return Err(SyntaxError {
                            column: p.col(),
                            message: format!(
                                "'{w}' is not a valid compartment path (use parent:child)"
                            ),
                        });
                    }
                    p.next();
                    Ok(())
                }
                Some(Tok::Quoted(q)) if !q.trim().is_empty() => {
                    p.next();
                    Ok(())
                }
                _ => Err(p.error(
                    "a compartment name, a path parent:child, or 'id <ocid>' after 'compartment'",
                )),
            }
        }
        _ => {
            Err(p.error("a location ('tenancy', 'compartment <name>' or 'compartment id <ocid>')"))
        }
    }
}

fn condition(p: &mut Parser) -> Result<(), SyntaxError> {
    if matches!(p.peek_keyword().as_deref(), Some("any" | "all"))
        && p.toks
            .get(p.pos + 1)
            .is_some_and(|(t, _)| *t == Tok::Punct("{"))
    {
        p.next();
        p.next();
        loop {
            condition(p)?;
            if p.eat_punct("}") {
                return Ok(());
            }
            p.expect_punct(",", "or '}' between conditions")?;
        }
    }
    let var = match p.peek() {
        Some(Tok::Word(w)) => w.to_ascii_lowercase(),
        _ => {
            return Err(p.error(
                "a condition such as target.bucket.name = 'name', or any {...} / all {...}",
            ));
        }
    };
    let root = var.split('.').next().unwrap_or_default();
    if !matches!(root, "request" | "target") || !var.contains('.') {
        return Err(SyntaxError {
            column: p.col(),
            message: format!(
                "'{var}' is not a policy variable; variables start with 'request.' or 'target.'"
            ),
        });
    }
    p.next();
    if p.eat_punct("=") || p.eat_punct("!=") {
        return value(p);
    }
    match p.peek_keyword().as_deref() {
        Some("in") => {
            p.next();
            p.expect_punct("(", "after 'in'")?;
            loop {
                value(p)?;
                if p.eat_punct(")") {
                    return Ok(());
                }
                p.expect_punct(",", "or ')' in the value list")?;
            }
        }
        Some("before" | "after") => {
            p.next();
            value(p)
        }
        Some("between") => {
            p.next();
            value(p)?;
            p.expect_keyword("and", "between the two values of 'between'")?;
            value(p)
        }
        _ => Err(p.error(&format!("'=' or '!=' after the variable '{var}'"))),
    }
}

fn value(p: &mut Parser) -> Result<(), SyntaxError> {
    match p.peek() {
        Some(Tok::Quoted(_) | Tok::Pattern(_)) => {
            p.next();
            Ok(())
        }
        Some(Tok::Word(w)) if !is_reserved(w) => {
            p.next();
            Ok(())
        }
        _ => Err(p.error("a value ('quoted string' or /pattern*/)")),
    }
}

// ------------------------------------------------------------------------------------------------
// Dynamic-group matching rules

const RULE_VARIABLES: &[&str] = &[
    "instance.compartment.id",
    "instance.id",
    "resource.id",
    "resource.compartment.id",
    "resource.type",
];

/// Check a dynamic-group matching rule: one condition, or `ANY {...}` / `ALL {...}` of them.
pub fn check_matching_rule(rule: &str) -> Result<(), SyntaxError> {
    let mut p = Parser::new(rule)?;
    if p.peek().is_none() {
        return Err(p.error("a matching rule such as ALL {resource.type = 'dataflowrun', resource.compartment.id = '<ocid>'}"));
    }
    rule_item(&mut p)?;
    p.expect_end("after the end of the matching rule")
}

fn rule_item(p: &mut Parser) -> Result<(), SyntaxError> {
    if matches!(p.peek_keyword().as_deref(), Some("any" | "all")) {
        p.next();
        p.expect_punct("{", "after ANY/ALL")?;
        loop {
            rule_item(p)?;
            if p.eat_punct("}") {
                return Ok(());
            }
            p.expect_punct(",", "or '}' between rules")?;
        }
    }
    let col = p.col();
    let var = match p.peek() {
        Some(Tok::Word(w)) => w.to_ascii_lowercase(),
        _ => {
            return Err(
                p.error("a rule such as resource.type = 'dataflowrun', or ANY {...} / ALL {...}")
            );
        }
    };
    p.next();
    let is_tag = is_tag_variable(&var);
    if !is_tag && !RULE_VARIABLES.contains(&var.as_str()) {
        return Err(SyntaxError {
            column: col,
            message: format!(
                "unknown matching-rule variable '{var}'; expected one of {}, or tag.<namespace>.<key>.value",
                RULE_VARIABLES.join(", ")
            ),
        });
    }
    if !(p.eat_punct("=") || p.eat_punct("!=")) {
        if is_tag && matches!(p.peek(), None | Some(Tok::Punct("," | "}"))) {
            // `tag.ns.key.value` alone matches any value of that tag.
            return Ok(());
        }
        return Err(p.error(&format!("'=' or '!=' after '{var}'")));
    }
    match p.peek() {
        Some(Tok::Quoted(v)) => {
            if var.ends_with(".id") && !is_ocid(v) {
                return Err(SyntaxError {
                    column: p.col(),
                    message: format!("'{v}' is not a valid OCID for {var}"),
                });
            }
            p.next();
            Ok(())
        }
        Some(Tok::Word(w)) => Err(SyntaxError {
            column: p.col(),
            message: format!("the value of {var} must be quoted with single quotes: '{w}'"),
        }),
        _ => Err(p.error(&format!("a quoted value after '{var} ='"))),
    }
}

fn is_tag_variable(var: &str) -> bool {
    let parts: Vec<&str> = var.split('.').collect();
    parts.len() == 4
        && parts[0] == "tag"
        && parts[3] == "value"
        && !parts[1].is_empty()
        && !parts[2].is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OCID: &str = "ocid1.compartment.oc1..aaaaaaaabbbbbbbb";

    #[test]
    fn accepts_the_lab_and_reference_statements() {
        for s in [
            "Allow dynamic-group dg-dataflow-runs-lab to read buckets in compartment lab",
            "Allow dynamic-group dg-dataflow-runs-lab to manage objects in compartment lab",
            "allow dynamic-group dg to manage objects in compartment lab where target.bucket.name = 'dataflow-lab-output'",
            "ALLOW GROUP Administrators to manage all-resources IN TENANCY",
            "ALLOW SERVICE objectstorage-us-phoenix-1 TO MANAGE objects IN TENANCY",
            "allow service OKE to manage all-resources in tenancy",
            "Allow group 'Default'/'Data Engineers' to use dataflow-family in compartment a:b:c",
            "Allow group id ocid1.group.oc1..aaaa, id ocid1.group.oc1..bbbb to inspect buckets in tenancy",
            "Allow any-user to {STREAM_READ, STREAM_CONSUME} in compartment id ocid1.compartment.oc1..aaaa",
            "Allow group A, B to read objects on compartment X",
            "Allow group A to read objects in tenancy where ALL{ANY{request.permission='OBJECT_READ', request.permission='OBJECT_INSPECT'}, target.bucket.name=/lab-*/}",
            "Allow group A to read objects in tenancy where request.region in ('phx', 'iad')",
            "Allow group A to read objects in tenancy where request.utc-timestamp before '2030-01-01T00:00Z'",
            "Define tenancy Acme as ocid1.tenancy.oc1..aaaa",
            "Endorse group A to manage objects in tenancy Acme",
            "  Allow\n group A\tto read buckets in tenancy  ",
        ] {
            check_policy_statement(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        }
    }

    #[track_caller]
    fn rejects(s: &str, needle: &str, column: usize) {
        let e = check_policy_statement(s).expect_err(s);
        assert!(e.message.contains(needle), "{s}: {e}");
        assert_eq!(e.column, column, "{s}: {e}");
    }

    #[test]
    fn rejects_malformed_statements_with_a_pointer() {
        rejects(
            "Alow group A to read buckets in tenancy",
            "starting with 'Allow'",
            1,
        );
        rejects("Allow grop A to read buckets in tenancy", "a subject", 7);
        rejects("Allow group to read buckets in tenancy", "a group name", 13);
        rejects(
            "Allow group A too read buckets in tenancy",
            "'to' after the subject",
            15,
        );
        rejects("Allow group A to reed buckets in tenancy", "a verb", 18);
        rejects("Allow group A to read in tenancy", "a resource type", 23);
        rejects(
            "Allow group A to read buckets",
            "'in' followed by a location",
            30,
        );
        rejects(
            "Allow group A to read buckets in tenancyy",
            "a location",
            34,
        );
        rejects(
            "Allow group A to read buckets in compartment",
            "a compartment name",
            45,
        );
        rejects(
            "Allow group A to read buckets in compartment id nope",
            "not a valid OCID",
            49,
        );
        rejects(
            "Allow group A to read buckets in tenancy extra",
            "unexpected 'extra'",
            42,
        );
        rejects(
            "Allow group A to read buckets in tenancy where",
            "a condition",
            47,
        );
        rejects(
            "Allow group A to read buckets in tenancy where x = 'y'",
            "not a policy variable",
            48,
        );
        rejects(
            "Allow group A to read buckets in tenancy where target.bucket.name 'y'",
            "'=' or '!='",
            67,
        );
        rejects(
            "Allow group A to read buckets in tenancy where target.bucket.name = 'y",
            "unterminated",
            69,
        );
        rejects(
            "Allow group A to read buckets in tenancy where all {target.bucket.name='a' target.bucket.name='b'}",
            "',' or '}'",
            76,
        );
        rejects("Allow group A to {BUCKET_READ in tenancy", "',' or '}'", 31);
        rejects(
            "Allow group \"A\" to read buckets in tenancy",
            "single quotes",
            13,
        );
        rejects("", "starting with 'Allow'", 1);
    }

    #[test]
    fn accepts_the_lab_and_reference_rules() {
        for r in [
            "ALL {resource.type = 'dataflowrun', resource.compartment.id = 'ocid1.compartment.oc1..aaaaaaaabbbbbbbb'}",
            "ANY{instance.compartment.id='ocid1.tenancy.oc1..aaaa'}",
            "all {resource.type='dataflowrun', tag.oci-dataflow.application-id.value='ocid1.dataflowapplication.oc1.iad.aaaa'}",
            "resource.type = 'fnfunction'",
            "Any {All {resource.type='dataflowrun'}, instance.id != 'ocid1.instance.oc1.iad.aaaa'}",
            "ANY {tag.ops.team.value}",
        ] {
            check_matching_rule(r).unwrap_or_else(|e| panic!("{r}: {e}"));
        }
    }

    #[test]
    fn rejects_malformed_rules_with_a_pointer() {
        let cases: &[(&str, &str, usize)] = &[
            ("", "a matching rule", 1),
            ("ALL resource.type = 'dataflowrun'", "'{' after ANY/ALL", 5),
            (
                "ALL {resource.type = dataflowrun}",
                "must be quoted with single quotes",
                22,
            ),
            (
                "ALL {resource.typ = 'dataflowrun'}",
                "unknown matching-rule variable 'resource.typ'",
                6,
            ),
            (
                "ALL {resource.type = 'dataflowrun' resource.id = 'x'}",
                "',' or '}'",
                36,
            ),
            (
                &format!("ALL {{resource.type = 'dataflowrun', resource.compartment.id = '{OCID}'"),
                "'}'",
                104,
            ),
            (
                "ALL {resource.compartment.id = 'lab'}",
                "not a valid OCID",
                32,
            ),
            ("ALL {resource.type}", "'=' or '!='", 19),
            ("resource.type = 'a' extra", "unexpected 'extra'", 21),
        ];
        for (r, needle, col) in cases {
            let e = check_matching_rule(r).expect_err(r);
            assert!(e.message.contains(needle), "{r}: {e}");
            assert_eq!(e.column, *col, "{r}: {e}");
        }
    }

    #[test]
    fn ocid_shape() {
        assert!(is_ocid("ocid1.tenancy.oc1..aaaa"));
        assert!(is_ocid("ocid1.dataflowrun.oc1.ap-tokyo-1.anxhiljr"));
        assert!(!is_ocid("ocid1.tenancy.oc1"));
        assert!(!is_ocid("compartment"));
        assert!(is_ocid("ocid1.compartment.oc1..test-compartment_1"));
        assert!(!is_ocid("ocid1.compartment.oc1..has space"));
    }
}
