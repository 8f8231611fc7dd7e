//! Request extractors whose rejections are OCI errors rather than axum's plain-text ones.

use crate::error::ApiError;
use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use bytes::Bytes;
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;

/// Largest body of any request that is not streamed (everything but PutObject and UploadPart):
/// axum's default `Bytes` limit, enforced at the door by [`buffer_bounded`] so that an
/// oversized body is refused while it streams in, not after being buffered.
pub const MAX_JSON_BODY: usize = 2 << 20;

/// Read a request's body into memory, at most [`MAX_JSON_BODY`] bytes: a declared
/// `content-length` over the limit is refused before reading anything, a body that grows past
/// it as soon as it does (413 `RequestEntityTooLarge` either way).
pub async fn buffer_bounded(req: Request) -> Result<Request, ApiError> {
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_JSON_BODY as u64) {
        return Err(ApiError::too_large(MAX_JSON_BODY));
    }
    let (parts, body) = req.into_parts();
    let bytes = http_body_util::Limited::new(body, MAX_JSON_BODY)
        .collect()
        .await
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                ApiError::too_large(MAX_JSON_BODY)
            } else {
                ApiError::cannot_parse(format!("could not read request body: {e}"))
            }
        })?
        .to_bytes();
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// JSON body extractor. Unlike `axum::Json` it does not insist on a content type (the OCI SDKs
/// send `application/json`, but CLI users may not), and it reports bad input as
/// 400 `InvalidParameter` naming the field serde complained about.
pub struct OciJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for OciJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::too_large(MAX_JSON_BODY)
            } else {
                ApiError::cannot_parse(format!("could not read request body: {e}"))
            }
        })?;
        parse_json(&bytes).map(OciJson)
    }
}

/// Parse a JSON body with OCI-style errors (shared by `OciJson` and handlers that need the raw
/// bytes too, e.g. for retry-token hashing).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::cannot_parse(
            "The request body is empty; a JSON object is required.",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error(de)?;
    // One JSON document and nothing after it: `{"name":"b"}garbage` is not a request body.
    de.end()
        .map_err(|e| ApiError::cannot_parse(format!("The request body is not valid JSON: {e}")))?;
    Ok(value)
}

fn serde_path_to_error<'de, T: DeserializeOwned>(
    de: &mut serde_json::Deserializer<serde_json::de::SliceRead<'de>>,
) -> Result<T, ApiError> {
    T::deserialize(de).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            ApiError::cannot_parse(format!("The request body is not valid JSON: {e}"))
        } else {
            // serde's data errors name the field: "missing field `name`", "unknown variant `X`,
            // expected one of ...", "invalid type: string, expected u32 at line 1 column 30".
            ApiError::invalid_parameter(format!("Invalid request body: {e}"))
        }
    })
}

/// Query-string extractor whose rejection is 400 `InvalidParameter`.
pub struct OciQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for OciQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        serde_urlencoded_from_str(query).map(OciQuery)
    }
}

fn serde_urlencoded_from_str<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    axum::extract::Query::<T>::try_from_uri(
        &format!("/?{query}")
            .parse()
            .map_err(|_| ApiError::invalid_parameter("malformed query string"))?,
    )
    .map(|q| q.0)
    .map_err(|e| ApiError::invalid_parameter(format!("Invalid query parameter: {}", e.body_text())))
}
