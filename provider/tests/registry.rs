//! Checks every entry of the one registry (`resources::all()`, `data_sources::all()`) against
//! the "adding a resource" checklist in the crate docs, so no resource carries its own copy of
//! these tests: the state struct matches its schema, and the type has its example and its
//! acceptance test file.

use std::path::{Path, PathBuf};

use terraform_provider_oci::{data_sources, resources};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Directory names under `dir` (empty when it does not exist).
fn subdirs(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// `acceptance-tests/tests/<type without "oci_">.rs`.
fn acceptance_file(type_name: &str) -> PathBuf {
    let short = type_name.strip_prefix("oci_").unwrap_or(type_name);
    repo()
        .join("acceptance-tests/tests")
        .join(format!("{short}.rs"))
}

#[test]
fn state_struct_fields_are_the_schema_attributes_and_blocks() {
    let mut types: Vec<(&str, Vec<String>, Vec<String>)> = resources::all()
        .iter()
        .map(|r| (r.type_name(), r.state_fields(), r.schema().block.names()))
        .collect();
    types.extend(
        data_sources::all()
            .iter()
            .map(|d| (d.type_name(), d.state_fields(), d.schema().block.names())),
    );
    for (name, fields, schema_names) in types {
        assert_eq!(
            fields, schema_names,
            "{name}: state struct fields vs schema attributes/blocks"
        );
    }
}

#[test]
fn type_names_are_unique_and_prefixed() {
    let mut names: Vec<&str> = resources::all().iter().map(|r| r.type_name()).collect();
    names.extend(data_sources::all().iter().map(|d| d.type_name()));
    for n in &names {
        assert!(n.starts_with("oci_"), "{n}: type names start with oci_");
    }
    let before = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), before, "a type is registered twice");
}

#[test]
fn every_type_has_its_example_and_acceptance_test_and_no_example_is_orphaned() {
    let resource_names: Vec<String> = resources::all()
        .iter()
        .map(|r| r.type_name().to_string())
        .collect();
    let data_source_names: Vec<String> = data_sources::all()
        .iter()
        .map(|d| d.type_name().to_string())
        .collect();
    for name in &resource_names {
        let dir = repo().join("examples/resources").join(name);
        for file in ["resource.tf", "import.sh"] {
            assert!(
                dir.join(file).is_file(),
                "{name}: missing {}",
                dir.join(file).display()
            );
        }
        assert!(
            acceptance_file(name).is_file(),
            "{name}: missing {}",
            acceptance_file(name).display()
        );
    }
    for name in &data_source_names {
        let file = repo()
            .join("examples/data-sources")
            .join(name)
            .join("data-source.tf");
        assert!(file.is_file(), "{name}: missing {}", file.display());
        assert!(
            acceptance_file(name).is_file(),
            "{name}: missing {}",
            acceptance_file(name).display()
        );
    }
    let mut sorted = resource_names.clone();
    sorted.sort();
    assert_eq!(
        subdirs(&repo().join("examples/resources")),
        sorted,
        "examples/resources/ vs the registry"
    );
    let mut sorted = data_source_names.clone();
    sorted.sort();
    assert_eq!(
        subdirs(&repo().join("examples/data-sources")),
        sorted,
        "examples/data-sources/ vs the registry"
    );
}
