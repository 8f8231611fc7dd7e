//! Signature verification: every way a request can fail authentication gets 401
//! `NotAuthenticated` with OCI's JSON body, and the legitimate variants (x-date, any parameter
//! order, unsigned PutObject bodies, extra signed headers) are accepted.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::{Env, HOST, other_key, signer};
use oci_emulator::clock::http_date;
use rsa::pkcs8::{EncodePublicKey, LineEnding};

fn assert_401(r: &common::Resp) {
    assert_eq!(
        r.status.as_u16(),
        401,
        "body: {}",
        String::from_utf8_lossy(&r.body)
    );
    let j = r.json();
    assert_eq!(j["code"], "NotAuthenticated");
    assert!(
        j["message"]
            .as_str()
            .unwrap()
            .starts_with("The required information to complete authentication was not provided"),
        "{j}"
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(r.header("opc-request-id").is_some());
}

#[tokio::test]
async fn a_correctly_signed_request_is_accepted() {
    let env = Env::new();
    env.call("GET", "/n", "").await.expect(200);
}

#[tokio::test]
async fn missing_or_malformed_authorization_is_rejected() {
    let env = Env::new();
    let r = env
        .send(
            Request::get("/n")
                .header("host", HOST)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_401(&r);
    let r = env
        .send(
            Request::get("/n")
                .header("host", HOST)
                .header("authorization", "Bearer abc")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_401(&r);
}

#[tokio::test]
async fn a_tampered_signature_is_rejected() {
    let env = Env::new();
    let mut req = env.signed("GET", "/n", vec![], &[]);
    let auth = req.headers()["authorization"].to_str().unwrap().to_owned();
    // Flip one base64 character inside the signature value.
    let i = auth.find("signature=\"").unwrap() + 20;
    let mut bytes = auth.into_bytes();
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    req.headers_mut().insert(
        "authorization",
        String::from_utf8(bytes).unwrap().parse().unwrap(),
    );
    assert_401(&env.send(req).await);
}

#[tokio::test]
async fn a_request_signed_with_a_different_key_is_rejected() {
    let env = Env::new();
    // Our keyId, someone else's key.
    let req = env.signed_with(
        (&env.key_id(), &other_key()),
        "GET",
        "/n",
        vec![],
        true,
        &[],
    );
    assert_401(&env.send(req).await);
    // An unknown keyId.
    let unknown = format!(
        "{}/{}/00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff",
        env.tenancy(),
        env.state.identity().user_id
    );
    let req = env.signed_with((&unknown, &other_key()), "GET", "/n", vec![], true, &[]);
    assert_401(&env.send(req).await);
    // Security tokens are not issued by the emulator, so an ST$ keyId never verifies.
    let req = env.signed_with(("ST$sometoken", &env.key), "GET", "/n", vec![], true, &[]);
    assert_401(&env.send(req).await);
}

/// A session token is a bearer credential and clients print error messages: the 401 for an
/// `ST$<token>` keyId says what it was, never the token.
#[tokio::test]
async fn a_session_token_key_id_is_never_echoed() {
    let env = Env::new();
    let token = "eyJhbGciOi.secret-session-token-body.sig";
    let key_id = format!("ST${token}");
    let req = env.signed_with((&key_id, &env.key), "GET", "/n", vec![], true, &[]);
    let r = env.send(req).await;
    assert_401(&r);
    let body = String::from_utf8_lossy(&r.body).into_owned();
    assert!(!body.contains(token), "{body}");
    assert!(body.contains("a session token of 40 characters"), "{body}");
}

#[tokio::test]
async fn a_registered_second_key_is_accepted() {
    let env = Env::new();
    let key = other_key();
    let pem = rsa::RsaPublicKey::from(&key)
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    let user = env.state.new_ocid("user");
    let fp = env.state.register_key(&env.tenancy(), &user, &pem).unwrap();
    let key_id = format!("{}/{user}/{fp}", env.tenancy());
    let req = env.signed_with((&key_id, &key), "GET", "/n", vec![], true, &[]);
    env.send(req).await.expect(200);
}

#[tokio::test]
async fn clock_skew_over_five_minutes_is_rejected() {
    let env = Env::new();
    // Signed now; the server clock then moves 4 minutes (fine) and 6 minutes (too far).
    let ok = env.signed("GET", "/n", vec![], &[]);
    let late = env.signed("GET", "/n", vec![], &[]);
    env.clock.advance(time::Duration::minutes(4));
    env.send(ok).await.expect(200);
    env.clock.advance(time::Duration::minutes(2));
    let r = env.send(late).await;
    assert_401(&r);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("away from the server clock")
    );
    // A date in the future is skew too.
    let future = env.signed("GET", "/n", vec![], &[]);
    env.clock.advance(time::Duration::minutes(-6));
    assert_401(&env.send(future).await);
}

#[tokio::test]
async fn a_body_that_does_not_match_x_content_sha256_is_rejected() {
    let env = Env::new();
    let path = format!("/n/{}/b", env.ns());
    let good = serde_json::json!({"name": "b", "compartmentId": env.tenancy()}).to_string();
    let req = env.signed("POST", &path, good.clone().into_bytes(), &[]);
    let (parts, _) = req.into_parts();
    let evil = serde_json::json!({"name": "c", "compartmentId": env.tenancy()}).to_string();
    let mut parts = parts;
    parts
        .headers
        .insert("content-length", evil.len().to_string().parse().unwrap());
    let r = env.send(Request::from_parts(parts, Body::from(evil))).await;
    assert_401(&r);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("x-content-sha256")
    );
    // Nothing was created.
    env.call("GET", &format!("{path}/c"), "")
        .await
        .expect_error(404, "BucketNotFound");
}

#[tokio::test]
async fn a_post_without_body_headers_signed_is_rejected() {
    let env = Env::new();
    let path = format!("/n/{}/b", env.ns());
    let body = serde_json::json!({"name": "b", "compartmentId": env.tenancy()}).to_string();
    // Signed like a GET (no content headers): PUT/POST must sign the body.
    let req = env.signed_with(
        (&env.key_id(), &env.key),
        "POST",
        &path,
        body.into_bytes(),
        false,
        &[("content-type", "application/json")],
    );
    let r = env.send(req).await;
    assert_401(&r);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("content-length")
    );
}

