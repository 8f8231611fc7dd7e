//! Data Flow request validation, as the service does it at create/update time: required fields,
//! enums, shapes and shape configs, Spark versions, executor counts, `oci://bucket@namespace/path`
//! URIs and `${name}` argument placeholders. Pure functions over the wire structs; every message
//! names the offending field so a Terraform user can find it.
//!
//! Whether the named objects and buckets *exist* is not checked here: the real service only
//! finds out when the run starts, so a missing script is a FAILED run (see store.rs), not a 400.

use super::wire::{ApplicationParameter, ShapeConfig, SparkSettings};
use std::fmt;

/// A validation failure, reported as 400 `InvalidParameter` with this message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

type Check = Result<(), Invalid>;

fn invalid(msg: impl Into<String>) -> Invalid {
    Invalid(msg.into())
}

// The lists live in `catalog.rs` (cross-checked against the provider's copy by a test).
pub use super::catalog::{
    APPLICATION_TYPES as TYPES, FIXED_SHAPES, LANGUAGES, SPARK_VERSIONS, flex_shape,
};

/// OCPUs of a shape (for `totalOCpu`): the config's for flex shapes, the number in the name for
/// fixed ones (`VM.Standard2.4` has 4).
pub fn shape_ocpus(shape: &str, config: Option<&ShapeConfig>) -> i64 {
    if let Some(o) = config.and_then(|c| c.ocpus) {
        return o.ceil() as i64;
    }
    shape
        .rsplit('.')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

/// A parsed `oci://bucket@namespace/path` URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciUri {
    pub bucket: String,
    pub namespace: String,
    /// The object name or prefix after the first `/`; may be empty.
    pub path: String,
}

impl OciUri {
    pub fn parse(field: &str, uri: &str) -> Result<OciUri, Invalid> {
        let form = "expected the form oci://<bucket>@<namespace>/<path>";
        let rest = uri.strip_prefix("oci://").ok_or_else(|| {
            invalid(format!(
                "{field} '{uri}' is not a valid Object Storage URI: {form}"
            ))
        })?;
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (bucket, namespace) = authority
            .split_once('@')
            .ok_or_else(|| invalid(format!("{field} '{uri}' has no namespace: {form}")))?;
        if bucket.is_empty()
            || !bucket
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(invalid(format!(
                "{field} '{uri}' names an invalid bucket '{bucket}': bucket names use letters, digits, '-', '_' and '.'"
            )));
        }
        if namespace.is_empty()
            || !namespace
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(invalid(format!(
                "{field} '{uri}' names an invalid namespace '{namespace}': {form}"
            )));
        }
        Ok(OciUri {
            bucket: bucket.to_owned(),
            namespace: namespace.to_owned(),
            path: path.to_owned(),
        })
    }
}

impl fmt::Display for OciUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "oci://{}@{}/{}", self.bucket, self.namespace, self.path)
    }
}

fn required<'a>(field: &str, v: Option<&'a str>) -> Result<&'a str, Invalid> {
    match v {
        Some(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(invalid(format!("{field} may not be null or empty"))),
    }
}

fn one_of(field: &str, v: &str, allowed: &[&str]) -> Check {
    if allowed.contains(&v) {
        Ok(())
    } else {
        Err(invalid(format!(
            "{field} '{v}' is not supported; supported values: {}",
            allowed.join(", ")
        )))
    }
}

pub fn language(v: &str) -> Check {
    one_of("language", v, LANGUAGES)
}

pub fn kind(v: &str) -> Check {
    one_of("type", v, TYPES)
}

pub fn spark_version(v: &str) -> Check {
    one_of("sparkVersion", v, SPARK_VERSIONS)
}

pub fn num_executors(n: i64) -> Check {
    if (1..=1000).contains(&n) {
        Ok(())
    } else {
        Err(invalid(format!(
            "numExecutors must be between 1 and 1000, got {n}"
        )))
    }
}

