//! What `oci_dataflow_application` and `oci_dataflow_invoke_run` share: their nested blocks and
//! conversions, the plan-time checks of a Spark job's settings (URIs, language and file,
//! placeholders, shapes, Spark versions; the lists come from `dataflow_catalog`, which the
//! emulator enforces too), and the report of a failed run built from its own driver logs.

use std::io::Read;
use std::sync::{Arc, LazyLock};

use oci_client::services::dataflow::{
    ApplicationLogConfig, ApplicationParameter, Run, ShapeConfig,
};
use regex_lite::Regex;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tfplugin::schema::BlockBuilder;
use tfplugin::validators::{self, Validator};
use tfplugin::{AttributePath, Diagnostics, Value};

/// `driver_shape_config` / `executor_shape_config`: the size of a flexible shape.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ShapeConfigBlock {
    /// Memory in GB (flexible shapes only).
    pub memory_in_gbs: Value<f64>,
    /// Number of OCPUs (flexible shapes only).
    pub ocpus: Value<f64>,
}

/// A `parameters` element: a value for the `${name}` placeholders in `arguments`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ParameterBlock {
    /// Parameter name: letters, digits and `_`; `${name}` in `arguments` is replaced by `value`.
    pub name: Value<String>,
    /// The value substituted for `${name}`.
    pub value: Value<String>,
}

/// `application_log_config`: where the OCI Logging service receives the Spark logs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LogConfigBlock {
    /// OCID of the log group.
    pub log_group_id: Value<String>,
    /// OCID of the log.
    pub log_id: Value<String>,
}

// ---------------------------------------------------------------------------------------------
// Schema pieces.

/// The attributes of a shape config block (O+C floats, as upstream).
pub fn shape_config_block(b: BlockBuilder) -> BlockBuilder {
    b.max_items(1)
        .attribute("memory_in_gbs", |a| {
            a.optional().computed().use_state_for_unknown()
        })
        .attribute("ocpus", |a| a.optional().computed().use_state_for_unknown())
}

/// The attributes of a parameters block.
pub fn parameter_block(b: BlockBuilder) -> BlockBuilder {
    b.attribute("name", |a| {
        a.required().validator(validators::regex(
            r"^[A-Za-z0-9_]{1,255}$",
            "must be a parameter name: letters, digits and '_'",
        ))
    })
    .attribute("value", |a| a.required())
}

/// The attributes of an application_log_config block.
pub fn log_config_block(b: BlockBuilder) -> BlockBuilder {
    b.max_items(1)
        .attribute("log_group_id", |a| {
            a.required()
                .validator(crate::validators::ocid(&["loggroup"]))
        })
        .attribute("log_id", |a| {
            a.required().validator(crate::validators::ocid(&["log"]))
        })
}

// ---------------------------------------------------------------------------------------------
// Conversions (pure).

pub fn shape_config(blocks: &[ShapeConfigBlock]) -> Option<ShapeConfig> {
    blocks.first().map(|b| ShapeConfig {
        ocpus: b.ocpus.as_known().copied(),
        memory_in_gbs: b.memory_in_gbs.as_known().copied(),
    })
}

pub fn shape_config_blocks(api: Option<&ShapeConfig>) -> Vec<ShapeConfigBlock> {
    api.filter(|c| c.ocpus.is_some() || c.memory_in_gbs.is_some())
        .map(|c| ShapeConfigBlock {
            memory_in_gbs: c.memory_in_gbs.into(),
            ocpus: c.ocpus.into(),
        })
        .into_iter()
        .collect()
}

pub fn parameters(blocks: &[ParameterBlock]) -> Vec<ApplicationParameter> {
    blocks
        .iter()
        .map(|p| ApplicationParameter {
            name: p.name.as_known().cloned().unwrap_or_default(),
            value: p.value.as_known().cloned().unwrap_or_default(),
        })
        .collect()
}

pub fn parameter_blocks(api: Option<&Vec<ApplicationParameter>>) -> Vec<ParameterBlock> {
    api.into_iter()
        .flatten()
        .map(|p| ParameterBlock {
            name: Value::Known(p.name.clone()),
            value: Value::Known(p.value.clone()),
        })
        .collect()
}

