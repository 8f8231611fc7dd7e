//! RSA private keys in every PEM form the OCI SDKs accept: PKCS#1 (`RSA PRIVATE KEY`, optionally
//! with OpenSSL's legacy `Proc-Type: 4,ENCRYPTED` / `DEK-Info` encryption), PKCS#8
//! (`PRIVATE KEY`) and encrypted PKCS#8 (`ENCRYPTED PRIVATE KEY`). Text around the PEM block is
//! ignored, because `oci setup keys` appends an `OCI_API_KEY` label line after the footer.
//!
//! Key material lives in types that wipe themselves on drop (`rsa::RsaPrivateKey`, `Zeroizing`),
//! and `PrivateKey`'s `Debug` prints only the public fingerprint.

use std::fmt;
use std::sync::Arc;

use aes::cipher::{BlockDecryptMut, KeyIvInit, block_padding::Pkcs7};
use base64::Engine as _;
use md5::{Digest as _, Md5};
use rsa::RsaPrivateKey;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
use rsa::signature::{SignatureEncoding, Signer as _};
use sha2::Sha256;
use zeroize::Zeroizing;

/// Why a key could not be loaded. Messages never contain key material or the passphrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// No `-----BEGIN ...-----` / `-----END ...-----` block was found.
    NotPem,
    /// The PEM block is a public key.
    PublicKey,
    /// The key is encrypted and no passphrase was given.
    MissingPassphrase,
    /// Decryption failed: wrong passphrase (or a corrupt key; the two cannot be told apart).
    WrongPassphrase,
    /// Well-formed PEM whose contents are not a usable RSA private key.
    Invalid(String),
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::NotPem => f.write_str(
                "not a PEM private key (expected a -----BEGIN ... PRIVATE KEY----- block)",
            ),
            KeyError::PublicKey => {
                f.write_str("a public key was given, but signing needs the private key")
            }
            KeyError::MissingPassphrase => {
                f.write_str("the private key is encrypted and no passphrase was given")
            }
            KeyError::WrongPassphrase => f.write_str(
                "the private key could not be decrypted: the passphrase is wrong or the key is corrupt",
            ),
            KeyError::Invalid(why) => write!(f, "not a usable RSA private key: {why}"),
        }
    }
}

impl std::error::Error for KeyError {}

/// An RSA private key ready to sign with RSASSA-PKCS1-v1_5 / SHA-256.
#[derive(Clone)]
pub struct PrivateKey {
    signing_key: SigningKey<Sha256>,
    fast: Option<Arc<ring::signature::RsaKeyPair>>,
    fingerprint: String,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// Parses PEM text. `passphrase` is ignored for unencrypted keys (as the Python SDK does).
    pub fn from_pem(pem: &str, passphrase: Option<&[u8]>) -> Result<Self, KeyError> {
        let block = PemBlock::find(pem)?;
        let passphrase = passphrase.filter(|p| !p.is_empty());
        let key = match block.label.as_str() {
            "RSA PRIVATE KEY" => match block.dek_info()? {
                None => RsaPrivateKey::from_pkcs1_der(&block.der)
                    .map_err(|e| KeyError::Invalid(e.to_string()))?,
                Some(dek) => {
                    let pass = passphrase.ok_or(KeyError::MissingPassphrase)?;
                    let der = dek.decrypt(pass, &block.der)?;
                    RsaPrivateKey::from_pkcs1_der(&der).map_err(|_| KeyError::WrongPassphrase)?
                }
            },
            "PRIVATE KEY" => RsaPrivateKey::from_pkcs8_der(&block.der)
                .map_err(|e| KeyError::Invalid(e.to_string()))?,
            "ENCRYPTED PRIVATE KEY" => {
                let pass = passphrase.ok_or(KeyError::MissingPassphrase)?;
                let info = pkcs8::EncryptedPrivateKeyInfo::try_from(block.der.as_slice())
                    .map_err(|e| KeyError::Invalid(e.to_string()))?;
                let doc = info.decrypt(pass).map_err(|_| KeyError::WrongPassphrase)?;
                RsaPrivateKey::from_pkcs8_der(doc.as_bytes())
                    .map_err(|e| KeyError::Invalid(e.to_string()))?
            }
            "PUBLIC KEY" | "RSA PUBLIC KEY" => return Err(KeyError::PublicKey),
            other => return Err(KeyError::Invalid(format!("unsupported PEM type `{other}`"))),
        };
        Self::from_rsa(key)
    }

