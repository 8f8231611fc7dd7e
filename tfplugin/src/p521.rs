//! ECDSA P-521 signature verification for rustls on *ring*.
//!
//! Terraform (go-plugin's AutoMTLS) authenticates to the provider with a throw-away ECDSA P-521
//! certificate and signs the TLS handshake with it (`ecdsa_secp521r1_sha512` in TLS 1.3).
//! rustls' ring provider cannot verify P-521, and a TLS server that does not offer the scheme
//! gets no client certificate from Go at all (tfplugin.md §2.4). aws-lc can, but costs 2.4 MB of
//! binary; so the provider uses ring, and these two algorithms (RustCrypto's pure-Rust `p521`)
//! are added to ring's list for the one signature ring cannot check.

use p521::ecdsa::signature::hazmat::PrehashVerifier as _;
use p521::ecdsa::{Signature, VerifyingKey};
use rustls::SignatureScheme;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{
    AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm, alg_id,
};
use sha2::Digest as _;

/// ECDSA over P-521 with the message hashed by SHA-384 or SHA-512 (the only hashes RustCrypto
/// accepts for P-521: a SHA-256 digest is shorter than half the field, which it refuses).
#[derive(Debug)]
struct EcdsaP521 {
    hash: Hash,
}

#[derive(Debug)]
enum Hash {
    Sha384,
    Sha512,
}

/// Terraform's certificate in TLS 1.3 (the scheme fixes curve and hash there).
pub(crate) static ECDSA_P521_SHA512: &dyn SignatureVerificationAlgorithm =
    &EcdsaP521 { hash: Hash::Sha512 };
/// A P-521 key under `ecdsa_secp384r1_sha384` in TLS 1.2, where the scheme names only the hash.
pub(crate) static ECDSA_P521_SHA384: &dyn SignatureVerificationAlgorithm =
    &EcdsaP521 { hash: Hash::Sha384 };

impl SignatureVerificationAlgorithm for EcdsaP521 {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        // `public_key` is the SEC1 point of the SubjectPublicKeyInfo, `signature` the DER
        // `ECDSA-Sig-Value` (both as TLS and X.509 carry them).
        let key = VerifyingKey::from_sec1_bytes(public_key).map_err(|_| InvalidSignature)?;
        let signature = Signature::from_der(signature).map_err(|_| InvalidSignature)?;
        let digest = match self.hash {
            Hash::Sha384 => sha2::Sha384::digest(message).to_vec(),
            Hash::Sha512 => sha2::Sha512::digest(message).to_vec(),
        };
        key.verify_prehash(&digest, &signature)
            .map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_P521
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        match self.hash {
            Hash::Sha384 => alg_id::ECDSA_SHA384,
            Hash::Sha512 => alg_id::ECDSA_SHA512,
        }
    }
}

