//! IAM `/20160918`: dynamic groups, policies and compartments through `app().oneshot`, plus one
//! real-socket test. Lifecycles run on the manual clock; nothing sleeps.

mod common;
mod socket;

use common::{Env, other_key};
use oci_emulator::clock::{Clock, ManualClock};
use oci_emulator::{AppState, Options};
use serde_json::{Value, json};
use std::sync::Arc;
use time::Duration;

const RULE: &str = "ALL {resource.type = 'dataflowrun', resource.compartment.id = 'ocid1.compartment.oc1..aaaaaaaa'}";

fn dg_body(env: &Env, name: &str) -> String {
    json!({"compartmentId": env.tenancy(), "name": name, "description": "runs", "matchingRule": RULE}).to_string()
}

fn policy_body(env: &Env, name: &str, statements: &[&str]) -> String {
    json!({"compartmentId": env.tenancy(), "name": name, "description": "", "statements": statements}).to_string()
}

const STATEMENT: &str = "Allow any-user to read buckets in tenancy";

fn with_delay(ms: i64) -> Env {
    Env::with_options(|o| o.lifecycle_delay = Duration::milliseconds(ms))
}

#[tokio::test]
async fn dynamic_group_lifecycle_etags_and_delete_on_the_manual_clock() {
    let env = with_delay(2000);
    let created = env
        .call("POST", "/20160918/dynamicGroups", &dg_body(&env, "dg-lab"))
        .await
        .expect(200);
    let dg = created.json();
    let id = dg["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("ocid1.dynamicgroup.oc1..aaaaaaaa"), "{id}");
    assert_eq!(dg["lifecycleState"], "CREATING");
    assert_eq!(dg["matchingRule"], RULE);
    assert_eq!(dg["freeformTags"], json!({}));
    assert!(
        dg.get("inactiveStatus").is_none(),
        "null optionals are left out"
    );
    let etag = created.header("etag").unwrap().to_owned();
    assert_eq!(etag.len(), 40);
    assert!(
        created
            .header("location")
            .unwrap()
            .ends_with(&format!("/20160918/dynamicGroups/{id}"))
    );

    let path = format!("/20160918/dynamicGroups/{id}");
    assert_eq!(
        env.call("GET", &path, "").await.expect(200).json()["lifecycleState"],
        "CREATING"
    );
    env.clock.advance(Duration::milliseconds(2000));
    let got = env.call("GET", &path, "").await.expect(200);
    assert_eq!(got.json()["lifecycleState"], "ACTIVE");
    assert_eq!(got.header("etag"), Some(etag.as_str()));

    // Update with a stale ETag fails, with the current one succeeds and changes the ETag.
    let upd =
        json!({"description": "new", "matchingRule": "resource.type = 'dataflowrun'"}).to_string();
    env.call_h("PUT", &path, upd.as_bytes(), &[("if-match", "0000")])
        .await
        .expect_error(412, "NoEtagMatch");
    let updated = env
        .call_h("PUT", &path, upd.as_bytes(), &[("if-match", &etag)])
        .await
        .expect(200);
    assert_eq!(updated.json()["description"], "new");
    assert_eq!(updated.json()["name"], "dg-lab", "names cannot change");
    let etag2 = updated.header("etag").unwrap().to_owned();
    assert_ne!(etag2, etag);

    // Delete: DELETING, then DELETED once the delay passes; the name becomes free again.
    env.call_h("DELETE", &path, b"", &[("if-match", &etag)])
        .await
        .expect_error(412, "NoEtagMatch");
    env.call("DELETE", &path, "").await.expect(204);
    assert_eq!(
        env.call("GET", &path, "").await.expect(200).json()["lifecycleState"],
        "DELETING"
    );
    env.call("DELETE", &path, "").await.expect(204);
    env.call("PUT", &path, &upd)
        .await
        .expect_error(409, "IncorrectState");
    env.call("POST", "/20160918/dynamicGroups", &dg_body(&env, "DG-LAB"))
        .await
        .expect_error(409, "NotAuthorizedOrResourceAlreadyExists");
    env.clock.advance(Duration::milliseconds(2000));
    assert_eq!(
        env.call("GET", &path, "").await.expect(200).json()["lifecycleState"],
        "DELETED"
    );
    env.call("DELETE", &path, "")
        .await
        .expect_error(404, "NotAuthorizedOrNotFound");
    env.call("PUT", &path, &upd)
        .await
        .expect_error(404, "NotAuthorizedOrNotFound");

    let list = format!("/20160918/dynamicGroups?compartmentId={}", env.tenancy());
    assert_eq!(
        env.call("GET", &list, "").await.expect(200).json(),
        json!([])
    );
    let deleted = env
        .call("GET", &format!("{list}&lifecycleState=deleted"), "")
        .await
        .expect(200)
        .json();
    assert_eq!(deleted.as_array().unwrap().len(), 1);
    env.call("POST", "/20160918/dynamicGroups", &dg_body(&env, "dg-lab"))
        .await
        .expect(200);

    let dump = env
        .control("GET", "/_emulator/dump", "")
        .await
        .expect(200)
        .json();
    assert_eq!(dump["dynamic_groups"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn create_dynamic_group_error_paths() {
    let env = Env::new();
    let post = |body: String| {
        let env = &env;
        async move { env.call("POST", "/20160918/dynamicGroups", &body).await }
    };
    let t = env.tenancy();
    let r = post(json!({"name": "a", "description": "", "matchingRule": RULE}).to_string()).await;
    assert!(
        r.expect_error(400, "InvalidParameter").json()["message"]
            .as_str()
            .unwrap()
            .contains("compartmentId")
    );
    let child = env
        .control("POST", "/_emulator/compartments", r#"{"name":"lab"}"#)
        .await
        .expect(200)
        .json();
    let r = post(
        json!({"compartmentId": child["id"], "name": "a", "description": "", "matchingRule": RULE})
            .to_string(),
    )
    .await;
    assert!(
        r.expect_error(400, "InvalidParameter").json()["message"]
            .as_str()
            .unwrap()
            .contains("root compartment")
    );
    let r = post(
        json!({"compartmentId": t, "name": "a b", "description": "", "matchingRule": RULE})
            .to_string(),
    )
    .await;
    assert!(
        r.expect_error(400, "InvalidParameter").json()["message"]
            .as_str()
            .unwrap()
            .contains("name 'a b'")
    );
    let r = post(json!({"compartmentId": t, "name": "a", "matchingRule": RULE}).to_string()).await;
    assert!(
        r.expect_error(400, "InvalidParameter").json()["message"]
            .as_str()
            .unwrap()
            .contains("description")
    );
    let r = post(json!({"compartmentId": t, "name": "a", "description": ""}).to_string()).await;
    assert!(
        r.expect_error(400, "InvalidParameter").json()["message"]
            .as_str()
            .unwrap()
            .contains("matchingRule")
    );
    let bad = "ALL {resource.type = dataflowrun}";
    let r = post(
        json!({"compartmentId": t, "name": "a", "description": "", "matchingRule": bad})
            .to_string(),
    )
    .await;
    let msg = r.expect_error(400, "InvalidParameter").json()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        msg.contains("a quoted value") && msg.contains("column 22"),
        "{msg}"
    );
    post("{not json".to_owned())
        .await
        .expect_error(400, "CannotParseRequest");
    post(dg_body(&env, "dup")).await.expect(200);
    let r = post(dg_body(&env, "dup"))
        .await
        .expect_error(409, "NotAuthorizedOrResourceAlreadyExists");
    assert!(r.json()["message"].as_str().unwrap().contains("'dup'"));
    env.call(
        "GET",
        "/20160918/dynamicGroups/ocid1.dynamicgroup.oc1..nope",
        "",
    )
    .await
    .expect_error(404, "NotAuthorizedOrNotFound");
    env.call("GET", "/20160918/dynamicGroups", "")
        .await
        .expect_error(400, "InvalidParameter");
    let bad_rule = json!({"matchingRule": "ANY {instance.id = 'x'"}).to_string();
    let id = post(dg_body(&env, "other")).await.expect(200).json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    env.call("PUT", &format!("/20160918/dynamicGroups/{id}"), &bad_rule)
        .await
        .expect_error(400, "InvalidParameter");
}

#[tokio::test]
async fn policy_crud_and_statement_checks() {
    let env = Env::new();
    let created = env
        .call(
            "POST",
            "/20160918/policies",
            &policy_body(&env, "lab-policy", &[STATEMENT]),
        )
        .await
        .expect(200);
    let p = created.json();
    assert_eq!(
        p["lifecycleState"], "ACTIVE",
        "zero delay: already ACTIVE, as real IAM answers"
    );
    assert_eq!(p["statements"], json!([STATEMENT]));
    let path = format!("/20160918/policies/{}", p["id"].as_str().unwrap());

    let upd = json!({"statements": [STATEMENT, "Allow any-user to manage objects in compartment lab"], "versionDate": "2018-08-23"});
    let updated = env
        .call("PUT", &path, &upd.to_string())
        .await
        .expect(200)
        .json();
    assert_eq!(updated["statements"].as_array().unwrap().len(), 2);
    assert_eq!(updated["versionDate"], "2018-08-23");
    assert_eq!(updated["description"], "", "fields not sent are kept");

    // Statement errors name the statement and the column.
    let bad =
        json!({"statements": [STATEMENT, "Allow dynamic-group dg-lab to raed buckets in tenancy"]})
            .to_string();
    let msg = env
        .call("PUT", &path, &bad)
        .await
        .expect_error(400, "InvalidParameter")
        .json()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        msg.contains("statement 2 of 2") && msg.contains("a verb") && msg.contains("column 31"),
        "{msg}"
    );
    let post = |b: String| {
        let env = &env;
        async move { env.call("POST", "/20160918/policies", &b).await }
    };
    post(policy_body(&env, "empty", &[]))
        .await
        .expect_error(400, "InvalidParameter");
    let many: Vec<&str> = std::iter::repeat_n(STATEMENT, 51).collect();
    post(policy_body(&env, "many", &many))
        .await
        .expect_error(400, "InvalidParameter");
    let mut b: Value = serde_json::from_str(&policy_body(&env, "dated", &[STATEMENT])).unwrap();
    b["versionDate"] = json!("23/08/2018");
    post(b.to_string())
        .await
        .expect_error(400, "InvalidParameter");
    b["compartmentId"] = json!("ocid1.compartment.oc1..missing");
    b["versionDate"] = json!("2020-01-01");
    post(b.to_string())
        .await
        .expect_error(404, "NotAuthorizedOrNotFound");
    post(policy_body(&env, "LAB-POLICY", &[STATEMENT]))
        .await
        .expect_error(409, "NotAuthorizedOrResourceAlreadyExists");
    let no_statements =
        json!({"compartmentId": env.tenancy(), "name": "x", "description": ""}).to_string();
    post(no_statements)
        .await
        .expect_error(400, "InvalidParameter");

    env.call("DELETE", &path, "").await.expect(204);
    assert_eq!(
        env.call("GET", &path, "").await.expect(200).json()["lifecycleState"],
        "DELETED"
    );
    env.call("DELETE", "/20160918/policies/ocid1.policy.oc1..nope", "")
        .await
        .expect_error(404, "NotAuthorizedOrNotFound");
}

#[tokio::test]
async fn retry_token_replays_the_create_and_is_invalidated_by_delete() {
    let env = Env::new();
    let body = policy_body(&env, "p1", &[STATEMENT]);
    let tok = [("opc-retry-token", "token-1")];
    let first = env
        .call_h("POST", "/20160918/policies", body.as_bytes(), &tok)
        .await
        .expect(200);
    let again = env
        .call_h("POST", "/20160918/policies", body.as_bytes(), &tok)
        .await
        .expect(200);
    assert_eq!(
        first.json()["id"],
        again.json()["id"],
        "same token + same body = same resource"
    );
    assert_eq!(first.header("etag"), again.header("etag"));
    let other = policy_body(&env, "p2", &[STATEMENT]);
    env.call_h("POST", "/20160918/policies", other.as_bytes(), &tok)
        .await
        .expect_error(409, "InvalidatedRetryToken");
    let list = format!("/20160918/policies?compartmentId={}", env.tenancy());
    assert_eq!(
        env.call("GET", &list, "")
            .await
            .expect(200)
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let path = format!(
        "/20160918/policies/{}",
        first.json()["id"].as_str().unwrap()
    );
    env.call("DELETE", &path, "").await.expect(204);
    env.call_h("POST", "/20160918/policies", body.as_bytes(), &tok)
        .await
        .expect_error(409, "InvalidatedRetryToken");

    let dg = dg_body(&env, "dg-r");
    let a = env
        .call_h(
            "POST",
            "/20160918/dynamicGroups",
            dg.as_bytes(),
            &[("opc-retry-token", "t2")],
        )
        .await
        .expect(200);
    let b = env
        .call_h(
            "POST",
            "/20160918/dynamicGroups",
            dg.as_bytes(),
            &[("opc-retry-token", "t2")],
        )
        .await
        .expect(200);
    assert_eq!(a.json()["id"], b.json()["id"]);
}

async fn names(env: &Env, target: &str) -> (Vec<String>, Option<String>) {
    let r = env.call("GET", target, "").await.expect(200);
    let names = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    (names, r.header("opc-next-page").map(str::to_owned))
}

#[tokio::test]
async fn list_policies_filters_sorts_and_pages_with_the_iam_empty_last_page() {
    let env = Env::new();
    for n in ["b", "d", "a", "c"] {
        env.call(
            "POST",
            "/20160918/policies",
            &policy_body(&env, n, &[STATEMENT]),
        )
        .await
        .expect(200);
        env.clock.advance(Duration::seconds(1));
    }
    let base = format!("/20160918/policies?compartmentId={}", env.tenancy());
    assert_eq!(
        names(&env, &base).await,
        (vec!["b".into(), "d".into(), "a".into(), "c".into()], None)
    );
    assert_eq!(
        names(&env, &format!("{base}&sortBy=NAME")).await.0,
        ["a", "b", "c", "d"]
    );
    assert_eq!(
        names(&env, &format!("{base}&sortBy=NAME&sortOrder=DESC"))
            .await
            .0,
        ["d", "c", "b", "a"]
    );
    assert_eq!(
        names(&env, &format!("{base}&sortBy=TIMECREATED")).await.0,
        ["c", "a", "d", "b"]
    );
    assert_eq!(names(&env, &format!("{base}&name=c")).await.0, ["c"]);
    env.call("GET", &format!("{base}&sortBy=SIZE"), "")
        .await
        .expect_error(400, "InvalidParameter");
    env.call("GET", &format!("{base}&lifecycleState=GONE"), "")
        .await
        .expect_error(400, "InvalidParameter");
    env.call("GET", &format!("{base}&limit=0"), "")
        .await
        .expect_error(400, "InvalidParameter");

    // 4 items, limit 2: two full pages, each with a next-page token, then an empty page
    // without one — the real IAM quirk clients must handle.
    let sorted = format!("{base}&sortBy=NAME&limit=2");
    let (p1, n1) = names(&env, &sorted).await;
    assert_eq!(p1, ["a", "b"]);
    let (p2, n2) = names(&env, &format!("{sorted}&page={}", n1.unwrap())).await;
    assert_eq!(p2, ["c", "d"]);
    let (p3, n3) = names(&env, &format!("{sorted}&page={}", n2.unwrap())).await;
    assert!(p3.is_empty() && n3.is_none());
    // 4 items, limit 3: a short second page ends the list.
    let sorted = format!("{base}&sortBy=NAME&limit=3");
    let (_, n1) = names(&env, &sorted).await;
    assert_eq!(
        names(&env, &format!("{sorted}&page={}", n1.unwrap())).await,
        (vec!["d".into()], None)
    );
    let r = env.call("GET", &sorted, "").await;
    assert_eq!(r.header("opc-limit"), Some("3"));
}

#[tokio::test]
async fn compartments_create_get_list_subtree() {
    let env = Env::new();
    let t = env.tenancy();
    let body =
        json!({"compartmentId": t, "name": "lab", "description": "lab compartment"}).to_string();
    let created = env
        .call("POST", "/20160918/compartments", &body)
        .await
        .expect(200);
    let lab = created.json();
    assert_eq!(lab["compartmentId"], t.as_str());
    assert_eq!(lab["lifecycleState"], "ACTIVE");
    assert!(created.header("etag").is_some());
    let lab_id = lab["id"].as_str().unwrap();
    let child = json!({"compartmentId": lab_id, "name": "child", "description": ""}).to_string();
    env.call("POST", "/20160918/compartments", &child)
        .await
        .expect(200);
    env.call("POST", "/20160918/compartments", &body)
        .await
        .expect_error(409, "CompartmentAlreadyExists");
    let no_desc = json!({"compartmentId": t, "name": "x"}).to_string();
    env.call("POST", "/20160918/compartments", &no_desc)
        .await
        .expect_error(400, "InvalidParameter");

    assert_eq!(
        env.call("GET", &format!("/20160918/compartments/{lab_id}"), "")
            .await
            .expect(200)
            .json()["name"],
        "lab"
    );
    let root = env
        .call("GET", &format!("/20160918/compartments/{t}"), "")
        .await
        .expect(200)
        .json();
    assert_eq!(root["id"], t.as_str());
    env.call(
        "GET",
        "/20160918/compartments/ocid1.compartment.oc1..nope",
        "",
    )
    .await
    .expect_error(404, "NotAuthorizedOrNotFound");

    let list = format!("/20160918/compartments?compartmentId={t}");
    assert_eq!(names(&env, &list).await.0, ["lab"]);
    assert_eq!(
        names(
            &env,
            &format!("{list}&compartmentIdInSubtree=true&accessLevel=ACCESSIBLE")
        )
        .await
        .0,
        ["child", "lab"]
    );
    let sub = format!("/20160918/compartments?compartmentId={lab_id}&compartmentIdInSubtree=true");
    env.call("GET", &sub, "")
        .await
        .expect_error(400, "InvalidParameter");
    env.call("GET", &format!("{list}&accessLevel=SOME"), "")
        .await
        .expect_error(400, "InvalidParameter");
}

/// A restart resumes an in-flight delete from its timestamps.
#[tokio::test]
async fn restart_resumes_a_deleting_policy() {
    let env = with_delay(60_000);
    let p = env
        .call(
            "POST",
            "/20160918/policies",
            &policy_body(&env, "p", &[STATEMENT]),
        )
        .await
        .expect(200)
        .json();
    let path = format!("/20160918/policies/{}", p["id"].as_str().unwrap());
    env.clock.advance(Duration::seconds(60));
    env.call("DELETE", &path, "").await.expect(204);
    let clock = Arc::new(ManualClock::at(env.clock.now() + Duration::seconds(30)));
    let reopened = AppState::open(
        env.dir.path(),
        Options {
            clock: clock.clone(),
            ..Options::default()
        },
    )
    .unwrap();
    let doc = |s: &AppState| {
        let v = oci_emulator::services::identity::store::get::<
            oci_emulator::services::identity::wire::Policy,
        >(
            s,
            oci_emulator::services::identity::store::Kind::Policy,
            p["id"].as_str().unwrap(),
        )
        .unwrap();
        v.state
    };
    assert_eq!(doc(&reopened), "DELETING");
    clock.advance(Duration::seconds(30));
    assert_eq!(doc(&reopened), "DELETED");
}

/// Over a real socket: a signed create and get, and a request signed with another key is 401.
#[tokio::test]
async fn real_socket_signed_requests_and_a_foreign_key() {
    let env = Env::new();
    let server = socket::Server::start(env.state.clone()).await;
    let body = dg_body(&env, "dg-socket");
    let req = env.signed("POST", "/20160918/dynamicGroups", body.into_bytes(), &[]);
    let created = server.send(req).await.expect(200);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let got = server
        .send(env.signed(
            "GET",
            &format!("/20160918/dynamicGroups/{id}"),
            Vec::new(),
            &[],
        ))
        .await;
    assert_eq!(got.expect(200).json()["name"], "dg-socket");
    let foreign = other_key();
    let req = env.signed_with(
        (&env.key_id(), &foreign),
        "GET",
        "/20160918/policies?compartmentId=x",
        Vec::new(),
        true,
        &[],
    );
    server.send(req).await.expect_error(401, "NotAuthenticated");
    server.shutdown().await;
}

#[tokio::test]
async fn tenancy_region_subscriptions_and_regions() {
    let env = Env::new();
    let t = env.tenancy();
    let tenancy = env
        .call("GET", &format!("/20160918/tenancies/{t}"), "")
        .await
        .expect(200)
        .json();
    assert_eq!(tenancy["id"], t.as_str());
    assert_eq!(tenancy["homeRegionKey"], "IAD");
    let subs = env
        .call(
            "GET",
            &format!("/20160918/tenancies/{t}/regionSubscriptions"),
            "",
        )
        .await
        .expect(200)
        .json();
    let subs = subs.as_array().unwrap();
    assert_eq!(
        subs[0],
        json!({"regionKey": "IAD", "regionName": "us-ashburn-1", "status": "READY", "isHomeRegion": true})
    );
    assert!(subs.len() > 1 && subs[1..].iter().all(|s| s["isHomeRegion"] == false));
    let regions = env
        .call("GET", "/20160918/regions", "")
        .await
        .expect(200)
        .json();
    assert!(
        regions
            .as_array()
            .unwrap()
            .contains(&json!({"key": "IAD", "name": "us-ashburn-1"}))
    );
    env.call("GET", "/20160918/tenancies/ocid1.tenancy.oc1..other", "")
        .await
        .expect_error(404, "NotAuthorizedOrNotFound");
    let ops: Vec<String> = env
        .state
        .requests()
        .iter()
        .filter_map(|r| r.operation.map(str::to_owned))
        .collect();
    assert_eq!(
        ops,
        [
            "GetTenancy",
            "ListRegionSubscriptions",
            "ListRegions",
            "GetTenancy"
        ]
    );
}

/// `POST /_emulator/reset` drops dynamic groups and policies (their names become free).
#[tokio::test]
async fn reset_drops_dynamic_groups_and_policies() {
    let env = Env::new();
    env.call(
        "POST",
        "/20160918/dynamicGroups",
        &dg_body(&env, "dg-reset"),
    )
    .await
    .expect(200);
    env.call(
        "POST",
        "/20160918/policies",
        &policy_body(&env, "p-reset", &[STATEMENT]),
    )
    .await
    .expect(200);
    let dump = env
        .control("GET", "/_emulator/dump", "")
        .await
        .expect(200)
        .json();
    assert_eq!(dump["policies"][0]["name"], "p-reset");
    env.control("POST", "/_emulator/reset", "").await;
    let dump = env
        .control("GET", "/_emulator/dump", "")
        .await
        .expect(200)
        .json();
    assert_eq!(
        (dump["dynamic_groups"].clone(), dump["policies"].clone()),
        (json!([]), json!([]))
    );
    env.call(
        "POST",
        "/20160918/dynamicGroups",
        &dg_body(&env, "dg-reset"),
    )
    .await
    .expect(200);
}

/// The bug issue 13 found: a 12,000-deep `any {` used to overflow the parser's stack and kill
/// the emulator; it is a 400 like any other malformed statement, and the emulator keeps serving.
#[tokio::test]
async fn a_12000_deep_statement_is_a_400_not_a_crash() {
    let env = Env::new();
    let deep = format!(
        "Allow any-user to read buckets in tenancy where {}request.permission = 'X'{}",
        "any {".repeat(12_000),
        "}".repeat(12_000)
    );
    let msg = env
        .call(
            "POST",
            "/20160918/policies",
            &policy_body(&env, "deep", &[&deep]),
        )
        .await
        .expect_error(400, "InvalidParameter")
        .json()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(msg.contains("statement 1 of 1"), "{msg}");
    let rule = format!(
        "{}resource.type = 'x'{}",
        "ANY {".repeat(12_000),
        "}".repeat(12_000)
    );
    let body = json!({"compartmentId": env.tenancy(), "name": "deep", "description": "", "matchingRule": rule});
    env.call("POST", "/20160918/dynamicGroups", &body.to_string())
        .await
        .expect_error(400, "InvalidParameter");
    // Within the bounds the same shape is fine.
    let ok = format!(
        "Allow any-user to read buckets in tenancy where {}request.permission = 'X'{}",
        "any {".repeat(10),
        "}".repeat(10)
    );
    env.call(
        "POST",
        "/20160918/policies",
        &policy_body(&env, "nested", &[&ok]),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn statements_are_stored_rewritten_as_the_service_does() {
    let env = Env::new();
    let written = "Allow  any-user\n  to read objects in compartment LabData where target.bucket.name='lab-input'";
    let p = env
        .call(
            "POST",
            "/20160918/policies",
            &policy_body(&env, "rw", &[written]),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(
        p["statements"],
        json!([
            "Allow any-user to read objects in compartment labdata where target.bucket.name = 'lab-input'"
        ])
    );
    let tags = &p["definedTags"]["Oracle-Tags"];
    assert!(
        tags["CreatedBy"].is_string() && tags["CreatedOn"].is_string(),
        "{p}"
    );
}

#[tokio::test]
async fn policies_naming_a_dynamic_group_wait_for_it_to_propagate() {
    let env = Env::new();
    let named = "Allow dynamic-group dg-new to read buckets in tenancy";
    let refused = env
        .call(
            "POST",
            "/20160918/policies",
            &policy_body(&env, "p-early", &[named]),
        )
        .await
        .expect_error(400, "InvalidParameter")
        .json();
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("does not exist"),
        "{refused}"
    );
    env.control("PUT", "/_emulator/iam", r#"{"propagation_delay_ms": 5000}"#)
        .await
        .expect(200);
    env.call("POST", "/20160918/dynamicGroups", &dg_body(&env, "dg-new"))
        .await
        .expect(200);
    env.call(
        "POST",
        "/20160918/policies",
        &policy_body(&env, "p-early", &[named]),
    )
    .await
    .expect_error(400, "InvalidParameter");
    env.clock.advance(Duration::milliseconds(5000));
    env.call(
        "POST",
        "/20160918/policies",
        &policy_body(
            &env,
            "p-early",
            &["Allow dynamic-group DG-NEW to read buckets in tenancy"],
        ),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn iam_writes_outside_the_home_region_are_refused() {
    let env = Env::new();
    let body = policy_body(&env, "p-region", &[STATEMENT]);
    let phoenix = "identity.us-phoenix-1.oci.oraclecloud.com";
    let msg = env
        .call_at(phoenix, "POST", "/20160918/policies", &body)
        .await
        .expect_error(403, "NotAllowed")
        .json();
    assert!(
        msg["message"]
            .as_str()
            .unwrap()
            .contains("Please go to your home region IAD"),
        "{msg}"
    );
    let list = format!("/20160918/policies?compartmentId={}", env.tenancy());
    env.call_at(phoenix, "GET", &list, "").await.expect(200);
    env.call_at(
        "identity.us-ashburn-1.oci.oraclecloud.com",
        "POST",
        "/20160918/policies",
        &body,
    )
    .await
    .expect(200);
    let regions: Vec<String> = env
        .state
        .requests()
        .iter()
        .map(|r| r.region.clone())
        .collect();
    assert_eq!(regions, ["us-phoenix-1", "us-phoenix-1", "us-ashburn-1"]);
}
