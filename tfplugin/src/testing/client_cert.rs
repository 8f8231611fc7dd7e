//! A client certificate like the one Terraform puts in `PLUGIN_CLIENT_CERT`, and a rustls key
//! that signs with it, for tests and benchmarks that play Terraform's side of the handshake.
//!
//! go-plugin (`mtls.go`) makes a self-signed ECDSA P-521 certificate, signed with SHA-512, for
//! `localhost`, O=HashiCorp, CA flag set, key usages digital signature, key encipherment, key
//! agreement and cert sign, extended key usages client and server auth. rcgen can make P-521
//! certificates only on aws-lc, which the provider no longer links, so the certificate is written
//! here in DER by hand (RFC 5280), signed with RustCrypto's `p521`.

use std::sync::Arc;

use base64::Engine as _;
use p521::ecdsa::signature::Signer as _;
use p521::ecdsa::signature::hazmat::PrehashSigner as _;
use p521::ecdsa::{Signature, SigningKey, VerifyingKey};
use p521::elliptic_curve::rand_core::OsRng;
use rustls::pki_types::CertificateDer;
use rustls::{SignatureAlgorithm, SignatureScheme};
use sha2::Digest as _;

/// A Terraform-like client identity: the certificate (PEM for `PLUGIN_CLIENT_CERT`, and DER) and
/// its P-521 key.
pub struct ClientIdentity {
    /// What Terraform passes in `PLUGIN_CLIENT_CERT`.
    pub pem: String,
    /// The same certificate in DER, as the TLS client presents it.
    pub der: CertificateDer<'static>,
    key: Arc<SigningKey>,
}

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientIdentity").finish_non_exhaustive()
    }
}

impl Default for ClientIdentity {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientIdentity {
    /// A fresh key and its self-signed certificate, as go-plugin makes for each plugin start.
    pub fn new() -> Self {
        let key = SigningKey::random(&mut OsRng);
        let der = self_signed_certificate(&key);
        let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
        let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
        for line in b64.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
        Self {
            pem,
            der: CertificateDer::from(der),
            key: Arc::new(key),
        }
    }

    /// This identity's key for a rustls client, signing the handshake with `scheme` (Terraform
    /// uses `ECDSA_NISTP521_SHA512`; `ECDSA_NISTP384_SHA384` is a P-521 key under the SHA-384
    /// scheme, possible in TLS 1.2). Pair it with another identity's certificate to present a
    /// certificate whose key the client does not have.
    pub fn signing_key(&self, scheme: SignatureScheme) -> Arc<dyn rustls::sign::SigningKey> {
        assert!(
            matches!(
                scheme,
                SignatureScheme::ECDSA_NISTP521_SHA512 | SignatureScheme::ECDSA_NISTP384_SHA384
            ),
            "a P-521 key signs with SHA-512 or SHA-384 here, not {scheme:?}"
        );
        Arc::new(P521Key {
            key: self.key.clone(),
            scheme,
        })
    }
}

struct P521Key {
    key: Arc<SigningKey>,
    scheme: SignatureScheme,
}

// By hand: the key is not `Debug` (and never printed).
impl std::fmt::Debug for P521Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "P521Key({:?})", self.scheme)
    }
}

impl std::fmt::Debug for P521Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "P521Signer({:?})", self.scheme)
    }
}

impl rustls::sign::SigningKey for P521Key {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn rustls::sign::Signer>> {
        offered.contains(&self.scheme).then(|| {
            Box::new(P521Signer {
                key: self.key.clone(),
                scheme: self.scheme,
            }) as Box<dyn rustls::sign::Signer>
        })
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::ECDSA
    }
}

struct P521Signer {
    key: Arc<SigningKey>,
    scheme: SignatureScheme,
}

impl rustls::sign::Signer for P521Signer {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        let digest = if self.scheme == SignatureScheme::ECDSA_NISTP384_SHA384 {
            sha2::Sha384::digest(message).to_vec()
        } else {
            sha2::Sha512::digest(message).to_vec()
        };
        let signature: Signature = self
            .key
            .sign_prehash(&digest)
            .map_err(|e| rustls::Error::General(e.to_string()))?;
        Ok(signature.to_der().as_bytes().to_vec())
    }

    fn scheme(&self) -> SignatureScheme {
        self.scheme
    }
}

// OIDs, DER-encoded with their tag.
const ECDSA_WITH_SHA512: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04];
const EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const SECP521R1: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23];
const COMMON_NAME: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x03];
const ORGANIZATION: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x0a];
const KEY_USAGE: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x0f];
const SUBJECT_ALT_NAME: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x11];
const BASIC_CONSTRAINTS: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x13];
const EXT_KEY_USAGE: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x25];
const CLIENT_AUTH: &[u8] = &[0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];
const SERVER_AUTH: &[u8] = &[0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];

