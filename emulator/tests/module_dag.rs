//! The emulator's modules form a DAG: no module imports a module that imports it back, and no
//! service reaches into another service's internals (its `store` above all).
//!
//! This reads `src/**/*.rs` (the library; `main.rs` is a separate crate), strips comments and
//! literals, and collects every path that starts with `crate::`, `super::`, `self::` or the
//! name of a child module: `use` trees (with `{..}` groups) and paths in expressions alike,
//! test modules included. Each path resolves to the deepest module it names, at file
//! granularity (an inline `mod tests` belongs to its file). Then:
//! * the file graph is acyclic;
//! * the graph of top-level modules (`state`, `services`, `middleware`, ...) is acyclic;
//! * a service imports from another service only that service's `api` module, and the
//!   console imports from the services only their `api` modules;
//! * the core leaves import nothing but other leaves.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Modules that must stay leaves: they may import only each other.
const LEAVES: &[&str] = &[
    "clock",
    "error",
    "ocid",
    "request",
    "headers",
    "paging",
    "extract",
    "faults",
    "lifecycle",
    "db",
];

type Module = Vec<String>;

fn name(m: &Module) -> String {
    if m.is_empty() {
        "crate".to_owned()
    } else {
        m.join("::")
    }
}

/// `src/a/b.rs` and `src/a/b/mod.rs` → `[a, b]`; `src/lib.rs` → `[]`.
fn module_of(src: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Path, // `::`
    Punct(char),
}

/// Tokens of Rust source with comments, strings and char literals removed.
fn tokenize(src: &str) -> Vec<Tok> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    while i < c.len() {
        let ch = c[i];
        if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if ch == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if (ch == 'r' || (ch == 'b' && at(i + 1) == 'r'))
            && !at(i.wrapping_sub(1)).is_alphanumeric()
            && {
                let mut j = i + if ch == 'b' { 2 } else { 1 };
                while at(j) == '#' {
                    j += 1;
                }
                at(j) == '"'
            }
        {
            // Raw string: r"..", r#".."#, br#".."#.
            let mut j = i + if ch == 'b' { 2 } else { 1 };
            let mut hashes = 0;
            while at(j) == '#' {
                hashes += 1;
                j += 1;
            }
            j += 1;
            loop {
                if j >= c.len() {
                    break;
                }
                if c[j] == '"' && (1..=hashes).all(|k| at(j + k) == '#') {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            i = j;
        } else if ch == '\'' {
            if at(i + 1) == '\\' {
                // Escaped char literal ('\n', '\'', '\u{..}'): skip the escape, then to the
                // closing quote.
                i += 3;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1; // a lifetime; its name follows as an identifier
            }
        } else if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            let mut word: String = c[start..i].iter().collect();
            if word == "r" && at(i) == '#' {
                // Raw identifier `r#gen`.
                i += 1;
                let s = i;
                while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                    i += 1;
                }
                word = c[s..i].iter().collect();
            }
            out.push(Tok::Ident(word));
        } else if ch == ':' && at(i + 1) == ':' {
            out.push(Tok::Path);
            i += 2;
        } else {
            if !ch.is_whitespace() {
                out.push(Tok::Punct(ch));
            }
            i += 1;
        }
    }
    out
}

/// Expand the use tree starting at `toks[*i]` into full paths, advancing `*i` past it.
fn use_tree(toks: &[Tok], i: &mut usize, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let mut path = prefix.to_vec();
    if toks.get(*i) == Some(&Tok::Path) {
        *i += 1;
    }
    loop {
        match toks.get(*i) {
            Some(Tok::Ident(w)) => {
                path.push(w.clone());
                *i += 1;
                match toks.get(*i) {
                    Some(Tok::Path) => *i += 1,
                    Some(Tok::Ident(a)) if a == "as" => {
                        *i += 2;
                        out.push(path);
                        return;
                    }
                    _ => {
                        out.push(path);
                        return;
                    }
                }
            }
            Some(Tok::Punct('{')) => {
                *i += 1;
                while toks.get(*i).is_some_and(|t| *t != Tok::Punct('}')) {
                    use_tree(toks, i, &path, out);
                    if toks.get(*i) == Some(&Tok::Punct(',')) {
                        *i += 1;
                    }
                }
                *i += 1;
                return;
            }
            Some(Tok::Punct('*')) => {
                *i += 1;
                out.push(path);
                return;
            }
            _ => {
                out.push(path);
                return;
            }
        }
    }
}

