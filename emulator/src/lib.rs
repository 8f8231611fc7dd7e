//! # oci-emulator: a local, faithful OCI REST API (Object Storage, IAM, Data Flow)
//!
//! `app(state)` is the whole HTTP surface as one axum `Router`; `serve` runs it on a socket;
//! `main.rs` is a thin clap front end (`oci-emulator serve|config`).
//!
//! ## Architecture (read this before adding a service)
//! ```text
//! request ─▶ middleware::request_id ─▶ middleware::oci ─▶ route ─▶ services/<svc>/handlers.rs
//!            (opc-request-id echo)    (classify op, auth,          │ one async fn per operation
//!                                       faults, request log)        ▼
//!                                                           services/<svc>/store.rs ─▶ SQLite
//! ```
//! * **Services** live in `services/<svc>/`: `mod.rs` with the table, `handlers.rs` (Object
//!   Storage: a `handlers/` folder, one file per resource), `store.rs`, `wire.rs`, and the
//!   rules in `validate.rs` / `model.rs`. They plug in through a `pub const SERVICE:
//!   ServiceDef` (`service.rs`): name, path prefixes, schema, dump, and the **operation
//!   table**: one row per OCI operation (method, path, name, signed or unsigned body, handler).
//!   `app()` builds both the routes and the middleware's classifier (logs, fault rules, the
//!   PutObject/UploadPart body-signing exemption) from those rows, so they cannot disagree.
//! * **State**: every handler takes `State<AppState>` (`state.rs`). `state.db(|conn| ..)` and
//!   `state.tx(|tx| ..)` give synchronous access to the single SQLite connection (WAL,
//!   `synchronous=FULL`); a `tx` is committed before it returns, so "commit, then respond" is
//!   the natural shape. Never hold the connection across `.await`.
//! * **Schema**: each service's `store.rs` has `pub const SCHEMA: &str` with
//!   `CREATE TABLE IF NOT EXISTS` statements, run at every start (`db.rs` has the rules:
//!   table prefixes `os_`/`iam_`/`df_`; `core_*` is shared and survives reset).
//!   `AppState::open` (below) hands every service's schema to `state`.
//! * **Time**: `state.now()` (injectable `clock::Clock`; tests use `clock::ManualClock`).
//!   Format with `clock::rfc3339_millis`.
//! * **Lifecycles** are computed, not scheduled: store timestamps + the delay in effect
//!   (`state.lifecycle_delay()`), evaluate with `lifecycle::Timeline` on read.
//! * **IDs**: `state.new_ocid("dataflowapplication")`.
//! * **Errors**: return `ApiError` (`error.rs`, the only place error bodies are built); bodies in
//!   with `extract::OciJson<T>` / `extract::OciQuery<T>` (400 naming the field); lists page with
//!   `paging::paginate`; creates with `opc-retry-token` go through `state.idempotent(..)`
//!   (`idempotency.rs`); `etag`/`if-match` helpers are in `headers.rs`.
//! * **Request facts** (`request.rs`): `Extension<request::Principal>` (tenancy + user of the
//!   key), `Extension<request::RequestId>`, `Extension<request::Operation>`.
//! * **Compartments** are shared (`compartments.rs`): `state.require_compartment(id)`,
//!   `state.create_compartment(..)`, `compartments::get/list`.
//! * **Between services**: never another service's `store`; Object Storage offers
//!   `services::objectstorage::api` (bucket facts, object sizes, read, put and delete an
//!   object), IAM offers `services::identity::api` (the policies and dynamic groups in effect,
//!   for `oci_policy::authorize`).
//! * **Process-wide service state** (Data Flow's executor runtime) travels in
//!   `Options::extensions` and is read with `state.extension::<T>()`.
//! * **Control API**: `control.rs`, under `/_emulator/`, unsigned and never logged.
//! * **Console**: `console/`, read-only HTML pages under `/_emulator/console`, reading the
//!   services only through their `api` modules (and the state's request log).
//!
//! ## Module dependencies
//! The modules form a DAG (`tests/module_dag.rs` checks it, from the `use` paths):
//! * leaves, importing only each other: `clock`, `error`, `ocid`, `request`, `headers`,
//!   `paging`, `extract`, `faults`, `lifecycle`, `db`;
//! * `compartments` → leaves; `bootstrap` → `compartments`, leaves;
//! * `state` → `bootstrap`, `compartments`, leaves; `idempotency` → `state`, leaves;
//! * `service` (the `ServiceDef` contract and classifier) → `state`, leaves;
//! * `services::<svc>` → everything above, and another service only through its `api`;
//! * `middleware` → `service`, `state`, `control`, leaves; `control` → `services`, `state`,
//!   `compartments`, `console`, leaves; `console` → the services' `api` modules, `state`,
//!   leaves;
//! * the crate root (`app`, `serve`, `AppState::open`) composes them all.

