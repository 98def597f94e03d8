//! Cross-instance push through PostgreSQL's LISTEN/NOTIFY: with a feed poll so slow it could
//! not explain it, an event written on one instance reaches a stream held by another within
//! a fraction of a second, because the writer's commit notifies every follower.

use std::time::{Duration, Instant};

use cunxiang_tests::intake::ANNA;
use cunxiang_tests::lifecycle::DUKOU_TEAM;
use cunxiang_tests::{Backend, TestServer, covered};
use rstest::rstest;
use serde_json::json;

/// Each instance's fallback poll: far slower than the latency asserted.
const SLOW_POLL_MS: u64 = 10_000;

#[rstest]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_commit_on_one_instance_wakes_the_follower_of_another(#[case] backend: Backend) {
    if covered(backend) {
        let a = TestServer::start_with_phones(backend, &[ANNA]).await;
        let b = a
            .another_instance(|s| {
                s.push.poll_ms = SLOW_POLL_MS;
                s.test_phones =
                    vec![(ANNA.into(), cunxiang_api::settings::Secret("123456".into()))];
            })
            .await;
        let admin = a.login("admin").await;
        let anna = a.villager(ANNA).await;
        let worker = a
            .staff_in(&admin, "dk-notify", "grid_worker", DUKOU_TEAM)
            .await;
        let report = a.report_at_dukou(&anna, "other", "路灯不亮").await;
        let id = report["id"].as_str().unwrap().to_owned();
        let mut on_b = b.events(&anna, None).await;
        // Let B's follower settle into its (long) wait.
        tokio::time::sleep(Duration::from_millis(300)).await;

        for _ in 0..3 {
            let started = Instant::now();
            a.act_ok(&worker, &id, "comment", json!({ "note": "已安排电工" }))
                .await;
            let got = on_b
                .next_event(Duration::from_secs(2), "the comment, written on A")
                .await;
            assert_eq!(got.kind(), "commented");
            let took = started.elapsed();
            assert!(
                took < Duration::from_millis(1500),
                "woken by NOTIFY, not by the {SLOW_POLL_MS} ms poll: {took:?}"
            );
        }
    }
}
