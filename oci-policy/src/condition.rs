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

/// A comparison operator. `before`, `after`, `in` and `between` appear in `where` clauses
/// only (time-based and list conditions); matching rules know `=` and `!=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Eq,
    Ne,
    /// `request.utc-timestamp before '2026-01-01T00:00:00Z'`.
    Before,
    /// `request.utc-timestamp after '2026-01-01Z'`.
    After,
    /// `request.utc-timestamp.day-of-week in ('monday', 'tuesday')`; the value is a
    /// [`Value::List`].
    In,
    /// `request.utc-timestamp.time-of-day between '09:00:00Z' and '17:00:00Z'`; the value is a
    /// [`Value::Range`].
    Between,
}

impl Op {
    /// The operator as the canonical form writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Before => "before",
            Op::After => "after",
            Op::In => "in",
            Op::Between => "between",
        }
    }
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// `'text'`, kept as written (comparison ignores case, the text does not change).
    Quoted(String),
    /// `/prefix*/`, `/*suffix/`, `/*infix*/`: `*` matches any run of characters. Stored without
    /// the slashes and trimmed of surrounding whitespace, which the service drops (issue #371).
    Pattern(String),
    /// An unquoted word (`request.permission = OBJECT_READ`), kept as written. Oracle's docs
    /// quote every string value; words are accepted so a plan-time check never refuses what the
    /// service might take, and the service stays the judge.
    Word(String),
    /// `('a', 'b')` after `in`: quoted or word values, never empty, never nested.
    List(Vec<Value>),
    /// `'low' and 'high'` after `between`: quoted or word values.
    Range(Box<Value>, Box<Value>),
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
                        "a variable starting request. or target. (such as \
                         target.bucket.name), any {…} or all {…}",
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
        let word_op = match (mode, op_tok.tok) {
            (Mode::Where, Tok::Word(w)) => match w.to_ascii_lowercase().as_str() {
                "before" => Some(Op::Before),
                "after" => Some(Op::After),
                "in" => Some(Op::In),
                "between" => Some(Op::Between),
                _ => None,
            },
            _ => None,
        };
        let op = match op_tok.tok {
            Tok::Eq => Op::Eq,
            Tok::Ne => Op::Ne,
            _ if word_op.is_some() => word_op.unwrap_or(Op::Eq),
            Tok::Comma | Tok::RBrace | Tok::End if is_tag => {
                return Ok(Condition::TagPresent { variable });
            }
            _ => {
                let expected = match (mode, is_tag) {
                    (Mode::Where, _) => "'=', '!=', 'before', 'after', 'in' or 'between'",
                    (Mode::Rule, true) => "'=', '!=', ',' or the end of the condition",
                    (Mode::Rule, false) => "'=' or '!='",
                };
                return Err(self.sc.error(&op_tok, expected));
            }
        };
        self.sc.next();
        let value = match op {
            Op::Eq | Op::Ne => self.value(mode)?,
            Op::Before | Op::After => self.scalar()?,
            Op::In => self.list()?,
            Op::Between => {
                let low = self.scalar()?;
                let and = self.sc.next();
                if !is_kw(&and.tok, "and") {
                    return Err(self.sc.error(&and, "'and' between the two bounds"));
                }
                Value::Range(Box::new(low), Box::new(self.scalar()?))
            }
        };
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

    /// A quoted or word value (for `before`, `after`, `in`, `between`).
    fn scalar(&mut self) -> Result<Value, ParseError> {
        let t = self.sc.next();
        match t.tok {
            Tok::Quoted(q) => Ok(Value::Quoted(q.to_string())),
            Tok::Word(w) => Ok(Value::Word(w.to_string())),
            Tok::Unterminated => Err(ParseError::at(
                self.sc.src,
                t.start,
                "a closing ' for this quote",
                "end of text",
            )),
            _ => Err(self.sc.error(&t, "a value: 'quoted text' or a word")),
        }
    }

    /// `(v, v, …)` after `in`.
    fn list(&mut self) -> Result<Value, ParseError> {
        let open = self.sc.next();
        if open.tok != Tok::LParen {
            return Err(self.sc.error(&open, "'(' starting the list after 'in'"));
        }
        let mut items = Vec::new();
        loop {
            items.push(self.scalar()?);
            let sep = self.sc.next();
            match sep.tok {
                Tok::Comma => continue,
                Tok::RParen => return Ok(Value::List(items)),
                _ => return Err(self.sc.error(&sep, "',' or ')'")),
            }
        }
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

/// `request.…` or `target.…` (Oracle: every variable is one or the other), each segment
/// letters, digits, `_` or `-` (already lower-cased).
fn is_where_variable(v: &str) -> bool {
    if !(v.starts_with("request.") || v.starts_with("target.")) {
        return false;
    }
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
    ///
    /// Iterative (an explicit stack), so even a hand-built tree deeper than any parse allows
    /// cannot exhaust the call stack here.
    pub(crate) fn write(&self, out: &mut String, upper: bool) {
        enum Step<'c> {
            Cond(&'c Condition),
            Text(&'static str),
        }
        let mut stack = vec![Step::Cond(self)];
        while let Some(step) = stack.pop() {
            let c = match step {
                Step::Text(t) => {
                    out.push_str(t);
                    continue;
                }
                Step::Cond(c) => c,
            };
            match c {
                Condition::Any(items) | Condition::All(items) => {
                    out.push_str(match (c, upper) {
                        (Condition::Any(_), true) => "ANY {",
                        (Condition::Any(_), false) => "any {",
                        (_, true) => "ALL {",
                        (_, false) => "all {",
                    });
                    stack.push(Step::Text("}"));
                    for (i, item) in items.iter().enumerate().rev() {
                        stack.push(Step::Cond(item));
                        if i > 0 {
                            stack.push(Step::Text(", "));
                        }
                    }
                }
                Condition::Compare {
                    variable,
                    op,
                    value,
                } => {
                    out.push_str(variable);
                    out.push(' ');
                    out.push_str(op.as_str());
                    out.push(' ');
                    value.write(out);
                }
                Condition::TagPresent { variable } => out.push_str(variable),
            }
        }
    }
}

impl Value {
    /// Appends the canonical text. Lists and ranges hold only scalar values, so this recurses
    /// one level at most.
    pub(crate) fn write(&self, out: &mut String) {
        match self {
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
            Value::List(items) => {
                out.push('(');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.scalar_write(out);
                }
                out.push(')');
            }
            Value::Range(low, high) => {
                low.scalar_write(out);
                out.push_str(" and ");
                high.scalar_write(out);
            }
        }
    }

    /// Writes a value that must be scalar; a hand-built nested list is written flat as its
    /// text would be, never recursively.
    fn scalar_write(&self, out: &mut String) {
        match self {
            Value::List(_) | Value::Range(..) => out.push_str("''"),
            v => v.write(out),
        }
    }
}
