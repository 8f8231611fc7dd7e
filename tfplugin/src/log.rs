//! Logging for a provider process: `tracing` events written to stderr as hclog JSON lines
//! (`@level`, `@message`, `@module`, `@timestamp`, plus the event's fields). go-plugin forwards
//! the plugin's stderr into Terraform's own log, where `TF_LOG=DEBUG` shows them with their levels.
//! Nothing is ever written to stdout: its first line is the handshake.

use std::io::Write;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::{Layer, Registry};

/// The level asked for by `TF_LOG_PROVIDER` (wins) or `TF_LOG`; INFO when neither is set.
pub(crate) fn level_from_env() -> LevelFilter {
    let raw = std::env::var("TF_LOG_PROVIDER")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("TF_LOG").ok().filter(|s| !s.is_empty()));
    match raw.as_deref().map(str::to_ascii_uppercase).as_deref() {
        Some("TRACE" | "JSON") => LevelFilter::TRACE,
        Some("DEBUG") => LevelFilter::DEBUG,
        Some("WARN") => LevelFilter::WARN,
        Some("ERROR") => LevelFilter::ERROR,
        Some("OFF") => LevelFilter::OFF,
        _ => LevelFilter::INFO,
    }
}

/// Installs the hclog-JSON stderr logger as the global subscriber (once; later calls are no-ops).
pub(crate) fn init() {
    let subscriber = Registry::default().with(HclogLayer.with_filter(level_from_env()));
    let _ = tracing::subscriber::set_global_default(subscriber);
}

const HCLOG_TIME: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
);

struct HclogLayer;

impl<S: Subscriber> Layer<S> for HclogLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let line = hclog_line(event);
        // A closed stderr must not take the provider down; the log line is simply lost.
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }
}

fn hclog_line(event: &Event<'_>) -> String {
    let meta = event.metadata();
    let mut fields = FieldsToJson(serde_json::Map::new());
    event.record(&mut fields);
    let mut obj = fields.0;
    let message = obj
        .remove("message")
        .unwrap_or(serde_json::Value::String(String::new()));
    obj.insert("@message".into(), message);
    obj.insert("@level".into(), level_name(*meta.level()).into());
    obj.insert("@module".into(), meta.target().replace("::", ".").into());
    // go-plugin parses exactly hclog's layout, `2006-01-02T15:04:05.000000Z07:00` (six
    // fractional digits); any other precision makes it log the raw JSON line instead.
    let ts = time::OffsetDateTime::now_utc()
        .format(HCLOG_TIME)
        .unwrap_or_default();
    obj.insert("@timestamp".into(), ts.into());
    serde_json::Value::Object(obj).to_string()
}

fn level_name(l: Level) -> &'static str {
    match l {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

struct FieldsToJson(serde_json::Map<String, serde_json::Value>);

impl Visit for FieldsToJson {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().into(), format!("{value:?}").into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Captures lines instead of writing to stderr, to check the hclog shape.
    struct Capture(Arc<Mutex<Vec<String>>>);
    impl<S: Subscriber> Layer<S> for Capture {
        fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
            self.0.lock().unwrap().push(hclog_line(event));
        }
    }

    #[test]
    fn events_become_hclog_json_lines() {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sub = Registry::default().with(Capture(lines.clone()));
        tracing::subscriber::with_default(sub, || {
            tracing::warn!(type_name = "x_thing", "planning failed");
        });
        let lines = lines.lock().unwrap();
        let j: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(j["@level"], "warn");
        assert_eq!(j["@message"], "planning failed");
        assert_eq!(j["type_name"], "x_thing");
        assert!(j["@module"].as_str().unwrap().starts_with("tfplugin"));
        // hclog's layout: microseconds, UTC.
        let ts = j["@timestamp"].as_str().unwrap();
        let re = regex_lite::Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$").unwrap();
        assert!(re.is_match(ts), "{ts}");
    }
}
