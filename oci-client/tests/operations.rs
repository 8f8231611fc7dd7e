//! Typed operations against a local test server: exact paths and encodings, JSON field names,
//! headers (if-match, opc-meta-*, content-type), streamed and multipart uploads, response
//! metadata, `*_opt` getters and `wait_for`.

mod common;

use std::time::Duration;

use common::{Reply, TestServer, client};
use oci_client::services::dataflow::{
    CreateApplicationDetails, ShapeConfig, SparkSettings, UpdateApplicationDetails,
};
use oci_client::services::lifecycle;
use oci_client::services::objectstorage::{
    CreateBucketDetails, CreateMultipartUploadDetails, FileUpload, GetObjectOptions,
    MultipartFileOptions, ObjectBody, ObjectKey, PutObjectOptions, RenameObjectDetails, md5_base64,
};
use oci_client::{Error, WaitOutcome, WaitSpec};
use serde_json::{Value, json};

fn body_json(r: &common::Recorded) -> Value {
    serde_json::from_slice(&r.body).expect("JSON body")
}

#[tokio::test]
async fn put_object_streams_a_file_unsigned_and_resends_it_on_retry() {
    let server = TestServer::start(|_, i| {
        if i == 0 {
            Reply::error(503, "ServiceUnavailable", "busy")
        } else {
            Reply::empty(200)
                .header("etag", "obj-etag")
                .header("opc-content-md5", "md5==")
        }
    })
    .await;
    let (client, _) = client(&server.url);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("data.bin");
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&file, &data).unwrap();
    let mut options = PutObjectOptions::default();
    options.metadata.insert("owner".into(), "lab".into());
    let resp = client
        .put_object(
            "ns",
            "bkt",
            "dir/hello world%.txt",
            ObjectBody::File(file),
            &options,
        )
        .await
        .unwrap();
    assert_eq!(resp.etag(), Some("obj-etag"));
    assert_eq!(resp.meta.header("opc-content-md5"), Some("md5=="));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        assert_eq!(r.method, "PUT");
        assert_eq!(r.target, "/n/ns/b/bkt/o/dir%2Fhello%20world%25.txt");
        assert_eq!(
            r.body.as_ref(),
            data.as_slice(),
            "the whole file on every attempt"
        );
        assert_eq!(r.header("content-length"), Some("200000"));
        assert_eq!(r.headers.get_all("content-length").iter().count(), 1);
        assert_eq!(r.header("content-type"), Some("application/octet-stream"));
        assert_eq!(r.header("opc-meta-owner"), Some("lab"));
        assert_eq!(
            r.header("x-content-sha256"),
            None,
            "object bodies are not hashed"
        );
        let signed = r.signature.as_ref().expect("signature verifies");
        assert_eq!(signed, &["date", "(request-target)", "host"]);
    }
}

