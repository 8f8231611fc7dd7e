//! Real-socket helpers for the identity and dataflow tests: run the emulator's own serve loop
//! on 127.0.0.1:0 and send requests over TCP with hyper's HTTP/1 client.
#![allow(dead_code)]

use crate::common::Resp;
use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use oci_emulator::AppState;
use std::net::SocketAddr;

/// A running emulator; dropping `stop` (via [`Server::shutdown`]) ends the serve loop.
pub struct Server {
    pub addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    pub async fn start(state: AppState) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(oci_emulator::serve(listener, state, async {
            let _ = stopped.await;
        }));
        Server { addr, stop, task }
    }

    /// Send one request on a fresh connection.
    pub async fn send(&self, req: Request<Body>) -> Resp {
        let stream = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(conn);
        let resp = sender.send_request(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn shutdown(self) {
        self.stop.send(()).unwrap();
        self.task.await.unwrap().unwrap();
    }
}
