//! OCID generation: `ocid1.<type>.oc1.<region>.<unique>`; global IAM types leave the region
//! empty (`ocid1.tenancy.oc1..aaaa…`) as OCI does (oci-api.md §5.1).

use rand::Rng;

/// Resource types whose OCIDs have an empty region part.
const GLOBAL_TYPES: &[&str] = &[
    "tenancy",
    "user",
    "compartment",
    "policy",
    "dynamicgroup",
    "group",
];

/// Short region keys, used by older regional services such as Object Storage (`ocid1.bucket.oc1.iad.`).
fn region_key(region: &str) -> Option<&'static str> {
    Some(match region {
        "us-ashburn-1" => "iad",
        "us-phoenix-1" => "phx",
        "eu-frankfurt-1" => "fra",
        "uk-london-1" => "lhr",
        "ap-tokyo-1" => "nrt",
        "us-chicago-1" => "ord",
        _ => return None,
    })
}

/// A fresh unique part: `aaaaaaaa` followed by 52 lowercase base32 characters, like real OCIDs.
pub fn unique_part() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut rng = rand::thread_rng();
    let mut s = String::with_capacity(60);
    s.push_str("aaaaaaaa");
    for _ in 0..52 {
        s.push(ALPHABET[rng.gen_range(0..ALPHABET.len())] as char);
    }
    s
}

/// A new OCID for a resource of `kind` (e.g. `bucket`, `dataflowapplication`, `policy`).
/// Buckets use the 3-letter region key, other regional types the full region identifier.
pub fn new_ocid(kind: &str, region: &str) -> String {
    let region_part = if GLOBAL_TYPES.contains(&kind) {
        String::new()
    } else if kind == "bucket" {
        region_key(region)
            .map(str::to_owned)
            .unwrap_or_else(|| region.to_owned())
    } else {
        region.to_owned()
    };
    format!("ocid1.{kind}.oc1.{region_part}.{}", unique_part())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_and_regional_shapes() {
        let t = new_ocid("tenancy", "us-ashburn-1");
        assert!(t.starts_with("ocid1.tenancy.oc1..aaaaaaaa"), "{t}");
        assert_eq!(t.len(), "ocid1.tenancy.oc1..".len() + 60);
        assert!(new_ocid("bucket", "us-ashburn-1").starts_with("ocid1.bucket.oc1.iad.aaaaaaaa"));
        assert!(
            new_ocid("dataflowrun", "us-ashburn-1")
                .starts_with("ocid1.dataflowrun.oc1.us-ashburn-1.aaaaaaaa")
        );
    }
}
