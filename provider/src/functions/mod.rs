//! Provider-defined functions, `provider::oci::<name>(…)`, one file per function, and the one
//! grammar of Object Storage URIs they share.
//!
//! `oci://<bucket>@<namespace>/<object>` is how Data Flow, Spark's HDFS connector and the OCI
//! tools name an object or a prefix. An optional `.<region>` after the namespace names the region
//! the bucket lives in, for configurations that reference buckets in more than one region.

pub mod oci_uri;
pub mod parse_oci_uri;

use std::fmt;

use tfplugin::cty::Val;
use tfplugin::function::{Function, FunctionError};

/// Every function the provider serves.
pub fn all() -> Vec<Box<dyn Function>> {
    vec![
        Box::new(parse_oci_uri::ParseOciUri),
        Box::new(oci_uri::OciUriFunction),
    ]
}

/// The longest URI accepted: a 256-character bucket, a namespace, a region and a 1024-byte
/// object name fit with room to spare.
pub const MAX_URI_BYTES: usize = 2048;
const MAX_BUCKET: usize = 256;
const MAX_NAMESPACE: usize = 128;
const MAX_REGION: usize = 64;
const MAX_OBJECT_BYTES: usize = 1024;
const FORM: &str = "oci://<bucket>@<namespace>/<object>";

/// A parsed `oci://bucket@namespace[.region]/object` URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciUri {
    pub bucket: String,
    pub namespace: String,
    /// The region after the namespace, when the URI names one.
    pub region: Option<String>,
    /// The object name or prefix after the first `/` (empty for the bucket itself).
    pub object: String,
}

impl OciUri {
    /// Parses and checks every part; the error says which part is wrong and why.
    pub fn parse(uri: &str) -> Result<OciUri, String> {
        if uri.len() > MAX_URI_BYTES {
            return Err(format!(
                "the URI is {} bytes long; an Object Storage URI has at most {MAX_URI_BYTES}",
                uri.len()
            ));
        }
        let rest = uri.strip_prefix("oci://").ok_or_else(|| {
            format!("{uri:?} is not an Object Storage URI: it must have the form {FORM}")
        })?;
        let (authority, object) = rest.split_once('/').unwrap_or((rest, ""));
        let (bucket, host) = authority
            .split_once('@')
            .ok_or_else(|| format!("{uri:?} names no namespace: it must have the form {FORM}"))?;
        let (namespace, region) = match host.split_once('.') {
            Some((ns, region)) => (ns, Some(region)),
            None => (host, None),
        };
        check_bucket(bucket).map_err(|e| format!("{uri:?}: {e}"))?;
        check_namespace(namespace).map_err(|e| format!("{uri:?}: {e}"))?;
        if let Some(region) = region {
            check_region(region).map_err(|e| format!("{uri:?}: {e}"))?;
        }
        check_object(object).map_err(|e| format!("{uri:?}: {e}"))?;
        Ok(OciUri {
            bucket: bucket.to_string(),
            namespace: namespace.to_string(),
            region: region.map(str::to_string),
            object: object.to_string(),
        })
    }
}

impl fmt::Display for OciUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "oci://{}@{}", self.bucket, self.namespace)?;
        if let Some(region) = &self.region {
            write!(f, ".{region}")?;
        }
        write!(f, "/{}", self.object)
    }
}

/// Bucket names: 1 to 256 letters, digits, `-`, `_` and `.`.
pub fn check_bucket(bucket: &str) -> Result<(), String> {
    if bucket.is_empty() {
        return Err("the bucket name is empty".into());
    }
    if bucket.len() > MAX_BUCKET {
        return Err(format!(
            "the bucket name is longer than {MAX_BUCKET} characters"
        ));
    }
    match bucket
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "-_.".contains(*c)))
    {
        Some(c) => Err(format!(
            "the bucket name {bucket:?} contains {c:?}; bucket names use letters, digits, '-', '_' and '.'"
        )),
        None => Ok(()),
    }
}

