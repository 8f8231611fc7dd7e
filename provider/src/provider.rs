//! The `oci` provider: configuration schema and `configure`.
//!
//! Arguments are named as in the official provider (so existing configurations keep working),
//! plus `endpoint` and `service_endpoints`, which point the provider at another host such as the
//! local emulator. `configure` turns them into `oci_client::ProviderArgs` and lets the OCI client
//! resolve credentials (environment fallbacks, `~/.oci/config` profiles, key loading) the way the
//! official provider does; every failure names the argument or file to fix.

use std::collections::BTreeMap;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tfplugin::{
    AnyDataSource, AnyResource, ConfigureRequest, Diagnostics, Provider, ProviderData, Schema,
    Value, validators,
};

/// The provider's source address.
pub const ADDRESS: &str = "registry.terraform.io/ocilab/oci";

/// Authentication methods the official provider accepts (compared case-insensitively).
const AUTH_METHODS: &[&str] = &[
    "ApiKey",
    "InstancePrincipal",
    "InstancePrincipalWithCerts",
    "SecurityToken",
    "ResourcePrincipal",
    "OKEWorkloadIdentity",
    "WorkloadIdentityFederation",
];

/// Services that `service_endpoints` can override.
pub const SERVICES: &[&str] = &["dataflow", "identity", "objectstorage"];

/// The `oci` provider (`ocilab/oci`), for OCI Data Flow labs. Its types, attribute names and
/// import IDs are Oracle's official provider's, so a configuration switches by changing
/// `source`. It authenticates like the official provider (an API key in
/// `~/.oci/config`, or a security token); `endpoint` points it at an OCI-compatible endpoint
/// such as the local emulator.
#[derive(Serialize, Deserialize, JsonSchema, Default, Clone, PartialEq)]
pub struct OciProviderConfig {
    /// The OCI region, e.g. `us-ashburn-1` (falls back to `OCI_REGION` or the config file profile).
    pub region: Value<String>,
    /// OCID of the tenancy (API key authentication).
    pub tenancy_ocid: Value<String>,
    /// OCID of the user calling the API (API key authentication).
    pub user_ocid: Value<String>,
    /// Fingerprint of the API signing key (API key authentication).
    pub fingerprint: Value<String>,
    /// The API signing private key in PEM form (instead of `private_key_path`).
    pub private_key: Value<String>,
    /// Path to the API signing private key file (`~/` is expanded).
    pub private_key_path: Value<String>,
    /// Passphrase of an encrypted private key.
    pub private_key_password: Value<String>,
    /// Profile of the OCI config file (`OCI_CONFIG_FILE`, default `~/.oci/config`) to read; `DEFAULT` if unset.
    pub config_file_profile: Value<String>,
    /// Authentication method: `ApiKey` (default), `InstancePrincipal`, `InstancePrincipalWithCerts`, `SecurityToken`, `ResourcePrincipal`, `OKEWorkloadIdentity` or `WorkloadIdentityFederation`.
    pub auth: Value<String>,
    /// How long to keep retrying retryable API errors, in seconds; negative retries without limit.
    pub retry_duration_seconds: Value<i64>,
    /// Disables automatic retries of retryable API errors.
    pub disable_auto_retries: Value<bool>,
    /// One base URL for every OCI service, e.g. the local emulator's `http://127.0.0.1:40123`.
    pub endpoint: Value<String>,
    /// Base URL per service, overriding `endpoint`; keys: `dataflow`, `identity`, `objectstorage`.
    pub service_endpoints: Value<BTreeMap<String, String>>,
    /// Defined-tag keys (`namespace.key`, any case) that are never tracked unless a resource's
    /// configuration writes them, e.g. tags set by tag defaults. `Oracle-Tags.CreatedBy` and
    /// `Oracle-Tags.CreatedOn`, which the service adds itself, are always treated so.
    pub ignore_defined_tags: Value<Vec<String>>,
}

impl std::fmt::Debug for OciProviderConfig {
    /// Redacts the secrets: they must never reach logs or error messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redact = |v: &Value<String>| {
            if v.is_known() {
                "<redacted>"
            } else {
                "<unset>"
            }
        };
        f.debug_struct("OciProviderConfig")
            .field("region", &self.region)
            .field("tenancy_ocid", &self.tenancy_ocid)
            .field("user_ocid", &self.user_ocid)
            .field("fingerprint", &self.fingerprint)
            .field("private_key", &redact(&self.private_key))
            .field("private_key_path", &self.private_key_path)
            .field("private_key_password", &redact(&self.private_key_password))
            .field("config_file_profile", &self.config_file_profile)
            .field("auth", &self.auth)
            .field("retry_duration_seconds", &self.retry_duration_seconds)
            .field("disable_auto_retries", &self.disable_auto_retries)
            .field("endpoint", &self.endpoint)
            .field("service_endpoints", &self.service_endpoints)
            .field("ignore_defined_tags", &self.ignore_defined_tags)
            .finish()
    }
}

