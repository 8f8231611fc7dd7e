//! Defined tags the service adds by itself. OCI's tag defaults put `Oracle-Tags.CreatedBy` and
//! `Oracle-Tags.CreatedOn` on new resources; Oracle's provider then plans their removal on every
//! run unless they are listed in `ignore_defined_tags` (official-provider.md §1.3, #1283). Here
//! they, and every key of `ignore_defined_tags`, stay out of state unless the configuration
//! writes them, and updates send them back as they are.

use std::collections::BTreeMap;

use tfplugin::Value;

/// Defined-tag keys the service adds by itself (tag defaults of the `Oracle-Tags` namespace).
pub const SERVICE_TAGS: &[&str] = &["Oracle-Tags.CreatedBy", "Oracle-Tags.CreatedOn"];

/// The provider's view of which defined tags are the service's business.
#[derive(Debug, Clone, Default)]
pub struct ServiceTags {
    /// `ignore_defined_tags`, lower-cased (compared case-insensitively, as upstream).
    ignored: Vec<String>,
}

impl ServiceTags {
    pub fn new(ignore_defined_tags: &[String]) -> Self {
        Self {
            ignored: ignore_defined_tags
                .iter()
                .map(|k| k.to_ascii_lowercase())
                .collect(),
        }
    }

    /// True for keys (`namespace.key`) that are the service's business unless configured.
    pub fn is_service_tag(&self, key: &str) -> bool {
        SERVICE_TAGS.iter().any(|k| k.eq_ignore_ascii_case(key))
            || self.ignored.contains(&key.to_ascii_lowercase())
    }

    /// Defined tags read from the API as state (always known, as upstream stores them): the
    /// service's keys are dropped unless `current` (the state or plan being refreshed) has them.
    pub fn state(
        &self,
        api: BTreeMap<String, String>,
        current: &Value<BTreeMap<String, String>>,
    ) -> Value<BTreeMap<String, String>> {
        let mine = current.as_known();
        Value::Known(
            api.into_iter()
                .filter(|(k, _)| !self.is_service_tag(k) || mine.is_some_and(|m| m.contains_key(k)))
                .collect(),
        )
    }

    /// The defined tags to send on update: the planned ones plus the service's ones the object
    /// has now (an update replaces the whole map).
    pub fn to_send(
        &self,
        planned: &BTreeMap<String, String>,
        remote: &BTreeMap<String, String>,
    ) -> BTreeMap<String, String> {
        let mut out = planned.clone();
        for (k, v) in remote {
            if self.is_service_tag(k) && !out.contains_key(k) {
                out.insert(k.clone(), v.clone());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn service_tags_stay_out_of_state_unless_configured() {
        let t = ServiceTags::new(&["Ops.Owner".into()]);
        let api = tags(&[
            ("Oracle-Tags.CreatedBy", "me"),
            ("Oracle-Tags.CreatedOn", "now"),
            ("ops.owner", "x"),
            ("Team.Name", "data"),
        ]);
        assert_eq!(
            t.state(api.clone(), &Value::Known(tags(&[("Team.Name", "a")]))),
            Value::Known(tags(&[("Team.Name", "data")]))
        );
        let only_service = tags(&[("Oracle-Tags.CreatedBy", "me")]);
        assert_eq!(
            t.state(only_service.clone(), &Value::Null),
            Value::Known(BTreeMap::new())
        );
        let configured = Value::Known(tags(&[("Oracle-Tags.CreatedBy", "me")]));
        assert_eq!(
            t.state(only_service, &configured),
            configured,
            "a configured service key is tracked"
        );
        let sent = t.to_send(&tags(&[("Team.Name", "b")]), &api);
        assert_eq!(sent.len(), 4, "{sent:?}");
        assert_eq!(sent["Team.Name"], "b");
    }
}
