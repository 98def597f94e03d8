//! The public board in a phone's browser: no log-in, this month's figures and a resolved
//! report with its photos before and after.

use std::time::Duration;

use cunxiang_tests::intake::ANNA;
use cunxiang_tests::lifecycle::DUKOU_TEAM;
use cunxiang_tests::{Backend, TestServer, covered};
use rstest::rstest;
use serde_json::json;

use crate::browser::Browser;

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_villager_opens_the_board_without_logging_in(#[case] backend: Backend) {
    if !covered(backend) {
        return;
    }
    let name = format!("board-{backend:?}").to_lowercase();
    let Some(browser) = Browser::start(&name, 360, 740).await else {
        return;
    };
    let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
    let admin = srv.login("admin").await;
    let worker = srv
        .staff_in(&admin, "dk-team", "grid_worker", DUKOU_TEAM)
        .await;
    let anna = srv.villager(ANNA).await;
    let report = srv
        .resolved_at_dukou(&anna, &worker, "村口垃圾桶满了", 4)
        .await
        .report;
    let (_, _, board) = srv
        .call(
            reqwest::Method::GET,
            &format!("/v1/board/{}", report["region_id"].as_str().unwrap()),
            None,
            None,
        )
        .await;
    let code = board["region"]["code"].as_str().unwrap();

    let url = srv.url(&format!("/board/{code}"));
    browser.client.goto(&url).await.unwrap();
    let wait = Duration::from_secs(10);
    browser
        .until(
            "the board",
            wait,
            "document.querySelector('#board').dataset.loaded",
        )
        .await;
    let case = report["case_number"].as_str().unwrap();
    browser
        .until(
            "both photos drawn",
            wait,
            &format!("[...document.querySelectorAll(\"[data-case='{case}'] img\")].filter(i => i.complete && i.naturalWidth > 0).length === 2"),
        )
        .await;
    assert_eq!(
        browser
            .eval("document.querySelector('[data-figure=satisfaction_rate] .value').textContent")
            .await,
        json!("100.0%")
    );
    let width = browser.eval("document.documentElement.scrollWidth").await;
    assert!(width.as_u64().unwrap() <= 360, "{width}");
    browser.shot("village").await;
    browser.assert_clean("the board").await;
    browser.close().await;
}
