//! How IAM rewrites a policy statement before storing it, as users of the real service report
//! (official-provider.md §4 items 1–2, issues #230 and #371). The emulator applies exactly these
//! rules, so a client that compares the text it wrote with the text it reads back sees the same
//! "perpetual diff" it would see against OCI (the list is repeated in the emulator README):
//!
//! 1. Whitespace outside quotes — runs of spaces, tabs and line breaks — becomes one space, and
//!    leading and trailing whitespace is removed (#230: whitespace around `where` clauses).
//! 2. `=` and `!=` outside quotes get exactly one space on each side.
//! 3. `{` gets one space before it when it follows a word (`any{` → `any {`) and none after it;
//!    `}` and `,` get no space before them; `,` gets one space after it.
//! 4. A `/pattern/` value loses the spaces just inside its slashes (#371).
//! 5. The compartment name after `in compartment` / `on compartment` (not `compartment id`) is
//!    lower-cased, including `parent:child` paths and quoted names (#371).
//!
//! Keyword case, group and dynamic-group names, quoted values and OCIDs are kept as written.
//! Every rule keeps the statement's meaning (its `oci_policy` canonical form); a statement the
//! rewriter cannot tokenise, or whose rewrite would change its meaning, is stored unchanged.

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Pattern(String),
    Open,
    Close,
    Comma,
    Op(&'static str),
}

fn tokens(text: &str) -> Option<Vec<Tok>> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let after_op = matches!(out.last(), Some(Tok::Op(_)));
        match c {
            c if c.is_whitespace() => i += 1,
            '\'' => {
                let end = (i + 1..chars.len()).find(|&j| chars[j] == '\'')?;
                out.push(Tok::Quoted(chars[i + 1..end].iter().collect()));
                i = end + 1;
            }
            '/' if after_op => {
                let end = (i + 1..chars.len()).find(|&j| chars[j] == '/')?;
                let body: String = chars[i + 1..end].iter().collect();
                out.push(Tok::Pattern(body.trim().to_string()));
                i = end + 1;
            }
            '{' => {
                out.push(Tok::Open);
                i += 1;
            }
            '}' => {
                out.push(Tok::Close);
                i += 1;
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            '=' => {
                out.push(Tok::Op("="));
                i += 1;
            }
            '!' if chars.get(i + 1) == Some(&'=') => {
                out.push(Tok::Op("!="));
                i += 2;
            }
            _ => {
                let start = i;
                while i < chars.len() {
                    let d = chars[i];
                    if d.is_whitespace()
                        || matches!(d, '\'' | '{' | '}' | ',' | '=')
                        || (d == '!' && chars.get(i + 1) == Some(&'='))
                    {
                        break;
                    }
                    i += 1;
                }
                out.push(Tok::Word(chars[start..i].iter().collect()));
            }
        }
    }
    Some(out)
}

/// Rule 5: lower-cases the compartment name token after `in|on compartment`.
fn lower_compartment_names(toks: &mut [Tok]) {
    for i in 2..toks.len() {
        let (Tok::Word(a), Tok::Word(b)) = (&toks[i - 2], &toks[i - 1]) else {
            continue;
        };
        let at_compartment = (a.eq_ignore_ascii_case("in") || a.eq_ignore_ascii_case("on"))
            && b.eq_ignore_ascii_case("compartment");
        if !at_compartment {
            continue;
        }
        match &mut toks[i] {
            Tok::Word(w) if !w.eq_ignore_ascii_case("id") => *w = w.to_lowercase(),
            Tok::Quoted(q) => *q = q.to_lowercase(),
            _ => {}
        }
    }
}

fn render(toks: &[Tok]) -> String {
    let mut out = String::new();
    let mut prev: Option<&Tok> = None;
    for t in toks {
        let space_before = match (prev, t) {
            (None, _) => false,
            (_, Tok::Close | Tok::Comma) => false,
            (Some(Tok::Open), _) => false,
            (_, Tok::Op(_)) | (Some(Tok::Op(_)), _) => true,
            (Some(Tok::Comma), _) => true,
            _ => true,
        };
        if space_before {
            out.push(' ');
        }
        match t {
            Tok::Word(w) => out.push_str(w),
            Tok::Quoted(q) => {
                out.push('\'');
                out.push_str(q);
                out.push('\'');
            }
            Tok::Pattern(p) => {
                out.push('/');
                out.push_str(p);
                out.push('/');
            }
            Tok::Open => out.push('{'),
            Tok::Close => out.push('}'),
            Tok::Comma => out.push(','),
            Tok::Op(o) => out.push_str(o),
        }
        prev = Some(t);
    }
    out
}

/// The statement as the service stores it (see the module docs).
pub fn rewrite_statement(text: &str) -> String {
    let Some(mut toks) = tokens(text) else {
        return text.to_string();
    };
    lower_compartment_names(&mut toks);
    let rewritten = render(&toks);
    if oci_policy::statements_equivalent(text, &rewritten) {
        rewritten
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_as_the_service_does() {
        let cases = [
            (
                "Allow group Admins to manage buckets in compartment LabData",
                "Allow group Admins to manage buckets in compartment labdata",
            ),
            (
                "Allow  any-user\n   to read objects in tenancy\twhere target.bucket.name='lab-input'",
                "Allow any-user to read objects in tenancy where target.bucket.name = 'lab-input'",
            ),
            (
                "allow group Admins to { OBJECT_READ ,OBJECT_CREATE } in compartment 'Lab:Sub'",
                "allow group Admins to {OBJECT_READ, OBJECT_CREATE} in compartment 'lab:sub'",
            ),
            (
                "Allow group A to read objects in compartment id ocid1.compartment.oc1..AAAA where any{target.bucket.name!='x',target.object.name=/ abc* /}",
                "Allow group A to read objects in compartment id ocid1.compartment.oc1..AAAA where any {target.bucket.name != 'x', target.object.name = /abc*/}",
            ),
        ];
        for (input, expected) in cases {
            let got = rewrite_statement(input);
            assert_eq!(got, expected);
            assert!(oci_policy::statements_equivalent(input, &got), "{input}");
            assert_eq!(rewrite_statement(&got), got, "idempotent");
        }
    }

    #[test]
    fn leaves_untokenisable_text_alone() {
        assert_eq!(rewrite_statement("Allow 'open"), "Allow 'open");
    }
}
