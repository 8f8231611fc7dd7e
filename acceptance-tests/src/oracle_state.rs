//! Fixtures of state written by Oracle's provider (`fixtures/oracle-state/<type>/`, see its
//! README): the configuration a user of `oracle/oci` had and the `terraform.tfstate` it wrote,
//! with placeholders for what only the service knows.
//!
//! A test first creates the fixture's resources for real (applying `main.tf` with this
//! provider), then fills the placeholders from them, so the state written in Oracle's format
//! refers to resources that exist.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value as Json;

use crate::Env;

/// Oracle's provider address, as it appears in state.
pub const ORACLE_ADDRESS: &str = "registry.terraform.io/oracle/oci";

/// One fixture directory.
pub struct Fixture {
    pub name: String,
    dir: PathBuf,
}

impl Fixture {
    /// `fixtures/oracle-state/<name>`; panics when it is missing.
    pub fn load(name: &str) -> Fixture {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/oracle-state")
            .join(name);
        assert!(
            dir.join("main.tf").is_file() && dir.join("terraform.tfstate").is_file(),
            "fixture {} needs main.tf and terraform.tfstate",
            dir.display()
        );
        Fixture {
            name: name.to_string(),
            dir,
        }
    }

    fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.dir.join(file))
            .unwrap_or_else(|e| panic!("reading {}/{file}: {e}", self.dir.display()))
    }

    /// Copies the fixture's other files (e.g. upload sources) into the working directory, writes
    /// `main.tf` with the provider blocks, runs `terraform init` and applies it with this
    /// provider: the fixture's resources now exist in the emulator.
    pub fn create_resources(&self, env: &Env) {
        for entry in std::fs::read_dir(&self.dir).expect("fixture dir").flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name != "main.tf" && name != "terraform.tfstate" {
                std::fs::copy(entry.path(), env.wd.path().join(&name)).expect("copy fixture file");
            }
        }
        env.init_with(&self.config(env));
        env.wd.apply();
    }

    /// `main.tf` with the emulator's namespace and tenancy filled in.
    pub fn config(&self, env: &Env) -> String {
        fill_env(&self.read("main.tf"), env)
    }

    /// `terraform.tfstate` as Oracle's provider would have written it for the resources
    /// [`Fixture::create_resources`] made; `ours` is `terraform show -json` of them.
    pub fn oracle_state(&self, env: &Env, ours: &Json) -> String {
        let text = fill_service_tags(&self.read("terraform.tfstate"), env, ours);
        let text = fill_state(&text, ours);
        let text = fill_mtimes(&text, env.wd.path());
        let text = fill_env(&text, env);
        let parsed: Json = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("fixture {} state is not JSON once filled: {e}", self.name));
        for r in parsed["resources"].as_array().expect("resources") {
            assert_eq!(
                r["provider"],
                format!("provider[\"{ORACLE_ADDRESS}\"]"),
                "fixture {}: every resource must be Oracle's",
                self.name
            );
        }
        text
    }
}

/// Every type the provider serves, as fixture names (type without `oci_`), with whether it is a
/// data source: read from `schemas/`, which the provider's registry generates (and a provider
/// test keeps current).
pub fn registered_types() -> Vec<(String, bool)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let mut types: Vec<(String, bool)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .flatten()
        .filter_map(|e| {
            let file = e.file_name().to_string_lossy().into_owned();
            let name = file.strip_suffix(".json")?;
            let (name, data) = match name.strip_prefix("data.") {
                Some(n) => (n, true),
                None => (name, false),
            };
            Some((name.strip_prefix("oci_")?.to_string(), data))
        })
        .collect();
    types.sort();
    assert!(!types.is_empty(), "no schemas in {}", dir.display());
    types
}

/// Panics naming the registered types (`want`) that have no entry in `listed`.
#[track_caller]
pub fn assert_every_type_listed(want: &[String], listed: &[&str], what: &str) {
    let missing: Vec<&String> = want
        .iter()
        .filter(|t| !listed.contains(&t.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "types without {what}: {missing:?}. Add acceptance-tests/fixtures/oracle-state/<type>/ \
         (main.tf + the terraform.tfstate Oracle's provider writes; see its README) and the \
         type's line"
    );
}

fn fill_env(text: &str, env: &Env) -> String {
    text.replace("{{namespace}}", env.namespace())
        .replace("{{tenancy}}", env.tenancy())
}

/// `"{{state:ADDR.ATTR}}"` as a whole JSON string becomes the attribute's JSON value (which may be
/// null or a bool); inside a longer string, its text.
fn fill_state(text: &str, ours: &Json) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{state:") {
        let end = start + rest[start..].find("}}").expect("unclosed {{state:");
        let path = &rest[start + "{{state:".len()..end];
        let value = lookup(ours, path);
        let whole = rest[..start].ends_with('"') && rest[end + 2..].starts_with('"');
        if whole {
            out.push_str(&rest[..start - 1]);
            out.push_str(&value.to_string());
            rest = &rest[end + 3..];
        } else {
            out.push_str(&rest[..start]);
            match &value {
                Json::String(s) => out.push_str(s),
                other => out.push_str(&other.to_string()),
            }
            rest = &rest[end + 2..];
        }
    }
    out.push_str(rest);
    out
}

