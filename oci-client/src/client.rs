//! The HTTP client: turns an [`OciRequest`] into signed attempts, classifies the answers and
//! applies the retry policy.
//!
//! Per attempt: a fresh `date`, signature and `opc-request-id`. Per call: one `opc-retry-token`
//! (for operations that take one), reused on every attempt so a retried create runs at most once.
//! Logs (tracing, `debug`) carry operation, method, URL, status, code and request ids — never
//! headers, keys or bodies.

use std::collections::BTreeMap;
use std::future::Future;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;

use crate::auth::signer::{BodySigning, Signer, SigningInput, http_date};
use crate::config::ClientConfig;
use crate::endpoints::Service;
use crate::error::{Error, Result, ServiceError};
use crate::paginate::Page;
use crate::request::{OciRequest, RequestBody, new_request_id, new_retry_token};
use crate::retry::{Clock, RetryPolicy, SystemClock};

const USER_AGENT: &str = concat!("ocilab-oci-client/", env!("CARGO_PKG_VERSION"));

/// Why reading a 2xx body failed inside [`Client::send_with`].
#[derive(Debug)]
pub enum BodyError {
    /// The connection failed mid-body (retryable).
    Http(reqwest::Error),
    /// Writing the body somewhere failed.
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

impl From<reqwest::Error> for BodyError {
    fn from(e: reqwest::Error) -> Self {
        BodyError::Http(e)
    }
}

/// Status line and headers of a successful answer.
#[derive(Debug, Clone)]
pub struct ResponseMeta {
    pub status: u16,
    pub headers: HeaderMap,
}

impl ResponseMeta {
    /// A header as text (`None` if absent or not visible ASCII).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn etag(&self) -> Option<&str> {
        self.header("etag")
    }

    pub fn opc_request_id(&self) -> Option<&str> {
        self.header("opc-request-id")
    }

    pub fn opc_next_page(&self) -> Option<&str> {
        self.header("opc-next-page")
    }

    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    pub fn content_length(&self) -> Option<u64> {
        self.header("content-length").and_then(|v| v.parse().ok())
    }

    pub fn last_modified(&self) -> Option<&str> {
        self.header("last-modified")
    }

    /// `opc-meta-<key>` headers as a map keyed by `<key>` (Object Storage user metadata).
    pub fn opc_meta(&self) -> BTreeMap<String, String> {
        self.headers
            .iter()
            .filter_map(|(k, v)| {
                let key = k.as_str().strip_prefix("opc-meta-")?;
                Some((key.to_string(), v.to_str().ok()?.to_string()))
            })
            .collect()
    }
}

/// A decoded answer plus its metadata (ETag, request id, ...). Derefs to the value.
#[derive(Debug, Clone)]
pub struct Response<T> {
    pub value: T,
    pub meta: ResponseMeta,
}

impl<T> Response<T> {
    pub fn into_inner(self) -> T {
        self.value
    }

    pub fn etag(&self) -> Option<&str> {
        self.meta.etag()
    }

    pub fn opc_request_id(&self) -> Option<&str> {
        self.meta.opc_request_id()
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            value: f(self.value),
            meta: self.meta,
        }
    }
}

impl<T> Deref for Response<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// `OCI_CONNECT_TO`: resolves every host name to one address, as curl's `--connect-to` does, so
/// the URL (and the signed `Host`) keeps OCI's per-region name. A port in the URL still wins.
struct ConnectTo(std::net::SocketAddr);

impl reqwest::dns::Resolve for ConnectTo {
    fn resolve(&self, _name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let addr = self.0;
        Box::pin(async move {
            let addrs: reqwest::dns::Addrs = Box::new(std::iter::once(addr));
            Ok(addrs)
        })
    }
}

