//! `opc-retry-token` idempotency for create operations (oci-api.md §6.4).
//!
//! Usage in a create handler that receives the raw body bytes: `prepare` validates (it may read
//! the state freely) and returns the write, which runs inside the transaction that also records
//! the token, so a resource is never committed without its token (a kill -9 between the two
//! used to let a retry create a second resource):
//! ```text
//! state.idempotent("CreateApplication", &headers, &body, || {
//!     let app = /* parse + validate */;
//!     Ok(move |conn: &Connection| {
//!         let stored = store::insert_app(conn, &app)?;
//!         Ok((StoredResponse::json(StatusCode::OK, etag_headers(&stored.etag), &stored.app)?, Some(app.id.clone())))
//!     })
//! })
//! ```
//! * no token: `prepare` runs, then its write in a transaction of its own;
//! * first use of a token: both run and the response is stored with the body's SHA-256, in the
//!   write's transaction (a failing record rolls the resource back);
//! * same token, same body (within 24 h): the stored response is replayed, nothing runs;
//! * same token, different body: 409 `InvalidatedRetryToken` naming the token (the code OCI uses
//!   for a token that can no longer be honoured);
//! * same token after the resource was deleted (the delete handler calls
//!   [`AppState::invalidate_retry_tokens`]): 409 `InvalidatedRetryToken`;
//! * the same token arriving concurrently: one request creates, the others wait for it and
//!   replay its response ([`AppState::retry_token_lock`]).
//!
//! The write gets the transaction as a `&Connection` and must not call `AppState::db`/`tx`
//! (the connection is already held: that would deadlock).

use crate::clock::{parse_rfc3339, rfc3339_millis};
use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};
use time::Duration;

/// A response that can be stored and replayed byte for byte.
#[derive(Debug, Clone)]
pub struct StoredResponse {
    pub status: StatusCode,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl StoredResponse {
    /// A JSON response with extra headers (e.g. `etag`).
    pub fn json<T: Serialize>(
        status: StatusCode,
        headers: &HeaderMap,
        value: &T,
    ) -> Result<Self, ApiError> {
        let mut hs: Vec<(String, String)> = headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        hs.push(("content-type".to_owned(), "application/json".to_owned()));
        Ok(Self {
            status,
            headers: hs,
            body: serde_json::to_vec(value)?,
        })
    }
}

impl IntoResponse for StoredResponse {
    fn into_response(self) -> Response {
        let mut resp = Response::new(Body::from(self.body));
        *resp.status_mut() = self.status;
        for (k, v) in self.headers {
            if let (Ok(k), Ok(v)) = (HeaderName::try_from(k), HeaderValue::try_from(v)) {
                resp.headers_mut().append(k, v);
            }
        }
        resp
    }
}

const TOKEN_TTL: Duration = Duration::hours(24);

impl AppState {
    /// Run a create at most once per `opc-retry-token`; see the module docs.
    pub fn idempotent<W>(
        &self,
        operation: &str,
        headers: &HeaderMap,
        body: &[u8],
        prepare: impl FnOnce() -> Result<W, ApiError>,
    ) -> Result<Response, ApiError>
    where
        W: FnOnce(&Connection) -> Result<(StoredResponse, Option<String>), ApiError>,
    {
        let Some(token) = headers
            .get("opc-retry-token")
            .and_then(|v| v.to_str().ok())
            .filter(|t| !t.is_empty())
        else {
            let write = prepare()?;
            return self.tx(|tx| write(tx)).map(|(r, _)| r.into_response());
        };
        let hash = hex(&Sha256::digest(body));
        // Held until the response is recorded: lookup, create and record are one atomic step.
        let _one_at_a_time = self.retry_token_lock(operation, token);
        let now = self.now();
        if let Some(replay) = self.db(|c| stored_response(c, operation, token, &hash, now))? {
            return Ok(replay.into_response());
        }
        let write = prepare()?;
        let resp = self.tx(|tx| {
            let (resp, resource_id) = write(tx)?;
            tx.execute(
                "INSERT OR REPLACE INTO core_retry_tokens (operation, token, body_sha256, status, headers, body, resource_id, invalidated, time_created) VALUES (?1,?2,?3,?4,?5,?6,?7,0,?8)",
                (
                    operation,
                    token,
                    &hash,
                    resp.status.as_u16(),
                    serde_json::to_string(&resp.headers)?,
                    &resp.body,
                    &resource_id,
                    rfc3339_millis(now),
                ),
            )?;
            Ok(resp)
        })?;
        Ok(resp.into_response())
    }

    /// Mark every token that created `resource_id` as invalidated (call on delete).
    pub fn invalidate_retry_tokens(&self, resource_id: &str) -> Result<(), ApiError> {
        self.db(|c| {
            c.execute(
                "UPDATE core_retry_tokens SET invalidated = 1 WHERE resource_id = ?1",
                [resource_id],
            )?;
            Ok(())
        })
    }
}

/// The response stored for a fresh `(operation, token)`, or the 409 its state calls for; `None`
/// when the token is unknown or expired (the create runs).
fn stored_response(
    c: &Connection,
    operation: &str,
    token: &str,
    hash: &str,
    now: time::OffsetDateTime,
) -> Result<Option<StoredResponse>, ApiError> {
    let found = c
        .query_row(
            "SELECT body_sha256, status, headers, body, invalidated, time_created FROM core_retry_tokens WHERE operation = ?1 AND token = ?2",
            (operation, token),
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, u16>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                    r.get::<_, bool>(4)?,
                    r.get::<_, String>(5)?,
                ))
            },
        )
        .optional()?;
    let Some((stored_hash, status, hdrs, body, invalidated, created)) = found else {
        return Ok(None);
    };
    if parse_rfc3339(&created).is_none_or(|t| now - t >= TOKEN_TTL) {
        return Ok(None);
    }
    if invalidated {
        return Err(ApiError::conflict(
            "InvalidatedRetryToken",
            format!(
                "The retry token '{token}' was invalidated because the resource it created no longer exists; use a new token."
            ),
        ));
    }
    if stored_hash != hash {
        return Err(ApiError::conflict(
            "InvalidatedRetryToken",
            format!("The retry token '{token}' was already used with a different request body."),
        ));
    }
    let headers: Vec<(String, String)> = serde_json::from_str(&hdrs)?;
    let status = StatusCode::from_u16(status).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(Some(StoredResponse {
        status,
        headers,
        body,
    }))
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