pub fn log_config(blocks: &[LogConfigBlock]) -> Option<ApplicationLogConfig> {
    blocks.first().map(|b| ApplicationLogConfig {
        log_group_id: b.log_group_id.as_known().cloned().unwrap_or_default(),
        log_id: b.log_id.as_known().cloned().unwrap_or_default(),
    })
}

pub fn log_config_blocks(api: Option<&ApplicationLogConfig>) -> Vec<LogConfigBlock> {
    api.map(|c| LogConfigBlock {
        log_group_id: Value::Known(c.log_group_id.clone()),
        log_id: Value::Known(c.log_id.clone()),
    })
    .into_iter()
    .collect()
}

/// An int64 held as a string in state (`"60"`), as the official provider stores durations.
pub fn minutes(v: &Value<String>) -> Option<i64> {
    v.as_known().and_then(|s| s.parse().ok())
}

pub fn minutes_value(api: Option<i64>) -> Value<String> {
    api.map(|n| n.to_string()).into()
}

/// An optional string from the API; the service sends `""` for unset URIs, which is null here.
pub fn text(api: Option<&String>) -> Value<String> {
    api.filter(|s| !s.is_empty()).cloned().into()
}

// ---------------------------------------------------------------------------------------------
// Attribute validators.

/// Longest URI we parse; Object Storage names are at most 1024 bytes.
const MAX_URI: usize = 2048;

/// A parsed `oci://bucket@namespace/path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciUri<'a> {
    pub bucket: &'a str,
    pub namespace: &'a str,
    pub path: &'a str,
}

static BUCKET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9._-]{1,256}$").expect("bucket pattern"));
static NAMESPACE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9_-]{1,64}$").expect("namespace pattern"));

/// Parses an Object Storage URI, or says in words what is wrong with it.
pub fn parse_oci_uri(s: &str) -> Result<OciUri<'_>, String> {
    const FORM: &str = "oci://<bucket>@<namespace>/<path>";
    if s.len() > MAX_URI {
        return Err(format!("is {} bytes long; at most {MAX_URI}", s.len()));
    }
    let Some(rest) = s.strip_prefix("oci://") else {
        return Err(format!("must have the form {FORM}"));
    };
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let Some((bucket, namespace)) = authority.split_once('@') else {
        return Err(format!(
            "has no namespace: the form is {FORM} (read the namespace with data \
             \"oci_objectstorage_namespace\")"
        ));
    };
    if !BUCKET.is_match(bucket) {
        return Err(format!(
            "names the bucket {bucket:?}; bucket names are letters, digits, '-', '_' and '.'"
        ));
    }
    if !NAMESPACE.is_match(namespace) {
        return Err(format!(
            "names the namespace {namespace:?}; the form is {FORM}"
        ));
    }
    Ok(OciUri {
        bucket,
        namespace,
        path,
    })
}

/// The value must be an `oci://bucket@namespace/...` URI; with `object`, naming an object (not
/// a bucket or a prefix ending in `/`).
pub fn oci_uri(object: bool) -> Arc<dyn Validator> {
    let what = if object {
        "an Object Storage URI of an object: oci://<bucket>@<namespace>/<object>"
    } else {
        "an Object Storage URI: oci://<bucket>@<namespace>/[<prefix>]"
    };
    validators::custom(what, move |value, path, diags| {
        let Some(s) = value.as_str() else { return };
        let problem = match parse_oci_uri(s) {
            Err(p) => Some(p),
            Ok(u) if object && (u.path.is_empty() || u.path.ends_with('/')) => Some(
                "names a bucket or a prefix; it must name the object itself, e.g. \
                 oci://bucket@namespace/scripts/job.py"
                    .to_string(),
            ),
            Ok(_) => None,
        };
        if let Some(problem) = problem {
            diags.attribute_error(
                path.clone(),
                "Invalid Object Storage URI",
                format!("Attribute {path} {problem}; got {s:?}."),
            );
        }
    })
}

