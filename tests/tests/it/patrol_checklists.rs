//! The demo county's patrol checklist as staff read it: 8 sections of 3 items, each naming a
//! category, every demo grid patrolled against it weekly; hidden from villagers.

use cunxiang_tests::intake::ANNA;
use cunxiang_tests::{Backend, Contract, TestServer, covered};
use rstest::rstest;
use serde_json::json;

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn staff_read_the_demo_checklist_and_its_weekly_grids(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let worker = srv.login("gw-2").await;
        let (status, list) = srv.get_as(&worker.access_token, "/v1/checklists").await;
        assert_eq!(status, 200, "{list}");
        contract.check("GET", "/v1/checklists", 200, &list);
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{list}");
        let checklist = &items[0];
        assert_eq!(checklist["name"], "网格员每周巡查清单");
        assert_eq!(checklist["item_count"], 24);
        let sections = checklist["sections"].as_array().unwrap();
        assert_eq!(sections.len(), 8);
        assert!(
            sections
                .iter()
                .all(|s| s["items"].as_array().unwrap().len() == 3)
        );
        assert_eq!(sections[0]["name"], "安全隐患");
        assert_eq!(sections[4]["items"][0]["category"], "dispute");

        let (_, grids) = srv.get("/v1/grids?limit=100").await;
        let mut grid_ids: Vec<&str> = grids["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["id"].as_str().unwrap())
            .collect();
        grid_ids.sort_unstable();
        let schedules = checklist["schedules"].as_array().unwrap();
        let mut scheduled: Vec<&str> = schedules
            .iter()
            .map(|s| s["grid_id"].as_str().unwrap())
            .collect();
        scheduled.sort_unstable();
        assert_eq!(scheduled, grid_ids, "every demo grid is patrolled");
        assert!(schedules.iter().all(|s| s["frequency"] == "weekly"));

        let id = checklist["id"].as_str().unwrap();
        let (status, one) = srv
            .get_as(&worker.access_token, &format!("/v1/checklists/{id}"))
            .await;
        assert_eq!(status, 200);
        contract.check("GET", "/v1/checklists/{id}", 200, &one);
        assert_eq!(&one, checklist);
        let missing = format!("/v1/checklists/{}", uuid::Uuid::now_v7());
        let (status, gone) = srv.get_as(&worker.access_token, &missing).await;
        assert_eq!(status, 404);
        assert_eq!(gone["error"]["code"], "checklist_not_found");
        contract.check("GET", "/v1/checklists/{id}", 404, &gone);

        let anna = srv.villager(ANNA).await;
        let (status, refused) = srv.get_as(&anna.access_token, "/v1/checklists").await;
        assert_eq!(status, 403, "{refused}");
        contract.check("GET", "/v1/checklists", 403, &refused);
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn supervisors_define_checklists_and_patrols_within_their_township(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        let hx = srv.login("hx-supervisor").await;
        let yx = srv
            .staff_in(&admin, "yx-sup", "supervisor", "杨溪乡综治中心")
            .await;
        let item = |category: &str| {
            json!({ "section": "安全隐患", "title": "房屋安全", "instruction": "看墙体裂缝",
                    "category": category })
        };
        let body = json!({ "name": "潢溪镇汛期巡查", "region": "360603102",
                           "items": [item("safety"), item("water")] });
        let (status, created) = srv
            .post(Some(&hx.access_token), "/v1/checklists", body.clone())
            .await;
        assert_eq!(status, 201, "{created}");
        contract.check("POST", "/v1/checklists", 201, &created);
        assert_eq!(created["item_count"], 2);
        assert_eq!(created["sections"].as_array().unwrap().len(), 1);
        let id = created["id"].as_str().unwrap().to_owned();

        for (change, field) in [
            (json!({ "name": " " }), "name"),
            (json!({ "items": [] }), "items"),
            (
                json!({ "items": [item("safety"), item("fireworks")] }),
                "items[1].category",
            ),
            (json!({ "region": "999999" }), "region"),
        ] {
            let mut bad = body.clone();
            for (k, v) in change.as_object().unwrap() {
                bad[k] = v.clone();
            }
            let (status, refused) = srv
                .post(Some(&hx.access_token), "/v1/checklists", bad)
                .await;
            assert_eq!(status, 422, "{change}: {refused}");
            assert_eq!(refused["error"]["details"]["field"], field, "{refused}");
        }
        let (status, _) = srv
            .post(Some(&yx.access_token), "/v1/checklists", body.clone())
            .await;
        assert_eq!(status, 403, "another township's supervisor");

        // Grids: inside 潢溪镇 yes, outside no; another township's supervisor not at all.
        let dukou = srv.grid_id("渡口村网格").await;
        let outside = srv.grid_id("中心街居委会网格").await;
        let grids = format!("/v1/checklists/{id}/grids");
        let daily = json!({ "grid_id": dukou, "frequency": "daily" });
        let (status, scheduled) = srv
            .post(Some(&hx.access_token), &grids, daily.clone())
            .await;
        assert_eq!(status, 200, "{scheduled}");
        contract.check("POST", "/v1/checklists/{id}/grids", 200, &scheduled);
        let (status, refused) = srv
            .post(
                Some(&hx.access_token),
                &grids,
                json!({ "grid_id": outside, "frequency": "weekly" }),
            )
            .await;
        assert_eq!(status, 422, "{refused}");
        assert_eq!(refused["error"]["details"]["field"], "grid_id");
        let (status, refused) = srv
            .post(
                Some(&hx.access_token),
                &grids,
                json!({ "grid_id": dukou, "frequency": "hourly" }),
            )
            .await;
        assert_eq!(status, 422, "{refused}");
        let (status, _) = srv.post(Some(&yx.access_token), &grids, daily).await;
        assert_eq!(status, 403);
        let weekly = json!({ "grid_id": dukou, "frequency": "weekly" });
        srv.post(Some(&hx.access_token), &grids, weekly).await;
        let (_, read) = srv
            .get_as(&hx.access_token, &format!("/v1/checklists/{id}"))
            .await;
        assert_eq!(
            read["schedules"],
            json!([{ "grid_id": dukou, "frequency": "weekly" }]),
            "set again, replaced"
        );

        // Renamed and disabled; unscheduled once, then 404.
        let (status, changed) = srv
            .patch(
                &hx.access_token,
                &format!("/v1/checklists/{id}"),
                json!({ "name": "潢溪镇主汛期巡查", "active": false }),
            )
            .await;
        assert_eq!(status, 200, "{changed}");
        contract.check("PATCH", "/v1/checklists/{id}", 200, &changed);
        assert_eq!(
            (changed["name"].as_str(), changed["active"].as_bool()),
            (Some("潢溪镇主汛期巡查"), Some(false))
        );
        let one = format!("{grids}/{dukou}");
        assert_eq!(srv.delete(&yx.access_token, &one).await.0, 403);
        assert_eq!(srv.delete(&hx.access_token, &one).await.0, 204);
        let (status, gone) = srv.delete(&hx.access_token, &one).await;
        assert_eq!(status, 404, "{gone}");
        contract.check("DELETE", "/v1/checklists/{id}/grids/{grid}", 404, &gone);

        let (_, audit) = srv.get_as(&admin.access_token, "/v1/audit?limit=100").await;
        let actions: Vec<&str> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["action"].as_str())
            .filter(|a| a.contains("checklist") || a.contains("patrol"))
            .collect();
        for wanted in [
            "checklist_created",
            "patrol_scheduled",
            "checklist_changed",
            "patrol_unscheduled",
        ] {
            assert!(actions.contains(&wanted), "{wanted}: {actions:?}");
        }
    }
}
