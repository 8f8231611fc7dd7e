//! Facts about the request being served, put into its extensions by the middleware and read by
//! handlers: who signed it, its `opc-request-id`, which OCI operation it is, and which region it
//! was addressed to.
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

/// The region a request was addressed to. OCI's per-region host names carry it
/// (`identity.us-phoenix-1.oci.oraclecloud.com`); a host with none (`127.0.0.1:4599`,
/// `localhost`) means the home region, so clients pointed at the emulator's address work as
/// before. IAM refuses writes outside the home region (`services/identity/home.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRegion(pub String);

/// The region a `Host` header names, if any: the first dot-separated label shaped like a region
/// identifier (`us-phoenix-1`, `eu-frankfurt-1`, `us-gov-ashburn-1`).
pub fn region_of_host(host: &str) -> Option<String> {
    let name = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    };
    if name.parse::<std::net::IpAddr>().is_ok() || name.starts_with('[') {
        return None;
    }
    name.split('.')
        .find(|label| {
            let parts: Vec<&str> = label.split('-').collect();
            let (last, words) = parts.split_last().unwrap_or((&"", &[]));
            words.len() >= 2
                && words
                    .iter()
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
                && !last.is_empty()
                && last.chars().all(|c| c.is_ascii_digit())
        })
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_from_hosts() {
        let r = |h: &str| region_of_host(h);
        assert_eq!(
            r("identity.us-phoenix-1.oci.oraclecloud.com").as_deref(),
            Some("us-phoenix-1")
        );
        assert_eq!(
            r("objectstorage.eu-frankfurt-1.oraclecloud.com:80").as_deref(),
            Some("eu-frankfurt-1")
        );
        assert_eq!(
            r("identity.us-gov-ashburn-1.oci.oraclegovcloud.com").as_deref(),
            Some("us-gov-ashburn-1")
        );
        assert_eq!(r("127.0.0.1:4599"), None);
        assert_eq!(r("localhost:4599"), None);
        assert_eq!(r("[::1]:4599"), None);
        assert_eq!(r("emulator.test:8080"), None);
    }
}
