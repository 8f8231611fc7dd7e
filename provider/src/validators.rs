//! OCI-specific plan-time checks, shared by every resource: OCIDs, bucket and object names,
//! metadata keys. Each returns a `tfplugin` validator so the schema declares it once and
//! Terraform points at the offending line.

use std::sync::{Arc, LazyLock};

use regex_lite::Regex;
use tfplugin::validators::{self, Validator};

/// `ocid1.<type>.<realm>.[region][.future].<unique>` (oci-api.md §5.1). The region part is
/// empty for global IAM resources (`ocid1.tenancy.oc1..aaaa`).
static OCID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^ocid1\.[a-z0-9]+\.oc[0-9]+\.[a-z0-9-]*(\.[a-z0-9-]+)*\.[A-Za-z0-9_-]+$")
        .expect("OCID pattern")
});

/// True when `s` has the shape of an OCID.
pub fn is_ocid(s: &str) -> bool {
    OCID.is_match(s)
}

/// The value must be an OCID; `kind` lists the resource types accepted (e.g. `["compartment",
/// "tenancy"]`), or is empty for any type.
pub fn ocid(kinds: &'static [&'static str]) -> Arc<dyn Validator> {
    let description = if kinds.is_empty() {
        "an OCID (ocid1.<type>.<realm>.[region].<unique>)".to_string()
    } else {
        format!("the OCID of a {}", kinds.join(" or "))
    };
    validators::custom(&description.clone(), move |value, path, diags| {
        let Some(s) = value.as_str() else { return };
        let kind = s.split('.').nth(1).unwrap_or_default();
        if !is_ocid(s) {
            diags.attribute_error(
                path.clone(),
                "Invalid OCID",
                format!(
                    "Attribute {path} must be {description}, got {s:?}. OCIDs look like \
                     ocid1.compartment.oc1..aaaaaaaa… (copy it from the console or `oci iam \
                     compartment list`)."
                ),
            );
        } else if !kinds.is_empty() && !kinds.contains(&kind) {
            diags.attribute_error(
                path.clone(),
                "Wrong Kind of OCID",
                format!("Attribute {path} must be {description}, but {s:?} is a {kind} OCID."),
            );
        }
    })
}

/// Bucket names: letters, digits, `-`, `_`, `.`; 1 to 256 characters (oci-api.md §5.2: the
/// appliance docs say 255; we accept 256 so that we never refuse a name OCI takes).
pub fn bucket_name() -> Arc<dyn Validator> {
    validators::regex(
        r"^[A-Za-z0-9._-]{1,256}$",
        "must be a bucket name: 1 to 256 letters, digits, hyphens, underscores or periods",
    )
}

/// Object names: 1 to 1024 bytes of UTF-8, without line feed, carriage return or NUL.
pub fn object_name() -> Arc<dyn Validator> {
    validators::custom(
        "an object name: 1 to 1024 bytes of UTF-8 without line feed, carriage return or NUL",
        |value, path, diags| {
            let Some(s) = value.as_str() else { return };
            let problem = if s.is_empty() {
                Some("must not be empty".to_string())
            } else if s.len() > 1024 {
                Some(format!(
                    "is {} bytes long; the limit is 1024 bytes of UTF-8",
                    s.len()
                ))
            } else {
                s.chars()
                    .find(|c| matches!(c, '\n' | '\r' | '\0'))
                    .map(|c| {
                        format!("contains the character {c:?}, which OCI does not allow in names")
                    })
            };
            if let Some(problem) = problem {
                diags.attribute_error(
                    path.clone(),
                    "Invalid Object Name",
                    format!("Attribute {path} {problem}."),
                );
            }
        },
    )
}

