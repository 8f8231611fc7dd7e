//! `cargo xtask docs`: writes `docs/` (the Terraform Registry layout) from the provider's
//! schemas, function signatures and `examples/`, and removes pages nothing generates any more.
//! `provider/tests/docs_up_to_date.rs` fails when the checked-in pages differ from this output.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use terraform_provider_oci::OciProvider;

/// Regenerates `docs/` under the workspace `root`; returns the changed and removed paths.
pub fn write(root: &Path) -> std::io::Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let docs = root.join("docs");
    let pages = tfplugin::docs::generate(&OciProvider, &root.join("examples"))?;
    let mut changed = Vec::new();
    for page in &pages {
        let path = docs.join(&page.path);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(page.text.as_str()) {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&path, &page.text)?;
            changed.push(page.path.clone());
        }
    }
    let mut removed = Vec::new();
    for dir in ["resources", "data-sources", "functions"] {
        for entry in std::fs::read_dir(docs.join(dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            let rel = PathBuf::from(dir).join(entry.file_name());
            let is_page = rel.extension().is_some_and(|e| e == "md");
            if is_page && !pages.iter().any(|p| p.path == rel) {
                std::fs::remove_file(entry.path())?;
                removed.push(rel);
            }
        }
    }
    Ok((changed, removed))
}

pub fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ is inside the workspace");
    match write(root) {
        Ok((changed, removed)) => {
            for p in &changed {
                println!("updated docs/{}", p.display());
            }
            for p in &removed {
                println!("removed docs/{}", p.display());
            }
            if changed.is_empty() && removed.is_empty() {
                println!("docs/ is up to date");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("generating docs/ failed: {e}");
            ExitCode::FAILURE
        }
    }
}
