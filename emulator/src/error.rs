//! The one place where OCI error bodies are built.
//!
//! Every failure a handler, the auth layer or a fault rule produces is an [`ApiError`]; its
//! `IntoResponse` renders OCI's `{"code","message"}` JSON. The `opc-request-id` header is added to
//! every response (errors included) by `middleware::request_id`, so it is not repeated here.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::borrow::Cow;

/// An OCI-shaped API error: HTTP status, OCI error `code` and human `message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: Cow<'static, str>,
    pub message: String,
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: &'a str,
}

/// The text OCI sends with every 401 (oracle/oci-cli issue #68).
pub const NOT_AUTHENTICATED_MESSAGE: &str =
    "The required information to complete authentication was not provided or was incorrect.";

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    /// 404 `NotAuthorizedOrNotFound`: the generic not-found of IAM and Data Flow.
    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NotAuthorizedOrNotFound",
            format!(
                "Authorization failed or requested resource not found: {what} '{id}' does not exist or you are not authorized to access it."
            ),
        )
    }

    /// 404 `NotFound`: no route matches the path (OCI answers unknown paths with JSON too).
    pub fn no_route(method: &str, path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("No such API: {method} {path}"),
        )
    }

    /// 405 `MethodNotAllowed`.
    pub fn method_not_allowed(method: &str, path: &str) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            format!("Method {method} is not allowed on {path}"),
        )
    }

    /// 400 `InvalidParameter`; the message must name the offending field.
    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidParameter", message)
    }

    /// 400 `MissingParameter` for a required query parameter or body field.
    pub fn missing_parameter(name: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "MissingParameter",
            format!("Missing required parameter '{name}'"),
        )
    }

    /// 400 `CannotParseRequest` for a body that is not valid JSON at all.
    pub fn cannot_parse(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "CannotParseRequest", message)
    }

    /// 409 with a service-specific code (`BucketAlreadyExists`, `BucketNotEmpty`, `Conflict`, ...).
    pub fn conflict(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// 412 with a code such as `IfMatchFailed` (Object Storage) or `NoEtagMatch` (IAM, Data Flow).
    pub fn precondition_failed(
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Self::new(StatusCode::PRECONDITION_FAILED, code, message)
    }

    /// 412 `NoEtagMatch`, the general if-match failure outside Object Storage.
    pub fn no_etag_match(given: &str, current: &str) -> Self {
        Self::precondition_failed(
            "NoEtagMatch",
            format!("The If-Match header is '{given}' but the current entity tag is '{current}'"),
        )
    }

    /// 401 `NotAuthenticated`; `reason` says which check failed (never key material).
    pub fn not_authenticated(reason: impl AsRef<str>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "NotAuthenticated",
            format!("{NOT_AUTHENTICATED_MESSAGE} {}", reason.as_ref()),
        )
    }

    /// 413 `RequestEntityTooLarge`: a non-streamed body over `limit` bytes.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            format!("The request body is larger than {limit} bytes."),
        )
    }

    /// The error a bare status stands for, for answers that did not come from an `ApiError`
    /// (axum's own extractor rejections): OCI's code for the status, `message` as given.
    pub fn from_status(status: StatusCode, message: impl Into<String>) -> Self {
        let code = match status.as_u16() {
            400 | 422 => "InvalidParameter",
            401 => "NotAuthenticated",
            404 => "NotFound",
            405 => "MethodNotAllowed",
            408 => "RequestTimeout",
            411 => "LengthRequired",
            413 => "RequestEntityTooLarge",
            415 => "UnsupportedMediaType",
            s if s >= 500 => "InternalServerError",
            _ => "InvalidParameter",
        };
        Self::new(status, code, message)
    }

    /// 500 `InternalServerError`; used for storage failures, which are our bugs or disk trouble.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            message,
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            code: &self.code,
            message: &self.message,
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        tracing::error!(error = %e, "sqlite error");
        ApiError::internal(format!("storage error: {e}"))
    }
}

impl From<std::io::Error> for ApiError {
    fn from(e: std::io::Error) -> Self {
        tracing::error!(error = %e, "i/o error");
        ApiError::internal(format!("storage i/o error: {e}"))
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        ApiError::internal(format!("stored document is corrupt: {e}"))
    }
}

/// The error a streamed object body ends with when its SHA-256 is not the signed
/// `x-content-sha256` (see `middleware::auth`); readers of a body turn it into a 401.
#[derive(Debug, thiserror::Error)]
#[error("the x-content-sha256 header does not match the SHA-256 of the body")]
pub struct BodyHashMismatch;

impl ApiError {
    /// The error for a failure while reading a streamed request body: 401 for
    /// [`BodyHashMismatch`], 400 `CannotParseRequest` for anything else.
    pub fn body_read(e: axum::Error) -> Self {
        let inner = e.into_inner();
        // The mismatch may arrive wrapped (a body re-wrapped on its way to the handler).
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&*inner);
        let mut mismatch = false;
        while let Some(c) = cause {
            mismatch |= c.is::<BodyHashMismatch>();
            cause = c.source();
        }
        if mismatch {
            ApiError::not_authenticated(
                "The x-content-sha256 header does not match the SHA-256 of the body.",
            )
        } else {
            ApiError::cannot_parse(format!("could not read request body: {inner}"))
        }
    }
}

/// Handler result type.
pub type ApiResult<T> = Result<T, ApiError>;
