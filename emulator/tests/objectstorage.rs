//! Object Storage handlers through `app().oneshot`: happy paths and every error path, with
//! signed requests (auth is on, as in production).

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use common::{Env, enc};
use md5::{Digest, Md5};
use serde_json::json;

#[tokio::test]
async fn get_namespace_returns_a_json_string_and_metadata() {
    let env = Env::new();
    let r = env.call("GET", "/n", "").await.expect(200);
    assert_eq!(r.json(), json!(env.ns()));
    assert_eq!(
        String::from_utf8(r.body.clone()).unwrap(),
        format!("\"{}\"", env.ns())
    );
    let r = env
        .call("GET", &format!("/n?compartmentId={}", env.tenancy()), "")
        .await
        .expect(200);
    assert_eq!(r.json(), json!(env.ns()));
    let m = env
        .call("GET", &format!("/n/{}", env.ns()), "")
        .await
        .expect(200)
        .json();
    assert_eq!(m["defaultS3CompartmentId"], json!(env.tenancy()));
    env.call("GET", "/n/not-our-namespace", "")
        .await
        .expect_error(404, "NamespaceNotFound");
}

#[tokio::test]
async fn create_bucket_returns_the_bucket_with_etag_and_defaults() {
    let env = Env::new();
    let r = env
        .call(
            "POST",
            &format!("/n/{}/b", env.ns()),
            &json!({"name": "b1", "compartmentId": env.tenancy()}).to_string(),
        )
        .await
        .expect(200);
    let b = r.json();
    assert_eq!(r.header("etag"), b["etag"].as_str());
    assert!(
        r.header("location")
            .unwrap()
            .ends_with(&format!("/n/{}/b/b1", env.ns()))
    );
    assert_eq!(b["name"], "b1");
    assert_eq!(b["namespace"], json!(env.ns()));
    assert_eq!(b["publicAccessType"], "NoPublicAccess");
    assert_eq!(b["storageTier"], "Standard");
    assert_eq!(b["versioning"], "Disabled");
    assert_eq!(b["autoTiering"], "Disabled");
    assert_eq!(b["objectEventsEnabled"], false);
    assert_eq!(b["createdBy"], json!(env.state.identity().user_id));
    assert!(
        b["id"]
            .as_str()
            .unwrap()
            .starts_with("ocid1.bucket.oc1.iad.")
    );
    assert!(
        b.as_object().unwrap().contains_key("kmsKeyId"),
        "null optionals are sent as null"
    );
    assert!(b["kmsKeyId"].is_null());
}

#[tokio::test]
async fn create_bucket_error_paths() {
    let env = Env::new();
    let ns = env.ns();
    let t = env.tenancy();
    let path = format!("/n/{ns}/b");
    env.create_bucket("dup").await;
    env.call(
        "POST",
        &path,
        &json!({"name": "dup", "compartmentId": t}).to_string(),
    )
    .await
    .expect_error(409, "BucketAlreadyExists");
    // Names are case-sensitive: a different case is a different bucket.
    env.create_bucket("DUP").await;
    let r = env
        .call(
            "POST",
            &path,
            &json!({"name": "bad name!", "compartmentId": t}).to_string(),
        )
        .await
        .expect_error(400, "InvalidParameter");
    assert!(r.json()["message"].as_str().unwrap().contains("name"));
    let r = env
        .call("POST", &path, &json!({"compartmentId": t}).to_string())
        .await
        .expect_error(400, "InvalidParameter");
    assert!(
        r.json()["message"].as_str().unwrap().contains("name"),
        "the message names the missing field"
    );
    env.call("POST", &path, "{not json")
        .await
        .expect_error(400, "CannotParseRequest");
    env.call(
        "POST",
        &path,
        &json!({"name": "x", "compartmentId": t, "publicAccessType": "Open"}).to_string(),
    )
    .await
    .expect_error(400, "InvalidParameter");
    env.call(
        "POST",
        &path,
        &json!({"name": "x", "compartmentId": t, "versioning": "Suspended"}).to_string(),
    )
    .await
    .expect_error(400, "InvalidParameter");
    env.call(
        "POST",
        &path,
        &json!({"name": "x", "compartmentId": "ocid1.compartment.oc1..nope"}).to_string(),
    )
    .await
    .expect_error(404, "NotAuthorizedOrNotFound");
    env.call(
        "POST",
        "/n/wrongns/b",
        &json!({"name": "x", "compartmentId": t}).to_string(),
    )
    .await
    .expect_error(404, "NamespaceNotFound");
}

#[tokio::test]
async fn create_bucket_retry_token_replays_and_rejects_a_different_body() {
    let env = Env::new();
    let path = format!("/n/{}/b", env.ns());
    let body = json!({"name": "rt", "compartmentId": env.tenancy()}).to_string();
    let first = env
        .call_h(
            "POST",
            &path,
            body.as_bytes(),
            &[("opc-retry-token", "tok-1")],
        )
        .await
        .expect(200);
    let again = env
        .call_h(
            "POST",
            &path,
            body.as_bytes(),
            &[("opc-retry-token", "tok-1")],
        )
        .await
        .expect(200);
    assert_eq!(
        first.json(),
        again.json(),
        "same token + same body → same resource"
    );
    let other = json!({"name": "rt2", "compartmentId": env.tenancy()}).to_string();
    env.call_h(
        "POST",
        &path,
        other.as_bytes(),
        &[("opc-retry-token", "tok-1")],
    )
    .await
    .expect_error(409, "InvalidatedRetryToken");
    // Without a token a repeated create is a conflict, as on OCI.
    env.call("POST", &path, &body)
        .await
        .expect_error(409, "BucketAlreadyExists");
    // After delete, the token can no longer be honoured.
    env.call("DELETE", &format!("{path}/rt"), "")
        .await
        .expect(204);
    env.call_h(
        "POST",
        &path,
        body.as_bytes(),
        &[("opc-retry-token", "tok-1")],
    )
    .await
    .expect_error(409, "InvalidatedRetryToken");
}

