//! Resolving the client configuration from provider arguments, environment and `~/.oci/config`.
//!
//! Precedence, per field, as in the official provider (official-provider.md §3.1, §3.3):
//! 1. the explicit provider argument (`region`, `tenancy_ocid`, ...);
//! 2. `TF_VAR_<argument>` (e.g. `TF_VAR_tenancy_ocid`);
//! 3. `OCI_<ARGUMENT>` (e.g. `OCI_TENANCY_OCID`, `OCI_PRIVATE_KEY_PATH`, `OCI_CONFIG_FILE_PROFILE`);
//! 4. the config-file profile (`tenancy`, `user`, `fingerprint`, `key_file`, `pass_phrase`,
//!    `region`, `security_token_file`), where a named profile inherits missing keys from
//!    `[DEFAULT]`.
//!
//! The config file is `OCI_CONFIG_FILE` if set, else `~/.oci/config`, else `~/.oraclebmc/config`.
//! (The Go SDK prefers `~/.oci/config` when both exist; we let the explicit variable win so an
//! emulator's config cannot be shadowed by a developer's real one.)
//!
//! Endpoints, per service: `service_endpoints[<service>]` → `endpoint` (one base URL for every
//! service, e.g. the emulator) → `CLIENT_HOST_OVERRIDES` (official format,
//! `oci_identity.IdentityClient=http://127.0.0.1:4599;...`) → the region's host template.
//!
//! The environment is passed in as an [`Env`] value so that tests are hermetic;
//! [`Env::from_process`] reads the real one.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::auth::key::PrivateKey;
use crate::auth::signer::{KeyId, Signer};
use crate::endpoints::{self, Region, Service};
use crate::error::{Error, Result};
use crate::retry::RetryPolicy;
use crate::secret::Secret;

/// The official provider's `auth` values (case-insensitive on input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    ApiKey,
    SecurityToken,
    InstancePrincipal,
    InstancePrincipalWithCerts,
    ResourcePrincipal,
    OkeWorkloadIdentity,
    WorkloadIdentityFederation,
}

impl AuthMode {
    const ALL: [AuthMode; 7] = [
        AuthMode::ApiKey,
        AuthMode::SecurityToken,
        AuthMode::InstancePrincipal,
        AuthMode::InstancePrincipalWithCerts,
        AuthMode::ResourcePrincipal,
        AuthMode::OkeWorkloadIdentity,
        AuthMode::WorkloadIdentityFederation,
    ];

    pub fn name(self) -> &'static str {
        match self {
            AuthMode::ApiKey => "ApiKey",
            AuthMode::SecurityToken => "SecurityToken",
            AuthMode::InstancePrincipal => "InstancePrincipal",
            AuthMode::InstancePrincipalWithCerts => "InstancePrincipalWithCerts",
            AuthMode::ResourcePrincipal => "ResourcePrincipal",
            AuthMode::OkeWorkloadIdentity => "OKEWorkloadIdentity",
            AuthMode::WorkloadIdentityFederation => "WorkloadIdentityFederation",
        }
    }

    pub fn parse(value: &str) -> Option<AuthMode> {
        AuthMode::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(value.trim()))
    }

    /// Modes this client can sign requests for today.
    pub fn is_supported(self) -> bool {
        matches!(self, AuthMode::ApiKey | AuthMode::SecurityToken)
    }
}

/// The provider's arguments as Terraform gave them (null → `None`).
#[derive(Debug, Clone, Default)]
pub struct ProviderArgs {
    pub region: Option<String>,
    pub tenancy_ocid: Option<String>,
    pub user_ocid: Option<String>,
    pub fingerprint: Option<String>,
    /// Inline PEM; a literal `\n` is read as a newline (as upstream).
    pub private_key: Option<Secret>,
    pub private_key_path: Option<String>,
    pub private_key_password: Option<Secret>,
    pub config_file_profile: Option<String>,
    pub auth: Option<String>,
    pub retry_duration_seconds: Option<i64>,
    pub disable_auto_retries: Option<bool>,
    /// One base URL for every service (e.g. the emulator's `http://127.0.0.1:PORT`).
    pub endpoint: Option<String>,
    /// Per-service base URLs, keyed `dataflow`, `identity`, `objectstorage`.
    pub service_endpoints: BTreeMap<String, String>,
}

