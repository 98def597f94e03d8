//! The demo county's patrol checklist as staff read it: 8 sections of 3 items, each naming a
//! category, every demo grid patrolled against it weekly; hidden from villagers.

use cunxiang_tests::intake::ANNA;
use cunxiang_tests::{Backend, Contract, TestServer, covered};
use rstest::rstest;

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
