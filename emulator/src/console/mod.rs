//! The emulator console: a read-only web view of what the emulator holds, under
//! `/_emulator/console` on the same listener as the control API (loopback unless
//! `--allow-non-loopback`; unsigned and never in the request log, like every `/_emulator/`
//! path).
//!
//! | page | shows |
//! |---|---|
//! | `/_emulator/console` | tenancy, compartments, counts, executor, fault rules, recent runs |
//! | `…/buckets`, `…/buckets/{bucket}[?prefix=]` | buckets; a bucket's objects (size, etag, content type) |
//! | `…/buckets/{bucket}/download?object=` | an object's bytes, as an attachment |
//! | `…/iam` | dynamic groups and policies, as stored and in canonical form |
//! | `…/dataflow`, `…/dataflow/applications/{id}`, `…/dataflow/runs/{id}` | applications and runs: timeline, details, logs, output objects, IAM decisions |
//! | `…/requests` | the request log, newest first, injected faults marked |
//!
//! Everything comes from the services' `api` modules and the state's request log: the same
//! store the OCI API serves, read when the page is asked for (no copy, no second model). Pages
//! are HTML written through `html.rs` (every value escaped), with no script at all: a page
//! that shows a run still ACCEPTED or IN_PROGRESS refreshes itself with `<meta http-equiv=
//! refresh>`. Every answer carries a Content-Security-Policy that allows only the page's own
//! style sheet (by hash) and images from the emulator, so even an escaping bug could not run
//! a script; and the console answers only requests whose `Host` is an IP address or
//! `localhost`, so a web page that rebinds its own DNS name to 127.0.0.1 cannot read it.

mod dataflow;
pub mod html;
mod iam;
mod layout;
mod overview;
mod requests;
mod storage;

use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub use html::ROOT;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(ROOT, get(overview::page))
        .route("/_emulator/console/", get(overview::page))
        .route("/_emulator/console/favicon.svg", get(layout::favicon))
        .route("/_emulator/console/buckets", get(storage::buckets))
        .route("/_emulator/console/buckets/{bucket}", get(storage::bucket))
        .route(
            "/_emulator/console/buckets/{bucket}/download",
            get(storage::download),
        )
        .route("/_emulator/console/iam", get(iam::page))
        .route("/_emulator/console/dataflow", get(dataflow::page))
        .route(
            "/_emulator/console/dataflow/applications/{id}",
            get(dataflow::application),
        )
        .route("/_emulator/console/dataflow/runs/{id}", get(dataflow::run))
        .route("/_emulator/console/requests", get(requests::page))
        .layer(axum::middleware::from_fn(guard))
}

/// Is `host` (a `Host` header) one a DNS-rebinding page cannot produce: an IP literal or
/// `localhost`? A rebinding attack needs the victim's browser to send the attacker's own
/// domain name.
pub(crate) fn host_allowed(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        // `[::1]:8080`
        Some(rest) => {
            return rest
                .split(']')
                .next()
                .is_some_and(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok());
        }
        None => host.rsplit_once(':').map_or(host, |(name, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                name
            } else {
                host
            }
        }),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name.parse::<std::net::Ipv4Addr>().is_ok()
        || name == "localhost"
        || name.ends_with(".localhost")
}

/// The request filter and the response headers of every console answer, errors included.
async fn guard(req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned);
    if let Some(host) = host.filter(|h| !host_allowed(h)) {
        return ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "NotAllowed",
            format!(
                "The console answers only requests addressed to an IP address or localhost, not '{host}' (protection against DNS rebinding); open it as http://127.0.0.1:PORT{ROOT}"
            ),
        )
        .into_response();
    }
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let csp =
        HeaderValue::from_str(&layout::content_security_policy()).expect("the policy is ASCII");
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(csp);
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::host_allowed;

    #[test]
    fn only_ip_literals_and_localhost_are_served() {
        for ok in [
            "127.0.0.1:4567",
            "127.0.0.1",
            "[::1]:80",
            "[::1]",
            "localhost:9",
            "LOCALHOST",
            "app.localhost:1",
            "10.0.0.5:80",
        ] {
            assert!(host_allowed(ok), "{ok}");
        }
        for bad in [
            "evil.example:4567",
            "evil.example",
            "127.0.0.1.evil.example",
            "localhost.evil.example:80",
            "[not-an-ip]:80",
        ] {
            assert!(!host_allowed(bad), "{bad}");
        }
    }
}