/// Namespaces: letters and digits (`-` and `_` tolerated), no dots (a dot starts the region).
pub fn check_namespace(namespace: &str) -> Result<(), String> {
    if namespace.is_empty() {
        return Err("the namespace is empty".into());
    }
    if namespace.len() > MAX_NAMESPACE {
        return Err(format!(
            "the namespace is longer than {MAX_NAMESPACE} characters"
        ));
    }
    match namespace
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "-_".contains(*c)))
    {
        Some(c) => Err(format!(
            "the namespace {namespace:?} contains {c:?}; Object Storage namespaces use letters and digits"
        )),
        None => Ok(()),
    }
}

/// Region identifiers such as `us-ashburn-1`: lowercase words joined by `-`, ending in a number.
fn check_region(region: &str) -> Result<(), String> {
    let well_formed = !region.is_empty()
        && region.len() <= MAX_REGION
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && region.contains('-')
        && region.ends_with(|c: char| c.is_ascii_digit())
        && !region.starts_with('-');
    if well_formed {
        Ok(())
    } else {
        Err(format!(
            "{region:?} after the namespace is not a region identifier (like us-ashburn-1)"
        ))
    }
}

/// Object names and prefixes: at most 1024 bytes, no control characters.
pub fn check_object(object: &str) -> Result<(), String> {
    if object.len() > MAX_OBJECT_BYTES {
        return Err(format!(
            "the object name is longer than {MAX_OBJECT_BYTES} bytes"
        ));
    }
    if object.chars().any(char::is_control) {
        return Err("the object name contains a control character".into());
    }
    Ok(())
}

/// Argument `index` as a string (Terraform converts arguments to `string` before the call).
fn string_arg(args: &[Val], index: usize) -> Result<&str, FunctionError> {
    match args.get(index) {
        Some(Val::String(s)) => Ok(s),
        Some(_) => Err(FunctionError::argument(index, "must be a string")),
        None => Err(FunctionError::new(format!(
            "expected at least {} arguments, got {}",
            index + 1,
            args.len()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_parse_into_their_parts_and_print_back() {
        for (uri, bucket, ns, region, object) in [
            ("oci://in@ns1/sales.csv", "in", "ns1", None, "sales.csv"),
            ("oci://out@ns1/curated/p/", "out", "ns1", None, "curated/p/"),
            ("oci://logs@ns1/", "logs", "ns1", None, ""),
            (
                "oci://a.b_c-d@ns1.us-ashburn-1/x y",
                "a.b_c-d",
                "ns1",
                Some("us-ashburn-1"),
                "x y",
            ),
        ] {
            let parsed = OciUri::parse(uri).unwrap();
            assert_eq!(
                (
                    parsed.bucket.as_str(),
                    parsed.namespace.as_str(),
                    parsed.region.as_deref(),
                    parsed.object.as_str()
                ),
                (bucket, ns, region, object),
                "{uri}"
            );
            assert_eq!(parsed.to_string(), uri);
        }
        assert_eq!(
            OciUri::parse("oci://logs@ns1").unwrap().to_string(),
            "oci://logs@ns1/"
        );
    }

    #[test]
    fn malformed_uris_say_what_is_wrong() {
        for (uri, says) in [
            ("s3://b/k", "must have the form"),
            ("oci://bucket/obj", "names no namespace"),
            ("oci://@ns/obj", "bucket name is empty"),
            ("oci://b!@ns/obj", "contains '!'"),
            ("oci://b@/obj", "namespace is empty"),
            ("oci://b@ns.Ashburn/obj", "not a region identifier"),
            ("oci://b@ns/a\nb", "control character"),
        ] {
            let e = OciUri::parse(uri).unwrap_err();
            assert!(e.contains(says), "{uri}: {e}");
        }
        let long = format!("oci://b@ns/{}", "x".repeat(MAX_URI_BYTES));
        assert!(OciUri::parse(&long).unwrap_err().contains("at most 2048"));
    }
}
