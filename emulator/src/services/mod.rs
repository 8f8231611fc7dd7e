//! The OCI services, each in its own folder with the same files (style.md §7.4): `mod.rs`
//! (its `SERVICE` definition and operation table), `handlers.rs` (one async fn per
//! operation; Object Storage has a `handlers/` folder, one file per resource), `store.rs`
//! (tables, rules, SQL), `wire.rs` (JSON structs, camelCase), and a model/validate file for
//! its rules.
//!
//! A service plugs in by exporting `pub const SERVICE: ServiceDef` (`crate::service`) and
//! being listed in [`ALL`]. Services never import each other's `store`: what one offers the
//! others is in its `api.rs` (Object Storage's object read/write for Data Flow).

pub mod dataflow;
pub mod identity;
pub mod objectstorage;

use crate::service::ServiceDef;

/// Every service, in routing order.
pub const ALL: &[ServiceDef] = &[objectstorage::SERVICE, identity::SERVICE, dataflow::SERVICE];

/// Every service's table schema, for `state::AppState::open_with_schemas`.
pub fn schemas() -> Vec<&'static str> {
    ALL.iter()
        .map(|s| s.schema)
        .chain([
            dataflow::exec_state::SCHEMA,
            dataflow::executor::authz::SCHEMA,
        ])
        .collect()
}