/// `field` is `driverShape` or `executorShape`; the config field is `<field>Config`.
pub fn shape(field: &str, shape: &str, config: Option<&ShapeConfig>) -> Check {
    let cfg_field = format!("{field}Config");
    if FIXED_SHAPES.contains(&shape) {
        if config.is_some_and(|c| c.ocpus.is_some() || c.memory_in_gbs.is_some()) {
            return Err(invalid(format!(
                "{cfg_field} is only allowed with a flexible shape; '{shape}' is a fixed shape"
            )));
        }
        return Ok(());
    }
    let Some(flex) = flex_shape(shape) else {
        return Err(invalid(format!(
            "{field} '{shape}' is not supported; supported shapes: {}",
            super::catalog::all_shape_names().join(", ")
        )));
    };
    let (ocpus, mem) = match config {
        Some(ShapeConfig {
            ocpus: Some(o),
            memory_in_gbs: Some(m),
        }) => (*o, *m),
        _ => {
            return Err(invalid(format!(
                "{cfg_field} with ocpus and memoryInGBs is required for the flexible shape '{shape}'"
            )));
        }
    };
    if !flex.ocpus_ok(ocpus) {
        return Err(invalid(format!(
            "{cfg_field}.ocpus must be between 1 and {} for {shape}, got {ocpus}",
            flex.max_ocpus
        )));
    }
    if !flex.memory_ok(ocpus, mem) {
        return Err(invalid(format!(
            "{cfg_field}.memoryInGBs must be between 1 and {} GB per OCPU (at most {}), got {mem}",
            flex.max_memory_gbs_per_ocpu,
            flex.max_memory_for(ocpus)
        )));
    }
    Ok(())
}

/// Parameter names are word characters; every `${name}` in the arguments must be a parameter.
pub fn parameters(arguments: &[String], params: &[ApplicationParameter]) -> Check {
    for p in params {
        if p.name.is_empty()
            || !p
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(invalid(format!(
                "parameters: name '{}' is invalid; parameter names use letters, digits and '_'",
                p.name
            )));
        }
    }
    for arg in arguments {
        for name in placeholders(arg) {
            if !params.iter().any(|p| p.name == name) {
                return Err(invalid(format!(
                    "arguments: '{arg}' refers to the placeholder ${{{name}}}, but no parameter named '{name}' is defined"
                )));
            }
        }
    }
    Ok(())
}

/// The names of the `${name}` placeholders in one argument.
pub fn placeholders(arg: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = arg;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        match after.find('}') {
            Some(j) => {
                out.push(&after[..j]);
                rest = &after[j + 1..];
            }
            None => break,
        }
    }
    out
}

/// Replace `${name}` placeholders with the parameter values.
pub fn substitute(arg: &str, params: &[ApplicationParameter]) -> String {
    params.iter().fold(arg.to_owned(), |acc, p| {
        acc.replace(&format!("${{{}}}", p.name), &p.value)
    })
}

/// The URI fields of the shared settings, checked for syntax.
pub fn uris(s: &SparkSettings) -> Check {
    for (field, v) in [
        ("archiveUri", &s.archive_uri),
        ("logsBucketUri", &s.logs_bucket_uri),
        ("warehouseBucketUri", &s.warehouse_bucket_uri),
    ] {
        if let Some(uri) = v.as_deref().filter(|u| !u.is_empty()) {
            OciUri::parse(field, uri)?;
        }
    }
    Ok(())
}

fn positive(field: &str, v: Option<i64>) -> Check {
    match v {
        Some(n) if n < 1 => Err(invalid(format!(
            "{field} must be a positive number of minutes, got {n}"
        ))),
        _ => Ok(()),
    }
}

fn display_name(v: &str) -> Check {
    if v.chars().count() > 255 {
        return Err(invalid("displayName must be at most 255 characters"));
    }
    Ok(())
}

/// The fully-specified application settings after create defaults or an update merge.
pub struct AppSpec<'a> {
    pub display_name: &'a str,
    pub language: &'a str,
    pub kind: &'a str,
    pub spark_version: &'a str,
    pub driver_shape: &'a str,
    pub driver_shape_config: Option<&'a ShapeConfig>,
    pub executor_shape: &'a str,
    pub executor_shape_config: Option<&'a ShapeConfig>,
    pub num_executors: i64,
    pub file_uri: Option<&'a str>,
    pub class_name: Option<&'a str>,
    pub execute: Option<&'a str>,
    pub arguments: &'a [String],
    pub parameters: &'a [ApplicationParameter],
}

