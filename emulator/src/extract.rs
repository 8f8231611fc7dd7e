//! Request extractors whose rejections are OCI errors rather than axum's plain-text ones.

use crate::error::ApiError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use bytes::Bytes;
use serde::de::DeserializeOwned;

/// JSON body extractor. Unlike `axum::Json` it does not insist on a content type (the OCI SDKs
/// send `application/json`, but CLI users may not), and it reports bad input as
/// 400 `InvalidParameter` naming the field serde complained about.
pub struct OciJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for OciJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::cannot_parse(format!("could not read request body: {e}")))?;
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
    serde_path_to_error(de)
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
