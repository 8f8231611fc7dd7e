//! What a service is to the emulator core: a [`ServiceDef`] with one operation table.
//!
//! Each row of the table ([`OperationDef`]) names an OCI operation, its method and path
//! template, whether the SDKs sign its body, and its handler. Both the axum routes
//! ([`ServiceDef::routes`]) and the request classifier ([`Classifier`], used for auth, fault
//! rules and the request log) are built from that one table, with the same path matcher axum
//! uses (`matchit`), so routing can never disagree with authentication. Rows are written with
//! the [`operations!`] macro:
//!
//! ```text
//! pub const SERVICE: ServiceDef = ServiceDef {
//!     name: "dataflow",
//!     prefixes: &["/20200129"],
//!     schema: store::SCHEMA,
//!     operations: operations![
//!         GET "/20200129/runs" ListRuns => h::list_runs;
//!         PUT "/n/{ns}/b/{bucket}/o/{*object}" PutObject => h::put_object, Unsigned;
//!     ],
//!     dump: store::dump,
//! };
//! ```

use crate::error::ApiError;
use crate::request::Operation;
use crate::state::AppState;
use axum::Router;
use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter};
use serde_json::Value;
use std::collections::HashMap;

/// `(key, JSON array)` pairs a service contributes to the dump.
pub type DumpParts = Vec<(&'static str, Value)>;

/// Everything the emulator core needs to know about one service.
pub struct ServiceDef {
    /// Service name in the request log and fault rules: `objectstorage`, `identity`, `dataflow`.
    pub name: &'static str,
    /// Path prefixes the service owns (`/20200129`; Object Storage has `/n` and
    /// `/workRequests`). A request under one that matches no operation is still logged and
    /// fault-matched as this service's, with no operation.
    pub prefixes: &'static [&'static str],
    /// `CREATE TABLE IF NOT EXISTS ...` statements; see `db.rs` for the rules.
    pub schema: &'static str,
    /// Every operation the service serves.
    pub operations: &'static [OperationDef],
    /// This service's part of `GET /_emulator/dump`: `(key, JSON array)` pairs such as
    /// `("applications", [...])`, each element the resource's OCI JSON representation.
    pub dump: fn(&AppState) -> Result<DumpParts, ApiError>,
}

/// The HTTP methods OCI operations use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    GET,
    HEAD,
    PUT,
    POST,
    DELETE,
}

impl Verb {
    pub fn method(self) -> Method {
        match self {
            Verb::GET => Method::GET,
            Verb::HEAD => Method::HEAD,
            Verb::PUT => Method::PUT,
            Verb::POST => Method::POST,
            Verb::DELETE => Method::DELETE,
        }
    }

    fn filter(self) -> MethodFilter {
        match self {
            Verb::GET => MethodFilter::GET,
            Verb::HEAD => MethodFilter::HEAD,
            Verb::PUT => MethodFilter::PUT,
            Verb::POST => MethodFilter::POST,
            Verb::DELETE => MethodFilter::DELETE,
        }
    }
}

/// Whether the request body is part of the signature (oci-api.md §1.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// POST/PUT bodies are signed: `content-length`, `content-type`, `x-content-sha256`.
    Signed,
    /// The SDKs exclude the body (object data: PutObject, UploadPart).
    Unsigned,
}

/// One row of an operation table.
pub struct OperationDef {
    /// The OCI operation name, as in the API reference (`GetBucket`).
    pub name: &'static str,
    pub verb: Verb,
    /// Full axum/matchit path template, prefix included (`/n/{ns}/b/{bucket}`).
    pub path: &'static str,
    pub body: Body,
    /// The handler, registered for the given method filter (written by [`operations!`]).
    pub route: fn(MethodFilter) -> MethodRouter<AppState>,
}