/// Check a complete application (or the effective settings of a run).
pub fn app_spec(a: &AppSpec<'_>) -> Check {
    required("displayName", Some(a.display_name))?;
    display_name(a.display_name)?;
    language(a.language)?;
    kind(a.kind)?;
    spark_version(a.spark_version)?;
    shape("driverShape", a.driver_shape, a.driver_shape_config)?;
    shape("executorShape", a.executor_shape, a.executor_shape_config)?;
    num_executors(a.num_executors)?;
    let has_execute = a.execute.is_some_and(|e| !e.trim().is_empty());
    match a.file_uri.filter(|f| !f.is_empty()) {
        Some(f) => {
            let uri = OciUri::parse("fileUri", f)?;
            if uri.path.is_empty() || uri.path.ends_with('/') {
                return Err(invalid(format!(
                    "fileUri '{f}' must name an object, not a bucket or prefix"
                )));
            }
        }
        None if !has_execute => {
            return Err(invalid(
                "fileUri may not be null or empty (or give execute instead)",
            ));
        }
        None => {}
    }
    if matches!(a.language, "JAVA" | "SCALA")
        && !has_execute
        && a.class_name.is_none_or(|c| c.trim().is_empty())
    {
        return Err(invalid(format!(
            "className is required for language {}",
            a.language
        )));
    }
    parameters(a.arguments, a.parameters)
}

/// Checks on the request fields that a spec check cannot see (create: required presence).
pub fn create_application_required(
    compartment_id: Option<&str>,
    s: &SparkSettings,
    language: Option<&str>,
) -> Check {
    required("compartmentId", compartment_id)?;
    required("displayName", s.display_name.as_deref())?;
    required("driverShape", s.driver_shape.as_deref())?;
    required("executorShape", s.executor_shape.as_deref())?;
    required("language", language)?;
    if s.num_executors.is_none() {
        return Err(invalid("numExecutors may not be null"));
    }
    required("sparkVersion", s.spark_version.as_deref())?;
    settings_fields(s)
}

