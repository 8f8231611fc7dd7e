//! What drifted, read from a refresh-only plan (`terraform show -json PLANFILE`) and the
//! providers' schemas (`terraform providers schema -json`). Pure: no processes, no files.

use serde::Serialize;
use serde_json::Value;

use crate::diff::{AttributeChange, changes};

/// The result of one drift check.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Managed resources in the state that was refreshed.
    pub checked: usize,
    /// Resources whose real infrastructure no longer matches the state, in plan order.
    pub drifted: Vec<DriftedResource>,
}

impl Report {
    pub fn has_drift(&self) -> bool {
        !self.drifted.is_empty()
    }
}

/// One resource that changed outside Terraform.
#[derive(Debug, Clone, Serialize)]
pub struct DriftedResource {
    /// `oci_objectstorage_bucket.lab["input"]`, `module.net.aws_vpc.main`.
    pub address: String,
    /// The module part of the address, `None` in the root module.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub name: String,
    pub kind: DriftKind,
    /// Changed arguments (what a configuration can set), attribute by attribute.
    pub attributes: Vec<AttributeChange>,
    /// Top-level attributes only the provider sets (`etag`, timestamps) that changed along with
    /// them; listed for context, never drift on their own.
    pub computed: Vec<String>,
    /// Where the resource block is declared, when it could be found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftKind {
    /// The resource exists with other values.
    Changed,
    /// The resource is gone.
    Deleted,
}

/// A resource block's position in the root module (`file` relative to it, `line` 1-based).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: String,
    pub line: usize,
}

/// Builds the report. With `schemas` (the providers' schemas), attributes that only the provider
/// computes are kept apart from the arguments, and a resource whose only changes are such
/// attributes has not drifted. Without them (or with `include_computed`), every change counts.
pub fn from_plan(plan: &Value, schemas: Option<&Value>, include_computed: bool) -> Report {
    let mut drifted = Vec::new();
    for entry in plan["resource_drift"].as_array().into_iter().flatten() {
        if entry["mode"].as_str() != Some("managed") {
            continue;
        }
        let change = &entry["change"];
        let actions: Vec<&str> = change["actions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if actions.is_empty() || actions == ["no-op"] {
            continue;
        }
        let resource_type = entry["type"].as_str().unwrap_or_default().to_string();
        let mut resource = DriftedResource {
            address: entry["address"].as_str().unwrap_or_default().to_string(),
            module: entry["module_address"].as_str().map(str::to_string),
            name: entry["name"].as_str().unwrap_or_default().to_string(),
            kind: DriftKind::Changed,
            attributes: Vec::new(),
            computed: Vec::new(),
            location: None,
            resource_type,
        };
        if change["after"].is_null() {
            resource.kind = DriftKind::Deleted;
            drifted.push(resource);
            continue;
        }
        let block = schemas.and_then(|s| {
            let provider = entry["provider_name"].as_str()?;
            let block = &s["provider_schemas"][provider]["resource_schemas"]
                [&resource.resource_type]["block"];
            block.is_object().then_some(block)
        });
        for c in changes(
            &change["before"],
            &change["after"],
            &change["before_sensitive"],
            &change["after_sensitive"],
        ) {
            match block {
                Some(block) if !include_computed && !is_argument(block, &c.attribute) => {
                    if !resource.computed.contains(&c.attribute) {
                        resource.computed.push(c.attribute);
                    }
                }
                _ => resource.attributes.push(c),
            }
        }
        if !resource.attributes.is_empty() {
            drifted.push(resource);
        }
    }
    Report {
        checked: count_managed(&plan["prior_state"]["values"]["root_module"]),
        drifted,
    }
}

/// Whether a configuration can set `attribute` (required or optional, or a nested block).
/// Attributes the schema does not know are treated as arguments: better a report too many.
fn is_argument(block: &Value, attribute: &str) -> bool {
    if block["block_types"].get(attribute).is_some() {
        return true;
    }
    match block["attributes"].get(attribute) {
        Some(a) => a["required"] == true || a["optional"] == true,
        None => true,
    }
}

