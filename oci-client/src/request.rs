//! Pure request descriptions: what an operation sends, before any signing or I/O. Services build
//! an [`OciRequest`]; [`crate::Client`] turns it into signed HTTP attempts.

use std::path::PathBuf;

use bytes::Bytes;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Method;
use serde::Serialize;

use crate::endpoints::Service;
use crate::error::{Error, Result};

/// Characters left as-is in a path segment: the unreserved set, as Python's
/// `quote(v, safe='')` used by the SDK (so `/` becomes `%2F` and a space `%20`).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path parameter.
pub fn encode_segment(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT).to_string()
}

/// A path parameter, checked: non-empty, and not `.`/`..` (URL normalisation would remove those
/// segments even when percent-encoded, sending the request somewhere else).
pub fn segment(operation: &str, field: &str, value: &str) -> Result<String> {
    if value.is_empty() {
        return Err(Error::InvalidArgument {
            operation: operation.into(),
            field: field.into(),
            message: "must not be empty".into(),
        });
    }
    if value == "." || value == ".." {
        return Err(Error::InvalidArgument {
            operation: operation.into(),
            field: field.into(),
            message: format!("`{value}` cannot be addressed in a URL path"),
        });
    }
    Ok(encode_segment(value))
}

/// A request body.
#[derive(Debug, Clone, Default)]
pub enum RequestBody {
    /// No body. POST/PUT without a body still sign an empty one (`content-length: 0`).
    #[default]
    Empty,
    /// Serialized JSON, signed with `x-content-sha256`.
    Json(Bytes),
    /// Raw object bytes, sent unsigned (PutObject, UploadPart).
    Bytes { data: Bytes, content_type: String },
    /// `len` bytes of a file from `offset`, streamed unsigned; reopened for every attempt, so
    /// retries resend it without buffering.
    File {
        path: PathBuf,
        offset: u64,
        len: u64,
        content_type: String,
    },
}

/// One OCI operation call.
#[derive(Debug, Clone)]
pub struct OciRequest {
    /// Operation name for errors and logs, e.g. `CreateBucket`.
    pub operation: &'static str,
    pub service: Service,
    pub method: Method,
    /// Percent-encoded path after the service's base path, starting with `/`.
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub headers: Vec<(String, String)>,
    pub body: RequestBody,
    /// Generate one `opc-retry-token` for this call and send it on every attempt.
    pub retry_token: bool,
}

impl OciRequest {
    pub fn new(operation: &'static str, service: Service, method: Method, path: String) -> Self {
        Self {
            operation,
            service,
            method,
            path,
            query: Vec::new(),
            headers: Vec::new(),
            body: RequestBody::Empty,
            retry_token: false,
        }
    }

    pub fn query(mut self, name: &'static str, value: impl ToString) -> Self {
        self.query.push((name, value.to_string()));
        self
    }

    pub fn query_opt<V: ToString>(self, name: &'static str, value: Option<V>) -> Self {
        match value {
            Some(v) => self.query(name, v),
            None => self,
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    pub fn header_opt(self, name: &str, value: Option<&str>) -> Self {
        match value {
            Some(v) => self.header(name, v),
            None => self,
        }
    }

    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Self> {
        let bytes = serde_json::to_vec(body).map_err(|e| Error::InvalidArgument {
            operation: self.operation.into(),
            field: "body".into(),
            message: e.to_string(),
        })?;
        self.body = RequestBody::Json(Bytes::from(bytes));
        Ok(self)
    }

    pub fn body(mut self, body: RequestBody) -> Self {
        self.body = body;
        self
    }

    pub fn with_retry_token(mut self) -> Self {
        self.retry_token = true;
        self
    }

    /// The full URL under a service base URL (which already carries the version prefix).
    pub fn url(&self, base: &reqwest::Url) -> Result<reqwest::Url> {
        let full = format!("{}{}", base.as_str().trim_end_matches('/'), self.path);
        let mut url = reqwest::Url::parse(&full).map_err(|e| Error::InvalidArgument {
            operation: self.operation.into(),
            field: "path".into(),
            message: format!("{full}: {e}"),
        })?;
        if !self.query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(self.query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        Ok(url)
    }
}

/// A new `opc-retry-token`: 30 letters and digits, like the SDK's.
pub fn new_retry_token() -> String {
    use rand::Rng as _;
    rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(30)
        .map(char::from)
        .collect()
}

/// A new `opc-request-id`: 32 upper-case hex characters, like the SDK's.
pub fn new_request_id() -> String {
    uuid::Uuid::new_v4()
        .simple()
        .to_string()
        .to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded_like_the_python_sdk() {
        assert_eq!(
            encode_segment("dir/hello world%.txt"),
            "dir%2Fhello%20world%25.txt"
        );
        assert_eq!(encode_segment("a-b_c.d~e"), "a-b_c.d~e");
        assert_eq!(encode_segment("ünï+?#&="), "%C3%BCn%C3%AF%2B%3F%23%26%3D");
        assert!(segment("Op", "object", ".").is_err());
        assert!(segment("Op", "object", "..").is_err());
        assert!(segment("Op", "object", "").is_err());
        assert_eq!(segment("Op", "object", "...").unwrap(), "...");
    }

    #[test]
    fn urls_keep_encoded_paths_and_encode_queries() {
        let base = reqwest::Url::parse("http://127.0.0.1:9/20200129").unwrap();
        let req = OciRequest::new(
            "ListRuns",
            Service::DataFlow,
            Method::GET,
            format!("/runs/{}", encode_segment("a/b c")),
        )
        .query("page", "abc==")
        .query("displayName", "x y&z");
        let url = req.url(&base).unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9/20200129/runs/a%2Fb%20c?page=abc%3D%3D&displayName=x+y%26z"
        );
    }

    #[test]
    fn ids_have_the_sdk_shapes() {
        let id = new_request_id();
        assert_eq!(id.len(), 32);
        assert!(
            id.chars()
                .all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c))
        );
        let token = new_retry_token();
        assert_eq!(token.len(), 30);
        assert_ne!(token, new_retry_token());
    }
}
