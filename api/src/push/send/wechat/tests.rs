//! WeChat sends against a mock WeChat: the exact requests, the token cache and its refresh,
//! and how each error code ends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::io::{Read, Write};

use chrono::TimeZone;
use serde_json::Value;
use wiremock::matchers::{body_json, body_string, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;

const PAYLOAD: &str = r#"{"touser":"oOPENID","template_id":"TPL","data":{"thing1":{"value":"路灯"}},"miniprogram_state":"formal","lang":"zh_CN"}"#;
const TOKEN_PATH: &str = "/cgi-bin/stable_token";
const SEND_PATH: &str = "/cgi-bin/message/subscribe/send";

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

fn settings(base: &str, configured: bool) -> Settings {
    let mut map = HashMap::from([("CUNXIANG_WECHAT_URL", base.to_owned())]);
    if configured {
        map.insert("CUNXIANG_WECHAT_APP_ID", "wxAPP".into());
        map.insert("CUNXIANG_WECHAT_APP_SECRET", "APPSECRET".into());
    }
    Settings::from_lookup(|k| map.get(k).cloned()).unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap()
}

fn token_request(force_refresh: bool) -> Value {
    json!({
        "grant_type": "client_credential",
        "appid": "wxAPP",
        "secret": "APPSECRET",
        "force_refresh": force_refresh,
    })
}

fn token_answer(token: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "access_token": token, "expires_in": 7200 }))
}

fn errcode(code: i64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "errcode": code, "errmsg": "mock says no" }))
}

/// Mounts the token endpoint (`force_refresh` → `token`, expected `times`).
async fn mount_token(server: &MockServer, force_refresh: bool, token: &str, times: u64) {
    Mock::given(method("POST"))
        .and(path(TOKEN_PATH))
        .and(body_json(token_request(force_refresh)))
        .respond_with(token_answer(token))
        .expect(times)
        .mount(server)
        .await;
}

