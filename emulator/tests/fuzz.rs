//! Bounded fuzzing of the emulator's request front door: the `Authorization` header parser, the
//! signature verifier (signed-header lists, dates, signature values) and the JSON body
//! extractor. Whatever arrives, the answer is an OCI JSON error (or success when the request is
//! genuinely valid) with `opc-request-id`, never a panic, a 5xx or a hang.
//!
//! Each property runs `PROPTEST_CASES` cases (256 by default). For a long run:
//! `PROPTEST_CASES=1000000 timeout 10m cargo test -p oci-emulator --test fuzz --release`
//! (README, "Fuzzing").

mod common;

use axum::body::Body;
use axum::http::{HeaderValue, Request};
use common::{Env, HOST, Resp, signer};
use oci_emulator::clock::http_date;
use oci_emulator::extract::parse_json;
use proptest::prelude::*;
use std::sync::OnceLock;

/// One emulator and one runtime for all cases of a test binary (state creation is the slow part;
/// the properties below never change state except by creating buckets with unique names).
fn fixture() -> &'static (Env, tokio::runtime::Runtime) {
    static F: OnceLock<(Env, tokio::runtime::Runtime)> = OnceLock::new();
    F.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        (Env::new(), rt)
    })
}

fn send(req: Request<Body>) -> Resp {
    let (env, rt) = fixture();
    rt.block_on(env.send(req))
}

/// Every answer, whatever the request: JSON `{"code","message"}` or success, request id, no 5xx.
fn assert_oci_shaped(r: &Resp) -> Result<(), TestCaseError> {
    prop_assert!(r.header("opc-request-id").is_some());
    prop_assert!(
        r.status.as_u16() < 500,
        "{} {}",
        r.status,
        String::from_utf8_lossy(&r.body)
    );
    if !r.status.is_success() {
        prop_assert_eq!(r.header("content-type"), Some("application/json"));
        let j: serde_json::Value = serde_json::from_slice(&r.body)
            .map_err(|e| TestCaseError::fail(format!("error body is not JSON: {e}")))?;
        prop_assert!(j["code"].is_string() && j["message"].is_string(), "{}", j);
    }
    Ok(())
}

fn auth_param() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("keyId"),
        Just("algorithm"),
        Just("headers"),
        Just("signature"),
        Just("version"),
        Just("x"),
        Just(""),
    ];
    let value = prop_oneof![
        "[ -~]{0,20}",
        Just("rsa-sha256".to_owned()),
        Just("1".to_owned()),
        Just("date (request-target) host".to_owned()),
        Just("a/b/c".to_owned()),
    ];
    let quote = prop_oneof![Just("\""), Just(""), Just("'")];
    (key, quote, value, "[,; ]{0,2}").prop_map(|(k, q, v, sep)| format!("{k}={q}{v}{q}{sep}"))
}

fn authorization_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(auth_param(), 0..7).prop_map(|ps| format!(
            "Signature {}",
            ps.concat()
        )
        .into_bytes()),
        "[ -~]{0,60}".prop_map(String::into_bytes),
        // obs-text and tabs: legal in a header value, not ASCII text.
        prop::collection::vec(
            prop_oneof![Just(b'\t'), 0x20u8..=0x7e, 0x80u8..=0xff],
            0..60
        ),
    ]
}

/// Header names a signature may claim to cover.
fn signed_name() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("(request-target)"),
        Just("host"),
        Just("date"),
        Just("x-date"),
        Just("content-length"),
        Just("x-custom"),
        Just("DATE"),
    ]
}