/// rustls' ring list (`rustls::crypto::ring`, same order) with P-521 added where aws-lc's list
/// has it: `ecdsa_secp521r1_sha512`, and P-521 keys under the SHA-384 scheme for TLS 1.2.
/// (aws-lc also accepts a P-521 key under SHA-256 in TLS 1.2 and P-256/P-384 keys under
/// SHA-512; RustCrypto and ring cannot, and Terraform uses neither.)
pub(crate) static SUPPORTED_ALGORITHMS: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
    all: &[
        webpki::ring::ECDSA_P256_SHA256,
        webpki::ring::ECDSA_P256_SHA384,
        webpki::ring::ECDSA_P384_SHA256,
        webpki::ring::ECDSA_P384_SHA384,
        ECDSA_P521_SHA384,
        ECDSA_P521_SHA512,
        webpki::ring::ED25519,
        webpki::ring::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
        webpki::ring::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
        webpki::ring::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
        webpki::ring::RSA_PKCS1_2048_8192_SHA256,
        webpki::ring::RSA_PKCS1_2048_8192_SHA384,
        webpki::ring::RSA_PKCS1_2048_8192_SHA512,
        webpki::ring::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
        webpki::ring::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
        webpki::ring::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
    ],
    // The order is our preference, sent to the client. For TLS 1.2 the curve is not fixed by
    // the scheme, and every algorithm of the entry is tried; for TLS 1.3 only the first.
    mapping: &[
        (
            SignatureScheme::ECDSA_NISTP384_SHA384,
            &[
                webpki::ring::ECDSA_P384_SHA384,
                webpki::ring::ECDSA_P256_SHA384,
                ECDSA_P521_SHA384,
            ],
        ),
        (
            SignatureScheme::ECDSA_NISTP256_SHA256,
            &[
                webpki::ring::ECDSA_P256_SHA256,
                webpki::ring::ECDSA_P384_SHA256,
            ],
        ),
        (SignatureScheme::ECDSA_NISTP521_SHA512, &[ECDSA_P521_SHA512]),
        (SignatureScheme::ED25519, &[webpki::ring::ED25519]),
        (
            SignatureScheme::RSA_PSS_SHA512,
            &[webpki::ring::RSA_PSS_2048_8192_SHA512_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PSS_SHA384,
            &[webpki::ring::RSA_PSS_2048_8192_SHA384_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PSS_SHA256,
            &[webpki::ring::RSA_PSS_2048_8192_SHA256_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA512,
            &[webpki::ring::RSA_PKCS1_2048_8192_SHA512],
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA384,
            &[webpki::ring::RSA_PKCS1_2048_8192_SHA384],
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA256,
            &[webpki::ring::RSA_PKCS1_2048_8192_SHA256],
        ),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use p521::ecdsa::SigningKey;
    use p521::ecdsa::signature::hazmat::PrehashSigner as _;
    use p521::elliptic_curve::rand_core::OsRng;

    fn new_key() -> (SigningKey, Vec<u8>) {
        let key = SigningKey::random(&mut OsRng);
        let point = VerifyingKey::from(&key)
            .to_encoded_point(false)
            .as_bytes()
            .to_vec();
        (key, point)
    }

    fn sign(key: &SigningKey, hash: &Hash, message: &[u8]) -> Vec<u8> {
        let digest = match hash {
            Hash::Sha384 => sha2::Sha384::digest(message).to_vec(),
            Hash::Sha512 => sha2::Sha512::digest(message).to_vec(),
        };
        let signature: Signature = key.sign_prehash(&digest).unwrap();
        signature.to_der().as_bytes().to_vec()
    }

    #[test]
    fn a_p521_signature_verifies_and_any_change_is_refused() {
        let (key, point) = new_key();
        let (_, other_point) = new_key();
        let message = b"TLS 1.3, client CertificateVerify";
        for (alg, hash) in [
            (ECDSA_P521_SHA512, Hash::Sha512),
            (ECDSA_P521_SHA384, Hash::Sha384),
        ] {
            let sig = sign(&key, &hash, message);
            assert!(alg.verify_signature(&point, message, &sig).is_ok());
            // Another message, another key, a flipped bit of the signature: all refused.
            assert!(alg.verify_signature(&point, b"other", &sig).is_err());
            assert!(alg.verify_signature(&other_point, message, &sig).is_err());
            let mut flipped = sig.clone();
            let last = flipped.len() - 1;
            flipped[last] ^= 1;
            assert!(alg.verify_signature(&point, message, &flipped).is_err());
            // Not a DER signature, not a point.
            assert!(alg.verify_signature(&point, message, &sig[2..]).is_err());
            assert!(alg.verify_signature(&point[1..], message, &sig).is_err());
        }
        // The hash is part of the algorithm: a SHA-384 signature is not a SHA-512 one.
        let sig384 = sign(&key, &Hash::Sha384, message);
        assert!(
            ECDSA_P521_SHA512
                .verify_signature(&point, message, &sig384)
                .is_err()
        );
    }

    #[test]
    fn the_list_offers_p521_sha512_and_keeps_rings() {
        let ring = rustls::crypto::ring::default_provider().signature_verification_algorithms;
        let ours = SUPPORTED_ALGORITHMS.supported_schemes();
        assert!(ours.contains(&SignatureScheme::ECDSA_NISTP521_SHA512));
        for scheme in ring.supported_schemes() {
            assert!(ours.contains(&scheme), "{scheme:?} kept");
        }
        assert_eq!(SUPPORTED_ALGORITHMS.all.len(), ring.all.len() + 2);
    }
}