/// An environment snapshot. `Debug` lists names only, since values may hold keys or passwords.
#[derive(Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Env")
            .field("names", &self.vars.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Env {
    /// The real process environment (non-UTF-8 entries are skipped).
    pub fn from_process() -> Self {
        Self {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        }
    }

    /// A fixed environment, for tests. Include `HOME` if `~` paths should resolve.
    pub fn from_map<K: Into<String>, V: Into<String>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            vars: vars
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// A variable's value; empty values count as unset (as upstream's `first non-empty wins`).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    pub fn home(&self) -> Option<PathBuf> {
        self.get("HOME").map(PathBuf::from)
    }

    /// Expands a leading `~` or `~/` with `HOME`.
    pub fn expand_tilde(&self, path: &str) -> PathBuf {
        match (path.strip_prefix('~'), self.home()) {
            (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
                home.join(rest.trim_start_matches('/'))
            }
            _ => PathBuf::from(path),
        }
    }
}

/// A parsed OCI config file (INI, `configparser` rules without interpolation).
#[derive(Debug, Clone)]
pub struct ConfigFile {
    pub path: PathBuf,
    sections: BTreeMap<String, BTreeMap<String, String>>,
}

impl ConfigFile {
    pub fn load(path: &Path) -> Result<Self> {
        let text = read_bounded(path).map_err(|e| {
            Error::Config(format!(
                "cannot read OCI config file {}: {e}",
                path.display()
            ))
        })?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Self> {
        let mut sections: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut current: Option<String> = None;
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                let name = name.trim().to_string();
                sections.entry(name.clone()).or_default();
                current = Some(name);
                continue;
            }
            let Some((key, value)) = line.split_once(['=', ':']) else {
                return Err(Error::Config(format!(
                    "OCI config file {} line {}: expected `key = value` or `[profile]`",
                    path.display(),
                    n + 1
                )));
            };
            let Some(section) = &current else {
                return Err(Error::Config(format!(
                    "OCI config file {} line {}: `{}` appears before any [profile] header",
                    path.display(),
                    n + 1,
                    key.trim()
                )));
            };
            sections
                .entry(section.clone())
                .or_default()
                .insert(key.trim().to_ascii_lowercase(), value.trim().to_string());
        }
        Ok(Self {
            path: path.to_path_buf(),
            sections,
        })
    }

    pub fn profile_names(&self) -> Vec<&str> {
        self.sections.keys().map(String::as_str).collect()
    }

    /// The profile's keys with `[DEFAULT]` inheritance, or `None` if the profile does not exist.
    pub fn profile(&self, name: &str) -> Option<BTreeMap<String, String>> {
        let own = self.sections.get(name)?;
        let mut merged = self.sections.get("DEFAULT").cloned().unwrap_or_default();
        merged.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
        Some(merged)
    }
}

/// Largest config, key or token file we read. Real ones are a few KiB; the bound keeps a path
/// that names something endless (`/dev/zero`, a log) from eating memory before it is refused.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// Read a UTF-8 text file of at most [`MAX_FILE_BYTES`].
fn read_bounded(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {MAX_FILE_BYTES} bytes"),
        ));
    }
    Ok(text)
}

/// Everything a [`crate::Client`] needs. Build it with [`ClientConfig::resolve`] (provider) or
/// [`ClientConfig::new`] (tests, tools).
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub auth: AuthMode,
    pub signer: Signer,
    pub region: Option<Region>,
    pub tenancy_ocid: Option<String>,
    pub user_ocid: Option<String>,
    /// Base URL per service, including the API version prefix.
    pub endpoints: BTreeMap<Service, reqwest::Url>,
    pub retry: RetryPolicy,
    /// Where settings came from (config file path and profile), for diagnostics.
    pub config_file: Option<PathBuf>,
    pub profile: Option<String>,
    /// PEM bundle that REPLACES the trusted roots (upstream's `custom_cert_location`), for
    /// TLS endpoints with a private CA. `None` = the platform's roots.
    pub ca_bundle: Option<PathBuf>,
}

/// One resolved value and where it came from (used in error messages).
#[derive(Debug, Clone)]
struct Sourced {
    value: String,
    source: String,
}

/// The arguments/env/file layers for one resolution.
struct Resolver<'a> {
    args: &'a ProviderArgs,
    env: &'a Env,
    file: Option<ConfigFile>,
    /// Why no config file was used, for error messages.
    no_file_reason: String,
    profile_name: String,
    profile: BTreeMap<String, String>,
}

