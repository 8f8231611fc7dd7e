//! The process entry point: go-plugin handshake, unix socket, mutual TLS, shutdown.
//!
//! Terraform starts the provider with a magic cookie and its own client certificate
//! (`PLUGIN_CLIENT_CERT`), reads one handshake line from stdout
//! (`1|6|unix|<socket>|grpc|<our cert, base64 DER without padding>`), connects over TLS, and ends
//! each process with `GRPCController.Shutdown` (tfplugin.md §2).

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use base64::Engine as _;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{UnixListener, UnixStream};
use tokio_stream::wrappers::{ReceiverStream, UnixListenerStream};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::grpc::{ControllerService, ProviderService};
use crate::proto::plugin::grpc_controller_server::GrpcControllerServer;
use crate::proto::tfplugin6::provider_server::ProviderServer;
use crate::resource::Provider;
use crate::server::Framework;

/// The cookie Terraform sets in `TF_PLUGIN_MAGIC_COOKIE` for provider plugins.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// The environment variable holding it.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";

/// Terraform's client accepts schema responses up to 64 MiB; accept state that large too.
const MAX_MESSAGE_BYTES: usize = 64 << 20;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Started by hand (no or wrong magic cookie).
    #[error(
        "this binary is a Terraform provider plugin and is started by Terraform, not by hand \
         (use it from a Terraform configuration, or run it with --debug)"
    )]
    NotStartedByTerraform,
    /// Terraform offered no protocol version we speak.
    #[error(
        "Terraform offered plugin protocol versions {0:?}, but this provider speaks only version 6 (Terraform 1.0 or newer)"
    )]
    UnsupportedProtocol(String),
    /// `PLUGIN_CLIENT_CERT` is not a PEM certificate.
    #[error("PLUGIN_CLIENT_CERT does not hold a PEM certificate: {0}")]
    ClientCert(String),
    /// Generating our certificate or building the TLS config failed.
    #[error("setting up TLS: {0}")]
    Tls(String),
    /// Socket or runtime trouble.
    #[error("{context}: {source}")]
    Io {
        /// What we were doing.
        context: &'static str,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The gRPC server failed.
    #[error("gRPC server: {0}")]
    Transport(#[from] tonic::transport::Error),
}

fn io(context: &'static str) -> impl FnOnce(std::io::Error) -> ServeError {
    move |source| ServeError::Io { context, source }
}

/// Runs a provider process: `fn main() -> ExitCode { tfplugin::serve(MyProvider::default()) }`.
///
/// With `--debug` as an argument it serves without Terraform managing it and prints the
/// `TF_REATTACH_PROVIDERS` value to use; it then runs until Ctrl-C. Otherwise it must have been
/// started by Terraform: a person running it by hand gets a one-line explanation and exit code 1.
pub fn serve<P: Provider>(provider: P) -> ExitCode {
    let debug = std::env::args().skip(1).any(|a| a == "--debug");
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(serve_async(provider, debug));
    log_peak_memory();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Logs the process's peak resident memory (Linux `VmHWM`) as `peak_rss_kib`, so memory use of
/// real runs (e.g. a large upload) can be measured from Terraform's log, not guessed.
fn log_peak_memory() {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
    if let Some(peak_rss_kib) = peak {
        debug!(peak_rss_kib, "provider exiting");
    }
}

/// [`serve`] inside an existing runtime; `debug` selects debug (reattach) mode.
pub async fn serve_async<P: Provider>(provider: P, debug: bool) -> Result<(), ServeError> {
    if !debug {
        if std::env::var(MAGIC_COOKIE_KEY).ok().as_deref() != Some(MAGIC_COOKIE_VALUE) {
            return Err(ServeError::NotStartedByTerraform);
        }
        if let Ok(versions) = std::env::var("PLUGIN_PROTOCOL_VERSIONS")
            && !versions.split(',').any(|v| v.trim() == "6")
        {
            return Err(ServeError::UnsupportedProtocol(versions));
        }
    }
    crate::log::init();
    let address = provider.address();
    let framework = Framework::new(Box::new(provider));

    // A private (0700) directory, so the socket cannot collide and disappears with the process
    // (even when Terraform SIGKILLs a slow plugin, the directory name is unique). Like go-plugin,
    // honour PLUGIN_UNIX_SOCKET_DIR when the host sets it.
    let mut builder = tempfile::Builder::new();
    builder.prefix("tfplugin");
    let dir = match std::env::var_os("PLUGIN_UNIX_SOCKET_DIR").filter(|d| !d.is_empty()) {
        Some(parent) => builder.tempdir_in(parent),
        None => builder.tempdir(),
    }
    .map_err(io("creating the socket directory"))?;
    let socket = dir.path().join("plugin.sock");
    let listener = UnixListener::bind(&socket).map_err(io("binding the unix socket"))?;

    let shutdown = CancellationToken::new();
    let client_cert = std::env::var("PLUGIN_CLIENT_CERT")
        .ok()
        .filter(|s| !s.trim().is_empty());
    let result = if debug {
        print_reattach(&address, &socket);
        spawn_ctrl_c(shutdown.clone(), true);
        serve_plaintext(framework, listener, shutdown).await
    } else {
        spawn_ctrl_c(shutdown.clone(), false);
        spawn_parent_watch(dir.path().to_path_buf());
        match client_cert {
            Some(pem) => {
                let tls = TlsSetup::new(&pem)?;
                println!("1|6|unix|{}|grpc|{}", socket.display(), tls.server_cert_b64);
                flush_stdout();
                serve_tls(framework, listener, tls.config, shutdown).await
            }
            None => {
                // Only with TF_DISABLE_PLUGIN_TLS (or a non-Terraform host): plaintext.
                println!("1|6|unix|{}|grpc|", socket.display());
                flush_stdout();
                serve_plaintext(framework, listener, shutdown).await
            }
        }
    };
    drop(dir);
    result
}

fn flush_stdout() {
    use std::io::Write;
    let _ = std::io::stdout().flush();
}

fn print_reattach(address: &str, socket: &Path) {
    let entry = serde_json::json!({
        "Protocol": "grpc",
        "ProtocolVersion": 6,
        "Pid": std::process::id(),
        "Test": true,
        "Addr": {"Network": "unix", "String": socket.display().to_string()},
    });
    let mut value = serde_json::Map::new();
    value.insert(address.to_string(), entry);
    let value = serde_json::Value::Object(value);
    println!(
        "Provider started in debug mode. To attach Terraform, set:\n\n\tTF_REATTACH_PROVIDERS='{value}'\n\n\
         Stop it with Ctrl-C."
    );
    flush_stdout();
}

/// How often the provider checks that Terraform is still its parent.
const PARENT_POLL: Duration = Duration::from_millis(250);

/// Terraform killed with SIGKILL cannot stop its providers, which then lived on as orphans
/// (reparented to init, still waiting on a Data Flow run, for ever). When the parent changes,
/// remove the socket directory and exit at once: nobody will ever read an answer, and a
/// graceful stop would wait for the in-flight work. What that work had sent is the provider's
/// concern (retry tokens, the create journal).
fn spawn_parent_watch(socket_dir: PathBuf) {
    let parent = std::os::unix::process::parent_id();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PARENT_POLL);
        loop {
            tick.tick().await;
            if std::os::unix::process::parent_id() != parent {
                warn!(
                    parent,
                    "Terraform is gone (parent process changed); exiting"
                );
                let _ = std::fs::remove_dir_all(&socket_dir);
                std::process::exit(1);
            }
        }
    });
}

