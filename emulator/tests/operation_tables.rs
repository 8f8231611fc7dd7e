//! Every row of every service's operation table is routed to its handler and classified as
//! its operation: the router and the classifier (auth, fault rules, request log) come from the
//! same rows, so a signed request for each row reaches a handler (never the no-route 404 or
//! 405) and is logged under the row's service and operation name.

mod common;

use common::Env;
use oci_emulator::service::Verb;
use oci_emulator::services;

/// `path` with every `{param}` / `{*param}` filled in.
fn concrete(path: &str, ns: &str) -> String {
    path.split('/')
        .map(|seg| match seg {
            "{ns}" => ns.to_owned(),
            "{bucket}" => "b1".to_owned(),
            "{*object}" => "o1".to_owned(),
            s if s.starts_with('{') => "x1".to_owned(),
            s => s.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn every_table_row_is_routed_and_classified_as_itself() {
    let env = Env::new();
    env.create_bucket("b1").await;
    env.put_object("b1", "o1", b"hello").await;
    let mut rows = 0;
    for def in services::ALL {
        for op in def.operations {
            rows += 1;
            let target = concrete(op.path, &env.ns());
            let method = op.verb.method();
            let body = if matches!(op.verb, Verb::POST | Verb::PUT) {
                "{}"
            } else {
                ""
            };
            env.state.clear_requests();
            let resp = env.call(method.as_str(), &target, body).await;
            assert_ne!(resp.status.as_u16(), 405, "{} {target}", op.name);
            if op.verb != Verb::HEAD {
                let code = serde_json::from_slice::<serde_json::Value>(&resp.body)
                    .ok()
                    .and_then(|v| v["code"].as_str().map(str::to_owned));
                assert_ne!(
                    code.as_deref(),
                    Some("NotFound"),
                    "{} {method} {target} reached no route",
                    op.name
                );
            } else {
                assert_eq!(resp.status.as_u16(), 200, "{} {target}", op.name);
            }
            let log = env.state.requests();
            assert_eq!(log.len(), 1, "{} {target}", op.name);
            assert_eq!(
                (log[0].service, log[0].operation),
                (def.name, Some(op.name)),
                "{method} {target}"
            );
        }
    }
    assert!(rows > 60, "only {rows} rows");
}
