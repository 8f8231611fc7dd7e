//! OCI request signatures: draft-cavage-http-signatures-08 with `rsa-sha256`, in the
//! `Authorization` header, exactly as the official SDKs build them (reference oci-api.md §1).
//!
//! - GET, HEAD, DELETE sign `date (request-target) host`.
//! - POST, PUT, PATCH also sign `content-length content-type x-content-sha256`, where
//!   `x-content-sha256` is base64(SHA-256) of the exact bytes sent.
//! - PutObject and UploadPart send their body unsigned (header set of a GET), so a file can be
//!   streamed without reading it twice.
//! - `(request-target)` is the lowercase method and the raw, already percent-encoded path and
//!   query as they go on the wire; `host` includes a non-default port.
//!
//! Nothing here does I/O, so the fixed vectors produced by the Python SDK can be checked exactly.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use super::key::PrivateKey;
use crate::secret::Secret;

/// The `keyId` of the signature.
#[derive(Clone, PartialEq, Eq)]
pub enum KeyId {
    /// `<tenancy>/<user>/<fingerprint>`.
    ApiKey {
        tenancy: String,
        user: String,
        fingerprint: String,
    },
    /// `ST$<token>` — the token is a bearer credential and is never printed.
    SecurityToken(Secret),
}

impl KeyId {
    fn render(&self) -> String {
        match self {
            KeyId::ApiKey {
                tenancy,
                user,
                fingerprint,
            } => format!("{tenancy}/{user}/{fingerprint}"),
            KeyId::SecurityToken(token) => format!("ST${}", token.expose()),
        }
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyId::ApiKey { .. } => write!(f, "KeyId({})", self.render()),
            KeyId::SecurityToken(_) => f.write_str("KeyId(ST$<redacted>)"),
        }
    }
}

/// Whether and how the body takes part in the signature.
#[derive(Debug, Clone, Copy)]
pub enum BodySigning<'a> {
    /// Sign these exact bytes (POST/PUT/PATCH with a JSON or empty body).
    Signed(&'a [u8]),
    /// Body not signed (PutObject, UploadPart, and every GET/HEAD/DELETE).
    Unsigned,
}

/// What the signer needs to know about one request attempt.
#[derive(Debug, Clone, Copy)]
pub struct SigningInput<'a> {
    pub method: &'a str,
    pub url: &'a reqwest::Url,
    /// IMF-fixdate, e.g. `Sat, 21 Nov 2026 02:25:26 GMT`.
    pub date: &'a str,
    pub content_type: &'a str,
    pub body: BodySigning<'a>,
}

/// Headers the signer decided; the caller sends all of them.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    pub date: String,
    pub host: String,
    /// Set when the body is signed (it is part of the signing string).
    pub content_length: Option<String>,
    pub x_content_sha256: Option<String>,
    pub authorization: String,
}

impl fmt::Debug for SignedHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The Authorization header of a security-token request embeds the token.
        f.debug_struct("SignedHeaders")
            .field("date", &self.date)
            .field("host", &self.host)
            .field("content_length", &self.content_length)
            .field("x_content_sha256", &self.x_content_sha256)
            .field("authorization", &"<redacted>")
            .finish()
    }
}

/// Signs requests with one key. Cheap to clone.
#[derive(Clone)]
pub struct Signer {
    key_id: KeyId,
    key: Arc<PrivateKey>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("key_id", &self.key_id)
            .field("key", &self.key)
            .finish()
    }
}

impl Signer {
    pub fn new(key_id: KeyId, key: PrivateKey) -> Self {
        Self {
            key_id,
            key: Arc::new(key),
        }
    }

    pub fn key_id(&self) -> &KeyId {
        &self.key_id
    }

    pub fn sign(&self, input: &SigningInput<'_>) -> SignedHeaders {
        let host = host_header(input.url);
        let method = input.method.to_ascii_lowercase();
        let mut target = input.url.path().to_string();
        if let Some(q) = input.url.query() {
            target.push('?');
            target.push_str(q);
        }
        let body_method = matches!(method.as_str(), "post" | "put" | "patch");
        let signed_body = match input.body {
            BodySigning::Signed(bytes) if body_method => Some(bytes),
            _ => None,
        };

        let mut names = vec!["date", "(request-target)", "host"];
        let mut lines = vec![
            format!("date: {}", input.date),
            format!("(request-target): {method} {target}"),
            format!("host: {host}"),
        ];
        let (content_length, x_content_sha256) = match signed_body {
            Some(bytes) => {
                let len = bytes.len().to_string();
                let sha = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes));
                names.extend(["content-length", "content-type", "x-content-sha256"]);
                lines.push(format!("content-length: {len}"));
                lines.push(format!("content-type: {}", input.content_type));
                lines.push(format!("x-content-sha256: {sha}"));
                (Some(len), Some(sha))
            }
            None => (None, None),
        };
        let signing_string = lines.join("\n");
        let signature = base64::engine::general_purpose::STANDARD
            .encode(self.key.sign(signing_string.as_bytes()));
        let authorization = format!(
            "Signature algorithm=\"rsa-sha256\",headers=\"{}\",keyId=\"{}\",signature=\"{}\",version=\"1\"",
            names.join(" "),
            self.key_id.render(),
            signature
        );
        SignedHeaders {
            date: input.date.to_string(),
            host,
            content_length,
            x_content_sha256,
            authorization,
        }
    }
}

/// `host[:port]` as in the URL's netloc; the `url` crate already drops default ports, which is
/// also what goes into the `Host` header on the wire.
pub fn host_header(url: &reqwest::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// RFC 7231 IMF-fixdate in GMT for the `date` header.
pub fn http_date(t: time::OffsetDateTime) -> String {
    const FMT: &[time::format_description::FormatItem<'static>] = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(FMT)
        .unwrap_or_default()
}
