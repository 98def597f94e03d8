//! HTTP details clients and proxies rely on (issue 16, item 5): absolute URLs ignore
//! forwarded headers unless the proxy is trusted; JSON answers name `charset=utf-8` (checked on
//! every answer the suite's helpers read, and here on a sample of kinds); Open311 resources
//! answer other methods with 405 and `Allow`; a body that trickles in is cut off with 408;
//! and what the HTTP framework refuses before the app sees a request keeps its status.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use cunxiang_tests::intake::{ANNA, DUKOU, dukou_photo};
use cunxiang_tests::{Backend, TestDb, TestServer, backends, covered};
use reqwest::Method;
use rstest::rstest;
use serde_json::{Value, json};

use super::open311::is_error;

/// The headers a client (or a proxy that passes them on unchecked) could send.
const FORWARDED: [(&str, &str); 3] = [
    ("x-forwarded-host", "evil.example"),
    ("x-forwarded-proto", "https"),
    ("forwarded", "host=evil.example;proto=https"),
];

/// Open311's discovery `url` and a request's `media_url`, asked with forwarded headers.
async fn absolute_urls(srv: &TestServer, id: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for (path, pointer) in [
        ("/open311/v2/discovery.json".to_owned(), "/endpoints/0/url"),
        (format!("/open311/v2/requests/{id}.json"), "/0/media_url"),
    ] {
        let mut req = srv.client.get(srv.url(&path));
        for (name, value) in FORWARDED {
            req = req.header(name, value);
        }
        let body: Value = req.send().await.unwrap().json().await.unwrap();
        urls.push(body.pointer(pointer).unwrap().as_str().unwrap().to_owned());
    }
    urls
}

/// A public report with a photo; its id.
async fn report_with_photo(srv: &TestServer) -> String {
    let anna = srv.villager(ANNA).await;
    let (status, media) = srv
        .upload(&anna.access_token, dukou_photo(7), "p.jpg")
        .await;
    assert_eq!(status, 201, "{media}");
    let body = json!({ "category": "garbage", "description": "路边垃圾",
                       "media_ids": [media["id"]],
                       "location": { "lat": DUKOU.0, "lon": DUKOU.1, "coord_system": "wgs84" } });
    let (status, report) = srv.report(&anna.access_token, Some("k-1"), &body).await;
    assert_eq!(status, 201, "{report}");
    report["id"].as_str().unwrap().to_owned()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn absolute_urls_ignore_forwarded_headers_unless_the_proxy_is_trusted(
    #[case] backend: Backend,
) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let id = report_with_photo(&srv).await;
        for url in absolute_urls(&srv, &id).await {
            assert!(
                url.starts_with(&format!("{}/", srv.base)),
                "{backend:?}: {url}"
            );
        }
        let db = srv.stop();
        let srv = TestServer::start_on(db, |s| s.trust_proxy = true).await;
        for url in absolute_urls(&srv, &id).await {
            assert!(url.starts_with("https://evil.example/"), "trusted: {url}");
        }
    }
}

#[tokio::test]
async fn open311_resources_answer_other_methods_with_405_and_allow() {
    let srv = TestServer::start(backends()[0]).await;
    let id = uuid::Uuid::now_v7();
    for (method, path, allow) in [
        ("HEAD", "/open311/v2/services.json".to_owned(), "GET"),
        ("PUT", "/open311/v2/requests.json".to_owned(), "GET, POST"),
        ("DELETE", format!("/open311/v2/requests/{id}.xml"), "GET"),
        ("POST", "/open311/v2/discovery.xml".to_owned(), "GET"),
        (
            "PATCH",
            "/open311/v2/services/garbage.json".to_owned(),
            "GET",
        ),
        ("HEAD", format!("/open311/v2/tokens/{id}.json"), "GET"),
        ("DELETE", "/open311/v2/requests.xml".to_owned(), "GET, POST"),
    ] {
        let res = srv
            .client
            .request(
                Method::from_bytes(method.as_bytes()).unwrap(),
                srv.url(&path),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 405, "{method} {path}");
        assert_eq!(res.headers()["allow"], allow, "{method} {path}");
        let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
        let text = res.text().await.unwrap();
        if method != "HEAD" {
            is_error(405, &kind, &text, 405);
        }
    }
    // A path that names no resource stays 404, whatever the method.
    let res = srv
        .client
        .delete(srv.url("/open311/v2/nothing.json"))
        .send()
        .await
        .unwrap();
    let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
    is_error(404, &kind, &res.text().await.unwrap(), 404);
}