#[tokio::test]
async fn get_head_bucket_and_conditional_requests() {
    let env = Env::new();
    let b = env.create_bucket("gb").await;
    let etag = b["etag"].as_str().unwrap().to_owned();
    let path = format!("/n/{}/b/gb", env.ns());
    let r = env
        .call(
            "GET",
            &format!("{path}?fields=approximateCount,approximateSize,autoTiering"),
            "",
        )
        .await
        .expect(200);
    assert_eq!(r.header("etag"), Some(etag.as_str()));
    assert_eq!(r.json()["approximateCount"], 0);
    assert_eq!(r.json()["approximateSize"], 0);
    env.put_object("gb", "a", b"12345").await;
    let r = env
        .call(
            "GET",
            &format!("{path}?fields=approximateCount,approximateSize"),
            "",
        )
        .await
        .expect(200);
    assert_eq!(
        (
            r.json()["approximateCount"].clone(),
            r.json()["approximateSize"].clone()
        ),
        (json!(1), json!(5))
    );
    let plain = env.call("GET", &path, "").await.expect(200).json();
    assert!(
        plain["approximateCount"].is_null(),
        "counts only when asked for"
    );
    let r = env
        .call_h("GET", &path, b"", &[("if-none-match", &etag)])
        .await
        .expect(304);
    assert!(r.body.is_empty());
    let r = env
        .call_h("GET", &path, b"", &[("if-match", "stale")])
        .await
        .expect_error(412, "IfMatchFailed");
    assert!(r.json()["message"].as_str().unwrap().contains(&etag));
    let h = env.call("HEAD", &path, "").await.expect(200);
    assert_eq!(h.header("etag"), Some(etag.as_str()));
    assert!(h.body.is_empty());
    let h = env
        .call("HEAD", &format!("/n/{}/b/missing", env.ns()), "")
        .await
        .expect(404);
    assert!(h.body.is_empty(), "HEAD errors have no body");
    env.call("GET", &format!("/n/{}/b/missing", env.ns()), "")
        .await
        .expect_error(404, "BucketNotFound");
}

