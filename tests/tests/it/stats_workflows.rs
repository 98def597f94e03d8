//! The mediation and patrol KPIs against a hand-computed scenario on an injected clock.
//!
//! Mediation, five disputes filed on a Monday (day 0) at 渡口村 (routed to its village committee):
//! - A: agreement on day 0, followed up kept on day 5 (closed, village level);
//! - B: no agreement on day 2, referred to arbitration (resolved, village level);
//! - C: agreement on day 0, broken at the follow-up on day 5 (reopened: not concluded);
//! - D: never accepted;
//! - E: escalated to 潢溪镇综治中心, agreement there on day 5 (resolved, township level).
//!
//! Received 5; concluded 3 (A, B, E); agreements 2 (A, E): 调解成功率 2/3; followed up 2
//! (A kept, C broken): kept rate 1/2; days to conclude 0, 2, 5: median 2; concluded at the
//! village or below 2 (A, B): 2/3.
//!
//! Patrols: the six demo grids are scheduled weekly (the week of scheduling is free). In the
//! next week (from whose Monday the disputes are mediated) 渡口村网格 is patrolled (three fixes inside; one ok mark, two problems, one of whose
//! reports is resolved) and 潢溪村网格 too (one fix inside, one 1.5 km out; one ok mark). Asked
//! in the week after: 6 grid-weeks required, 2 patrolled (1/3); 2 patrols; 4 items checked;
//! 2 problems, 1 done (1/2); inside shares 1.0 and 0.5: median 0.5.

use chrono::Duration;
use cunxiang_core::patrol::Frequency;
use cunxiang_core::patrol::coverage::period;
use cunxiang_tests::export::csv_rows;
use cunxiang_tests::intake::{ANNA, BAO, DUKOU};
use cunxiang_tests::lifecycle::{DUKOU_VILLAGE, HX_CENTRE, photo_taken};
use cunxiang_tests::{Backend, Contract, Session, TestServer, covered};
use rstest::rstest;
use serde_json::{Value, json};

/// A fix `minutes` before the server's now.
fn fix(srv: &TestServer, minutes: i64, (lat, lon): (f64, f64)) -> Value {
    let at = srv.now() - Duration::minutes(minutes);
    json!({ "at": at.to_rfc3339(), "lat": lat, "lon": lon })
}