/// Every argument that starts with `oci://` must be a well-formed Object Storage URI.
pub fn argument_uris() -> Arc<dyn Validator> {
    validators::custom(
        "arguments starting with oci:// are Object Storage URIs",
        |value, path, diags| {
            let Some(list) = value.as_array() else { return };
            for (i, arg) in list.iter().enumerate() {
                let Some(s) = arg.as_str().filter(|s| s.starts_with("oci://")) else {
                    continue;
                };
                if let Err(problem) = parse_oci_uri(s) {
                    let p = path.index(i);
                    diags.attribute_error(
                        p.clone(),
                        "Invalid Object Storage URI",
                        format!("Attribute {p} {problem}; got {s:?}."),
                    );
                }
            }
        },
    )
}

/// A whole number of minutes, at least 1, as a string (`"60"`).
pub fn minutes_validator() -> Arc<dyn Validator> {
    validators::regex(
        r"^[1-9][0-9]{0,12}$",
        "must be a whole number of minutes, at least 1, written without leading zeros (e.g. \"60\")",
    )
}

// ---------------------------------------------------------------------------------------------
// Cross-attribute checks.

/// The settings of a job that the checks look at; `None` means null or not yet known.
#[derive(Debug, Default)]
pub struct Job<'a> {
    pub language: Option<&'a str>,
    pub file_uri: Option<&'a str>,
    pub archive_uri: Option<&'a str>,
    pub class_name: Option<&'a str>,
    pub execute: Option<&'a str>,
    /// Known arguments (an unknown list is `None`).
    pub arguments: Option<&'a [String]>,
    /// The parameter names, when every one is known; `None` when the job has no say over its
    /// parameters (a run inheriting its application's) or some are unknown.
    pub parameter_names: Option<Vec<&'a str>>,
    pub driver_shape: Option<&'a str>,
    pub driver_shape_config: &'a [ShapeConfigBlock],
    pub executor_shape: Option<&'a str>,
    pub executor_shape_config: &'a [ShapeConfigBlock],
    pub spark_version: Option<&'a str>,
}

/// Checks a job's settings together; every problem points at the attribute to change.
pub fn check_job(job: &Job<'_>, diags: &mut Diagnostics) {
    check_language_and_file(job, diags);
    check_placeholders(job, diags);
    check_shape(
        "driver_shape",
        job.driver_shape,
        job.driver_shape_config,
        diags,
    );
    check_shape(
        "executor_shape",
        job.executor_shape,
        job.executor_shape_config,
        diags,
    );
    if let Some(v) = job.spark_version
        && !v.is_empty()
        && !oci_client::services::dataflow_catalog::SPARK_VERSIONS.contains(&v)
    {
        diags.attribute_warning(
            AttributePath::new("spark_version"),
            "Unsupported Spark Version",
            format!(
                "Data Flow does not list Spark version {v:?}; the supported versions are {}. The \
                 service will most likely refuse it.",
                oci_client::services::dataflow_catalog::SPARK_VERSIONS.join(", ")
            ),
        );
    }
}

fn check_language_and_file(job: &Job<'_>, diags: &mut Diagnostics) {
    let Some(language) = job.language else { return };
    let ext = |s: &str| s.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    let (wanted, hint): (&[&str], &str) = match language {
        "PYTHON" => (&["py"], "a .py script"),
        "JAVA" | "SCALA" => (&["jar"], "a .jar"),
        "SQL" => (&["sql"], "a .sql script"),
        _ => return,
    };
    if let Some(file) = job.file_uri {
        let file_ext = ext(file.rsplit('/').next().unwrap_or(file));
        // A Python job may start a file shipped in its archive (archive_uri), e.g. a .zip.
        let from_archive = language == "PYTHON" && job.archive_uri.is_some();
        if !from_archive && !file_ext.as_deref().is_some_and(|e| wanted.contains(&e)) {
            diags.attribute_error(
                AttributePath::new("file_uri"),
                "File Does Not Match Language",
                format!(
                    "language = {language:?} runs {hint}, but file_uri is {file:?}. Point \
                     file_uri at {hint}, or set the language that matches the file."
                ),
            );
        }
    }
    if matches!(language, "JAVA" | "SCALA")
        && job.execute.is_none()
        && job.class_name.is_none_or(|c| c.trim().is_empty())
    {
        // Pointed at `language`: class_name is absent, so Terraform could not show its line.
        diags.attribute_error(
            AttributePath::new("language"),
            "Missing Class Name",
            format!(
                "language = {language:?} needs class_name: the fully qualified name of the class \
                 with main(), e.g. \"com.example.SalesEtl\"."
            ),
        );
    }
}

