//! `GET /v1/reports/{id}/actions`: each caller is offered what the lifecycle lets her do now
//! and nothing else, the list follows the report through its steps, and a report she may not
//! see answers 404 as everywhere.

use cunxiang_tests::intake::{ANNA, DUKOU, dukou_photo};
use cunxiang_tests::lifecycle::DUKOU_TEAM;
use cunxiang_tests::{Backend, Contract, Session, TestServer, covered};
use rstest::rstest;
use serde_json::{Value, json};

async fn actions(srv: &TestServer, who: &Session, id: &str, contract: &Contract) -> Vec<String> {
    let path = format!("/v1/reports/{id}/actions");
    let (status, body) = srv.get_as(&who.access_token, &path).await;
    assert_eq!(status, 200, "{body}");
    contract.check("GET", "/v1/reports/{id}/actions", 200, &body);
    let names = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    names(&body["actions"])
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn each_caller_is_offered_exactly_what_she_may_do_now(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA, "13900000002"]).await;
        let admin = srv.login("admin").await;
        let worker = srv
            .staff_in(&admin, "dk-team", "grid_worker", DUKOU_TEAM)
            .await;
        let county = srv.login("yj-supervisor").await;
        let anna = srv.villager(ANNA).await;
        let stranger = srv.villager("13900000002").await;
        let report = srv.report_at_dukou(&anna, "garbage", "路边垃圾").await;
        let id = report["id"].as_str().unwrap().to_owned();

        assert_eq!(
            actions(&srv, &worker, &id, &contract).await,
            [
                "accept", "transfer", "return", "escalate", "comment", "follow"
            ]
        );
        let overseer = actions(&srv, &county, &id, &contract).await;
        for a in ["transfer", "escalate", "urge", "supervise", "reject"] {
            assert!(overseer.contains(&a.to_owned()), "{a}: {overseer:?}");
        }
        assert!(!overseer.contains(&"accept".to_owned()), "{overseer:?}");
        assert_eq!(
            actions(&srv, &anna, &id, &contract).await,
            ["comment", "follow"]
        );

        srv.act_ok(&worker, &id, "accept", json!({})).await;
        let now = actions(&srv, &worker, &id, &contract).await;
        assert!(now.contains(&"resolve".to_owned()), "{now:?}");
        assert!(!now.contains(&"accept".to_owned()), "{now:?}");

        let after = srv.evidence(&worker, dukou_photo(7)).await;
        let resolve = json!({ "note": "已清运", "media_ids": [after] });
        srv.act_ok(&worker, &id, "resolve", resolve).await;
        assert_eq!(
            actions(&srv, &anna, &id, &contract).await,
            ["confirm", "rate", "reopen", "comment", "follow"]
        );
        srv.act_ok(&anna, &id, "rate", json!({ "rating": 5 })).await;
        let closed = actions(&srv, &worker, &id, &contract).await;
        assert!(!closed.contains(&"resolve".to_owned()), "{closed:?}");

        // Garbage is a public category: a stranger sees it, and once it is closed she may
        // still comment on it but not follow it.
        assert_eq!(actions(&srv, &stranger, &id, &contract).await, ["comment"]);
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_report_the_caller_may_not_see_has_no_actions_to_tell(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA, "13900000002"]).await;
        let anna = srv.villager(ANNA).await;
        let other = srv.villager("13900000002").await;
        let body = json!({ "category": "dispute", "description": "邻里纠纷",
                           "location": { "lat": DUKOU.0, "lon": DUKOU.1, "coord_system": "wgs84" } });
        let (status, dispute) = srv
            .report(&anna.access_token, Some("dispute-1"), &body)
            .await;
        assert_eq!(status, 201, "{dispute}");
        let id = dispute["id"].as_str().unwrap();
        let path = format!("/v1/reports/{id}/actions");
        let (status, body) = srv.get_as(&other.access_token, &path).await;
        assert_eq!(
            (status.as_u16(), &body["error"]["code"]),
            (404, &json!("not_found"))
        );
        let (status, _) = srv
            .get_as("not-a-token", &format!("/v1/reports/{id}/actions"))
            .await;
        assert_eq!(status, 401);
    }
}
