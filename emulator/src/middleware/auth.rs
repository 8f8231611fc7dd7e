//! Request signature verification: draft-cavage HTTP signatures, rsa-sha256, as OCI uses them
//! (oci-api.md §1.10 is the checklist this follows step by step).

use crate::clock::parse_http_date;
use crate::error::{ApiError, BodyHashMismatch};
use crate::extract::MAX_JSON_BODY;
use crate::request::Principal;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::Request;
use axum::http::Method;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::Verifier;
use sha2::{Digest, Sha256};
use time::Duration;

/// Allowed clock skew between the request's `date` and the emulator clock.
pub const MAX_SKEW: Duration = Duration::minutes(5);

/// Parsed `Authorization: Signature k="v",...` parameters.
#[derive(Debug, Default)]
struct SigParams {
    key_id: Option<String>,
    algorithm: Option<String>,
    headers: Option<String>,
    signature: Option<String>,
    version: Option<String>,
}

fn parse_authorization(value: &str) -> Result<SigParams, String> {
    let rest = value
        .strip_prefix("Signature ")
        .ok_or("the Authorization header does not use the Signature scheme")?;
    let mut p = SigParams::default();
    let mut s = rest.trim();
    while !s.is_empty() {
        let eq = s
            .find('=')
            .ok_or("malformed Authorization parameter list")?;
        let key = s[..eq].trim();
        let after = &s[eq + 1..];
        let after = after
            .strip_prefix('"')
            .ok_or("Authorization parameter values must be quoted")?;
        let close = after
            .find('"')
            .ok_or("unterminated quoted value in Authorization")?;
        let val = after[..close].to_owned();
        match key {
            "keyId" => p.key_id = Some(val),
            "algorithm" => p.algorithm = Some(val),
            "headers" => p.headers = Some(val),
            "signature" => p.signature = Some(val),
            "version" => p.version = Some(val),
            _ => {}
        }
        s = after[close + 1..].trim_start();
        s = s.strip_prefix(',').unwrap_or(s).trim_start();
    }
    Ok(p)
}

fn fail(reason: impl AsRef<str>) -> ApiError {
    ApiError::not_authenticated(reason)
}

