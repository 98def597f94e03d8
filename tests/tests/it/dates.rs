//! Times at the edges (issue 16, item 7): every time parameter (`from`/`to` of the report
//! list, the CSV export and the KPIs; Open311's `start_date`/`end_date`) lies between
//! 1970-01-01T00:00:00Z and 9999-01-01T00:00:00Z, or is refused with 422; inside that range a
//! far end counts the same everywhere and is echoed with a four-digit year.

use cunxiang_tests::{Backend, TestServer, covered};
use rstest::rstest;
use serde_json::Value;

use cunxiang_tests::inputs::encode;

const PHONE: &str = "13900000017";

/// Out of range: past the end (also once an offset is applied), or before 1970.
const OUTSIDE: [&str; 6] = [
    "9999-12-31T16:00:00Z",
    "9999-12-31T20:00:00-05:00",
    "9999-01-01T00:00:01Z",
    "9999-01-01T00:00:00-00:01",
    "9999-12-31",
    "1969-12-31T15:59:59Z",
];

/// The far end of the range, written several ways.
const FAR: [&str; 4] = [
    "9999-01-01T00:00:00Z",
    "9998-12-31T19:00:00-05:00",
    "9999-01-01T08:00:00+08:00",
    "9998-12-31",
];

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn times_outside_the_supported_range_are_422_everywhere(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await.access_token;
        let mut wrong = Vec::new();
        for value in OUTSIDE {
            for param in ["from", "to"] {
                for path in [
                    "/v1/reports",
                    "/v1/reports.csv",
                    "/v1/stats/summary",
                    "/v1/stats/breakdown?by=day",
                ] {
                    let sep = if path.contains('?') { '&' } else { '?' };
                    let url = format!("{path}{sep}{param}={}", encode(value));
                    let (status, body) = srv.get_as(&admin, &url).await;
                    let ok = status == 422
                        && body["error"]["code"] == "out_of_range"
                        && body["error"]["details"]["parameter"] == param;
                    if !ok {
                        wrong.push(format!("{url}: {status} {body}"));
                    }
                }
            }
            for param in ["start_date", "end_date"] {
                let url = format!("/open311/v2/requests.json?{param}={}", encode(value));
                let res = srv.client.get(srv.url(&url)).send().await.unwrap();
                let status = res.status().as_u16();
                let body: Value = res.json().await.unwrap_or(Value::Null);
                let ok = status == 422
                    && body[0]["code"] == 422
                    && body[0]["description"]
                        .as_str()
                        .is_some_and(|d| d.contains(param));
                if !ok {
                    wrong.push(format!("{url}: {status} {body}"));
                }
            }
        }
        assert!(wrong.is_empty(), "{backend:?}:\n{}", wrong.join("\n"));
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_far_end_counts_the_same_in_the_list_the_kpis_and_open311(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[PHONE]).await;
        let admin = srv.login("admin").await.access_token;
        let villager = srv.villager(PHONE).await;
        for n in 0..3 {
            srv.report_at_dukou(&villager, "garbage", &format!("第{n}件"))
                .await;
        }
        let (_, list) = srv.get_as(&admin, "/v1/reports?limit=1000").await;
        let all = list["items"].as_array().unwrap().len();
        assert!(all >= 3, "{list}");
        let (_, open311_now) = srv
            .get(&format!(
                "/open311/v2/requests.json?start_date=1970-01-01T00:00:00Z&end_date={}",
                encode(&chrono::Utc::now().to_rfc3339())
            ))
            .await;
        let public = open311_now.as_array().unwrap().len();
        assert!(public >= 3, "{open311_now}");
        for to in FAR {
            let to_q = encode(to);
            let (status, list) = srv
                .get_as(&admin, &format!("/v1/reports?limit=1000&to={to_q}"))
                .await;
            assert_eq!(status, 200, "{list}");
            assert_eq!(list["items"].as_array().unwrap().len(), all, "list to={to}");
            let (status, summary) = srv
                .get_as(&admin, &format!("/v1/stats/summary?to={to_q}"))
                .await;
            assert_eq!(status, 200, "{summary}");
            assert_eq!(summary["received"], all, "summary to={to}: {summary}");
            let echoed = summary["to"].as_str().unwrap();
            assert!(
                echoed.starts_with("999") && echoed.as_bytes()[4] == b'-',
                "to={to} echoed {echoed}"
            );
            let (status, breakdown) = srv
                .get_as(
                    &admin,
                    &format!("/v1/stats/breakdown?by=day&from=1970-01-01&to={to_q}"),
                )
                .await;
            assert_eq!(status, 200, "{breakdown}");
            let days: i64 = breakdown["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b["received"].as_i64().unwrap())
                .sum();
            assert_eq!(days as usize, all, "breakdown to={to}: {breakdown}");
            let (status, requests) = srv
                .get(&format!(
                    "/open311/v2/requests.json?start_date=1970-01-01T00:00:00Z&end_date={to_q}"
                ))
                .await;
            assert_eq!(status, 200, "{requests}");
            assert_eq!(
                requests.as_array().unwrap().len(),
                public,
                "open311 end_date={to}"
            );
        }
    }
}
