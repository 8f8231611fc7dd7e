//! Conditions: the `where` clause of a statement and the body of a matching rule share one tree.
//!
//! The parser here is recursive, and every level of recursion is an `any {…}` / `all {…}` that
//! first checks the depth counter against [`Limits::max_depth`](crate::Limits), so the stack
//! depth is bounded whatever the input (the emulator's old parser overflowed at ~12,000 `any {`).

use crate::error::ParseError;
use crate::scan::{Scanner, Tok, Token, is_kw};

/// A condition tree.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Condition {
    /// `any {c, c, …}`: at least one holds. Never empty.
    Any(Vec<Condition>),
    /// `all {c, c, …}`: every one holds. Never empty.
    All(Vec<Condition>),
    /// `variable = value` or `variable != value`.
    Compare {
        /// Lower-cased: OCI variable names, tag namespaces and tag keys ignore case.
        variable: String,
        op: Op,
        value: Value,
    },
    /// Matching rules only: `tag.<namespace>.<key>.value` with no comparison, which holds when
    /// the resource carries that defined tag with any value.
    TagPresent {
        /// Lower-cased, as for [`Condition::Compare`].
        variable: String,
    },
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Eq,
    Ne,
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// `'text'`, kept as written (comparison ignores case, the text does not change).
    Quoted(String),
    /// `/prefix*/`, `/*suffix/`, `/*infix*/`: `*` matches any run of characters. Stored without
    /// the slashes and trimmed of surrounding whitespace, which the service drops (issue #371).
    Pattern(String),
    /// An unquoted word (`request.permission = OBJECT_READ`), kept as written.
    Word(String),
}

/// Which grammar a condition belongs to; they differ in variables, values and keyword case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Where,
    Rule,
}

pub(crate) const RULE_VARIABLES: &str = "a matching-rule variable (resource.type, resource.id, \
     resource.compartment.id, instance.id, instance.compartment.id or tag.<namespace>.<key>.value)";

/// A whole-text parse of conditions: the scanner plus the nesting bound.
pub(crate) struct Parser<'a> {
    pub sc: Scanner<'a>,
    pub max_depth: usize,
}

impl<'a> Parser<'a> {
    pub fn condition(&mut self, mode: Mode, depth: usize) -> Result<Condition, ParseError> {
        let t = self.sc.next();
        let group = if is_kw(&t.tok, "any") {
            Some(true)
        } else if is_kw(&t.tok, "all") {
            Some(false)
        } else {
            None
        };
        if let Some(any) = group {
            return self.group(mode, depth, &t, any);
        }
        let Tok::Word(word) = t.tok else {
            let expected = match mode {
                Mode::Where => "a condition (variable = 'value', any {…} or all {…})".to_string(),
                Mode::Rule => format!("{RULE_VARIABLES}, ANY {{…}} or ALL {{…}}"),
            };
            return Err(self.sc.error(&t, expected));
        };
        let variable = word.to_ascii_lowercase();
        let is_tag = match mode {
            Mode::Where => {
                if !is_where_variable(&variable) {
                    return Err(self.sc.error(
                        &t,
                        "a variable such as request.permission or target.bucket.name, \
                         any {…} or all {…}",
                    ));
                }
                false
            }
            Mode::Rule => match rule_variable_kind(&variable) {
                Some(is_tag) => is_tag,
                None => return Err(self.sc.error(&t, RULE_VARIABLES)),
            },
        };
        let op_tok = self.sc.peek();
        let op = match op_tok.tok {
            Tok::Eq => Op::Eq,
            Tok::Ne => Op::Ne,
            Tok::Comma | Tok::RBrace | Tok::End if is_tag => {
                return Ok(Condition::TagPresent { variable });
            }
            _ => {
                let expected = if is_tag {
                    "'=', '!=', ',' or the end of the condition"
                } else {
                    "'=' or '!='"
                };
                return Err(self.sc.error(&op_tok, expected));
            }
        };
        self.sc.next();
        let value = self.value(mode)?;
        Ok(Condition::Compare {
            variable,
            op,
            value,
        })
    }

