//! Policy statements: `Allow`, `Endorse`, `Admit`, `Define` (oci-api.md §5.4).

use crate::Limits;
use crate::condition::{Condition, Mode, Parser};
use crate::error::ParseError;
use crate::scan::{Scanner, Tok, Token, is_kw, is_word_char};

/// One parsed policy statement. Two statements are equal exactly when their canonical texts are.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Statement {
    pub kind: StatementKind,
}

/// The four statement forms.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StatementKind {
    /// `Allow <subject> to <access> in <location> [where <condition>]`.
    Allow(Grant),
    /// `Endorse <subject> to <access> in tenancy <alias> | in any-tenancy [where …]`: lets this
    /// tenancy's subject act in another tenancy.
    Endorse(Grant),
    /// `Admit <subject> of tenancy <alias> | of any-tenancy to <access> in <location> [where …]`:
    /// lets another tenancy's subject act here.
    Admit {
        /// The other tenancy the subject belongs to.
        of: TenancyRef,
        grant: Grant,
    },
    /// `Define tenancy | group | dynamic-group <alias> as <ocid>`.
    Define {
        what: DefineKind,
        /// Kept as written.
        alias: String,
        ocid: String,
    },
}

/// What a `Define` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DefineKind {
    Tenancy,
    Group,
    DynamicGroup,
}

/// The part `Allow`, `Endorse` and `Admit` share.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Grant {
    pub subject: Subject,
    pub access: Access,
    pub location: Location,
    pub condition: Option<Condition>,
}

/// Who a statement is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    AnyUser,
    AnyGroup,
    /// `group A, 'B c', 'Domain'/'D', id ocid1.group…` (never empty).
    Groups(Vec<PrincipalRef>),
    /// `dynamic-group …`, same list syntax (never empty).
    DynamicGroups(Vec<PrincipalRef>),
    /// `service objectstorage-us-phoenix-1, blockstorage` (never empty; names as written).
    Services(Vec<String>),
}

/// A group or dynamic group, by name or by OCID.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PrincipalRef {
    Name(Name),
    Id(String),
}

/// A possibly identity-domain-qualified name, `'Domain'/'Name'`. Case is kept (see the crate
/// docs for why).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Name {
    pub domain: Option<String>,
    pub name: String,
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.domain {
            Some(d) => write!(f, "{d}/{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// A verb with a resource type, or an explicit permission set.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Access {
    /// `manage objects`; the resource type is lower-cased.
    Verb { verb: Verb, resource_type: String },
    /// `{OBJECT_READ, OBJECT_CREATE}` in the order written; upper-cased.
    Permissions(Vec<String>),
}

/// The four verbs, in increasing order of access (`Ord` follows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verb {
    Inspect,
    Read,
    Use,
    Manage,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Inspect => "inspect",
            Verb::Read => "read",
            Verb::Use => "use",
            Verb::Manage => "manage",
        }
    }
}

/// Where a grant applies.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Location {
    /// `in tenancy` (Allow, Admit).
    Tenancy,
    /// `in tenancy <alias>` (Endorse).
    OtherTenancy(TenancyRef),
    /// `in compartment <path>` or the older `on compartment <path>`.
    Compartment {
        target: CompartmentRef,
        /// `true` for the older `on compartment` wording. The service stores it unchanged, so it
        /// is kept and shown rather than silently turned into `in`.
        older_on: bool,
    },
}

/// Another tenancy, by the alias a `Define tenancy` gave it, or any.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TenancyRef {
    Alias(String),
    Any,
}

/// A compartment by OCID or by a `:`-separated path of names (lower-cased, issue #371).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CompartmentRef {
    Id(String),
    Path(Vec<String>),
}

/// Words that would be misread as syntax in a name's place; the canonical form quotes them.
const RESERVED: &[&str] = &[
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
];

/// A name in canonical form: bare when it is a plain word that cannot be read as syntax,
/// otherwise single-quoted.
pub(crate) fn push_name(out: &mut String, name: &str) {
    let bare = !name.is_empty()
        && name.chars().all(is_word_char)
        && !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(name));
    if bare {
        out.push_str(name);
    } else {
        out.push('\'');
        out.push_str(name);
        out.push('\'');
    }
}