pub mod bootstrap;
pub mod clock;
pub mod compartments;
pub mod consistency;
pub mod console;
pub mod control;
pub mod db;
pub mod error;
pub mod extract;
pub mod faults;
pub mod headers;
pub mod idempotency;
pub mod lifecycle;
pub mod middleware;
pub mod net;
pub mod ocid;
pub mod paging;
pub mod request;
pub mod service;
pub mod services;
pub mod state;
pub mod tags;

pub use net::ServeOptions;
pub use state::{AppState, Options};

use crate::error::ApiError;
use crate::middleware::DropConnection;
use crate::net::AcceptErrors;
use crate::service::Classifier;
use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower::ServiceExt;

impl AppState {
    /// Open the emulator state in `data_dir` with every service's tables, bootstrapping the
    /// account on first start. (Defined here, at the crate root, because this is where the
    /// service list is composed: `state` knows no service.)
    pub fn open(data_dir: &Path, mut options: Options) -> anyhow::Result<AppState> {
        use services::dataflow::executor::{Runtime, RuntimeConfig};
        if options.extensions.get::<Runtime>().is_none() {
            options
                .extensions
                .insert(Runtime::new(RuntimeConfig::default())?);
        }
        AppState::open_with_schemas(data_dir, options, &services::schemas())
    }
}

/// The complete emulator as a router: every service, the control API, and the middleware.
/// Routes and the middleware's classifier are both built from the services' operation
/// tables here, so they cannot disagree.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new();
    for def in services::ALL {
        router = router.merge(def.routes());
    }
    let oci = middleware::Oci {
        state: state.clone(),
        classifier: Arc::new(Classifier::new(services::ALL)),
    };
    router
        .merge(control::routes())
        .fallback(|req: Request| async move {
            ApiError::no_route(req.method().as_str(), req.uri().path()).into_response()
        })
        .method_not_allowed_fallback(|req: Request| async move {
            ApiError::method_not_allowed(req.method().as_str(), req.uri().path()).into_response()
        })
        .layer(axum::middleware::from_fn(middleware::json_errors))
        .layer(axum::middleware::from_fn_with_state(oci, middleware::oci))
        .layer(axum::middleware::from_fn(middleware::catch_panic))
        .layer(axum::middleware::from_fn(middleware::request_id))
        .with_state(state)
}

/// Error a connection task returns to make hyper close the connection without a response.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by a fault rule")]
struct Dropped;

/// [`serve_with`] with the default [`ServeOptions`].
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    serve_with(listener, state, ServeOptions::default(), shutdown).await
}

/// Serve `app(state)` on `listener` until `shutdown` resolves, then finish in-flight requests.
///
/// Unlike `axum::serve`, this loop can honour `drop_connection` fault rules: a response marked
/// with [`DropConnection`] becomes a service error, on which hyper closes the socket unanswered.
/// Slow or idle clients and accept errors are handled as `net.rs` describes.
pub async fn serve_with(
    listener: TcpListener,
    state: AppState,
    options: ServeOptions,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    // Spark runs interrupted by a previous stop end FAILED; queued ones start.
    if let Err(e) = services::dataflow::executor::resume(&state) {
        tracing::warn!(error = %e, "resuming Data Flow runs failed");
    }
    let router = app(state.clone());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(options.header_read_timeout);
    let mut accept_errors = AcceptErrors::new(options.accept_error_log_interval);
    tokio::pin!(shutdown);
    loop {
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => {
                    accept_errors.succeeded();
                    a
                }
                Err(e) => {
                    // Typically EMFILE: retrying at once would spin a core and flood the log.
                    let failure = accept_errors.failed(std::time::Instant::now());
                    if let Some(unlogged) = failure.log {
                        tracing::warn!(error = %e, unlogged, "accept failed; backing off");
                    }
                    tokio::select! {
                        () = tokio::time::sleep(failure.back_off) => continue,
                        () = &mut shutdown => break,
                    }
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let activity = net::Activity::new();
        let stream = net::ActivityIo::new(stream, activity.clone());
        let router = router.clone();
        let service =
            hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let router = router.clone();
                async move {
                    let resp: Response = router
                        .oneshot(req.map(Body::new))
                        .await
                        .unwrap_or_else(|e| match e {});
                    if resp.extensions().get::<DropConnection>().is_some() {
                        return Err(Dropped);
                    }
                    Ok(resp)
                }
            });
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let conn = graceful.watch(conn);
        let idle_timeout = options.idle_timeout;
        tokio::spawn(async move {
            tokio::select! {
                ended = conn => if let Err(e) = ended {
                    tracing::debug!(error = %e, "connection ended with an error");
                },
                // Dropping the connection closes the socket.
                () = activity.idle_for(idle_timeout) => {
                    tracing::debug!("closing a connection idle for {idle_timeout:?}");
                }
            }
        });
    }
    // Give in-flight requests a moment; a request that hangs past this is abandoned.
    tokio::select! {
        () = graceful.shutdown() => {},
        () = tokio::time::sleep(std::time::Duration::from_secs(5)) => {},
    }
    services::dataflow::executor::shutdown(&state);
    Ok(())
}