/// Every module-relative path in a file, each with the (inline) module it appears in.
fn paths_in(file_module: &Module, toks: &[Tok]) -> Vec<(Module, Vec<String>)> {
    let mut out = Vec::new();
    // Inline `mod x { .. }` blocks: (name, brace depth at which it closes).
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    let current = |inline: &Vec<(String, usize)>| {
        let mut m = file_module.clone();
        m.extend(inline.iter().map(|(n, _)| n.clone()));
        m
    };
    while i < toks.len() {
        match &toks[i] {
            Tok::Punct('{') => {
                depth += 1;
                i += 1;
            }
            Tok::Punct('}') => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
            }
            Tok::Ident(w) if w == "mod" => {
                if let (Some(Tok::Ident(n)), Some(Tok::Punct('{'))) =
                    (toks.get(i + 1), toks.get(i + 2))
                {
                    inline.push((n.clone(), depth + 1));
                }
                i += 2;
            }
            Tok::Ident(w) if w == "use" => {
                i += 1;
                let mut trees = Vec::new();
                use_tree(toks, &mut i, &[], &mut trees);
                let here = current(&inline);
                out.extend(trees.into_iter().map(|p| (here.clone(), p)));
            }
            Tok::Ident(w) if toks.get(i + 1) == Some(&Tok::Path) => {
                let preceded_by_path = i > 0 && toks[i - 1] == Tok::Path;
                let mut path = vec![w.clone()];
                let mut j = i + 1;
                while toks.get(j) == Some(&Tok::Path) {
                    match toks.get(j + 1) {
                        Some(Tok::Ident(n)) => path.push(n.clone()),
                        _ => break,
                    }
                    j += 2;
                }
                if !preceded_by_path {
                    out.push((current(&inline), path));
                }
                i = j;
            }
            _ => i += 1,
        }
    }
    out
}

/// Child modules declared in a file (`mod x;` and inline `mod x {`), relative to the file.
fn declared_children(toks: &[Tok]) -> BTreeSet<String> {
    toks.windows(2)
        .filter_map(|w| match w {
            [Tok::Ident(m), Tok::Ident(n)] if m == "mod" => Some(n.clone()),
            _ => None,
        })
        .collect()
}

struct Graph {
    files: BTreeSet<Module>,
    edges: BTreeMap<Module, BTreeSet<Module>>,
}

fn build() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.retain(|f| f.file_name().is_some_and(|n| n != "main.rs"));
    let parsed: Vec<(Module, Vec<Tok>)> = files
        .iter()
        .map(|f| {
            (
                module_of(&src, f),
                tokenize(&std::fs::read_to_string(f).unwrap()),
            )
        })
        .collect();
    let modules: BTreeSet<Module> = parsed.iter().map(|(m, _)| m.clone()).collect();
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (file_module, toks) in &parsed {
        let children = declared_children(toks);
        for (here, path) in paths_in(file_module, toks) {
            let mut segs = path.iter();
            let first = segs.next().unwrap();
            let mut base: Module = match first.as_str() {
                "crate" => Vec::new(),
                "self" => here.clone(),
                "super" => {
                    let mut m = here.clone();
                    m.pop();
                    m
                }
                child if children.contains(child) => {
                    let mut m = here.clone();
                    m.push(child.to_owned());
                    m
                }
                _ => continue, // an external crate, std, or a local item
            };
            for s in segs {
                match s.as_str() {
                    "super" => {
                        base.pop();
                    }
                    "self" => {}
                    other => base.push(other.to_owned()),
                }
            }
            // The deepest file module the path names (inline modules belong to their file).
            while !modules.contains(&base) {
                base.pop();
            }
            if base != *file_module {
                edges.entry(file_module.clone()).or_default().insert(base);
            }
        }
    }
    Graph {
        files: modules,
        edges,
    }
}

