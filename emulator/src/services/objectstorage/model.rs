//! Object Storage's rules, apart from the handlers that apply them (as Data Flow has
//! `validate.rs`): names, the enum values and defaults of bucket and object settings, retention
//! rule checks, and the `if-match` / `if-none-match` / `content-md5` / `range` preconditions.
//! Pure functions of their inputs; no state, no SQL.

use super::store::ObjectRow;
use super::wire::{CreateBucketDetails, RetentionRule, RetentionRuleDetails, UpdateBucketDetails};
use crate::clock::{parse_rfc3339, rfc3339_millis};
use crate::error::{ApiError, ApiResult};
use crate::headers::{etag_matches, header};
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use time::OffsetDateTime;

/// `publicAccessType` values; the default is the first.
pub const PUBLIC_ACCESS_TYPES: &[&str] = &["NoPublicAccess", "ObjectRead", "ObjectReadWithoutList"];
/// A bucket's `storageTier` (fixed at create); the default is the first.
pub const BUCKET_STORAGE_TIERS: &[&str] = &["Standard", "Archive"];
/// An object's storage tier (`storage-tier` header, multipart and copy details).
pub const OBJECT_STORAGE_TIERS: &[&str] = &["Standard", "InfrequentAccess", "Archive"];
/// `versioning` at create; the default is `Disabled`.
pub const VERSIONING_AT_CREATE: &[&str] = &["Enabled", "Disabled"];
/// `versioning` in an update: once enabled, versioning can only be suspended.
pub const VERSIONING_AT_UPDATE: &[&str] = &["Enabled", "Suspended"];
/// `autoTiering` values; the default is the first.
pub const AUTO_TIERING: &[&str] = &["Disabled", "InfrequentAccess"];
/// Content type of an object stored without one.
pub const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// 400 `InvalidParameter` unless `value` is one of `allowed`.
pub fn one_of(field: &str, value: &str, allowed: &[&str]) -> ApiResult<()> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(ApiError::invalid_parameter(format!(
            "{field} '{value}' is not valid; allowed values: {}",
            allowed.join(", ")
        )))
    }
}

/// `value`, or `default` when absent, checked against `allowed`.
fn setting(
    field: &str,
    value: Option<String>,
    default: &str,
    allowed: &[&str],
) -> ApiResult<String> {
    let v = value.unwrap_or_else(|| default.to_owned());
    one_of(field, &v, allowed)?;
    Ok(v)
}

pub fn validate_bucket_name(name: &str) -> ApiResult<()> {
    if name.is_empty() || name.len() > 256 {
        return Err(ApiError::invalid_parameter(format!(
            "name: a bucket name must be 1 to 256 characters, got {}",
            name.len()
        )));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(ApiError::invalid_parameter(format!(
            "name: bucket name '{name}' may contain only letters, digits, '-', '_' and '.'"
        )));
    }
    Ok(())
}

pub fn validate_object_name(name: &str) -> ApiResult<()> {
    if name.is_empty() || name.len() > 1024 {
        return Err(ApiError::invalid_parameter(format!(
            "objectName must be 1 to 1024 bytes, got {}",
            name.len()
        )));
    }
    if name.contains(['\n', '\r', '\0']) {
        return Err(ApiError::invalid_parameter(
            "objectName must not contain line feed, carriage return or NUL",
        ));
    }
    Ok(())
}

/// The enum settings of a new bucket, defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketSettings {
    pub public_access_type: String,
    pub storage_tier: String,
    pub versioning: String,
    pub auto_tiering: String,
}

/// Check a CreateBucket request's name and settings, in the order OCI reports them.
pub fn create_bucket_settings(d: &CreateBucketDetails) -> ApiResult<BucketSettings> {
    validate_bucket_name(&d.name)?;
    Ok(BucketSettings {
        public_access_type: setting(
            "publicAccessType",
            d.public_access_type.clone(),
            PUBLIC_ACCESS_TYPES[0],
            PUBLIC_ACCESS_TYPES,
        )?,
        storage_tier: setting(
            "storageTier",
            d.storage_tier.clone(),
            BUCKET_STORAGE_TIERS[0],
            BUCKET_STORAGE_TIERS,
        )?,
        versioning: setting(
            "versioning",
            d.versioning.clone(),
            "Disabled",
            VERSIONING_AT_CREATE,
        )?,
        auto_tiering: setting(
            "autoTiering",
            d.auto_tiering.clone(),
            AUTO_TIERING[0],
            AUTO_TIERING,
        )?,
    })
}

