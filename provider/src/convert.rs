//! Pure conversions shared by resources: tag maps, timestamps, optional values.

use std::collections::BTreeMap;

use oci_client::services::DefinedTags;
use tfplugin::Value;

/// A known string value, or "" (for values the schema makes required, known by apply time).
pub fn known(v: &Value<String>) -> String {
    v.as_known().cloned().unwrap_or_default()
}

/// OCI timestamps (`2023-01-25T14:37:04.481Z`) in the form the official provider stores
/// (Go's `time.Time.String()`: `2023-01-25 14:37:04.481 +0000 UTC`), so state moves between the
/// two providers without a diff. Anything that does not parse is kept as it came.
pub fn oci_time(rfc3339: &str) -> String {
    let Some((date, rest)) = rfc3339.split_once('T') else {
        return rfc3339.to_string();
    };
    let Some(clock) = rest.strip_suffix('Z') else {
        return rfc3339.to_string();
    };
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{date} {hms} +0000 UTC")
    } else {
        format!("{date} {hms}.{frac} +0000 UTC")
    }
}

/// An optional API timestamp as a state value.
pub fn time_value(t: Option<&String>) -> Value<String> {
    t.map(|t| oci_time(t)).into()
}

/// `{ns: {key: v}}` → `{"ns.key": "v"}` (the official provider's state format).
pub fn flatten_defined_tags(tags: Option<&DefinedTags>) -> BTreeMap<String, String> {
    let mut flat = BTreeMap::new();
    for (ns, keys) in tags.into_iter().flatten() {
        for (key, v) in keys {
            let v = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            flat.insert(format!("{ns}.{key}"), v);
        }
    }
    flat
}

/// `{"ns.key": "v"}` → `{ns: {key: "v"}}`. Keys were validated at plan time.
pub fn nest_defined_tags(flat: &BTreeMap<String, String>) -> DefinedTags {
    let mut nested = DefinedTags::new();
    for (k, v) in flat {
        let (ns, key) = k.split_once('.').unwrap_or((k.as_str(), ""));
        nested
            .entry(ns.to_string())
            .or_default()
            .insert(key.to_string(), serde_json::Value::String(v.clone()));
    }
    nested
}

/// A map read from the API, kept null when the configuration left it null and the API has none,
/// so "unset" and "empty" do not show as a difference.
pub fn map_value(
    api: BTreeMap<String, String>,
    current: &Value<BTreeMap<String, String>>,
) -> Value<BTreeMap<String, String>> {
    if api.is_empty() && current.is_null() {
        Value::Null
    } else {
        Value::Known(api)
    }
}

/// Known value of a planned attribute, when it differs from the prior one (what an update sends).
pub fn changed<'a, T: PartialEq>(prior: &Value<T>, planned: &'a Value<T>) -> Option<&'a T> {
    match planned {
        Value::Known(v) if prior.as_known() != Some(v) => Some(v),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_go_format() {
        assert_eq!(
            oci_time("2023-01-25T14:37:04.481Z"),
            "2023-01-25 14:37:04.481 +0000 UTC"
        );
        assert_eq!(
            oci_time("2023-01-25T14:37:04.400Z"),
            "2023-01-25 14:37:04.4 +0000 UTC"
        );
        assert_eq!(
            oci_time("2023-01-25T14:37:04.000Z"),
            "2023-01-25 14:37:04 +0000 UTC"
        );
        assert_eq!(
            oci_time("2023-01-25T14:37:04Z"),
            "2023-01-25 14:37:04 +0000 UTC"
        );
        assert_eq!(oci_time("garbage"), "garbage");
    }

    #[test]
    fn defined_tags_round_trip() {
        let flat: BTreeMap<String, String> = [
            ("Ops.Cost".to_string(), "42".to_string()),
            ("Ops.Team".into(), "data".into()),
        ]
        .into();
        let nested = nest_defined_tags(&flat);
        assert_eq!(nested["Ops"]["Cost"], "42");
        assert_eq!(flatten_defined_tags(Some(&nested)), flat);
    }
}
