//! Provider documentation in the Terraform Registry's layout, generated from what the provider
//! serves (its schemas and function signatures: the one source of names, types, flags and
//! descriptions) plus the HCL under its `examples/` directory:
//!
//! | Page | Example it embeds |
//! |---|---|
//! | `index.md` | `examples/provider/provider.tf` |
//! | `resources/<name>.md` | `examples/resources/<type>/resource.tf`, `import.sh` |
//! | `data-sources/<name>.md` | `examples/data-sources/<type>/data-source.tf` |
//! | `functions/<name>.md` | `examples/functions/<name>/function.tf` |
//!
//! `<name>` is the type name without the provider's prefix (`oci_objectstorage_bucket` →
//! `objectstorage_bucket.md`), as the Registry expects. An example that does not exist is left
//! out of its page. Pages are plain text, so a staleness test can compare them with the files.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::cty::{Type, Val};
use crate::function::Signature;
use crate::resource::Provider;
use crate::schema::{Attribute, Block, NestedBlock, Nesting, Schema};

/// Type names with their schemas, in registry order.
type Types = Vec<(String, Schema)>;

/// One generated page: `path` relative to the `docs/` directory, and its Markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub path: PathBuf,
    pub text: String,
}

/// Every page for `provider`, with examples read from `examples` (the `examples/` directory).
///
/// # Errors
/// When an example exists but cannot be read.
pub fn generate<P: Provider>(provider: &P, examples: &Path) -> std::io::Result<Vec<Page>> {
    let name = provider.type_name();
    let short = |type_name: &str| -> String {
        type_name
            .strip_prefix(&format!("{name}_"))
            .unwrap_or(type_name)
            .to_string()
    };
    let resources: Types = provider
        .resources()
        .iter()
        .map(|r| (r.type_name().to_string(), r.schema()))
        .collect();
    let data_sources: Types = provider
        .data_sources()
        .iter()
        .map(|d| (d.type_name().to_string(), d.schema()))
        .collect();
    let functions: Vec<(String, Signature)> = provider
        .functions()
        .iter()
        .map(|f| (f.name().to_string(), f.signature()))
        .collect();

    let mut pages = vec![Page {
        path: "index.md".into(),
        text: index(
            name,
            &provider.schema(),
            &read_example(&examples.join("provider/provider.tf"))?,
            [
                ("Resources", "resources", &resources),
                ("Data Sources", "data-sources", &data_sources),
            ],
            &functions,
            &short,
        ),
    }];
    for (type_name, schema) in &resources {
        let dir = examples.join("resources").join(type_name);
        pages.push(Page {
            path: PathBuf::from("resources").join(format!("{}.md", short(type_name))),
            text: type_page(
                name,
                type_name,
                "Resource",
                schema,
                &read_example(&dir.join("resource.tf"))?,
                &read_example(&dir.join("import.sh"))?,
            ),
        });
    }
    for (type_name, schema) in &data_sources {
        let dir = examples.join("data-sources").join(type_name);
        pages.push(Page {
            path: PathBuf::from("data-sources").join(format!("{}.md", short(type_name))),
            text: type_page(
                name,
                type_name,
                "Data Source",
                schema,
                &read_example(&dir.join("data-source.tf"))?,
                &None,
            ),
        });
    }
    for (fn_name, signature) in &functions {
        let example = read_example(&examples.join("functions").join(fn_name).join("function.tf"))?;
        pages.push(Page {
            path: PathBuf::from("functions").join(format!("{fn_name}.md")),
            text: function_page(name, fn_name, signature, &example),
        });
    }
    Ok(pages)
}