/// Map keys must be lower case: OCI returns `opc-meta-*` headers lower-cased, so a mixed-case
/// key would read back different and show a permanent diff.
pub fn lowercase_keys() -> Arc<dyn Validator> {
    validators::custom("keys in lower case", |value, path, diags| {
        let Some(map) = value.as_object() else { return };
        for key in map.keys().filter(|k| k.chars().any(char::is_uppercase)) {
            diags.attribute_error(
                path.key(key),
                "Metadata Key Must Be Lower Case",
                format!(
                    "Metadata key {key:?} has upper-case letters. Object Storage stores metadata \
                     keys in lower case, so it would read back as {:?} and never match. Use \
                     {:?}.",
                    key.to_lowercase(),
                    key.to_lowercase()
                ),
            );
        }
    })
}

/// Defined tags are flattened as `namespace.key` (official provider format).
pub fn defined_tag_keys() -> Arc<dyn Validator> {
    validators::custom("keys of the form namespace.key", |value, path, diags| {
        let Some(map) = value.as_object() else { return };
        for key in map.keys() {
            let parts: Vec<&str> = key.split('.').collect();
            if parts.len() != 2 || parts.iter().any(|p| p.is_empty()) {
                diags.attribute_error(
                    path.key(key),
                    "Invalid Defined Tag Key",
                    format!(
                        "Defined tag key {key:?} must have the form \"<namespace>.<key>\", e.g. \
                         \"Operations.CostCenter\"."
                    ),
                );
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tfplugin::{AttributePath, Diagnostics};

    fn errors(v: &Arc<dyn Validator>, value: serde_json::Value) -> Vec<String> {
        let mut d = Diagnostics::new();
        v.validate(&value, &AttributePath::new("x"), &mut d);
        d.iter().map(|d| d.summary.clone()).collect()
    }

    #[test]
    fn ocids() {
        assert!(is_ocid(
            "ocid1.tenancy.oc1..aaaaaaaaba3pv6wkcr4jqae5f15p2b2m2yt2j6rx32uzr4h25vqstifsfdsq"
        ));
        assert!(is_ocid("ocid1.bucket.oc1.iad.aaaaaaaa"));
        assert!(is_ocid("ocid1.dataflowrun.oc1.ap-tokyo-1.anxhiljr"));
        assert!(!is_ocid("ocid1.tenancy"));
        assert!(!is_ocid("compartment-1"));
        assert!(!is_ocid("ocid2.tenancy.oc1..aaaa"));
        let v = ocid(&["compartment", "tenancy"]);
        assert!(errors(&v, json!("ocid1.compartment.oc1..aaaa")).is_empty());
        assert_eq!(errors(&v, json!("nope")), ["Invalid OCID"]);
        assert_eq!(
            errors(&v, json!("ocid1.bucket.oc1.iad.aaaa")),
            ["Wrong Kind of OCID"]
        );
    }

    #[test]
    fn bucket_names() {
        let v = bucket_name();
        assert!(errors(&v, json!("dataflow-lab_input.v2")).is_empty());
        assert!(!errors(&v, json!("has space")).is_empty());
        assert!(!errors(&v, json!("")).is_empty());
        assert!(!errors(&v, json!("a/b")).is_empty());
        assert!(errors(&v, json!("a".repeat(256))).is_empty());
        assert!(!errors(&v, json!("a".repeat(257))).is_empty());
    }

    #[test]
    fn object_names() {
        let v = object_name();
        assert!(errors(&v, json!("scripts/etl sales.py")).is_empty());
        assert!(!errors(&v, json!("")).is_empty());
        assert!(!errors(&v, json!("a\nb")).is_empty());
        assert!(!errors(&v, json!("é".repeat(513))).is_empty(), "1026 bytes");
    }

    #[test]
    fn metadata_and_tags() {
        assert!(errors(&lowercase_keys(), json!({"owner": "x"})).is_empty());
        assert_eq!(
            errors(&lowercase_keys(), json!({"Owner": "x"})),
            ["Metadata Key Must Be Lower Case"]
        );
        assert!(errors(&defined_tag_keys(), json!({"Ops.Cost": "1"})).is_empty());
        assert!(!errors(&defined_tag_keys(), json!({"Cost": "1"})).is_empty());
    }
}
