//! Webhook receivers: a wiremock endpoint whose calls are checked against the secret the way a
//! partner would check them (HMAC-SHA256 over `t + "." + body`), a raw socket that hangs up on
//! every call until healed, one that never answers at all ([`BlackHole`]), and the admin calls
//! that register webhooks and list deliveries.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::{Session, TestServer};

impl TestServer {
    /// Registers a webhook as `admin`; returns (webhook id, secret).
    pub async fn webhook(&self, admin: &Session, body: Value) -> (String, String) {
        let (status, answer) = self
            .post(Some(&admin.access_token), "/v1/webhooks", body)
            .await;
        assert_eq!(status, 201, "registering a webhook: {answer}");
        let id = answer["webhook"]["id"]
            .as_str()
            .expect("webhook id")
            .to_owned();
        (id, answer["secret"].as_str().expect("secret").to_owned())
    }

    /// `GET /v1/deliveries{query}` as `admin`: the items.
    pub async fn deliveries(&self, admin: &Session, query: &str) -> Vec<Value> {
        let (status, page) = self
            .get_as(&admin.access_token, &format!("/v1/deliveries{query}"))
            .await;
        assert_eq!(status, 200, "listing deliveries: {page}");
        page["items"].as_array().expect("items").clone()
    }
}

/// Lowercase hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks `header` (`t=…,v1=…`) against `body` and `secret` the way a partner would;
/// returns `t`.
pub fn verify_signature(secret: &str, header: &str, body: &[u8]) -> Result<i64, String> {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = value.parse::<i64>().ok(),
            Some(("v1", value)) => v1 = Some(value.to_owned()),
            _ => return Err(format!("unexpected part {part:?} in {header:?}")),
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return Err(format!("no t or v1 in {header:?}"));
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|e| e.to_string())?;
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    let want = hex(&mac.finalize().into_bytes());
    if want == v1 {
        Ok(t)
    } else {
        Err(format!("v1 {v1} is not {want}"))
    }
}

/// One call a webhook receiver got.
#[derive(Debug, Clone)]
pub struct HookCall {
    /// `X-Cunxiang-Event-Id`.
    pub event_id: String,
    /// `X-Cunxiang-Delivery-Id`.
    pub delivery_id: String,
    /// The body as JSON.
    pub body: Value,
    /// The signature check: `Ok(t)` or why it failed.
    pub signature: Result<i64, String>,
    /// `Content-Type`.
    pub content_type: String,
}

pub(super) fn header(req: &Request, name: &str) -> String {
    req.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// A partner's webhook endpoint: `POST /hook` answers 204 unless the test mounts otherwise.
pub struct HookReceiver {
    /// The mock server (mount more responses on it for faults).
    pub server: MockServer,
}

impl HookReceiver {
    /// A receiver that accepts everything.
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/hook"))
            .respond_with(ResponseTemplate::new(204))
            .mount(&server)
            .await;
        HookReceiver { server }
    }

    /// A receiver that answers `status` to the first `times` calls, then 204.
    pub async fn failing(status: u16, times: u64) -> Self {
        Self::with_first(ResponseTemplate::new(status), times).await
    }

    /// A receiver that answers the first `times` calls with `first`, then 204.
    pub async fn with_first(first: ResponseTemplate, times: u64) -> Self {
        let receiver = Self::start().await;
        Mock::given(method("POST"))
            .and(path("/hook"))
            .respond_with(first)
            .up_to_n_times(times)
            .with_priority(1)
            .mount(&receiver.server)
            .await;
        receiver
    }

    /// The URL to register.
    pub fn url(&self) -> String {
        format!("{}/hook", self.server.uri())
    }

    /// Every call so far, oldest first, each checked against `secret`.
    pub async fn calls(&self, secret: &str) -> Vec<HookCall> {
        let requests = self.server.received_requests().await.unwrap_or_default();
        requests
            .iter()
            .filter(|r| r.url.path() == "/hook")
            .map(|r| HookCall {
                event_id: header(r, "x-cunxiang-event-id"),
                delivery_id: header(r, "x-cunxiang-delivery-id"),
                body: serde_json::from_slice(&r.body).unwrap_or(Value::Null),
                signature: verify_signature(secret, &header(r, "x-cunxiang-signature"), &r.body),
                content_type: header(r, "content-type"),
            })
            .collect()
    }
}

/// Listens on a free local port and hands every accepted connection to `serve` on a task of
/// its own; returns the URL to register and the count of connections accepted.
async fn listen<F, Fut>(serve: F) -> (String, Arc<AtomicUsize>)
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(serve(socket));
        }
    });
    (format!("http://127.0.0.1:{port}/hook"), connections)
}

/// A receiver that reads each request and closes the connection without answering, until
/// [`HangUp::heal`] makes it answer `200 OK`.
pub struct HangUp {
    /// The URL to register.
    pub url: String,
    connections: Arc<AtomicUsize>,
    healed: Arc<AtomicBool>,
}

impl HangUp {
    /// Starts listening on a free local port.
    pub async fn start() -> Self {
        let healed = Arc::new(AtomicBool::new(false));
        let heal = healed.clone();
        let (url, connections) = listen(move |mut socket| {
            let heal = heal.clone();
            async move {
                let mut buf = vec![0u8; 16 * 1024];
                let _ = tokio::time::timeout(Duration::from_secs(2), socket.read(&mut buf)).await;
                if heal.load(Ordering::SeqCst) {
                    let answer =
                        b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
                    let _ = socket.write_all(answer).await;
                    let _ = socket.shutdown().await;
                }
                // Dropped here: the connection closes without an answer.
            }
        })
        .await;
        HangUp {
            url,
            connections,
            healed,
        }
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// From now on, answer `200 OK`.
    pub fn heal(&self) {
        self.healed.store(true, Ordering::SeqCst);
    }
}

/// A receiver that accepts every connection, reads what comes and never answers (a partner
/// whose server hangs): every call to it runs into the webhook timeout.
pub struct BlackHole {
    /// The URL to register.
    pub url: String,
    connections: Arc<AtomicUsize>,
}

impl BlackHole {
    /// Starts listening on a free local port.
    pub async fn start() -> Self {
        let (url, connections) = listen(|mut socket| async move {
            // Read until the caller gives up and closes; answer nothing.
            let mut buf = vec![0u8; 16 * 1024];
            while matches!(socket.read(&mut buf).await, Ok(n) if n > 0) {}
        })
        .await;
        BlackHole { url, connections }
    }

    /// Connections accepted so far (each a call that got no answer).
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}