/// The `oci` provider.
#[derive(Default)]
pub struct OciProvider;

fn url_validator() -> Arc<dyn validators::Validator> {
    validators::custom("an http:// or https:// URL", |v, path, diags| {
        if let Some(s) = v.as_str()
            && !(s.starts_with("http://") || s.starts_with("https://"))
        {
            diags.attribute_error(
                path.clone(),
                "Invalid Endpoint",
                format!("Attribute {path} must be an http:// or https:// URL, got: {s:?}"),
            );
        }
    })
}

fn service_endpoints_validator() -> Arc<dyn validators::Validator> {
    validators::custom(
        "keys dataflow, identity, objectstorage; values http(s) URLs",
        |v, path, diags| {
            let Some(map) = v.as_object() else { return };
            for (service, url) in map {
                let p = path.key(service);
                if !SERVICES.contains(&service.as_str()) {
                    diags.attribute_error(
                        p.clone(),
                        "Unknown Service",
                        format!(
                            "{service:?} is not a service this provider calls; use one of: {}",
                            SERVICES.join(", ")
                        ),
                    );
                }
                url_validator().validate(url, &p, diags);
            }
        },
    )
}

fn auth_validator() -> Arc<dyn validators::Validator> {
    validators::custom(
        "one of the official provider's auth methods (case-insensitive)",
        |v, path, diags| {
            if let Some(s) = v.as_str()
                && !AUTH_METHODS.iter().any(|m| m.eq_ignore_ascii_case(s))
            {
                diags.attribute_error(
                    path.clone(),
                    "Invalid Authentication Method",
                    format!(
                        "Attribute {path} must be one of: {}; got: {s:?}",
                        AUTH_METHODS.join(", ")
                    ),
                );
            }
        },
    )
}

#[tfplugin::async_trait]
impl Provider for OciProvider {
    type Config = OciProviderConfig;

    fn type_name(&self) -> &'static str {
        "oci"
    }

    fn address(&self) -> String {
        ADDRESS.to_string()
    }

    fn schema(&self) -> Schema {
        Schema::builder::<OciProviderConfig>()
            .attribute("region", |a| a.optional())
            .attribute("tenancy_ocid", |a| a.optional())
            .attribute("user_ocid", |a| a.optional())
            .attribute("fingerprint", |a| a.optional())
            .attribute("private_key", |a| a.optional().sensitive())
            .attribute("private_key_path", |a| a.optional())
            .attribute("private_key_password", |a| a.optional().sensitive())
            .attribute("config_file_profile", |a| a.optional())
            .attribute("auth", |a| a.optional().validator(auth_validator()))
            .attribute("retry_duration_seconds", |a| a.optional())
            .attribute("disable_auto_retries", |a| a.optional())
            .attribute("endpoint", |a| a.optional().validator(url_validator()))
            .attribute("service_endpoints", |a| {
                a.optional().validator(service_endpoints_validator())
            })
            .attribute("ignore_defined_tags", |a| {
                a.optional().validator(ignore_defined_tags_validator())
            })
            .build()
    }

    async fn configure(
        &self,
        req: ConfigureRequest<OciProviderConfig>,
        diags: &mut Diagnostics,
    ) -> Option<ProviderData> {
        let args = provider_args(&req.config);
        let env = oci_client::Env::from_process();
        let client =
            oci_client::ClientConfig::resolve(&args, &env).and_then(oci_client::Client::new);
        let ignore: Vec<String> = req
            .config
            .ignore_defined_tags
            .as_known()
            .cloned()
            .unwrap_or_default();
        let bound = propagation_bound(&req.config);
        match client {
            Ok(client) => Some(Arc::new(Oci {
                client,
                iam: crate::iam::Iam::new(bound),
                tags: crate::tags::ServiceTags::new(&ignore),
            })),
            Err(e) => {
                diags.error(
                    "Invalid Provider Configuration",
                    format!(
                        "The oci provider could not be configured: {e}\n\nCredentials come from \
                         the provider block, then TF_VAR_* and OCI_* environment variables, then \
                         the OCI config file (OCI_CONFIG_FILE or ~/.oci/config, profile \
                         config_file_profile)."
                    ),
                );
                None
            }
        }
    }

    fn resources(&self) -> Vec<AnyResource> {
        crate::resources::all()
    }

    fn data_sources(&self) -> Vec<AnyDataSource> {
        crate::data_sources::all()
    }

    fn functions(&self) -> Vec<Box<dyn tfplugin::function::Function>> {
        crate::functions::all()
    }
}

