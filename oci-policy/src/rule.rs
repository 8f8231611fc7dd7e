//! Dynamic-group matching rules (oci-api.md §5.5).

use crate::Limits;
use crate::condition::{Condition, Mode, Parser, Value};
use crate::error::ParseError;
use crate::scan::{Scanner, Tok};

/// A parsed matching rule: `ANY {…}`, `ALL {…}` or a single condition. Two rules are equal
/// exactly when their canonical texts are.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MatchingRule {
    pub condition: Condition,
}

pub(crate) fn parse(text: &str, limits: &Limits) -> Result<MatchingRule, ParseError> {
    crate::check_len(text, limits)?;
    let mut p = Parser {
        sc: Scanner::new(text, "end of rule"),
        max_depth: limits.effective_depth(),
    };
    let condition = p.condition(Mode::Rule, 0)?;
    let end = p.sc.next();
    if end.tok != Tok::End {
        return Err(p.sc.error(
            &end,
            "end of rule (several conditions are joined with ANY {…} or ALL {…})",
        ));
    }
    Ok(MatchingRule { condition })
}

impl MatchingRule {
    /// The canonical text: `ANY`/`ALL` upper-case, variables lower-case, `var = 'value'` with
    /// single spaces, `, ` between conditions, values as written. See the crate docs.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        self.condition.write(&mut out, true);
        out
    }

    /// The values the rule compares `resource.type` with (`=` or `!=`), in order, as written.
    pub fn resource_types(&self) -> Vec<String> {
        let mut out = Vec::new();
        // An explicit stack: the tree is depth-bounded by the parser, but walking it needs no
        // recursion at all.
        let mut stack = vec![&self.condition];
        while let Some(c) = stack.pop() {
            match c {
                Condition::Any(items) | Condition::All(items) => {
                    stack.extend(items.iter().rev());
                }
                Condition::Compare {
                    variable,
                    value: Value::Quoted(v),
                    ..
                } if variable == "resource.type" => out.push(v.clone()),
                _ => {}
            }
        }
        out
    }
}
