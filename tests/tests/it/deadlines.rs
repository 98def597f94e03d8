//! The deadline worker as a worker: passes running at once (as on several server instances)
//! handle each due report exactly once, and the server's own task acts without being asked.

use chrono::Duration;
use cunxiang_tests::intake::ANNA;
use cunxiang_tests::lifecycle::{DUKOU_TEAM, kinds};
use cunxiang_tests::{Backend, TestDb, TestServer, covered};
use rstest::rstest;

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn passes_at_once_escalate_each_overdue_report_exactly_once(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let mut ids = Vec::new();
        for n in 0..12 {
            let report = srv
                .report_at_dukou(&anna, "garbage", &format!("第{n}堆垃圾"))
                .await;
            ids.push(report["id"].as_str().unwrap().to_owned());
        }
        // Straight past the accept limit: each report is due for its red step only.
        srv.advance(Duration::minutes(31));
        let passes = srv.ticks_at_once(4).await;
        let escalated: usize = passes.iter().map(|p| p.escalated).sum();
        let urged: usize = passes.iter().map(|p| p.urged).sum();
        assert_eq!((escalated, urged), (12, 0), "{backend:?}: {passes:?}");
        for id in &ids {
            let report = srv.report_as(&admin, id).await;
            let escalations = kinds(&report).iter().filter(|k| *k == "escalated").count();
            assert_eq!(escalations, 1, "{backend:?}: {report}");
            assert_eq!(report["escalation_count"], 1);
            assert_ne!(report["unit"]["name"], DUKOU_TEAM);
        }
        // Nothing is left to do until the new accept limit runs out.
        let again = srv.ticks_at_once(2).await;
        assert!(
            again.iter().all(|p| p.escalated + p.urged == 0),
            "{again:?}"
        );
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn the_servers_own_worker_urges_without_being_asked(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_on(TestDb::new(backend), |s| {
            s.test_phones = vec![(ANNA.into(), cunxiang_api::settings::Secret("123456".into()))];
            s.deadline_interval_secs = 1;
        })
        .await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let report = srv.report_at_dukou(&anna, "garbage", "垃圾").await;
        let id = report["id"].as_str().unwrap();
        srv.advance(Duration::minutes(25));
        let mut seen = Vec::new();
        for _ in 0..50 {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            seen = kinds(&srv.report_as(&admin, id).await);
            if seen.iter().any(|k| k == "urged") {
                break;
            }
        }
        assert_eq!(seen, ["submitted", "assigned", "urged"], "{backend:?}");
    }
}