/// go-plugin servers ignore SIGINT: Ctrl-C reaches the whole process group, and Terraform
/// drives a graceful stop itself (StopProvider, then Shutdown). In debug mode Ctrl-C stops us.
fn spawn_ctrl_c(shutdown: CancellationToken, stop_on_ctrl_c: bool) {
    tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            if stop_on_ctrl_c {
                shutdown.cancel();
                return;
            }
            debug!("SIGINT ignored; Terraform stops providers through the protocol");
        }
    });
}

pub(crate) fn router(
    framework: Arc<Framework>,
    shutdown: &CancellationToken,
) -> tonic::transport::server::Router {
    let provider = ProviderServer::new(ProviderService { fw: framework })
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    let controller = GrpcControllerServer::new(ControllerService {
        shutdown: shutdown.clone(),
    });
    tonic::transport::Server::builder()
        .add_service(provider)
        .add_service(controller)
}

/// After Shutdown, in-flight calls get this long to finish before the process exits anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

async fn run_until_shutdown<F>(serve: F, shutdown: CancellationToken) -> Result<(), ServeError>
where
    F: std::future::Future<Output = Result<(), tonic::transport::Error>>,
{
    let grace = async {
        shutdown.cancelled().await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        r = serve => r.map_err(ServeError::from),
        () = grace => {
            warn!("connections still open after shutdown; exiting anyway");
            Ok(())
        }
    }
}