#[tokio::test]
async fn every_kind_of_json_answer_names_utf8() {
    let srv = TestServer::start_with_phones(backends()[0], &[ANNA]).await;
    let anna = srv.villager(ANNA).await;
    let t = Some(anna.access_token.as_str());
    let malformed = srv
        .client
        .post(srv.url("/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    let mut kinds = vec![(
        "malformed JSON".to_owned(),
        malformed.status().as_u16(),
        malformed.headers()["content-type"].clone(),
    )];
    for (method, path, token) in [
        (Method::GET, "/v1/users/me", t),
        (Method::GET, "/v1/reports", None),
        (Method::GET, "/v1/nothing", None),
        (Method::DELETE, "/v1/reports", t),
        (Method::GET, "/v1/categories", t),
    ] {
        let res = srv
            .client
            .request(method.clone(), srv.url(path))
            .bearer_auth(token.unwrap_or("-"))
            .send()
            .await
            .unwrap();
        kinds.push((
            format!("{method} {path}"),
            res.status().as_u16(),
            res.headers()["content-type"].clone(),
        ));
    }
    for path in [
        "/open311/v2/services.json",
        "/open311/v2/nothing.json",
        "/open311/v2/services.xml",
    ] {
        let res = srv.client.get(srv.url(path)).send().await.unwrap();
        kinds.push((
            path.to_owned(),
            res.status().as_u16(),
            res.headers()["content-type"].clone(),
        ));
    }
    for (what, status, kind) in kinds {
        let kind = kind.to_str().unwrap();
        assert!(
            kind == "application/json; charset=utf-8" || kind == "text/xml; charset=utf-8",
            "{what} ({status}): {kind}"
        );
    }
}

/// Sends `head` and `body` on a raw connection to `base` (blocking: the server runs on its
/// own thread), then, with `trickle`, one more byte every 200 ms until the server answers; the
/// status line and body the server answered, and how long that took.
fn stall(base: &str, head: &str, body: &[u8], trickle: bool) -> (String, String, Duration) {
    let mut conn = TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    conn.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let started = Instant::now();
    conn.write_all(head.as_bytes()).unwrap();
    conn.write_all(body).unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while started.elapsed() < Duration::from_secs(10) {
        match conn.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                if trickle && answer.is_empty() {
                    let _ = conn.write_all(b"x");
                }
            }
            Err(_) => break,
        }
    }
    let text = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.lines().next().unwrap_or_default().to_owned();
    (status, body.to_owned(), started.elapsed())
}

#[tokio::test]
async fn a_body_that_trickles_in_is_cut_off_with_408() {
    let backend = backends()[0];
    let srv = TestServer::start_on(TestDb::new(backend), |s| s.body_timeout_secs = 1).await;
    let host = srv.base.trim_start_matches("http://").to_owned();
    let json_head = format!(
        "POST /v1/auth/login HTTP/1.1\r\nHost: {host}\r\ncontent-type: application/json\r\n\
         content-length: 1000\r\n\r\n"
    );
    let form_head = format!(
        "POST /open311/v2/requests.xml HTTP/1.1\r\nHost: {host}\r\n\
         content-type: application/x-www-form-urlencoded\r\ncontent-length: 1000\r\n\r\n"
    );
    for (head, trickle) in [(&json_head, false), (&json_head, true), (&form_head, true)] {
        let (status, body, took) = stall(&srv.base, head, b"{\"username\":", trickle);
        assert!(status.starts_with("HTTP/1.1 408"), "{status}\n{body}");
        // One second of deadline, then the answer; the connection is closed after it.
        assert!(took < Duration::from_secs(5), "{took:?}");
        if head.contains("open311") {
            assert!(body.contains("<code>408</code>"), "{body}");
        } else {
            let error: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(error["error"]["code"], "body_timeout", "{error}");
        }
    }
    // A body that arrives in time is read as usual.
    let (status, answer) = srv
        .post(
            None,
            "/v1/auth/login",
            json!({ "username": "nobody", "password": "x" }),
        )
        .await;
    assert_eq!(status, 401, "{answer}");
}

/// What actix-http refuses while reading a request's head never reaches the app, so it cannot
/// carry the JSON error shape (see the README, "HTTP limits"): its status at least is right.
#[tokio::test]
async fn what_the_framework_refuses_before_the_app_keeps_its_status() {
    let srv = TestServer::start(backends()[0]).await;
    let host = srv.base.trim_start_matches("http://").to_owned();
    let many: String = (0..120).map(|i| format!("x-h{i}: {i}\r\n")).collect();
    let big = "a".repeat(200 * 1024);
    let long = "a".repeat(70 * 1024);
    for (head, want) in [
        (
            format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\n{many}\r\n"),
            "431",
        ),
        (
            format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\nx-big: {big}\r\n\r\n"),
            "431",
        ),
        (
            format!("GET /healthz?q={long} HTTP/1.1\r\nHost: {host}\r\n\r\n"),
            "400",
        ),
    ] {
        let (status, _, _) = stall(&srv.base, &head, b"", false);
        assert!(
            status.starts_with(&format!("HTTP/1.1 {want}")),
            "want {want}: {status}"
        );
    }
}
