//! The OCI services, each in its own folder with the same four files (style.md §7.4):
//! `mod.rs` (routes + the `SERVICE` definition), `handlers.rs` (one async fn per operation),
//! `store.rs` (tables, rules, SQL) and `wire.rs` (JSON structs, camelCase).
//!
//! A service plugs in by exporting `pub const SERVICE: ServiceDef` and being listed in [`ALL`].

pub mod dataflow;
pub mod identity;
pub mod objectstorage;

use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::http::Method;
use serde_json::Value;

/// `(key, JSON array)` pairs a service contributes to the dump.
pub type DumpParts = Vec<(&'static str, Value)>;

/// Everything the emulator core needs to know about one service.
pub struct ServiceDef {
    /// Service name in the request log and fault rules: `objectstorage`, `identity`, `dataflow`.
    pub name: &'static str,
    /// Path prefix: `/n`, `/20160918`, `/20200129`.
    pub prefix: &'static str,
    /// `CREATE TABLE IF NOT EXISTS ...` statements; see `db.rs` for the rules.
    pub schema: &'static str,
    /// The service's axum routes, with full paths (prefix included).
    pub routes: fn() -> Router<AppState>,
    /// The OCI operation name (`GetBucket`, `CreateRun`, ...) of a request, from its method and
    /// its raw path segments *after* the prefix (still percent-encoded). Used for the request
    /// log, fault matching and the PutObject/UploadPart body-signing exemption.
    pub operation: fn(&Method, &[&str]) -> Option<&'static str>,
    /// This service's part of `GET /_emulator/dump`: `(key, JSON array)` pairs such as
    /// `("applications", [...])`, each element the resource's OCI JSON representation.
    pub dump: fn(&AppState) -> Result<DumpParts, ApiError>,
}

/// Every service, in routing order.
pub const ALL: &[ServiceDef] = &[objectstorage::SERVICE, identity::SERVICE, dataflow::SERVICE];

/// Which service (and operation) a request is for.
pub fn classify(
    method: &Method,
    path: &str,
) -> Option<(&'static ServiceDef, Option<&'static str>)> {
    ALL.iter().find_map(|def| {
        let rest = path.strip_prefix(def.prefix)?;
        if !(rest.is_empty() || rest.starts_with('/')) {
            return None;
        }
        let segments: Vec<&str> = rest.split('/').skip(1).collect();
        let segments: &[&str] = if segments.last() == Some(&"") {
            &segments[..segments.len() - 1]
        } else {
            &segments
        };
        Some((def, (def.operation)(method, segments)))
    })
}
