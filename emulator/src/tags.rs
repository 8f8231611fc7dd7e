//! The defined tags OCI's tag defaults put on every new resource: `Oracle-Tags.CreatedBy` (who
//! created it) and `Oracle-Tags.CreatedOn` (when). Clients that compare the tags they wrote with
//! the tags they read back see them as a change (official-provider.md §1.3, issue #1283), so the
//! emulator adds them as OCI does: on create, unless the request set them; updates store the
//! tags as sent.

use serde_json::Value;
use std::collections::BTreeMap;

/// Adds `Oracle-Tags.CreatedBy` and `Oracle-Tags.CreatedOn` to `tags` unless they are set.
pub fn add_service_tags(
    tags: &mut BTreeMap<String, BTreeMap<String, Value>>,
    created_by: &str,
    created_on: &str,
) {
    let ns = tags.entry("Oracle-Tags".to_owned()).or_default();
    ns.entry("CreatedBy".to_owned())
        .or_insert_with(|| created_by.into());
    ns.entry("CreatedOn".to_owned())
        .or_insert_with(|| created_on.into());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_tags_keep_what_the_request_set() {
        let mut tags = BTreeMap::new();
        tags.entry("Oracle-Tags".to_owned())
            .or_insert_with(BTreeMap::new)
            .insert("CreatedBy".to_owned(), Value::from("someone"));
        add_service_tags(&mut tags, "me", "2026-01-01T00:00:00.000Z");
        assert_eq!(tags["Oracle-Tags"]["CreatedBy"], "someone");
        assert_eq!(tags["Oracle-Tags"]["CreatedOn"], "2026-01-01T00:00:00.000Z");
    }
}
