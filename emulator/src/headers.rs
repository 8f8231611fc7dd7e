//! Header and ETag helpers every service uses. A leaf: axum types only.
//!
//! The `if-match` rule differs per service, and each service keeps its own:
//! [`check_if_match`] is IAM's and Data Flow's (one exact tag or `*`, 412 `NoEtagMatch`);
//! Object Storage's list form with 412 `IfMatchFailed` is in its `model.rs`, built on
//! [`etag_matches`].

use crate::error::ApiError;
use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// A request header as text: `None` if absent, not visible ASCII, or empty. OCI treats an empty
/// optional header as absent, and SDKs send them (Oracle's Go SDK sends `storage-tier:` on
/// every PutObject without a tier), so every optional header is read through here.
pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.trim().is_empty())
}

/// The `if-match` request header.
pub fn if_match(headers: &HeaderMap) -> Option<&str> {
    header(headers, "if-match")
}

/// Set `name` to `value` unless the value cannot be a header value (then leave it out).
pub fn insert(h: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(name, v);
    }
}

/// A header map holding just `etag`.
pub fn etag_headers(etag: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    insert(&mut h, "etag", etag);
    h
}

/// 200 with `etag` and `body` as JSON.
pub fn json_with_etag<T: serde::Serialize>(etag: &str, body: &T) -> Response {
    (StatusCode::OK, etag_headers(etag), Json(body)).into_response()
}

/// Does an `if-match` / `if-none-match` value name this etag? It may list several, quoted or
/// not; `*` names any.
pub fn etag_matches(given: &str, current: &str) -> bool {
    given
        .split(',')
        .map(|g| g.trim().trim_matches('"'))
        .any(|g| g == "*" || g == current)
}

/// 412 `NoEtagMatch` unless `if_match` is absent, `*` or the current ETag (IAM, Data Flow).
pub fn check_if_match(if_match: Option<&str>, current: &str) -> Result<(), ApiError> {
    match if_match {
        Some(given) if given != current && given != "*" => {
            Err(ApiError::no_etag_match(given, current))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_lists_and_wildcards() {
        assert!(etag_matches("\"a\", b", "b"));
        assert!(etag_matches("*", "x"));
        assert!(!etag_matches("a,b", "c"));
        assert!(check_if_match(None, "x").is_ok());
        assert!(check_if_match(Some("*"), "x").is_ok());
        let err = check_if_match(Some("y"), "x").unwrap_err();
        assert_eq!((err.status.as_u16(), &*err.code), (412, "NoEtagMatch"));
    }

    #[test]
    fn unrepresentable_values_are_left_out() {
        let mut h = etag_headers("e1");
        insert(&mut h, "location", "bad\nvalue");
        assert_eq!(h.get("etag").unwrap(), "e1");
        assert!(h.get("location").is_none());
    }
}