async fn serve_plaintext(
    framework: Arc<Framework>,
    listener: UnixListener,
    shutdown: CancellationToken,
) -> Result<(), ServeError> {
    info!("serving plaintext gRPC");
    let incoming = UnixListenerStream::new(listener);
    let serve = router(framework, &shutdown)
        .serve_with_incoming_shutdown(incoming, shutdown.clone().cancelled_owned());
    run_until_shutdown(serve, shutdown).await
}

async fn serve_tls(
    framework: Arc<Framework>,
    listener: UnixListener,
    config: Arc<rustls::ServerConfig>,
    shutdown: CancellationToken,
) -> Result<(), ServeError> {
    info!("serving gRPC over mutual TLS");
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<TlsConn, std::io::Error>>(16);
    let accept_shutdown = shutdown.clone();
    tokio::spawn(async move {
        loop {
            let stream = tokio::select! {
                () = accept_shutdown.cancelled() => return,
                accepted = listener.accept() => match accepted {
                    Ok((s, _)) => s,
                    Err(e) => {
                        warn!(error = %e, "accepting a connection failed");
                        continue;
                    }
                },
            };
            let acceptor = acceptor.clone();
            let tx = tx.clone();
            // Handshakes run concurrently so one stalled client cannot block the others.
            tokio::spawn(async move {
                match acceptor.accept(stream).await {
                    Ok(tls) => {
                        let _ = tx.send(Ok(TlsConn(tls))).await;
                    }
                    Err(e) => warn!(error = %e, "TLS handshake refused"),
                }
            });
        }
    });
    let serve = router(framework, &shutdown)
        .serve_with_incoming_shutdown(ReceiverStream::new(rx), shutdown.clone().cancelled_owned());
    run_until_shutdown(serve, shutdown).await
}

/// A server-side TLS connection on the unix socket, as tonic wants it.
struct TlsConn(tokio_rustls::server::TlsStream<UnixStream>);

impl tonic::transport::server::Connected for TlsConn {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for TlsConn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsConn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
}

/// Our certificate and the TLS configuration that accepts only Terraform's certificate.
pub(crate) struct TlsSetup {
    pub config: Arc<rustls::ServerConfig>,
    pub server_cert_b64: String,
}

impl TlsSetup {
    /// `client_cert_pem` is the PEM Terraform put in `PLUGIN_CLIENT_CERT`.
    pub fn new(client_cert_pem: &str) -> Result<Self, ServeError> {
        let client = CertificateDer::from_pem_slice(client_cert_pem.as_bytes())
            .map_err(|e| ServeError::ClientCert(e.to_string()))?;
        // P-256 self-signed for "localhost": Terraform trusts exactly this certificate.
        let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])
            .map_err(|e| ServeError::Tls(e.to_string()))?;
        let cert_der = generated.cert.der().clone();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            generated.signing_key.serialize_der(),
        ));
        // ring, whose verifiers cannot check Terraform's P-521 client certificate (and Go then
        // sends none at all, tfplugin.md §2.4): the client certificate's signatures are checked
        // with ring's algorithms plus our P-521 ones (`crate::p521`). aws-lc has P-521 but
        // costs 2.4 MB of binary.
        let mut crypto = rustls::crypto::ring::default_provider();
        crypto.signature_verification_algorithms = crate::p521::SUPPORTED_ALGORITHMS;
        let crypto = Arc::new(crypto);
        let verifier = PinnedClientCert {
            expected: client.into_owned(),
            algorithms: crypto.signature_verification_algorithms,
        };
        let mut config = rustls::ServerConfig::builder_with_provider(crypto)
            .with_safe_default_protocol_versions()
            .map_err(|e| ServeError::Tls(e.to_string()))?
            .with_client_cert_verifier(Arc::new(verifier))
            .with_single_cert(vec![cert_der.clone()], key)
            .map_err(|e| ServeError::Tls(e.to_string()))?;
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(Self {
            config: Arc::new(config),
            server_cert_b64: base64::engine::general_purpose::STANDARD_NO_PAD
                .encode(cert_der.as_ref()),
        })
    }
}

/// Accepts exactly one client certificate, byte for byte. webpki's verifier rejects Terraform's
/// certificate (a CA certificate used as a leaf), and pinning is what go-plugin means anyway:
/// the certificate came to us through the environment of the process Terraform started.
#[derive(Debug)]
struct PinnedClientCert {
    expected: CertificateDer<'static>,
    algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for PinnedClientCert {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The socket path of a handshake line, for tools and tests.
pub fn socket_from_handshake(line: &str) -> Option<PathBuf> {
    let parts: Vec<&str> = line.trim().split('|').collect();
    (parts.len() >= 5 && parts[2] == "unix").then(|| PathBuf::from(parts[3]))
}
