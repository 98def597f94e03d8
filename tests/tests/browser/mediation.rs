//! A mediator works a dispute in the console: accepts it, schedules an online session,
//! records it and concludes with an agreement and the photo of the signed 调解协议书 — each
//! form offered only when the server allows that step.

use std::time::Duration;

use cunxiang_tests::intake::{ANNA, DUKOU, dukou_photo};
use cunxiang_tests::lifecycle::DUKOU_VILLAGE;
use cunxiang_tests::{Backend, TestServer, covered};
use rstest::rstest;
use serde_json::json;

use crate::browser::Browser;

const PAGE: Duration = Duration::from_secs(15);

async fn step(browser: &Browser, action: &str, status: &str) {
    browser.click("#action-form button[type=submit]").await;
    browser
        .until(
            &format!("{action} done"),
            PAGE,
            &format!(
                "!document.querySelector('#action-form form') && document.querySelector('#status').dataset.status === '{status}'"
            ),
        )
        .await;
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_mediator_concludes_a_dispute_with_an_agreement(#[case] backend: Backend) {
    if !covered(backend) {
        return;
    }
    let name = format!("mediation-{backend:?}").to_lowercase();
    let Some(browser) = Browser::start(&name, 1280, 900).await else {
        return;
    };
    let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
    let admin = srv.login("admin").await;
    srv.staff_in(&admin, "dk-mediator", "unit_staff", DUKOU_VILLAGE)
        .await;
    let anna = srv.villager(ANNA).await;
    let body = json!({ "category": "dispute", "description": "邻居占用通道",
                       "location": { "lat": DUKOU.0, "lon": DUKOU.1, "coord_system": "wgs84" } });
    let (status, report) = srv.report(&anna.access_token, Some("m-1"), &body).await;
    assert_eq!(status, 201, "{report}");
    let id = report["id"].as_str().unwrap().to_owned();
    let base = srv.url("").trim_end_matches('/').to_owned();
    browser
        .log_in(
            &base,
            "dk-mediator",
            cunxiang_tests::lifecycle::STAFF_PASSWORD,
        )
        .await;
    browser
        .client
        .goto(&format!("{base}/console/#/reports/{id}"))
        .await
        .unwrap();

    browser.click("#actions button[data-action=accept]").await;
    step(&browser, "accept", "accepted").await;
    let offered =
        "[...document.querySelectorAll('#actions button')].map(b => b.dataset.action).join(',')";
    let now = browser.eval(offered).await;
    assert!(now.as_str().unwrap().contains("schedule_session"), "{now}");
    assert!(
        !now.as_str().unwrap().contains("resolve"),
        "a dispute is concluded, not resolved: {now}"
    );

    browser
        .click("#actions button[data-action=schedule_session]")
        .await;
    let at = browser
        .eval("new Date(Date.now() - 3600000 - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16)")
        .await;
    browser
        .client
        .execute(
            "document.querySelector('#action-form input[name=at]').value = arguments[0];",
            vec![at],
        )
        .await
        .unwrap();
    browser
        .fill(
            "#action-form input[name=meeting_link]",
            "https://meeting.example/room/42",
        )
        .await;
    step(&browser, "schedule_session", "accepted").await;

    browser
        .click("#actions button[data-action=record_session]")
        .await;
    browser
        .fill("#action-form input[name=attendees]", "李安娜，王五")
        .await;
    browser
        .fill("#action-form textarea", "双方同意让出通道")
        .await;
    step(&browser, "record_session", "accepted").await;

    let photo = tempfile::Builder::new().suffix(".jpg").tempfile().unwrap();
    std::fs::write(photo.path(), dukou_photo(12)).unwrap();
    browser.click("#actions button[data-action=conclude]").await;
    browser
        .fill("#action-form textarea", "王五三日内清理通道杂物")
        .await;
    browser
        .fill(
            "#action-form input[type=file]",
            photo.path().to_str().unwrap(),
        )
        .await;
    step(&browser, "conclude", "resolved").await;
    browser.shot("concluded").await;
    browser.assert_clean("the mediation case").await;

    let done = srv.report_as(&admin, &id).await;
    let kinds: Vec<&str> = done["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "accepted",
        "session_scheduled",
        "session_recorded",
        "concluded",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    browser.close().await;
}