fn check_placeholders(job: &Job<'_>, diags: &mut Diagnostics) {
    let (Some(args), Some(names)) = (job.arguments, job.parameter_names.as_ref()) else {
        return;
    };
    for (i, arg) in args.iter().enumerate() {
        for name in placeholders(arg) {
            if !names.contains(&name) {
                diags.attribute_error(
                    AttributePath::new("arguments").index(i),
                    "Undefined Argument Placeholder",
                    format!(
                        "Argument {arg:?} uses ${{{name}}}, but no parameters block is named \
                         {name:?}. Add parameters {{ name = \"{name}\" value = \"...\" }}, or \
                         fix the placeholder.{}",
                        if names.is_empty() {
                            String::new()
                        } else {
                            format!(" Defined parameters: {}.", names.join(", "))
                        }
                    ),
                );
            }
        }
    }
}

/// The `${name}` placeholders of one argument.
pub fn placeholders(arg: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = arg;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let Some(j) = after.find('}') else { break };
        out.push(&after[..j]);
        rest = &after[j + 1..];
    }
    out
}

fn check_shape(
    attr: &str,
    shape: Option<&str>,
    config: &[ShapeConfigBlock],
    diags: &mut Diagnostics,
) {
    let Some(shape) = shape else { return };
    let cfg_attr = format!("{attr}_config");
    let cfg = config.first();
    if oci_client::services::dataflow_catalog::FIXED_SHAPES.contains(&shape) {
        if cfg.is_some_and(|c| !c.ocpus.is_null() || !c.memory_in_gbs.is_null()) {
            diags.attribute_error(
                AttributePath::new(&cfg_attr),
                "Shape Config Needs a Flexible Shape",
                format!(
                    "{shape} is a fixed shape: its OCPUs and memory come with it. Remove \
                     {cfg_attr}, or choose a flexible shape such as VM.Standard.E4.Flex."
                ),
            );
        }
        return;
    }
    let Some(flex) = oci_client::services::dataflow_catalog::flex_shape(shape) else {
        diags.attribute_warning(
            AttributePath::new(attr),
            "Unknown Shape",
            format!(
                "Data Flow does not list the shape {shape:?}; the known shapes are {}.",
                oci_client::services::dataflow_catalog::all_shape_names().join(", ")
            ),
        );
        return;
    };
    let Some(cfg) = cfg else {
        diags.attribute_error(
            AttributePath::new(attr),
            "Flexible Shape Needs a Shape Config",
            format!(
                "{shape} is a flexible shape: add {cfg_attr} {{ ocpus = 1  memory_in_gbs = 16 }} \
                 (1 to {} OCPUs, at most {} GB per OCPU).",
                flex.max_ocpus, flex.max_memory_gbs_per_ocpu
            ),
        );
        return;
    };
    let path = AttributePath::new(&cfg_attr).index(0);
    match (&cfg.ocpus, &cfg.memory_in_gbs) {
        (Value::Known(o), _) if !flex.ocpus_ok(*o) => diags.attribute_error(
            path.attr("ocpus"),
            "Shape Config Out of Range",
            format!("{shape} takes 1 to {} OCPUs; got {o}.", flex.max_ocpus),
        ),
        (Value::Known(o), Value::Known(m)) if !flex.memory_ok(*o, *m) => diags.attribute_error(
            path.attr("memory_in_gbs"),
            "Shape Config Out of Range",
            format!(
                "{o} OCPUs of {shape} take 1 to {} GB of memory (at most {} GB per OCPU, {} GB in \
                 all); got {m}.",
                flex.max_memory_for(*o),
                flex.max_memory_gbs_per_ocpu,
                flex.max_memory_gbs
            ),
        ),
        (Value::Null, _) | (_, Value::Null) => diags.attribute_error(
            path,
            "Shape Config Incomplete",
            format!("{shape} needs both ocpus and memory_in_gbs in {cfg_attr}."),
        ),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// The report of a failed run.

/// How many trailing lines of each driver log go into the diagnostic.
const LOG_TAIL_LINES: usize = 15;
/// Log files are read up to this many bytes once decompressed; the tail is what matters.
const MAX_LOG_BYTES: u64 = 4 << 20;

/// Everything a user opens next when a run fails: `lifecycle_details`, the last lines of the
/// driver's stderr and stdout (through ListRunLogs/GetRunLog), and where the full logs are.
/// Log problems are reported inside the text, never instead of it.
pub async fn failure_report(client: &oci_client::Client, run: &Run) -> String {
    let mut out = format!(
        "Data Flow run {} ended {}: {}\n",
        run.id,
        run.lifecycle_state,
        run.lifecycle_details
            .as_deref()
            .filter(|d| !d.is_empty())
            .unwrap_or("(no lifecycle_details)")
    );
    match client.list_all_run_logs(&run.id).await {
        Err(e) => out.push_str(&format!("\nThe run's logs could not be listed: {e}\n")),
        Ok(logs) => {
            // The newest driver stderr (where Spark and Python put tracebacks), then stdout.
            let driver: Vec<_> = ["STDERR", "STDOUT"]
                .into_iter()
                .filter_map(|kind| {
                    logs.iter()
                        .filter(|l| l.source == "DRIVER" && l.log_type == kind)
                        .max_by(|a, b| a.name.cmp(&b.name))
                })
                .collect();
            if driver.is_empty() {
                out.push_str("\nThe run has no driver logs (yet).\n");
            }
            for log in driver {
                out.push_str(&format!(
                    "\nLast lines of the driver's {} ({}):\n",
                    log.log_type.to_lowercase(),
                    log.name
                ));
                match client.get_run_log(&run.id, &log.name).await {
                    Ok(body) => {
                        for line in tail(&body.value, LOG_TAIL_LINES) {
                            out.push_str(&format!("  | {line}\n"));
                        }
                    }
                    Err(e) => out.push_str(&format!("  (could not be read: {e})\n")),
                }
            }
        }
    }
    out.push_str(&format!(
        "\nFull logs: `oci data-flow run get-log --run-id {} --name <name>` (names from `oci \
         data-flow run list-logs --run-id {}`), or the run's page in the console (Data Flow → \
         Runs)",
        run.id, run.id
    ));
    match run
        .settings
        .logs_bucket_uri
        .as_deref()
        .filter(|u| !u.is_empty())
    {
        Some(uri) => out.push_str(&format!(
            ", or the logs bucket under {}{}{}/.",
            uri,
            if uri.ends_with('/') { "" } else { "/" },
            run.id
        )),
        None => out.push('.'),
    }
    out
}

/// The last `n` lines of a log body, gunzipped when it is gzip (as Data Flow serves `.log.gz`).
pub fn tail(body: &[u8], n: usize) -> Vec<String> {
    let text = if body.starts_with(&[0x1f, 0x8b]) {
        let mut s = String::new();
        let decoder = flate2::read::MultiGzDecoder::new(body);
        if let Err(e) = decoder.take(MAX_LOG_BYTES).read_to_string(&mut s) {
            return vec![format!("(log is not readable gzip text: {e})")];
        }
        s
    } else {
        String::from_utf8_lossy(body).into_owned()
    };
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| l.chars().take(500).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(job: &Job<'_>) -> Vec<(String, String)> {
        let mut d = Diagnostics::new();
        check_job(job, &mut d);
        d.iter()
            .map(|d| {
                (
                    d.summary.clone(),
                    d.path.as_ref().map(|p| p.to_string()).unwrap_or_default(),
                )
            })
            .collect()
    }

    #[test]
    fn uris() {
        let u = parse_oci_uri("oci://in@ns1/scripts/etl.py").unwrap();
        assert_eq!(
            (u.bucket, u.namespace, u.path),
            ("in", "ns1", "scripts/etl.py")
        );
        assert_eq!(parse_oci_uri("oci://logs@ns").unwrap().path, "");
        assert!(parse_oci_uri("s3://in/etl.py").is_err());
        assert!(
            parse_oci_uri("oci://in/etl.py")
                .unwrap_err()
                .contains("namespace")
        );
        assert!(parse_oci_uri("oci://b a@ns/x").is_err());
        assert!(parse_oci_uri(&format!("oci://b@ns/{}", "x".repeat(3000))).is_err());
    }

    #[test]
    fn language_file_and_class() {
        let py = Job {
            language: Some("PYTHON"),
            file_uri: Some("oci://b@ns/job.jar"),
            ..Default::default()
        };
        assert_eq!(errors(&py)[0].0, "File Does Not Match Language");
        let java = Job {
            language: Some("JAVA"),
            file_uri: Some("oci://b@ns/job.jar"),
            ..Default::default()
        };
        assert_eq!(
            errors(&java),
            [("Missing Class Name".into(), "language".into())]
        );
        let sql = Job {
            language: Some("SQL"),
            file_uri: Some("oci://b@ns/q.SQL"),
            ..Default::default()
        };
        assert!(errors(&sql).is_empty());
    }

    #[test]
    fn placeholders_name_parameters() {
        let args = vec!["${input}".to_string(), "--out=${output}".to_string()];
        let job = Job {
            arguments: Some(&args),
            parameter_names: Some(vec!["input"]),
            ..Default::default()
        };
        let e = errors(&job);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].0, "Undefined Argument Placeholder");
        assert!(e[0].1.contains("arguments"), "{e:?}");
        assert_eq!(placeholders("a${x}b${y}"), ["x", "y"]);
    }

    #[test]
    fn flexible_shapes_need_a_config_within_limits() {
        let ok = [ShapeConfigBlock {
            ocpus: Value::Known(1.0),
            memory_in_gbs: Value::Known(16.0),
        }];
        let big = [ShapeConfigBlock {
            ocpus: Value::Known(1.0),
            memory_in_gbs: Value::Known(128.0),
        }];
        let job = |shape, cfg| Job {
            driver_shape: Some(shape),
            driver_shape_config: cfg,
            ..Default::default()
        };
        assert!(errors(&job("VM.Standard.E4.Flex", &ok)).is_empty());
        assert_eq!(
            errors(&job("VM.Standard.E4.Flex", &[]))[0].0,
            "Flexible Shape Needs a Shape Config"
        );
        assert_eq!(
            errors(&job("VM.Standard.E4.Flex", &big))[0].0,
            "Shape Config Out of Range"
        );
        assert_eq!(
            errors(&job("VM.Standard2.1", &ok))[0].0,
            "Shape Config Needs a Flexible Shape"
        );
    }

    #[test]
    fn unsupported_spark_version_is_a_warning_naming_the_supported_ones() {
        let mut d = Diagnostics::new();
        check_job(
            &Job {
                spark_version: Some("9.9.9"),
                ..Default::default()
            },
            &mut d,
        );
        assert!(!d.has_errors());
        let w = d.iter().next().unwrap();
        assert!(w.detail.contains("3.5.0"), "{}", w.detail);
    }

    #[test]
    fn log_tail_gunzips_and_keeps_the_last_lines() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        for i in 0..40 {
            writeln!(gz, "line {i}").unwrap();
        }
        let body = gz.finish().unwrap();
        let t = tail(&body, 3);
        assert_eq!(t, ["line 37", "line 38", "line 39"]);
        assert_eq!(tail(b"plain\ntext\n", 5), ["plain", "text"]);
    }
}
