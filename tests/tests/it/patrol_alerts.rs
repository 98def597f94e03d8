//! Late patrols on an injected clock: the demo's weekly schedules are free in the week they
//! were made; the next week a grid without its patrol turns yellow at 80 % of the week and red
//! once the week has passed, each raised once by the deadline worker and shown as the
//! coverage's `alert`; the grid patrolled that week stays green. Saving a schedule unchanged
//! keeps its alert.

use chrono::Duration;
use cunxiang_core::patrol::Frequency;
use cunxiang_core::patrol::coverage::period;
use cunxiang_tests::{Backend, Contract, TestServer, covered};
use rstest::rstest;
use serde_json::{Value, json};

/// (is it 渡口村网格, light, alert) of every scheduled grid `who` sees.
async fn lights(srv: &TestServer, token: &str, dukou: &str) -> Vec<(bool, String, Value)> {
    let (status, cover) = srv.get_as(token, "/v1/patrol-coverage").await;
    assert_eq!(status, 200, "{cover}");
    Contract::load().check("GET", "/v1/patrol-coverage", 200, &cover);
    cover["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["grid_id"] == dukou,
                c["light"].as_str().unwrap().to_owned(),
                c["alert"].clone(),
            )
        })
        .collect()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_grid_without_its_weekly_patrol_turns_yellow_then_red(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let walker = srv.login("gw-2").await;
        let admin = srv.login("admin").await;
        let token = admin.access_token.as_str();
        let dukou = srv.grid_id("渡口村网格").await;
        let (_, list) = srv.get_as(&walker.access_token, "/v1/checklists").await;
        let checklist = list["items"][0]["id"].as_str().unwrap().to_owned();
        let grids = lights(&srv, token, &dukou).await.len();
        assert_eq!(grids, 6, "every demo grid is scheduled weekly");
        let first = srv.tick().await;
        assert_eq!(
            (first.patrols_yellow, first.patrols_red),
            (0, 0),
            "a free week"
        );

        // Monday 09:00 of the next week (China time): 渡口村网格 is patrolled.
        let (_, next_monday) = period(Frequency::Weekly, srv.now());
        srv.advance(next_monday + Duration::hours(9) - srv.now());
        let start = json!({ "grid_id": dukou, "checklist_id": checklist });
        let (status, patrol) = srv
            .post(Some(&walker.access_token), "/v1/patrols", start)
            .await;
        assert_eq!(status, 201, "{patrol}");
        let id = patrol["id"].as_str().unwrap().to_owned();
        let fix = |minutes: i64, lat: f64| {
            let at = srv.now() - Duration::minutes(minutes);
            json!({ "at": at.to_rfc3339(), "lat": lat, "lon": 116.9390 })
        };
        let points = json!({ "points": [fix(20, 28.3640), fix(10, 28.3645)] });
        let path = format!("/v1/patrols/{id}/points");
        let (status, answer) = srv.post(Some(&walker.access_token), &path, points).await;
        assert_eq!(status, 200, "{answer}");
        let path = format!("/v1/patrols/{id}/finish");
        let (status, answer) = srv.post(Some(&walker.access_token), &path, json!({})).await;
        assert_eq!(status, 200, "{answer}");

        // Sunday 20:00: past 80 % of the week. The five others turn yellow, once.
        srv.advance(Duration::days(6) + Duration::hours(11));
        let late = srv.tick().await;
        assert_eq!((late.patrols_yellow, late.patrols_red), (grids - 1, 0));
        let again = srv.tick().await;
        assert_eq!(
            (again.patrols_yellow, again.patrols_red),
            (0, 0),
            "raised once"
        );
        let seen = lights(&srv, token, &dukou).await;
        assert!(
            seen.contains(&(true, "green".into(), Value::Null)),
            "{seen:?}"
        );
        let yellow = (false, "yellow".to_owned(), json!("yellow"));
        assert_eq!(seen.iter().filter(|l| **l == yellow).count(), grids - 1);

        // An admin saving a grid's schedule unchanged neither frees its week nor re-raises it.
        let huangxi = srv.grid_id("潢溪村网格").await;
        let path = format!("/v1/checklists/{checklist}/grids");
        let same = json!({ "grid_id": huangxi, "frequency": "weekly" });
        let (status, saved) = srv.post(Some(token), &path, same).await;
        assert_eq!(status, 200, "{saved}");
        let after = srv.tick().await;
        assert_eq!((after.patrols_yellow, after.patrols_red), (0, 0));
        assert_eq!(lights(&srv, token, &dukou).await, seen, "unchanged");

        // Tuesday of the week after: the whole week went by without their patrol — red, once;
        // 渡口村网格's patrol of last week keeps it green early in this one.
        srv.advance(Duration::days(1) + Duration::hours(14));
        let red = srv.tick().await;
        assert_eq!((red.patrols_yellow, red.patrols_red), (0, grids - 1));
        assert_eq!(srv.tick().await.patrols_red, 0, "raised once");
        let seen = lights(&srv, token, &dukou).await;
        assert!(
            seen.contains(&(true, "green".into(), Value::Null)),
            "{seen:?}"
        );
        let red = (false, "red".to_owned(), json!("red"));
        assert_eq!(seen.iter().filter(|l| **l == red).count(), grids - 1);
    }
}