/// Mounts the send endpoint for `token`, answering `answer`, expected `times`.
async fn mount_send(server: &MockServer, token: &str, answer: ResponseTemplate, times: u64) {
    Mock::given(method("POST"))
        .and(path(SEND_PATH))
        .and(query_param("access_token", token))
        .and(header("content-type", "application/json"))
        .and(body_string(PAYLOAD))
        .respond_with(answer)
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn exact_requests_and_the_token_is_cached_across_sends() {
    let server = MockServer::start().await;
    mount_token(&server, false, "TOKEN-A", 1).await;
    mount_send(&server, "TOKEN-A", errcode(0), 2).await;
    let (http, settings, tokens) = (client(), settings(&server.uri(), true), WechatTokens::new());
    assert_eq!(
        send(&http, &settings, &tokens, PAYLOAD, now()).await,
        Outcome::Sent
    );
    let later = now() + TimeDelta::seconds(3600);
    assert_eq!(
        send(&http, &settings, &tokens, PAYLOAD, later).await,
        Outcome::Sent
    );
}

#[tokio::test]
async fn the_token_is_fetched_again_five_minutes_before_it_expires() {
    let server = MockServer::start().await;
    mount_token(&server, false, "TOKEN-A", 2).await;
    mount_send(&server, "TOKEN-A", errcode(0), 3).await;
    let (http, settings, tokens) = (client(), settings(&server.uri(), true), WechatTokens::new());
    for secs in [0, 7200 - 301, 7200 - 300] {
        let at = now() + TimeDelta::seconds(secs);
        assert_eq!(
            send(&http, &settings, &tokens, PAYLOAD, at).await,
            Outcome::Sent
        );
    }
}

#[tokio::test]
async fn an_invalid_token_is_force_refreshed_once_and_the_message_resent() {
    let server = MockServer::start().await;
    mount_token(&server, false, "TOKEN-A", 1).await;
    mount_token(&server, true, "TOKEN-B", 1).await;
    mount_send(&server, "TOKEN-A", errcode(40001), 1).await;
    mount_send(&server, "TOKEN-B", errcode(0), 2).await;
    let (http, settings, tokens) = (client(), settings(&server.uri(), true), WechatTokens::new());
    assert_eq!(
        send(&http, &settings, &tokens, PAYLOAD, now()).await,
        Outcome::Sent
    );
    // The new token is cached.
    assert_eq!(
        send(&http, &settings, &tokens, PAYLOAD, now()).await,
        Outcome::Sent
    );
}

#[tokio::test]
async fn a_token_rejected_twice_is_retried_later_without_showing_it() {
    let server = MockServer::start().await;
    mount_token(&server, false, "TOKEN-A", 1).await;
    mount_token(&server, true, "TOKEN-B", 1).await;
    mount_send(&server, "TOKEN-A", errcode(42001), 1).await;
    let leaky = ResponseTemplate::new(200)
        .set_body_json(json!({ "errcode": 40014, "errmsg": "invalid access_token TOKEN-B" }));
    mount_send(&server, "TOKEN-B", leaky, 1).await;
    let (http, settings, tokens) = (client(), settings(&server.uri(), true), WechatTokens::new());
    let Outcome::Retry(why) = send(&http, &settings, &tokens, PAYLOAD, now()).await else {
        panic!("expected a retry");
    };
    assert!(why.contains("40014") && !why.contains("TOKEN-B"), "{why}");
}

#[tokio::test]
async fn error_codes_end_as_refused_dead_or_retry() {
    let cases = [
        (43101, "refused"),
        (40003, "dead"),
        (40037, "dead"),
        (47003, "dead"),
        (45009, "retry"),
        (-1, "retry"),
    ];
    for (code, expected) in cases {
        let server = MockServer::start().await;
        mount_token(&server, false, "TOKEN-A", 1).await;
        mount_send(&server, "TOKEN-A", errcode(code), 1).await;
        let (http, settings) = (client(), settings(&server.uri(), true));
        let outcome = send(&http, &settings, &WechatTokens::new(), PAYLOAD, now()).await;
        let why = format!("errcode {code}: mock says no");
        let wanted = match expected {
            "refused" => Outcome::Refused(why),
            "dead" => Outcome::Dead(why),
            _ => Outcome::Retry(why),
        };
        assert_eq!(outcome, wanted, "errcode {code}");
    }
}

#[tokio::test]
async fn http_errors_are_retried() {
    let server = MockServer::start().await;
    mount_token(&server, false, "TOKEN-A", 1).await;
    mount_send(&server, "TOKEN-A", ResponseTemplate::new(502), 1).await;
    let (http, settings) = (client(), settings(&server.uri(), true));
    let outcome = send(&http, &settings, &WechatTokens::new(), PAYLOAD, now()).await;
    assert_eq!(outcome, Outcome::Retry("status 502".into()));
}

#[tokio::test]
async fn token_failures_are_retried_or_dead() {
    let server = MockServer::start().await;
    let (http, tokens) = (client(), WechatTokens::new());
    // Not configured: no request at all.
    let unconfigured = settings(&server.uri(), false);
    let outcome = send(&http, &unconfigured, &tokens, PAYLOAD, now()).await;
    assert_eq!(outcome, Outcome::Dead("wechat not configured".into()));
    assert!(server.received_requests().await.unwrap().is_empty());

    let settings = settings(&server.uri(), true);
    let answers = [
        (
            ResponseTemplate::new(500),
            Outcome::Retry("token: status 500".into()),
        ),
        (
            errcode(45009),
            Outcome::Retry("token: errcode 45009: mock says no".into()),
        ),
        (
            ResponseTemplate::new(200)
                .set_body_json(json!({ "errcode": 40125, "errmsg": "invalid secret APPSECRET" })),
            Outcome::Dead("token: errcode 40125: invalid secret ***".into()),
        ),
    ];
    for (answer, wanted) in answers {
        server.reset().await;
        Mock::given(path(TOKEN_PATH))
            .respond_with(answer)
            .expect(1)
            .mount(&server)
            .await;
        assert_eq!(
            send(&http, &settings, &tokens, PAYLOAD, now()).await,
            wanted
        );
        server.verify().await;
    }
}

/// Reads one HTTP request (headers and `Content-Length` body) from `socket`.
fn read_request(socket: &mut std::net::TcpStream) {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = socket.read(&mut buf).unwrap_or(0);
        if n == 0 {
            return;
        }
        seen.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&seen).to_lowercase();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if seen.len() >= end + 4 + length {
                return;
            }
        }
    }
}

#[tokio::test]
async fn a_dropped_connection_is_retried_without_the_token_in_the_reason() {
    // A WeChat that hands out a token, then hangs up on the send.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let body = r#"{"access_token":"SECRET-TOKEN","expires_in":7200}"#;
        if let Ok((mut socket, _)) = listener.accept() {
            read_request(&mut socket);
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = socket.write_all(head.as_bytes());
            let _ = socket.write_all(body.as_bytes());
        }
        if let Ok((mut socket, _)) = listener.accept() {
            read_request(&mut socket);
        }
    });
    let (http, settings) = (client(), settings(&base, true));
    let outcome = send(&http, &settings, &WechatTokens::new(), PAYLOAD, now()).await;
    let Outcome::Unreachable(why) = outcome else {
        panic!("expected a retry of an unreachable WeChat, got {outcome:?}");
    };
    assert!(
        !why.contains("SECRET-TOKEN") && !why.contains("access_token"),
        "{why}"
    );
}