#[tokio::test]
async fn list_buckets_filters_by_compartment_and_pages() {
    let env = Env::new();
    for n in ["c", "a", "b", "d", "e"] {
        env.create_bucket(n).await;
    }
    let other = env
        .control("POST", "/_emulator/compartments", r#"{"name":"other"}"#)
        .await
        .expect(200)
        .json();
    let oid = other["id"].as_str().unwrap();
    env.call(
        "POST",
        &format!("/n/{}/b", env.ns()),
        &json!({"name": "z", "compartmentId": oid}).to_string(),
    )
    .await
    .expect(200);
    let base = format!("/n/{}/b?compartmentId={}", env.ns(), env.tenancy());
    let mut names = Vec::new();
    let mut url = format!("{base}&limit=2");
    let mut pages = 0;
    loop {
        let r = env.call("GET", &url, "").await.expect(200);
        pages += 1;
        for b in r.json().as_array().unwrap() {
            names.push(b["name"].as_str().unwrap().to_owned());
            assert!(b["freeformTags"].is_null(), "tags only with fields=tags");
        }
        match r.header("opc-next-page") {
            Some(p) => url = format!("{base}&limit=2&page={}", enc(p)),
            None => break,
        }
    }
    assert_eq!(names, ["a", "b", "c", "d", "e"]);
    assert_eq!(pages, 3);
    let tagged = env
        .call("GET", &format!("{base}&fields=tags"), "")
        .await
        .expect(200)
        .json();
    assert_eq!(tagged[0]["freeformTags"], json!({}));
    let only_other = env
        .call("GET", &format!("/n/{}/b?compartmentId={oid}", env.ns()), "")
        .await
        .expect(200)
        .json();
    assert_eq!(only_other.as_array().unwrap().len(), 1);
    env.call("GET", &format!("/n/{}/b", env.ns()), "")
        .await
        .expect_error(400, "MissingParameter");
    env.call("GET", &format!("{base}&limit=0"), "")
        .await
        .expect_error(400, "InvalidParameter");
    env.call("GET", &format!("{base}&page=bogus"), "")
        .await
        .expect_error(400, "InvalidParameter");
}

#[tokio::test]
async fn update_bucket_changes_fields_moves_compartment_and_clears_kms_key() {
    let env = Env::new();
    let b = env.create_bucket("ub").await;
    let path = format!("/n/{}/b/ub", env.ns());
    let other = env
        .control("POST", "/_emulator/compartments", r#"{"name":"moved"}"#)
        .await
        .expect(200)
        .json();
    let oid = other["id"].as_str().unwrap();
    let upd = json!({
        "compartmentId": oid, "kmsKeyId": "ocid1.key.oc1..k", "versioning": "Enabled",
        "objectEventsEnabled": true, "autoTiering": "InfrequentAccess", "publicAccessType": "ObjectRead",
        "freeformTags": {"a": "1"}, "definedTags": {"ns": {"k": "v"}}, "metadata": {"m": "x"}
    });
    let r = env
        .call_h(
            "POST",
            &path,
            upd.to_string().as_bytes(),
            &[("if-match", b["etag"].as_str().unwrap())],
        )
        .await
        .expect(200);
    let u = r.json();
    assert_ne!(u["etag"], b["etag"], "an update changes the etag");
    assert_eq!(r.header("etag"), u["etag"].as_str());
    assert_eq!(u["compartmentId"], json!(oid));
    assert_eq!(u["kmsKeyId"], "ocid1.key.oc1..k");
    assert_eq!(u["versioning"], "Enabled");
    assert_eq!(u["objectEventsEnabled"], true);
    assert_eq!(u["autoTiering"], "InfrequentAccess");
    assert_eq!(u["publicAccessType"], "ObjectRead");
    assert_eq!(u["freeformTags"], json!({"a": "1"}));
    assert_eq!(u["definedTags"], json!({"ns": {"k": "v"}}));
    assert_eq!(u["metadata"], json!({"m": "x"}));
    assert_eq!(u["timeCreated"], b["timeCreated"]);
    // The GET sees the same state (it was committed).
    assert_eq!(env.call("GET", &path, "").await.expect(200).json(), u);
    // kmsKeyId "" removes the key; absent fields stay.
    let r = env
        .call("POST", &path, r#"{"kmsKeyId": ""}"#)
        .await
        .expect(200)
        .json();
    assert!(r["kmsKeyId"].is_null());
    assert_eq!(r["versioning"], "Enabled");
    let r = env
        .call("POST", &path, r#"{"versioning": "Suspended"}"#)
        .await
        .expect(200)
        .json();
    assert_eq!(r["versioning"], "Suspended");
    // Error paths.
    env.call("POST", &path, r#"{"versioning": "Disabled"}"#)
        .await
        .expect_error(400, "InvalidParameter");
    env.call_h("POST", &path, b"{}", &[("if-match", "nope")])
        .await
        .expect_error(412, "IfMatchFailed");
    env.call(
        "POST",
        &path,
        r#"{"compartmentId": "ocid1.compartment.oc1..missing"}"#,
    )
    .await
    .expect_error(404, "NotAuthorizedOrNotFound");
    env.call("POST", &format!("/n/{}/b/none", env.ns()), "{}")
        .await
        .expect_error(404, "BucketNotFound");
    env.call("POST", &path, r#"{"namespace": "other"}"#)
        .await
        .expect_error(400, "InvalidParameter");
}

#[tokio::test]
async fn rename_bucket_via_update_keeps_its_objects() {
    let env = Env::new();
    env.create_bucket("old").await;
    env.create_bucket("taken").await;
    env.put_object("old", "o1", b"x").await;
    let ns = env.ns();
    env.call("POST", &format!("/n/{ns}/b/old"), r#"{"name": "taken"}"#)
        .await
        .expect_error(409, "BucketAlreadyExists");
    env.call("POST", &format!("/n/{ns}/b/old"), r#"{"name": "new"}"#)
        .await
        .expect(200);
    env.call("GET", &format!("/n/{ns}/b/old"), "")
        .await
        .expect_error(404, "BucketNotFound");
    let got = env
        .call("GET", &format!("/n/{ns}/b/new/o/o1"), "")
        .await
        .expect(200);
    assert_eq!(got.body, b"x");
}

#[tokio::test]
async fn delete_bucket_requires_empty_and_matching_etag() {
    let env = Env::new();
    let b = env.create_bucket("db").await;
    let path = format!("/n/{}/b/db", env.ns());
    env.put_object("db", "x", b"1").await;
    let r = env
        .call("DELETE", &path, "")
        .await
        .expect_error(409, "BucketNotEmpty");
    assert_eq!(
        r.json()["message"],
        "Bucket named 'db' is not empty. Delete all object versions first."
    );
    env.call("DELETE", &format!("/n/{}/b/db/o/x", env.ns()), "")
        .await
        .expect(204);
    env.call_h("DELETE", &path, b"", &[("if-match", "wrong")])
        .await
        .expect_error(412, "IfMatchFailed");
    env.call_h(
        "DELETE",
        &path,
        b"",
        &[("if-match", b["etag"].as_str().unwrap())],
    )
    .await
    .expect(204);
    env.call("DELETE", &path, "")
        .await
        .expect_error(404, "BucketNotFound");
}

#[tokio::test]
async fn delete_bucket_with_an_open_multipart_upload_is_not_empty() {
    let env = Env::new();
    env.create_bucket("mpb").await;
    env.call(
        "POST",
        &format!("/n/{}/b/mpb/u", env.ns()),
        r#"{"object": "big"}"#,
    )
    .await
    .expect(200);
    env.call("DELETE", &format!("/n/{}/b/mpb", env.ns()), "")
        .await
        .expect_error(409, "BucketNotEmpty");
}

#[tokio::test]
async fn put_get_head_object_round_trip_with_headers_and_metadata() {
    let env = Env::new();
    env.create_bucket("ob").await;
    let body: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let md5 = B64.encode(Md5::digest(&body));
    let name = "dir/hello world.txt";
    let path = format!("/n/{}/b/ob/o/{}", env.ns(), enc(name));
    let put = env
        .call_h(
            "PUT",
            &path,
            &body,
            &[
                ("content-type", "text/plain"),
                ("content-md5", &md5),
                ("opc-meta-owner", "alice"),
                ("content-language", "en"),
            ],
        )
        .await
        .expect(200);
    assert_eq!(put.header("opc-content-md5"), Some(md5.as_str()));
    let etag = put.header("etag").unwrap().to_owned();
    assert!(put.header("last-modified").is_some());
    assert!(put.body.is_empty());
    let get = env.call("GET", &path, "").await.expect(200);
    assert_eq!(get.body, body, "exact bytes back");
    assert_eq!(get.header("etag"), Some(etag.as_str()));
    assert_eq!(get.header("content-type"), Some("text/plain"));
    assert_eq!(get.header("content-md5"), Some(md5.as_str()));
    assert_eq!(get.header("content-length"), Some("70000"));
    assert_eq!(get.header("opc-meta-owner"), Some("alice"));
    assert_eq!(get.header("content-language"), Some("en"));
    let head = env.call("HEAD", &path, "").await.expect(200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("content-length"), Some("70000"));
    assert_eq!(head.header("etag"), Some(etag.as_str()));
    // The same name sent with literal slashes reaches the same object.
    let literal = env
        .call(
            "GET",
            &format!("/n/{}/b/ob/o/dir/hello%20world.txt", env.ns()),
            "",
        )
        .await
        .expect(200);
    assert_eq!(literal.body, body);
    // Overwrite replaces the content (no append, no duplicate listing).
    let put2 = env.put_object("ob", &enc(name), b"new").await;
    assert_ne!(put2.header("etag"), Some(etag.as_str()));
    assert_eq!(env.call("GET", &path, "").await.expect(200).body, b"new");
    let list = env
        .call("GET", &format!("/n/{}/b/ob/o", env.ns()), "")
        .await
        .expect(200)
        .json();
    assert_eq!(list["objects"].as_array().unwrap().len(), 1);
    // Default content type when none is sent.
    let req = env.signed(
        "PUT",
        &format!("/n/{}/b/ob/o/noct", env.ns()),
        b"z".to_vec(),
        &[],
    );
    let mut req = req;
    req.headers_mut().remove("content-type");
    env.send(req).await.expect(200);
    let g = env
        .call("GET", &format!("/n/{}/b/ob/o/noct", env.ns()), "")
        .await
        .expect(200);
    assert_eq!(g.header("content-type"), Some("application/octet-stream"));
}

#[tokio::test]
async fn object_error_paths() {
    let env = Env::new();
    env.create_bucket("eb").await;
    let ns = env.ns();
    let p = |o: &str| format!("/n/{ns}/b/eb/o/{o}");
    env.call("GET", &p("missing"), "")
        .await
        .expect_error(404, "ObjectNotFound");
    let h = env.call("HEAD", &p("missing"), "").await.expect(404);
    assert!(h.body.is_empty());
    env.call("DELETE", &p("missing"), "")
        .await
        .expect_error(404, "ObjectNotFound");
    env.call_h("PUT", &format!("/n/{ns}/b/nob/o/x"), b"1", &[])
        .await
        .expect_error(404, "BucketNotFound");
    env.call("GET", &format!("/n/{ns}/b/nob/o/x"), "")
        .await
        .expect_error(404, "BucketNotFound");
    // content-md5 mismatch: rejected and nothing stored.
    let wrong = B64.encode(Md5::digest(b"other"));
    env.call_h("PUT", &p("m"), b"data", &[("content-md5", &wrong)])
        .await
        .expect_error(400, "UnmatchedContentMD5");
    env.call("GET", &p("m"), "")
        .await
        .expect_error(404, "ObjectNotFound");
    env.call_h("PUT", &p("m"), b"data", &[("content-md5", "not-base64!")])
        .await
        .expect_error(400, "InvalidParameter");
    // if-none-match: * on an existing object; if-match mismatch; if-match on a missing object.
    let put = env.put_object("eb", "c", b"v1").await;
    let etag = put.header("etag").unwrap().to_owned();
    env.call_h("PUT", &p("c"), b"v2", &[("if-none-match", "*")])
        .await
        .expect_error(412, "IfNoneMatchFailed");
    env.call_h("PUT", &p("c"), b"v2", &[("if-match", "stale")])
        .await
        .expect_error(412, "IfMatchFailed");
    env.call_h("PUT", &p("nope"), b"v2", &[("if-match", &etag)])
        .await
        .expect_error(412, "IfMatchFailed");
    env.call_h("PUT", &p("c"), b"v2", &[("if-none-match", "some-etag")])
        .await
        .expect_error(400, "InvalidParameter");
    assert_eq!(
        env.call("GET", &p("c"), "").await.body,
        b"v1",
        "failed preconditions change nothing"
    );
    env.call_h("PUT", &p("c"), b"v2", &[("if-match", &etag)])
        .await
        .expect(200);
    env.call_h("PUT", &p("fresh"), b"n", &[("if-none-match", "*")])
        .await
        .expect(200);
    env.call_h("GET", &p("c"), b"", &[("if-match", "stale")])
        .await
        .expect_error(412, "IfMatchFailed");
    env.call_h("DELETE", &p("c"), b"", &[("if-match", "stale")])
        .await
        .expect_error(412, "IfMatchFailed");
    env.call_h("PUT", &p("t"), b"x", &[("storage-tier", "Cold")])
        .await
        .expect_error(400, "InvalidParameter");
}

#[tokio::test]
async fn get_object_ranges_and_not_modified() {
    let env = Env::new();
    env.create_bucket("rb").await;
    let put = env.put_object("rb", "r", b"0123456789").await;
    let etag = put.header("etag").unwrap().to_owned();
    let p = format!("/n/{}/b/rb/o/r", env.ns());
    let r = env
        .call_h("GET", &p, b"", &[("range", "bytes=2-4")])
        .await
        .expect(206);
    assert_eq!(r.body, b"234");
    assert_eq!(r.header("content-range"), Some("bytes 2-4/10"));
    assert_eq!(
        env.call_h("GET", &p, b"", &[("range", "bytes=7-")])
            .await
            .expect(206)
            .body,
        b"789"
    );
    assert_eq!(
        env.call_h("GET", &p, b"", &[("range", "bytes=-3")])
            .await
            .expect(206)
            .body,
        b"789"
    );
    env.call_h("GET", &p, b"", &[("range", "bytes=20-30")])
        .await
        .expect_error(416, "InvalidRange");
    env.call_h("GET", &p, b"", &[("if-none-match", &etag)])
        .await
        .expect(304);
}

#[tokio::test]
async fn list_objects_prefix_delimiter_fields_and_next_start_with() {
    let env = Env::new();
    env.create_bucket("lb").await;
    for n in ["a/1", "a/2", "a/b/3", "b", "c/x", "d"] {
        env.put_object("lb", &enc(n), n.as_bytes()).await;
    }
    let base = format!("/n/{}/b/lb/o", env.ns());
    let all = env.call("GET", &base, "").await.expect(200).json();
    let names: Vec<&str> = all["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a/1", "a/2", "a/b/3", "b", "c/x", "d"]);
    assert_eq!(
        all["objects"][0],
        json!({"name": "a/1"}),
        "only name without fields"
    );
    assert!(all.get("nextStartWith").is_none());
    assert!(all.get("prefixes").is_none());

    let d = env
        .call("GET", &format!("{base}?delimiter=%2F"), "")
        .await
        .expect(200)
        .json();
    assert_eq!(d["prefixes"], json!(["a/", "c/"]));
    let names: Vec<&str> = d["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["b", "d"]);

    let sub = env
        .call("GET", &format!("{base}?prefix=a%2F&delimiter=%2F"), "")
        .await
        .expect(200)
        .json();
    assert_eq!(sub["prefixes"], json!(["a/b/"]));
    assert_eq!(sub["objects"].as_array().unwrap().len(), 2);

    let f = env
        .call(
            "GET",
            &format!(
                "{base}?prefix=b&fields=name,size,etag,md5,timeCreated,timeModified,storageTier"
            ),
            "",
        )
        .await
        .expect(200)
        .json();
    let o = &f["objects"][0];
    assert_eq!(o["size"], 1);
    assert_eq!(o["md5"], json!(B64.encode(Md5::digest(b"b"))));
    assert_eq!(o["storageTier"], "Standard");
    assert!(o["etag"].is_string() && o["timeCreated"].is_string() && o["timeModified"].is_string());

    // Page with limit=2 and follow nextStartWith (start is inclusive).
    let mut got = Vec::new();
    let mut url = format!("{base}?limit=2");
    loop {
        let page = env.call("GET", &url, "").await.expect(200).json();
        for o in page["objects"].as_array().unwrap() {
            got.push(o["name"].as_str().unwrap().to_owned());
        }
        match page.get("nextStartWith").and_then(|v| v.as_str()) {
            Some(n) => url = format!("{base}?limit=2&start={}", enc(n)),
            None => break,
        }
    }
    assert_eq!(got, ["a/1", "a/2", "a/b/3", "b", "c/x", "d"]);

    let se = env
        .call("GET", &format!("{base}?start=b&end=d"), "")
        .await
        .expect(200)
        .json();
    assert_eq!(se["objects"].as_array().unwrap().len(), 2);
    let sa = env
        .call("GET", &format!("{base}?startAfter=c%2Fx"), "")
        .await
        .expect(200)
        .json();
    assert_eq!(sa["objects"], json!([{"name": "d"}]));
    env.call("GET", &format!("{base}?delimiter=%7C"), "")
        .await
        .expect_error(400, "InvalidParameter");
    env.call("GET", &format!("{base}?fields=color"), "")
        .await
        .expect_error(400, "InvalidParameter");
    env.call("GET", &format!("{base}?limit=0"), "")
        .await
        .expect_error(400, "InvalidParameter");
    env.call("GET", &format!("/n/{}/b/none/o", env.ns()), "")
        .await
        .expect_error(404, "BucketNotFound");
}

#[tokio::test]
async fn rename_object_moves_content_and_checks_preconditions() {
    let env = Env::new();
    env.create_bucket("mv").await;
    let put = env.put_object("mv", "src", b"payload").await;
    let etag = put.header("etag").unwrap().to_owned();
    env.put_object("mv", "exists", b"e").await;
    let path = format!("/n/{}/b/mv/actions/renameObject", env.ns());
    env.call("POST", &path, r#"{"sourceName":"nope","newName":"x"}"#)
        .await
        .expect_error(404, "ObjectNotFound");
    env.call(
        "POST",
        &path,
        r#"{"sourceName":"src","newName":"x","srcObjIfMatchETag":"bad"}"#,
    )
    .await
    .expect_error(412, "IfMatchFailed");
    env.call(
        "POST",
        &path,
        r#"{"sourceName":"src","newName":"exists","newObjIfNoneMatchETag":"*"}"#,
    )
    .await
    .expect_error(412, "IfNoneMatchFailed");
    env.call("POST", &path, r#"{"newName":"x"}"#)
        .await
        .expect_error(400, "InvalidParameter");
    let body =
        json!({"sourceName": "src", "newName": "dst", "srcObjIfMatchETag": etag}).to_string();
    env.call("POST", &path, &body).await.expect(200);
    env.call("GET", &format!("/n/{}/b/mv/o/src", env.ns()), "")
        .await
        .expect_error(404, "ObjectNotFound");
    assert_eq!(
        env.call("GET", &format!("/n/{}/b/mv/o/dst", env.ns()), "")
            .await
            .expect(200)
            .body,
        b"payload"
    );
}

#[tokio::test]
async fn multipart_upload_commit_produces_the_concatenation_and_multipart_md5() {
    let env = Env::new();
    env.create_bucket("mp").await;
    let ns = env.ns();
    let up = env
        .call(
            "POST",
            &format!("/n/{ns}/b/mp/u"),
            r#"{"object":"big.bin","contentType":"application/x-test","metadata":{"k":"v"}}"#,
        )
        .await
        .expect(200)
        .json();
    let id = up["uploadId"].as_str().unwrap().to_owned();
    assert_eq!(up["object"], "big.bin");
    let part = |n: u32| -> Vec<u8> { vec![n as u8; 1000 + n as usize] };
    let mut etags = Vec::new();
    for n in 1..=3u32 {
        let r = env
            .call_h(
                "PUT",
                &format!("/n/{ns}/b/mp/u/big.bin?uploadId={id}&uploadPartNum={n}"),
                &part(n),
                &[],
            )
            .await
            .expect(200);
        assert_eq!(
            r.header("opc-content-md5"),
            Some(B64.encode(Md5::digest(part(n))).as_str())
        );
        etags.push(r.header("etag").unwrap().to_owned());
    }
    let parts = env
        .call("GET", &format!("/n/{ns}/b/mp/u/big.bin?uploadId={id}"), "")
        .await
        .expect(200)
        .json();
    assert_eq!(parts.as_array().unwrap().len(), 3);
    assert_eq!(parts[1]["partNumber"], 2);
    assert_eq!(parts[1]["size"], 1002);
    let uploads = env
        .call("GET", &format!("/n/{ns}/b/mp/u"), "")
        .await
        .expect(200)
        .json();
    assert_eq!(uploads[0]["uploadId"], json!(id));
    // Error paths before the commit.
    env.call_h(
        "PUT",
        &format!("/n/{ns}/b/mp/u/big.bin?uploadId=nope&uploadPartNum=1"),
        b"x",
        &[],
    )
    .await
    .expect_error(404, "UploadNotFound");
    env.call_h(
        "PUT",
        &format!("/n/{ns}/b/mp/u/big.bin?uploadId={id}&uploadPartNum=0"),
        b"x",
        &[],
    )
    .await
    .expect_error(400, "InvalidParameter");
    env.call_h(
        "PUT",
        &format!("/n/{ns}/b/mp/u/big.bin?uploadId={id}"),
        b"x",
        &[],
    )
    .await
    .expect_error(400, "MissingParameter");
    let bad = json!({"partsToCommit": [{"partNum": 1, "etag": "wrong"}]}).to_string();
    env.call(
        "POST",
        &format!("/n/{ns}/b/mp/u/big.bin?uploadId={id}"),
        &bad,
    )
    .await
    .expect_error(400, "InvalidParameter");
    let missing = json!({"partsToCommit": [{"partNum": 9, "etag": etags[0]}]}).to_string();
    env.call(
        "POST",
        &format!("/n/{ns}/b/mp/u/big.bin?uploadId={id}"),
        &missing,
    )
    .await
    .expect_error(400, "InvalidParameter");

    let commit = json!({"partsToCommit": [
        {"partNum": 3, "etag": etags[2]}, {"partNum": 1, "etag": etags[0]}, {"partNum": 2, "etag": etags[1]}
    ]})
    .to_string();
    let r = env
        .call(
            "POST",
            &format!("/n/{ns}/b/mp/u/big.bin?uploadId={id}"),
            &commit,
        )
        .await
        .expect(200);
    let mut dd = Md5::new();
    for n in 1..=3 {
        dd.update(Md5::digest(part(n)));
    }
    let expected_md5 = format!("{}-3", B64.encode(dd.finalize()));
    assert_eq!(r.header("opc-multipart-md5"), Some(expected_md5.as_str()));
    let got = env
        .call("GET", &format!("/n/{ns}/b/mp/o/big.bin"), "")
        .await
        .expect(200);
    let expected: Vec<u8> = (1..=3).flat_map(part).collect();
    assert_eq!(got.body, expected);
    assert_eq!(got.header("opc-multipart-md5"), Some(expected_md5.as_str()));
    assert_eq!(got.header("content-type"), Some("application/x-test"));
    assert_eq!(got.header("opc-meta-k"), Some("v"));
    assert!(got.header("content-md5").is_none());
    // The upload is gone after the commit.
    env.call("GET", &format!("/n/{ns}/b/mp/u/big.bin?uploadId={id}"), "")
        .await
        .expect_error(404, "UploadNotFound");
    assert_eq!(
        env.call("GET", &format!("/n/{ns}/b/mp/u"), "").await.json(),
        json!([])
    );
}

#[tokio::test]
async fn abort_multipart_upload_removes_it() {
    let env = Env::new();
    env.create_bucket("ab").await;
    let ns = env.ns();
    let up = env
        .call("POST", &format!("/n/{ns}/b/ab/u"), r#"{"object":"o"}"#)
        .await
        .expect(200)
        .json();
    let id = up["uploadId"].as_str().unwrap();
    env.call_h(
        "PUT",
        &format!("/n/{ns}/b/ab/u/o?uploadId={id}&uploadPartNum=1"),
        b"abc",
        &[],
    )
    .await
    .expect(200);
    env.call("DELETE", &format!("/n/{ns}/b/ab/u/o?uploadId={id}"), "")
        .await
        .expect(204);
    env.call("DELETE", &format!("/n/{ns}/b/ab/u/o?uploadId={id}"), "")
        .await
        .expect_error(404, "UploadNotFound");
    env.call("POST", &format!("/n/{ns}/b/nob/u"), r#"{"object":"o"}"#)
        .await
        .expect_error(404, "BucketNotFound");
    env.call("DELETE", &format!("/n/{ns}/b/ab"), "")
        .await
        .expect(204);
}

#[tokio::test]
async fn retention_rules_crud_and_list() {
    let env = Env::new();
    env.create_bucket("rr").await;
    let base = format!("/n/{}/b/rr/retentionRules", env.ns());
    assert_eq!(
        env.call("GET", &base, "").await.expect(200).json(),
        json!({"items": []})
    );
    let r = env
        .call(
            "POST",
            &base,
            r#"{"displayName":"keep","duration":{"timeAmount":30,"timeUnit":"DAYS"}}"#,
        )
        .await
        .expect(200);
    let rule = r.json();
    assert_eq!(r.header("etag"), rule["etag"].as_str());
    assert_eq!(
        rule["duration"],
        json!({"timeAmount": 30, "timeUnit": "DAYS"})
    );
    assert!(rule["timeRuleLocked"].is_null());
    let id = rule["id"].as_str().unwrap();
    env.call("POST", &base, r#"{"displayName":"keep"}"#)
        .await
        .expect_error(409, "Conflict");
    env.call(
        "POST",
        &base,
        r#"{"displayName":"x","duration":{"timeAmount":1,"timeUnit":"WEEKS"}}"#,
    )
    .await
    .expect_error(400, "InvalidRetentionRuleDetails");
    let list = env.call("GET", &base, "").await.expect(200).json();
    assert_eq!(list["items"][0]["id"], json!(id));
    assert_eq!(
        env.call("GET", &format!("{base}/{id}"), "")
            .await
            .expect(200)
            .json(),
        rule
    );
    let upd = env
        .call_h(
            "PUT",
            &format!("{base}/{id}"),
            br#"{"duration":{"timeAmount":2,"timeUnit":"YEARS"}}"#,
            &[("if-match", rule["etag"].as_str().unwrap())],
        )
        .await
        .expect(200)
        .json();
    assert_eq!(upd["duration"]["timeUnit"], "YEARS");
    assert_eq!(upd["displayName"], "keep");
    env.call_h(
        "PUT",
        &format!("{base}/{id}"),
        b"{}",
        &[("if-match", "old")],
    )
    .await
    .expect_error(412, "IfMatchFailed");
    env.call("GET", &format!("{base}/nope"), "")
        .await
        .expect_error(404, "NotAuthorizedOrNotFound");
    env.call("DELETE", &format!("{base}/{id}"), "")
        .await
        .expect(204);
    env.call("GET", &format!("{base}/{id}"), "")
        .await
        .expect_error(404, "NotAuthorizedOrNotFound");
    env.call("GET", &format!("/n/{}/b/nob/retentionRules", env.ns()), "")
        .await
        .expect_error(404, "BucketNotFound");
}

#[tokio::test]
async fn locked_retention_rule_cannot_change() {
    let env = Env::new();
    env.create_bucket("lk").await;
    let base = format!("/n/{}/b/lk/retentionRules", env.ns());
    let lock_at = oci_emulator::clock::rfc3339_millis(env.state.now() + time::Duration::days(14));
    let rule = env
        .call(
            "POST",
            &base,
            &json!({"displayName": "locked", "timeRuleLocked": lock_at}).to_string(),
        )
        .await
        .expect(200)
        .json();
    let id = rule["id"].as_str().unwrap();
    env.clock.advance(time::Duration::days(15));
    env.call("DELETE", &format!("{base}/{id}"), "")
        .await
        .expect_error(409, "Conflict");
}

#[tokio::test]
async fn list_object_versions_reports_one_version_per_object() {
    let env = Env::new();
    env.create_bucket("ov").await;
    env.put_object("ov", "f", b"1").await;
    env.put_object("ov", "f2", b"2").await;
    env.put_object("ov", "g", b"3").await;
    let v = env
        .call(
            "GET",
            &format!("/n/{}/b/ov/objectversions?prefix=f", env.ns()),
            "",
        )
        .await
        .expect(200)
        .json();
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["isDeleteMarker"], false);
    assert!(items[0]["versionId"].is_string());
}

#[tokio::test]
async fn unknown_routes_and_methods_get_oci_json_errors() {
    let env = Env::new();
    let r = env
        .call("GET", "/nope/thing", "")
        .await
        .expect_error(404, "NotFound");
    assert_eq!(r.header("content-type"), Some("application/json"));
    env.call("PATCH", &format!("/n/{}/b", env.ns()), "{}")
        .await
        .expect_error(405, "MethodNotAllowed");
}

#[tokio::test]
async fn opc_request_id_is_echoed_or_minted() {
    let env = Env::new();
    let r = env
        .call_h(
            "GET",
            "/n",
            b"",
            &[
                ("opc-request-id", "ABC123"),
                ("opc-client-request-id", "client-1"),
            ],
        )
        .await
        .expect(200);
    assert_eq!(r.header("opc-request-id"), Some("ABC123"));
    assert_eq!(r.header("opc-client-request-id"), Some("client-1"));
    let r = env.call("GET", "/n", "").await.expect(200);
    let id = r.header("opc-request-id").unwrap();
    assert_eq!(id.len(), 32);
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
}

#[tokio::test]
async fn copy_object_completes_a_work_request_the_provider_can_poll() {
    let env = Env::new();
    env.create_bucket("src").await;
    env.create_bucket("dst").await;
    let put = env
        .call_h(
            "PUT",
            &format!("/n/{}/b/src/o/a", env.ns()),
            b"copy me",
            &[("opc-meta-x", "1"), ("content-type", "text/plain")],
        )
        .await
        .expect(200);
    let path = format!("/n/{}/b/src/actions/copyObject", env.ns());
    let details = |dest_region: &str, src_name: &str, extra: serde_json::Value| {
        let mut d = json!({
            "sourceObjectName": src_name, "destinationRegion": dest_region, "destinationNamespace": env.ns(),
            "destinationBucket": "dst", "destinationObjectName": "b"
        });
        d.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        d.to_string()
    };
    let r = env
        .call(
            "POST",
            &path,
            &details(
                "us-ashburn-1",
                "a",
                json!({"sourceObjectIfMatchETag": put.header("etag").unwrap()}),
            ),
        )
        .await
        .expect(202);
    let wr_id = r.header("opc-work-request-id").unwrap().to_owned();
    let got = env
        .call("GET", &format!("/n/{}/b/dst/o/b", env.ns()), "")
        .await
        .expect(200);
    assert_eq!(got.body, b"copy me");
    assert_eq!(got.header("opc-meta-x"), Some("1"));
    assert_eq!(got.header("content-type"), Some("text/plain"));
    assert_ne!(
        got.header("etag"),
        put.header("etag"),
        "the copy is a new object"
    );
    let wr = env
        .call("GET", &format!("/workRequests/{wr_id}"), "")
        .await
        .expect(200)
        .json();
    assert_eq!(wr["status"], "COMPLETED");
    assert_eq!(wr["operationType"], "COPY_OBJECT");
    assert_eq!(wr["percentComplete"], 100.0);
    assert!(wr["timeFinished"].is_string());
    assert_eq!(
        env.call("GET", &format!("/workRequests/{wr_id}/errors"), "")
            .await
            .expect(200)
            .json(),
        json!([])
    );
    let listed = env
        .call(
            "GET",
            &format!("/workRequests?compartmentId={}", env.tenancy()),
            "",
        )
        .await
        .expect(200)
        .json();
    assert_eq!(listed[0]["id"], json!(wr_id));
    let log = env.control("GET", "/_emulator/requests", "").await.json();
    let ops: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["operation"].as_str())
        .collect();
    assert!(
        ops.contains(&"CopyObject") && ops.contains(&"GetWorkRequest"),
        "{ops:?}"
    );
    // Error paths.
    env.call("POST", &path, &details("eu-frankfurt-1", "a", json!({})))
        .await
        .expect_error(400, "InvalidParameter");
    env.call(
        "POST",
        &path,
        &details("us-ashburn-1", "missing", json!({})),
    )
    .await
    .expect_error(404, "ObjectNotFound");
    env.call(
        "POST",
        &path,
        &details(
            "us-ashburn-1",
            "a",
            json!({"sourceObjectIfMatchETag": "old"}),
        ),
    )
    .await
    .expect_error(412, "IfMatchFailed");
    env.call(
        "POST",
        &path,
        &details(
            "us-ashburn-1",
            "a",
            json!({"destinationObjectIfNoneMatchETag": "*"}),
        ),
    )
    .await
    .expect_error(412, "IfNoneMatchFailed");
    env.call(
        "POST",
        &path,
        &details("us-ashburn-1", "a", json!({"destinationBucket": "nob"})),
    )
    .await
    .expect_error(404, "BucketNotFound");
    env.call("GET", "/workRequests/nope", "")
        .await
        .expect_error(404, "NotAuthorizedOrNotFound");
    env.call("DELETE", &format!("/workRequests/{wr_id}"), "")
        .await
        .expect_error(409, "Conflict");
}

#[tokio::test]
async fn sse_kms_key_is_stored_and_echoed_for_put_and_multipart() {
    let env = Env::new();
    env.create_bucket("kms").await;
    let ns = env.ns();
    let key = "ocid1.key.oc1.iad.aaaaaaaaexample";
    let path = format!("/n/{ns}/b/kms/o/plain");
    env.call_h("PUT", &path, b"x", &[("opc-sse-kms-key-id", key)])
        .await
        .expect(200);
    let head = env.call("HEAD", &path, "").await.expect(200);
    assert_eq!(head.header("opc-sse-kms-key-id"), Some(key));
    // Without the header the object is Oracle-managed: no key is reported.
    env.call_h("PUT", &path, b"y", &[]).await.expect(200);
    let head = env.call("HEAD", &path, "").await.expect(200);
    assert_eq!(head.header("opc-sse-kms-key-id"), None);

    // Multipart: the key is a header of CreateMultipartUpload and sticks to the committed object.
    let up = env
        .call_h(
            "POST",
            &format!("/n/{ns}/b/kms/u"),
            br#"{"object":"parts"}"#,
            &[("opc-sse-kms-key-id", key)],
        )
        .await
        .expect(200)
        .json();
    let id = up["uploadId"].as_str().unwrap().to_owned();
    let part = env
        .call_h(
            "PUT",
            &format!("/n/{ns}/b/kms/u/parts?uploadId={id}&uploadPartNum=1"),
            b"abc",
            &[],
        )
        .await
        .expect(200);
    let etag = part.header("etag").unwrap().to_owned();
    env.call(
        "POST",
        &format!("/n/{ns}/b/kms/u/parts?uploadId={id}"),
        &json!({"partsToCommit": [{"partNum": 1, "etag": etag}]}).to_string(),
    )
    .await
    .expect(200);
    let head = env
        .call("HEAD", &format!("/n/{ns}/b/kms/o/parts"), "")
        .await
        .expect(200);
    assert_eq!(head.header("opc-sse-kms-key-id"), Some(key));
}

/// Empty optional request headers are absent, as on OCI (Oracle's Go SDK sends `storage-tier:`
/// with no value on every PutObject without a tier; it used to be a 400 InvalidParameter).
/// Checked for every optional header PutObject, GetObject, DeleteObject and the IAM / Data
/// Flow `if-match` take.
#[tokio::test]
async fn empty_optional_headers_are_treated_as_absent() {
    let env = Env::new();
    let ns = env.ns();
    env.create_bucket("empty").await;
    let empties = [
        ("storage-tier", ""),
        ("content-md5", ""),
        ("if-match", ""),
        ("if-none-match", ""),
        ("content-type", ""),
        ("content-language", ""),
        ("content-encoding", ""),
        ("content-disposition", ""),
        ("cache-control", ""),
        ("opc-sse-kms-key-id", ""),
        ("opc-retry-token", ""),
    ];
    let target = format!("/n/{ns}/b/empty/o/obj");
    env.call_h("PUT", &target, b"body", &empties)
        .await
        .expect(200);
    let got = env
        .call_h(
            "GET",
            &target,
            b"",
            &[("if-match", ""), ("if-none-match", ""), ("range", "")],
        )
        .await
        .expect(200);
    assert_eq!(got.body, b"body");
    assert_eq!(got.header("storage-tier"), Some("Standard"));
    assert_eq!(got.header("content-type"), Some("application/octet-stream"));
    for absent in [
        "content-language",
        "content-encoding",
        "content-disposition",
        "cache-control",
        "opc-sse-kms-key-id",
    ] {
        assert!(got.header(absent).is_none(), "{absent} was stored empty");
    }
    // Multipart uploads take the same optional headers.
    env.call_h(
        "POST",
        &format!("/n/{ns}/b/empty/u"),
        br#"{"object":"m"}"#,
        &[("opc-sse-kms-key-id", ""), ("opc-retry-token", "")],
    )
    .await
    .expect(200);
    env.call_h("DELETE", &target, b"", &[("if-match", "")])
        .await
        .expect(204);
    // IAM and Data Flow: an empty if-match on an update is no precondition.
    let p = env
        .call(
            "POST",
            "/20160918/policies",
            &json!({"compartmentId": env.tenancy(), "name": "p", "description": "d",
                    "statements": ["Allow group g to read buckets in tenancy"]})
            .to_string(),
        )
        .await
        .expect(200)
        .json();
    env.call_h(
        "PUT",
        &format!("/20160918/policies/{}", p["id"].as_str().unwrap()),
        json!({"description": "changed"}).to_string().as_bytes(),
        &[("if-match", "")],
    )
    .await
    .expect(200);
}

/// Bodies up to `INLINE_MAX` live in the database, larger ones in files: either side of the
/// boundary, an object reads back whole and by range, CopyObject and RenameObject keep its
/// bytes, a replacement leaves exactly the new body stored, and deletes leave none.
#[tokio::test]
async fn inline_and_file_bodies_read_replace_rename_and_delete_alike() {
    use oci_emulator::services::objectstorage::store::INLINE_MAX;
    let env = Env::new();
    env.create_bucket("ib").await;
    let dir = env.state.data_dir().to_path_buf();
    let p = |o: &str| format!("/n/{}/b/ib/o/{o}", env.ns());
    let small: Vec<u8> = (0..INLINE_MAX).map(|i| (i % 251) as u8).collect();
    let large: Vec<u8> = (0..INLINE_MAX + 1).map(|i| (i % 241) as u8).collect();
    for (name, body) in [("small", &small), ("large", &large)] {
        env.put_object("ib", name, body).await.expect(200);
        let got = env.call_h("GET", &p(name), b"", &[]).await.expect(200);
        assert_eq!(got.body, *body, "{name}: whole body");
        let r = env
            .call_h("GET", &p(name), b"", &[("range", "bytes=100-199")])
            .await
            .expect(206);
        assert_eq!(r.body, body[100..200], "{name}: a range");
    }
    assert_eq!(common::stored_bodies(&dir), 2);
    // Small replaced by large and large by small: one body each, the new one.
    env.put_object("ib", "small", &large).await.expect(200);
    env.put_object("ib", "large", &small).await.expect(200);
    assert_eq!(common::stored_bodies(&dir), 2, "replaced bodies are gone");
    assert_eq!(
        env.call("GET", &p("small"), "").await.expect(200).body,
        large
    );
    assert_eq!(
        env.call("GET", &p("large"), "").await.expect(200).body,
        small
    );
    let rename = json!({"sourceName": "large", "newName": "moved"}).to_string();
    let target = format!("/n/{}/b/ib/actions/renameObject", env.ns());
    env.call("POST", &target, &rename).await.expect(200);
    assert_eq!(
        env.call("GET", &p("moved"), "").await.expect(200).body,
        small
    );
    assert_eq!(common::stored_bodies(&dir), 2, "a rename moves the body");
    for name in ["small", "moved"] {
        env.call("DELETE", &p(name), "").await.expect(204);
    }
    assert_eq!(common::stored_bodies(&dir), 0, "deletes leave no body");
}
