//! Mocks of WeChat (mini-program log-in, access token, subscribe messages) and of the SMS
//! provider, recording what the server sent them.

use cunxiang_api::Settings;
use cunxiang_api::settings::{Secret, WechatTemplate};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::hooks::header;
use crate::session::session_of;
use crate::{Session, TestServer};

impl TestServer {
    /// Logs a villager in through the WeChat mini-program with `code` (see [`Wechat::login`]).
    pub async fn wechat_villager(&self, code: &str) -> Session {
        let (status, answer) = self
            .post(None, "/v1/auth/wechat", json!({ "code": code }))
            .await;
        assert_eq!(status, 200, "WeChat log-in with {code}: {answer}");
        session_of(&answer)
    }
}

/// The WeChat app id the mocks expect.
pub const WX_APP: &str = "wx-app";
/// The WeChat app secret the mocks expect.
pub const WX_SECRET: &str = "wx-secret";

/// A mock of WeChat's servers: `jscode2session`, `stable_token` and `subscribe/send`.
pub struct Wechat {
    /// The mock server (mount more responses on it for faults).
    pub server: MockServer,
}

impl Wechat {
    /// A mock with no log-in codes; `stable_token` answers `token` and `subscribe/send` answers
    /// `errcode 0`, unless the test mounts other answers with a higher priority.
    pub async fn start(token: &str) -> Self {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/cgi-bin/stable_token"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({ "access_token": token, "expires_in": 7200 })),
            )
            .with_priority(10)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/cgi-bin/message/subscribe/send"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({ "errcode": 0, "errmsg": "ok" })),
            )
            .with_priority(10)
            .mount(&server)
            .await;
        Wechat { server }
    }

    /// Makes the mini-program log-in code `code` stand for `openid`.
    pub async fn login(&self, code: &str, openid: &str) {
        Mock::given(method("GET"))
            .and(path("/sns/jscode2session"))
            .and(query_param("appid", WX_APP))
            .and(query_param("secret", WX_SECRET))
            .and(query_param("js_code", code))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({ "openid": openid, "session_key": "sk" })),
            )
            .mount(&self.server)
            .await;
    }

    /// Points `s` at this mock with the test app id and secret.
    pub fn configure(&self, s: &mut Settings) {
        s.wechat_url = self.server.uri();
        s.wechat_app_id = Some(WX_APP.into());
        s.wechat_app_secret = Some(Secret(WX_SECRET.into()));
    }

    async fn bodies(&self, at: &str) -> Vec<(Option<String>, Value)> {
        let requests = self.server.received_requests().await.unwrap_or_default();
        requests
            .iter()
            .filter(|r| r.url.path() == at)
            .map(|r| {
                let token = r
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == "access_token")
                    .map(|(_, v)| v.into_owned());
                (
                    token,
                    serde_json::from_slice(&r.body).unwrap_or(Value::Null),
                )
            })
            .collect()
    }

    /// The bodies of the `stable_token` requests, oldest first.
    pub async fn token_requests(&self) -> Vec<Value> {
        let found = self.bodies("/cgi-bin/stable_token").await;
        found.into_iter().map(|(_, body)| body).collect()
    }

    /// The `subscribe/send` requests as (access token, body), oldest first.
    pub async fn sends(&self) -> Vec<(Option<String>, Value)> {
        self.bodies("/cgi-bin/message/subscribe/send").await
    }
}

/// A subscribe-message template with `fields` as (field, pattern).
pub fn template(id: &str, page: Option<&str>, fields: &[(&str, &str)]) -> WechatTemplate {
    WechatTemplate {
        template_id: id.into(),
        page: page.map(str::to_owned),
        data: fields
            .iter()
            .map(|(f, p)| ((*f).to_owned(), (*p).to_owned()))
            .collect(),
    }
}

/// The bearer key the SMS mock expects.
pub const SMS_KEY: &str = "sms-provider-key";

/// A mock SMS provider at `POST /sms` that answers 200.
pub struct SmsProvider {
    /// The mock server.
    pub server: MockServer,
}

impl SmsProvider {
    /// Starts it.
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/sms"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "ok": true })))
            .mount(&server)
            .await;
        SmsProvider { server }
    }

    /// Points `s` at this provider with [`SMS_KEY`].
    pub fn configure(&self, s: &mut Settings) {
        s.sms_url = Some(format!("{}/sms", self.server.uri()));
        s.sms_key = Some(Secret(SMS_KEY.into()));
    }

    /// The requests so far as (Authorization header, JSON body).
    pub async fn requests(&self) -> Vec<(String, Value)> {
        let requests = self.server.received_requests().await.unwrap_or_default();
        requests
            .iter()
            .filter(|r| r.url.path() == "/sms")
            .map(|r| {
                (
                    header(r, "authorization"),
                    serde_json::from_slice(&r.body).unwrap_or(Value::Null),
                )
            })
            .collect()
    }
}