/// The certificates of a `custom_cert_location` PEM bundle; an unreadable file, bad PEM or no
/// certificate at all is a configuration error naming the file.
fn read_ca_bundle(
    path: &std::path::Path,
) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>> {
    use rustls::pki_types::pem::PemObject as _;
    let pem = std::fs::read(path).map_err(|e| {
        Error::Config(format!(
            "custom_cert_location {}: cannot read: {e}",
            path.display()
        ))
    })?;
    let certs = rustls::pki_types::CertificateDer::pem_slice_iter(&pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| {
            Error::Config(format!(
                "custom_cert_location {}: not a PEM certificate bundle: {e}",
                path.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(Error::Config(format!(
            "custom_cert_location {}: no certificates in the file",
            path.display()
        )));
    }
    Ok(certs)
}

/// A signed OCI REST client. Cheap to clone; clones share the connection pool.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    config: Arc<ClientConfig>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Builds the HTTP stack: rustls (ring) with the platform's roots, or only the roots in
    /// `config.ca_bundle` ([`crate::tls`]); `http://` endpoints (the emulator) are allowed.
    pub fn new(config: ClientConfig) -> Result<Self> {
        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(Duration::from_secs(10));
        // An emulator on loopback must never be reached through an HTTP(S)_PROXY from the
        // environment; real OCI endpoints keep the usual proxy behaviour.
        let all_loopback = config.endpoints.values().all(|u| {
            let host = u.host_str().unwrap_or_default();
            let host = host.trim_start_matches('[').trim_end_matches(']');
            host == "localhost"
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        });
        if all_loopback || config.connect_to.is_some() {
            builder = builder.no_proxy();
        }
        if let Some(addr) = config.connect_to {
            builder = builder.dns_resolver(Arc::new(ConnectTo(addr)));
        }
        let custom_roots = match &config.ca_bundle {
            Some(path) => Some(read_ca_bundle(path)?),
            None => None,
        };
        let tls = crate::tls::client_config(custom_roots)
            .map_err(|e| Error::Config(format!("cannot set up TLS: {e}")))?;
        builder = builder.tls_backend_preconfigured(tls);
        let http = builder
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            http,
            config: Arc::new(config),
            clock: Arc::new(SystemClock::default()),
        })
    }

    /// Replaces the clock (tests use [`crate::retry::ManualClock`] to avoid real sleeps).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        Arc::make_mut(&mut self.config).retry = retry;
        self
    }

    /// The same client (same connections, signer and retries) with one service's base URL
    /// replaced, e.g. IAM writes sent to the tenancy's home region.
    pub fn with_endpoint(&self, service: Service, url: reqwest::Url) -> Client {
        let mut c = self.clone();
        Arc::make_mut(&mut c.config).endpoints.insert(service, url);
        c
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Wall time from the client's clock (what the `date` header says).
    pub(crate) fn utc_now(&self) -> time::OffsetDateTime {
        self.clock.utc_now()
    }

    pub fn signer(&self) -> &Signer {
        &self.config.signer
    }

    pub fn endpoint(&self, service: Service) -> Result<&reqwest::Url> {
        self.config.endpoints.get(&service).ok_or_else(|| {
            Error::Config(format!("no endpoint configured for the {service} service"))
        })
    }

    /// Sends the request with retries and returns the raw body.
    pub async fn send(&self, req: &OciRequest) -> Result<Response<Bytes>> {
        self.send_with(req, |resp, meta| async move {
            let bytes = resp.bytes().await?;
            Ok(Response { value: bytes, meta })
        })
        .await
    }

    /// Sends the request with retries; on a 2xx answer `read(response, meta)` consumes the body.
    /// A failure while reading the body (connection lost mid-download) is a transport error and
    /// is retried like any other, so `read` must be restartable (e.g. truncate its output file).
    pub async fn send_with<T, F, Fut>(&self, req: &OciRequest, mut read: F) -> Result<T>
    where
        F: FnMut(reqwest::Response, ResponseMeta) -> Fut,
        Fut: Future<Output = std::result::Result<T, BodyError>>,
    {
        let url = req.url(self.endpoint(req.service)?)?;
        let retry_token = req.retry_token.then(new_retry_token);
        let policy = &self.config.retry;
        let start = self.clock.now();
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let result = match self.attempt(req, &url, retry_token.as_deref()).await {
                Ok((resp, meta)) => read(resp, meta).await.map_err(|e| match e {
                    BodyError::Http(source) => Error::Transport {
                        operation: req.operation.into(),
                        url: url.to_string(),
                        source,
                    },
                    BodyError::Io { path, source } => Error::Body {
                        operation: req.operation.into(),
                        path,
                        source,
                    },
                }),
                Err(e) => Err(e),
            };
            let mut error = match result {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            let elapsed = self.clock.now().saturating_sub(start);
            let Some(delay) = policy.next_delay(&error, attempt, elapsed) else {
                if let Error::Service(e) = &mut error {
                    e.attempts = attempt;
                    e.retried_for = elapsed;
                }
                return Err(error);
            };
            tracing::debug!(
                operation = req.operation,
                attempt,
                status = error.status(),
                code = error.code(),
                opc_request_id = error.opc_request_id(),
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "retrying OCI request"
            );
            self.clock.sleep(delay).await;
        }
    }

    /// One signed attempt. A 2xx answer is returned with its body unread; any other status is
    /// read and turned into a [`ServiceError`].
    async fn attempt(
        &self,
        req: &OciRequest,
        url: &reqwest::Url,
        retry_token: Option<&str>,
    ) -> Result<(reqwest::Response, ResponseMeta)> {
        let request_id = new_request_id();
        let date = http_date(self.clock.utc_now());
        let (body, content_type, signing, length) = self.prepare_body(req).await?;
        let signed = self.config.signer.sign(&SigningInput {
            method: req.method.as_str(),
            url,
            date: &date,
            content_type: &content_type,
            body: match &signing {
                Some(b) => BodySigning::Signed(b),
                None => BodySigning::Unsigned,
            },
        });

        let mut headers = HeaderMap::new();
        let mut put = |name: &str, value: &str| -> Result<()> {
            let name = HeaderName::from_bytes(name.as_bytes());
            let value = HeaderValue::from_str(value);
            match (name, value) {
                (Ok(n), Ok(v)) => {
                    headers.insert(n, v);
                    Ok(())
                }
                _ => Err(Error::Signing {
                    operation: req.operation.into(),
                    message: "a header name or value is not valid HTTP".into(),
                }),
            }
        };
        put("accept", "application/json")?;
        put("date", &signed.date)?;
        put("opc-request-id", &request_id)?;
        if let Some(t) = retry_token {
            put("opc-retry-token", t)?;
        }
        if self.config.retry.retries_enabled() {
            put("opc-client-retries", "true")?;
        }
        if body.is_some() {
            put("content-type", &content_type)?;
        }
        if let Some(len) = signed.content_length.as_deref() {
            put("content-length", len)?;
        } else if let Some(len) = length {
            put("content-length", &len.to_string())?;
        }
        if let Some(sha) = &signed.x_content_sha256 {
            put("x-content-sha256", sha)?;
        }
        for (k, v) in &req.headers {
            put(k, v)?;
        }
        let mut auth =
            HeaderValue::from_str(&signed.authorization).map_err(|_| Error::Signing {
                operation: req.operation.into(),
                message: "the Authorization header is not valid HTTP".into(),
            })?;
        auth.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, auth);

        let mut builder = self
            .http
            .request(req.method.clone(), url.clone())
            .headers(headers);
        if let Some(body) = body {
            builder = builder.body(body);
        }
        tracing::debug!(
            operation = req.operation,
            method = %req.method,
            url = %url,
            opc_request_id = %request_id,
            "sending OCI request"
        );
        let transport = |source| Error::Transport {
            operation: req.operation.into(),
            url: url.to_string(),
            source,
        };
        let resp = builder.send().await.map_err(transport)?;
        let status = resp.status().as_u16();
        let meta = ResponseMeta {
            status,
            headers: resp.headers().clone(),
        };
        tracing::debug!(
            operation = req.operation,
            status,
            opc_request_id = meta.opc_request_id(),
            "OCI response"
        );
        if (200..300).contains(&status) {
            return Ok((resp, meta));
        }
        let bytes = resp.bytes().await.map_err(transport)?;
        Err(Error::service(service_error(req, url, &meta, &bytes)))
    }

    /// Body, its content type, the bytes to sign (`None` = unsigned) and its length.
    async fn prepare_body(
        &self,
        req: &OciRequest,
    ) -> Result<(Option<reqwest::Body>, String, Option<Bytes>, Option<u64>)> {
        let has_body_method = matches!(req.method.as_str(), "POST" | "PUT" | "PATCH");
        Ok(match &req.body {
            RequestBody::Empty if has_body_method => (
                Some(reqwest::Body::from(Bytes::new())),
                "application/json".into(),
                Some(Bytes::new()),
                Some(0),
            ),
            RequestBody::Empty => (None, "application/json".into(), None, None),
            RequestBody::Json(b) => (
                Some(reqwest::Body::from(b.clone())),
                "application/json".into(),
                Some(b.clone()),
                Some(b.len() as u64),
            ),
            RequestBody::Bytes { data, content_type } => (
                Some(reqwest::Body::from(data.clone())),
                content_type.clone(),
                None,
                Some(data.len() as u64),
            ),
            RequestBody::File {
                path,
                offset,
                len,
                content_type,
            } => {
                use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};
                let io_err = |source| Error::Body {
                    operation: req.operation.into(),
                    path: path.clone(),
                    source,
                };
                let mut file = tokio::fs::File::open(path).await.map_err(io_err)?;
                file.seek(std::io::SeekFrom::Start(*offset))
                    .await
                    .map_err(io_err)?;
                let stream = tokio_util::io::ReaderStream::new(file.take(*len));
                (
                    Some(reqwest::Body::wrap_stream(stream)),
                    content_type.clone(),
                    None,
                    Some(*len),
                )
            }
        })
    }

    /// Sends and decodes a JSON body.
    pub async fn send_json<T: DeserializeOwned>(&self, req: &OciRequest) -> Result<Response<T>> {
        let resp = self.send(req).await?;
        decode(req.operation, resp)
    }

    /// Sends and discards the body.
    pub async fn send_empty(&self, req: &OciRequest) -> Result<Response<()>> {
        Ok(self.send(req).await?.map(|_| ()))
    }

    /// Sends a list call whose body is a JSON array and whose continuation is `opc-next-page`.
    pub async fn send_page<T: DeserializeOwned>(&self, req: &OciRequest) -> Result<Page<T>> {
        let resp = self.send_json::<Vec<T>>(req).await?;
        Ok(Page {
            next_page: resp.meta.opc_next_page().map(str::to_string),
            items: resp.value,
            meta: resp.meta,
        })
    }
}

