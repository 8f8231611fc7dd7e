//! `tfplugin-fileprovider`: a tiny provider used only by this crate's real-Terraform tests.
//!
//! Provider `registry.terraform.io/ocilab/tftest` with one resource, `tftest_file`, whose objects
//! are JSON files in a directory (provider argument `directory`, or `TFTEST_DIR`). Terraform
//! starts several provider processes per command, so state must live outside the process.
//!
//! For the shutdown test, when `TFTEST_PROCESS_LOG` names a directory, each process writes
//! `<pid>.start` when it starts and `<pid>.exit` after a clean exit (Shutdown), both holding
//! microseconds since the epoch, so tests can prove every process exited by itself and measure
//! provider time.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tfplugin::{
    AnyDataSource, AnyResource, ConfigureRequest, CreateRequest, DataSource, DeleteRequest,
    Diagnostics, ImportRequest, ModifyPlan, Provider, ProviderData, ReadDataRequest, ReadRequest,
    Resource, Schema, UpdateRequest, UpgradeRequest, Value, validators,
};

/// Test provider configuration.
#[derive(Serialize, Deserialize, JsonSchema, Default, Clone, Debug)]
struct FilesConfig {
    /// Directory holding one JSON file per object (default: `TFTEST_DIR`).
    directory: Value<String>,
}

struct FilesProvider;

struct Files {
    dir: PathBuf,
}

#[tfplugin::async_trait]
impl Provider for FilesProvider {
    type Config = FilesConfig;

    fn type_name(&self) -> &'static str {
        "tftest"
    }

    fn address(&self) -> String {
        "registry.terraform.io/ocilab/tftest".into()
    }

    fn schema(&self) -> Schema {
        Schema::builder::<FilesConfig>()
            .attribute("directory", |a| a.optional())
            .build()
    }

    async fn configure(
        &self,
        req: ConfigureRequest<FilesConfig>,
        diags: &mut Diagnostics,
    ) -> Option<ProviderData> {
        let dir = req
            .config
            .directory
            .into_known()
            .or_else(|| std::env::var("TFTEST_DIR").ok())
            .map(PathBuf::from);
        let Some(dir) = dir else {
            diags.attribute_error(
                tfplugin::AttributePath::new("directory"),
                "Missing Directory",
                "Set `directory` in the provider block or TFTEST_DIR in the environment.",
            );
            return None;
        };
        Some(Arc::new(Files { dir }))
    }

    fn resources(&self) -> Vec<AnyResource> {
        vec![AnyResource::new(FileResource)]
    }

    fn data_sources(&self) -> Vec<AnyDataSource> {
        vec![AnyDataSource::new(FileDataSource)]
    }
}

/// A retention-like rule.
#[derive(Serialize, Deserialize, JsonSchema, Default, Clone, Debug, PartialEq)]
struct Rule {
    /// Rule key.
    key: Value<String>,
    /// Days to keep.
    days: Value<i64>,
}

/// A file-backed object.
#[derive(Serialize, Deserialize, JsonSchema, Default, Clone, Debug, PartialEq)]
#[serde(default)]
struct FileState {
    /// Identifier assigned on create (`file-<name>`).
    id: Value<String>,
    /// Object name; changing it replaces the object.
    name: Value<String>,
    /// Content, updated in place.
    content: Value<String>,
    /// Access mode, `rw` or `ro`.
    mode: Value<String>,
    /// Content length in bytes.
    size: Value<i64>,
    /// Free-form tags.
    tags: Value<BTreeMap<String, String>>,
    /// A secret that Terraform hides in output.
    secret: Value<String>,
    /// A one-time token, never stored.
    token: Value<String>,
    /// Creation stamp; never changes after create.
    created: Value<String>,
    /// Rules.
    rule: Vec<Rule>,
}

struct FileResource;

impl FileResource {
    fn path(files: &Files, id: &str) -> PathBuf {
        files.dir.join(format!("{id}.json"))
    }

