//! `tfplugin`: a framework for Terraform providers speaking plugin protocol 6 (Terraform 1.11 and
//! newer), with nothing about any particular cloud in it.
//!
//! # Layout
//! - [`serve`] (`serve.rs`): the process entry point — go-plugin handshake, unix socket, mutual
//!   TLS with Terraform's pinned client certificate, `GRPCController.Shutdown`, `--debug` mode.
//! - `log.rs`: `tracing` events as hclog JSON on stderr, levels from `TF_LOG`/`TF_LOG_PROVIDER`.
//! - `grpc.rs`: the tfplugin6 gRPC service; protobuf ⇄ value trees, nothing else. The generated
//!   protobuf types stay private to this crate.
//! - `server.rs`: the logic per RPC — validators, the plan pipeline (defaults → computed unknown
//!   → attribute plan modifiers → `modify_plan` → sorted requires_replace), the apply
//!   consistency guard, read/import/upgrade rules.
//! - [`cty`]: types, value trees and the msgpack/JSON encodings (unknowns incl. refined ext 12).
//! - [`Value`] (`value.rs`): known / null / unknown attributes in serde state structs.
//! - [`schema`]: schemas derived from state structs (schemars) plus declared behaviour.
//! - [`plan_modifiers`]: composable plan behaviour per attribute or nested block (use state for
//!   unknown, requires replace, keep prior when semantically equal, match elements by key).
//! - [`validators`]: attribute validators; [`config_validators`]: rules between attributes
//!   (conflicts with, exactly one of, at least one of, required with, unique key).
//! - [`Diagnostics`], [`AttributePath`] (`diagnostics.rs`).
//! - [`Resource`], [`DataSource`], [`Provider`] and their request types (`resource.rs`).
//! - [`function`]: provider-defined functions (`provider::<name>::<function>(…)`).
//! - [`docs`]: Registry-layout Markdown generated from the schemas and `examples/`.
//! - `testing` (feature `testing`): drives the real `terraform` binary against a provider binary.
//!
//! # A resource
//! ```
//! use tfplugin::{
//!     AnyResource, CreateRequest, DeleteRequest, Diagnostics, ReadRequest, Resource, Schema,
//!     UpdateRequest, Value,
//! };
//!
//! /// A note.
//! #[derive(serde::Serialize, serde::Deserialize, schemars::JsonSchema, Clone, Default)]
//! struct NoteState {
//!     /// Identifier.
//!     id: Value<String>,
//!     /// Text of the note.
//!     text: Value<String>,
//! }
//!
//! struct Note;
//!
//! #[tfplugin::async_trait]
//! impl Resource for Note {
//!     type State = NoteState;
//!     type ProviderData = (); // what Provider::configure returned
//!     fn type_name(&self) -> &'static str { "example_note" }
//!     fn schema(&self) -> Schema {
//!         Schema::builder::<NoteState>()
//!             .attribute("id", |a| a.computed().use_state_for_unknown())
//!             .attribute("text", |a| a.required())
//!             .build()
//!     }
//!     async fn create(&self, req: CreateRequest<NoteState, ()>, _d: &mut Diagnostics) -> Option<NoteState> {
//!         Some(NoteState { id: Value::Known("n1".into()), ..req.planned })
//!     }
//!     async fn read(&self, req: ReadRequest<NoteState, ()>, _d: &mut Diagnostics) -> Option<NoteState> {
//!         Some(req.current)
//!     }
//!     async fn update(&self, req: UpdateRequest<NoteState, ()>, _d: &mut Diagnostics) -> Option<NoteState> {
//!         Some(req.planned)
//!     }
//!     async fn delete(&self, _req: DeleteRequest<NoteState, ()>, _d: &mut Diagnostics) {}
//! }
//! let registered = AnyResource::new(Note);
//! assert_eq!(registered.type_name(), "example_note");
//! ```

pub mod config_validators;
pub mod cty;
mod diagnostics;
pub mod docs;
pub mod function;
mod grpc;
mod log;
mod p521;
pub mod plan_modifiers;
mod resource;
pub mod schema;
mod serve;
mod server;
mod validator;
mod value;

#[cfg(feature = "testing")]
pub mod testing;

#[allow(dead_code, missing_docs, clippy::all, clippy::pedantic)]
mod proto {
    pub mod tfplugin6 {
        tonic::include_proto!("tfplugin6");
    }
    pub mod plugin {
        tonic::include_proto!("plugin");
    }
}

pub use async_trait::async_trait;
pub use diagnostics::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};
pub use resource::{
    AnyDataSource, AnyResource, CancellationToken, ConfigureRequest, CreateRequest, DataSource,
    DeleteRequest, ImportRequest, ModifyPlan, PlanChange, Private, Provider, ProviderData,
    ReadDataRequest, ReadRequest, Resource, UpdateRequest, UpgradeRequest, ValidateRequest,
};
pub use schema::{Schema, assert_fields_match};
pub use serve::{
    MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE, ServeError, serve, serve_async, socket_from_handshake,
};
pub use value::{ConvertError, Value};

/// Attribute validators for [`schema::AttributeBuilder::validator`].
pub mod validators {
    pub use crate::validator::{Validator, between, custom, length, one_of, regex};
}

/// The JSON description of a schema, for checked-in `schemas/<type>.json` files.
pub fn schema_json(schema: &Schema) -> serde_json::Value {
    schema.to_json()
}