/// Check an UpdateBucket request against the namespace in its path.
pub fn check_bucket_update(ns: &str, d: &UpdateBucketDetails) -> ApiResult<()> {
    if let Some(n) = &d.namespace
        && !n.is_empty()
        && *n != ns
    {
        return Err(ApiError::invalid_parameter(format!(
            "namespace '{n}' does not match the namespace in the path '{ns}'"
        )));
    }
    if let Some(v) = &d.public_access_type {
        one_of("publicAccessType", v, PUBLIC_ACCESS_TYPES)?;
    }
    if let Some(v) = &d.versioning {
        one_of("versioning", v, VERSIONING_AT_UPDATE)?;
    }
    if let Some(v) = &d.auto_tiering {
        one_of("autoTiering", v, AUTO_TIERING)?;
    }
    if let Some(n) = &d.name {
        validate_bucket_name(n)?;
    }
    Ok(())
}

/// A bucket whose versioning was never enabled cannot be suspended.
pub fn check_versioning_change(current: &str, new: &str) -> ApiResult<()> {
    if current == "Disabled" && new == "Suspended" {
        return Err(ApiError::invalid_parameter(
            "versioning: a bucket whose versioning was never enabled cannot be Suspended",
        ));
    }
    Ok(())
}

/// The `storage-tier` header of a PutObject (default `Standard`).
pub fn storage_tier_header(headers: &HeaderMap) -> ApiResult<String> {
    setting(
        "storage-tier",
        header(headers, "storage-tier").map(str::to_owned),
        OBJECT_STORAGE_TIERS[0],
        OBJECT_STORAGE_TIERS,
    )
}

/// 412 `IfMatchFailed` when `if-match` is given and does not name `current`.
pub fn check_if_match(headers: &HeaderMap, current: &str) -> ApiResult<()> {
    match header(headers, "if-match") {
        Some(given) if !etag_matches(given, current) => Err(ApiError::precondition_failed(
            "IfMatchFailed",
            format!("The If-Match header is '{given}' but the current entity tag is '{current}'"),
        )),
        _ => Ok(()),
    }
}

/// `if-match` / `if-none-match: *` against the current object (or its absence).
pub fn check_write_preconditions(
    headers: &HeaderMap,
    current: Option<&ObjectRow>,
) -> ApiResult<()> {
    if let Some(given) = header(headers, "if-none-match") {
        if given.trim() != "*" {
            return Err(ApiError::invalid_parameter(
                "if-none-match: only '*' is supported when writing an object",
            ));
        }
        if let Some(o) = current {
            return Err(ApiError::precondition_failed(
                "IfNoneMatchFailed",
                format!(
                    "The If-None-Match header is '*' but object '{}' already exists with entity tag '{}'",
                    o.name, o.etag
                ),
            ));
        }
    }
    if let Some(given) = header(headers, "if-match") {
        match current {
            Some(o) => check_if_match(headers, &o.etag)?,
            None => {
                return Err(ApiError::precondition_failed(
                    "IfMatchFailed",
                    format!("The If-Match header is '{given}' but the object does not exist"),
                ));
            }
        }
    }
    Ok(())
}

/// Check a `content-md5` request header against the body's digest.
pub fn check_content_md5(headers: &HeaderMap, actual: &[u8; 16]) -> ApiResult<()> {
    let Some(given) = header(headers, "content-md5") else {
        return Ok(());
    };
    let decoded = B64
        .decode(given.trim())
        .ok()
        .filter(|d| d.len() == 16)
        .ok_or_else(|| {
            ApiError::invalid_parameter(format!(
                "content-md5 '{given}' is not a base64-encoded MD5 digest"
            ))
        })?;
    if decoded != actual {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "UnmatchedContentMD5",
            format!(
                "The computed MD5 of the request body ({}) does not match the content-md5 header ({given})",
                B64.encode(actual)
            ),
        ));
    }
    Ok(())
}