/// Verify the request's signature. On success the request is returned with its body intact
/// (re-buffered if it had to be hashed) and the signer's identity. `body_unsigned` comes from
/// the operation table (PutObject, UploadPart): the SDKs leave those bodies out.
pub async fn authenticate(
    state: &AppState,
    req: Request,
    body_unsigned: bool,
) -> Result<(Request, Principal), ApiError> {
    let auth = req
        .headers()
        .get("authorization")
        .ok_or_else(|| fail("The request has no Authorization header."))?
        .to_str()
        .map_err(|_| fail("The Authorization header is not ASCII."))?;
    let params = parse_authorization(auth).map_err(fail)?;
    if params.version.as_deref().is_some_and(|v| v != "1") {
        return Err(fail("Only signature version 1 is supported."));
    }
    if params
        .algorithm
        .as_deref()
        .is_some_and(|a| a != "rsa-sha256")
    {
        return Err(fail("Only algorithm rsa-sha256 is supported."));
    }
    let key_id = params
        .key_id
        .ok_or_else(|| fail("The signature has no keyId."))?;
    let signature_b64 = params
        .signature
        .ok_or_else(|| fail("The signature has no signature value."))?;
    // draft-cavage: without a headers parameter only `date` is signed, which OCI never accepts.
    let signed: Vec<String> = params
        .headers
        .unwrap_or_else(|| "date".to_owned())
        .split_whitespace()
        .map(|h| h.to_ascii_lowercase())
        .collect();

    let has = |h: &str| signed.iter().any(|s| s == h);
    // Every signed date is checked: OCI lets `x-date` stand in for `date`, so a stale `x-date`
    // next to a fresh `date` must not pass either.
    let date_headers: Vec<&str> = ["date", "x-date"].into_iter().filter(|h| has(h)).collect();
    if date_headers.is_empty() {
        return Err(fail("The signed headers must include date or x-date."));
    }
    let mut required = vec!["(request-target)", "host"];
    let method = req.method().clone();
    let with_body = matches!(method, Method::POST | Method::PUT | Method::PATCH);
    if with_body && !body_unsigned {
        required.extend(["content-length", "content-type", "x-content-sha256"]);
    }
    if let Some(missing) = required.iter().find(|h| !has(h)) {
        return Err(fail(format!("The signed headers must include {missing}.")));
    }

    // The public key: API key `tenancy/user/fingerprint`. Security tokens (`ST$...`) are not
    // issued by this emulator, so they can never verify.
    let key = state.public_key(&key_id).ok_or_else(|| {
        fail(format!(
            "No API key is registered under keyId '{}'.",
            shown_key_id(&key_id)
        ))
    })?;

    // Rebuild the signing string from the raw request target and the received header values.
    let target = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or("/");
    let mut lines = Vec::with_capacity(signed.len());
    for h in &signed {
        if h == "(request-target)" {
            lines.push(format!(
                "(request-target): {} {}",
                method.as_str().to_ascii_lowercase(),
                target
            ));
            continue;
        }
        let value = match req.headers().get(h.as_str()) {
            Some(v) => v
                .to_str()
                .map_err(|_| fail(format!("Header {h} is not ASCII.")))?
                .to_owned(),
            // HTTP/2 and some clients carry the host only in the URI authority.
            None if h == "host" => req
                .uri()
                .authority()
                .map(|a| a.to_string())
                .ok_or_else(|| fail("Signed header host is missing."))?,
            None => {
                return Err(fail(format!(
                    "Signed header {h} is missing from the request."
                )));
            }
        };
        lines.push(format!("{h}: {value}"));
    }
    let signing_string = lines.join("\n");
    let sig_bytes = STANDARD
        .decode(signature_b64.as_bytes())
        .map_err(|_| fail("The signature is not valid base64."))?;
    if !verifies(&key, signing_string.as_bytes(), &sig_bytes)? {
        return Err(fail(format!(
            "The signature does not verify with the key '{}'.",
            shown_key_id(&key_id)
        )));
    }

    // Skew is checked after the signature so that an attacker cannot probe the clock.
    let now = state.now();
    for date_header in date_headers {
        let date_value = req
            .headers()
            .get(date_header)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let date = parse_http_date(date_value).ok_or_else(|| {
            fail(format!(
                "The {date_header} header '{date_value}' is not an RFC 7231 date."
            ))
        })?;
        let skew = (now - date).abs();
        if skew > MAX_SKEW {
            return Err(fail(format!(
                "The {date_header} header is {}s away from the server clock (maximum 300s).",
                skew.whole_seconds()
            )));
        }
    }

    let (tenancy_id, rest) = key_id.split_once('/').unwrap_or(("", ""));
    let user_id = rest.split_once('/').map(|(u, _)| u).unwrap_or("");
    let principal = Principal {
        tenancy_id: tenancy_id.to_owned(),
        user_id: user_id.to_owned(),
    };

    if has("x-content-sha256") {
        let claimed = req
            .headers()
            .get("x-content-sha256")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let (parts, body) = req.into_parts();
        if body_unsigned {
            // An object body whose hash is (unusually) signed: checked as it streams to disk,
            // never buffered; a mismatch fails the upload before anything is committed.
            let body = verify_while_streaming(body, claimed);
            return Ok((Request::from_parts(parts, body), principal));
        }
        // Every other body was already read, bounded, by the middleware.
        let bytes = axum::body::to_bytes(body, MAX_JSON_BODY)
            .await
            .map_err(|_| ApiError::too_large(MAX_JSON_BODY))?;
        let actual = STANDARD.encode(Sha256::digest(&bytes));
        if actual != claimed {
            return Err(fail(
                "The x-content-sha256 header does not match the SHA-256 of the body.",
            ));
        }
        return Ok((Request::from_parts(parts, Body::from(bytes)), principal));
    }
    Ok((req, principal))
}

