//! Calls a partner's webhook: `POST {url}` with the stored event JSON as the exact body and
//! headers `X-Cunxiang-Event-Id`, `X-Cunxiang-Delivery-Id` and
//! `X-Cunxiang-Signature: t=<unix secs>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
//! Any 2xx is sent; anything else is tried again (a connection error or a timeout as
//! [`Outcome::Unreachable`], which the destination's circuit breaker counts).
//!
//! Calls go only where the [`Egress`] policy permits: a URL whose host is an address inside
//! the network, or a name that resolves only to such addresses, is dead with
//! [`REFUSED_BY_POLICY`] and nothing is sent ([`resolve`] checks names as they are resolved).

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use reqwest::header::CONTENT_TYPE;
use sha2::Sha256;
use uuid::Uuid;

use super::egress::{Egress, REFUSED_BY_POLICY, Refused};
use super::{Outcome, failed};

mod resolve;

/// Header carrying the event id (receivers dedupe by it).
pub const EVENT_ID_HEADER: &str = "X-Cunxiang-Event-Id";
/// Header carrying the delivery id.
pub const DELIVERY_ID_HEADER: &str = "X-Cunxiang-Delivery-Id";
/// Header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-Cunxiang-Signature";

/// The signature header's value: `t=<t>,v1=<lowercase hex HMAC-SHA256(secret, "<t>.<body>")>`.
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Posts `body` to `url`, signed with `secret` at `now_unix`, waiting at most `timeout`.
#[allow(clippy::too_many_arguments)]
pub async fn send(
    client: &WebhookClient,
    url: &str,
    secret: &str,
    event_id: Uuid,
    delivery_id: Uuid,
    body: &str,
    now_unix: i64,
    timeout: Duration,
) -> Outcome {
    let Ok(url) = reqwest::Url::parse(url) else {
        return Outcome::Dead("invalid webhook URL".into());
    };
    if client.egress.literal_refusal(&url).is_some() {
        return Outcome::Dead(REFUSED_BY_POLICY.into());
    }
    let request = client
        .http
        .post(url)
        .timeout(timeout)
        .header(CONTENT_TYPE, "application/json")
        .header(EVENT_ID_HEADER, event_id.to_string())
        .header(DELIVERY_ID_HEADER, delivery_id.to_string())
        .header(SIGNATURE_HEADER, signature(secret, now_unix, body))
        .body(body.to_owned());
    match request.send().await {
        Ok(res) if res.status().is_success() => Outcome::Sent,
        // Followed, a redirect would turn the POST into a bodiless GET that "succeeds".
        Ok(res) if res.status().is_redirection() => Outcome::Dead(format!(
            "redirected (status {}): register the final URL",
            res.status().as_u16()
        )),
        Ok(res) => Outcome::Retry(format!("status {}", res.status().as_u16())),
        Err(e) if e.is_builder() => Outcome::Dead("invalid webhook URL".into()),
        Err(e) if by_policy(&e) => Outcome::Dead(REFUSED_BY_POLICY.into()),
        Err(e) => failed(e),
    }
}

/// Whether `e` is the resolver's [`Refused`]: the name led only inside the network.
fn by_policy(e: &reqwest::Error) -> bool {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(cause) = next {
        if cause.is::<Refused>() {
            return true;
        }
        next = cause.source();
    }
    false
}

/// The client webhooks are sent with, and the policy of where they may go.
#[derive(Debug, Clone)]
pub struct WebhookClient {
    http: reqwest::Client,
    egress: Arc<Egress>,
}

impl WebhookClient {
    /// Where the client may call.
    pub fn egress(&self) -> &Egress {
        &self.egress
    }
}

