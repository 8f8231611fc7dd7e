//! `opc-retry-token` idempotency for create operations (oci-api.md §6.4).
//!
//! Usage in a create handler that receives the raw body bytes:
//! ```text
//! state.idempotent("CreateApplication", &headers, &body, || {
//!     let app = /* validate + insert */;
//!     Ok((StoredResponse::json(StatusCode::OK, etag_headers(&app.etag), &app)?, Some(app.id.clone())))
//! })
//! ```
//! * no token: `f` runs;
//! * first use of a token: `f` runs and its response is stored with the body's SHA-256;
//! * same token, same body (within 24 h): the stored response is replayed, `f` does not run;
//! * same token, different body: 409 `InvalidatedRetryToken` naming the token (the code OCI uses
//!   for a token that can no longer be honoured);
//! * same token after the resource was deleted (the delete handler calls
//!   [`AppState::invalidate_retry_tokens`]): 409 `InvalidatedRetryToken`;
//! * the same token arriving concurrently: one request creates, the others wait for it and
//!   replay its response ([`AppState::retry_token_lock`]).

use crate::clock::{parse_rfc3339, rfc3339_millis};
use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rusqlite::OptionalExtension;
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
    pub fn idempotent(
        &self,
        operation: &str,
        headers: &HeaderMap,
        body: &[u8],
        f: impl FnOnce() -> Result<(StoredResponse, Option<String>), ApiError>,
    ) -> Result<Response, ApiError> {
        let Some(token) = headers
            .get("opc-retry-token")
            .and_then(|v| v.to_str().ok())
            .filter(|t| !t.is_empty())
        else {
            return f().map(|(r, _)| r.into_response());
        };
        let hash = hex(&Sha256::digest(body));
        // Held until the response is recorded: lookup, create and record are one atomic step.
        let _one_at_a_time = self.retry_token_lock(operation, token);
        let now = self.now();
        let found = self.db(|c| {
            Ok(c.query_row(
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
            .optional()?)
        })?;
        if let Some((stored_hash, status, hdrs, body, invalidated, created)) = found {
            let fresh = parse_rfc3339(&created).is_some_and(|t| now - t < TOKEN_TTL);
            if fresh {
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
                        format!(
                            "The retry token '{token}' was already used with a different request body."
                        ),
                    ));
                }
                let headers: Vec<(String, String)> = serde_json::from_str(&hdrs)?;
                let status =
                    StatusCode::from_u16(status).map_err(|e| ApiError::internal(e.to_string()))?;
                return Ok(StoredResponse {
                    status,
                    headers,
                    body,
                }
                .into_response());
            }
        }
        let (resp, resource_id) = f()?;
        self.db(|c| {
            c.execute(
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
            Ok(())
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

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