/// Rows of an operation table: `VERB "path" OperationName => handler[, Unsigned];`.
macro_rules! operations {
    ($($verb:ident $path:literal $name:ident => $handler:path $(, $body:ident)?;)*) => {
        &[$($crate::service::OperationDef {
            name: stringify!($name),
            verb: $crate::service::Verb::$verb,
            path: $path,
            body: {
                #[allow(unused_variables)]
                let body = $crate::service::Body::Signed;
                $(let body = $crate::service::Body::$body;)?
                body
            },
            route: |filter| ::axum::routing::on(filter, $handler),
        },)*]
    };
}
pub(crate) use operations;

impl ServiceDef {
    /// The service's axum routes, one per table row (rows with the same path share a route).
    pub fn routes(&self) -> Router<AppState> {
        self.operations.iter().fold(Router::new(), |r, op| {
            r.route(op.path, (op.route)(op.verb.filter()))
        })
    }
}

/// Which service and operation a request is, from the services' operation tables.
pub struct Classifier {
    services: Vec<(&'static str, &'static [&'static str])>,
    paths: matchit::Router<usize>,
    /// Per matched path: `(method, service, operation)`.
    by_path: Vec<Vec<(Method, Operation)>>,
}

impl Classifier {
    /// Build the classifier of `defs`. Panics on a path template matchit rejects, which is a
    /// bug in a table (axum would reject the same route).
    pub fn new(defs: &[ServiceDef]) -> Self {
        let mut paths = matchit::Router::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut by_path: Vec<Vec<(Method, Operation)>> = Vec::new();
        for def in defs {
            for op in def.operations {
                let i = *index.entry(op.path).or_insert_with(|| {
                    paths
                        .insert(op.path, by_path.len())
                        .unwrap_or_else(|e| panic!("{}: bad path {}: {e}", def.name, op.path));
                    by_path.push(Vec::new());
                    by_path.len() - 1
                });
                by_path[i].push((
                    op.verb.method(),
                    Operation {
                        service: def.name,
                        operation: Some(op.name),
                        body_unsigned: op.body == Body::Unsigned,
                    },
                ));
            }
        }
        Classifier {
            services: defs.iter().map(|d| (d.name, d.prefixes)).collect(),
            paths,
            by_path,
        }
    }

    /// Classify a request by method and raw (percent-encoded) path, as axum routes it.
    pub fn classify(&self, method: &Method, path: &str) -> Operation {
        if let Ok(m) = self.paths.at(path)
            && let Some((_, op)) = self.by_path[*m.value].iter().find(|(v, _)| v == method)
        {
            return *op;
        }
        let service = self.services.iter().find(|(_, prefixes)| {
            prefixes.iter().any(|p| {
                path.strip_prefix(p)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
        });
        match service {
            Some((name, _)) => Operation {
                service: name,
                operation: None,
                body_unsigned: false,
            },
            None => Operation::UNKNOWN,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn ok() {}

    const DEF: ServiceDef = ServiceDef {
        name: "t",
        prefixes: &["/t"],
        schema: "",
        operations: operations![
            GET "/t/{id}" GetT => ok;
            PUT "/t/{id}/d/{*rest}" PutT => ok, Unsigned;
        ],
        dump: |_| Ok(Vec::new()),
    };

    #[test]
    fn classifies_by_table_rows_then_by_prefix() {
        let c = Classifier::new(&[DEF]);
        let get = c.classify(&Method::GET, "/t/x");
        assert_eq!(
            (get.service, get.operation, get.body_unsigned),
            ("t", Some("GetT"), false)
        );
        let put = c.classify(&Method::PUT, "/t/x/d/a%2Fb/c");
        assert_eq!((put.operation, put.body_unsigned), (Some("PutT"), true));
        // A method the row does not declare, or a path under the prefix that no row has.
        for (m, p) in [
            (Method::HEAD, "/t/x"),
            (Method::GET, "/t/x/y"),
            (Method::GET, "/t"),
        ] {
            let op = c.classify(&m, p);
            assert_eq!((op.service, op.operation), ("t", None), "{m} {p}");
        }
        assert_eq!(c.classify(&Method::GET, "/tx"), Operation::UNKNOWN);
        assert_eq!(c.classify(&Method::GET, "/20160918/x"), Operation::UNKNOWN);
    }
}