impl Resolver<'_> {
    /// Argument → `TF_VAR_<arg>` → `OCI_<ARG>`.
    fn layered(&self, arg_name: &str, arg: Option<&str>) -> Option<Sourced> {
        if let Some(v) = arg.filter(|v| !v.is_empty()) {
            return Some(Sourced {
                value: v.to_string(),
                source: format!("provider argument `{arg_name}`"),
            });
        }
        for var in [
            format!("TF_VAR_{arg_name}"),
            format!("OCI_{}", arg_name.to_ascii_uppercase()),
        ] {
            if let Some(v) = self.env.get(&var) {
                return Some(Sourced {
                    value: v.to_string(),
                    source: format!("environment variable {var}"),
                });
            }
        }
        None
    }

    /// Layered value, then the config-file key.
    fn field(&self, arg_name: &str, arg: Option<&str>, file_keys: &[&str]) -> Option<Sourced> {
        self.layered(arg_name, arg)
            .or_else(|| self.file_value(file_keys))
    }

    fn file_value(&self, file_keys: &[&str]) -> Option<Sourced> {
        let file = self.file.as_ref()?;
        file_keys.iter().find_map(|k| {
            self.profile
                .get(*k)
                .filter(|v| !v.is_empty())
                .map(|v| Sourced {
                    value: v.clone(),
                    source: format!(
                        "`{k}` in profile [{}] of {}",
                        self.profile_name,
                        file.path.display()
                    ),
                })
        })
    }

    fn where_we_looked(&self, arg_name: &str, file_key: Option<&str>) -> String {
        let mut s = format!(
            "set the provider argument `{arg_name}`, TF_VAR_{arg_name} or OCI_{}",
            arg_name.to_ascii_uppercase()
        );
        if let Some(key) = file_key {
            match &self.file {
                Some(f) => s.push_str(&format!(
                    ", or `{key}` in profile [{}] of {}",
                    self.profile_name,
                    f.path.display()
                )),
                None => s.push_str(&format!(
                    ", or `{key}` in an OCI config file (none used: {})",
                    self.no_file_reason
                )),
            }
        }
        s
    }

    fn missing(&self, arg_name: &str, file_key: Option<&str>) -> String {
        format!(
            "missing `{arg_name}`: {}",
            self.where_we_looked(arg_name, file_key)
        )
    }
}

impl ClientConfig {
    /// A config for a known signer and one base URL for every service (tests, tools).
    pub fn new(signer: Signer, base_url: &str) -> Result<Self> {
        let mut endpoints = BTreeMap::new();
        for s in Service::ALL {
            let url = endpoints::base_url_from_override(s, base_url)
                .map_err(|e| Error::Config(format!("endpoint: {e}")))?;
            endpoints.insert(s, url);
        }
        Ok(Self {
            auth: AuthMode::ApiKey,
            signer,
            region: None,
            tenancy_ocid: None,
            user_ocid: None,
            endpoints,
            retry: RetryPolicy::default(),
            config_file: None,
            profile: None,
            ca_bundle: None,
        })
    }

