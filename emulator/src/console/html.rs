//! HTML output in which nothing is interpolated unescaped.
//!
//! Every page is written through [`Html::put`] (the [`html!`] macro): a template that must be
//! a `&'static str` (markup we wrote) with `{}` holes, and arguments that implement [`Render`].
//! Strings, numbers and [`Href`]s render through [`escape`], the one escaping function; only a
//! [`Markup`] — itself produced by an `Html` — is inserted as it is. So a name, a log line or a
//! policy statement can only ever reach the page as text, and there is no way to write a
//! runtime string as markup short of leaking it to `'static` on purpose.
//!
//! Escaping `& < > " '` makes a value safe as element text and inside a quoted attribute, the
//! only two places templates put values. Pages carry no script and no `style` attribute (the
//! Content-Security-Policy forbids both), and every `href` is an [`Href`]: a console path built
//! from percent-encoded segments, never a URL taken from the data (no `javascript:` link can
//! be made).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::fmt::Write as _;

/// Append `s` to `out`, escaped for HTML text and quoted attribute values.
pub fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// A piece of HTML written by an [`Html`] (so everything in it was escaped).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Markup(String);

impl Markup {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

/// A value that can fill a hole of a template.
pub trait Render {
    fn render(&self, out: &mut String);
}

impl Render for str {
    fn render(&self, out: &mut String) {
        escape(self, out);
    }
}

impl Render for String {
    fn render(&self, out: &mut String) {
        escape(self, out);
    }
}

impl<T: Render + ?Sized> Render for &T {
    fn render(&self, out: &mut String) {
        (**self).render(out);
    }
}

impl<T: Render> Render for Option<T> {
    fn render(&self, out: &mut String) {
        if let Some(v) = self {
            v.render(out);
        }
    }
}

macro_rules! render_display {
    ($($t:ty),*) => {$(
        impl Render for $t {
            fn render(&self, out: &mut String) {
                // Numbers need no escaping; they go through `escape` anyway, like everything.
                escape(&self.to_string(), out);
            }
        }
    )*};
}
render_display!(i64, u64, usize, u16, u32, f64, bool);

impl Render for Markup {
    fn render(&self, out: &mut String) {
        out.push_str(&self.0);
    }
}

/// Builds a page or a fragment.
#[derive(Debug, Default)]
pub struct Html {
    out: String,
}

impl Html {
    pub fn new() -> Html {
        Html::default()
    }

    /// Write `template` with its `{}` holes filled, in order, by the escaped `args`.
    ///
    /// # Panics
    /// When the number of holes and arguments differ: a bug in a template, which every page
    /// test renders.
    pub fn put(&mut self, template: &'static str, args: &[&dyn Render]) {
        let mut parts = template.split("{}");
        let mut args = args.iter();
        if let Some(first) = parts.next() {
            self.out.push_str(first);
        }
        for part in parts {
            let arg = args
                .next()
                .unwrap_or_else(|| panic!("template has more holes than arguments: {template}"));
            arg.render(&mut self.out);
            self.out.push_str(part);
        }
        assert!(
            args.next().is_none(),
            "template has fewer holes than arguments: {template}"
        );
    }

    /// Write markup we wrote (a `'static` string: never data).
    pub fn raw(&mut self, markup: &'static str) {
        self.out.push_str(markup);
    }

    pub fn finish(self) -> Markup {
        Markup(self.out)
    }
}

/// `html!(w, "<td>{}</td>", value)`: [`Html::put`] with the arguments as `&dyn Render`.
macro_rules! html {
    ($w:expr, $template:literal $(, $arg:expr)* $(,)?) => {
        $w.put($template, &[$(&$arg as &dyn $crate::console::html::Render),*])
    };
}
pub(crate) use html;

/// Where the console lives: every [`Href`] starts here.
pub const ROOT: &str = "/_emulator/console";

/// Characters kept as they are in a path segment or query value; everything else is
/// percent-encoded (so `/`, `?`, `#`, `&`, `"`, `<` in a name stay inside their segment).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A link target inside the console: `/_emulator/console/<segments>?<query>`, each part
/// percent-encoded. The only kind of `href` pages write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Href(String);

impl Href {
    /// The console page at these path segments (`&[]` is the overview).
    pub fn console(segments: &[&str]) -> Href {
        let mut s = ROOT.to_owned();
        for seg in segments {
            s.push('/');
            s.extend(utf8_percent_encode(seg, SEGMENT));
        }
        Href(s)
    }

    /// The same target with `name=value` appended to its query.
    pub fn query(mut self, name: &'static str, value: &str) -> Href {
        let sep = if self.0.contains('?') { '&' } else { '?' };
        let _ = write!(
            self.0,
            "{sep}{name}={}",
            utf8_percent_encode(value, SEGMENT)
        );
        self
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Render for Href {
    fn render(&self, out: &mut String) {
        escape(&self.0, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(s: &str) -> String {
        let mut out = String::new();
        escape(s, &mut out);
        out
    }

    #[test]
    fn escape_covers_text_and_both_attribute_quotes() {
        assert_eq!(
            esc(r#"<script>alert('x')</script> & "q""#),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(esc("plain ünïcode"), "plain ünïcode");
    }

    #[test]
    fn templates_escape_every_argument_but_markup() {
        let mut inner = Html::new();
        html!(inner, "<b>{}</b>", "<i>");
        let inner = inner.finish();
        let mut w = Html::new();
        html!(
            w,
            "<a href=\"{}\">{}</a>{}{}",
            Href::console(&["buckets", "a/b?c"]).query("object", "x&y z"),
            "\"><img src=x onerror=alert(1)>",
            inner,
            42i64
        );
        assert_eq!(
            w.finish().as_str(),
            "<a href=\"/_emulator/console/buckets/a%2Fb%3Fc?object=x%26y%20z\">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</a><b>&lt;i&gt;</b>42"
        );
    }

    #[test]
    #[should_panic(expected = "more holes")]
    fn a_template_with_a_missing_argument_is_a_bug() {
        let mut w = Html::new();
        html!(w, "<td>{}</td><td>{}</td>", "one");
    }
}
