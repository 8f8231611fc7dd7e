//! Facts about the request being served, put into its extensions by the middleware and read by
//! handlers: who signed it, its `opc-request-id`, and which OCI operation it is.
//!
//! This module is a leaf: it knows nothing of state, services or middleware, so any of them can
//! use it without importing each other.

/// Who signed the request. Handlers that record a creator (`createdBy`, `ownerPrincipalId`)
/// take it with `Extension<Principal>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub tenancy_id: String,
    pub user_id: String,
}

/// The request id this response will carry (`opc-request-id`, echoed or minted).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Which service and operation a request was classified as, from the services' operation
/// tables (`service::Classifier`). `operation` is `None` for a path no table declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// `objectstorage`, `identity`, `dataflow`, or `unknown`.
    pub service: &'static str,
    /// The OCI operation name (`GetBucket`, `CreateRun`, ...).
    pub operation: Option<&'static str>,
    /// The SDKs leave this operation's body out of the signature (PutObject, UploadPart).
    pub body_unsigned: bool,
}

impl Operation {
    /// A request no service claims.
    pub const UNKNOWN: Operation = Operation {
        service: "unknown",
        operation: None,
        body_unsigned: false,
    };
}
