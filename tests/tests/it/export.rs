//! `GET /v1/reports.csv`: Excel-ready CSV (BOM, header, quoting), the list's filters and scope,
//! phones masked unless admin, paging through more reports than one page, the KPIs
//! recomputed from the export, and `from`/`to` as RFC 3339 times or Beijing dates (export and
//! list alike).

use chrono::Duration;
use cunxiang_tests::export::csv_rows;
use cunxiang_tests::intake::{ANNA, BAO};
use cunxiang_tests::lifecycle::DUKOU_TEAM;
use cunxiang_tests::{Backend, Session, TestServer, covered};
use rstest::rstest;
use serde_json::{Value, json};

const HEADER: [&str; 22] = [
    "case_number",
    "category",
    "status",
    "region",
    "grid",
    "unit",
    "created_at",
    "accepted_at",
    "accept_by",
    "resolved_at",
    "resolve_by",
    "closed_at",
    "rating",
    "reopen_count",
    "escalation_count",
    "channel",
    "reporter_phone",
    "workflow",
    "outcome",
    "concluded_at",
    "conclusion_level",
    "agreement_kept",
];

/// The export as `who` with `query`: status, content type and the raw body.
async fn export(srv: &TestServer, who: &Session, query: &str) -> (u16, String, Vec<u8>) {
    srv.export_csv(who, query).await
}

/// The rows of a CSV export (BOM and header checked and dropped), as column → value maps.
fn rows(body: &[u8]) -> Vec<std::collections::HashMap<String, String>> {
    let (header, rows) = csv_rows(body);
    assert_eq!(header, HEADER);
    rows
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn the_export_opens_in_excel_masks_phones_and_follows_the_list(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA, BAO]).await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let bao = srv.villager(BAO).await;
        let hx = srv.login("hx-supervisor").await;
        let gw = srv
            .staff_in(&admin, "ex-gw", "grid_worker", DUKOU_TEAM)
            .await;
        let first = srv.report_at_dukou(&anna, "other", "路灯不亮").await;
        let second = srv.report_at_dukou(&bao, "other", "井盖松动").await;
        let id = first["id"].as_str().unwrap();
        srv.advance(Duration::minutes(12));
        srv.act_ok(&gw, id, "accept", json!({})).await;
        srv.act_ok(&gw, id, "resolve", json!({ "note": "换了灯泡" }))
            .await;
        srv.act_ok(&anna, id, "rate", json!({ "rating": 4 })).await;

        let (status, kind, body) = export(&srv, &admin, "").await;
        assert_eq!(
            status,
            200,
            "{backend:?}: {}",
            String::from_utf8_lossy(&body)
        );
        assert_eq!(kind, "text/csv; charset=utf-8");
        let all = rows(&body);
        assert_eq!(all.len(), 2, "{backend:?}");
        // Newest first; names in Chinese; Beijing times to the second.
        assert_eq!(
            all[0]["case_number"],
            second["case_number"].as_str().unwrap()
        );
        let r1 = &all[1];
        assert_eq!(r1["status"], "closed");
        assert_eq!(r1["unit"], DUKOU_TEAM);
        assert_eq!(r1["rating"], "4");
        assert_eq!(r1["reopen_count"], "0");
        assert_eq!(r1["reporter_phone"], ANNA, "admins see the whole number");
        let created =
            chrono::NaiveDateTime::parse_from_str(&r1["created_at"], "%Y-%m-%d %H:%M:%S").unwrap();
        let accepted =
            chrono::NaiveDateTime::parse_from_str(&r1["accepted_at"], "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!((accepted - created).num_minutes(), 12, "{r1:?}");
        let utc = cunxiang_tests::lifecycle::at(&first["created_at"]);
        assert_eq!(
            created,
            (utc + Duration::hours(8)).naive_utc().with_nanosecond0(),
            "Beijing time"
        );

        // Staff see masked numbers; a villager sees her own masked and others' not at all.
        let (_, _, body) = export(&srv, &hx, "").await;
        let phones: Vec<String> = rows(&body)
            .iter()
            .map(|r| r["reporter_phone"].clone())
            .collect();
        assert_eq!(phones, ["138****0002", "138****0001"]);
        let (_, _, body) = export(&srv, &bao, "").await;
        let phones: Vec<String> = rows(&body)
            .iter()
            .map(|r| r["reporter_phone"].clone())
            .collect();
        assert_eq!(phones, ["138****0002", ""]);

        // The list's filters.
        let (_, _, body) = export(&srv, &admin, "?status=closed&category=other").await;
        assert_eq!(rows(&body).len(), 1);
        let (_, _, body) = export(&srv, &anna, "?mine=true").await;
        assert_eq!(rows(&body).len(), 1);
        for (query, code) in [
            ("?status=lost", "invalid_parameter"),
            (
                "?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z",
                "invalid_parameter",
            ),
            ("?from=yesterday", "invalid_parameter"),
        ] {
            let (status, _, body) = export(&srv, &admin, query).await;
            assert_eq!(status, 400, "{query}");
            let err: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(err["error"]["code"], code, "{err}");
        }
        let (status, _, _) = export(&srv, &admin, "?region=999999").await;
        assert_eq!(status, 404);

        // KPIs recomputed from the export match the summary.
        let (_, s) = srv.get_as(&admin.access_token, "/v1/stats/summary").await;
        let all = rows(&export(&srv, &admin, "").await.2);
        let received = all.iter().filter(|r| r["status"] != "rejected").count();
        let resolved = all
            .iter()
            .filter(|r| r["status"] == "resolved" || r["status"] == "closed")
            .count();
        let rated: Vec<i64> = all
            .iter()
            .filter_map(|r| r["rating"].parse().ok())
            .collect();
        assert_eq!(s["received"], received as i64);
        assert_eq!(s["resolved"], resolved as i64);
        assert_eq!(s["rated"], rated.len() as i64);
        assert_eq!(s["accept_minutes_median"], 12, "{s}");
    }
}