#[tokio::test]
async fn multipart_upload_of_a_file() {
    let server = TestServer::start(|r, _| match (r.method.as_str(), r.path()) {
        ("POST", "/n/ns/b/bkt/u") => Reply::json(200, json!({"namespace": "ns", "bucket": "bkt", "object": "big/file", "uploadId": "up-1", "timeCreated": "2026-11-21T00:00:00Z"})),
        ("PUT", "/n/ns/b/bkt/u/big%2Ffile") => {
            let n = r.query_value("uploadPartNum").unwrap();
            Reply::empty(200).header("etag", &format!("etag-{n}"))
        }
        ("POST", "/n/ns/b/bkt/u/big%2Ffile") => Reply::empty(200).header("opc-multipart-md5", "mp-md5-3"),
        _ => Reply::error(404, "NotFound", "no route"),
    })
    .await;
    let (client, _) = client(&server.url);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big");
    std::fs::write(&file, b"0123456789").unwrap();
    let details = CreateMultipartUploadDetails {
        content_type: Some("text/plain".into()),
        ..Default::default()
    };
    let resp = client
        .upload_file_multipart(
            "ns",
            "bkt",
            "big/file",
            &file,
            &MultipartFileOptions {
                part_size: 4,
                details,
                opc_sse_kms_key_id: Some("ocid1.key.oc1.iad.k".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(resp.meta.header("opc-multipart-md5"), Some("mp-md5-3"));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 5, "create, 3 parts, commit");
    assert_eq!(
        reqs[0].header("opc-sse-kms-key-id"),
        Some("ocid1.key.oc1.iad.k"),
        "the encryption key travels as a header of CreateMultipartUpload"
    );
    assert_eq!(
        body_json(&reqs[0]),
        json!({"object": "big/file", "contentType": "text/plain"})
    );
    let parts: Vec<_> = reqs[1..4]
        .iter()
        .map(|r| {
            (
                r.query_value("uploadId").unwrap(),
                r.query_value("uploadPartNum").unwrap(),
                r.body.to_vec(),
            )
        })
        .collect();
    assert_eq!(
        parts,
        [
            ("up-1".into(), "1".into(), b"0123".to_vec()),
            ("up-1".into(), "2".into(), b"4567".to_vec()),
            ("up-1".into(), "3".into(), b"89".to_vec())
        ]
    );
    for r in &reqs[1..4] {
        assert_eq!(
            r.signature.as_ref().unwrap(),
            &["date", "(request-target)", "host"],
            "UploadPart is unsigned"
        );
    }
    assert_eq!(reqs[4].query_value("uploadId").as_deref(), Some("up-1"));
    assert_eq!(
        body_json(&reqs[4]),
        json!({"partsToCommit": [{"partNum": 1, "etag": "etag-1"}, {"partNum": 2, "etag": "etag-2"}, {"partNum": 3, "etag": "etag-3"}]})
    );
    assert_eq!(
        reqs[4].signature.as_ref().unwrap().len(),
        6,
        "commit is a signed JSON POST"
    );
}

/// `upload_file` sends a small file in one PutObject (with its Content-MD5) and a large one in
/// parts whose boundaries are the ones `FileUpload::expected_digest` hashed: the digest computed
/// from the bytes actually sent equals the prediction.
#[tokio::test]
async fn upload_file_splits_where_its_digest_prediction_does() {
    let server = TestServer::start(|r, _| match (r.method.as_str(), r.path()) {
        ("PUT", "/n/ns/b/bkt/o/small") => Reply::empty(200),
        ("POST", "/n/ns/b/bkt/u") => Reply::json(
            200,
            json!({"namespace": "ns", "bucket": "bkt", "object": "big", "uploadId": "up-1"}),
        ),
        ("PUT", "/n/ns/b/bkt/u/big") => {
            let n = r.query_value("uploadPartNum").unwrap();
            Reply::empty(200).header("etag", &format!("etag-{n}"))
        }
        ("POST", "/n/ns/b/bkt/u/big") => Reply::empty(200),
        _ => Reply::error(404, "NotFound", "no route"),
    })
    .await;
    let (client, _) = client(&server.url);
    let dir = tempfile::tempdir().unwrap();
    let how = FileUpload {
        multipart_threshold: 8,
        part_size: 4,
    };
    let small = dir.path().join("small");
    std::fs::write(&small, b"hello").unwrap();
    let predicted = how.expected_digest(&small).unwrap();
    let options = PutObjectOptions {
        content_md5: Some(predicted.md5.clone()),
        ..Default::default()
    };
    client
        .upload_file(
            &ObjectKey::new("ns", "bkt", "small"),
            &small,
            &options,
            &how,
        )
        .await
        .unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1, "one PutObject");
    assert_eq!(
        reqs[0].header("content-md5"),
        Some(md5_base64(b"hello").as_str())
    );

    let big = dir.path().join("big");
    std::fs::write(&big, b"0123456789").unwrap();
    client
        .upload_file(
            &ObjectKey::new("ns", "bkt", "big"),
            &big,
            &PutObjectOptions::default(),
            &how,
        )
        .await
        .unwrap();
    let reqs = server.requests();
    let parts: Vec<&[u8]> = reqs
        .iter()
        .filter(|r| r.method == "PUT" && r.path() == "/n/ns/b/bkt/u/big")
        .map(|r| r.body.as_ref())
        .collect();
    assert_eq!(parts, [&b"0123"[..], b"4567", b"89"]);
    use base64::Engine as _;
    use md5::Digest as _;
    let mut of_parts = md5::Md5::new();
    for p in &parts {
        of_parts.update(md5::Md5::digest(p));
    }
    let sent = format!(
        "{}-{}",
        base64::engine::general_purpose::STANDARD.encode(of_parts.finalize()),
        parts.len()
    );
    assert_eq!(how.expected_digest(&big).unwrap().md5, sent);
}

/// Emptying deletes every object (one already gone is fine) and aborts every unfinished
/// multipart upload across pages; any other failure stops it.
#[tokio::test]
async fn empty_bucket_deletes_objects_and_aborts_uploads() {
    let server = TestServer::start(|r, _| match (r.method.as_str(), r.path()) {
        ("GET", "/n/ns/b/bkt/o") => Reply::json(
            200,
            json!({"objects": [{"name": "a"}, {"name": "gone"}, {"name": "d/c"}]}),
        ),
        ("DELETE", "/n/ns/b/bkt/o/gone") => Reply::error(404, "ObjectNotFound", "gone"),
        ("DELETE", p) if p.starts_with("/n/ns/b/bkt/o/") => Reply::empty(204),
        ("GET", "/n/ns/b/bkt/u") if r.query_value("page").is_none() => Reply::json(
            200,
            json!([{"namespace": "ns", "bucket": "bkt", "object": "u1", "uploadId": "1"}]),
        )
        .header("opc-next-page", "p2"),
        ("GET", "/n/ns/b/bkt/u") => Reply::json(
            200,
            json!([{"namespace": "ns", "bucket": "bkt", "object": "u2", "uploadId": "2"}]),
        ),
        ("DELETE", p) if p.starts_with("/n/ns/b/bkt/u/") => Reply::empty(204),
        _ => Reply::error(404, "NotFound", "no route"),
    })
    .await;
    let (client, _) = client(&server.url);
    let key = oci_client::services::objectstorage::BucketKey::new("ns", "bkt");
    client.empty_bucket(&key).await.unwrap();
    let deleted: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .map(|r| r.path().to_string())
        .collect();
    assert_eq!(
        deleted,
        [
            "/n/ns/b/bkt/o/a",
            "/n/ns/b/bkt/o/gone",
            "/n/ns/b/bkt/o/d%2Fc",
            "/n/ns/b/bkt/u/u1",
            "/n/ns/b/bkt/u/u2"
        ]
    );

    let server = TestServer::start(|r, _| match (r.method.as_str(), r.path()) {
        ("GET", "/n/ns/b/bkt/o") => {
            Reply::json(200, json!({"objects": [{"name": "locked"}, {"name": "b"}]}))
        }
        ("DELETE", "/n/ns/b/bkt/o/locked") => Reply::error(409, "RetentionRuleViolation", "held"),
        _ => Reply::empty(204),
    })
    .await;
    let (client, _) = common::client(&server.url);
    let err = client.empty_bucket(&key).await.unwrap_err();
    assert!(err.is_conflict_code("RetentionRuleViolation"), "{err}");
    assert!(
        !server
            .requests()
            .iter()
            .any(|r| r.path() == "/n/ns/b/bkt/o/b"),
        "nothing after the failure"
    );
}

#[tokio::test]
async fn failed_multipart_upload_is_aborted() {
    let server = TestServer::start(|r, _| match r.method.as_str() {
        "POST" => Reply::json(
            200,
            json!({"namespace": "ns", "bucket": "bkt", "object": "o", "uploadId": "up-2"}),
        ),
        "PUT" if r.query_value("uploadPartNum").as_deref() == Some("2") => {
            Reply::error(400, "InvalidParameter", "bad part")
        }
        "PUT" => Reply::empty(200).header("etag", "e"),
        _ => Reply::empty(204),
    })
    .await;
    let (client, _) = client(&server.url);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    std::fs::write(&file, b"abcdefgh").unwrap();
    let err = client
        .upload_file_multipart(
            "ns",
            "bkt",
            "o",
            &file,
            &MultipartFileOptions {
                part_size: 3,
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidParameter"));
    let last = server.requests().pop().unwrap();
    assert_eq!(
        (last.method.as_str(), last.target.as_str()),
        ("DELETE", "/n/ns/b/bkt/u/o?uploadId=up-2")
    );
}

#[tokio::test]
async fn objects_get_head_and_opt_getters() {
    let server = TestServer::start(|r, _| match (r.method.as_str(), r.path()) {
        ("GET", "/n") => Reply::json(200, json!("axzbp3kgiaim")),
        ("GET", "/n/ns/b/bkt/o/k") => Reply {
            status: 200,
            headers: vec![
                ("content-type".into(), "text/csv".into()),
                ("content-md5".into(), "XUFAKrxLKna5cZ2REBfFkg==".into()),
                ("etag".into(), "e1".into()),
                (
                    "last-modified".into(),
                    "Sat, 21 Nov 2026 02:25:26 GMT".into(),
                ),
                ("opc-meta-owner".into(), "lab".into()),
            ],
            body: b"hello".to_vec(),
        },
        ("HEAD", "/n/ns/b/bkt/o/k") => Reply::empty(200)
            .header("etag", "e1")
            .header("content-length", "5"),
        // HEAD 404s carry no body.
        (_, _) => Reply::empty(404),
    })
    .await;
    let (client, _) = client(&server.url);
    assert_eq!(
        client.get_namespace(None).await.unwrap().value,
        "axzbp3kgiaim"
    );
    let obj = client
        .get_object("ns", "bkt", "k", &GetObjectOptions::default())
        .await
        .unwrap();
    assert_eq!(obj.data.as_ref(), b"hello");
    assert_eq!(obj.head.content_type.as_deref(), Some("text/csv"));
    assert_eq!(
        obj.head.content_md5.as_deref(),
        Some("XUFAKrxLKna5cZ2REBfFkg==")
    );
    assert_eq!(
        obj.head.metadata.get("owner").map(String::as_str),
        Some("lab")
    );
    assert_eq!(
        obj.head.last_modified.as_deref(),
        Some("Sat, 21 Nov 2026 02:25:26 GMT")
    );
    let head = client
        .head_object_opt("ns", "bkt", "k", &GetObjectOptions::default())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(head.content_length, Some(5));
    assert!(
        client
            .head_object_opt("ns", "bkt", "missing", &GetObjectOptions::default())
            .await
            .unwrap()
            .is_none()
    );
    assert!(client.get_bucket_opt("ns", "nope").await.unwrap().is_none());
    assert!(
        client
            .head_bucket_opt("ns", "nope")
            .await
            .unwrap()
            .is_none()
    );
    let err = client.head_bucket("ns", "nope").await.unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(
        err.code(),
        Some("NotFound"),
        "code derived from the status for bodiless answers"
    );
    let err = client
        .put_object(
            "ns",
            "bkt",
            "..",
            ObjectBody::Bytes("x".into()),
            &PutObjectOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err}");
}

#[tokio::test]
async fn json_bodies_use_the_service_field_names_and_if_match_is_sent() {
    let app = json!({"id": "ocid1.dataflowapplication.oc1.iad.a", "compartmentId": "c", "displayName": "app",
        "lifecycleState": "ACTIVE", "language": "PYTHON", "numExecutors": 1, "driverShape": "VM.Standard.E4.Flex",
        "driverShapeConfig": {"ocpus": 1, "memoryInGBs": 16.0}, "type": "BATCH", "arguments": ["${in}"],
        "parameters": [{"name": "in", "value": "oci://b@ns/x"}], "configuration": null, "futureField": [1, 2]});
    let server = TestServer::start(move |r, _| match r.method.as_str() {
        "DELETE" => Reply::empty(204),
        "POST" if r.path().ends_with("/actions/renameObject") => Reply::empty(200),
        "POST" if r.path() == "/n/ns/b" => Reply::json(200, json!({"namespace": "ns", "name": "b", "compartmentId": "c", "etag": "be", "meterFlagSet": {"empty": true}})),
        _ => Reply::json(200, app.clone()).header("etag", "app-etag"),
    })
    .await;
    let (client, _) = client(&server.url);
    let details = CreateApplicationDetails {
        compartment_id: "c".into(),
        display_name: "app".into(),
        driver_shape: "VM.Standard.E4.Flex".into(),
        executor_shape: "VM.Standard.E4.Flex".into(),
        language: "PYTHON".into(),
        num_executors: 1,
        spark_version: "3.2.1".into(),
        file_uri: Some("oci://b@ns/app.py".into()),
        application_type: Some("BATCH".into()),
        settings: SparkSettings {
            driver_shape_config: Some(ShapeConfig {
                ocpus: Some(1.0),
                memory_in_gbs: Some(16.0),
            }),
            arguments: Some(vec!["${in}".into()]),
            ..Default::default()
        },
        ..Default::default()
    };
    let created = client.create_application(&details).await.unwrap();
    assert_eq!(created.settings.parameters.as_ref().unwrap()[0].name, "in");
    assert_eq!(created.application_type.as_deref(), Some("BATCH"));
    assert_eq!(
        created
            .settings
            .driver_shape_config
            .as_ref()
            .unwrap()
            .memory_in_gbs,
        Some(16.0)
    );
    assert!(created.settings.configuration.is_none());

    let update = UpdateApplicationDetails {
        num_executors: Some(2),
        ..Default::default()
    };
    client
        .update_application(&created.id, &update, created.etag())
        .await
        .unwrap();
    client
        .delete_application(&created.id, Some("app-etag"))
        .await
        .unwrap();
    client
        .change_application_compartment(&created.id, "c2", None)
        .await
        .unwrap();
    client
        .cascading_delete_application(&created.id, None)
        .await
        .unwrap();
    client
        .create_bucket(
            "ns",
            &CreateBucketDetails {
                name: "b".into(),
                compartment_id: "c".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    client
        .rename_object(
            "ns",
            "b",
            &RenameObjectDetails {
                source_name: "a".into(),
                new_name: "b".into(),
                new_obj_if_none_match_etag: Some("*".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    let reqs = server.requests();
    assert_eq!(
        body_json(&reqs[0]),
        json!({"compartmentId": "c", "displayName": "app", "driverShape": "VM.Standard.E4.Flex",
               "executorShape": "VM.Standard.E4.Flex", "language": "PYTHON", "numExecutors": 1,
               "sparkVersion": "3.2.1", "fileUri": "oci://b@ns/app.py", "type": "BATCH",
               "arguments": ["${in}"], "driverShapeConfig": {"ocpus": 1.0, "memoryInGBs": 16.0}})
    );
    assert_eq!(reqs[0].target, "/20200129/applications");
    assert!(reqs[0].header("opc-retry-token").is_some());
    assert_eq!(
        reqs[0].signature.as_ref().unwrap(),
        &[
            "date",
            "(request-target)",
            "host",
            "content-length",
            "content-type",
            "x-content-sha256"
        ]
    );
    assert_eq!(
        (reqs[1].method.as_str(), reqs[1].header("if-match")),
        ("PUT", Some("app-etag"))
    );
    assert_eq!(body_json(&reqs[1]), json!({"numExecutors": 2}));
    assert_eq!(reqs[1].header("opc-retry-token"), None);
    assert_eq!(
        (reqs[2].method.as_str(), reqs[2].header("if-match")),
        ("DELETE", Some("app-etag"))
    );
    assert_eq!(
        reqs[3].target,
        "/20200129/applications/ocid1.dataflowapplication.oc1.iad.a/actions/changeCompartment"
    );
    assert_eq!(body_json(&reqs[3]), json!({"compartmentId": "c2"}));
    assert!(reqs[3].header("opc-retry-token").is_some());
    let cascade = &reqs[4];
    assert_eq!(
        cascade.target,
        "/20200129/applications/ocid1.dataflowapplication.oc1.iad.a/actions/cascadingDeleteApplication"
    );
    assert!(cascade.body.is_empty());
    assert_eq!(cascade.header("content-length"), Some("0"));
    assert_eq!(
        cascade.header("x-content-sha256"),
        Some("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
    );
    assert_eq!(
        cascade.signature.as_ref().unwrap().len(),
        6,
        "an empty POST signs the body headers"
    );
    assert_eq!(
        body_json(&reqs[5]),
        json!({"name": "b", "compartmentId": "c"})
    );
    assert_eq!(
        reqs[5].header("opc-retry-token"),
        None,
        "CreateBucket takes no retry token"
    );
    assert_eq!(
        body_json(&reqs[6]),
        json!({"sourceName": "a", "newName": "b", "newObjIfNoneMatchETag": "*"})
    );
    for r in &reqs {
        assert!(
            r.signature.is_ok(),
            "{} {}: {:?}",
            r.method,
            r.target,
            r.signature
        );
        assert!(
            r.headers.get_all("content-length").iter().count() <= 1,
            "one content-length"
        );
    }
}

#[tokio::test]
async fn wait_for_polls_with_backoff_until_a_target_state() {
    let states = [
        "ACCEPTED",
        "IN_PROGRESS",
        "IN_PROGRESS",
        "IN_PROGRESS",
        "SUCCEEDED",
    ];
    let server = TestServer::start(move |r, i| {
        if r.path().ends_with("/gone") {
            return Reply::error(404, "NotAuthorizedOrNotFound", "gone");
        }
        let state = if r.path().ends_with("/failed") {
            "FAILED"
        } else {
            states[i.min(states.len() - 1)]
        };
        Reply::json(
            200,
            json!({"id": "r", "compartmentId": "c", "lifecycleState": state}),
        )
    })
    .await;
    let (client, clock) = client(&server.url);
    let spec = WaitSpec::new(
        &[lifecycle::SUCCEEDED],
        &[lifecycle::ACCEPTED, lifecycle::IN_PROGRESS],
        Duration::from_secs(600),
    );
    let run = client
        .wait_for("run r", &spec, || client.get_run_opt("r"))
        .await
        .unwrap()
        .reached()
        .unwrap();
    assert_eq!(run.lifecycle_state, "SUCCEEDED");
    assert_eq!(server.requests().len(), 5);
    let ms: Vec<u128> = clock.sleeps().iter().map(Duration::as_millis).collect();
    assert_eq!(
        ms,
        [500, 1000, 2000, 4000],
        "exponential backoff on the injected clock"
    );

    let err = client
        .wait_for("run failed", &spec, || client.get_run_opt("failed"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedState { state, .. } if state == "FAILED"),
        "{err}"
    );

    let gone = client
        .wait_for("run gone", &spec.clone().or_gone(), || {
            client.get_run_opt("gone")
        })
        .await
        .unwrap();
    assert!(matches!(gone, WaitOutcome::Gone));
    assert!(
        client
            .wait_for("run gone", &spec, || client.get_run_opt("gone"))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn wait_for_times_out_on_the_injected_clock() {
    let server = TestServer::start(|_, _| {
        Reply::json(
            200,
            json!({"id": "p", "compartmentId": "c", "name": "p", "lifecycleState": "DELETING"}),
        )
    })
    .await;
    let (client, clock) = client(&server.url);
    let spec = WaitSpec::new(
        &[lifecycle::DELETED],
        &[lifecycle::DELETING],
        Duration::from_secs(60),
    )
    .or_gone();
    let err = client
        .wait_for("policy p", &spec, || client.get_policy_opt("p"))
        .await
        .unwrap_err();
    match &err {
        Error::Timeout {
            last_state, waited, ..
        } => {
            assert_eq!(last_state, "DELETING");
            assert_eq!(*waited, Duration::from_secs(60));
        }
        other => panic!("{other}"),
    }
    assert!(err.to_string().contains("policy p") && err.to_string().contains("DELETED"));
    let total: Duration = clock.sleeps().iter().sum();
    assert_eq!(
        total,
        Duration::from_secs(60),
        "never sleeps past the timeout"
    );
}

#[tokio::test]
async fn get_object_to_file_streams_and_restarts_after_a_broken_body() {
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 239) as u8).collect();
    let full = data.clone();
    let server = TestServer::start(move |_, i| {
        if i == 0 {
            // Promise more bytes than are sent: the connection ends mid-body.
            Reply {
                status: 200,
                headers: vec![("content-length".into(), "1000000".into())],
                body: b"partial".to_vec(),
            }
        } else {
            Reply {
                status: 200,
                headers: vec![
                    ("etag".into(), "e2".into()),
                    ("opc-meta-k".into(), "v".into()),
                ],
                body: full.clone(),
            }
        }
    })
    .await;
    let (client, clock) = client(&server.url);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("download.bin");
    let resp = client
        .get_object_to_file("ns", "bkt", "k", &GetObjectOptions::default(), &out)
        .await
        .unwrap();
    let (head, written) = &resp.value;
    assert_eq!(*written, data.len() as u64);
    assert_eq!(head.etag.as_deref(), Some("e2"));
    assert_eq!(head.metadata.get("k").map(String::as_str), Some("v"));
    assert_eq!(
        std::fs::read(&out).unwrap(),
        data,
        "only the complete second body is kept"
    );
    assert_eq!(server.requests().len(), 2);
    assert_eq!(clock.sleeps().len(), 1);
}
