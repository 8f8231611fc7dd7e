//! Pagination over `opc-next-page` (including IAM's token-then-empty-page) and ListObjects'
//! `nextStartWith`.

mod common;

use common::{Reply, TestServer, client};
use oci_client::services::dataflow::ListRunsRequest;
use oci_client::services::identity::ListIamRequest;
use oci_client::services::objectstorage::ListObjectsRequest;
use serde_json::json;

fn policy(n: u32) -> serde_json::Value {
    json!({"id": format!("ocid1.policy.oc1..p{n}"), "compartmentId": "ocid1.tenancy.oc1..t",
           "name": format!("p{n}"), "statements": [], "description": "", "lifecycleState": "ACTIVE"})
}

#[tokio::test]
async fn iam_pages_are_followed_until_the_header_is_absent_even_after_an_empty_page() {
    // Page tokens contain characters that need encoding; the last page is empty but still carries
    // a token (as IAM does), and only the page after it ends the list.
    let server = TestServer::start(|req, _| match req.query_value("page").as_deref() {
        None => Reply::json(200, json!([policy(1), policy(2)])).header("opc-next-page", "tok 2=="),
        Some("tok 2==") => {
            Reply::json(200, json!([policy(3), policy(4)])).header("opc-next-page", "tok/3")
        }
        Some("tok/3") => Reply::json(200, json!([policy(5)])).header("opc-next-page", "tok4"),
        Some("tok4") => Reply::json(200, json!([])).header("opc-next-page", "tok5"),
        Some("tok5") => Reply::json(200, json!([])),
        Some(other) => Reply::error(400, "InvalidParameter", &format!("bad page {other}")),
    })
    .await;
    let (client, _) = client(&server.url);
    let request = ListIamRequest {
        compartment_id: "ocid1.tenancy.oc1..t".into(),
        limit: Some(2),
        ..Default::default()
    };
    let all = client.list_all_policies(&request).await.unwrap();
    let names: Vec<_> = all.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["p1", "p2", "p3", "p4", "p5"]);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 5);
    let pages: Vec<_> = reqs.iter().map(|r| r.query_value("page")).collect();
    assert_eq!(
        pages,
        [
            None,
            Some("tok 2==".into()),
            Some("tok/3".into()),
            Some("tok4".into()),
            Some("tok5".into())
        ]
    );
    for r in &reqs {
        assert_eq!(r.path(), "/20160918/policies");
        assert_eq!(
            r.query_value("compartmentId").as_deref(),
            Some("ocid1.tenancy.oc1..t")
        );
        assert_eq!(r.query_value("limit").as_deref(), Some("2"));
        assert!(r.signature.is_ok(), "{:?}", r.signature);
    }
    // One page at a time is available too.
    let first = client.list_policies(&request).await.unwrap();
    assert_eq!(first.items.len(), 2);
    assert_eq!(first.next_page.as_deref(), Some("tok 2=="));
}

#[tokio::test]
async fn dataflow_runs_three_pages() {
    let run = |n: u32| json!({"id": format!("ocid1.dataflowrun.oc1.iad.r{n}"), "compartmentId": "c", "lifecycleState": "SUCCEEDED", "totalOCpu": 2});
    let server = TestServer::start(move |req, _| match req.query_value("page").as_deref() {
        None => Reply::json(200, json!([run(1)])).header("opc-next-page", "a"),
        Some("a") => Reply::json(200, json!([run(2)])).header("opc-next-page", "b"),
        Some("b") => Reply::json(200, json!([run(3)])).header("opc-prev-page", "a"),
        Some(_) => Reply::error(400, "InvalidParameter", "bad page"),
    })
    .await;
    let (client, _) = client(&server.url);
    let runs = client
        .list_all_runs(&ListRunsRequest {
            compartment_id: "c".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[2].total_ocpu, Some(2));
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_repeated_token_is_an_error_not_an_endless_loop() {
    let server = TestServer::start(|_, _| {
        Reply::json(200, json!([policy(1)])).header("opc-next-page", "same")
    })
    .await;
    let (client, _) = client(&server.url);
    let err = client
        .list_all_dynamic_groups(&ListIamRequest {
            compartment_id: "t".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, oci_client::Error::PaginationLoop { .. }),
        "{err}"
    );
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn list_objects_follows_next_start_with() {
    let server = TestServer::start(|req, _| match req.query_value("start").as_deref() {
        None => Reply::json(200, json!({"objects": [{"name": "a/1"}, {"name": "a/2"}], "prefixes": ["a/"], "nextStartWith": "b/1"})),
        Some("b/1") => Reply::json(200, json!({"objects": [{"name": "b/1", "size": 5}], "prefixes": ["b/"], "nextStartWith": "c d"})),
        Some("c d") => Reply::json(200, json!({"objects": [{"name": "c d", "md5": "XUFAKrxLKna5cZ2REBfFkg=="}], "prefixes": ["a/"]})),
        Some(_) => Reply::error(400, "InvalidParameter", "bad start"),
    })
    .await;
    let (client, _) = client(&server.url);
    let request = ListObjectsRequest {
        prefix: Some("".into()),
        fields: Some("name,size,md5".into()),
        limit: Some(2),
        ..Default::default()
    };
    let all = client
        .list_all_objects("ns", "bkt", &request)
        .await
        .unwrap();
    let names: Vec<_> = all.objects.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["a/1", "a/2", "b/1", "c d"]);
    assert_eq!(all.prefixes, Some(vec!["a/".to_string(), "b/".to_string()]));
    assert_eq!(all.objects[2].size, Some(5));
    assert!(all.next_start_with.is_none());
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    for r in &reqs {
        assert_eq!(r.path(), "/n/ns/b/bkt/o");
        assert_eq!(r.query_value("fields").as_deref(), Some("name,size,md5"));
        assert!(
            r.query_value("page").is_none(),
            "ListObjects has no page parameter"
        );
    }
}
