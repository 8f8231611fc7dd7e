//! Character-level tokens for both grammars.
//!
//! The scanner is pull-based: the parser asks for the next token, so the one context-dependent
//! token — `/` opening a pattern in a condition value versus `/` between an identity domain and a
//! name — is decided by the parser, not here.

use crate::error::ParseError;

/// One token. Words borrow from the input; nothing here allocates except error text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok<'a> {
    /// Letters, digits and `_ - . @ +`: keywords, names, OCIDs, variables, permissions.
    Word(&'a str),
    /// `'…'`, without the quotes. There is no escape: OCI names and values cannot contain `'`.
    Quoted(&'a str),
    /// A `'` with no closing quote before the end of the text.
    Unterminated,
    LBrace,
    RBrace,
    LParen,
    RParen,
    Comma,
    Colon,
    Slash,
    Eq,
    Ne,
    /// Any other character, reported as found.
    Other(char),
    End,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Token<'a> {
    pub tok: Tok<'a>,
    pub start: usize,
    pub end: usize,
}

pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '@' | '+')
}

pub(crate) struct Scanner<'a> {
    pub src: &'a str,
    pos: usize,
    /// How the end of input is named in errors: "end of statement" or "end of rule".
    end_name: &'static str,
}

impl<'a> Scanner<'a> {
    pub fn new(src: &'a str, end_name: &'static str) -> Self {
        Scanner {
            src,
            pos: 0,
            end_name,
        }
    }

    fn skip_ws(&mut self) {
        let rest = &self.src[self.pos..];
        let trimmed = rest.trim_start();
        self.pos += rest.len() - trimmed.len();
    }

    /// The next token without consuming it.
    pub fn peek(&mut self) -> Token<'a> {
        self.skip_ws();
        let start = self.pos;
        let rest = &self.src[start..];
        let Some(c) = rest.chars().next() else {
            return Token {
                tok: Tok::End,
                start,
                end: start,
            };
        };
        let (tok, len) = match c {
            '{' => (Tok::LBrace, 1),
            '}' => (Tok::RBrace, 1),
            '(' => (Tok::LParen, 1),
            ')' => (Tok::RParen, 1),
            ',' => (Tok::Comma, 1),
            ':' => (Tok::Colon, 1),
            '/' => (Tok::Slash, 1),
            '=' => (Tok::Eq, 1),
            '!' if rest[1..].starts_with('=') => (Tok::Ne, 2),
            '\'' => match rest[1..].find('\'') {
                Some(close) => (Tok::Quoted(&rest[1..1 + close]), close + 2),
                None => (Tok::Unterminated, rest.len()),
            },
            c if is_word_char(c) => {
                let len = rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
                (Tok::Word(&rest[..len]), len)
            }
            other => (Tok::Other(other), other.len_utf8()),
        };
        Token {
            tok,
            start,
            end: start + len,
        }
    }

    /// Consumes and returns the next token.
    pub fn next(&mut self) -> Token<'a> {
        let t = self.peek();
        self.pos = t.end;
        t
    }

    /// After a `/` in value position: the raw text up to the closing `/`.
    pub fn pattern_body(&mut self, open: usize) -> Result<&'a str, ParseError> {
        let rest = &self.src[self.pos..];
        match rest.find('/') {
            Some(close) => {
                self.pos += close + 1;
                Ok(&rest[..close])
            }
            None => Err(ParseError::at(
                self.src,
                open,
                "a closing '/' for this pattern",
                self.end_name,
            )),
        }
    }

    /// Words for a token in an error's `found`.
    pub fn describe(&self, t: &Token<'_>) -> String {
        match t.tok {
            Tok::Word(w) => format!("'{}'", shorten(w)),
            Tok::Quoted(q) => format!("quoted '{}'", shorten(q)),
            Tok::Unterminated => format!(
                "an unterminated quote (no closing ' before {})",
                self.end_name
            ),
            Tok::LBrace => "'{'".into(),
            Tok::RBrace => "'}'".into(),
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::Comma => "','".into(),
            Tok::Colon => "':'".into(),
            Tok::Slash => "'/'".into(),
            Tok::Eq => "'='".into(),
            Tok::Ne => "'!='".into(),
            Tok::Other('"') => "'\"' (quote names and values with single quotes)".into(),
            Tok::Other(c) if c.is_control() => format!("control character U+{:04X}", c as u32),
            Tok::Other(c) => format!("'{c}'"),
            Tok::End => self.end_name.into(),
        }
    }

    pub fn error(&self, t: &Token<'_>, expected: impl Into<String>) -> ParseError {
        ParseError::at(self.src, t.start, expected, self.describe(t))
    }
}

/// Long words are cut in messages so an error stays one readable line.
fn shorten(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// `true` when `w` is the keyword `kw`, ignoring ASCII case.
pub(crate) fn is_kw(t: &Tok<'_>, kw: &str) -> bool {
    matches!(t, Tok::Word(w) if w.eq_ignore_ascii_case(kw))
}