#[tokio::test]
async fn put_object_and_upload_part_bodies_are_not_signed() {
    let env = Env::new();
    env.create_bucket("pb").await;
    // Only date (request-target) host signed, as the SDKs do for PutObject.
    let req = env.signed_with(
        (&env.key_id(), &env.key),
        "PUT",
        &format!("/n/{}/b/pb/o/x", env.ns()),
        b"data".to_vec(),
        false,
        &[],
    );
    env.send(req).await.expect(200);
}

#[tokio::test]
async fn the_signature_covers_the_raw_request_target_and_host() {
    let env = Env::new();
    env.create_bucket("rt").await;
    env.put_object("rt", "a%2Fb", b"1").await;
    // Signed for one path, sent to another.
    let mut req = env.signed("GET", &format!("/n/{}/b/rt/o/a%2Fb", env.ns()), vec![], &[]);
    *req.uri_mut() = format!("/n/{}/b/rt/o/a/b", env.ns()).parse().unwrap();
    assert_401(&env.send(req).await);
    // Signed for one host:port, sent with another.
    let mut req = env.signed("GET", "/n", vec![], &[]);
    req.headers_mut()
        .insert("host", "emulator.test:9999".parse().unwrap());
    assert_401(&env.send(req).await);
    // Query strings are part of the target.
    let mut req = env.signed(
        "GET",
        &format!("/n/{}/b/rt/o?prefix=a", env.ns()),
        vec![],
        &[],
    );
    *req.uri_mut() = format!("/n/{}/b/rt/o?prefix=b", env.ns()).parse().unwrap();
    assert_401(&env.send(req).await);
}

#[tokio::test]
async fn x_date_and_python_parameter_order_are_accepted() {
    let env = Env::new();
    let date = http_date(env.state.now());
    let s = format!("x-date: {date}\n(request-target): get /n\nhost: {HOST}");
    let sig = signer::sign_string(&env.key, &s);
    let auth = format!(
        r#"Signature algorithm="rsa-sha256",headers="x-date (request-target) host",keyId="{}",signature="{sig}",version="1""#,
        env.key_id()
    );
    let req = Request::get("/n")
        .header("host", HOST)
        .header("x-date", &date)
        .header("authorization", auth)
        .body(Body::empty())
        .unwrap();
    env.send(req).await.expect(200);
}