pub(crate) fn parse(text: &str, limits: &Limits) -> Result<Statement, ParseError> {
    crate::check_len(text, limits)?;
    let mut p = Parser {
        sc: Scanner::new(text, "end of statement"),
        max_depth: limits.effective_depth(),
    };
    let first = p.sc.next();
    let kind = if is_kw(&first.tok, "allow") {
        StatementKind::Allow(grant(&mut p, Action::Allow)?)
    } else if is_kw(&first.tok, "endorse") {
        StatementKind::Endorse(grant(&mut p, Action::Endorse)?)
    } else if is_kw(&first.tok, "admit") {
        // `grant` reads `of tenancy …` between subject and `to` for Admit.
        let mut of = None;
        let g = grant_with(&mut p, Action::Admit, &mut of)?;
        StatementKind::Admit {
            of: of.unwrap_or(TenancyRef::Any),
            grant: g,
        }
    } else if is_kw(&first.tok, "define") {
        define(&mut p)?
    } else {
        return Err(p.sc.error(
            &first,
            "a statement starting with 'allow', 'endorse', 'admit' or 'define'",
        ));
    };
    let end = p.sc.next();
    if end.tok != Tok::End {
        let expected = match &kind {
            StatementKind::Define { .. } => "end of statement",
            _ => "end of statement (several conditions are joined with any {…} or all {…})",
        };
        return Err(p.sc.error(&end, expected));
    }
    Ok(Statement { kind })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Allow,
    Endorse,
    Admit,
}

fn grant(p: &mut Parser<'_>, action: Action) -> Result<Grant, ParseError> {
    let mut of = None;
    grant_with(p, action, &mut of)
}

fn grant_with(
    p: &mut Parser<'_>,
    action: Action,
    of: &mut Option<TenancyRef>,
) -> Result<Grant, ParseError> {
    let subject = subject(p)?;
    let list_continues = matches!(
        subject,
        Subject::Groups(_) | Subject::DynamicGroups(_) | Subject::Services(_)
    );
    if action == Action::Admit {
        let t = p.sc.next();
        if !is_kw(&t.tok, "of") {
            let expected = if list_continues {
                "',' or 'of'"
            } else {
                "'of'"
            };
            return Err(p.sc.error(&t, expected));
        }
        *of = Some(tenancy_ref(
            p,
            "'tenancy <alias>' or 'any-tenancy' after 'of'",
        )?);
    }
    let to = p.sc.next();
    if !is_kw(&to.tok, "to") {
        let expected = if list_continues && action != Action::Admit {
            "',' or 'to'"
        } else {
            "'to'"
        };
        return Err(p.sc.error(&to, expected));
    }
    let access = access(p)?;
    let location = location(p, action)?;
    let next = p.sc.peek();
    let condition = if is_kw(&next.tok, "where") {
        p.sc.next();
        Some(p.condition(Mode::Where, 0)?)
    } else if next.tok == Tok::End {
        None
    } else {
        return Err(p.sc.error(&next, "'where' or end of statement"));
    };
    Ok(Grant {
        subject,
        access,
        location,
        condition,
    })
}

/// `tenancy <alias>` or `any-tenancy`.
fn tenancy_ref(p: &mut Parser<'_>, expected: &str) -> Result<TenancyRef, ParseError> {
    let t = p.sc.next();
    if is_kw(&t.tok, "any-tenancy") {
        return Ok(TenancyRef::Any);
    }
    if !is_kw(&t.tok, "tenancy") {
        return Err(p.sc.error(&t, expected));
    }
    Ok(TenancyRef::Alias(name_part(p, "a tenancy alias")?))
}

fn subject(p: &mut Parser<'_>) -> Result<Subject, ParseError> {
    let t = p.sc.next();
    let Tok::Word(w) = t.tok else {
        return Err(p.sc.error(&t, SUBJECT));
    };
    match w.to_ascii_lowercase().as_str() {
        "any-user" => Ok(Subject::AnyUser),
        "any-group" => Ok(Subject::AnyGroup),
        "group" => Ok(Subject::Groups(principal_list(p, "group")?)),
        "dynamic-group" => Ok(Subject::DynamicGroups(principal_list(p, "dynamic group")?)),
        "service" => {
            let mut names = vec![name_part(p, "a service name")?];
            while p.sc.peek().tok == Tok::Comma {
                p.sc.next();
                names.push(name_part(p, "a service name")?);
            }
            Ok(Subject::Services(names))
        }
        _ => Err(p.sc.error(&t, SUBJECT)),
    }
}

const SUBJECT: &str = "a subject (group, dynamic-group, service, any-user or any-group)";