    fn from_rsa(key: RsaPrivateKey) -> Result<Self, KeyError> {
        let fingerprint = fingerprint_of(&key)?;
        let der = key
            .to_pkcs1_der()
            .map_err(|e| KeyError::Invalid(e.to_string()))?;
        // Every request is signed, and the pure-Rust `rsa` crate needs ~1.5 ms of CPU per
        // RSA-2048 signature (most of the provider's CPU in a large refresh). Keys ring accepts
        // (2048 to 8192 bits, consistent CRT values) are signed by ring (already linked for
        // rustls), several times faster; PKCS#1 v1.5 is deterministic, so the signature is the
        // same. (Unlike the `rsa` crate, ring does not zeroise its copy of the key when it is
        // dropped; the key lives as long as the provider process anyway.)
        let fast = ring::signature::RsaKeyPair::from_der(der.as_bytes())
            .ok()
            .map(Arc::new);
        Ok(Self {
            signing_key: SigningKey::<Sha256>::new(key),
            fast,
            fingerprint,
        })
    }

    /// MD5 of the DER SubjectPublicKeyInfo as 16 lowercase hex pairs joined by `:` — the form
    /// OCI shows in the console and expects in `keyId`.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        if let Some(pair) = &self.fast {
            let mut signature = vec![0; pair.public().modulus_len()];
            // PKCS#1 v1.5 uses no randomness; ring asks for a source anyway (for blinding).
            let rng = ring::rand::SystemRandom::new();
            let alg = &ring::signature::RSA_PKCS1_SHA256;
            if pair.sign(alg, &rng, message, &mut signature).is_ok() {
                return signature;
            }
            // Only on an internal ring failure: the `rsa` crate signs the same.
        }
        self.signing_key.sign(message).to_vec()
    }
}

fn fingerprint_of(key: &RsaPrivateKey) -> Result<String, KeyError> {
    let spki = key
        .to_public_key()
        .to_public_key_der()
        .map_err(|e| KeyError::Invalid(e.to_string()))?;
    let digest = Md5::digest(spki.as_bytes());
    Ok(digest
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":"))
}

/// One PEM block with its RFC 1421 headers (only legacy encrypted keys have any).
struct PemBlock {
    label: String,
    headers: Vec<(String, String)>,
    der: Zeroizing<Vec<u8>>,
}

impl PemBlock {
    fn find(text: &str) -> Result<Self, KeyError> {
        let mut lines = text.lines().map(str::trim);
        let label = lines
            .by_ref()
            .find_map(|l| l.strip_prefix("-----BEGIN ")?.strip_suffix("-----"))
            .ok_or(KeyError::NotPem)?
            .to_string();
        let footer = format!("-----END {label}-----");
        let mut headers = Vec::new();
        let mut b64 = Zeroizing::new(String::new());
        let mut closed = false;
        for line in lines {
            if line == footer {
                closed = true;
                break;
            }
            if b64.is_empty()
                && let Some((k, v)) = line.split_once(':')
            {
                headers.push((k.trim().to_string(), v.trim().to_string()));
                continue;
            }
            b64.push_str(line);
        }
        if !closed {
            return Err(KeyError::NotPem);
        }
        let der = base64::engine::general_purpose::STANDARD
            .decode(b64.as_bytes())
            .map_err(|e| KeyError::Invalid(format!("bad base64 in PEM body: {e}")))?;
        Ok(Self {
            label,
            headers,
            der: Zeroizing::new(der),
        })
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn dek_info(&self) -> Result<Option<DekInfo>, KeyError> {
        match self.header("Proc-Type") {
            Some(p) if p.replace(' ', "").eq_ignore_ascii_case("4,ENCRYPTED") => {}
            _ => return Ok(None),
        }
        let info = self
            .header("DEK-Info")
            .ok_or_else(|| KeyError::Invalid("encrypted PEM without DEK-Info header".into()))?;
        DekInfo::parse(info).map(Some)
    }
}

/// Legacy PEM ciphers; all in CBC mode with PKCS#7 padding.
#[derive(Debug, Clone, Copy)]
enum LegacyCipher {
    Aes128,
    Aes192,
    Aes256,
    DesEde3,
}

impl LegacyCipher {
    fn key_len(self) -> usize {
        match self {
            LegacyCipher::Aes128 => 16,
            LegacyCipher::Aes192 | LegacyCipher::DesEde3 => 24,
            LegacyCipher::Aes256 => 32,
        }
    }

