//! IAM's home region: OCI accepts IAM writes only in the tenancy's home region and answers 403
//! `NotAllowed` "Please go to your home region …" elsewhere (official-provider.md §2.6, issues
//! #296, #1596). Which region a request was addressed to is a request fact
//! (`crate::request::RequestRegion`, from the signed `Host`).

use crate::error::ApiError;
use crate::request::RequestRegion;
use axum::http::StatusCode;

/// Regions the emulator knows by key (the SDK's short keys, upper-case as IAM returns them).
pub const REGIONS: &[(&str, &str)] = &[
    ("IAD", "us-ashburn-1"),
    ("PHX", "us-phoenix-1"),
    ("FRA", "eu-frankfurt-1"),
    ("LHR", "uk-london-1"),
    ("NRT", "ap-tokyo-1"),
    ("ORD", "us-chicago-1"),
];

/// A region's key (`IAD` for `us-ashburn-1`); the upper-cased name for regions not in [`REGIONS`].
pub fn region_key(region: &str) -> String {
    REGIONS
        .iter()
        .find(|(_, name)| *name == region)
        .map_or_else(|| region.to_ascii_uppercase(), |(key, _)| (*key).to_owned())
}

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