/// One DER element: tag, definite length, contents.
fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = contents.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(contents);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// A BIT STRING with no unused bits.
fn bits(contents: &[u8]) -> Vec<u8> {
    tlv(0x03, &[&[0u8][..], contents].concat())
}

fn extension(oid: &[u8], critical: bool, value: &[u8]) -> Vec<u8> {
    let critical = if critical {
        tlv(0x01, &[0xff])
    } else {
        Vec::new()
    };
    seq(&[oid, &critical, &tlv(0x04, value)])
}

fn self_signed_certificate(key: &SigningKey) -> Vec<u8> {
    let point = VerifyingKey::from(key).to_encoded_point(false);
    let signature_algorithm = seq(&[ECDSA_WITH_SHA512]);
    let name = seq(&[
        &tlv(0x31, &seq(&[ORGANIZATION, &tlv(0x0c, b"HashiCorp")])),
        &tlv(0x31, &seq(&[COMMON_NAME, &tlv(0x0c, b"localhost")])),
    ]);
    // Fixed validity (go-plugin: now − 30 s to now + 30 years); nothing here checks the dates,
    // the provider pins the certificate.
    let validity = seq(&[&tlv(0x17, b"250101000000Z"), &tlv(0x18, b"20550101000000Z")]);
    let spki = seq(&[&seq(&[EC_PUBLIC_KEY, SECP521R1]), &bits(point.as_bytes())]);
    let mut serial = [0u8; 16];
    p521::elliptic_curve::rand_core::RngCore::fill_bytes(&mut OsRng, &mut serial);
    serial[0] &= 0x7f; // positive
    serial[0] |= 0x40; // no leading zero byte to strip
    // digitalSignature | keyEncipherment | keyAgreement | keyCertSign: bits 0, 2, 4, 5.
    let key_usage = tlv(0x03, &[0x02, 0b1010_1100]);
    let extensions = seq(&[
        &extension(KEY_USAGE, true, &key_usage),
        &extension(EXT_KEY_USAGE, false, &seq(&[CLIENT_AUTH, SERVER_AUTH])),
        &extension(BASIC_CONSTRAINTS, true, &seq(&[&tlv(0x01, &[0xff])])),
        &extension(SUBJECT_ALT_NAME, false, &seq(&[&tlv(0x82, b"localhost")])),
    ]);
    let tbs = seq(&[
        &tlv(0xa0, &tlv(0x02, &[2])), // v3
        &tlv(0x02, &serial),
        &signature_algorithm,
        &name,
        &validity,
        &name,
        &spki,
        &tlv(0xa3, &extensions),
    ]);
    // `Signer` for P-521 hashes with SHA-512: ecdsa-with-SHA512, as go-plugin's certificate.
    let signature: Signature = key.sign(&tbs);
    seq(&[
        &tbs,
        &signature_algorithm,
        &bits(signature.to_der().as_bytes()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::pem::PemObject as _;

    #[test]
    fn the_certificate_carries_the_p521_key_that_signs_for_it() {
        let id = ClientIdentity::new();
        let parsed = CertificateDer::from_pem_slice(id.pem.as_bytes()).expect("PEM");
        assert_eq!(parsed.as_ref(), id.der.as_ref(), "PEM and DER agree");
        let cert = webpki::EndEntityCert::try_from(&id.der).expect("a well-formed certificate");
        let localhost = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        assert!(cert.verify_is_valid_for_subject_name(&localhost).is_ok());

        // What the rustls key signs verifies against the certificate's public key, and only
        // against this identity's certificate.
        let signer = id
            .signing_key(SignatureScheme::ECDSA_NISTP521_SHA512)
            .choose_scheme(&[SignatureScheme::ECDSA_NISTP521_SHA512])
            .expect("the scheme offered is chosen");
        let signature = signer.sign(b"handshake transcript").unwrap();
        let p521 = crate::p521::ECDSA_P521_SHA512;
        assert!(
            cert.verify_signature(p521, b"handshake transcript", &signature)
                .is_ok()
        );
        assert!(
            cert.verify_signature(p521, b"another transcript", &signature)
                .is_err()
        );
        let other = ClientIdentity::new();
        let other = webpki::EndEntityCert::try_from(&other.der).unwrap();
        assert!(
            other
                .verify_signature(p521, b"handshake transcript", &signature)
                .is_err()
        );
        // A key without the scheme Terraform's server offers does not sign at all.
        assert!(
            id.signing_key(SignatureScheme::ECDSA_NISTP521_SHA512)
                .choose_scheme(&[SignatureScheme::ECDSA_NISTP256_SHA256])
                .is_none()
        );
    }
}