fn principal_list(p: &mut Parser<'_>, what: &str) -> Result<Vec<PrincipalRef>, ParseError> {
    let mut items = Vec::new();
    loop {
        let t = p.sc.peek();
        if is_kw(&t.tok, "id") {
            p.sc.next();
            items.push(PrincipalRef::Id(ocid(
                p,
                &format!("the {what}'s OCID after 'id'"),
            )?));
        } else {
            let expected = format!("a {what} name or 'id <ocid>'");
            let first = name_part(p, &expected)?;
            let name = if p.sc.peek().tok == Tok::Slash {
                p.sc.next();
                Name {
                    domain: Some(first),
                    name: name_part(p, &format!("a {what} name after the identity domain's '/'"))?,
                }
            } else {
                Name {
                    domain: None,
                    name: first,
                }
            };
            items.push(PrincipalRef::Name(name));
        }
        if p.sc.peek().tok != Tok::Comma {
            return Ok(items);
        }
        p.sc.next();
    }
}

/// A bare word or a quoted name (non-empty). A bare `to` is refused so `allow group to manage …`
/// (a forgotten name) is reported at the name, not two words later.
fn name_part(p: &mut Parser<'_>, expected: &str) -> Result<String, ParseError> {
    let t = p.sc.next();
    match t.tok {
        Tok::Word(w) if !w.eq_ignore_ascii_case("to") => Ok(w.to_string()),
        Tok::Quoted(q) if !q.is_empty() => Ok(q.to_string()),
        Tok::Unterminated => Err(unterminated(p, &t)),
        _ => Err(p.sc.error(&t, expected)),
    }
}

fn unterminated(p: &Parser<'_>, t: &Token<'_>) -> ParseError {
    ParseError::at(
        p.sc.src,
        t.start,
        "a closing ' for this quote",
        "end of statement",
    )
}

/// An OCID, bare or quoted; kept as written.
fn ocid(p: &mut Parser<'_>, expected: &str) -> Result<String, ParseError> {
    let t = p.sc.next();
    match t.tok {
        Tok::Word(w) | Tok::Quoted(w) if is_ocid(w) => Ok(w.to_string()),
        _ => Err(p.sc.error(
            &t,
            format!("{expected} (ocid1.<type>.<realm>.[region].<unique>)"),
        )),
    }
}