fn read_example(path: &Path) -> std::io::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text.replace("\r\n", "\n"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

const GENERATED: &str =
    "<!-- Generated from the provider's schemas and examples/; do not edit. -->";

fn front_matter(out: &mut String, title: &str, description: &str) {
    let _ = writeln!(
        out,
        "---\npage_title: \"{title}\"\nsubcategory: \"\"\ndescription: |-"
    );
    for line in description.trim().lines() {
        let _ = writeln!(out, "  {line}");
    }
    let _ = writeln!(out, "---\n\n{GENERATED}\n");
}

fn fenced(out: &mut String, heading: &str, lang: &str, text: &Option<String>) {
    if let Some(text) = text {
        let _ = writeln!(out, "## {heading}\n\n```{lang}\n{}\n```\n", text.trim_end());
    }
}

fn index(
    name: &str,
    schema: &Schema,
    example: &Option<String>,
    kinds: [(&str, &str, &Types); 2],
    functions: &[(String, Signature)],
    short: &dyn Fn(&str) -> String,
) -> String {
    let mut out = String::new();
    let description = non_empty(&schema.block.description, &format!("The {name} provider."));
    front_matter(&mut out, &format!("{name} Provider"), &description);
    let _ = writeln!(out, "# {name} Provider\n\n{description}\n");
    fenced(&mut out, "Example Usage", "terraform", example);
    for (title, dir, types) in kinds {
        if types.is_empty() {
            continue;
        }
        let _ = writeln!(out, "## {title}\n");
        for (type_name, schema) in types {
            let _ = writeln!(
                out,
                "- [`{type_name}`]({dir}/{}.md): {}",
                short(type_name),
                first_sentence(&schema.block.description)
            );
        }
        out.push('\n');
    }
    if !functions.is_empty() {
        let _ = writeln!(out, "## Functions\n");
        for (fn_name, signature) in functions {
            let _ = writeln!(
                out,
                "- [`provider::{name}::{fn_name}`](functions/{fn_name}.md): {}",
                signature.summary
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## Schema\n");
    block_schema(&mut out, &schema.block, "");
    finish(out)
}

fn type_page(
    provider: &str,
    type_name: &str,
    kind: &str,
    schema: &Schema,
    example: &Option<String>,
    import: &Option<String>,
) -> String {
    let mut out = String::new();
    let description = non_empty(&schema.block.description, type_name);
    front_matter(
        &mut out,
        &format!("{type_name} {kind} - {provider}"),
        &description,
    );
    let _ = writeln!(out, "# {type_name} ({kind})\n\n{description}\n");
    fenced(&mut out, "Example Usage", "terraform", example);
    let _ = writeln!(out, "## Schema\n");
    block_schema(&mut out, &schema.block, "");
    if import.is_some() {
        let _ = writeln!(
            out,
            "## Import\n\nImport is supported using the following syntax:\n"
        );
        let _ = writeln!(
            out,
            "```shell\n{}\n```\n",
            import.as_deref().unwrap_or_default().trim_end()
        );
    }
    finish(out)
}

fn function_page(
    provider: &str,
    fn_name: &str,
    signature: &Signature,
    example: &Option<String>,
) -> String {
    let mut out = String::new();
    front_matter(
        &mut out,
        &format!("{fn_name} function - {provider}"),
        &signature.summary,
    );
    let _ = writeln!(
        out,
        "# function: {fn_name}\n\n{}\n",
        non_empty(&signature.description, &signature.summary)
    );
    fenced(&mut out, "Example Usage", "terraform", example);
    let params: Vec<String> = signature
        .parameters
        .iter()
        .map(|p| format!("{} {}", p.name, hcl_type(&p.ty)))
        .collect();
    let _ = writeln!(
        out,
        "## Signature\n\n```text\nprovider::{provider}::{fn_name}({}) {}\n```\n",
        params.join(", "),
        hcl_type(&signature.returns)
    );
    if !signature.parameters.is_empty() {
        let _ = writeln!(out, "## Arguments\n");
        for (i, p) in signature.parameters.iter().enumerate() {
            let nullable = if p.allow_null { ", Nullable" } else { "" };
            let _ = writeln!(
                out,
                "{}. `{}` ({}{nullable}) {}",
                i + 1,
                p.name,
                type_label(&p.ty),
                p.description
            );
        }
        out.push('\n');
    }
    finish(out)
}

/// Required / Optional / Read-Only lists of a block, then one section per nested block.
fn block_schema(out: &mut String, block: &Block, anchor: &str) {
    let mut required = Vec::new();
    let mut optional = Vec::new();
    let mut read_only = Vec::new();
    for a in &block.attributes {
        let line = attribute_line(a);
        if a.required {
            required.push(line);
        } else if a.optional {
            optional.push(line);
        } else {
            read_only.push(line);
        }
    }
    for b in &block.blocks {
        let line = block_line(b, anchor);
        if b.min_items > 0 {
            required.push(line);
        } else {
            optional.push(line);
        }
    }
    // Top level: `### Required`; nested: `Required:` (the nested heading is already `###`).
    for (title, lines) in [
        ("Required", required),
        ("Optional", optional),
        ("Read-Only", read_only),
    ] {
        if lines.is_empty() {
            continue;
        }
        if anchor.is_empty() {
            let _ = writeln!(out, "### {title}\n");
        } else {
            let _ = writeln!(out, "{title}:\n");
        }
        for line in lines {
            let _ = writeln!(out, "{line}");
        }
        out.push('\n');
    }
    for b in &block.blocks {
        let id = format!("{anchor}--{}", b.name);
        let path = id.trim_start_matches("--").replace("--", ".");
        let _ = writeln!(
            out,
            "<a id=\"nestedblock{id}\"></a>\n### Nested Schema for `{path}`\n"
        );
        block_schema(out, &b.block, &id);
    }
}

fn attribute_line(a: &Attribute) -> String {
    let mut flags = type_label(&a.ty);
    if a.sensitive {
        flags.push_str(", Sensitive");
    }
    if a.write_only {
        flags.push_str(", Write-only");
    }
    if a.deprecated.is_some() {
        flags.push_str(", Deprecated");
    }
    let mut text = format!("- `{}` ({flags})", a.name);
    push_sentence(&mut text, &a.description);
    if let Some(d) = &a.deprecated {
        push_sentence(&mut text, &format!("Deprecated: {d}"));
    }
    if !a.validators.is_empty() {
        let rules: Vec<String> = a.validators.iter().map(|v| v.description()).collect();
        push_sentence(&mut text, &format!("Validation: {}", rules.join("; ")));
    }
    if let Some(default) = a.default.as_ref().filter(|d| **d != Val::Null) {
        push_sentence(
            &mut text,
            &format!("Defaults to `{}`", default.to_serde_json()),
        );
    }
    // Replacement is what a reader must know before changing an argument; the other plan
    // modifiers are implementation detail. The framework's description starts with this phrase.
    for m in &a.plan_modifiers {
        if let Some(when) = m.description().strip_prefix("requires replace") {
            push_sentence(
                &mut text,
                &format!("Changing it replaces the resource{when}"),
            );
        }
    }
    text
}

fn block_line(b: &NestedBlock, anchor: &str) -> String {
    let mut kind = match b.nesting {
        Nesting::List => "Block List".to_string(),
        Nesting::Set => "Block Set".to_string(),
        Nesting::Map => "Block Map".to_string(),
        Nesting::Single | Nesting::Group => "Block".to_string(),
    };
    if b.min_items > 0 {
        let _ = write!(kind, ", Min: {}", b.min_items);
    }
    if b.max_items > 0 {
        let _ = write!(kind, ", Max: {}", b.max_items);
    }
    let mut text = format!("- `{}` ({kind})", b.name);
    push_sentence(&mut text, &b.block.description);
    let _ = write!(
        text,
        " (see [below for nested schema](#nestedblock{anchor}--{}))",
        b.name
    );
    for m in &b.block.plan_modifiers {
        if let Some(when) = m.description().strip_prefix("requires replace") {
            push_sentence(
                &mut text,
                &format!("Changing it replaces the resource{when}"),
            );
        }
    }
    text
}

/// Appends ` sentence.` (adding the full stop when missing).
/// Descriptions wrap like the doc comments they come from; a list item must be one line.
fn push_sentence(text: &mut String, sentence: &str) {
    let s = sentence.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.is_empty() {
        return;
    }
    text.push(' ');
    text.push_str(&s);
    if !s.ends_with(['.', '!', '?']) {
        text.push('.');
    }
}

/// The Registry's type labels: `String`, `List of String`, `Map of Number`, `Object`.
fn type_label(ty: &Type) -> String {
    match ty {
        Type::String => "String".into(),
        Type::Number => "Number".into(),
        Type::Bool => "Boolean".into(),
        Type::Dynamic => "Dynamic".into(),
        Type::List(t) => format!("List of {}", type_label(t)),
        Type::Set(t) => format!("Set of {}", type_label(t)),
        Type::Map(t) => format!("Map of {}", type_label(t)),
        Type::Object(_) => "Object".into(),
        Type::Tuple(_) => "Tuple".into(),
    }
}

/// A type as an HCL type constraint, for function signatures.
fn hcl_type(ty: &Type) -> String {
    match ty {
        Type::String => "string".into(),
        Type::Number => "number".into(),
        Type::Bool => "bool".into(),
        Type::Dynamic => "any".into(),
        Type::List(t) => format!("list({})", hcl_type(t)),
        Type::Set(t) => format!("set({})", hcl_type(t)),
        Type::Map(t) => format!("map({})", hcl_type(t)),
        Type::Object(attrs) => {
            let fields: Vec<String> = attrs
                .iter()
                .map(|(k, t)| format!("{k} = {}", hcl_type(t)))
                .collect();
            format!("object({{{}}})", fields.join(", "))
        }
        Type::Tuple(ts) => {
            let elems: Vec<String> = ts.iter().map(hcl_type).collect();
            format!("tuple([{}])", elems.join(", "))
        }
    }
}

fn non_empty(s: &str, fallback: &str) -> String {
    if s.trim().is_empty() {
        fallback.to_string()
    } else {
        s.trim().to_string()
    }
}

fn first_sentence(s: &str) -> String {
    let s = s.trim();
    match s.find(". ") {
        Some(i) => s[..=i].to_string(),
        None => s.to_string(),
    }
}

/// One trailing newline, never blank lines at the end.
fn finish(mut out: String) -> String {
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::{Value, validators};

    /// A toy resource.
    #[derive(Serialize, Deserialize, JsonSchema, Default)]
    struct ToyState {
        /// Identifier.
        id: Value<String>,
        /// Name of the toy,
        /// wrapped over two lines
        name: Value<String>,
        /// Secret token.
        token: Value<String>,
        /// Rules of play.
        rules: Vec<RuleState>,
    }

    /// A rule.
    #[derive(Serialize, Deserialize, JsonSchema, Default)]
    struct RuleState {
        /// Rule name.
        name: Value<String>,
        /// Days.
        days: Value<i64>,
    }

    fn toy_page() -> String {
        let schema = Schema::builder::<ToyState>()
            .attribute("id", |a| a.computed())
            .attribute("name", |a| {
                a.required()
                    .requires_replace()
                    .validator(validators::length(1, 5))
            })
            .attribute("token", |a| a.optional().sensitive().deprecated("use name"))
            .block("rules", |b| {
                b.max_items(2)
                    .attribute("name", |a| a.required())
                    .attribute("days", |a| a.optional().computed().default(7))
            })
            .build();
        type_page(
            "toy",
            "toy_thing",
            "Resource",
            &schema,
            &Some("resource \"toy_thing\" \"x\" {}\n".into()),
            &Some("terraform import toy_thing.x id\n".into()),
        )
    }

    #[test]
    fn a_type_page_has_front_matter_example_schema_sections_nested_blocks_and_import() {
        let page = toy_page();
        for part in [
            "---\npage_title: \"toy_thing Resource - toy\"\nsubcategory: \"\"\ndescription: |-\n  A toy resource.\n---\n",
            "# toy_thing (Resource)\n\nA toy resource.\n",
            "## Example Usage\n\n```terraform\nresource \"toy_thing\" \"x\" {}\n```\n",
            "### Required\n\n- `name` (String) Name of the toy, wrapped over two lines. Validation: length between 1 and 5. Changing it replaces the resource.\n",
            "### Optional\n\n- `token` (String, Sensitive, Deprecated) Secret token. Deprecated: use name.\n- `rules` (Block List, Max: 2) A rule. (see [below for nested schema](#nestedblock--rules))\n",
            "### Read-Only\n\n- `id` (String) Identifier.\n",
            "<a id=\"nestedblock--rules\"></a>\n### Nested Schema for `rules`\n\nRequired:\n\n- `name` (String) Rule name.\n\nOptional:\n\n- `days` (Number) Days. Defaults to `7`.\n",
            "## Import\n\nImport is supported using the following syntax:\n\n```shell\nterraform import toy_thing.x id\n```\n",
        ] {
            assert!(page.contains(part), "missing {part:?} in:\n{page}");
        }
        assert!(
            page.ends_with("```\n") && !page.ends_with("\n\n"),
            "{page:?}"
        );
    }

    #[test]
    fn type_labels_and_hcl_types_read_as_the_registry_writes_them() {
        let obj = Type::Object(
            [
                ("a".to_string(), Type::String),
                ("b".to_string(), Type::Number),
            ]
            .into(),
        );
        assert_eq!(
            type_label(&Type::List(Box::new(Type::String))),
            "List of String"
        );
        assert_eq!(
            type_label(&Type::Map(Box::new(Type::Bool))),
            "Map of Boolean"
        );
        assert_eq!(hcl_type(&obj), "object({a = string, b = number})");
        assert_eq!(hcl_type(&Type::Set(Box::new(Type::Number))), "set(number)");
    }

    #[test]
    fn sentences_get_one_full_stop() {
        let mut s = String::from("- `x` (String)");
        push_sentence(&mut s, "The name,\nwrapped");
        push_sentence(&mut s, "Validation: one of: a, b.");
        push_sentence(&mut s, "  ");
        push_sentence(&mut s, "Defaults to `1`");
        assert_eq!(
            s,
            "- `x` (String) The name, wrapped. Validation: one of: a, b. Defaults to `1`."
        );
        assert_eq!(first_sentence("One. Two."), "One.");
    }
}
