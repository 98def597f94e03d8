//! Journeys through the console: the county supervisor's dashboard follows the county live
//! (a villager's new report on the map within 2 s, her rating moving 满意率); a grid worker on
//! a 360 px phone accepts and resolves a report with a photo from the task list, offered
//! exactly the buttons the server allows; a dispatcher places a report handed back to the
//! queue.

use std::time::{Duration, Instant};

use cunxiang_tests::intake::{ANNA, dukou_photo};
use cunxiang_tests::lifecycle::DUKOU_TEAM;
use cunxiang_tests::{Backend, TestServer, covered};
use rstest::rstest;
use serde_json::json;

use crate::browser::Browser;

const PAGE: Duration = Duration::from_secs(15);

fn base(srv: &TestServer) -> String {
    srv.url("").trim_end_matches('/').to_owned()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn the_dashboard_shows_the_county_and_follows_it_live(#[case] backend: Backend) {
    if !covered(backend) {
        return;
    }
    let name = format!("dashboard-{backend:?}").to_lowercase();
    let Some(browser) = Browser::start(&name, 1920, 1080).await else {
        return;
    };
    let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
    let admin = srv.login("admin").await;
    let worker = srv
        .staff_in(&admin, "dk-team", "grid_worker", DUKOU_TEAM)
        .await;
    let anna = srv.villager(ANNA).await;
    browser
        .log_in(&base(&srv), "yj-supervisor", &srv.demo_password())
        .await;

    browser
        .until(
            "the map of the demo grids",
            PAGE,
            "document.querySelector('#map').dataset.grids === '6'",
        )
        .await;
    browser
        .until("the live badge", PAGE, "document.querySelector('.live.on')")
        .await;
    let received = "document.querySelector('[data-kpi=received_today] .value').textContent";
    assert_eq!(browser.eval(received).await, json!("0"));
    assert_eq!(
        browser
            .eval("document.querySelector('#map').dataset.points")
            .await,
        json!("0")
    );
    let rows = browser
        .eval("[...document.querySelectorAll('#breakdown tbody tr')].length")
        .await;
    assert!(
        rows.as_u64().unwrap() >= 1,
        "the breakdown by township: {rows}"
    );
    browser.shot("county").await;
    let (bytes, fcp) = browser.weight().await;
    let drawn = browser
        .eval("document.querySelector('#view').dataset.firstDrawnMs")
        .await;
    eprintln!(
        "{name}: first load {:.0} KB compressed; first paint {fcp:.0} ms; dashboard drawn with its data {} ms after navigation (log-in included)",
        bytes as f64 / 1024.0,
        drawn.as_str().unwrap_or("?")
    );
    assert!(
        bytes < 1024 * 1024,
        "under 1 MB of compressed assets: {bytes}"
    );
    browser.assert_clean("the dashboard").await;

    // A villager files a report: it is on the map within 2 s, without a reload.
    let filed = Instant::now();
    let report = srv.report_at_dukou(&anna, "garbage", "路边垃圾").await;
    browser
        .until(
            "the new report on the map",
            Duration::from_secs(2),
            "document.querySelector('#map').dataset.points === '1'",
        )
        .await;
    let shown_after = filed.elapsed();
    eprintln!("{name}: new report on the dashboard map {shown_after:?} after it was filed");
    browser
        .until(
            "today's count",
            Duration::from_secs(2),
            &format!("{received} === '1'"),
        )
        .await;

    // Handled and rated 5 over the API: 满意率 moves to 100 %.
    let id = report["id"].as_str().unwrap();
    srv.act_ok(&worker, id, "accept", json!({})).await;
    let after = srv.evidence(&worker, dukou_photo(3)).await;
    srv.act_ok(
        &worker,
        id,
        "resolve",
        json!({ "note": "已清运", "media_ids": [after] }),
    )
    .await;
    srv.act_ok(&anna, id, "rate", json!({ "rating": 5 })).await;
    browser
        .until(
            "满意率 after the rating",
            Duration::from_secs(3),
            "document.querySelector('[data-kpi=satisfaction_rate] .value').textContent === '100.0%'",
        )
        .await;
    browser.shot("after-rating").await;

    // Drill down: the township, then its villages.
    browser.click("#breakdown tr.drill").await;
    browser
        .until(
            "the drill-down",
            PAGE,
            "document.querySelectorAll('.crumbs a').length === 2",
        )
        .await;
    browser
        .assert_clean("the dashboard after live updates")
        .await;
    // The same page at a phone's width, for the screenshots.
    browser.client.set_window_size(360, 740).await.unwrap();
    browser
        .until(
            "the phone layout",
            PAGE,
            "document.documentElement.clientWidth <= 360",
        )
        .await;
    browser.shot("phone").await;
    browser.close().await;
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_grid_worker_on_a_phone_accepts_and_resolves_with_a_photo(#[case] backend: Backend) {
    if !covered(backend) {
        return;
    }
    let name = format!("tasks-{backend:?}").to_lowercase();
    let Some(browser) = Browser::start(&name, 360, 740).await else {
        return;
    };
    let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
    let anna = srv.villager(ANNA).await;
    let report = srv.report_at_dukou(&anna, "garbage", "桥头垃圾堆").await;
    let id = report["id"].as_str().unwrap().to_owned();
    browser
        .log_in(&base(&srv), "gw-2", &srv.demo_password())
        .await;

    let task = format!(".task[data-id='{id}']");
    browser
        .until(
            "her task",
            PAGE,
            &format!("document.querySelector(\"{task}\")"),
        )
        .await;
    let width = browser.eval("document.documentElement.scrollWidth").await;
    assert!(
        width.as_u64().unwrap() <= 360,
        "no sideways scrolling at 360 px: {width}"
    );
    browser.shot("list").await;
    browser.click(&task).await;

    let buttons =
        "[...document.querySelectorAll('#actions button')].map(b => b.dataset.action).join(',')";
    browser.until("the actions", PAGE, buttons).await;
    assert_eq!(
        browser.eval(buttons).await,
        json!("accept,transfer,return,escalate,comment,follow"),
        "exactly what GET /v1/reports/{{id}}/actions allows"
    );
    browser.click("#actions button[data-action=accept]").await;
    browser.click("#action-form button[type=submit]").await;
    browser
        .until(
            "accepted",
            PAGE,
            "document.querySelector('#status').dataset.status === 'accepted'",
        )
        .await;

    let photo = tempfile::Builder::new().suffix(".jpg").tempfile().unwrap();
    std::fs::write(photo.path(), dukou_photo(9)).unwrap();
    browser.click("#actions button[data-action=resolve]").await;
    browser.fill("#action-form textarea", "已清运完毕").await;
    browser
        .fill(
            "#action-form input[type=file]",
            photo.path().to_str().unwrap(),
        )
        .await;
    browser.click("#action-form button[type=submit]").await;
    browser
        .until(
            "resolved",
            PAGE,
            "document.querySelector('#status').dataset.status === 'resolved'",
        )
        .await;
    browser
        .until(
            "the after photo",
            PAGE,
            "[...document.querySelectorAll('.timeline img')].some(i => i.src.startsWith('blob:'))",
        )
        .await;
    browser.shot("resolved").await;
    browser.assert_clean("the task list and the report").await;

    let seen = srv.report_as(&anna, &id).await;
    assert_eq!(seen["status"], "resolved");
    let resolved = seen["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "resolved")
        .cloned()
        .unwrap();
    assert_eq!(resolved["note"], "已清运完毕");
    assert_eq!(resolved["media"].as_array().unwrap().len(), 1);
    browser.close().await;
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn the_dispatcher_places_a_report_handed_back_to_the_queue(#[case] backend: Backend) {
    if !covered(backend) {
        return;
    }
    let name = format!("queue-{backend:?}").to_lowercase();
    let Some(browser) = Browser::start(&name, 1366, 900).await else {
        return;
    };
    let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
    let admin = srv.login("admin").await;
    let worker = srv
        .staff_in(&admin, "dk-team", "grid_worker", DUKOU_TEAM)
        .await;
    let anna = srv.villager(ANNA).await;
    let report = srv
        .report_at_dukou(&anna, "garbage", "河边堆了建筑垃圾")
        .await;
    let id = report["id"].as_str().unwrap().to_owned();
    srv.act_ok(
        &worker,
        &id,
        "return",
        json!({ "reason": "建筑垃圾需村委会协调清运" }),
    )
    .await;
    browser
        .log_in(&base(&srv), "hx-supervisor", &srv.demo_password())
        .await;
    browser.click("#nav a[href='#/queue']").await;
    let queued = format!("#queue .task[data-id='{id}']");
    browser
        .until(
            "the handed-back report",
            PAGE,
            &format!("document.querySelector(\"{queued}\")"),
        )
        .await;
    browser.shot("queue").await;
    browser.click(&queued).await;

    browser.click("#actions button[data-action=transfer]").await;
    browser
        .until(
            "the units",
            PAGE,
            "document.querySelectorAll('#action-form select option').length > 1",
        )
        .await;
    browser
        .fill("#action-form input[type=text]", "渡口村民委员会")
        .await;
    browser
        .until(
            "the village committee alone",
            PAGE,
            "document.querySelectorAll('#action-form select option').length === 1",
        )
        .await;
    browser.fill("#action-form textarea", "请村委会处理").await;
    browser.click("#action-form button[type=submit]").await;
    browser
        .until(
            "assigned",
            PAGE,
            "document.querySelector('#status').dataset.status === 'assigned'",
        )
        .await;
    browser.shot("placed").await;
    browser.client.set_window_size(360, 740).await.unwrap();
    browser.shot("placed-phone").await;
    browser.client.set_window_size(1366, 900).await.unwrap();
    browser.assert_clean("the queue and the report").await;

    let placed = srv.report_as(&admin, &id).await;
    assert_eq!(placed["status"], "assigned");
    assert_eq!(placed["unit"]["name"], "渡口村民委员会");
    browser.click("#nav a[href='#/queue']").await;
    browser
        .until(
            "the queue without it",
            PAGE,
            &format!("document.querySelector('#queue') && !document.querySelector(\"{queued}\")"),
        )
        .await;
    browser.close().await;
}