    fn store(files: &Files, state: &FileState, diags: &mut Diagnostics) -> bool {
        let id = state.id.as_str().unwrap_or_default().to_string();
        let json = serde_json::to_vec_pretty(state).expect("state serializes");
        match std::fs::write(Self::path(files, &id), json) {
            Ok(()) => true,
            Err(e) => {
                diags.error("Write File Error", format!("Writing {id}: {e}"));
                false
            }
        }
    }

    fn load(files: &Files, id: &str, diags: &mut Diagnostics) -> Option<FileState> {
        match std::fs::read(Self::path(files, id)) {
            Ok(bytes) => match serde_json::from_slice(&bytes) {
                Ok(s) => Some(s),
                Err(e) => {
                    diags.error("Read File Error", format!("Parsing {id}: {e}"));
                    None
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                diags.error("Read File Error", format!("Reading {id}: {e}"));
                None
            }
        }
    }

    fn finish(mut s: FileState) -> FileState {
        s.size = s
            .content
            .as_str()
            .map_or(Value::Null, |c| Value::Known(c.len() as i64));
        s
    }
}

#[tfplugin::async_trait]
impl Resource for FileResource {
    type State = FileState;
    type ProviderData = Files;

    fn type_name(&self) -> &'static str {
        "tftest_file"
    }

    fn schema(&self) -> Schema {
        // Version 1 renamed `text` (version 0) to `content`; see `upgrade`.
        Schema::builder::<FileState>()
            .version(1)
            .attribute("id", |a| a.computed().use_state_for_unknown())
            .attribute("name", |a| {
                a.required()
                    .requires_replace()
                    .validator(validators::regex(
                        "^[a-z0-9-]+$",
                        "must contain only a-z, 0-9 and -",
                    ))
                    .validator(validators::length(1, 40))
            })
            .attribute("content", |a| a.required())
            .attribute("mode", |a| {
                a.optional()
                    .computed()
                    .default("rw")
                    .validator(validators::one_of(&["rw", "ro"]))
            })
            .attribute("size", |a| a.computed())
            .attribute("tags", |a| a.optional())
            .attribute("secret", |a| a.optional().sensitive())
            .attribute("token", |a| a.optional().write_only())
            .attribute("created", |a| a.computed().use_state_for_unknown())
            .block("rule", |b| {
                b.max_items(3)
                    .attribute("key", |a| a.required())
                    .attribute("days", |a| {
                        a.optional().validator(validators::between(1.0, 3650.0))
                    })
            })
            .build()
    }

    async fn modify_plan(&self, req: &mut ModifyPlan<FileState, Files>, _diags: &mut Diagnostics) {
        // The size is predictable from the content, so plan it instead of leaving it unknown.
        if let Some((planned, _, _)) = req.change.planning()
            && let Some(c) = planned.content.as_str()
        {
            planned.size = Value::Known(c.len() as i64);
        }
    }

    async fn create(
        &self,
        req: CreateRequest<FileState, Files>,
        diags: &mut Diagnostics,
    ) -> Option<FileState> {
        let mut s = req.planned;
        let name = s.name.as_str().unwrap_or_default().to_string();
        s.id = Value::Known(format!("file-{name}"));
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        s.created = Value::Known(now.to_string());
        // Private state travels through Terraform's state file; the test reads it back there.
        req.private
            .set_json(&serde_json::json!({"written_by": "create"}));
        let s = Self::finish(s);
        if Self::path(&req.provider, s.id.as_str().unwrap_or_default()).exists() {
            diags.attribute_error(
                tfplugin::AttributePath::new("name"),
                "Create File Error",
                format!("An object named {name:?} already exists; import it instead."),
            );
            return None;
        }
        Self::store(&req.provider, &s, diags).then_some(s)
    }

    async fn read(
        &self,
        req: ReadRequest<FileState, Files>,
        diags: &mut Diagnostics,
    ) -> Option<FileState> {
        let id = req.current.id.as_str()?.to_string();
        Self::load(&req.provider, &id, diags)
    }

