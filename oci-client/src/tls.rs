//! The TLS configuration of every HTTPS connection: rustls on *ring*, trusting the operating
//! system's roots (as a browser or the OCI CLI would), or only the certificates of a custom CA
//! bundle (`custom_cert_location`).
//!
//! reqwest is built with `rustls-no-provider` and handed this configuration: its `rustls`
//! feature would link aws-lc (2.4 MB of the provider binary) for the same job, and the
//! alternative, a process-wide default crypto provider, is global state that another crate
//! could set first.

use std::sync::Arc;

use rustls::pki_types::CertificateDer;

/// A client configuration with `custom_roots` as the only trust anchors, or the platform's
/// verifier (`rustls-platform-verifier`, reqwest's default) when `None`. ALPN offers h2 and
/// HTTP/1.1, as reqwest does for its own configurations.
pub fn client_config(
    custom_roots: Option<Vec<CertificateDer<'static>>>,
) -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?;
    let builder = match custom_roots {
        Some(certs) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in certs {
                roots.add(cert)?;
            }
            builder.with_root_certificates(roots)
        }
        None => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(rustls_platform_verifier::Verifier::new(
                provider,
            )?)),
    };
    let mut config = builder.with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
