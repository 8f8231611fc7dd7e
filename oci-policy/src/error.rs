//! The crate's one error type: where a text stopped parsing and what the parser wanted there.

/// A statement or matching rule that does not parse.
///
/// `offset` is a byte offset into the text given to the parser; `line` and `column` are 1-based,
/// the column counted in characters (not bytes), so an editor or a Terraform diagnostic can point
/// at it directly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at {line}:{column}: expected {expected}, found {found}")]
pub struct ParseError {
    /// Byte offset in the input where the offending token starts.
    pub offset: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What would have been accepted here, in words.
    pub expected: String,
    /// What was there instead, in words (`'to'`, `end of statement`, …).
    pub found: String,
}

impl ParseError {
    /// Builds an error at `offset` of `text`, computing line and column.
    ///
    /// `offset` is clamped to the text and moved back to a char boundary, so a caller can never
    /// make this panic.
    pub(crate) fn at(
        text: &str,
        offset: usize,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        ParseError {
            offset,
            line,
            column,
            expected: expected.into(),
            found: found.into(),
        }
    }
}
