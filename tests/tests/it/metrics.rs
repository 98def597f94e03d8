//! `/metrics`: served only with `CUNXIANG_METRICS_TOKEN` and only to a scraper that sends it;
//! parsed as Prometheus parses it, it counts requests by route template, reports filed and
//! photos processed, and reads the pool, the streams and the outbox at each scrape.

use std::collections::HashMap;

use cunxiang_tests::intake::{ANNA, DUKOU, dukou_photo};
use cunxiang_tests::{Backend, TestDb, TestServer, covered};
use prometheus_parse::{Sample, Scrape, Value};
use rstest::rstest;
use serde_json::json;

const TOKEN: &str = "scrape-token-0123456789";

async fn scrape(srv: &TestServer, token: Option<&str>) -> (u16, String) {
    let mut req = srv.client.get(srv.url("/metrics"));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

fn parsed(text: &str) -> Scrape {
    Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).expect("Prometheus text format")
}

/// The value of the sample `name` whose labels include `labels`.
fn value(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let found: Vec<&Sample> = scrape
        .samples
        .iter()
        .filter(|s| s.metric == name)
        .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .collect();
    found.first().map(|s| match &s.value {
        Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
        Value::Histogram(buckets) => buckets.last().map_or(0.0, |b| b.count),
        Value::Summary(_) => f64::NAN,
    })
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_scraper_with_the_token_reads_the_servers_figures(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_on(TestDb::new(backend), |s| {
            s.metrics_token = Some(cunxiang_api::settings::Secret(TOKEN.into()));
            s.test_phones = vec![(ANNA.into(), cunxiang_api::settings::Secret("123456".into()))];
        })
        .await;
        assert_eq!(scrape(&srv, None).await.0, 401);
        assert_eq!(scrape(&srv, Some("not-the-token-at-all")).await.0, 401);

        let anna = srv.villager(ANNA).await;
        let _stream = srv.events(&anna, None).await;
        let (status, media) = srv
            .upload(&anna.access_token, dukou_photo(1), "a.jpg")
            .await;
        assert_eq!(status, 201, "{media}");
        let body = json!({ "category": "garbage", "description": "路边垃圾", "media_ids": [media["id"]],
                           "location": { "lat": DUKOU.0, "lon": DUKOU.1, "coord_system": "wgs84" } });
        let (status, report) = srv.report(&anna.access_token, Some("m-1"), &body).await;
        assert_eq!(status, 201, "{report}");
        let id = report["id"].as_str().unwrap();
        srv.get_as(&anna.access_token, &format!("/v1/reports/{id}"))
            .await;

        let (status, text) = scrape(&srv, Some(TOKEN)).await;
        assert_eq!(status, 200, "{text}");
        let m = parsed(&text);
        let at_least_one = |name: &str, labels: &[(&str, &str)]| {
            let v = value(&m, name, labels)
                .unwrap_or_else(|| panic!("no {name} {labels:?} in\n{text}"));
            assert!(v >= 1.0, "{name} {labels:?} = {v}");
        };
        at_least_one(
            "cunxiang_http_requests_total",
            &[
                ("route", "/v1/reports"),
                ("method", "POST"),
                ("status", "201"),
            ],
        );
        // By template, never by the raw path with its id.
        at_least_one(
            "cunxiang_http_requests_total",
            &[
                ("route", "/v1/reports/:id"),
                ("method", "GET"),
                ("status", "200"),
            ],
        );
        assert!(!text.contains(id), "a report id in a label");
        at_least_one(
            "cunxiang_http_request_duration_seconds",
            &[("route", "/v1/reports")],
        );
        at_least_one(
            "cunxiang_reports_filed_total",
            &[("channel", "mini_program")],
        );
        at_least_one("cunxiang_photo_pipeline_seconds", &[]);
        at_least_one("cunxiang_live_streams", &[("kind", "own")]);
        assert!(value(&m, "cunxiang_db_pool_connections", &[("state", "idle")]).is_some());
        assert!(value(&m, "cunxiang_db_pool_connections", &[("state", "in_use")]).is_some());
        assert!(value(&m, "cunxiang_deadline_worker_lag_seconds", &[]).is_some());
        let pending: HashMap<&str, f64> = ["webhook", "wechat", "sms"]
            .into_iter()
            .map(|c| {
                let v = value(
                    &m,
                    "cunxiang_outbox_deliveries",
                    &[("channel", c), ("status", "pending")],
                );
                (c, v.unwrap_or_else(|| panic!("no outbox gauge for {c}")))
            })
            .collect();
        assert_eq!(pending.len(), 3);
    }
}

#[tokio::test]
async fn without_a_token_configured_there_is_no_metrics_endpoint() {
    let srv = TestServer::start(Backend::Sqlite).await;
    assert_eq!(scrape(&srv, Some(TOKEN)).await.0, 404);
}