/// Both date headers signed: each is checked for skew (a stale `x-date` was accepted next to a
/// fresh `date`, although OCI lets `x-date` override `date`).
#[tokio::test]
async fn a_skewed_signed_x_date_is_rejected_even_with_a_fresh_date() {
    let env = Env::new();
    let now = env.state.now();
    let fresh = http_date(now);
    let stale = http_date(now - time::Duration::minutes(10));
    for (date, x_date) in [(&fresh, &stale), (&stale, &fresh)] {
        let s = format!("date: {date}\nx-date: {x_date}\n(request-target): get /n\nhost: {HOST}");
        let sig = signer::sign_string(&env.key, &s);
        let auth = format!(
            r#"Signature version="1",headers="date x-date (request-target) host",keyId="{}",algorithm="rsa-sha256",signature="{sig}""#,
            env.key_id()
        );
        let req = Request::get("/n")
            .header("host", HOST)
            .header("date", date)
            .header("x-date", x_date)
            .header("authorization", auth)
            .body(Body::empty())
            .unwrap();
        let r = env.send(req).await;
        assert_401(&r);
        assert!(
            r.json()["message"]
                .as_str()
                .unwrap()
                .contains("away from the server clock")
        );
    }
}

#[tokio::test]
async fn wrong_algorithm_or_version_is_rejected() {
    let env = Env::new();
    for (from, to) in [
        (r#"algorithm="rsa-sha256""#, r#"algorithm="hmac-sha256""#),
        (r#"version="1""#, r#"version="2""#),
    ] {
        let mut req = env.signed("GET", "/n", vec![], &[]);
        let auth = req.headers()["authorization"]
            .to_str()
            .unwrap()
            .replace(from, to);
        req.headers_mut()
            .insert("authorization", auth.parse().unwrap());
        assert_401(&env.send(req).await);
    }
}

#[tokio::test]
async fn insecure_no_auth_accepts_unsigned_requests() {
    let env = Env::with_options(|o| o.insecure_no_auth = true);
    let r = env
        .send(
            Request::get("/n")
                .header("host", HOST)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .expect(200);
    assert_eq!(r.json(), serde_json::json!(env.ns()));
}

#[tokio::test]
async fn failed_authentication_is_logged_and_changes_nothing() {
    let env = Env::new();
    let path = format!("/n/{}/b", env.ns());
    let body = serde_json::json!({"name": "nolog", "compartmentId": env.tenancy()}).to_string();
    let req = env.signed_with(
        (&env.key_id(), &other_key()),
        "POST",
        &path,
        body.into_bytes(),
        true,
        &[],
    );
    assert_401(&env.send(req).await);
    let log = env
        .control("GET", "/_emulator/requests", "")
        .await
        .expect(200)
        .json();
    assert_eq!(log[0]["operation"], "CreateBucket");
    assert_eq!(log[0]["status"], 401);
    let dump = env
        .control("GET", "/_emulator/dump", "")
        .await
        .expect(200)
        .json();
    assert_eq!(dump["buckets"], serde_json::json!([]));
}

/// A PutObject that (unusually) signs its body hash is checked while the body streams to disk,
/// never buffered: the right hash stores the object, a wrong one is a JSON 401 and stores
/// nothing.
#[tokio::test]
async fn a_signed_object_body_hash_is_checked_as_it_streams() {
    let env = Env::new();
    env.create_bucket("h").await;
    let target = format!("/n/{}/b/h/o/signed", env.ns());
    let good = env.signed_with(
        (&env.key_id(), &env.key),
        "PUT",
        &target,
        b"exact body".to_vec(),
        true,
        &[],
    );
    env.send(good).await.expect(200);
    // Signed for one body, sent with another of the same length.
    let mut bad = env.signed_with(
        (&env.key_id(), &env.key),
        "PUT",
        &format!("/n/{}/b/h/o/tampered", env.ns()),
        b"exact body".to_vec(),
        true,
        &[],
    );
    *bad.body_mut() = Body::from(b"EXACT BODY".to_vec());
    let r = env.send(bad).await;
    assert_401(&r);
    let got = env.call("GET", &target, "").await.expect(200);
    assert_eq!(got.body, b"exact body");
    env.call("GET", &format!("/n/{}/b/h/o/tampered", env.ns()), "")
        .await
        .expect_error(404, "ObjectNotFound");
    let bodies = common::stored_bodies(env.state.data_dir());
    assert_eq!(bodies, 1, "the tampered body was not kept");
}
