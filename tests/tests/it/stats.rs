//! KPIs (`GET /v1/stats/summary`, `GET /v1/stats/breakdown`): a hand-computed scenario on an
//! injected clock, scoping to the caller's regions, and bad input.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use cunxiang_tests::intake::{ANNA, BAO};
use cunxiang_tests::lifecycle::{DUKOU_TEAM, at};
use cunxiang_tests::{Backend, Contract, Session, TestServer, covered, report_kpis};
use rstest::rstest;
use serde_json::{Value, json};

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The scenario: six reports at 渡口村 at minute 0 and a seventh at minute 4350, worked as
/// the comments say; returns (from, to) around the first six.
async fn scenario(srv: &TestServer, admin: &Session) -> (DateTime<Utc>, DateTime<Utc>) {
    let anna = srv.villager(ANNA).await;
    let bao = srv.villager(BAO).await;
    let gw = srv
        .staff_in(admin, "st-gw", "grid_worker", DUKOU_TEAM)
        .await;
    let hx = srv.login("hx-supervisor").await;
    let mut ids = Vec::new();
    let mut created = Vec::new();
    for n in 1..=6 {
        let who = if n == 5 { &bao } else { &anna };
        let r = srv
            .report_at_dukou(who, "other", &format!("第{n}件事"))
            .await;
        created.push(at(&r["created_at"]));
        ids.push(r["id"].as_str().unwrap().to_owned());
    }
    let id = |n: usize| ids[n - 1].clone();
    let note = |s: &str| json!({ "note": s });
    // Minute 10: R1, R2 and R6 accepted.
    srv.advance(Duration::minutes(10));
    for n in [1, 2, 6] {
        srv.act_ok(&gw, &id(n), "accept", json!({})).await;
    }
    // Minute 30: R3 accepted; R5 rejected; R4 escalated by the supervisor.
    srv.advance(Duration::minutes(20));
    srv.act_ok(&gw, &id(3), "accept", json!({})).await;
    srv.act_ok(&hx, &id(5), "reject", json!({ "reason": "无效上报" }))
        .await;
    srv.act_ok(&hx, &id(4), "escalate", json!({ "reason": "需要村里处理" }))
        .await;
    // Minute 70: R1 and R6 resolved; R1 rated 5 (closed).
    srv.advance(Duration::minutes(40));
    srv.act_ok(&gw, &id(1), "resolve", note("好了")).await;
    srv.act_ok(&gw, &id(6), "resolve", note("好了")).await;
    srv.act_ok(&anna, &id(1), "rate", json!({ "rating": 5 }))
        .await;
    // Minute 80: R6 reopened.
    srv.advance(Duration::minutes(10));
    srv.act_ok(&anna, &id(6), "reopen", json!({ "reason": "没修好" }))
        .await;
    // Minute 4340: R2 resolved 10 minutes late and rated 2; R6 accepted again.
    srv.advance(Duration::minutes(4260));
    srv.act_ok(&gw, &id(2), "resolve", note("晚了")).await;
    srv.act_ok(&anna, &id(2), "rate", json!({ "rating": 2 }))
        .await;
    srv.act_ok(&gw, &id(6), "accept", json!({})).await;
    // Minute 4345: R6 resolved again (not rated).
    srv.advance(Duration::minutes(5));
    srv.act_ok(&gw, &id(6), "resolve", note("再修")).await;
    // Minute 4350: R7, outside the period asked for below.
    srv.advance(Duration::minutes(5));
    let r7 = srv.report_at_dukou(&anna, "other", "第7件事").await;
    srv.advance(Duration::minutes(10));
    (created[0] - Duration::seconds(1), at(&r7["created_at"]))
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn kpis_match_a_hand_computed_scenario(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA, BAO]).await;
        let admin = srv.login("admin").await;
        let (from, to) = scenario(&srv, &admin).await;
        let period = format!("from={}&to={}", stamp(from), stamp(to));
        let (status, s) = srv
            .get_as(&admin.access_token, &format!("/v1/stats/summary?{period}"))
            .await;
        assert_eq!(status, 200, "{backend:?}: {s}");
        contract.check("GET", "/v1/stats/summary", 200, &s);
        let want = json!({
            "received": 5, "rejected": 1, "resolved": 3, "closed": 2, "resolved_on_time": 2,
            "rated": 2, "satisfied": 1, "reopened": 1,
            "completion_rate": 0.6, "on_time_rate": 2.0 / 3.0, "satisfaction_rate": 0.5,
            "reopen_rate": 0.2,
            "accept_minutes_median": 10, "accept_minutes_p90": 4340,
            "resolve_minutes_median": 4340, "resolve_minutes_p90": 4345,
            "overdue_now": 2, "escalations": 1,
        });
        assert_eq!(report_kpis(&s), want, "{backend:?}: {s}");

        // The supervisors of the township and of the county see the same; R7 counts
        // without `to`.
        for who in ["hx-supervisor", "yj-supervisor"] {
            let sup = srv.login(who).await;
            let (status, mine) = srv
                .get_as(&sup.access_token, &format!("/v1/stats/summary?{period}"))
                .await;
            assert_eq!(status, 200, "{mine}");
            assert_eq!(report_kpis(&mine), want, "{backend:?} {who}");
        }
        let path = format!("/v1/stats/summary?from={}", stamp(from));
        let (_, open) = srv.get_as(&admin.access_token, &path).await;
        assert_eq!(open["received"], 6, "{open}");
        assert_eq!(open["completion_rate"], 0.5);
        assert_eq!(open["overdue_now"], 2);

        // Breakdowns add up to the summary.
        for by in ["category", "unit", "grid", "day", "region"] {
            let path = format!("/v1/stats/breakdown?by={by}&{period}");
            let (status, b) = srv.get_as(&admin.access_token, &path).await;
            assert_eq!(status, 200, "{backend:?} {by}: {b}");
            contract.check("GET", "/v1/stats/breakdown", 200, &b);
            let items = b["items"].as_array().unwrap();
            let sum: i64 = items.iter().map(|i| i["received"].as_i64().unwrap()).sum();
            assert_eq!(sum, 5, "{by}: {b}");
            if by == "category" || by == "day" || by == "region" {
                assert_eq!(items.len(), 1, "{by}: {b}");
                assert_eq!(report_kpis(&items[0]), want, "{backend:?} {by}");
            }
        }
        let path = format!("/v1/stats/breakdown?by=category&{period}");
        let (_, b) = srv.get_as(&admin.access_token, &path).await;
        assert_eq!(b["items"][0]["key"], "other");
        assert_eq!(b["items"][0]["label"], "其他事项");
        let path = format!("/v1/stats/breakdown?by=region&{period}");
        let (_, b) = srv.get_as(&admin.access_token, &path).await;
        assert_eq!(b["items"][0]["label"], "余江区", "{b}");
        let path = format!("/v1/stats/breakdown?by=unit&{period}");
        let (_, b) = srv.get_as(&admin.access_token, &path).await;
        let team = b["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["label"] == DUKOU_TEAM)
            .unwrap_or_else(|| panic!("{b}"));
        assert_eq!(team["received"], 4, "R4 went up to the village: {b}");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn kpis_are_scoped_and_bad_input_is_refused(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let anna = srv.villager(ANNA).await;
        let hx = srv.login("hx-supervisor").await;
        let admin = srv.login("admin").await;
        srv.report_at_dukou(&anna, "other", "路灯坏了").await;

        let (status, body) = srv.get_as(&anna.access_token, "/v1/stats/summary").await;
        assert_eq!(status, 403, "{body}");
        contract.check("GET", "/v1/stats/summary", 403, &body);
        // The township supervisor may not read the county's figures …
        let (status, body) = srv
            .get_as(&hx.access_token, "/v1/stats/summary?region=360603")
            .await;
        assert_eq!(status, 403, "{backend:?}: {body}");
        assert_eq!(body["error"]["code"], "forbidden");
        // … the admin may.
        let (status, body) = srv
            .get_as(&admin.access_token, "/v1/stats/summary?region=360603")
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["received"], 1);
        assert_eq!(body["accept_minutes_median"], Value::Null);
        assert_eq!(body["completion_rate"], 0.0);
        assert_eq!(body["on_time_rate"], Value::Null, "no denominator");
        // An unknown region is 404.
        let (status, body) = srv
            .get_as(&admin.access_token, "/v1/stats/summary?region=999999")
            .await;
        assert_eq!(status, 404, "{body}");
        contract.check("GET", "/v1/stats/summary", 404, &body);
        for (query, parameter) in [
            ("from=yesterday", "from"),
            ("to=2026-13-01", "to"),
            ("from=2026-11-02&to=2026-11-01", "from"),
            ("from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", "from"),
        ] {
            let path = format!("/v1/stats/summary?{query}");
            let (status, body) = srv.get_as(&admin.access_token, &path).await;
            assert_eq!(status, 400, "{query}: {body}");
            assert_eq!(body["error"]["code"], "invalid_parameter", "{body}");
            assert_eq!(body["error"]["details"]["parameter"], parameter);
            contract.check("GET", "/v1/stats/summary", 400, &body);
        }
        for query in ["", "by=weather"] {
            let path = format!("/v1/stats/breakdown?{query}");
            let (status, body) = srv.get_as(&admin.access_token, &path).await;
            assert_eq!(status, 400, "{query}: {body}");
            assert_eq!(body["error"]["details"]["parameter"], "by");
        }
        // A date means Beijing midnight: the report made just now is inside today.
        let today = (Utc::now() + Duration::hours(8))
            .format("%Y-%m-%d")
            .to_string();
        let path = format!("/v1/stats/summary?from={today}");
        let (_, body) = srv.get_as(&hx.access_token, &path).await;
        assert_eq!(body["received"], 1, "{body}");
    }
}