    async fn update(
        &self,
        req: UpdateRequest<FileState, Files>,
        diags: &mut Diagnostics,
    ) -> Option<FileState> {
        // Proves private state made it from create, through Terraform's state and plan, to here.
        let previous = req.private.get_json::<serde_json::Value>();
        req.private
            .set_json(&serde_json::json!({"written_by": "update", "previous": previous}));
        let s = Self::finish(req.planned);
        if Self::store(&req.provider, &s, diags) {
            Some(s)
        } else {
            Some(req.prior)
        }
    }

    async fn delete(&self, req: DeleteRequest<FileState, Files>, diags: &mut Diagnostics) {
        let id = req.prior.id.as_str().unwrap_or_default().to_string();
        match std::fs::remove_file(FileResource::path(&req.provider, &id)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => diags.error("Delete File Error", format!("Deleting {id}: {e}")),
        }
    }

    async fn import(
        &self,
        req: ImportRequest<Files>,
        _diags: &mut Diagnostics,
    ) -> Option<FileState> {
        Some(FileState {
            id: Value::Known(req.id),
            ..FileState::default()
        })
    }

    async fn upgrade(&self, req: UpgradeRequest, diags: &mut Diagnostics) -> Option<FileState> {
        let mut raw = req.raw;
        if req.version != 0 {
            diags.error(
                "Unable to Upgrade Resource State",
                format!("unknown version {}", req.version),
            );
            return None;
        }
        if let Some(obj) = raw.as_object_mut()
            && let Some(text) = obj.remove("text")
        {
            obj.insert("content".into(), text);
        }
        match serde_json::from_value(raw) {
            Ok(s) => Some(s),
            Err(e) => {
                diags.error("Unable to Upgrade Resource State", e.to_string());
                None
            }
        }
    }
}

/// Reads an existing object.
#[derive(Serialize, Deserialize, JsonSchema, Default, Clone, Debug, PartialEq)]
struct FileDataState {
    /// Identifier of the object to read.
    id: Value<String>,
    /// Its name.
    name: Value<String>,
    /// Its content.
    content: Value<String>,
}

struct FileDataSource;

#[tfplugin::async_trait]
impl DataSource for FileDataSource {
    type State = FileDataState;
    type ProviderData = Files;

    fn type_name(&self) -> &'static str {
        "tftest_file"
    }

    fn schema(&self) -> Schema {
        Schema::builder::<FileDataState>()
            .attribute("id", |a| a.required())
            .attribute("name", |a| a.computed())
            .attribute("content", |a| a.computed())
            .build()
    }

    async fn read(
        &self,
        req: ReadDataRequest<FileDataState, Files>,
        diags: &mut Diagnostics,
    ) -> Option<FileDataState> {
        let id = req.config.id.as_str().unwrap_or_default().to_string();
        let Some(obj) = FileResource::load(&req.provider, &id, diags) else {
            if !diags.has_errors() {
                diags.attribute_error(
                    tfplugin::AttributePath::new("id"),
                    "Object Not Found",
                    format!("No object with id {id:?} exists."),
                );
            }
            return None;
        };
        Some(FileDataState {
            id: Value::Known(id),
            name: obj.name,
            content: obj.content,
        })
    }
}

fn micros_now() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or_default()
}

fn main() -> ExitCode {
    let log = std::env::var_os("TFTEST_PROCESS_LOG").map(PathBuf::from);
    let pid = std::process::id();
    if let Some(dir) = &log {
        let _ = std::fs::write(dir.join(format!("{pid}.start")), micros_now().to_string());
    }
    let code = tfplugin::serve(FilesProvider);
    if let Some(dir) = &log
        && code == ExitCode::SUCCESS
    {
        let _ = std::fs::write(dir.join(format!("{pid}.exit")), micros_now().to_string());
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn struct_fields_match_schema() {
        tfplugin::assert_fields_match::<FileState>(&FileResource.schema());
    }
}
