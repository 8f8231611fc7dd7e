//! Shared setup for the real-Terraform tests: the file-backed test provider installed in a
//! filesystem mirror, and HCL builders.

#![allow(dead_code)]

use std::sync::Arc;

use tempfile::TempDir;
use tfplugin::testing::{Mirror, ProviderBinary, Workdir};

pub const ADDRESS: &str = "registry.terraform.io/ocilab/tftest";
pub const BIN: &str = env!("CARGO_BIN_EXE_tfplugin-fileprovider");

pub fn mirror() -> Arc<Mirror> {
    Mirror::new(&[ProviderBinary::new(ADDRESS, "0.1.0", BIN)])
}

/// A working directory whose provider keeps its objects in `data`.
pub struct Env {
    pub wd: Workdir,
    pub data: TempDir,
    pub mirror: Arc<Mirror>,
}

impl Env {
    pub fn new() -> Env {
        let mirror = mirror();
        let data = tempfile::tempdir().expect("data dir");
        let mut wd = Workdir::new(&mirror);
        wd.set_env("TFTEST_DIR", data.path().to_str().expect("utf-8 path"));
        Env { wd, data, mirror }
    }

    /// Another working directory on the same data (e.g. for import).
    pub fn sibling(&self) -> Workdir {
        let mut wd = Workdir::new(&self.mirror);
        wd.set_env("TFTEST_DIR", self.data.path().to_str().expect("utf-8 path"));
        wd
    }

    pub fn object_path(&self, id: &str) -> std::path::PathBuf {
        self.data.path().join(format!("{id}.json"))
    }

    pub fn object(&self, id: &str) -> serde_json::Value {
        let bytes =
            std::fs::read(self.object_path(id)).unwrap_or_else(|e| panic!("object {id}: {e}"));
        serde_json::from_slice(&bytes).expect("object JSON")
    }
}

pub const HEADER: &str =
    "terraform {\n  required_providers {\n    tftest = { source = \"ocilab/tftest\" }\n  }\n}\n\n";

/// One `tftest_file.a` with `name`, `content` and extra body lines.
pub fn file_config(name: &str, content: &str, extra: &str) -> String {
    format!(
        "{HEADER}resource \"tftest_file\" \"a\" {{\n  name    = \"{name}\"\n  content = \"{content}\"\n{extra}}}\n"
    )
}