/// Decodes a JSON answer. Unknown fields are ignored by the models; missing optional ones are `None`.
pub fn decode<T: DeserializeOwned>(operation: &str, resp: Response<Bytes>) -> Result<Response<T>> {
    let value = serde_json::from_slice(&resp.value).map_err(|source| Error::Decode {
        operation: operation.into(),
        opc_request_id: resp.meta.opc_request_id().map(str::to_string),
        source,
    })?;
    Ok(Response {
        value,
        meta: resp.meta,
    })
}

fn service_error(
    req: &OciRequest,
    url: &reqwest::Url,
    meta: &ResponseMeta,
    body: &[u8],
) -> ServiceError {
    #[derive(serde::Deserialize)]
    struct Body {
        code: Option<String>,
        message: Option<String>,
    }
    let parsed: Option<Body> = serde_json::from_slice(body).ok();
    let status = reqwest::StatusCode::from_u16(meta.status).ok();
    // HEAD errors and some proxies carry no OCI body: derive a code from the status.
    let derived_code = status
        .and_then(|s| s.canonical_reason())
        .map(|r| r.replace([' ', '-'], ""))
        .unwrap_or_else(|| "Unknown".into());
    let (code, message) = match parsed {
        Some(b) => (
            b.code.unwrap_or(derived_code),
            b.message.unwrap_or_default(),
        ),
        None => {
            let text = String::from_utf8_lossy(body);
            let text: String = text.trim().chars().take(500).collect();
            (derived_code, text)
        }
    };
    ServiceError {
        operation: req.operation.to_string(),
        status: meta.status,
        code,
        message,
        opc_request_id: meta.opc_request_id().map(str::to_string),
        retry_after: meta
            .header("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs),
        method: req.method.to_string(),
        url: url.to_string(),
        attempts: 1,
        retried_for: Duration::ZERO,
    }
}