trait Seconds {
    fn with_nanosecond0(self) -> Self;
}

impl Seconds for chrono::NaiveDateTime {
    fn with_nanosecond0(self) -> Self {
        chrono::Timelike::with_nanosecond(&self, 0).unwrap()
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_long_export_pages_through_every_report_once(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let report = srv.report_at_dukou(&anna, "other", "样本").await;
        // 1,200 more behind the server's back: more than two pages of 500.
        let mut conn = srv.db.connect();
        let id = uuid::Uuid::parse_str(report["id"].as_str().unwrap()).unwrap();
        let template = cunxiang_storage::reports::find(&mut conn, cunxiang_core::ReportId(id))
            .unwrap()
            .unwrap();
        for n in 0..1200 {
            let mut copy = template.clone();
            copy.id = cunxiang_core::ReportId::new();
            copy.case_number = format!("YJ-COPY-{n:05}");
            cunxiang_storage::reports::insert(&mut conn, &copy).unwrap();
        }
        let (status, _, body) = export(&srv, &admin, "").await;
        assert_eq!(status, 200);
        let all = rows(&body);
        assert_eq!(all.len(), 1201, "{backend:?}");
        let mut cases: Vec<&String> = all.iter().map(|r| &r["case_number"]).collect();
        assert_eq!(cases[0], "YJ-COPY-01199", "newest first");
        cases.sort();
        cases.dedup();
        assert_eq!(cases.len(), 1201, "each report once");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_date_means_beijing_midnight_in_the_export_and_the_list(#[case] backend: Backend) {
    let contract = cunxiang_tests::Contract::load();
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let report = srv.report_at_dukou(&anna, "other", "样本").await;
        // Copies received around the Beijing midnights that start 2 and 3 November.
        let mut conn = srv.db.connect();
        let id = uuid::Uuid::parse_str(report["id"].as_str().unwrap()).unwrap();
        let template = cunxiang_storage::reports::find(&mut conn, cunxiang_core::ReportId(id))
            .unwrap()
            .unwrap();
        for (n, at) in [
            "2026-11-01T15:59:59Z", // 1 Nov, 23:59:59 in Beijing
            "2026-11-01T16:00:00Z", // 2 Nov, 00:00 in Beijing
            "2026-11-02T15:59:59Z", // 2 Nov, 23:59:59 in Beijing
            "2026-11-02T16:00:00Z", // 3 Nov, 00:00 in Beijing
        ]
        .into_iter()
        .enumerate()
        {
            let mut copy = template.clone();
            copy.id = cunxiang_core::ReportId::new();
            copy.case_number = format!("YJ-20261101-900{n}");
            copy.created_at = chrono::DateTime::parse_from_rfc3339(at).unwrap().to_utc();
            copy.updated_at = copy.created_at;
            cunxiang_storage::reports::insert(&mut conn, &copy).unwrap();
        }
        let dates = "?from=2026-11-02&to=2026-11-03";
        let times = "?from=2026-11-02T00:00:00%2B08:00&to=2026-11-03T00:00:00%2B08:00";
        let (status, _, by_date) = export(&srv, &admin, dates).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&by_date));
        let (status, _, by_time) = export(&srv, &admin, times).await;
        assert_eq!(status, 200);
        assert_eq!(by_date, by_time, "{backend:?}: the same Beijing midnights");
        let cases: Vec<String> = rows(&by_date)
            .iter()
            .map(|r| r["case_number"].clone())
            .collect();
        assert_eq!(
            cases,
            ["YJ-20261101-9002", "YJ-20261101-9001"],
            "{backend:?}"
        );
        let (_, _, open_end) = export(&srv, &admin, "?from=2026-11-03").await;
        assert_eq!(rows(&open_end).len(), 2, "3 November and today's report");

        // The list takes the same forms and answers the same reports.
        let cases_of = |body: &Value| -> Vec<String> {
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["case_number"].as_str().unwrap().to_owned())
                .collect()
        };
        let (status, listed) = srv
            .get_as(&admin.access_token, &format!("/v1/reports{dates}"))
            .await;
        assert_eq!(status, 200, "{listed}");
        contract.check("GET", "/v1/reports", 200, &listed);
        assert_eq!(cases_of(&listed), cases);
        let (_, listed_by_time) = srv
            .get_as(&admin.access_token, &format!("/v1/reports{times}"))
            .await;
        assert_eq!(cases_of(&listed_by_time), cases);

        // A malformed date or time is 400 naming its parameter, on both.
        for (query, parameter) in [
            ("?from=yesterday", "from"),
            ("?to=2026-13-01", "to"),
            ("?from=2026-11-03&to=2026-11-02", "from"),
        ] {
            let (status, _, body) = export(&srv, &admin, query).await;
            assert_eq!(status, 400, "{query}");
            let err: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(err["error"]["code"], "invalid_parameter", "{err}");
            assert_eq!(err["error"]["details"]["parameter"], parameter, "{err}");
            let (status, err) = srv
                .get_as(&admin.access_token, &format!("/v1/reports{query}"))
                .await;
            assert_eq!(status, 400, "{query}");
            assert_eq!(err["error"]["details"]["parameter"], parameter, "{err}");
            contract.check("GET", "/v1/reports", 400, &err);
        }
    }
}