/// The OCID shape (oci-api.md §5.1): `ocid1.<type>.<realm>.[region][.future].<unique>`, the
/// type letters and digits, the realm `oc…`, the unique part letters, digits, `-` or `_`.
pub fn is_ocid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    let alnum = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric());
    parts.len() >= 5
        && parts[0].eq_ignore_ascii_case("ocid1")
        && alnum(parts[1])
        && parts[2].len() > 2
        && parts[2][..2].eq_ignore_ascii_case("oc")
        && alnum(parts[2])
        && parts[3..parts.len() - 1]
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && parts.last().is_some_and(|u| {
            !u.is_empty()
                && u.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

fn access(p: &mut Parser<'_>) -> Result<Access, ParseError> {
    let t = p.sc.next();
    if t.tok == Tok::LBrace {
        let mut perms = Vec::new();
        loop {
            let perm = p.sc.next();
            match perm.tok {
                Tok::Word(w) if w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                    perms.push(w.to_ascii_uppercase());
                }
                _ => {
                    return Err(p.sc.error(&perm, "a permission name such as OBJECT_READ"));
                }
            }
            let sep = p.sc.next();
            match sep.tok {
                Tok::Comma => continue,
                Tok::RBrace => return Ok(Access::Permissions(perms)),
                _ => return Err(p.sc.error(&sep, "',' or '}'")),
            }
        }
    }
    let verb = match t.tok {
        Tok::Word(w) => match w.to_ascii_lowercase().as_str() {
            "inspect" => Some(Verb::Inspect),
            "read" => Some(Verb::Read),
            "use" => Some(Verb::Use),
            "manage" => Some(Verb::Manage),
            _ => None,
        },
        _ => None,
    };
    let Some(verb) = verb else {
        return Err(p.sc.error(
            &t,
            "a verb (inspect, read, use, manage) or '{' starting a permission list",
        ));
    };
    let rt = p.sc.next();
    match rt.tok {
        Tok::Word(w)
            if !w.eq_ignore_ascii_case("in")
                && !w.eq_ignore_ascii_case("on")
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
        {
            Ok(Access::Verb {
                verb,
                resource_type: w.to_ascii_lowercase(),
            })
        }
        _ => Err(p.sc.error(
            &rt,
            "a resource type or family (such as objects, object-family, all-resources)",
        )),
    }
}

fn location(p: &mut Parser<'_>, action: Action) -> Result<Location, ParseError> {
    let t = p.sc.next();
    let older_on = is_kw(&t.tok, "on");
    if !older_on && !is_kw(&t.tok, "in") {
        return Err(p.sc.error(&t, "'in' followed by tenancy or compartment"));
    }
    if action == Action::Endorse && older_on {
        return Err(p.sc.error(
            &t,
            "'in' (an endorsement is 'in tenancy <alias>' or 'in any-tenancy')",
        ));
    }
    let w = p.sc.next();
    if action == Action::Endorse {
        if is_kw(&w.tok, "any-tenancy") {
            return Ok(Location::OtherTenancy(TenancyRef::Any));
        }
        if is_kw(&w.tok, "tenancy") {
            return Ok(Location::OtherTenancy(TenancyRef::Alias(name_part(
                p,
                "the endorsed tenancy's alias after 'in tenancy'",
            )?)));
        }
        return Err(p.sc.error(&w, "'tenancy <alias>' or 'any-tenancy'"));
    }
    if is_kw(&w.tok, "tenancy") && !older_on {
        return Ok(Location::Tenancy);
    }
    if !is_kw(&w.tok, "compartment") {
        let expected = if older_on {
            "'compartment' after 'on'"
        } else {
            "'tenancy' or 'compartment'"
        };
        return Err(p.sc.error(&w, expected));
    }
    let next = p.sc.peek();
    let target = if is_kw(&next.tok, "id") {
        p.sc.next();
        CompartmentRef::Id(ocid(p, "a compartment OCID after 'compartment id'")?)
    } else {
        let mut path = vec![compartment_name(p)?];
        while p.sc.peek().tok == Tok::Colon {
            p.sc.next();
            path.push(compartment_name(p)?);
        }
        CompartmentRef::Path(path)
    };
    Ok(Location::Compartment { target, older_on })
}

fn compartment_name(p: &mut Parser<'_>) -> Result<String, ParseError> {
    let t = p.sc.next();
    match t.tok {
        Tok::Word(w) if !w.eq_ignore_ascii_case("where") => Ok(w.to_lowercase()),
        Tok::Quoted(q) if !q.is_empty() => Ok(q.to_lowercase()),
        Tok::Unterminated => Err(unterminated(p, &t)),
        _ => Err(p
            .sc
            .error(&t, "a compartment name, a path a:b, or 'id <ocid>'")),
    }
}

fn define(p: &mut Parser<'_>) -> Result<StatementKind, ParseError> {
    let t = p.sc.next();
    let what = if is_kw(&t.tok, "tenancy") {
        DefineKind::Tenancy
    } else if is_kw(&t.tok, "group") {
        DefineKind::Group
    } else if is_kw(&t.tok, "dynamic-group") {
        DefineKind::DynamicGroup
    } else {
        return Err(p
            .sc
            .error(&t, "'tenancy', 'group' or 'dynamic-group' after 'define'"));
    };
    let alias = name_part(p, "an alias")?;
    let as_kw = p.sc.next();
    if !is_kw(&as_kw.tok, "as") {
        return Err(p.sc.error(&as_kw, "'as'"));
    }
    let ocid = ocid(p, "an OCID after 'as'")?;
    Ok(StatementKind::Define { what, alias, ocid })
}

impl Statement {
    /// The canonical text: lower-case keywords, verbs and resource types; upper-case
    /// permissions; lower-case variables and compartment names; single spaces; names quoted only
    /// when they need it; `a = 'v'` with spaces. Parsing it gives back an equal `Statement`, and
    /// canonicalising it again gives the same text. See the crate docs for the full rules.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        match &self.kind {
            StatementKind::Allow(g) => {
                out.push_str("allow ");
                write_grant(&mut out, g, None);
            }
            StatementKind::Endorse(g) => {
                out.push_str("endorse ");
                write_grant(&mut out, g, None);
            }
            StatementKind::Admit { of, grant } => {
                out.push_str("admit ");
                write_grant(&mut out, grant, Some(of));
            }
            StatementKind::Define { what, alias, ocid } => {
                out.push_str("define ");
                out.push_str(match what {
                    DefineKind::Tenancy => "tenancy ",
                    DefineKind::Group => "group ",
                    DefineKind::DynamicGroup => "dynamic-group ",
                });
                push_name(&mut out, alias);
                out.push_str(" as ");
                out.push_str(ocid);
            }
        }
        out
    }

    /// The grant of an `Allow`, `Endorse` or `Admit`; `None` for `Define`.
    pub fn grant(&self) -> Option<&Grant> {
        match &self.kind {
            StatementKind::Allow(g) | StatementKind::Endorse(g) => Some(g),
            StatementKind::Admit { grant, .. } => Some(grant),
            StatementKind::Define { .. } => None,
        }
    }

    /// Groups of this tenancy the subject names (not by OCID), as `Name` or `Domain/Name`.
    /// Empty for `Admit` (its groups are aliases for another tenancy's) and `Define`.
    pub fn subject_group_names(&self) -> Vec<String> {
        self.local_names(|s| match s {
            Subject::Groups(l) => Some(l),
            _ => None,
        })
    }

    /// Dynamic groups of this tenancy the subject names, like [`Self::subject_group_names`].
    pub fn subject_dynamic_group_names(&self) -> Vec<String> {
        self.local_names(|s| match s {
            Subject::DynamicGroups(l) => Some(l),
            _ => None,
        })
    }

    fn local_names(&self, pick: impl Fn(&Subject) -> Option<&Vec<PrincipalRef>>) -> Vec<String> {
        let subject = match &self.kind {
            StatementKind::Allow(g) | StatementKind::Endorse(g) => &g.subject,
            _ => return Vec::new(),
        };
        pick(subject)
            .into_iter()
            .flatten()
            .filter_map(|r| match r {
                PrincipalRef::Name(n) => Some(n.to_string()),
                PrincipalRef::Id(_) => None,
            })
            .collect()
    }
}