    /// Resolves provider arguments against the environment and the OCI config file.
    /// Errors name the missing or bad field and every place it could have come from.
    pub fn resolve(args: &ProviderArgs, env: &Env) -> Result<Self> {
        let mut r = Resolver {
            args,
            env,
            file: None,
            no_file_reason: String::new(),
            profile_name: "DEFAULT".into(),
            profile: BTreeMap::new(),
        };

        let auth = match r.layered("auth", args.auth.as_deref()) {
            None => AuthMode::ApiKey,
            Some(s) => AuthMode::parse(&s.value).ok_or_else(|| {
                Error::Config(format!(
                    "{}: auth = \"{}\" is not valid; expected one of {}",
                    s.source,
                    s.value,
                    AuthMode::ALL.map(AuthMode::name).join(", ")
                ))
            })?,
        };
        if !auth.is_supported() {
            return Err(Error::Config(format!(
                "auth = \"{}\" is not supported yet by this provider; use \"ApiKey\" (the default) or \"SecurityToken\"",
                auth.name()
            )));
        }

        let profile_arg = r.layered("config_file_profile", args.config_file_profile.as_deref());
        if auth == AuthMode::SecurityToken && profile_arg.is_none() {
            return Err(Error::Config(
                "auth = \"SecurityToken\" needs `config_file_profile` (the profile that names `security_token_file`)".into(),
            ));
        }
        match env.get("OCI_CONFIG_FILE").map(|p| env.expand_tilde(p)) {
            Some(path) if path.is_file() => r.file = Some(ConfigFile::load(&path)?),
            Some(path) => {
                r.no_file_reason = format!("OCI_CONFIG_FILE={} does not exist", path.display());
            }
            None => {
                let found = env.home().and_then(|home| {
                    [home.join(".oci/config"), home.join(".oraclebmc/config")]
                        .into_iter()
                        .find(|p| p.is_file())
                });
                match found {
                    Some(path) => r.file = Some(ConfigFile::load(&path)?),
                    None => {
                        r.no_file_reason =
                            "OCI_CONFIG_FILE is unset and ~/.oci/config does not exist".into();
                    }
                }
            }
        }
        if let Some(p) = &profile_arg {
            r.profile_name = p.value.clone();
        }
        match (&r.file, &profile_arg) {
            (Some(file), _) => match file.profile(&r.profile_name) {
                Some(values) => r.profile = values,
                None if profile_arg.is_some() => {
                    return Err(Error::Config(format!(
                        "config_file_profile \"{}\" ({}): no profile [{}] in {} (profiles there: {})",
                        r.profile_name,
                        profile_arg.as_ref().map_or("", |p| p.source.as_str()),
                        r.profile_name,
                        file.path.display(),
                        file.profile_names().join(", ")
                    )));
                }
                None => {}
            },
            (None, Some(p)) => {
                return Err(Error::Config(format!(
                    "config_file_profile \"{}\" ({}): no OCI config file found ({})",
                    p.value, p.source, r.no_file_reason
                )));
            }
            (None, None) => {}
        }

        let region_name = r.field("region", args.region.as_deref(), &["region"]);
        let region = region_name
            .as_ref()
            .map(|s| endpoints::resolve_region(&s.value, env.get("OCI_DEFAULT_REALM")));
        let tenancy = r.field("tenancy_ocid", args.tenancy_ocid.as_deref(), &["tenancy"]);
        let user = r.field("user_ocid", args.user_ocid.as_deref(), &["user"]);
        let fingerprint = r.field("fingerprint", args.fingerprint.as_deref(), &["fingerprint"]);

        let mut missing = Vec::new();
        if auth == AuthMode::ApiKey {
            if tenancy.is_none() {
                missing.push(r.missing("tenancy_ocid", Some("tenancy")));
            }
            if user.is_none() {
                missing.push(r.missing("user_ocid", Some("user")));
            }
        }
        let key = load_key(&r, &mut missing)?;
        let endpoints = resolve_endpoints(&r, region.as_ref(), &mut missing)?;
        if !missing.is_empty() {
            return Err(Error::Config(format!(
                "incomplete OCI provider configuration ({} auth):\n  - {}",
                auth.name(),
                missing.join("\n  - ")
            )));
        }
        let key = key.ok_or_else(|| Error::Config("no private key".into()))?;

        let key_id = match auth {
            AuthMode::SecurityToken => {
                let path = r.file_value(&["security_token_file"]).ok_or_else(|| {
                    Error::Config(format!(
                        "auth = \"SecurityToken\": `security_token_file` is not set in profile [{}]{}",
                        r.profile_name,
                        r.file
                            .as_ref()
                            .map(|f| format!(" of {}", f.path.display()))
                            .unwrap_or_default()
                    ))
                })?;
                let file = env.expand_tilde(&path.value);
                let token = read_bounded(&file).map_err(|e| {
                    Error::Config(format!(
                        "security_token_file {} ({}): cannot read: {e}",
                        file.display(),
                        path.source
                    ))
                })?;
                KeyId::SecurityToken(Secret::new(token.trim()))
            }
            _ => {
                let computed = key.fingerprint().to_string();
                let fingerprint = match fingerprint {
                    Some(f) if !f.value.trim().eq_ignore_ascii_case(&computed) => {
                        return Err(Error::Config(format!(
                            "fingerprint mismatch: {} is {} but the private key's fingerprint is {computed}; the key and fingerprint must belong to the same API key",
                            f.source, f.value
                        )));
                    }
                    Some(f) => f.value.trim().to_ascii_lowercase(),
                    // Derivable from the key, so a missing fingerprint is not an error.
                    None => computed,
                };
                KeyId::ApiKey {
                    tenancy: tenancy
                        .as_ref()
                        .map(|s| s.value.clone())
                        .unwrap_or_default(),
                    user: user.as_ref().map(|s| s.value.clone()).unwrap_or_default(),
                    fingerprint,
                }
            }
        };

        let retry = RetryPolicy::from_provider_settings(
            parse_bool_setting(&r, "disable_auto_retries", args.disable_auto_retries)?
                .unwrap_or(false),
            parse_int_setting(&r, "retry_duration_seconds", args.retry_duration_seconds)?,
        );

        Ok(Self {
            auth,
            signer: Signer::new(key_id, key),
            region,
            tenancy_ocid: tenancy.map(|s| s.value),
            user_ocid: user.map(|s| s.value),
            endpoints,
            retry,
            config_file: r.file.as_ref().map(|f| f.path.clone()),
            profile: r.file.as_ref().map(|_| r.profile_name.clone()),
            // Upstream reads this env var as `TF_VAR_x`, `OCI_x`, `x` with x kept lower-case.
            ca_bundle: [
                "TF_VAR_custom_cert_location",
                "OCI_custom_cert_location",
                "custom_cert_location",
            ]
            .into_iter()
            .find_map(|v| env.get(v))
            .map(|p| env.expand_tilde(p)),
        })
    }
}

