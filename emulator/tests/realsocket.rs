//! Object Storage over a real TCP socket (in-process `serve` on 127.0.0.1:0): streaming a
//! 200 MiB body both ways, signatures with a real `host:port`, and fault-injected connection
//! drops.

mod common;

use axum::body::Body;
use bytes::Bytes;
use common::Env;
use common::real::Real;
use futures::StreamExt;
use http_body_util::BodyExt;
use md5::{Digest, Md5};
use tokio::net::TcpListener;

/// Start `serve` on an ephemeral loopback port; returns the client and a stop handle.
async fn start(
    env: &Env,
) -> (
    Real,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let state = env.state.clone();
    let task = tokio::spawn(oci_emulator::serve(listener, state, async move {
        let _ = rx.await;
    }));
    (
        Real::new(&endpoint, &env.key_id(), env.key.clone()),
        tx,
        task,
    )
}

/// Deterministic pseudo-random chunk `i` of a large body.
fn chunk(i: u64, len: usize) -> Bytes {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut v = Vec::with_capacity(len);
    while v.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.truncate(len);
    Bytes::from(v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_and_get_a_200_mib_object_over_a_real_socket() {
    let env = Env::new();
    let (client, stop, task) = start(&env).await;
    let ns = env.ns();
    let r = client
        .call(
            "POST",
            &format!("/n/{ns}/b"),
            serde_json::json!({"name": "big", "compartmentId": env.tenancy()})
                .to_string()
                .as_bytes(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));

    const CHUNK: usize = 1 << 20;
    const CHUNKS: u64 = 200;
    let total = CHUNK as u64 * CHUNKS;
    let mut expected = Md5::new();
    for i in 0..CHUNKS {
        expected.update(chunk(i, CHUNK));
    }
    let expected = expected.finalize();
    let body = Body::from_stream(futures::stream::iter(
        (0..CHUNKS).map(|i| Ok::<_, std::io::Error>(chunk(i, CHUNK))),
    ));
    let len = total.to_string();
    let resp = client
        .send_raw(
            "PUT",
            &format!("/n/{ns}/b/big/o/blob.bin"),
            body,
            None,
            &[
                ("content-length", &len),
                ("content-type", "application/octet-stream"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    use base64::Engine;
    let md5_b64 = base64::engine::general_purpose::STANDARD.encode(expected);
    assert_eq!(resp.headers()["opc-content-md5"].to_str().unwrap(), md5_b64);

    // Read it back as a stream, hashing as we go: exact bytes, exact length.
    let resp = client
        .send_raw(
            "GET",
            &format!("/n/{ns}/b/big/o/blob.bin"),
            Body::empty(),
            None,
            &[],
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-length"].to_str().unwrap(), len);
    let mut got = Md5::new();
    let mut n: u64 = 0;
    let mut stream = resp.into_body().into_data_stream();
    while let Some(c) = stream.next().await {
        let c = c.unwrap();
        n += c.len() as u64;
        got.update(&c);
    }
    assert_eq!(n, total);
    assert_eq!(got.finalize(), expected);

    // A small object and a listing, signed with the real host:port.
    let r = client
        .call("PUT", &format!("/n/{ns}/b/big/o/small%2Fone"), b"tiny")
        .await;
    assert_eq!(r.status, 200);
    let r = client
        .call(
            "GET",
            &format!("/n/{ns}/b/big/o?fields=size&prefix=small%2F"),
            b"",
        )
        .await;
    assert_eq!(
        r.json()["objects"],
        serde_json::json!([{"name": "small/one", "size": 4}])
    );
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_drop_connection_fault_closes_the_socket_without_a_response() {
    let env = Env::new();
    let (client, stop, task) = start(&env).await;
    env.control(
        "POST",
        "/_emulator/faults",
        r#"{"operation":"GetNamespace","drop_connection":true,"count":1}"#,
    )
    .await
    .expect(201);
    let err = client
        .send_raw("GET", "/n", Body::empty(), None, &[])
        .await
        .expect_err("the connection is dropped");
    assert!(!err.is_connect(), "connected, then dropped: {err:?}");
    // The next request gets an answer.
    let r = client.call("GET", "/n", b"").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), serde_json::json!(env.ns()));
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_real_request_signed_for_another_port_is_rejected() {
    let env = Env::new();
    let (client, stop, task) = start(&env).await;
    let wrong = Real::new("http://127.0.0.1:1", &env.key_id(), env.key.clone());
    let date = oci_emulator::clock::http_date(time::OffsetDateTime::now_utc());
    let headers = common::signer::sign(
        &wrong.key_id,
        &wrong.key,
        &common::signer::ToSign {
            method: "GET",
            target: "/n",
            host: &wrong.host,
            date: &date,
            body: None,
            content_type: "",
        },
    );
    let mut b = axum::http::Request::get(format!("{}/n", client.base));
    for (k, v) in headers {
        b = b.header(k, v);
    }
    let c = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Body>();
    let resp = c.request(b.body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(resp.status(), 401);
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
}

/// `after: true`: the create is done and committed, then the connection closes unanswered (a
/// response lost on the way back); the retry with the same token gets the stored answer.
#[tokio::test]
async fn a_fault_after_the_handler_loses_only_the_answer() {
    let env = Env::new();
    let (client, stop, task) = start(&env).await;
    env.control(
        "POST",
        "/_emulator/faults",
        r#"{"operation":"CreateDynamicGroup","drop_connection":true,"after":true,"count":1}"#,
    )
    .await
    .expect(201);
    let body = serde_json::json!({"compartmentId": env.tenancy(), "name": "dg-lost",
        "description": "d", "matchingRule": "ALL {resource.type = 'dataflowrun'}"})
    .to_string();
    let token = [("opc-retry-token", "lost-answer")];
    let err = client
        .send_raw(
            "POST",
            "/20160918/dynamicGroups",
            Body::from(body.clone()),
            Some(body.as_bytes()),
            &token,
        )
        .await
        .expect_err("the answer is dropped");
    assert!(!err.is_connect(), "connected, then dropped: {err:?}");
    let dump = |d: serde_json::Value| d["dynamic_groups"].as_array().unwrap().clone();
    let created = dump(env.control("GET", "/_emulator/dump", "").await.json());
    assert_eq!(created.len(), 1, "the create was done: {created:?}");
    let r = client
        .call_h("POST", "/20160918/dynamicGroups", body.as_bytes(), &token)
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        r.json()["id"],
        created[0]["id"],
        "the retry replays the create"
    );
    let after = dump(env.control("GET", "/_emulator/dump", "").await.json());
    assert_eq!(after.len(), 1);
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
}
