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
//! * **Services** live in `services/<svc>/{mod,handlers,store,wire}.rs` and plug in through a
//!   `pub const SERVICE: ServiceDef` (`services/mod.rs`): name, path prefix, schema, routes,
//!   operation classifier (for logs, faults and the PutObject body-signing exemption) and dump.
//! * **State**: every handler takes `State<AppState>` (`state.rs`). `state.db(|conn| ..)` and
//!   `state.tx(|tx| ..)` give synchronous access to the single SQLite connection (WAL,
//!   `synchronous=FULL`); a `tx` is committed before it returns, so "commit, then respond" is
//!   the natural shape. Never hold the connection across `.await`.
//! * **Schema**: each service's `store.rs` has `pub const SCHEMA: &str` with
//!   `CREATE TABLE IF NOT EXISTS` statements, run at every start (`db.rs` has the rules:
//!   table prefixes `os_`/`iam_`/`df_`; `core_*` is shared and survives reset).
//! * **Time**: `state.now()` (injectable `clock::Clock`; tests use `clock::ManualClock`).
//!   Format with `clock::rfc3339_millis`.
//! * **Lifecycles** are computed, not scheduled: store timestamps + the delay in effect
//!   (`state.lifecycle_delay()`), evaluate with `lifecycle::Timeline` on read.
//! * **IDs**: `state.new_ocid("dataflowapplication")`.
//! * **Errors**: return `ApiError` (`error.rs`, the only place error bodies are built); bodies in
//!   with `extract::OciJson<T>` / `extract::OciQuery<T>` (400 naming the field); lists page with
//!   `paging::paginate`; creates with `opc-retry-token` go through `state.idempotent(..)`
//!   (`idempotency.rs`).
//! * **Caller identity**: `Extension<middleware::auth::Principal>` (tenancy + user of the key).
//! * **Compartments** are shared (`compartments.rs`): `state.require_compartment(id)`,
//!   `state.create_compartment(..)`, `compartments::get/list`.
//! * **Control API**: `control.rs`, under `/_emulator/`, unsigned and never logged.

pub mod bootstrap;
pub mod clock;
pub mod compartments;
pub mod consistency;
pub mod control;
pub mod db;
pub mod error;
pub mod extract;
pub mod faults;
pub mod idempotency;
pub mod lifecycle;
pub mod middleware;
pub mod ocid;
pub mod paging;
pub mod services;
pub mod state;

pub use state::{AppState, Options};

use crate::error::ApiError;
use crate::middleware::DropConnection;
use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::future::Future;
use tokio::net::TcpListener;
use tower::ServiceExt;

/// The complete emulator as a router: every service, the control API, and the middleware.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new();
    for def in services::ALL {
        router = router.merge((def.routes)());
    }
    router
        .merge(control::routes())
        .fallback(|req: Request| async move {
            ApiError::no_route(req.method().as_str(), req.uri().path()).into_response()
        })
        .method_not_allowed_fallback(|req: Request| async move {
            ApiError::method_not_allowed(req.method().as_str(), req.uri().path()).into_response()
        })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::oci,
        ))
        .layer(axum::middleware::from_fn(middleware::request_id))
        .with_state(state)
}

/// Error a connection task returns to make hyper close the connection without a response.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by a fault rule")]
struct Dropped;

/// Serve `app(state)` on `listener` until `shutdown` resolves, then finish in-flight requests.
///
/// Unlike `axum::serve`, this loop can honour `drop_connection` fault rules: a response marked
/// with [`DropConnection`] becomes a service error, on which hyper closes the socket unanswered.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let router = app(state);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    tokio::pin!(shutdown);
    loop {
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
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
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    // Give in-flight requests a moment; a request that hangs past this is abandoned.
    tokio::select! {
        () = graceful.shutdown() => {},
        () = tokio::time::sleep(std::time::Duration::from_secs(5)) => {},
    }
    Ok(())
}