/// The webhook client under `egress`: it resolves names through the policy ([`resolve`]),
/// connects directly (no proxy from the environment, so the address checked is the one
/// connected to) and never follows redirects (a 3xx is a failure).
pub fn client(egress: Egress) -> reqwest::Result<WebhookClient> {
    let egress = Arc::new(egress);
    let http = reqwest::Client::builder()
        .user_agent(concat!("cunxiang-webhook/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(resolve::Guarded {
            egress: egress.clone(),
        })
        .build()?;
    Ok(WebhookClient { http, egress })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::io::Read;

    use wiremock::matchers::{body_string, header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    const BODY: &str = r#"{"id":"e1","type":"accepted"}"#;

    /// A client that may call this machine (where the test receivers listen).
    fn client() -> WebhookClient {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let allow = crate::settings::parse_allow("127.0.0.0/8,::1").unwrap();
        super::client(Egress::new(allow)).unwrap()
    }

    #[tokio::test]
    async fn a_redirect_is_not_followed_and_is_dead() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(301).insert_header("Location", "https://elsewhere.example/"),
            )
            .expect(1)
            .mount(&server)
            .await;
        let outcome = send(
            &client(),
            &format!("{}/hook", server.uri()),
            "secret",
            Uuid::nil(),
            Uuid::nil(),
            BODY,
            1_700_000_000,
            Duration::from_secs(2),
        )
        .await;
        assert!(
            matches!(&outcome, Outcome::Dead(why) if why.contains("301")),
            "{outcome:?}"
        );
    }

    #[tokio::test]
    async fn a_receiver_inside_the_network_is_refused_by_policy_and_never_called() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(204))
            .expect(0)
            .mount(&server)
            .await;
        let port = server.address().port();
        let _ = rustls::crypto::ring::default_provider().install_default();
        let strict = super::client(Egress::default()).unwrap();
        for url in [
            server.uri(),
            format!("http://localhost:{port}/hook"),
            format!("http://[::ffff:127.0.0.1]:{port}/hook"),
            format!("http://0x7f.1:{port}/hook"),
        ] {
            let outcome = send(
                &strict,
                &url,
                "s",
                Uuid::nil(),
                Uuid::nil(),
                BODY,
                1,
                Duration::from_secs(2),
            )
            .await;
            assert_eq!(outcome, Outcome::Dead(REFUSED_BY_POLICY.into()), "{url}");
        }
    }

    fn ids() -> (Uuid, Uuid) {
        (Uuid::from_u128(1), Uuid::from_u128(2))
    }

    #[test]
    fn signature_matches_a_known_answer() {
        // printf '%s' '1764374400.{"id":"e1","type":"accepted"}' \
        //   | openssl dgst -sha256 -hmac whsec_test
        assert_eq!(
            signature("whsec_test", 1_764_374_400, BODY),
            "t=1764374400,v1=999a69ea517e392c25d03f5b72b0d9c548e48251e15dd011f43a8942dcf94eb8"
        );
        assert_ne!(
            signature("whsec_other", 1_764_374_400, BODY),
            signature("whsec_test", 1_764_374_400, BODY)
        );
    }

    #[tokio::test]
    async fn posts_the_exact_body_with_signed_headers() {
        let server = MockServer::start().await;
        let (event, delivery) = ids();
        Mock::given(method("POST"))
            .and(path("/hook"))
            .and(header("content-type", "application/json"))
            .and(header(EVENT_ID_HEADER, event.to_string().as_str()))
            .and(header(DELIVERY_ID_HEADER, delivery.to_string().as_str()))
            .and(body_string(BODY))
            .respond_with(ResponseTemplate::new(204))
            .expect(1)
            .mount(&server)
            .await;
        let url = format!("{}/hook", server.uri());
        let outcome = send(
            &client(),
            &url,
            "whsec_test",
            event,
            delivery,
            BODY,
            1_764_374_400,
            Duration::from_secs(5),
        )
        .await;
        assert_eq!(outcome, Outcome::Sent);
        // wiremock's `header` matcher splits values at commas: compare the signature whole.
        let requests = server.received_requests().await.unwrap();
        assert_eq!(
            requests[0].headers[SIGNATURE_HEADER],
            signature("whsec_test", 1_764_374_400, BODY).as_str()
        );
    }

    async fn call(url: &str, timeout: Duration) -> Outcome {
        let (event, delivery) = ids();
        send(&client(), url, "s", event, delivery, BODY, 1, timeout).await
    }

    #[tokio::test]
    async fn a_500_is_retried() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(500))
            .expect(1)
            .mount(&server)
            .await;
        let outcome = call(&server.uri(), Duration::from_secs(5)).await;
        assert_eq!(outcome, Outcome::Retry("status 500".into()));
    }

    #[tokio::test]
    async fn a_hanging_receiver_times_out_and_is_retried() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(10)))
            .mount(&server)
            .await;
        let started = std::time::Instant::now();
        let outcome = call(&server.uri(), Duration::from_millis(200)).await;
        assert_eq!(outcome, Outcome::Unreachable("timeout".into()));
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn a_closed_connection_is_retried_without_the_url() {
        // A receiver that reads the request and hangs up without answering.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            if let Ok((mut socket, _)) = listener.accept() {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf);
            }
        });
        let url = format!("http://127.0.0.1:{port}/hook?token=partner-secret");
        let Outcome::Unreachable(why) = call(&url, Duration::from_secs(5)).await else {
            panic!("expected a retry of an unreachable receiver");
        };
        assert!(
            !why.contains("partner-secret") && !why.contains("127.0.0.1"),
            "{why}"
        );
        assert!(!why.is_empty());
    }

    #[tokio::test]
    async fn a_refused_connection_is_retried_and_a_bad_url_is_dead() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let url = format!("http://127.0.0.1:{port}/hook?token=partner-secret");
        let Outcome::Unreachable(why) = call(&url, Duration::from_secs(5)).await else {
            panic!("expected a retry of an unreachable receiver");
        };
        assert!(!why.contains("partner-secret"), "{why}");
        assert_eq!(
            call("not a url", Duration::from_secs(1)).await,
            Outcome::Dead("invalid webhook URL".into())
        );
    }
}