fn load_key(r: &Resolver<'_>, missing: &mut Vec<String>) -> Result<Option<PrivateKey>> {
    let passphrase = r
        .layered(
            "private_key_password",
            r.args.private_key_password.as_ref().map(Secret::expose),
        )
        .or_else(|| r.file_value(&["pass_phrase", "passphrase"]))
        .map(|s| (Secret::new(s.value), s.source));
    let (pem, key_source) = if let Some(inline) = r.layered(
        "private_key",
        r.args.private_key.as_ref().map(Secret::expose),
    ) {
        // Upstream accepts PEM with literal "\n" sequences (one-line env vars).
        (
            Secret::new(inline.value.replace("\\n", "\n")),
            inline.source,
        )
    } else if let Some(path) = r.field(
        "private_key_path",
        r.args.private_key_path.as_deref(),
        &["key_file"],
    ) {
        let file = r.env.expand_tilde(&path.value);
        let text = read_bounded(&file).map_err(|e| {
            Error::Config(format!(
                "private key file {} ({}): cannot read: {e}",
                file.display(),
                path.source
            ))
        })?;
        (
            Secret::new(text),
            format!("{} ({})", file.display(), path.source),
        )
    } else {
        missing.push(format!(
            "missing private key: {} (inline PEM); or {}",
            r.where_we_looked("private_key", None),
            r.where_we_looked("private_key_path", Some("key_file"))
        ));
        return Ok(None);
    };
    let pass = passphrase.as_ref().map(|(p, _)| p.expose().as_bytes());
    PrivateKey::from_pem(pem.expose(), pass)
        .map(Some)
        .map_err(|e| {
            let hint = match (&e, &passphrase) {
                (crate::auth::key::KeyError::MissingPassphrase, _) => {
                    " (set `private_key_password` or `pass_phrase` in the profile)".to_string()
                }
                (crate::auth::key::KeyError::WrongPassphrase, Some((_, src))) => {
                    format!(" (passphrase from {src})")
                }
                _ => String::new(),
            };
            Error::Config(format!("private key from {key_source}: {e}{hint}"))
        })
}

fn resolve_endpoints(
    r: &Resolver<'_>,
    region: Option<&Region>,
    missing: &mut Vec<String>,
) -> Result<BTreeMap<Service, reqwest::Url>> {
    for key in r.args.service_endpoints.keys() {
        if Service::from_key(key).is_none() {
            return Err(Error::Config(format!(
                "service_endpoints: unknown service `{key}` (expected one of: dataflow, identity, objectstorage)"
            )));
        }
    }
    let endpoint = r.layered("endpoint", r.args.endpoint.as_deref());
    let host_overrides = parse_host_overrides(r.env)?;
    let mut out = BTreeMap::new();
    let mut need_region = false;
    for service in Service::ALL {
        let chosen = r
            .args
            .service_endpoints
            .get(service.key())
            .filter(|v| !v.is_empty())
            .map(|v| (v.clone(), format!("service_endpoints.{}", service.key())))
            .or_else(|| endpoint.clone().map(|e| (e.value, e.source)))
            .or_else(|| host_overrides.get(service.host_override_name()).cloned());
        let url = match (chosen, region) {
            (Some((raw, source)), _) => endpoints::base_url_from_override(service, &raw)
                .map_err(|e| Error::Config(format!("{source}: {e}")))?,
            (None, Some(region)) => {
                endpoints::base_url_for_region(service, region).map_err(Error::Config)?
            }
            (None, None) => {
                need_region = true;
                continue;
            }
        };
        out.insert(service, url);
    }
    if need_region {
        missing.push(r.missing("region", Some("region")));
    }
    Ok(out)
}