proptest! {
    #[test]
    fn any_authorization_header_is_a_json_401(value in authorization_value()) {
        let Ok(value) = HeaderValue::from_bytes(&value) else {
            return Ok(());
        };
        let r = send(
            Request::get("/n")
                .header("host", HOST)
                .header("date", http_date(fixture().0.state.now()))
                .header("authorization", value)
                .body(Body::empty())
                .unwrap(),
        );
        assert_oci_shaped(&r)?;
        prop_assert_eq!(r.status.as_u16(), 401);
        prop_assert_eq!(r.code(), "NotAuthenticated");
    }

    /// A correct signature over any list of headers, with `date` / `x-date` at any skew: the
    /// verifier accepts exactly when the list covers (request-target), host and a date, every
    /// listed header is present, and every signed date is within five minutes.
    #[test]
    fn verifier_accepts_exactly_the_valid_signed_header_lists(
        names in prop::collection::vec(signed_name(), 0..7),
        date_skew in prop_oneof![Just(0i64), -400i64..400],
        x_date_skew in proptest::option::of(prop_oneof![Just(0i64), -400i64..400]),
        send_custom in any::<bool>(),
    ) {
        let (env, _) = fixture();
        let now = env.state.now();
        let date = http_date(now + time::Duration::seconds(date_skew));
        let x_date = x_date_skew.map(|s| http_date(now + time::Duration::seconds(s)));
        let lower: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
        let value_of = |h: &str| -> Option<String> {
            match h {
                "(request-target)" => Some("get /n".to_owned()),
                "host" => Some(HOST.to_owned()),
                "date" => Some(date.clone()),
                "x-date" => x_date.clone(),
                "x-custom" => send_custom.then(|| "v".to_owned()),
                _ => None,
            }
        };
        let lines: Vec<String> = lower
            .iter()
            .map(|h| format!("{h}: {}", value_of(h).unwrap_or_default()))
            .collect();
        let sig = signer::sign_string(&env.key, &lines.join("\n"));
        let auth = format!(
            r#"Signature version="1",keyId="{}",algorithm="rsa-sha256",headers="{}",signature="{sig}""#,
            env.key_id(),
            names.join(" "),
        );
        let mut b = Request::get("/n").header("host", HOST).header("date", &date).header("authorization", auth);
        if let Some(x) = &x_date {
            b = b.header("x-date", x);
        }
        if send_custom {
            b = b.header("x-custom", "v");
        }
        let r = send(b.body(Body::empty()).unwrap());
        assert_oci_shaped(&r)?;
        let has = |h: &str| lower.iter().any(|n| n == h);
        let fresh = |skew: i64| skew.abs() <= 300;
        let valid = !names.is_empty()
            && has("(request-target)")
            && has("host")
            && (has("date") || has("x-date"))
            && lower.iter().all(|h| value_of(h).is_some())
            && (!has("date") || fresh(date_skew))
            && (!has("x-date") || x_date_skew.is_some_and(fresh));
        prop_assert_eq!(r.status.as_u16(), if valid { 200 } else { 401 }, "{}", String::from_utf8_lossy(&r.body));
    }

    /// Garbage in the signature value with a real key: 401, whatever the bytes.
    #[test]
    fn any_signature_value_is_a_json_401(sig in "[A-Za-z0-9+/=]{0,400}") {
        let (env, _) = fixture();
        let auth = format!(
            r#"Signature version="1",keyId="{}",algorithm="rsa-sha256",headers="date (request-target) host",signature="{sig}""#,
            env.key_id()
        );
        let r = send(
            Request::get("/n")
                .header("host", HOST)
                .header("date", http_date(env.state.now()))
                .header("authorization", auth)
                .body(Body::empty())
                .unwrap(),
        );
        assert_oci_shaped(&r)?;
        prop_assert_eq!(r.status.as_u16(), 401);
    }

    #[test]
    fn json_extractor_survives_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = parse_json::<serde_json::Value>(&bytes);
        let _ = parse_json::<std::collections::BTreeMap<String, Vec<u32>>>(&bytes);
    }

    /// Signed CreateBucket with arbitrary bodies: JSON-shaped answers, never 5xx.
    #[test]
    fn create_bucket_with_arbitrary_bodies_is_answered_in_oci_shape(
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..120),
            "\\{\"name\": ?\"[a-z0-9._-]{0,8}\", ?\"compartmentId\": ?\"[a-z.0-9]{0,8}\".{0,10}"
                .prop_map(String::into_bytes),
        ],
    ) {
        let (env, _) = fixture();
        let r = send(env.signed("POST", &format!("/n/{}/b", env.ns()), body, &[]));
        assert_oci_shaped(&r)?;
    }
}

/// Path segments and query strings as a hostile client sends them: percent escapes of any
/// byte (invalid UTF-8 included), dots, slashes, unicode.
fn path_segment() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9._~-]{0,12}",
        prop::collection::vec(any::<u8>(), 0..6)
            .prop_map(|b| b.iter().map(|x| format!("%{x:02X}")).collect::<String>()),
        Just("..".to_owned()),
        Just("%2F..%2F".to_owned()),
        Just("%".to_owned()),
        Just("%G1".to_owned()),
        "[a-z]{1,4}%[0-9A-F]{2}[a-z]{0,4}",
    ]
}

fn query() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("compartmentId"),
        Just("limit"),
        Just("page"),
        Just("prefix"),
        Just("fields"),
        Just("uploadId"),
        Just("uploadPartNum"),
        Just("sortBy"),
        Just("x"),
    ];
    prop::collection::vec((key, path_segment()), 0..4).prop_map(|kv| {
        kv.into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    })
}

