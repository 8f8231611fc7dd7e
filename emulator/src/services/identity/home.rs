//! IAM's home region. OCI accepts IAM writes only in the tenancy's home region; elsewhere it
//! answers 403 `NotAllowed` "Please go to your home region …" (official-provider.md §2.6, issues
//! #296, #1596). The emulator tells regions apart by the request's `Host` header, which the
//! client signs: OCI's per-region host names (`identity.us-phoenix-1.oci.oraclecloud.com`)
//! name the region; a host with no region in it (`127.0.0.1:4599`, `localhost`) means the home
//! region, so clients pointed at the emulator's address work as before.

use super::handlers::region_key;
use crate::error::ApiError;
use axum::http::StatusCode;

/// The region a `Host` header names, if any: the first dot-separated label shaped like a region
/// identifier (`us-phoenix-1`, `eu-frankfurt-1`, `us-gov-ashburn-1`).
pub fn region_of_host(host: &str) -> Option<String> {
    let name = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    if name.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    name.split('.')
        .find(|label| {
            let parts: Vec<&str> = label.split('-').collect();
            parts.len() >= 3
                && parts[..parts.len() - 1]
                    .iter()
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
                && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
                && !parts[parts.len() - 1].is_empty()
        })
        .map(str::to_owned)
}

/// The region a request was addressed to (from its `Host`; the home region when the host names
/// none). The request middleware puts it in every OCI request's extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRegion(pub String);

/// 403 `NotAllowed` unless an IAM write was addressed to the home region.
pub fn require_home(region: &RequestRegion, home: &str) -> Result<(), ApiError> {
    if region.0 == home {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "NotAllowed",
        format!(
            "Please go to your home region {} to execute CREATE, UPDATE and DELETE operations.",
            region_key(home)
        ),
    ))
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
    }

    #[test]
    fn writes_elsewhere_are_refused() {
        let home = "us-ashburn-1";
        let e = require_home(&RequestRegion("us-phoenix-1".into()), home).unwrap_err();
        assert_eq!(e.status, StatusCode::FORBIDDEN);
        assert_eq!(e.code, "NotAllowed");
        assert!(
            e.message.contains("Please go to your home region IAD"),
            "{}",
            e.message
        );
        require_home(&RequestRegion(home.into()), home).unwrap();
    }
}