/// `CLIENT_HOST_OVERRIDES`: `name=url;name=url`, looked up as upstream's
/// `GetEnvSettingWithBlankDefault` does (`TF_VAR_` form, then `OCI_`, then the plain name).
/// Upstream silently skips malformed entries; we report them, since a typo would otherwise send
/// requests to real OCI instead of the intended host.
fn parse_host_overrides(env: &Env) -> Result<BTreeMap<String, (String, String)>> {
    let Some((var, value)) = [
        "TF_VAR_CLIENT_HOST_OVERRIDES",
        "OCI_CLIENT_HOST_OVERRIDES",
        "CLIENT_HOST_OVERRIDES",
    ]
    .into_iter()
    .find_map(|v| env.get(v).map(|val| (v, val))) else {
        return Ok(BTreeMap::new());
    };
    let mut out = BTreeMap::new();
    for entry in value.split(';').map(str::trim).filter(|e| !e.is_empty()) {
        let (name, url) = entry.split_once('=').ok_or_else(|| {
            Error::Config(format!(
                "{var}: entry `{entry}` is not `clientName=URL` (e.g. oci_identity.IdentityClient=http://127.0.0.1:4599)"
            ))
        })?;
        out.insert(
            name.trim().to_string(),
            (
                url.trim().to_string(),
                format!("{var} entry {}", name.trim()),
            ),
        );
    }
    Ok(out)
}

fn parse_bool_setting(r: &Resolver<'_>, name: &str, arg: Option<bool>) -> Result<Option<bool>> {
    if arg.is_some() {
        return Ok(arg);
    }
    let Some(s) = r.layered(name, None) else {
        return Ok(None);
    };
    match s.value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(Some(true)),
        "false" | "0" => Ok(Some(false)),
        _ => Err(Error::Config(format!(
            "{}: `{name}` must be true or false, got \"{}\"",
            s.source, s.value
        ))),
    }
}

fn parse_int_setting(r: &Resolver<'_>, name: &str, arg: Option<i64>) -> Result<Option<i64>> {
    if arg.is_some() {
        return Ok(arg);
    }
    let Some(s) = r.layered(name, None) else {
        return Ok(None);
    };
    s.value.trim().parse().map(Some).map_err(|_| {
        Error::Config(format!(
            "{}: `{name}` must be a whole number of seconds, got \"{}\"",
            s.source, s.value
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_file_parsing() {
        let text = "; comment\n# another\n[DEFAULT]\nUser = u\nregion: r\n\n[P]\nregion = r2\nkey_file=~/k.pem\n";
        let f = ConfigFile::parse(Path::new("/c"), text).unwrap();
        assert_eq!(f.profile_names(), ["DEFAULT", "P"]);
        let p = f.profile("P").unwrap();
        assert_eq!(p["user"], "u", "keys are case-insensitive and inherited");
        assert_eq!(p["region"], "r2", "own keys win");
        assert!(f.profile("Q").is_none());
        assert_eq!(f.profile("DEFAULT").unwrap()["region"], "r");
    }

    #[test]
    fn auth_modes_parse_case_insensitively() {
        assert_eq!(AuthMode::parse("apikey"), Some(AuthMode::ApiKey));
        assert_eq!(
            AuthMode::parse("OkeWorkloadIdentity"),
            Some(AuthMode::OkeWorkloadIdentity)
        );
        assert_eq!(AuthMode::parse("nope"), None);
    }

    #[test]
    fn tilde_expansion() {
        let env = Env::from_map([("HOME", "/home/u")]);
        assert_eq!(
            env.expand_tilde("~/.oci/k.pem"),
            PathBuf::from("/home/u/.oci/k.pem")
        );
        assert_eq!(env.expand_tilde("~"), PathBuf::from("/home/u"));
        assert_eq!(env.expand_tilde("~other/k"), PathBuf::from("~other/k"));
        assert_eq!(env.expand_tilde("/abs"), PathBuf::from("/abs"));
    }
}