/// A cycle in `edges`, as a list of nodes, if there is one.
fn find_cycle<N: Ord + Clone>(
    nodes: &BTreeSet<N>,
    edges: &BTreeMap<N, BTreeSet<N>>,
) -> Option<Vec<N>> {
    fn visit<N: Ord + Clone>(
        n: &N,
        edges: &BTreeMap<N, BTreeSet<N>>,
        state: &mut BTreeMap<N, u8>,
        stack: &mut Vec<N>,
    ) -> Option<Vec<N>> {
        state.insert(n.clone(), 1);
        stack.push(n.clone());
        for m in edges.get(n).into_iter().flatten() {
            match state.get(m).copied().unwrap_or(0) {
                1 => {
                    let start = stack.iter().position(|x| x == m).unwrap();
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(m.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(m, edges, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.clone(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in nodes {
        if !state.contains_key(n)
            && let Some(c) = visit(n, edges, &mut state, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

fn top(m: &Module) -> String {
    m.first().cloned().unwrap_or_else(|| "crate".to_owned())
}

#[test]
fn file_modules_import_without_cycles() {
    let g = build();
    assert!(g.files.len() > 30, "found only {} modules", g.files.len());
    // The scan sees real edges (a broken parser would find none and pass vacuously).
    let services_dataflow_store: Module =
        vec!["services".into(), "dataflow".into(), "store".into()];
    assert!(g.edges[&services_dataflow_store].contains(&vec!["state".to_owned()]));
    if let Some(cycle) = find_cycle(&g.files, &g.edges) {
        let names: Vec<String> = cycle.iter().map(name).collect();
        panic!("module import cycle: {}", names.join(" -> "));
    }
}

#[test]
fn top_level_modules_import_without_cycles() {
    let g = build();
    let nodes: BTreeSet<String> = g.files.iter().map(top).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, tos) in &g.edges {
        for to in tos {
            if top(from) != top(to) {
                edges.entry(top(from)).or_default().insert(top(to));
            }
        }
    }
    assert!(edges["services"].contains("state"));
    if let Some(cycle) = find_cycle(&nodes, &edges) {
        panic!("top-level import cycle: {}", cycle.join(" -> "));
    }
    for core in ["state", "service", "middleware"] {
        assert!(
            !edges.get(core).is_some_and(|e| e.contains("services")),
            "{core} must not import services; app() hands it what it needs"
        );
    }
}

#[test]
fn services_use_only_each_others_api() {
    let g = build();
    let service = |m: &Module| (m.len() >= 2 && m[0] == "services").then(|| m[1].clone());
    let mut cross = 0;
    for (from, tos) in &g.edges {
        let Some(a) = service(from) else { continue };
        for to in tos {
            match service(to) {
                Some(b) if b != a => {
                    cross += 1;
                    assert_eq!(
                        to[2..],
                        ["api".to_owned()],
                        "{} imports {}: a service may use another only through its api.rs",
                        name(from),
                        name(to)
                    );
                }
                _ => {}
            }
        }
    }
    // Data Flow does use Object Storage (run inputs and outputs), through its api.
    assert!(
        cross > 0,
        "no cross-service import found; the scan is broken"
    );
}

/// The console shows what the API serves, so it reads the services only through the `api`
/// each offers the others (no store of its own, no reach into a service's store).
#[test]
fn the_console_reads_services_only_through_their_api() {
    let g = build();
    let mut reads = 0;
    for (from, tos) in &g.edges {
        if from.first().map(String::as_str) != Some("console") {
            continue;
        }
        for to in tos {
            if to.first().map(String::as_str) == Some("services") {
                reads += 1;
                assert!(
                    to.len() == 3 && to[2] == "api",
                    "{} imports {}: the console may read a service only through its api.rs",
                    name(from),
                    name(to)
                );
            }
        }
    }
    assert!(
        reads > 0,
        "no console import of a service found; the scan is broken"
    );
}

#[test]
fn core_leaves_import_only_leaves() {
    let g = build();
    for (from, tos) in &g.edges {
        if from.len() == 1 && LEAVES.contains(&from[0].as_str()) {
            for to in tos {
                assert!(
                    to.len() == 1 && LEAVES.contains(&to[0].as_str()),
                    "leaf module {} imports {}",
                    name(from),
                    name(to)
                );
            }
        }
    }
}

#[test]
fn the_scanner_reads_use_trees_and_skips_comments_and_strings() {
    let toks = tokenize(
        r##"
        // use crate::commented;
        /* use crate::block; */
        use crate::{a::{b, c as d}, e::*};
        use super::f;
        fn g() { let s = "crate::in_string"; let r = r#"crate::raw"#; let x = 'x'; let q = '\''; crate::h::i(); }
        mod tests { use super::*; }
        "##,
    );
    let paths: Vec<String> = paths_in(&vec!["m".to_owned()], &toks)
        .into_iter()
        .map(|(here, p)| format!("{}:{}", name(&here), p.join("::")))
        .collect();
    assert_eq!(
        paths,
        [
            "m:crate::a::b",
            "m:crate::a::c",
            "m:crate::e",
            "m:super::f",
            "m:crate::h::i",
            "m::tests:super",
        ]
    );
}
