//! The dashboard survives a server restart: its live badge goes off, the page reconnects to
//! the new process on the same port by itself, and a report filed there is on the map within
//! 2 s.

use std::time::Duration;

use cunxiang_tests::intake::ANNA;
use cunxiang_tests::{Backend, TestServer, covered};
use rstest::rstest;

use crate::browser::Browser;

const PAGE: Duration = Duration::from_secs(15);

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn the_dashboard_survives_a_server_restart(#[case] backend: Backend) {
    if !covered(backend) {
        return;
    }
    let name = format!("restart-{backend:?}").to_lowercase();
    let Some(browser) = Browser::start(&name, 1366, 900).await else {
        return;
    };
    let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
    let base = srv.url("").trim_end_matches('/').to_owned();
    let port = url::Url::parse(&base).unwrap().port().unwrap();
    browser
        .log_in(&base, "hx-supervisor", &srv.demo_password())
        .await;
    browser
        .until("the live badge", PAGE, "document.querySelector('.live.on')")
        .await;

    let db = srv.stop();
    browser
        .until(
            "the badge going off",
            PAGE,
            "document.querySelector('.live.off')",
        )
        .await;
    let srv = TestServer::start_on(db, move |s| {
        s.bind = format!("127.0.0.1:{port}");
        s.test_phones = vec![(
            ANNA.to_owned(),
            cunxiang_api::settings::Secret("123456".into()),
        )];
    })
    .await;
    browser
        .until(
            "the stream back",
            Duration::from_secs(20),
            "document.querySelector('.live.on')",
        )
        .await;
    let anna = srv.villager(ANNA).await;
    srv.report_at_dukou(&anna, "garbage", "重启后的上报").await;
    browser
        .until(
            "the report filed after the restart",
            Duration::from_secs(2),
            "document.querySelector('#map').dataset.points === '1'",
        )
        .await;
    // The page saw the server go away: failed loads are expected here, errors in code are not.
    let errors: Vec<_> = browser
        .log()
        .await
        .into_iter()
        .filter(|e| e["level"] == "SEVERE" && e["source"] != "network")
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    browser.close().await;
}
