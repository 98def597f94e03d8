//! The KPI roll-ups answer exactly what counting the reports themselves answers: reports
//! received over three days and worked across them, then the summary and the breakdowns by
//! region and by day over whole days, pieces of days and open periods are compared with the
//! live counts; and the rows kept in step by every change equal a recount from scratch.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use cunxiang_core::clock::Clock;
use cunxiang_core::stats::Tally;
use cunxiang_storage::stats::{Group, Selection};
use cunxiang_tests::intake::{ANNA, BAO};
use cunxiang_tests::lifecycle::{DUKOU_TEAM, at};
use cunxiang_tests::{Backend, Session, TestServer, covered, report_kpis};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use rstest::rstest;
use serde_json::{Value, json};

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn live_kpis(t: &Tally) -> Value {
    serde_json::to_value(t.kpis()).unwrap_or_default()
}

/// The id a breakdown answers for a region path (its last segment).
fn id_of(path: &str) -> String {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[derive(QueryableByName, Debug, PartialEq)]
struct Stored {
    #[diesel(sql_type = Text)]
    region_id: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    parent_id: Option<String>,
    #[diesel(sql_type = Text)]
    day: String,
    #[diesel(sql_type = BigInt)]
    received: i64,
    #[diesel(sql_type = BigInt)]
    resolved: i64,
    #[diesel(sql_type = BigInt)]
    on_time: i64,
    #[diesel(sql_type = BigInt)]
    rated: i64,
    #[diesel(sql_type = Text)]
    accept_minutes: String,
    #[diesel(sql_type = Text)]
    resolve_minutes: String,
}

fn stored(conn: &mut cunxiang_storage::DbConn) -> Vec<Stored> {
    diesel::sql_query(
        "SELECT region_id, parent_id, day, received, resolved, on_time, rated, accept_minutes, \
         resolve_minutes FROM stats_days ORDER BY region_id, day",
    )
    .load(conn)
    .expect("stats_days")
}

/// Three days of reports at 渡口村, worked across the days; returns when each was received.
async fn three_days(srv: &TestServer, admin: &Session) -> Vec<DateTime<Utc>> {
    let anna = srv.villager(ANNA).await;
    let gw = srv
        .staff_in(admin, "st-gw", "grid_worker", DUKOU_TEAM)
        .await;
    let hx = srv.login("hx-supervisor").await;
    let mut ids: Vec<String> = Vec::new();
    let mut created = Vec::new();
    for day in 0..3 {
        for n in 0..3 {
            let r = srv
                .report_at_dukou(&anna, "other", &format!("第{day}天第{n}件"))
                .await;
            created.push(at(&r["created_at"]));
            ids.push(r["id"].as_str().unwrap_or_default().to_owned());
            srv.advance(Duration::minutes(97 + 13 * n));
        }
        // Work yesterday's and today's reports in turn.
        let today = &ids[ids.len() - 3..].to_vec();
        srv.act_ok(&gw, &today[0], "accept", json!({})).await;
        srv.act_ok(&gw, &today[1], "accept", json!({})).await;
        srv.advance(Duration::minutes(45));
        srv.act_ok(&gw, &today[0], "resolve", json!({ "note": "好了" }))
            .await;
        srv.act_ok(&anna, &today[0], "rate", json!({ "rating": 4 + day % 2 }))
            .await;
        if day == 1 {
            srv.act_ok(&hx, &today[2], "reject", json!({ "reason": "重复" }))
                .await;
            srv.act_ok(&gw, &ids[1], "resolve", json!({ "note": "昨天的" }))
                .await;
        }
        if day == 2 {
            srv.act_ok(&anna, &ids[1], "reopen", json!({ "reason": "没好" }))
                .await;
            srv.act_ok(&hx, &ids[2], "escalate", json!({ "reason": "催" }))
                .await;
        }
        srv.advance(Duration::hours(17));
    }
    created
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn rollups_give_the_live_figures_and_equal_a_recount(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA, BAO]).await;
        let admin = srv.login("admin").await;
        let created = three_days(&srv, &admin).await;
        let now = srv.clock.now();
        let first = created[0];
        let last = created[created.len() - 1];
        let midnight = |t: DateTime<Utc>| {
            cunxiang_storage::stats::period::day_start(
                cunxiang_storage::stats::period::beijing_day(t),
            )
        };
        let windows: Vec<cunxiang_storage::stats::period::Piece> = vec![
            (None, None),
            (
                Some(midnight(first)),
                Some(midnight(last) + Duration::days(1)),
            ),
            (
                Some(midnight(first) + Duration::days(1)),
                Some(midnight(last)),
            ),
            (
                Some(first + Duration::minutes(30)),
                Some(last - Duration::minutes(30)),
            ),
            (Some(first + Duration::minutes(30)), None),
            (None, Some(last - Duration::minutes(30))),
            (Some(created[3]), Some(created[5])),
        ];
        let mut conn = srv.db.connect();
        for (from, to) in windows {
            let mut query = Vec::new();
            if let Some(f) = from {
                query.push(format!("from={}", stamp(f)));
            }
            if let Some(t) = to {
                query.push(format!("to={}", stamp(t)));
            }
            let query = query.join("&");
            let selection = Selection {
                scope: None,
                within_path: None,
                from,
                to,
            };
            let (status, s) = srv
                .get_as(&admin.access_token, &format!("/v1/stats/summary?{query}"))
                .await;
            assert_eq!(status, 200, "{backend:?} {query}: {s}");
            let live = cunxiang_storage::stats::tallies(&mut conn, &selection, &Group::All, now)
                .expect("live");
            let want = live.get(&None).map(live_kpis).unwrap_or_default();
            assert_eq!(report_kpis(&s), want, "{backend:?} summary {query}");

            for (by, group) in [
                ("day", Group::Day),
                (
                    "region",
                    Group::Region {
                        parent_path: "/".to_owned(),
                    },
                ),
            ] {
                let path = format!("/v1/stats/breakdown?by={by}&{query}");
                let (status, b) = srv.get_as(&admin.access_token, &path).await;
                assert_eq!(status, 200, "{backend:?} {path}: {b}");
                let got: BTreeMap<String, Value> = b["items"]
                    .as_array()
                    .map(|items| {
                        items
                            .iter()
                            .map(|i| (i["key"].as_str().unwrap_or("-").to_owned(), report_kpis(i)))
                            .collect()
                    })
                    .unwrap_or_default();
                let live = cunxiang_storage::stats::tallies(&mut conn, &selection, &group, now)
                    .expect("live");
                let want: BTreeMap<String, Value> = live
                    .iter()
                    .map(|(k, t)| {
                        let k = k.clone().unwrap_or_else(|| "-".to_owned());
                        let k = if by == "region" { id_of(&k) } else { k };
                        (k, live_kpis(t))
                    })
                    .collect();
                assert_eq!(got, want, "{backend:?} by {by} {query}");
            }
        }

        // What every change kept in step is what a recount from scratch writes.
        let kept = stored(&mut conn);
        assert!(
            kept.iter().any(|r| r.received >= 3 && r.resolved >= 1),
            "{backend:?}: {kept:?}"
        );
        cunxiang_storage::stats::rollup::rebuild(&mut conn, &mut |_, _| {}).expect("rebuild");
        assert_eq!(stored(&mut conn), kept, "{backend:?}");
    }
}
