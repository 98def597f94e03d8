//! The villager's page (`/h5/`) in Chromium at 360 px, through a proxy that can cut the
//! network: she logs in with an SMS code, takes a photo, sees the report already filed nearby
//! and follows it (我也遇到了), then files her own while the first two tries are lost — one
//! before the server, one after it took the report — and exactly one report exists. A grid
//! worker's accept and resolve (over the API) show on her page within 2 s; she rates it, then
//! asks for it to be done again (重新办理) and confirms the second resolution.

use std::time::{Duration, Instant};

use cunxiang_tests::intake::{DUKOU, dukou_photo};
use cunxiang_tests::proxy::{Fault, FaultyProxy};
use cunxiang_tests::{Backend, Session, TestServer, covered};
use rstest::rstest;
use serde_json::{Value, json};

use crate::browser::Browser;

const PAGE: Duration = Duration::from_secs(20);
/// How soon a worker's action must show on the villager's page.
const LIVE: Duration = Duration::from_secs(2);
pub const PHONE: &str = "13800000301";
const NEIGHBOUR: &str = "13800000302";

/// Logs in through the page's form (the fixed test code).
pub async fn log_in(browser: &Browser, base: &str, phone: &str) {
    browser
        .client
        .goto(&format!("{base}/h5/"))
        .await
        .expect("open the page");
    browser.fill("input[name=phone]", phone).await;
    browser.click("#send-code").await;
    browser.fill("input[name=code]", "123456").await;
    browser.click("form.login button[type=submit]").await;
    browser
        .until(
            "the categories",
            PAGE,
            "document.querySelector('#categories button[data-code=garbage]')",
        )
        .await;
}

/// Writes `bytes` to a file the file chooser can take; returns its path.
pub fn photo_file(dir: &std::path::Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("photo file");
    path.to_string_lossy().into_owned()
}

async fn report_of(srv: &TestServer, who: &Session, id: &str) -> Value {
    let (status, report) = srv
        .get_as(&who.access_token, &format!("/v1/reports/{id}"))
        .await;
    assert_eq!(status, 200, "{report}");
    report
}

