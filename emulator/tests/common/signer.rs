//! A small, test-only OCI request signer (draft-cavage rsa-sha256), written for the emulator's
//! tests and benchmark; independent of oci-client on purpose.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::RsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding, Signer};
use sha2::{Digest, Sha256};

/// Everything that goes into one signature.
pub struct ToSign<'a> {
    pub method: &'a str,
    /// Raw path and query exactly as sent (percent-encoded).
    pub target: &'a str,
    pub host: &'a str,
    pub date: &'a str,
    /// `Some` for requests whose body is signed (POST/PUT/PATCH except PutObject/UploadPart).
    pub body: Option<&'a [u8]>,
    pub content_type: &'a str,
}

/// The headers to add: `date`, and for signed bodies `content-length`, `content-type`,
/// `x-content-sha256`; plus `authorization`.
pub fn sign(key_id: &str, key: &RsaPrivateKey, r: &ToSign<'_>) -> Vec<(String, String)> {
    let mut out = vec![("date".to_owned(), r.date.to_owned())];
    let mut names = vec!["date", "(request-target)", "host"];
    let mut lines = vec![
        format!("date: {}", r.date),
        format!(
            "(request-target): {} {}",
            r.method.to_ascii_lowercase(),
            r.target
        ),
        format!("host: {}", r.host),
    ];
    if let Some(body) = r.body {
        let sha = STANDARD.encode(Sha256::digest(body));
        names.extend(["content-length", "content-type", "x-content-sha256"]);
        lines.push(format!("content-length: {}", body.len()));
        lines.push(format!("content-type: {}", r.content_type));
        lines.push(format!("x-content-sha256: {sha}"));
        out.push(("content-length".to_owned(), body.len().to_string()));
        out.push(("content-type".to_owned(), r.content_type.to_owned()));
        out.push(("x-content-sha256".to_owned(), sha));
    }
    let signing_string = lines.join("\n");
    let sig = SigningKey::<Sha256>::new(key.clone()).sign(signing_string.as_bytes());
    let auth = format!(
        r#"Signature version="1",keyId="{key_id}",algorithm="rsa-sha256",headers="{}",signature="{}""#,
        names.join(" "),
        STANDARD.encode(sig.to_bytes())
    );
    out.push(("authorization".to_owned(), auth));
    out
}

/// base64 RSA-SHA256 PKCS#1 v1.5 signature of an arbitrary signing string (for tests that
/// build unusual headers themselves).
pub fn sign_string(key: &RsaPrivateKey, signing_string: &str) -> String {
    let sig = SigningKey::<Sha256>::new(key.clone()).sign(signing_string.as_bytes());
    STANDARD.encode(sig.to_bytes())
}
