//! Retry policy against a local test server: which answers are retried, how many attempts,
//! backoff bounds (measured on the manual clock, never by sleeping), one retry token per create
//! reused on every attempt, a new opc-request-id per attempt.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{Reply, TestServer, client};
use oci_client::RetryPolicy;
use oci_client::services::identity::CreatePolicyDetails;
use serde_json::json;

fn policy_json() -> serde_json::Value {
    json!({"id": "ocid1.policy.oc1..p1", "compartmentId": "ocid1.tenancy.oc1..t", "name": "p",
           "statements": ["allow any-user to read buckets in tenancy"], "description": "",
           "lifecycleState": "ACTIVE", "timeCreated": "2026-11-21T02:25:26.000Z", "someNewField": {"x": 1}})
}

fn create_details() -> CreatePolicyDetails {
    CreatePolicyDetails {
        compartment_id: "ocid1.tenancy.oc1..t".into(),
        name: "p".into(),
        statements: vec!["allow any-user to read buckets in tenancy".into()],
        description: String::new(),
        ..Default::default()
    }
}

/// Answers `failures` in order, then 200 with a policy.
async fn flaky(failures: Vec<(u16, &'static str)>) -> TestServer {
    TestServer::start(move |_, i| match failures.get(i) {
        Some((status, code)) => {
            Reply::error(*status, code, "injected").header("opc-request-id", &format!("srv-{i}"))
        }
        None => Reply::json(200, policy_json()).header("etag", "etag-1"),
    })
    .await
}

#[tokio::test]
async fn retryable_answers_are_retried_with_same_token_and_new_request_ids() {
    let server = flaky(vec![
        (429, "TooManyRequests"),
        (503, "ServiceUnavailable"),
        (409, "IncorrectState"),
        (500, "InternalServerError"),
        (409, "LockConflict"),
    ])
    .await;
    let (client, clock) = client(&server.url);
    let policy = client.create_policy(&create_details()).await.unwrap();
    assert_eq!(policy.id, "ocid1.policy.oc1..p1");
    assert_eq!(policy.etag(), Some("etag-1"));

    let reqs = server.requests();
    assert_eq!(reqs.len(), 6, "five failures then success");
    let tokens: HashSet<_> = reqs
        .iter()
        .map(|r| r.header("opc-retry-token").unwrap().to_string())
        .collect();
    assert_eq!(tokens.len(), 1, "one retry token for the whole create");
    let token = tokens.into_iter().next().unwrap();
    assert_eq!(token.len(), 30);
    assert!(token.chars().all(|c| c.is_ascii_alphanumeric()));
    let ids: HashSet<_> = reqs
        .iter()
        .map(|r| r.header("opc-request-id").unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 6, "a new opc-request-id per attempt");
    for r in &reqs {
        assert!(
            r.signature.is_ok(),
            "every attempt is freshly signed: {:?}",
            r.signature
        );
        assert_eq!(r.header("opc-client-retries"), Some("true"));
        assert_eq!(r.method, "POST");
        assert_eq!(r.target, "/20160918/policies");
    }

    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 5);
    let policy = RetryPolicy::default();
    for (i, s) in sleeps.iter().enumerate() {
        let ceiling = policy.backoff_ceiling(u32::try_from(i).unwrap() + 1);
        assert!(*s <= ceiling, "sleep {i} = {s:?} exceeds {ceiling:?}");
    }
    assert_eq!(policy.backoff_ceiling(1), Duration::from_secs(1));
    assert_eq!(policy.backoff_ceiling(5), Duration::from_secs(16));
    assert_eq!(policy.backoff_ceiling(6), Duration::from_secs(30), "capped");
}

#[tokio::test]
async fn non_retryable_answers_fail_at_once() {
    for (status, code) in [
        (400, "InvalidParameter"),
        (401, "NotAuthenticated"),
        (404, "NotAuthorizedOrNotFound"),
        (409, "NotAuthorizedOrResourceAlreadyExists"),
        (409, "InvalidatedRetryToken"),
        (412, "NoEtagMatch"),
        (501, "MethodNotImplemented"),
    ] {
        let server = flaky(vec![(status, code); 3]).await;
        let (client, clock) = client(&server.url);
        let err = client.get_policy("ocid1.policy.oc1..p1").await.unwrap_err();
        assert_eq!(
            server.requests().len(),
            1,
            "{status} {code} must not be retried"
        );
        assert!(clock.sleeps().is_empty());
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.code(), Some(code));
        assert_eq!(err.opc_request_id(), Some("srv-0"));
        assert!(!err.is_retryable());
        let text = err.to_string();
        assert!(
            text.contains("GetPolicy") && text.contains("srv-0") && text.contains(code),
            "{text}"
        );
        assert_eq!(err.is_not_found(), status == 404);
        assert_eq!(err.is_conflict(), status == 409);
    }
}