/// Waits until the page shows report status `status`; returns how long it took.
async fn shows(browser: &Browser, status: &str) -> Duration {
    let start = Instant::now();
    browser
        .until(
            &format!("status {status}"),
            PAGE,
            &format!("document.querySelector('#report[data-status={status}]')"),
        )
        .await;
    start.elapsed()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_villager_follows_a_nearby_report_then_files_her_own_through_a_cut_network(
    #[case] backend: Backend,
) {
    if !covered(backend) {
        return;
    }
    let name = format!("h5-{backend:?}").to_lowercase();
    let Some(browser) = Browser::start(&name, 360, 740).await else {
        return;
    };
    let srv = TestServer::start_with_phones(backend, &[PHONE, NEIGHBOUR]).await;
    let proxy = FaultyProxy::start(&srv.base).await;
    let base = proxy.base.clone();
    let dir = tempfile::tempdir().expect("temp dir");

    // A neighbour reported the rubbish at 渡口村 already.
    let neighbour = srv.villager(NEIGHBOUR).await;
    let (status, theirs) = srv
        .report(
            &neighbour.access_token,
            Some("neighbour-1"),
            &json!({ "category": "garbage", "description": "桥头垃圾堆",
                     "location": { "lat": DUKOU.0, "lon": DUKOU.1, "coord_system": "wgs84" } }),
        )
        .await;
    assert_eq!(status, 201, "{theirs}");
    let theirs = theirs["id"].as_str().unwrap().to_owned();

    browser.geolocate(&base, DUKOU.0, DUKOU.1).await;
    browser
        .client
        .goto(&format!("{base}/h5/"))
        .await
        .expect("open");
    browser
        .until(
            "the log-in form",
            PAGE,
            "document.querySelector('#send-code')",
        )
        .await;
    let (bytes, _) = browser.weight().await;
    println!("h5 first load (log-in page): {bytes} bytes over the wire");
    assert!(bytes < 300_000, "first load {bytes} bytes");
    browser.shot("login").await;
    log_in(&browser, &base, PHONE).await;

    // The address from the county's map data.
    browser
        .until(
            "the address",
            PAGE,
            "document.querySelector('#where-text').textContent.includes('渡口村')",
        )
        .await;
    // A photo from the file chooser.
    let photo = photo_file(dir.path(), "rubbish.jpg", &dukou_photo(41));
    browser.fill("#photos", &photo).await;
    browser
        .until(
            "the photo",
            PAGE,
            "document.querySelectorAll('#photo-list li[data-state=ready] img').length === 1",
        )
        .await;
    browser.click("#categories button[data-code=garbage]").await;
    browser
        .until(
            "已有人上报",
            PAGE,
            &format!("document.querySelector('#nearby li[data-report=\"{theirs}\"]')"),
        )
        .await;
    browser
        .eval("document.querySelector('#nearby').scrollIntoView({block: 'center'}) || true")
        .await;
    browser.shot("nearby").await;
    browser
        .click(&format!(
            "#nearby li[data-report=\"{theirs}\"] button.follow"
        ))
        .await;
    browser
        .until(
            "following",
            PAGE,
            &format!("document.querySelector('#nearby li[data-report=\"{theirs}\"] .followed')"),
        )
        .await;
    assert_eq!(
        report_of(&srv, &neighbour, &theirs).await["follower_count"],
        1
    );

    // Her own report: the first try never reaches the server, the second's answer is lost.
    browser
        .fill("textarea[name=description]", "村口路边又有一堆垃圾")
        .await;
    proxy.fail_next(
        "POST",
        "/v1/reports",
        vec![Fault::DropBeforeUpstream, Fault::DropResponse],
    );
    browser.click("#submit").await;
    browser
        .until(
            "a retry shown",
            PAGE,
            "document.querySelector('#outbox li[data-state=waiting]')",
        )
        .await;
    browser.shot("retrying").await;
    let id = browser
        .until(
            "her report",
            Duration::from_secs(30),
            "location.hash.startsWith('#/report/') && document.querySelector('#report') && location.hash.slice(9)",
        )
        .await;
    let id = id.as_str().unwrap().to_owned();
    assert_eq!(
        proxy.seen("POST", "/v1/reports"),
        3,
        "two lost tries, then the answer"
    );
    let me = srv.villager(PHONE).await;
    let (_, mine) = srv.get_as(&me.access_token, "/v1/reports?mine=true").await;
    let mine = mine["items"].as_array().unwrap().clone();
    assert_eq!(mine.len(), 1, "exactly one report: {mine:?}");
    assert_eq!(mine[0]["id"], id.as_str());
    assert_eq!(mine[0]["channel"], "h5");
    assert_eq!(mine[0]["photos"].as_array().unwrap().len(), 1);

    // The grid worker acts over the API; her page hears it within 2 s.
    let worker = srv.login("gw-2").await;
    let (status, answer) = srv
        .post(
            Some(&worker.access_token),
            &format!("/v1/reports/{id}/accept"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let took = shows(&browser, "accepted").await;
    println!("accept shown after {took:?}");
    assert!(took <= LIVE, "accept shown after {took:?}");
    let (status, media) = srv
        .upload(&worker.access_token, dukou_photo(42), "after.jpg")
        .await;
    assert!(status.is_success(), "{media}");
    let (status, answer) = srv
        .post(
            Some(&worker.access_token),
            &format!("/v1/reports/{id}/resolve"),
            json!({ "note": "垃圾已清运", "media_ids": [media["id"]] }),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let took = shows(&browser, "resolved").await;
    println!("resolve shown after {took:?}");
    assert!(took <= LIVE, "resolve shown after {took:?}");
    browser
        .until(
            "the after-photo",
            PAGE,
            "document.querySelector('#after-photos img[src^=\"blob:\"]')",
        )
        .await;
    browser.eval("window.scrollTo(0, 0) || true").await;
    browser.shot("resolved").await;

    // She rates it five stars.
    browser.click("#stars button[data-stars='5']").await;
    browser.click("#rate").await;
    shows(&browser, "closed").await;
    let report = report_of(&srv, &me, &id).await;
    assert_eq!(report["status"], "closed");
    assert_eq!(report["rating"], 5);
    browser.shot("rated").await;

    // Not solved after all: she asks for it to be done again; the second time she confirms.
    browser.click("#actions details summary").await;
    browser.fill("#reopen-reason", "垃圾又堆起来了").await;
    browser.click("#reopen").await;
    shows(&browser, "assigned").await;
    let (status, again) = srv
        .upload(&worker.access_token, dukou_photo(43), "again.jpg")
        .await;
    assert!(status.is_success(), "{again}");
    for (action, body) in [
        ("accept", json!({})),
        (
            "resolve",
            json!({ "note": "已再次清运", "media_ids": [again["id"]] }),
        ),
    ] {
        let (status, answer) = srv
            .post(
                Some(&worker.access_token),
                &format!("/v1/reports/{id}/{action}"),
                body,
            )
            .await;
        assert_eq!(status, 200, "{action}: {answer}");
    }
    shows(&browser, "resolved").await;
    browser.click("#confirm").await;
    shows(&browser, "closed").await;
    let report = report_of(&srv, &me, &id).await;
    assert_eq!(report["reopen_count"], 1);
    assert_eq!(report["rating"], Value::Null, "a reopen clears the rating");

    // 我的上报 lists hers and the one she follows.
    browser.click("#tab-mine").await;
    browser
        .until(
            "both in 我的上报",
            PAGE,
            &format!(
                "document.querySelector('#mine-list li[data-report=\"{id}\"][data-status=closed]') && \
                 document.querySelector('#mine-list li[data-report=\"{theirs}\"]')"
            ),
        )
        .await;
    browser.shot("mine").await;

    // 大字: every size is in rem, so the switch scales the whole page for elders.
    let root = "parseFloat(getComputedStyle(document.documentElement).fontSize)";
    let normal = browser.eval(root).await.as_f64().unwrap();
    browser.click("#big-type").await;
    let big = browser.eval(root).await.as_f64().unwrap();
    assert!(big >= normal * 1.2, "large type: {normal} px → {big} px");
    browser.shot("mine-large-type").await;
    browser.click("#big-type").await;
    browser
        .client
        .set_window_size(1920, 1080)
        .await
        .expect("desktop size");
    browser.click("#tab-new").await;
    browser
        .until(
            "the form on a desktop",
            PAGE,
            "document.querySelector('#categories button')",
        )
        .await;
    browser.shot("desktop").await;
    expect_only_cut_requests(&browser).await;
    browser.close().await;
}

/// Fails on any error the page logged other than the two requests the proxy cut.
pub async fn expect_only_cut_requests(browser: &Browser) {
    let severe: Vec<Value> = browser
        .log()
        .await
        .into_iter()
        .filter(|e| e["level"] == "SEVERE")
        .filter(|e| {
            let m = e["message"].as_str().unwrap_or_default();
            !(m.contains("/v1/reports") && m.contains("net::ERR_"))
        })
        .collect();
    assert!(severe.is_empty(), "the page logged errors: {severe:#?}");
}
