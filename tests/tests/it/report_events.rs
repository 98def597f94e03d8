//! Polling a report's timeline: `GET /v1/reports/{id}/events?after=…` gives the events after the
//! client's last one, as the caller may see them.

use cunxiang_tests::intake::{ANNA, BAO};
use cunxiang_tests::lifecycle::DUKOU_TEAM;
use cunxiang_tests::{Backend, Contract, TestServer, covered};
use rstest::rstest;
use serde_json::{Value, json};

fn kinds(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_poller_gets_the_events_after_her_last_one_and_only_what_she_may_see(
    #[case] backend: Backend,
) {
    let contract = Contract::load();
    let path = "/v1/reports/{id}/events";
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA, BAO]).await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let bao = srv.villager(BAO).await;
        let worker = srv
            .staff_in(&admin, "dk-poll", "grid_worker", DUKOU_TEAM)
            .await;
        let report = srv.report_at_dukou(&anna, "garbage", "垃圾").await;
        let id = report["id"].as_str().unwrap().to_owned();
        let events = format!("/v1/reports/{id}/events");

        let (status, first) = srv.get_as(&anna.access_token, &events).await;
        assert_eq!(status, 200, "{backend:?}: {first}");
        contract.check("GET", path, 200, &first);
        assert_eq!(kinds(&first), ["submitted", "assigned"]);
        assert!(first["next_cursor"].is_null());
        let last = first["items"][1]["id"].as_str().unwrap().to_owned();

        srv.act_ok(&worker, &id, "accept", json!({})).await;
        srv.act_ok(
            &worker,
            &id,
            "comment",
            json!({ "note": "内部备注", "internal": true }),
        )
        .await;
        let (status, news) = srv
            .get_as(&anna.access_token, &format!("{events}?after={last}"))
            .await;
        assert_eq!(status, 200, "{news}");
        assert_eq!(
            kinds(&news),
            ["accepted"],
            "the internal comment is staff's only"
        );
        let (_, staff) = srv
            .get_as(&worker.access_token, &format!("{events}?after={last}"))
            .await;
        assert_eq!(kinds(&staff), ["accepted", "commented"]);
        assert_eq!(staff["items"][1]["internal"], true);

        // Paging: one at a time, the cursor leads on.
        let (_, one) = srv
            .get_as(&worker.access_token, &format!("{events}?limit=1"))
            .await;
        assert_eq!(kinds(&one), ["submitted"]);
        let cursor = one["next_cursor"].as_str().expect("more to come");
        let (_, two) = srv
            .get_as(
                &worker.access_token,
                &format!("{events}?after={cursor}&limit=3"),
            )
            .await;
        assert_eq!(kinds(&two), ["assigned", "accepted", "commented"]);
        assert!(two["next_cursor"].is_null());

        // Another villager sees a public report's events without the reporter in them.
        let (status, public) = srv.get_as(&bao.access_token, &events).await;
        assert_eq!(status, 200, "{public}");
        assert!(public["items"][0]["actor_id"].is_null(), "{public}");
        assert_eq!(kinds(&public), ["submitted", "assigned", "accepted"]);

        // Bad parameters and unknown reports.
        let (status, body) = srv
            .get_as(&anna.access_token, &format!("{events}?limit=0"))
            .await;
        assert_eq!(status, 400, "{body}");
        contract.check("GET", path, 400, &body);
        let (status, body) = srv
            .get_as(&anna.access_token, &format!("{events}?after=yesterday"))
            .await;
        assert_eq!(status, 400, "{body}");
        let unknown = format!("/v1/reports/{}/events", uuid::Uuid::now_v7());
        let (status, body) = srv.get_as(&anna.access_token, &unknown).await;
        assert_eq!(status, 404, "{body}");
        contract.check("GET", path, 404, &body);
    }
}