/// What every resource and data source receives: the configured OCI client, the IAM state
/// shared by the IAM resources of this provider process, and which defined tags are the
/// service's (`ignore_defined_tags` plus `Oracle-Tags`).
pub struct Oci {
    pub client: oci_client::Client,
    pub iam: crate::iam::Iam,
    pub tags: crate::tags::ServiceTags,
}

/// How long IAM's "does not exist yet" is retried: `retry_duration_seconds` when set (a
/// negative value, "forever" upstream, is capped at an hour), none with `disable_auto_retries`.
fn propagation_bound(c: &OciProviderConfig) -> std::time::Duration {
    use std::time::Duration;
    if c.disable_auto_retries.as_known() == Some(&true) {
        return Duration::ZERO;
    }
    match c.retry_duration_seconds.as_known() {
        Some(s) if *s >= 0 => Duration::from_secs(s.unsigned_abs()),
        Some(_) => Duration::from_secs(3600),
        None => crate::iam::DEFAULT_PROPAGATION_BOUND,
    }
}

/// `ignore_defined_tags`: at most 100 keys of the form `namespace.key`.
fn ignore_defined_tags_validator() -> Arc<dyn validators::Validator> {
    validators::custom(
        "at most 100 keys of the form namespace.key",
        |v, path, diags| {
            let Some(keys) = v.as_array() else { return };
            if keys.len() > 100 {
                diags.attribute_error(
                    path.clone(),
                    "Too Many Ignored Tags",
                    format!("{path} has {} keys; at most 100 are allowed.", keys.len()),
                );
            }
            for (i, k) in keys.iter().enumerate() {
                let Some(k) = k.as_str() else { continue };
                let parts: Vec<&str> = k.split('.').collect();
                if parts.len() != 2 || parts.iter().any(|p| p.is_empty()) {
                    diags.attribute_error(
                    path.index(i),
                    "Invalid Defined Tag Key",
                    format!(
                        "{k:?} must have the form \"<namespace>.<key>\", e.g. \"Oracle-Tags.CreatedBy\"."
                    ),
                );
                }
            }
        },
    )
}

/// The provider block as the OCI client's arguments (unset and unknown values left out, so the
/// client's environment and config-file fallbacks apply).
fn provider_args(c: &OciProviderConfig) -> oci_client::ProviderArgs {
    let s = |v: &Value<String>| v.as_known().filter(|s| !s.is_empty()).cloned();
    oci_client::ProviderArgs {
        region: s(&c.region),
        tenancy_ocid: s(&c.tenancy_ocid),
        user_ocid: s(&c.user_ocid),
        fingerprint: s(&c.fingerprint),
        private_key: s(&c.private_key).map(Into::into),
        private_key_path: s(&c.private_key_path),
        private_key_password: s(&c.private_key_password).map(Into::into),
        config_file_profile: s(&c.config_file_profile),
        auth: s(&c.auth),
        retry_duration_seconds: c.retry_duration_seconds.as_known().copied(),
        disable_auto_retries: c.disable_auto_retries.as_known().copied(),
        endpoint: s(&c.endpoint),
        service_endpoints: c.service_endpoints.as_known().cloned().unwrap_or_default(),
    }
}

/// The provider schema as JSON, for `schemas/provider.json`.
pub fn provider_schema_json() -> serde_json::Value {
    tfplugin::schema_json(&OciProvider.schema())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn struct_fields_match_schema() {
        tfplugin::assert_fields_match::<OciProviderConfig>(&OciProvider.schema());
    }

    #[test]
    fn secrets_are_sensitive_and_redacted() {
        let s = OciProvider.schema();
        for name in ["private_key", "private_key_password"] {
            assert!(s.block.attribute(name).unwrap().sensitive, "{name}");
        }
        let c = OciProviderConfig {
            private_key: Value::Known("-----BEGIN PRIVATE KEY-----abc".into()),
            private_key_password: Value::Known("hunter2".into()),
            ..Default::default()
        };
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("abc") && !shown.contains("hunter2"),
            "{shown}"
        );
    }

    #[test]
    fn schema_json_has_descriptions_and_types() {
        let j = provider_schema_json();
        let attrs = &j["block"]["attributes"];
        assert_eq!(attrs["retry_duration_seconds"]["type"], "number");
        assert_eq!(
            attrs["service_endpoints"]["type"],
            serde_json::json!(["map", "string"])
        );
        assert!(
            attrs["endpoint"]["description"]
                .as_str()
                .unwrap()
                .contains("emulator")
        );
    }
}