/// Walks a patrol of `grid` with `points` and `marks` ((section, item, problem note)) and
/// finishes it; the reports the problems filed.
async fn patrol(
    srv: &TestServer,
    walker: &Session,
    grid: &str,
    points: Vec<Value>,
    marks: &[(usize, usize, Option<&str>)],
) -> Vec<String> {
    let token = Some(walker.access_token.as_str());
    let (_, list) = srv.get_as(&walker.access_token, "/v1/checklists").await;
    let checklist = &list["items"][0];
    let body = json!({ "grid_id": grid, "checklist_id": checklist["id"] });
    let (status, started) = srv.post(token, "/v1/patrols", body).await;
    assert_eq!(status, 201, "{started}");
    let id = started["id"].as_str().unwrap().to_owned();
    let (status, added) = srv
        .post(
            token,
            &format!("/v1/patrols/{id}/points"),
            json!({ "points": points }),
        )
        .await;
    assert_eq!(status, 200, "{added}");
    let mut filed = Vec::new();
    for (section, n, problem) in marks {
        let item = &checklist["sections"][section]["items"][n]["id"];
        let body = match problem {
            Some(note) => json!({ "item_id": item, "result": "problem", "note": note }),
            None => json!({ "item_id": item, "result": "ok" }),
        };
        let (status, marked) = srv
            .post(token, &format!("/v1/patrols/{id}/marks"), body)
            .await;
        assert_eq!(status, 201, "{marked}");
        filed.extend(marked["report_id"].as_str().map(str::to_owned));
    }
    let (status, done) = srv
        .post(token, &format!("/v1/patrols/{id}/finish"), json!({}))
        .await;
    assert_eq!(status, 200, "{done}");
    filed
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn mediation_and_patrol_kpis_match_a_hand_computed_scenario(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA, BAO]).await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let mediator = srv
            .staff_in(&admin, "kpi-mediator", "unit_staff", DUKOU_VILLAGE)
            .await;
        let township = srv
            .staff_in(&admin, "kpi-township", "unit_staff", HX_CENTRE)
            .await;
        let from = srv.now() - Duration::minutes(1);

        // Patrols, the week after the demo's schedules were made.
        let gw1 = srv.login("gw-1").await;
        let gw2 = srv.login("gw-2").await;
        let dukou = srv.grid_id("渡口村网格").await;
        let huangxi = srv.grid_id("潢溪村网格").await;
        let (_, next_monday) = period(Frequency::Weekly, srv.now());
        srv.advance(next_monday + Duration::hours(9) - srv.now());
        let inside = |m| fix(&srv, m, (28.3640, 116.9390));
        let marks = [
            (0, 0, None),
            (1, 0, Some("垃圾桶满溢")),
            (1, 1, Some("污水横流")),
        ];
        let filed = patrol(
            &srv,
            &gw2,
            &dukou,
            vec![inside(30), inside(20), inside(10)],
            &marks,
        )
        .await;
        assert_eq!(filed.len(), 2);
        let (_, hx_grid) = srv
            .get_as(&admin.access_token, &format!("/v1/grids/{huangxi}"))
            .await;
        let bbox: Vec<f64> = hx_grid["bbox"]
            .as_array()
            .unwrap_or_else(|| panic!("no bbox: {hx_grid}"))
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let (lat, lon) = ((bbox[1] + bbox[3]) / 2.0, (bbox[0] + bbox[2]) / 2.0);
        let south = bbox[1] - 0.0135;
        let points = vec![fix(&srv, 20, (lat, lon)), fix(&srv, 5, (south, lon))];
        patrol(&srv, &gw1, &huangxi, points, &[(0, 0, None)]).await;
        let garbage = &filed[0];
        srv.act_ok(&gw2, garbage, "accept", json!({})).await;
        let photo = srv.evidence(&gw2, photo_taken(srv.now(), DUKOU, 84)).await;
        let body = json!({ "note": "已清理", "media_ids": [photo] });
        srv.act_ok(&gw2, garbage, "resolve", body).await;

        // Mediation, the same week (Monday to Saturday).
        let mut case = Vec::new();
        for text in ["A", "B", "C", "D", "E"] {
            case.push(srv.dispute(&anna, &format!("纠纷{text}")).await);
        }
        let (a, b, c, e) = (&case[0], &case[1], &case[2], &case[4]);
        for id in [a, b, c] {
            srv.act_ok(&mediator, id, "accept", json!({})).await;
        }
        let up = json!({ "reason": "涉及两个村" });
        srv.act_ok(&mediator, e, "escalate", up).await;
        srv.act_ok(&township, e, "accept", json!({})).await;
        srv.agree(&mediator, a, 81).await;
        srv.agree(&mediator, c, 82).await;
        srv.advance(Duration::days(2));
        let refer = json!({ "outcome": "no_agreement", "referral": "arbitration",
                            "referred_to": "县仲裁委" });
        srv.act_ok(&mediator, b, "conclude", refer).await;
        srv.advance(Duration::days(3));
        srv.agree(&township, e, 83).await;
        let kept = json!({ "kept": true, "note": "已履行" });
        srv.act_ok(&mediator, a, "follow_up", kept).await;
        let broken = json!({ "kept": false, "note": "未履行" });
        srv.act_ok(&mediator, c, "follow_up", broken).await;

        // Asked on Tuesday of the week after.
        let (_, monday) = period(Frequency::Weekly, srv.now());
        srv.advance(monday + Duration::days(1) - srv.now());

        let (status, s) = srv
            .get_as(
                &admin.access_token,
                &format!(
                    "/v1/stats/summary?from={}",
                    from.to_rfc3339().replace('+', "%2B")
                ),
            )
            .await;
        assert_eq!(status, 200, "{s}");
        contract.check("GET", "/v1/stats/summary", 200, &s);
        let third = 2.0 / 3.0;
        assert_eq!(
            s["mediation"],
            json!({ "received": 5, "concluded": 3, "agreements": 2, "success_rate": third,
                    "followed_up": 2, "kept": 1, "kept_rate": 0.5, "conclude_days_median": 2,
                    "concluded_locally": 2, "local_share": third }),
            "{backend:?}"
        );
        assert_eq!(
            s["patrols"],
            json!({ "required_periods": 6, "patrolled_periods": 2, "coverage": 1.0 / 3.0,
                    "patrols": 2, "items_checked": 4, "problems_found": 2, "problems_done": 1,
                    "problem_completion_rate": 0.5, "inside_share_median": 0.5 }),
            "{backend:?}"
        );

        // The same mediation figures, recounted from the export's columns as the README says.
        let (status, _, body) = srv.export_csv(&admin, "?category=dispute").await;
        assert_eq!(status, 200);
        let (_, rows) = csv_rows(&body);
        let cases: Vec<_> = rows
            .iter()
            .filter(|r| r["workflow"] == "mediation" && r["status"] != "rejected")
            .collect();
        let concluded: Vec<_> = cases
            .iter()
            .filter(|r| ["resolved", "closed"].contains(&r["status"].as_str()))
            .filter(|r| !r["outcome"].is_empty())
            .collect();
        let agreements = concluded
            .iter()
            .filter(|r| r["outcome"] == "agreement")
            .count();
        let followed: Vec<_> = cases
            .iter()
            .filter(|r| r["outcome"] == "agreement" && !r["agreement_kept"].is_empty())
            .collect();
        let kept = followed
            .iter()
            .filter(|r| r["agreement_kept"] == "true")
            .count();
        let local = concluded
            .iter()
            .filter(|r| ["group", "village"].contains(&r["conclusion_level"].as_str()))
            .count();
        assert_eq!(
            (
                cases.len(),
                concluded.len(),
                agreements,
                followed.len(),
                kept,
                local
            ),
            (5, 3, 2, 2, 1, 2),
            "{backend:?}: {rows:?}"
        );

        // By grid: 渡口村网格's row carries its patrol; by category, patrols do not apply.
        let (status, by_grid) = srv
            .get_as(&admin.access_token, "/v1/stats/breakdown?by=grid")
            .await;
        assert_eq!(status, 200, "{by_grid}");
        contract.check("GET", "/v1/stats/breakdown", 200, &by_grid);
        let row = by_grid["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["key"] == dukou.as_str())
            .unwrap_or_else(|| panic!("no 渡口村网格 row: {by_grid}"));
        assert_eq!(row["patrols"]["patrols"], 1, "{row}");
        assert_eq!(row["patrols"]["problems_found"], 2, "{row}");
        assert_eq!(
            row["mediation"]["received"], 5,
            "the disputes lie in its grid: {row}"
        );
        let (_, by_category) = srv
            .get_as(&admin.access_token, "/v1/stats/breakdown?by=category")
            .await;
        contract.check("GET", "/v1/stats/breakdown", 200, &by_category);
        let dispute = by_category["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["key"] == "dispute")
            .unwrap_or_else(|| panic!("no dispute row: {by_category}"));
        assert_eq!(dispute["mediation"]["concluded"], 3);
        assert!(dispute["patrols"].is_null());
    }
}