    fn group(
        &mut self,
        mode: Mode,
        depth: usize,
        kw: &Token<'a>,
        any: bool,
    ) -> Result<Condition, ParseError> {
        if depth >= self.max_depth {
            return Err(ParseError::at(
                self.sc.src,
                kw.start,
                format!("at most {} nested any/all levels", self.max_depth),
                "one more level",
            ));
        }
        let open = self.sc.next();
        if open.tok != Tok::LBrace {
            return Err(self.sc.error(&open, "'{' after any/all"));
        }
        let mut items = Vec::new();
        loop {
            items.push(self.condition(mode, depth + 1)?);
            let sep = self.sc.next();
            match sep.tok {
                Tok::Comma => continue,
                Tok::RBrace => break,
                _ => return Err(self.sc.error(&sep, "',' or '}'")),
            }
        }
        Ok(if any {
            Condition::Any(items)
        } else {
            Condition::All(items)
        })
    }

    fn value(&mut self, mode: Mode) -> Result<Value, ParseError> {
        let t = self.sc.next();
        match (mode, t.tok) {
            (_, Tok::Quoted(q)) => Ok(Value::Quoted(q.to_string())),
            (_, Tok::Unterminated) => Err(ParseError::at(
                self.sc.src,
                t.start,
                "a closing ' for this quote",
                "end of text",
            )),
            (Mode::Where, Tok::Slash) => {
                let body = self.sc.pattern_body(t.start)?.trim();
                if body.is_empty() {
                    return Err(ParseError::at(
                        self.sc.src,
                        t.start,
                        "a pattern such as /prefix*/",
                        "an empty pattern",
                    ));
                }
                Ok(Value::Pattern(body.to_string()))
            }
            (Mode::Where, Tok::Word(w)) => Ok(Value::Word(w.to_string())),
            (Mode::Where, _) => Err(self
                .sc
                .error(&t, "a value: 'quoted text', /pattern*/ or a word")),
            (Mode::Rule, _) => Err(self.sc.error(&t, "a quoted value such as 'dataflowrun'")),
        }
    }
}

/// `a.b[.c…]`, each segment letters, digits, `_` or `-` (already lower-cased).
fn is_where_variable(v: &str) -> bool {
    let mut n = 0;
    for seg in v.split('.') {
        if seg.is_empty()
            || !seg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return false;
        }
        n += 1;
    }
    n >= 2
}

/// `Some(true)` for a tag variable, `Some(false)` for another known one, `None` if unknown.
pub(crate) fn rule_variable_kind(v: &str) -> Option<bool> {
    match v {
        "resource.type"
        | "resource.id"
        | "resource.compartment.id"
        | "instance.id"
        | "instance.compartment.id" => Some(false),
        _ => {
            let segs: Vec<&str> = v.split('.').collect();
            let ok = segs.len() == 4
                && segs[0] == "tag"
                && segs[3] == "value"
                && segs[1..3].iter().all(|s| {
                    !s.is_empty()
                        && s.chars().all(|c| {
                            c.is_alphanumeric() || c == '_' || c == '-' || c == '@' || c == '+'
                        })
                });
            ok.then_some(true)
        }
    }
}

impl Condition {
    /// Appends the canonical text. `upper` picks `ANY`/`ALL` (matching rules) or `any`/`all`
    /// (statements), each as the documentation writes them.
    pub(crate) fn write(&self, out: &mut String, upper: bool) {
        match self {
            Condition::Any(items) | Condition::All(items) => {
                let kw = match (self, upper) {
                    (Condition::Any(_), true) => "ANY",
                    (Condition::Any(_), false) => "any",
                    (_, true) => "ALL",
                    (_, false) => "all",
                };
                out.push_str(kw);
                out.push_str(" {");
                for (i, c) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    c.write(out, upper);
                }
                out.push('}');
            }
            Condition::Compare {
                variable,
                op,
                value,
            } => {
                out.push_str(variable);
                out.push_str(match op {
                    Op::Eq => " = ",
                    Op::Ne => " != ",
                });
                match value {
                    Value::Quoted(q) => {
                        out.push('\'');
                        out.push_str(q);
                        out.push('\'');
                    }
                    Value::Pattern(p) => {
                        out.push('/');
                        out.push_str(p);
                        out.push('/');
                    }
                    Value::Word(w) => out.push_str(w),
                }
            }
            Condition::TagPresent { variable } => out.push_str(variable),
        }
    }
}