fn write_grant(out: &mut String, g: &Grant, admit_of: Option<&TenancyRef>) {
    match &g.subject {
        Subject::AnyUser => out.push_str("any-user"),
        Subject::AnyGroup => out.push_str("any-group"),
        Subject::Groups(l) => {
            out.push_str("group ");
            write_principals(out, l);
        }
        Subject::DynamicGroups(l) => {
            out.push_str("dynamic-group ");
            write_principals(out, l);
        }
        Subject::Services(l) => {
            out.push_str("service ");
            for (i, s) in l.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_name(out, s);
            }
        }
    }
    if let Some(of) = admit_of {
        out.push_str(" of ");
        write_tenancy(out, of);
    }
    out.push_str(" to ");
    match &g.access {
        Access::Verb {
            verb,
            resource_type,
        } => {
            out.push_str(verb.as_str());
            out.push(' ');
            out.push_str(resource_type);
        }
        Access::Permissions(perms) => {
            out.push('{');
            out.push_str(&perms.join(", "));
            out.push('}');
        }
    }
    match &g.location {
        Location::Tenancy => out.push_str(" in tenancy"),
        Location::OtherTenancy(t) => {
            out.push_str(" in ");
            write_tenancy(out, t);
        }
        Location::Compartment { target, older_on } => {
            out.push_str(if *older_on {
                " on compartment "
            } else {
                " in compartment "
            });
            match target {
                CompartmentRef::Id(id) => {
                    out.push_str("id ");
                    out.push_str(id);
                }
                CompartmentRef::Path(path) => {
                    for (i, c) in path.iter().enumerate() {
                        if i > 0 {
                            out.push(':');
                        }
                        push_name(out, c);
                    }
                }
            }
        }
    }
    if let Some(c) = &g.condition {
        out.push_str(" where ");
        c.write(out, false);
    }
}

fn write_tenancy(out: &mut String, t: &TenancyRef) {
    match t {
        TenancyRef::Any => out.push_str("any-tenancy"),
        TenancyRef::Alias(a) => {
            out.push_str("tenancy ");
            push_name(out, a);
        }
    }
}

fn write_principals(out: &mut String, l: &[PrincipalRef]) {
    for (i, r) in l.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        match r {
            PrincipalRef::Id(id) => {
                out.push_str("id ");
                out.push_str(id);
            }
            PrincipalRef::Name(n) => {
                // Domain-qualified names are written fully quoted, as Oracle's documentation
                // writes them: 'Domain'/'Name'.
                if let Some(d) = &n.domain {
                    out.push('\'');
                    out.push_str(d);
                    out.push_str("'/'");
                    out.push_str(&n.name);
                    out.push('\'');
                } else {
                    push_name(out, &n.name);
                }
            }
        }
    }
}
