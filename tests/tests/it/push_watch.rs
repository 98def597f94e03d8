//! `GET /v1/events?watch=region`: a dashboard's notices. A supervisor's watch hears of every
//! change to the reports in her regions — a new report she is not told of on her own stream
//! included — once per event and without personal data; another township's supervisor hears
//! nothing of it; villagers and grid workers may not watch.

use std::time::Duration;

use cunxiang_tests::intake::ANNA;
use cunxiang_tests::lifecycle::DUKOU_TEAM;
use cunxiang_tests::{Backend, Contract, TestServer, covered};
use rstest::rstest;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(5);

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_supervisors_watch_hears_every_change_in_her_regions(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let admin = srv.login("admin").await;
        let township = srv.login("hx-supervisor").await;
        let elsewhere = srv
            .staff_in(&admin, "yx-sup", "supervisor", "杨溪乡综治中心")
            .await;
        let worker = srv
            .staff_in(&admin, "dk-team", "grid_worker", DUKOU_TEAM)
            .await;
        let anna = srv.villager(ANNA).await;
        let watch = "?watch=region";
        let mut wall = srv
            .try_events(Some(&township.access_token), None, watch)
            .await
            .unwrap();
        let mut county = srv
            .try_events(Some(&admin.access_token), None, watch)
            .await
            .unwrap();
        let mut other = srv
            .try_events(Some(&elsewhere.access_token), None, watch)
            .await
            .unwrap();
        let mut own = srv.events(&township, None).await;

        let report = srv.report_at_dukou(&anna, "garbage", "路边垃圾").await;
        let id = report["id"].as_str().unwrap();
        let got = wall.next_events(2, WAIT, "submitted and assigned").await;
        let kinds: Vec<&str> = got.iter().map(|e| e.kind()).collect();
        assert_eq!(kinds, ["report_changed", "report_changed"]);
        let notices: Vec<_> = got.iter().map(|e| e.json()).collect();
        for (event, notice) in got.iter().zip(&notices) {
            assert!(
                contract.schema_accepts("StreamWatchNotice", notice),
                "{notice}"
            );
            assert_eq!(notice["report_id"], id);
            assert_eq!(event.seq(), notice["seq"].as_i64().unwrap());
        }
        let steps: Vec<&str> = notices
            .iter()
            .map(|n| n["kind"].as_str().unwrap())
            .collect();
        assert_eq!(steps, ["submitted", "assigned"]);
        assert!(
            !got.iter()
                .any(|e| e.data.contains(ANNA) || e.data.contains("路边垃圾")),
            "a notice carries nothing personal: {got:?}"
        );
        assert_eq!(county.next_events(2, WAIT, "admin").await.len(), 2);
        own.assert_quiet(
            Duration::from_millis(500),
            "her own stream is not told of a new report",
        )
        .await;

        srv.act_ok(&worker, id, "accept", json!({})).await;
        let accepted = wall.next_event(WAIT, "accepted").await.json();
        assert_eq!(
            (accepted["kind"].as_str(), accepted["status"].as_str()),
            (Some("accepted"), Some("accepted"))
        );
        other
            .assert_quiet(Duration::from_millis(500), "another township's watch")
            .await;
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn only_supervisors_and_admins_watch(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let admin = srv.login("admin").await;
        let worker = srv
            .staff_in(&admin, "dk-team", "grid_worker", DUKOU_TEAM)
            .await;
        let anna = srv.villager(ANNA).await;
        for who in [&anna, &worker] {
            let refused = srv
                .try_events(Some(&who.access_token), None, "?watch=region")
                .await
                .unwrap_err();
            assert_eq!(refused.status, 403, "{}", refused.body);
            assert_eq!(refused.body["error"]["code"], "forbidden");
        }
        let refused = srv
            .try_events(Some(&admin.access_token), None, "?watch=everything")
            .await
            .unwrap_err();
        assert_eq!(refused.status, 400, "{}", refused.body);
    }
}