fn count_managed(module: &Value) -> usize {
    let own = module["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["mode"].as_str() == Some("managed"))
        .count();
    let children: usize = module["child_modules"]
        .as_array()
        .into_iter()
        .flatten()
        .map(count_managed)
        .sum();
    own + children
}

/// Finds `resource "TYPE" "NAME"` in the root module's `.tf` files (`files` as name → text).
pub fn locate<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
    resource_type: &str,
    name: &str,
) -> Option<Location> {
    let wanted = format!("resource \"{resource_type}\" \"{name}\"");
    files.into_iter().find_map(|(file, text)| {
        text.lines()
            .position(|l| l.trim_start().starts_with(&wanted))
            .map(|n| Location {
                file: file.to_string(),
                line: n + 1,
            })
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn drift_entry(address: &str, before: Value, after: Value) -> Value {
        json!({
            "address": address, "mode": "managed", "type": "t_bucket", "name": "b",
            "provider_name": "registry.terraform.io/x/t",
            "change": {"actions": ["update"], "before": before, "after": after,
                       "before_sensitive": {}, "after_sensitive": {}}
        })
    }

    fn schemas() -> Value {
        json!({"provider_schemas": {"registry.terraform.io/x/t": {"resource_schemas": {"t_bucket": {
            "block": {
                "attributes": {
                    "name": {"type": "string", "required": true},
                    "versioning": {"type": "string", "optional": true, "computed": true},
                    "etag": {"type": "string", "computed": true}
                },
                "block_types": {"rule": {"nesting_mode": "list", "block": {}}}
            }
        }}}}})
    }

    #[test]
    fn computed_only_attributes_are_context_not_drift() {
        let plan = json!({
            "resource_drift": [
                drift_entry("t_bucket.a", json!({"versioning": "Disabled", "etag": "1"}),
                                          json!({"versioning": "Enabled", "etag": "2"})),
                drift_entry("t_bucket.b", json!({"etag": "1"}), json!({"etag": "2"})),
            ],
            "prior_state": {"values": {"root_module": {
                "resources": [{"mode": "managed"}, {"mode": "managed"}, {"mode": "data"}],
                "child_modules": [{"resources": [{"mode": "managed"}]}]
            }}}
        });
        let report = from_plan(&plan, Some(&schemas()), false);
        assert_eq!(report.checked, 3);
        assert_eq!(report.drifted.len(), 1);
        let a = &report.drifted[0];
        assert_eq!(a.address, "t_bucket.a");
        assert_eq!(a.attributes.len(), 1);
        assert_eq!(a.attributes[0].path, "versioning");
        assert_eq!(a.computed, ["etag"]);

        let all = from_plan(&plan, Some(&schemas()), true);
        assert_eq!(all.drifted.len(), 2);
        let unknown_schema = from_plan(&plan, None, false);
        assert_eq!(unknown_schema.drifted.len(), 2);
    }

    #[test]
    fn deleted_resources_and_nested_blocks_are_drift() {
        let mut gone = drift_entry("t_bucket.gone", json!({"name": "g"}), Value::Null);
        gone["change"]["actions"] = json!(["delete"]);
        let plan = json!({"resource_drift": [
            gone,
            drift_entry("t_bucket.r", json!({"rule": [{"days": 1}]}), json!({"rule": [{"days": 2}]})),
            {"mode": "data", "address": "data.t.x", "change": {"actions": ["read"]}},
        ]});
        let report = from_plan(&plan, Some(&schemas()), false);
        let kinds: Vec<_> = report
            .drifted
            .iter()
            .map(|r| (r.address.as_str(), r.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                ("t_bucket.gone", DriftKind::Deleted),
                ("t_bucket.r", DriftKind::Changed)
            ]
        );
        assert_eq!(report.drifted[1].attributes[0].path, "rule[0].days");
    }

    #[test]
    fn resource_blocks_are_located_in_the_root_module() {
        let files = [
            ("vars.tf", "variable \"x\" {}\n"),
            ("main.tf", "locals {}\n\nresource \"t_bucket\" \"b\" {\n}\n"),
        ];
        assert_eq!(
            locate(files, "t_bucket", "b"),
            Some(Location {
                file: "main.tf".into(),
                line: 3
            })
        );
        assert_eq!(locate(files, "t_bucket", "c"), None);
    }
}