/// Whether `sig` is an RSASSA-PKCS1-v1_5 SHA-256 signature of `message` by `key`.
///
/// ring verifies first: its public-key operation costs a fraction of the `rsa` crate's (the
/// `rsa` crate's was the largest single cost of a signed request, see BENCHMARKS.md §4). ring
/// only takes moduli of 2048 bits and more, which the `rsa` crate also accepts, and both check
/// the same thing (a signature exactly as long as the modulus, below it, whose PKCS#1 v1.5
/// encoding is exact), so whatever ring refuses goes to the `rsa` crate, which decides: the set
/// of accepted signatures is the `rsa` crate's, as before; only a failing check costs both.
fn verifies(key: &rsa::RsaPublicKey, message: &[u8], sig: &[u8]) -> Result<bool, ApiError> {
    use rsa::traits::PublicKeyParts;
    let components = ring::signature::RsaPublicKeyComponents {
        n: key.n().to_bytes_be(),
        e: key.e().to_bytes_be(),
    };
    if components
        .verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, message, sig)
        .is_ok()
    {
        return Ok(true);
    }
    let sig = Signature::try_from(sig).map_err(|_| fail("The signature has the wrong length."))?;
    Ok(VerifyingKey::<Sha256>::new(key.clone())
        .verify(message, &sig)
        .is_ok())
}

/// `body`, failing at its end unless its SHA-256 (base64) is `claimed`.
fn verify_while_streaming(body: Body, claimed: String) -> Body {
    use futures::StreamExt;
    let stream = body.into_data_stream();
    let checked =
        futures::stream::unfold(Some((stream, Sha256::new(), claimed)), |st| async move {
            let (mut stream, mut hasher, claimed) = st?;
            match stream.next().await {
                Some(Ok(chunk)) => {
                    hasher.update(&chunk);
                    Some((Ok(chunk), Some((stream, hasher, claimed))))
                }
                Some(Err(e)) => Some((Err(axum::BoxError::from(e)), None)),
                None if STANDARD.encode(hasher.finalize()) == claimed => None,
                None => Some((Err(axum::BoxError::from(BodyHashMismatch)), None)),
            }
        });
    Body::from_stream(checked)
}

/// A keyId as error messages may quote it: `ST$<token>` carries a session token, a bearer
/// credential that must never be echoed (clients print these messages); anything else is
/// quoted up to 200 characters.
fn shown_key_id(key_id: &str) -> String {
    if let Some(token) = key_id.strip_prefix("ST$") {
        return format!(
            "ST$<a session token of {} characters, not shown>",
            token.len()
        );
    }
    key_id.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_parameters_in_any_order() {
        let p = parse_authorization(
            r#"Signature version="1",headers="date (request-target) host",keyId="a/b/c",algorithm="rsa-sha256",signature="QUJD""#,
        )
        .unwrap();
        assert_eq!(p.key_id.as_deref(), Some("a/b/c"));
        assert_eq!(p.headers.as_deref(), Some("date (request-target) host"));
        assert_eq!(p.signature.as_deref(), Some("QUJD"));
        assert!(parse_authorization("Bearer x").is_err());
        assert!(parse_authorization(r#"Signature keyId=unquoted"#).is_err());
    }

    /// ring decides for 2048-bit keys, the `rsa` crate for what ring refuses (a 1024-bit key):
    /// both accept the signature and refuse a changed message or a changed signature.
    #[test]
    fn verification_accepts_exactly_valid_signatures_with_either_verifier() {
        use rsa::pkcs1v15::SigningKey;
        use rsa::signature::{SignatureEncoding, Signer};
        let mut rng = rand::thread_rng();
        for bits in [2048, 1024] {
            let private = rsa::RsaPrivateKey::new(&mut rng, bits).unwrap();
            let public = rsa::RsaPublicKey::from(&private);
            let sig = SigningKey::<Sha256>::new(private).sign(b"date: x").to_vec();
            assert!(verifies(&public, b"date: x", &sig).unwrap(), "{bits} bits");
            assert!(!verifies(&public, b"date: y", &sig).unwrap(), "{bits} bits");
            let mut flipped = sig.clone();
            flipped[10] ^= 1;
            assert!(
                !verifies(&public, b"date: x", &flipped).unwrap(),
                "{bits} bits"
            );
            // Too short (a leading byte dropped) is refused, as an error or a failed check.
            assert!(!verifies(&public, b"date: x", &sig[1..]).unwrap_or(false));
        }
    }
}