proptest! {
    /// The request extractors (paths, bucket/object paths, queries) of every service, fed
    /// arbitrary segments and queries on every method: an OCI-shaped answer, never a 5xx.
    #[test]
    fn any_path_and_query_is_answered_in_oci_shape(
        prefix in prop_oneof![
            Just("/n/{ns}"),
            Just("/n/{ns}/b"),
            Just("/n/{ns}/b/fuzz"),
            Just("/n/{ns}/b/fuzz/o"),
            Just("/n/{ns}/b/fuzz/u"),
            Just("/20160918/policies"),
            Just("/20160918/dynamicGroups"),
            Just("/20160918/compartments"),
            Just("/20200129/applications"),
            Just("/20200129/runs"),
            Just("/workRequests"),
            Just(""),
        ],
        segments in prop::collection::vec(path_segment(), 0..3),
        q in query(),
        method in prop_oneof![Just("GET"), Just("HEAD"), Just("DELETE"), Just("POST"), Just("PUT")],
    ) {
        let (env, rt) = fixture();
        rt.block_on(async {
            static BUCKET: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
            BUCKET.get_or_init(|| async { env.create_bucket("fuzz").await; }).await;
        });
        let mut target = prefix.replace("{ns}", &env.ns());
        for s in &segments {
            target.push('/');
            target.push_str(s);
        }
        if !q.is_empty() {
            target.push('?');
            target.push_str(&q);
        }
        if target.parse::<axum::http::Uri>().is_err() {
            return Ok(());
        }
        let body = if matches!(method, "POST" | "PUT") { b"{}".to_vec() } else { Vec::new() };
        let r = send(env.signed(method, &target, body, &[]));
        if method == "HEAD" {
            prop_assert!(r.status.as_u16() < 500, "{target}: {}", r.status);
            prop_assert!(r.header("opc-request-id").is_some());
        } else {
            assert_oci_shaped(&r).map_err(|e| TestCaseError::fail(format!("{method} {target}: {e}")))?;
        }
    }
}

/// JSON documents of any shape whose keys are the real field names: the create and update
/// bodies' deserializers and validators see well-formed JSON of wrong types and values.
fn json_body() -> impl Strategy<Value = String> {
    use serde_json::Value as J;
    let key = prop_oneof![
        Just("name"),
        Just("compartmentId"),
        Just("description"),
        Just("statements"),
        Just("matchingRule"),
        Just("displayName"),
        Just("language"),
        Just("sparkVersion"),
        Just("driverShape"),
        Just("executorShape"),
        Just("numExecutors"),
        Just("fileUri"),
        Just("arguments"),
        Just("parameters"),
        Just("applicationId"),
        Just("configuration"),
        Just("driverShapeConfig"),
        Just("freeformTags"),
        Just("definedTags"),
        Just("metadata"),
        Just("versioning"),
        Just("object"),
        Just("partsToCommit"),
        Just("sourceName"),
        Just("newName"),
        Just("timeAmount"),
        Just("duration"),
    ];
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        any::<i64>().prop_map(J::from),
        any::<f64>().prop_map(J::from),
        ".{0,8}".prop_map(J::String),
        Just(J::from("ocid1.tenancy.oc1..x")),
        Just(J::from("oci://b@ns/p")),
        Just(J::from("Allow group g to read buckets in tenancy")),
    ];
    let value = leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(J::Array),
            prop::collection::btree_map("[a-zA-Z]{1,8}", inner, 0..4)
                .prop_map(|m| J::Object(m.into_iter().collect())),
        ]
    });
    prop::collection::btree_map(key, value, 0..6).prop_map(|m| {
        J::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()).to_string()
    })
}

proptest! {
    /// Every JSON-bodied create and update, fed arbitrary documents: OCI-shaped answers, never
    /// a 5xx.
    #[test]
    fn any_json_body_on_any_create_or_update_is_answered_in_oci_shape(
        target in prop_oneof![
            Just(("POST", "/n/{ns}/b")),
            Just(("POST", "/n/{ns}/b/fuzzj/u")),
            Just(("POST", "/n/{ns}/b/fuzzj/actions/renameObject")),
            Just(("POST", "/n/{ns}/b/fuzzj/actions/copyObject")),
            Just(("POST", "/n/{ns}/b/fuzzj/retentionRules")),
            Just(("POST", "/n/{ns}/b/fuzzj")),
            Just(("POST", "/20160918/policies")),
            Just(("POST", "/20160918/dynamicGroups")),
            Just(("POST", "/20160918/compartments")),
            Just(("POST", "/20200129/applications")),
            Just(("POST", "/20200129/runs")),
        ],
        body in json_body(),
    ) {
        let (env, rt) = fixture();
        rt.block_on(async {
            static BUCKET: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
            BUCKET.get_or_init(|| async { env.create_bucket("fuzzj").await; }).await;
        });
        let (method, path) = target;
        let path = path.replace("{ns}", &env.ns());
        let r = send(env.signed(method, &path, body.clone().into_bytes(), &[]));
        assert_oci_shaped(&r).map_err(|e| TestCaseError::fail(format!("{method} {path} {body}: {e}")))?;
    }
}
