//! The fault-injecting proxy the browser journeys put between the page and the server: a
//! request passes through unchanged (an event stream as it comes), a request dropped before
//! the server never reaches it, and a dropped answer leaves the work done on the server (so an
//! idempotent retry answers what was created). Transport only: on the first backend.

use std::time::Duration;

use cunxiang_tests::big_photo::twelve_megapixel_jpeg;
use cunxiang_tests::intake::{ANNA, DUKOU, rows};
use cunxiang_tests::proxy::{Fault, FaultyProxy};
use cunxiang_tests::{TestDb, TestServer, backends};
use serde_json::{Value, json};

/// `GET url`: status, content type and body bytes.
async fn fetch(client: &reqwest::Client, url: &str) -> (u16, String, Vec<u8>, String) {
    let res = client.get(url).send().await.unwrap();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (kind, connection) = (header("content-type"), header("connection"));
    let status = res.status().as_u16();
    (
        status,
        kind,
        res.bytes().await.unwrap().to_vec(),
        connection,
    )
}

#[tokio::test]
async fn requests_and_answers_pass_through_unchanged() {
    let srv = TestServer::start(backends()[0]).await;
    let proxy = FaultyProxy::start(&srv.base).await;
    for path in [
        "/healthz",
        "/openapi.yaml",
        "/v1/units?limit=1000",
        "/v1/nowhere",
    ] {
        let (status, kind, body, _) = fetch(&srv.client, &srv.url(path)).await;
        let (p_status, p_kind, p_body, connection) = fetch(&srv.client, &proxy.url(path)).await;
        assert_eq!((p_status, &p_kind), (status, &kind), "{path}");
        assert!(p_body == body, "{path}: the body changed on the way");
        assert_eq!(connection, "close", "{path}: a connection is used once");
    }
    let (_, _, body, _) = fetch(&srv.client, &proxy.url("/healthz")).await;
    let health: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(health["status"], "ok", "{health}");
    assert_eq!(proxy.seen("GET", "/healthz"), 2);
    assert_eq!(
        proxy.seen("GET", "/v1/units"),
        1,
        "the query is not in the path"
    );
    assert_eq!(proxy.seen("POST", "/healthz"), 0);
}

#[tokio::test]
async fn a_request_dropped_before_the_server_fails_once() {
    let srv = TestServer::start(backends()[0]).await;
    let proxy = FaultyProxy::start(&srv.base).await;
    proxy.fail_next("GET", "/healthz", vec![Fault::DropBeforeUpstream]);
    let cut = srv.client.get(proxy.url("/healthz")).send().await;
    assert!(cut.is_err(), "no answer: {cut:?}");
    let (status, _, _, _) = fetch(&srv.client, &proxy.url("/healthz")).await;
    assert_eq!(status, 200, "the next one passes");
    assert_eq!(proxy.seen("GET", "/healthz"), 2);
}

#[tokio::test]
async fn a_dropped_answer_leaves_the_report_created_for_the_retry() {
    let srv = TestServer::start_with_phones(backends()[0], &[ANNA]).await;
    let proxy = FaultyProxy::start(&srv.base).await;
    let anna = srv.villager(ANNA).await;
    let body = json!({ "category": "other", "description": "桥栏杆断了",
                       "location": { "lat": DUKOU.0, "lon": DUKOU.1, "coord_system": "wgs84" } });
    let send = || {
        srv.client
            .post(proxy.url("/v1/reports"))
            .bearer_auth(&anna.access_token)
            .header("Idempotency-Key", "cut-1")
            .json(&body)
            .send()
    };
    proxy.fail_next(
        "POST",
        "/v1/reports",
        vec![Fault::DropBeforeUpstream, Fault::DropResponse],
    );
    let before = rows(&srv).0;
    assert!(send().await.is_err(), "dropped before the server");
    assert_eq!(rows(&srv).0, before, "the server never saw it");
    assert!(send().await.is_err(), "the answer was dropped");
    assert_eq!(rows(&srv).0, before + 1, "the server created it");
    let retry = send().await.unwrap();
    assert_eq!(retry.status(), 200, "the key's answer again");
    let retry: Value = retry.json().await.unwrap();
    assert_eq!(retry["description"], "桥栏杆断了", "{retry}");
    assert_eq!(
        rows(&srv).0,
        before + 1,
        "the one created when the answer was dropped"
    );
    let id = retry["id"].as_str().unwrap();
    let (status, _) = srv
        .get_as(&anna.access_token, &format!("/v1/reports/{id}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(proxy.seen("POST", "/v1/reports"), 3);
}

#[tokio::test]
async fn a_full_size_photo_uploads_through() {
    let srv = TestServer::start_with_phones(backends()[0], &[ANNA]).await;
    let proxy = FaultyProxy::start(&srv.base).await;
    let anna = srv.villager(ANNA).await;
    let part = reqwest::multipart::Part::bytes(twelve_megapixel_jpeg(7)).file_name("big.jpg");
    let res = srv
        .client
        .post(proxy.url("/v1/media"))
        .bearer_auth(&anna.access_token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let media: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{media}");
    assert_eq!(proxy.seen("POST", "/v1/media"), 1);
}

#[tokio::test]
async fn an_event_stream_comes_through_as_it_is_written() {
    let srv = TestServer::start_on(TestDb::new(backends()[0]), |s| {
        s.push.heartbeat_secs = 1;
        s.test_phones = vec![(ANNA.into(), cunxiang_api::settings::Secret("123456".into()))];
    })
    .await;
    let proxy = FaultyProxy::start(&srv.base).await;
    let anna = srv.villager(ANNA).await;
    let mut res = srv
        .client
        .get(proxy.url("/v1/events"))
        .bearer_auth(&anna.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(kind.starts_with("text/event-stream"), "{kind}");
    // The stream never ends on its own: what comes through came as it was written. Two
    // heartbeats, a second apart.
    let mut text = String::new();
    while text.matches(": keep-alive\n").count() < 2 {
        let chunk = tokio::time::timeout(Duration::from_secs(5), res.chunk())
            .await
            .expect("a heartbeat within 5 s, while the stream stays open")
            .unwrap()
            .expect("the stream is still open");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert_eq!(proxy.seen("GET", "/v1/events"), 1);
}
