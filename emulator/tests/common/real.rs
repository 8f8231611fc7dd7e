//! A signed HTTP client for tests against a real socket (in-process `serve` or the binary).

use super::Resp;
use super::signer;
use axum::body::Body;
use axum::http::{Request, Response};
use http_body_util::BodyExt;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use oci_emulator::clock::http_date;
use rsa::RsaPrivateKey;

pub struct Real {
    pub base: String,
    pub host: String,
    pub key_id: String,
    pub key: RsaPrivateKey,
    client: Client<HttpConnector, Body>,
}

impl Real {
    pub fn new(endpoint: &str, key_id: &str, key: RsaPrivateKey) -> Real {
        let host = endpoint
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        Real {
            base: endpoint.trim_end_matches('/').to_owned(),
            host,
            key_id: key_id.to_owned(),
            key,
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// From the `--json` line of `oci-emulator serve`.
    pub fn from_info(info: &serde_json::Value) -> Real {
        let key_id = format!(
            "{}/{}/{}",
            info["tenancy_id"].as_str().unwrap(),
            info["user_id"].as_str().unwrap(),
            info["fingerprint"].as_str().unwrap()
        );
        let key = super::read_private_key(std::path::Path::new(info["key_file"].as_str().unwrap()));
        Real::new(info["endpoint"].as_str().unwrap(), &key_id, key)
    }

    /// Send a signed request. `signed_body` is the body to hash when the body is signed;
    /// `None` for GET/DELETE and for PutObject/UploadPart (whose body is then `body`).
    pub async fn send_raw(
        &self,
        method: &str,
        target: &str,
        body: Body,
        signed_body: Option<&[u8]>,
        extra: &[(&str, &str)],
    ) -> Result<Response<hyper::body::Incoming>, hyper_util::client::legacy::Error> {
        let date = http_date(time::OffsetDateTime::now_utc());
        let headers = signer::sign(
            &self.key_id,
            &self.key,
            &signer::ToSign {
                method,
                target,
                host: &self.host,
                date: &date,
                body: signed_body,
                content_type: "application/json",
            },
        );
        let mut b = Request::builder()
            .method(method)
            .uri(format!("{}{target}", self.base));
        for (k, v) in headers {
            b = b.header(k, v);
        }
        for (k, v) in extra {
            b = b.header(*k, *v);
        }
        self.client.request(b.body(body).unwrap()).await
    }

    /// Send and collect; bodies of POST/PUT are signed unless the target is PutObject/UploadPart.
    pub async fn call(&self, method: &str, target: &str, body: &[u8]) -> Resp {
        self.call_h(method, target, body, &[]).await
    }

    /// [`Real::call`] with extra (unsigned) request headers, e.g. `opc-retry-token`.
    pub async fn call_h(
        &self,
        method: &str,
        target: &str,
        body: &[u8],
        headers: &[(&str, &str)],
    ) -> Resp {
        let unsigned = super::is_body_unsigned(method, target);
        let signed = (matches!(method, "POST" | "PUT") && !unsigned).then_some(body);
        let mut extra = headers.to_vec();
        let len = body.len().to_string();
        if unsigned {
            extra.push(("content-length", len.as_str()));
        }
        let resp = self
            .send_raw(method, target, Body::from(body.to_vec()), signed, &extra)
            .await
            .expect("request");
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }
}