/// Parse a single `bytes=` range against `size` → (start, end inclusive).
pub fn parse_range(value: &str, size: i64) -> ApiResult<Option<(i64, i64)>> {
    let invalid = || {
        ApiError::new(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "InvalidRange",
            format!("The range '{value}' is not satisfiable for an object of {size} bytes"),
        )
    };
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return Err(invalid());
    };
    if spec.contains(',') {
        return Err(ApiError::invalid_parameter(
            "range: only a single byte range is supported",
        ));
    }
    let (a, b) = spec.split_once('-').ok_or_else(invalid)?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", suffix) => {
            let n: i64 = suffix.parse().map_err(|_| invalid())?;
            if n == 0 {
                return Err(invalid());
            }
            ((size - n).max(0), size - 1)
        }
        (s, "") => (s.parse().map_err(|_| invalid())?, size - 1),
        (s, e) => {
            let s: i64 = s.parse().map_err(|_| invalid())?;
            let e: i64 = e.parse().map_err(|_| invalid())?;
            if e < s {
                return Err(invalid());
            }
            (s, e.min(size - 1))
        }
    };
    if start >= size || size == 0 {
        return Err(invalid());
    }
    Ok(Some((start, end)))
}

pub fn validate_retention(d: &RetentionRuleDetails) -> ApiResult<()> {
    if let Some(n) = &d.display_name
        && n.trim().is_empty()
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidRetentionRuleDetails",
            "displayName must not be empty",
        ));
    }
    if let Some(dur) = &d.duration {
        if dur.time_amount < 1 {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "InvalidRetentionRuleDetails",
                format!(
                    "duration.timeAmount must be positive, got {}",
                    dur.time_amount
                ),
            ));
        }
        if !["YEARS", "DAYS"].contains(&dur.time_unit.as_str()) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "InvalidRetentionRuleDetails",
                format!(
                    "duration.timeUnit '{}' is not one of YEARS, DAYS",
                    dur.time_unit
                ),
            ));
        }
    }
    if let Some(t) = &d.time_rule_locked
        && parse_rfc3339(t).is_none()
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidRetentionRuleDetails",
            format!("timeRuleLocked '{t}' is not an RFC 3339 timestamp"),
        ));
    }
    Ok(())
}

/// A rule whose lock time has passed (by `now`) can no longer be changed or deleted.
pub fn check_not_locked(now: OffsetDateTime, rule: &RetentionRule) -> ApiResult<()> {
    if let Some(t) = rule.time_rule_locked.as_deref().and_then(parse_rfc3339)
        && t <= now
    {
        return Err(ApiError::conflict(
            "Conflict",
            format!(
                "Retention rule '{}' is locked since {} and cannot be changed",
                rule.display_name,
                rfc3339_millis(t)
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-3", 10).unwrap(), Some((0, 3)));
        assert_eq!(parse_range("bytes=-4", 10).unwrap(), Some((6, 9)));
        assert_eq!(parse_range("bytes=8-", 10).unwrap(), Some((8, 9)));
        assert_eq!(parse_range("bytes=5-99", 10).unwrap(), Some((5, 9)));
        assert_eq!(
            parse_range("bytes=10-", 10).unwrap_err().status.as_u16(),
            416
        );
        assert_eq!(
            parse_range("bytes=0-1,3-4", 10)
                .unwrap_err()
                .status
                .as_u16(),
            400
        );
    }

    #[test]
    fn settings_default_and_are_checked() {
        let d: CreateBucketDetails =
            serde_json::from_value(serde_json::json!({"name": "b", "compartmentId": "c"})).unwrap();
        let s = create_bucket_settings(&d).unwrap();
        assert_eq!(
            (
                s.public_access_type.as_str(),
                s.storage_tier.as_str(),
                s.versioning.as_str(),
                s.auto_tiering.as_str()
            ),
            ("NoPublicAccess", "Standard", "Disabled", "Disabled")
        );
        let bad: CreateBucketDetails = serde_json::from_value(
            serde_json::json!({"name": "b", "compartmentId": "c", "storageTier": "Cold"}),
        )
        .unwrap();
        let e = create_bucket_settings(&bad).unwrap_err();
        assert!(e.message.starts_with("storageTier 'Cold'"), "{}", e.message);
        assert!(check_versioning_change("Disabled", "Suspended").is_err());
        assert!(check_versioning_change("Enabled", "Suspended").is_ok());
    }
}
