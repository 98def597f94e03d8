//! The admin pages in Chromium: every tab opens without an error; the route preview answers
//! a click on the map; a grid file is checked with its problems named, previewed, then
//! imported; an account and an API client are made in the browser (the secret shown once).

use std::time::Duration;

use cunxiang_tests::intake::DUKOU;
use cunxiang_tests::{Backend, TestServer, covered};
use rstest::rstest;
use serde_json::json;

use crate::browser::Browser;

const PAGE: Duration = Duration::from_secs(15);
const TABS: [&str; 10] = [
    "regions",
    "units",
    "categories",
    "routing",
    "grids",
    "users",
    "clients",
    "webhooks",
    "deliveries",
    "audit",
];

fn square(lon: f64, lat: f64) -> serde_json::Value {
    let d = 0.004;
    json!({ "type": "Polygon", "coordinates": [[[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]] })
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn an_admin_runs_the_county_from_the_browser(#[case] backend: Backend) {
    if !covered(backend) {
        return;
    }
    let name = format!("admin-{backend:?}").to_lowercase();
    let Some(browser) = Browser::start(&name, 1440, 900).await else {
        return;
    };
    let srv = TestServer::start(backend).await;
    let base = srv.url("").trim_end_matches('/').to_owned();
    browser.log_in(&base, "admin", &srv.demo_password()).await;

    for tab in TABS {
        browser
            .client
            .goto(&format!("{base}/console/#/admin/{tab}"))
            .await
            .unwrap();
        browser
            .until(
                &format!("the {tab} tab"),
                PAGE,
                &format!("document.querySelector('#admin-{tab} table, #admin-{tab} form, #admin-{tab} .card, #admin-{tab} p')"),
            )
            .await;
        browser.shot(tab).await;
        browser.assert_clean(&format!("the {tab} tab")).await;
    }

    // Route preview: a click on 渡口村's grid says where its rubbish goes.
    browser
        .client
        .goto(&format!("{base}/console/#/admin/routing"))
        .await
        .unwrap();
    browser
        .until(
            "the preview map",
            PAGE,
            "document.querySelector('#preview-map').dataset.ready",
        )
        .await;
    browser
        .eval(&format!(
            "(() => {{ const m = document.querySelector('#preview-map'); const [x, y] = m.toPixel({}, {}); \
               const target = m.querySelector('canvas'); const r = target.getBoundingClientRect(); \
               for (const type of ['mousedown', 'mouseup', 'click']) target.dispatchEvent(new MouseEvent(type, \
                 {{ clientX: r.left + x, clientY: r.top + y, bubbles: true }})); return true; }})()",
            DUKOU.1, DUKOU.0
        ))
        .await;
    let target = browser
        .until(
            "the preview's answer",
            PAGE,
            "document.querySelector('#preview-answer [data-target]')?.dataset.target",
        )
        .await;
    assert_eq!(target, json!("渡口村网格工作组"));

    // A grid file with a broken feature: its problem is named and nothing is saved.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.geojson");
    let doc = |geometry: serde_json::Value| {
        json!({ "type": "FeatureCollection", "features": [
        { "type": "Feature", "properties": { "name": "大桥村网格", "region_code": "360603105200" }, "geometry": geometry } ] })
    };
    std::fs::write(
        &bad,
        doc(json!({ "type": "Polygon", "coordinates": [[[116.8, 28.3], [116.81, 28.3]]] }))
            .to_string(),
    )
    .unwrap();
    browser
        .client
        .goto(&format!("{base}/console/#/admin/grids"))
        .await
        .unwrap();
    browser.fill("#grid-file", bad.to_str().unwrap()).await;
    browser.click("#grid-check").await;
    browser
        .until(
            "the problems",
            PAGE,
            "document.querySelectorAll('#grid-problems li').length === 1",
        )
        .await;
    // The refusal is the one failed request the page may have: the 422 of the dry run.
    let mut severe = Vec::new();
    for _ in 0..40 {
        severe.extend(
            browser
                .log()
                .await
                .into_iter()
                .filter(|e| e["level"] == "SEVERE"),
        );
        if !severe.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        severe.len() == 1
            && severe[0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("/v1/grids/import") && m.contains("422")),
        "{severe:#?}"
    );
    let good = dir.path().join("good.geojson");
    std::fs::write(&good, doc(square(116.80, 28.30)).to_string()).unwrap();
    browser
        .client
        .goto(&format!("{base}/console/#/admin/regions"))
        .await
        .unwrap();
    browser
        .client
        .goto(&format!("{base}/console/#/admin/grids"))
        .await
        .unwrap();
    browser.fill("#grid-file", good.to_str().unwrap()).await;
    browser.click("#grid-check").await;
    browser
        .until(
            "the preview",
            PAGE,
            "document.querySelector('#grid-summary')?.textContent.includes('新增 1')",
        )
        .await;
    let (_, before) = srv.get("/v1/grids?limit=1000").await;
    assert!(
        !before.to_string().contains("大桥村网格"),
        "a preview saves nothing"
    );
    browser.shot("grid-preview").await;
    browser.click("#grid-import").await;
    browser
        .until("the import", PAGE, "document.querySelector('#grid-done')")
        .await;
    let (_, after) = srv.get("/v1/grids?limit=1000").await;
    assert!(after.to_string().contains("大桥村网格"), "{after}");

    // An API client: its secret is shown once.
    browser
        .client
        .goto(&format!("{base}/console/#/admin/clients"))
        .await
        .unwrap();
    browser
        .fill("#client-form input[name=name]", "潢溪镇小程序")
        .await;
    browser
        .fill("#client-form input[name=region]", "360603102")
        .await;
    browser.click("#client-form button[type=submit]").await;
    let secret = browser
        .until(
            "the secret",
            PAGE,
            "document.querySelector('#secret pre')?.textContent",
        )
        .await;
    assert!(secret.as_str().unwrap().len() >= 20, "{secret}");
    browser.assert_clean("the admin pages").await;
    browser.close().await;
}