#[tokio::test]
async fn attempts_are_capped_at_eight_and_the_last_error_returned() {
    let server = flaky(vec![(503, "ServiceUnavailable"); 20]).await;
    let (client, clock) = client(&server.url);
    let err = client.get_policy("ocid1.policy.oc1..p1").await.unwrap_err();
    assert_eq!(server.requests().len(), 8);
    assert_eq!(clock.sleeps().len(), 7);
    assert!(err.is_retryable());
    assert_eq!(err.opc_request_id(), Some("srv-7"));
}

#[tokio::test]
async fn time_budget_bounds_retries() {
    let server = flaky(vec![(429, "TooManyRequests"); 100]).await;
    let (client, clock) = client(&server.url);
    // retry_duration_seconds = 20: unlimited attempts within 20 simulated seconds.
    let client = client.with_retry_policy(RetryPolicy::from_provider_settings(false, Some(20)));
    client.get_policy("ocid1.policy.oc1..p1").await.unwrap_err();
    let total: Duration = clock.sleeps().iter().sum();
    assert!(total < Duration::from_secs(20), "slept {total:?}");
    assert_eq!(server.requests().len(), clock.sleeps().len() + 1);
    assert!(server.requests().len() >= 3, "retried within the budget");

    // Time spent waiting for answers counts too: each answer takes 15 simulated seconds, so the
    // second answer arrives past the 20 s budget and no third attempt is made.
    let slow_clock = oci_client::retry::ManualClock::new();
    let server_clock = slow_clock.clone();
    let server = TestServer::start(move |_, _| {
        server_clock.advance(Duration::from_secs(15));
        Reply::error(429, "TooManyRequests", "slow")
    })
    .await;
    let (client, _) = common::client(&server.url);
    let client = client
        .with_clock(std::sync::Arc::new(slow_clock.clone()))
        .with_retry_policy(RetryPolicy::from_provider_settings(false, Some(20)));
    client.get_policy("ocid1.policy.oc1..p1").await.unwrap_err();
    assert_eq!(server.requests().len(), 2);
    assert_eq!(slow_clock.sleeps().len(), 1);
}

#[tokio::test]
async fn disable_auto_retries_sends_one_attempt_without_retry_header() {
    let server = flaky(vec![(503, "ServiceUnavailable"); 3]).await;
    let (client, clock) = client(&server.url);
    let client = client.with_retry_policy(RetryPolicy::from_provider_settings(true, None));
    client.create_policy(&create_details()).await.unwrap_err();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert!(clock.sleeps().is_empty());
    assert_eq!(reqs[0].header("opc-client-retries"), None);
    assert!(
        reqs[0].header("opc-retry-token").is_some(),
        "creates still carry a retry token"
    );
}

#[tokio::test]
async fn connection_failures_are_retried() {
    // Bind then drop a listener: the port refuses connections.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (client, clock) = client(&format!("http://{addr}"));
    let err = client.get_policy("ocid1.policy.oc1..p1").await.unwrap_err();
    assert!(
        matches!(err, oci_client::Error::Transport { .. }),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(clock.sleeps().len(), 7);
    assert!(err.to_string().contains("GetPolicy"));
}

#[tokio::test]
async fn each_create_call_gets_its_own_token() {
    let server = flaky(vec![]).await;
    let (client, _) = client(&server.url);
    client.create_policy(&create_details()).await.unwrap();
    client.create_policy(&create_details()).await.unwrap();
    client.get_policy("ocid1.policy.oc1..p1").await.unwrap();
    let reqs = server.requests();
    let t0 = reqs[0].header("opc-retry-token").unwrap();
    let t1 = reqs[1].header("opc-retry-token").unwrap();
    assert_ne!(t0, t1);
    assert_eq!(
        reqs[2].header("opc-retry-token"),
        None,
        "reads carry no retry token"
    );
}

#[tokio::test]
async fn retry_after_is_obeyed_up_to_the_cap() {
    let server = TestServer::start(|_, i| match i {
        0 => Reply::error(429, "TooManyRequests", "slow down").header("retry-after", "7"),
        1 => Reply::error(503, "ServiceUnavailable", "later").header("retry-after", "3600"),
        _ => Reply::json(200, policy_json()),
    })
    .await;
    let (client, clock) = client(&server.url);
    client.get_policy("ocid1.policy.oc1..p1").await.unwrap();
    assert_eq!(
        clock.sleeps(),
        [Duration::from_secs(7), Duration::from_secs(30)]
    );
}
