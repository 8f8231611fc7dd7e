//! `docs/` (the Terraform Registry layout) is generated from the provider's schemas, function
//! signatures and `examples/` (`cargo xtask docs`). This test regenerates every page and fails,
//! with a diff, when a checked-in page was stale or is no longer generated.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use terraform_provider_oci::OciProvider;
use tfplugin::testing::ensure_file_contents;

fn markdown_files(dir: &Path, root: &Path, into: &mut BTreeSet<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            markdown_files(&path, root, into);
        } else if path.extension().is_some_and(|e| e == "md") {
            into.insert(path.strip_prefix(root).unwrap().to_path_buf());
        }
    }
}

#[test]
fn docs_are_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let docs = root.join("docs");
    let pages = tfplugin::docs::generate(&OciProvider, &root.join("examples")).unwrap();

    // A page for every registered resource, data source and function, plus the index.
    let registered = terraform_provider_oci::resources::all().len()
        + terraform_provider_oci::data_sources::all().len()
        + terraform_provider_oci::functions::all().len()
        + 1;
    assert_eq!(pages.len(), registered);
    // Every function's page shows it in use (resources and data sources are checked with the
    // registry's own example test).
    for f in terraform_provider_oci::functions::all() {
        let example = root
            .join("examples/functions")
            .join(f.name())
            .join("function.tf");
        assert!(example.is_file(), "{} has no example", example.display());
    }

    let mut on_disk = BTreeSet::new();
    markdown_files(&docs, &docs, &mut on_disk);
    let generated: BTreeSet<PathBuf> = pages.iter().map(|p| p.path.clone()).collect();
    let stale: Vec<_> = on_disk.difference(&generated).collect();
    assert!(
        stale.is_empty(),
        "docs/ holds pages nothing generates any more (delete them, or run `cargo xtask docs`): {stale:?}"
    );
    for page in pages {
        ensure_file_contents(&docs.join(&page.path), &page.text);
    }
}
