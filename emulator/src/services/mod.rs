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

/// Paths outside a service's main prefix: Object Storage serves its work requests at the root
/// (`/workRequests/{id}`), next to `/n`. Each entry: service name, prefix, classifier.
type ExtraPrefix = (
    &'static str,
    &'static str,
    fn(&Method, &[&str]) -> Option<&'static str>,
);
const EXTRA_PREFIXES: &[ExtraPrefix] = &[(
    "objectstorage",
    "/workRequests",
    objectstorage::work_request_operation,
)];

/// The segments of `path` after `prefix`, if `path` is under it.
fn segments_under<'p>(path: &'p str, prefix: &str) -> Option<Vec<&'p str>> {
    let rest = path.strip_prefix(prefix)?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    let mut segments: Vec<&str> = rest.split('/').skip(1).collect();
    if segments.last() == Some(&"") {
        segments.pop();
    }
    Some(segments)
}

/// Which service (and operation) a request is for.
pub fn classify(
    method: &Method,
    path: &str,
) -> Option<(&'static ServiceDef, Option<&'static str>)> {
    let main = ALL.iter().find_map(|def| {
        let segments = segments_under(path, def.prefix)?;
        Some((def, (def.operation)(method, &segments)))
    });
    main.or_else(|| {
        EXTRA_PREFIXES.iter().find_map(|(name, prefix, operation)| {
            let segments = segments_under(path, prefix)?;
            let def = ALL.iter().find(|d| d.name == *name)?;
            Some((def, operation(method, &segments)))
        })
    })
}