/// Field-level checks shared by create and update of applications and by create of runs.
pub fn settings_fields(s: &SparkSettings) -> Check {
    uris(s)?;
    positive("maxDurationInMinutes", s.max_duration_in_minutes)?;
    positive("idleTimeoutInMinutes", s.idle_timeout_in_minutes)?;
    if let Some(n) = s.num_executors {
        num_executors(n)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flex(o: f64, m: f64) -> ShapeConfig {
        ShapeConfig {
            ocpus: Some(o),
            memory_in_gbs: Some(m),
        }
    }

    #[test]
    fn oci_uris() {
        let u = OciUri::parse(
            "fileUri",
            "oci://dataflow-lab-input@ns1/scripts/etl_sales.py",
        )
        .unwrap();
        assert_eq!(
            (u.bucket.as_str(), u.namespace.as_str(), u.path.as_str()),
            ("dataflow-lab-input", "ns1", "scripts/etl_sales.py")
        );
        assert_eq!(
            OciUri::parse("logsBucketUri", "oci://logs@ns")
                .unwrap()
                .path,
            ""
        );
        assert_eq!(
            u.to_string(),
            "oci://dataflow-lab-input@ns1/scripts/etl_sales.py"
        );
        for (bad, needle) in [
            ("s3://b@ns/x", "not a valid Object Storage URI"),
            ("oci://bucket/x.py", "has no namespace"),
            ("oci://@ns/x", "invalid bucket"),
            ("oci://b@/x", "invalid namespace"),
            ("oci://b a@ns/x", "invalid bucket"),
        ] {
            let e = OciUri::parse("fileUri", bad).unwrap_err().0;
            assert!(e.contains(needle) && e.starts_with("fileUri"), "{bad}: {e}");
        }
    }

    #[test]
    fn shapes_and_configs() {
        shape("driverShape", "VM.Standard2.1", None).unwrap();
        shape("driverShape", "VM.Standard.E4.Flex", Some(&flex(1.0, 16.0))).unwrap();
        let e = shape("driverShape", "VM.Standard.E4.Flex", None)
            .unwrap_err()
            .0;
        assert!(
            e.contains("driverShapeConfig with ocpus and memoryInGBs is required"),
            "{e}"
        );
        let e = shape("executorShape", "VM.Standard2.1", Some(&flex(1.0, 16.0)))
            .unwrap_err()
            .0;
        assert!(
            e.contains("executorShapeConfig is only allowed with a flexible shape"),
            "{e}"
        );
        let e = shape("driverShape", "VM.Tiny", None).unwrap_err().0;
        assert!(e.contains("driverShape 'VM.Tiny' is not supported"), "{e}");
        let e = shape(
            "driverShape",
            "VM.Standard.E4.Flex",
            Some(&flex(1.0, 100.0)),
        )
        .unwrap_err()
        .0;
        assert!(e.contains("memoryInGBs"), "{e}");
        let e = shape("driverShape", "VM.Standard.E4.Flex", Some(&flex(0.0, 1.0)))
            .unwrap_err()
            .0;
        assert!(e.contains("ocpus must be between 1 and 64"), "{e}");
        assert_eq!(shape_ocpus("VM.Standard2.4", None), 4);
        assert_eq!(
            shape_ocpus("VM.Standard.E4.Flex", Some(&flex(2.0, 16.0))),
            2
        );
    }

    #[test]
    fn enums_and_counts() {
        language("PYTHON").unwrap();
        assert!(
            language("python")
                .unwrap_err()
                .0
                .contains("SCALA, JAVA, PYTHON, SQL")
        );
        kind("BATCH").unwrap();
        assert!(kind("BATCHY").is_err());
        spark_version("3.2.1").unwrap();
        assert!(
            spark_version("9.9")
                .unwrap_err()
                .0
                .contains("sparkVersion '9.9' is not supported")
        );
        num_executors(1).unwrap();
        assert!(num_executors(0).unwrap_err().0.contains("numExecutors"));
    }

    #[test]
    fn placeholders_need_parameters() {
        let params = vec![ApplicationParameter {
            name: "input".into(),
            value: "oci://b@ns/in.csv".into(),
        }];
        parameters(&["${input}".into(), "plain".into()], &params).unwrap();
        let e = parameters(&["${output}".into()], &params).unwrap_err().0;
        assert!(e.contains("no parameter named 'output'"), "{e}");
        let bad = vec![ApplicationParameter {
            name: "in put".into(),
            value: "x".into(),
        }];
        assert!(
            parameters(&[], &bad)
                .unwrap_err()
                .0
                .contains("'in put' is invalid")
        );
        assert_eq!(
            substitute("--in=${input}", &params),
            "--in=oci://b@ns/in.csv"
        );
        assert_eq!(placeholders("${a}-${b}-${c"), vec!["a", "b"]);
    }

    fn lab_spec<'a>(args: &'a [String]) -> AppSpec<'a> {
        AppSpec {
            display_name: "dataflow-sales-etl",
            language: "PYTHON",
            kind: "BATCH",
            spark_version: "3.2.1",
            driver_shape: "VM.Standard2.1",
            driver_shape_config: None,
            executor_shape: "VM.Standard2.1",
            executor_shape_config: None,
            num_executors: 1,
            file_uri: Some("oci://dataflow-lab-input@ns/scripts/etl_sales.py"),
            class_name: None,
            execute: None,
            arguments: args,
            parameters: &[],
        }
    }

    #[test]
    fn whole_application() {
        let args = vec![
            "oci://dataflow-lab-input@ns/sales.csv".to_owned(),
            "oci://dataflow-lab-output@ns/curated/".to_owned(),
        ];
        app_spec(&lab_spec(&args)).unwrap();
        let e = app_spec(&AppSpec {
            file_uri: None,
            ..lab_spec(&args)
        })
        .unwrap_err()
        .0;
        assert!(e.starts_with("fileUri may not be null"), "{e}");
        let e = app_spec(&AppSpec {
            file_uri: Some("oci://b@ns/dir/"),
            ..lab_spec(&args)
        })
        .unwrap_err()
        .0;
        assert!(e.contains("must name an object"), "{e}");
        let e = app_spec(&AppSpec {
            language: "JAVA",
            ..lab_spec(&args)
        })
        .unwrap_err()
        .0;
        assert!(e.contains("className is required for language JAVA"), "{e}");
        app_spec(&AppSpec {
            file_uri: None,
            execute: Some("--conf x=y oci://b@ns/a.py"),
            ..lab_spec(&args)
        })
        .unwrap();
    }

    #[test]
    fn required_fields_are_named() {
        let s = SparkSettings {
            display_name: Some("a".into()),
            ..Default::default()
        };
        let e = create_application_required(Some("ocid1.compartment.oc1..a"), &s, Some("PYTHON"))
            .unwrap_err()
            .0;
        assert_eq!(e, "driverShape may not be null or empty");
        let e = create_application_required(None, &s, None).unwrap_err().0;
        assert_eq!(e, "compartmentId may not be null or empty");
        let s = SparkSettings {
            logs_bucket_uri: Some("logs".into()),
            ..Default::default()
        };
        assert!(
            settings_fields(&s)
                .unwrap_err()
                .0
                .starts_with("logsBucketUri 'logs'")
        );
        let s = SparkSettings {
            max_duration_in_minutes: Some(0),
            ..Default::default()
        };
        assert!(
            settings_fields(&s)
                .unwrap_err()
                .0
                .contains("maxDurationInMinutes")
        );
    }
}