/// `"{{service_tags:ADDR}}"` (a whole JSON string) → the defined tags the service holds for that
/// resource, flattened to `namespace.key` as Oracle's provider stores them: with the
/// `Oracle-Tags` the service adds, which this provider's own state leaves out.
fn fill_service_tags(text: &str, env: &Env, ours: &Json) -> String {
    let mut out = text.to_string();
    while let Some(start) = out.find("\"{{service_tags:") {
        let end = start + out[start..].find("}}\"").expect("unclosed {{service_tags:");
        let address = &out[start + "\"{{service_tags:".len()..end];
        let id = lookup(ours, &format!("{address}.id"));
        let id = id.as_str().unwrap_or_else(|| panic!("{address} has no id"));
        let tags = match address.split('.').next() {
            Some("oci_identity_dynamic_group") => {
                env.oci(async |c| c.get_dynamic_group(id).await.unwrap().value.defined_tags)
            }
            Some("oci_identity_policy") => {
                env.oci(async |c| c.get_policy(id).await.unwrap().value.defined_tags)
            }
            _ => panic!("{{{{service_tags:}}}} does not know how to read {address}"),
        };
        let flat: serde_json::Map<String, Json> = tags
            .into_iter()
            .flatten()
            .flat_map(|(ns, keys)| {
                keys.into_iter().map(move |(k, v)| {
                    let v = match v {
                        Json::String(s) => s,
                        other => other.to_string(),
                    };
                    (format!("{ns}.{k}"), Json::String(v))
                })
            })
            .collect();
        out.replace_range(start..end + 3, &Json::Object(flat).to_string());
    }
    out
}

/// `ADDR.ATTR[.N.SUB…]` in `terraform show -json` output; `ADDR` is `type.name` or
/// `data.type.name`.
fn lookup(ours: &Json, path: &str) -> Json {
    let parts: Vec<&str> = path.split('.').collect();
    let n = if parts[0] == "data" { 3 } else { 2 };
    let address = parts[..n].join(".");
    let resource = ours["values"]["root_module"]["resources"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["address"] == address))
        .unwrap_or_else(|| panic!("{address} is not in state"));
    let mut v = &resource["values"];
    for p in &parts[n..] {
        v = match p.parse::<usize>() {
            Ok(i) => &v[i],
            Err(_) => &v[*p],
        };
    }
    v.clone()
}

/// `{{mtime:FILE}}` → the file's modification time as Go's `time.Time.String()` in UTC, which is
/// what Oracle's provider appends to `source`.
fn fill_mtimes(text: &str, dir: &Path) -> String {
    let mut out = text.to_string();
    while let Some(start) = out.find("{{mtime:") {
        let end = start + out[start..].find("}}").expect("unclosed {{mtime:");
        let file = &out[start + "{{mtime:".len()..end];
        let modified = std::fs::metadata(dir.join(file))
            .and_then(|m| m.modified())
            .unwrap_or_else(|e| panic!("mtime of {file}: {e}"));
        out.replace_range(start..end + 2, &go_time_string(modified));
    }
    out
}

/// Go's `time.Time.String()` of a UTC time: `2006-01-02 15:04:05.999999999 +0000 UTC`.
pub fn go_time_string(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).expect("after 1970");
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, day) = civil_from_days(days as i64);
    let mut s = format!(
        "{y:04}-{m:02}-{day:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    let nanos = d.subsec_nanos();
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    s.push_str(" +0000 UTC");
    s
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn go_time_strings() {
        let t = UNIX_EPOCH + Duration::new(1_764_613_212, 123_450_000);
        assert_eq!(go_time_string(t), "2025-12-01 18:20:12.12345 +0000 UTC");
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(go_time_string(t), "2000-02-29 00:00:00 +0000 UTC");
    }

    #[test]
    #[should_panic(expected = "types without a swap! test: [\"identity_policy\"]")]
    fn unlisted_types_are_named() {
        assert_every_type_listed(
            &["identity_policy".into(), "objectstorage_bucket".into()],
            &["objectstorage_bucket"],
            "a swap! test",
        );
    }

    #[test]
    fn state_placeholders() {
        let ours = serde_json::json!({"values": {"root_module": {"resources": [
            {"address": "a.b", "values": {"n": null, "s": "x", "l": [{"k": true}]}},
        ]}}});
        assert_eq!(
            fill_state(
                r#"{"n": "{{state:a.b.n}}", "k": "{{state:a.b.l.0.k}}", "t": "id-{{state:a.b.s}}"}"#,
                &ours
            ),
            r#"{"n": null, "k": true, "t": "id-x"}"#
        );
    }
}
