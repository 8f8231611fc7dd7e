//! The crate's one error type. Callers branch on the predicates (`is_not_found`, `is_conflict`,
//! `is_retryable`), never on raw status numbers, and every message names the operation and, when
//! the service answered, its `opc-request-id` (what Oracle support asks for).

use std::path::PathBuf;
use std::time::Duration;

/// An error answer from an OCI service: a non-2xx status with OCI's `{"code","message"}` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    /// The OCI operation name, e.g. `GetBucket`.
    pub operation: String,
    pub status: u16,
    /// OCI error code, e.g. `NotAuthorizedOrNotFound`. For bodiless answers (HEAD) it is derived
    /// from the status, since the service sends nothing else.
    pub code: String,
    pub message: String,
    pub opc_request_id: Option<String>,
    /// The `retry-after` header (whole seconds), when the service sent one.
    pub retry_after: Option<std::time::Duration>,
    /// Method and URL of the request, for diagnostics. URLs never carry secrets.
    pub method: String,
    pub url: String,
    /// Attempts made before giving up (1: no retry), and the time from the first attempt to the
    /// last answer: said in the message, so an exhausted retry budget is recognisable.
    pub attempts: u32,
    pub retried_for: Duration,
}

impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} failed: {} {} (HTTP {}), opc-request-id: {}",
            self.operation,
            self.code,
            self.message,
            self.status,
            self.opc_request_id.as_deref().unwrap_or("none")
        )?;
        if self.attempts > 1 {
            write!(
                f,
                " (the last of {} attempts over {:.1} s)",
                self.attempts,
                self.retried_for.as_secs_f64()
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ServiceError {}

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The service answered with an error status.
    #[error(transparent)]
    Service(Box<ServiceError>),

    /// No HTTP answer: connection refused or reset, TLS failure, timeout on the wire.
    #[error("{operation} failed: no response from {url}: {source}")]
    Transport {
        operation: String,
        url: String,
        #[source]
        source: reqwest::Error,
    },

    /// The service answered 2xx but the body was not what the model expects.
    #[error("{operation}: could not decode the response body (opc-request-id: {}): {source}", opc_request_id.as_deref().unwrap_or("none"))]
    Decode {
        operation: String,
        opc_request_id: Option<String>,
        #[source]
        source: serde_json::Error,
    },

    /// Building the signature failed (bad key, unsignable request).
    #[error("signing the {operation} request failed: {message}")]
    Signing { operation: String, message: String },

    /// Provider/config-file/key problems. The message names the field and where it came from.
    #[error("{0}")]
    Config(String),

    /// A caller-supplied value cannot be sent (e.g. an object named `.`).
    #[error("{operation}: invalid argument `{field}`: {message}")]
    InvalidArgument {
        operation: String,
        field: String,
        message: String,
    },

    /// A request body file could not be read.
    #[error("{operation}: reading request body from {}: {source}", path.display())]
    Body {
        operation: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A wait for a lifecycle state ran out of time.
    #[error(
        "{operation}: timed out after {waited:?} waiting for {what} to reach {targets}; last state: {last_state}"
    )]
    Timeout {
        operation: String,
        what: String,
        targets: String,
        last_state: String,
        waited: Duration,
    },

    /// A wait saw a state that is neither a target nor pending (e.g. a run that FAILED while we
    /// waited for SUCCEEDED only).
    #[error("{operation}: {what} reached unexpected state {state} while waiting for {targets}")]
    UnexpectedState {
        operation: String,
        what: String,
        state: String,
        targets: String,
    },

    /// A paginated list returned the same continuation token twice; following it would loop.
    #[error("{operation}: the service repeated page token {token:?}; stopping to avoid a loop")]
    PaginationLoop { operation: String, token: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn service(err: ServiceError) -> Self {
        Error::Service(Box::new(err))
    }

    /// The service error, if the service answered.
    pub fn as_service(&self) -> Option<&ServiceError> {
        match self {
            Error::Service(e) => Some(e),
            _ => None,
        }
    }

    /// HTTP status of a service answer.
    pub fn status(&self) -> Option<u16> {
        self.as_service().map(|e| e.status)
    }

    /// OCI error code of a service answer, e.g. `BucketNotEmpty`.
    pub fn code(&self) -> Option<&str> {
        self.as_service().map(|e| e.code.as_str())
    }

    pub fn opc_request_id(&self) -> Option<&str> {
        self.as_service().and_then(|e| e.opc_request_id.as_deref())
    }

    /// 404 of any code (`NotAuthorizedOrNotFound`, `BucketNotFound`, `ObjectNotFound`, ...).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// 409 of any code (`IncorrectState`, `BucketNotEmpty`, `NotAuthorizedOrResourceAlreadyExists`, ...).
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }

    /// 412: an `if-match` ETag did not match.
    pub fn is_precondition_failed(&self) -> bool {
        self.status() == Some(412)
    }

    /// The service answered with OCI error code `code` (any status), e.g. `BucketNotEmpty`.
    pub fn has_code(&self, code: &str) -> bool {
        self.code() == Some(code)
    }

    /// 409 with OCI error code `code`, e.g. `is_conflict_code("BucketAlreadyExists")`.
    pub fn is_conflict_code(&self, code: &str) -> bool {
        self.is_conflict() && self.has_code(code)
    }

    /// 400 `InvalidParameter`: the service refused a value we sent.
    pub fn is_invalid_parameter(&self) -> bool {
        self.status() == Some(400) && self.has_code("InvalidParameter")
    }

    /// 400 because the bytes did not match the `Content-MD5` we sent (`UnmatchedContentMD5`,
    /// `InvalidContentMD5`, ...): the content changed between hashing and sending.
    pub fn is_md5_mismatch(&self) -> bool {
        self.status() == Some(400)
            && self
                .code()
                .is_some_and(|c| c.to_ascii_lowercase().contains("md5"))
    }

    /// How many attempts the call made before this error (1 when it was not retried).
    pub fn attempts(&self) -> u32 {
        self.as_service().map_or(1, |s| s.attempts)
    }

    /// Whether the default retry policy would retry this error (see [`crate::retry`]).
    pub fn is_retryable(&self) -> bool {
        crate::retry::is_retryable(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, code: &str) -> Error {
        Error::service(ServiceError {
            operation: "Op".into(),
            status,
            code: code.into(),
            message: "m".into(),
            opc_request_id: None,
            retry_after: None,
            method: "GET".into(),
            attempts: 1,
            retried_for: Duration::ZERO,
            url: "http://x".into(),
        })
    }

    #[test]
    fn predicates_branch_on_status_and_code() {
        let e = answer(409, "BucketAlreadyExists");
        assert!(e.is_conflict() && e.is_conflict_code("BucketAlreadyExists"));
        assert!(!e.is_conflict_code("BucketNotEmpty"));
        assert!(e.has_code("BucketAlreadyExists") && !e.is_not_found());
        assert!(!answer(400, "BucketAlreadyExists").is_conflict_code("BucketAlreadyExists"));
        assert!(answer(404, "NotAuthorizedOrNotFound").is_not_found());
        assert!(answer(412, "IfMatchFailed").is_precondition_failed());
        assert!(answer(400, "InvalidParameter").is_invalid_parameter());
        assert!(!answer(400, "MissingParameter").is_invalid_parameter());
        assert!(answer(400, "UnmatchedContentMD5").is_md5_mismatch());
        assert!(answer(400, "InvalidContentMD5").is_md5_mismatch());
        assert!(!answer(409, "UnmatchedContentMD5").is_md5_mismatch());
        let transport = Error::Config("x".into());
        assert!(!transport.has_code("x") && !transport.is_not_found());
    }
}
