//! The `timeouts` block (`create`, `update`, `delete`, each a Go duration such as `"20m"` or
//! `"1h30m"`), as the official provider's SDKv2 resources have it, with the same 20 minute
//! defaults (official-provider.md §1.2).

use std::sync::Arc;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tfplugin::Value;
use tfplugin::schema::BlockBuilder;
use tfplugin::validators::{self, Validator};

/// The official provider's default for every operation.
pub const DEFAULT: Duration = Duration::from_secs(20 * 60);

/// How long each operation may take before Terraform gives up waiting.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TimeoutsBlock {
    /// How long create may take, e.g. `"20m"` (the default) or `"1h30m"`.
    pub create: Value<String>,
    /// How long delete may take (default `"20m"`).
    pub delete: Value<String>,
    /// How long update may take (default `"20m"`).
    pub update: Value<String>,
}

/// Which operation a timeout is for.
#[derive(Debug, Clone, Copy)]
pub enum Op {
    Create,
    Update,
    Delete,
}

/// The configured timeout of `op`, or [`DEFAULT`].
pub fn of(t: Option<&TimeoutsBlock>, op: Op) -> Duration {
    let v = t.and_then(|t| match op {
        Op::Create => t.create.as_known(),
        Op::Update => t.update.as_known(),
        Op::Delete => t.delete.as_known(),
    });
    v.and_then(|s| parse_go_duration(s)).unwrap_or(DEFAULT)
}

/// Declares the block's attributes on a schema builder.
pub fn block(b: BlockBuilder) -> BlockBuilder {
    ["create", "delete", "update"]
        .into_iter()
        .fold(b, |b, name| {
            b.attribute(name, |a| a.optional().validator(duration()))
        })
}

fn duration() -> Arc<dyn Validator> {
    validators::custom(
        "a duration such as \"20m\", \"90s\" or \"1h30m\"",
        |value, path, diags| {
            let Some(s) = value.as_str() else { return };
            if parse_go_duration(s).is_none() {
                diags.attribute_error(
                    path.clone(),
                    "Invalid Timeout",
                    format!(
                        "Attribute {path} must be a duration such as \"20m\", \"90s\" or \
                         \"1h30m\" (units h, m, s, ms), got {s:?}."
                    ),
                );
            }
        },
    )
}

/// Parses Go's `time.ParseDuration` forms that make sense for timeouts: one or more
/// `<number><unit>` with units `h`, `m`, `s`, `ms`; fractions allowed (`1.5h`). At most 32
/// characters, so a pasted blob is refused rather than scanned.
pub fn parse_go_duration(s: &str) -> Option<Duration> {
    if s.is_empty() || s.len() > 32 {
        return None;
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let (unit, secs) = [("ms", 0.001), ("h", 3600.0), ("m", 60.0), ("s", 1.0)]
            .into_iter()
            .find(|(u, _)| rest.starts_with(u))?;
        total += n * secs;
        rest = &rest[unit.len()..];
    }
    Some(Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("20m"), Some(Duration::from_secs(1200)));
        assert_eq!(parse_go_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_go_duration("1.5h"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_go_duration("250ms"), Some(Duration::from_millis(250)));
        for bad in ["", "20", "m", "20 minutes", "1d", &"1m".repeat(20)] {
            assert_eq!(parse_go_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn defaults_to_twenty_minutes() {
        assert_eq!(of(None, Op::Create), DEFAULT);
        let t = TimeoutsBlock {
            delete: Value::Known("5m".into()),
            ..Default::default()
        };
        assert_eq!(of(Some(&t), Op::Delete), Duration::from_secs(300));
        assert_eq!(of(Some(&t), Op::Update), DEFAULT);
    }
}
