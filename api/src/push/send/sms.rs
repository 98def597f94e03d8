//! Status SMS through the configured provider: `POST {CUNXIANG_SMS_URL}` with the stored
//! payload (`{"phone","template","params"}`) and `Authorization: Bearer CUNXIANG_SMS_KEY`, the
//! same protocol as log-in codes. Any 2xx is sent; anything else is tried again.

use std::time::Duration;

use reqwest::header::CONTENT_TYPE;

use super::{Outcome, failed};
use crate::settings::Settings;

/// How long the provider may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Sends the stored SMS `payload`.
pub async fn send(http: &reqwest::Client, settings: &Settings, payload: &str) -> Outcome {
    let Some(url) = &settings.sms_url else {
        return Outcome::Dead("no SMS provider configured".into());
    };
    let mut request = http
        .post(url)
        .timeout(TIMEOUT)
        .header(CONTENT_TYPE, "application/json")
        .body(payload.to_owned());
    if let Some(key) = &settings.sms_key {
        request = request.bearer_auth(&key.0);
    }
    match request.send().await {
        Ok(res) if res.status().is_success() => Outcome::Sent,
        Ok(res) => Outcome::Retry(format!("status {}", res.status().as_u16())),
        Err(e) if e.is_builder() => Outcome::Dead("invalid SMS provider URL".into()),
        Err(e) => failed(e),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::collections::HashMap;

    use wiremock::matchers::{bearer_token, body_string, header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    const PAYLOAD: &str = r#"{"phone":"13800000000","template":"report_accepted","params":{"case_number":"GX-1","status_text":"已受理","category":"路灯"}}"#;

    fn client() -> reqwest::Client {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::new()
    }

    fn settings(pairs: &[(&str, String)]) -> Settings {
        let map: HashMap<&str, String> = pairs.iter().cloned().collect();
        Settings::from_lookup(|k| map.get(k).cloned()).unwrap()
    }

    #[tokio::test]
    async fn posts_the_exact_payload_with_the_bearer_key() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/sms/send"))
            .and(bearer_token("sms-key-1"))
            .and(header("content-type", "application/json"))
            .and(body_string(PAYLOAD))
            .respond_with(ResponseTemplate::new(200))
            .expect(1)
            .mount(&server)
            .await;
        let settings = settings(&[
            ("CUNXIANG_SMS_URL", format!("{}/sms/send", server.uri())),
            ("CUNXIANG_SMS_KEY", "sms-key-1".into()),
        ]);
        assert_eq!(send(&client(), &settings, PAYLOAD).await, Outcome::Sent);
    }

    #[tokio::test]
    async fn without_a_key_no_authorization_is_sent() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(202))
            .expect(1)
            .mount(&server)
            .await;
        let settings = settings(&[("CUNXIANG_SMS_URL", server.uri())]);
        assert_eq!(send(&client(), &settings, PAYLOAD).await, Outcome::Sent);
        let requests = server.received_requests().await.unwrap();
        assert!(requests[0].headers.get("authorization").is_none());
    }

    #[tokio::test]
    async fn failures_are_retried_and_no_provider_is_dead() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(503))
            .expect(1)
            .mount(&server)
            .await;
        let with_provider = settings(&[("CUNXIANG_SMS_URL", server.uri())]);
        let outcome = send(&client(), &with_provider, PAYLOAD).await;
        assert_eq!(outcome, Outcome::Retry("status 503".into()));

        let none = settings(&[]);
        let outcome = send(&client(), &none, PAYLOAD).await;
        assert_eq!(outcome, Outcome::Dead("no SMS provider configured".into()));
    }
}