    fn iv_len(self) -> usize {
        match self {
            LegacyCipher::DesEde3 => 8,
            _ => 16,
        }
    }
}

/// OpenSSL's legacy PEM encryption (`DEK-Info: <cipher>,<hex iv>`).
struct DekInfo {
    cipher: LegacyCipher,
    iv: Vec<u8>,
}

impl DekInfo {
    fn parse(value: &str) -> Result<Self, KeyError> {
        let (name, iv_hex) = value
            .split_once(',')
            .ok_or_else(|| KeyError::Invalid(format!("malformed DEK-Info `{value}`")))?;
        let cipher = match name.trim().to_ascii_uppercase().as_str() {
            "AES-128-CBC" => LegacyCipher::Aes128,
            "AES-192-CBC" => LegacyCipher::Aes192,
            "AES-256-CBC" => LegacyCipher::Aes256,
            "DES-EDE3-CBC" => LegacyCipher::DesEde3,
            other => {
                return Err(KeyError::Invalid(format!(
                    "unsupported legacy PEM cipher `{other}` (supported: AES-128/192/256-CBC, DES-EDE3-CBC)"
                )));
            }
        };
        let iv = decode_hex(iv_hex.trim())
            .filter(|iv| iv.len() == cipher.iv_len())
            .ok_or_else(|| KeyError::Invalid(format!("malformed DEK-Info IV in `{value}`")))?;
        Ok(Self { cipher, iv })
    }

    fn decrypt(&self, passphrase: &[u8], data: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let key = evp_bytes_to_key(passphrase, &self.iv[..8], self.cipher.key_len());
        let mut buf = Zeroizing::new(data.to_vec());
        let len = {
            let out = match self.cipher {
                LegacyCipher::Aes128 => cbc_decrypt::<aes::Aes128>(&key, &self.iv, &mut buf),
                LegacyCipher::Aes192 => cbc_decrypt::<aes::Aes192>(&key, &self.iv, &mut buf),
                LegacyCipher::Aes256 => cbc_decrypt::<aes::Aes256>(&key, &self.iv, &mut buf),
                LegacyCipher::DesEde3 => cbc_decrypt::<des::TdesEde3>(&key, &self.iv, &mut buf),
            };
            out.ok_or(KeyError::WrongPassphrase)?
        };
        buf.truncate(len);
        Ok(buf)
    }
}

fn cbc_decrypt<C>(key: &[u8], iv: &[u8], buf: &mut [u8]) -> Option<usize>
where
    C: aes::cipher::BlockDecryptMut + aes::cipher::BlockCipher + aes::cipher::KeyInit,
{
    let dec = cbc::Decryptor::<C>::new_from_slices(key, iv).ok()?;
    dec.decrypt_padded_mut::<Pkcs7>(buf).ok().map(<[u8]>::len)
}

/// OpenSSL `EVP_BytesToKey` with MD5 and one iteration, as used by legacy PEM encryption:
/// `D_1 = MD5(pass || salt)`, `D_i = MD5(D_{i-1} || pass || salt)`, key = prefix of `D_1 || D_2 ...`.
fn evp_bytes_to_key(passphrase: &[u8], salt: &[u8], key_len: usize) -> Zeroizing<Vec<u8>> {
    let mut key = Zeroizing::new(Vec::with_capacity(key_len + 16));
    let mut prev: Option<[u8; 16]> = None;
    while key.len() < key_len {
        let mut h = Md5::new();
        if let Some(p) = prev {
            h.update(p);
        }
        h.update(passphrase);
        h.update(salt);
        let d: [u8; 16] = h.finalize().into();
        key.extend_from_slice(&d);
        prev = Some(d);
    }
    key.truncate(key_len);
    key
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod signing_tests {
    use super::*;
    use rsa::pkcs8::EncodePrivateKey;

    /// ring signs a 2048-bit key, byte for byte what the `rsa` crate signs.
    #[test]
    fn ring_signature_is_the_rsa_crates() {
        let key = RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
        let pem = key.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF).unwrap();
        let loaded = PrivateKey::from_pem(&pem, None).unwrap();
        assert!(loaded.fast.is_some(), "ring took the 2048-bit key");
        let message = b"(request-target): get /n/";
        let expected = SigningKey::<Sha256>::new(key).sign(message).to_vec();
        assert_eq!(loaded.sign(message), expected);
    }
}
