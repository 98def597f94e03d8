//! A grid worker patrols 渡口村's grid from her phone: the phone's GPS is sent as she walks,
//! she marks one item 正常 and finds a problem at another (a report, linked), and finishes;
//! the patrol's track lies inside the grid.

use std::time::Duration;

use cunxiang_tests::intake::{DUKOU, dukou_photo};
use cunxiang_tests::{Backend, TestServer, covered};
use rstest::rstest;
use serde_json::json;

use crate::browser::Browser;

const PAGE: Duration = Duration::from_secs(15);

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_grid_worker_patrols_her_grid_with_her_phone(#[case] backend: Backend) {
    if !covered(backend) {
        return;
    }
    let name = format!("patrol-{backend:?}").to_lowercase();
    let Some(browser) = Browser::start(&name, 360, 740).await else {
        return;
    };
    let srv = TestServer::start(backend).await;
    let base = srv.url("").trim_end_matches('/').to_owned();
    browser.log_in(&base, "gw-2", &srv.demo_password()).await;
    browser.geolocate(&base, DUKOU.0, DUKOU.1).await;
    browser.click("#nav a[href='#/patrols']").await;
    browser
        .until(
            "her grid's light",
            PAGE,
            "document.querySelector('#coverage .task button')",
        )
        .await;
    browser.shot("coverage").await;
    browser.click("#coverage .task button").await;
    browser
        .until(
            "the checklist",
            PAGE,
            "document.querySelectorAll('[data-item]').length === 24",
        )
        .await;
    browser
        .until(
            "GPS points sent",
            PAGE,
            "Number(document.querySelector('#gps').dataset.points) >= 1",
        )
        .await;

    browser.click("[data-item] button[data-mark=ok]").await;
    browser
        .until(
            "the first mark",
            PAGE,
            "document.querySelectorAll('[data-result=ok]').length === 1",
        )
        .await;
    let photo = tempfile::Builder::new().suffix(".jpg").tempfile().unwrap();
    std::fs::write(photo.path(), dukou_photo(11)).unwrap();
    browser.click("[data-item] button[data-mark=problem]").await;
    browser
        .fill("[data-item] form textarea", "垃圾收集点满溢")
        .await;
    browser
        .fill(
            "[data-item] form input[type=file]",
            photo.path().to_str().unwrap(),
        )
        .await;
    browser.click("[data-item] form button[type=submit]").await;
    browser
        .until(
            "the problem filed",
            PAGE,
            "document.querySelector('[data-result=problem] a')",
        )
        .await;
    browser.click("#finish").await;
    browser
        .until("the summary", PAGE, "document.querySelector('#summary')")
        .await;
    browser.shot("finished").await;
    browser.assert_clean("the patrol").await;

    let id = browser
        .eval("location.hash.split('/')[2]")
        .await
        .as_str()
        .unwrap()
        .to_owned();
    let worker = srv.login("gw-2").await;
    let (status, patrol) = srv
        .get_as(&worker.access_token, &format!("/v1/patrols/{id}"))
        .await;
    assert_eq!(status, 200, "{patrol}");
    assert!(patrol["finished_at"].is_string(), "{patrol}");
    assert!(patrol["points"].as_i64().unwrap() >= 1, "{patrol}");
    assert_eq!(
        patrol["inside_share"],
        json!(1.0),
        "walked inside the grid: {patrol}"
    );
    let marks = patrol["marks"].as_array().unwrap();
    assert_eq!(marks.len(), 2, "{patrol}");
    let report_id = marks
        .iter()
        .find_map(|m| m["report_id"].as_str())
        .expect("the problem's report");
    let report = srv.report_as(&worker, report_id).await;
    assert_eq!(
        (&report["channel"], &report["patrol_id"]),
        (&json!("patrol"), &json!(id))
    );
    assert_eq!(report["photos"].as_array().unwrap().len(), 1, "{report}");
    browser.close().await;
}
