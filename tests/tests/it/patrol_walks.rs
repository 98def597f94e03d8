//! Walking a patrol: a grid worker starts one of her grid, her phone sends GPS batches out of
//! order and twice, impossible fixes are refused without storing anything, and finishing
//! records the track's length, time and share inside the grid — once.

use chrono::{Duration, Utc};
use cunxiang_tests::{Backend, Contract, TestServer, covered};
use rstest::rstest;
use serde_json::{Value, json};

/// A fix `minutes_ago` minutes before now.
fn fix(minutes_ago: i64, lat: f64, lon: f64) -> Value {
    let at = Utc::now() - Duration::minutes(minutes_ago);
    json!({ "at": at.to_rfc3339(), "lat": lat, "lon": lon })
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_patrol_is_walked_with_an_offline_phone_and_finished_once(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let walker = srv.login("gw-2").await;
        let neighbour = srv.login("gw-1").await;
        let hx = srv.login("hx-supervisor").await;
        let admin = srv.login("admin").await;
        let (_, list) = srv.get_as(&walker.access_token, "/v1/checklists").await;
        let checklist = list["items"][0]["id"].as_str().unwrap().to_owned();
        let dukou = srv.grid_id("渡口村网格").await;
        let body = json!({ "grid_id": dukou, "checklist_id": checklist });

        let (status, _) = srv
            .post(Some(&neighbour.access_token), "/v1/patrols", body.clone())
            .await;
        assert_eq!(status, 403, "not her grid");
        let (status, started) = srv
            .post(Some(&walker.access_token), "/v1/patrols", body.clone())
            .await;
        assert_eq!(status, 201, "{started}");
        contract.check("POST", "/v1/patrols", 201, &started);
        let id = started["id"].as_str().unwrap().to_owned();
        let (status, again) = srv
            .post(Some(&walker.access_token), "/v1/patrols", body)
            .await;
        assert_eq!(status, 409, "{again}");
        assert_eq!(again["error"]["details"]["patrol_id"], id.as_str());

        // Three fixes inside the grid, one 1.5 km south of it; sent out of order and twice.
        let points = format!("/v1/patrols/{id}/points");
        let inside = [
            fix(30, 28.3640, 116.9390),
            fix(28, 28.3645, 116.9395),
            fix(26, 28.3650, 116.9400),
        ];
        let batch = json!({ "points": [inside[2], inside[0]] });
        let (status, added) = srv
            .post(Some(&walker.access_token), &points, batch.clone())
            .await;
        assert_eq!(status, 200, "{added}");
        contract.check("POST", "/v1/patrols/{id}/points", 200, &added);
        assert_eq!(added, json!({ "added": 2, "points": 2 }));
        let (_, added) = srv.post(Some(&walker.access_token), &points, batch).await;
        assert_eq!(
            added,
            json!({ "added": 0, "points": 2 }),
            "a repeat adds nothing"
        );
        let batch = json!({ "points": [inside[1], fix(10, 28.3500, 116.9390)] });
        let (_, added) = srv.post(Some(&walker.access_token), &points, batch).await;
        assert_eq!(added, json!({ "added": 2, "points": 4 }));

        // Impossible fixes: nothing of the batch is kept.
        for (batch, field) in [
            (
                json!({ "points": [fix(5, 28.36, 116.94), fix(-60, 28.36, 116.94)] }),
                "points[1]",
            ),
            (
                json!({ "points": [fix(9, 28.3500, 116.9900)] }),
                "points[0]",
            ),
            (json!({ "points": [fix(4, 95.0, 116.94)] }), "points[0]"),
            (json!({ "points": [] }), "points"),
        ] {
            let (status, refused) = srv
                .post(Some(&walker.access_token), &points, batch.clone())
                .await;
            assert_eq!(status, 422, "{batch}: {refused}");
            assert_eq!(refused["error"]["details"]["field"], field, "{refused}");
            contract.check("POST", "/v1/patrols/{id}/points", 422, &refused);
        }
        let (status, _) = srv
            .post(
                Some(&hx.access_token),
                &points,
                json!({ "points": [fix(3, 28.364, 116.939)] }),
            )
            .await;
        assert_eq!(status, 403, "only the walker sends points");

        let one = format!("/v1/patrols/{id}");
        let (status, read) = srv.get_as(&hx.access_token, &one).await;
        assert_eq!(status, 200, "{read}");
        contract.check("GET", "/v1/patrols/{id}", 200, &read);
        assert_eq!(read["points"], 4);
        assert_eq!(srv.get_as(&neighbour.access_token, &one).await.0, 403);

        let finish = format!("/v1/patrols/{id}/finish");
        let (status, done) = srv
            .post(Some(&walker.access_token), &finish, json!({}))
            .await;
        assert_eq!(status, 200, "{done}");
        contract.check("POST", "/v1/patrols/{id}/finish", 200, &done);
        assert_eq!(done["points"], 4);
        assert_eq!(
            done["inside_share"], 0.75,
            "one fix of four outside the grid"
        );
        let length = done["length_m"].as_f64().unwrap();
        assert!(
            (1750.0..1900.0).contains(&length),
            "about 150 m inside, 1.67 km out: {length}"
        );
        assert!(done["duration_s"].as_i64().unwrap() >= 0);
        let (status, refused) = srv
            .post(Some(&walker.access_token), &finish, json!({}))
            .await;
        assert_eq!(status, 409, "{refused}");
        assert_eq!(refused["error"]["code"], "invalid_status");
        let late = json!({ "points": [fix(1, 28.364, 116.939)] });
        let (status, _) = srv.post(Some(&walker.access_token), &points, late).await;
        assert_eq!(status, 409, "no points after the finish");

        // Coverage: 渡口村网格 patrolled this week (green); the other grids of 潢溪镇 not yet,
        // and green too: the week they were scheduled in is free.
        let (status, cover) = srv.get_as(&hx.access_token, "/v1/patrol-coverage").await;
        assert_eq!(status, 200, "{cover}");
        contract.check("GET", "/v1/patrol-coverage", 200, &cover);
        let lights: Vec<(bool, &str, bool)> = cover["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["grid_id"] == dukou.as_str(),
                    c["light"].as_str().unwrap(),
                    c["patrolled"].as_bool().unwrap(),
                )
            })
            .collect();
        assert!(lights.contains(&(true, "green", true)), "{cover}");
        assert!(lights.contains(&(false, "green", false)), "{cover}");
        let (_, everywhere) = srv.get_as(&admin.access_token, "/v1/patrol-coverage").await;
        assert_eq!(
            everywhere["items"].as_array().unwrap().len(),
            6,
            "every demo grid"
        );
        assert!(
            cover["items"].as_array().unwrap().len() < 6,
            "hx sees 潢溪镇 only"
        );
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_problem_found_on_patrol_is_filed_as_a_routed_report_with_its_mark(
    #[case] backend: Backend,
) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let walker = srv.login("gw-2").await;
        let neighbour = srv.login("gw-1").await;
        let (_, list) = srv.get_as(&walker.access_token, "/v1/checklists").await;
        let checklist = &list["items"][0];
        let item = |section: usize, n: usize| {
            checklist["sections"][section]["items"][n]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        let dukou = srv.grid_id("渡口村网格").await;
        let body = json!({ "grid_id": dukou, "checklist_id": checklist["id"] });
        let (_, patrol) = srv
            .post(Some(&walker.access_token), "/v1/patrols", body)
            .await;
        let id = patrol["id"].as_str().unwrap().to_owned();
        let points = json!({ "points": [fix(5, 28.363789, 116.938969)] });
        srv.post(
            Some(&walker.access_token),
            &format!("/v1/patrols/{id}/points"),
            points,
        )
        .await;
        let marks = format!("/v1/patrols/{id}/marks");

        let ok = json!({ "item_id": item(0, 0), "result": "ok" });
        let (status, marked) = srv
            .post(Some(&walker.access_token), &marks, ok.clone())
            .await;
        assert_eq!(status, 201, "{marked}");
        contract.check("POST", "/v1/patrols/{id}/marks", 201, &marked);
        let (status, again) = srv.post(Some(&walker.access_token), &marks, ok).await;
        assert_eq!(
            (status.as_u16(), &again),
            (200, &marked),
            "the same mark again"
        );
        let (status, refused) = srv
            .post(
                Some(&walker.access_token),
                &marks,
                json!({ "item_id": item(0, 0), "result": "not_applicable" }),
            )
            .await;
        assert_eq!(status, 409, "{refused}");

        // The garbage point of 环境卫生: a report of `garbage`, routed to 渡口村's team.
        let problem = json!({ "item_id": item(1, 0), "result": "problem",
                              "note": "垃圾桶满溢，周边散落" });
        let (status, marked) = srv.post(Some(&walker.access_token), &marks, problem).await;
        assert_eq!(status, 201, "{marked}");
        let report_id = marked["report_id"].as_str().unwrap();
        let report = srv.report_as(&walker, report_id).await;
        assert_eq!(report["channel"], "patrol");
        assert_eq!(report["category"], "garbage");
        assert_eq!(report["status"], "assigned");
        assert_eq!(report["unit"]["name"], "渡口村网格工作组");
        assert_eq!(
            report["description"],
            "环境卫生·垃圾收集点：垃圾桶满溢，周边散落"
        );
        assert_eq!(
            report["patrol_id"],
            id.as_str(),
            "the report links back to its patrol"
        );

        for (body, field) in [
            (
                json!({ "item_id": item(2, 0), "result": "problem" }),
                "note",
            ),
            (
                json!({ "item_id": item(2, 0), "result": "ok",
                        "media_ids": [uuid::Uuid::now_v7()] }),
                "result",
            ),
            (
                json!({ "item_id": uuid::Uuid::now_v7(), "result": "ok" }),
                "item_id",
            ),
            (json!({ "item_id": item(2, 0), "result": "fine" }), "result"),
        ] {
            let (status, refused) = srv
                .post(Some(&walker.access_token), &marks, body.clone())
                .await;
            assert_eq!(status, 422, "{body}: {refused}");
            assert_eq!(refused["error"]["details"]["field"], field, "{refused}");
        }
        let (status, _) = srv
            .post(
                Some(&neighbour.access_token),
                &marks,
                json!({ "item_id": item(2, 0), "result": "ok" }),
            )
            .await;
        assert_eq!(status, 403);

        let (_, read) = srv
            .get_as(&walker.access_token, &format!("/v1/patrols/{id}"))
            .await;
        contract.check("GET", "/v1/patrols/{id}", 200, &read);
        let results: Vec<(&str, bool)> = read["marks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["result"].as_str().unwrap(), m["report_id"].is_string()))
            .collect();
        let mut results = results;
        results.sort_unstable();
        assert_eq!(results, [("ok", false), ("problem", true)]);

        srv.post(
            Some(&walker.access_token),
            &format!("/v1/patrols/{id}/finish"),
            json!({}),
        )
        .await;
        let (status, _) = srv
            .post(
                Some(&walker.access_token),
                &marks,
                json!({ "item_id": item(2, 0), "result": "ok" }),
            )
            .await;
        assert_eq!(status, 409, "no marks after the finish");
    }
}
