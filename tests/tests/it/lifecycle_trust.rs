//! What keeps the lifecycle's figures honest: evidence flags are for staff to review, not shown
//! to villagers; staff do not rate their own patrol reports; a report waiting in a dispatch
//! queue cannot be supervised (nobody could answer).

use chrono::{Duration, Utc};
use cunxiang_tests::intake::DUKOU;
use cunxiang_tests::intake::{ANNA, dukou_photo};
use cunxiang_tests::lifecycle::{DUKOU_TEAM, last_of, photo_taken};
use cunxiang_tests::{Backend, TestServer, covered};
use rstest::rstest;
use serde_json::json;

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn evidence_flags_are_for_staff_and_patrol_reports_are_not_self_rated(
    #[case] backend: Backend,
) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let worker = srv
            .staff_in(&admin, "dk-trust", "grid_worker", DUKOU_TEAM)
            .await;

        // A resolution with a photo taken before the report: flagged, for staff eyes only.
        let report = srv.report_at_dukou(&anna, "garbage", "垃圾").await;
        let id = report["id"].as_str().unwrap().to_owned();
        srv.act_ok(&worker, &id, "accept", json!({})).await;
        let old = srv.evidence(&worker, dukou_photo(31)).await;
        let body = json!({ "note": "已清运", "media_ids": [old] });
        let staff_view = srv.act_ok(&worker, &id, "resolve", body).await;
        let resolved = last_of(&staff_view, "resolved");
        assert_eq!(resolved["details"]["evidence_suspect"], true, "{backend:?}");
        let villager_view = srv.report_as(&anna, &id).await;
        let resolved = last_of(&villager_view, "resolved");
        assert!(resolved["details"].get("evidence").is_none(), "{resolved}");
        assert!(resolved["details"].get("evidence_suspect").is_none());
        assert_eq!(
            resolved["media"].as_array().map(Vec::len),
            Some(1),
            "the photo shows"
        );

        // The grid worker's own patrol report: she handles it but does not rate it.
        let patrol = srv
            .report_at_dukou(&worker, "garbage", "巡查发现垃圾")
            .await;
        let pid = patrol["id"].as_str().unwrap().to_owned();
        srv.act_ok(&worker, &pid, "accept", json!({})).await;
        let after = photo_taken(Utc::now() + Duration::minutes(1), DUKOU, 32);
        let photo = srv.evidence(&worker, after).await;
        let body = json!({ "note": "已清运", "media_ids": [photo] });
        srv.act_ok(&worker, &pid, "resolve", body).await;
        let (status, body) = srv.act(&worker, &pid, "rate", json!({ "rating": 5 })).await;
        assert_eq!(status, 403, "{body}");
        let (status, _) = srv.act(&worker, &pid, "confirm", json!({})).await;
        assert_eq!(status, 403);
        srv.advance(Duration::days(3));
        // Anna stayed silent too: both resolutions close without a rating.
        assert_eq!(srv.tick().await.auto_confirmed, 2);
        let closed = srv.report_as(&admin, &pid).await;
        assert_eq!(
            (closed["status"].as_str(), closed["rating"].as_i64()),
            (Some("closed"), None)
        );
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_report_in_a_dispatch_queue_cannot_be_supervised(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let worker = srv
            .staff_in(&admin, "dk-queue", "grid_worker", DUKOU_TEAM)
            .await;
        let report = srv.report_at_dukou(&anna, "garbage", "垃圾").await;
        let id = report["id"].as_str().unwrap().to_owned();
        srv.act_ok(&worker, &id, "return", json!({ "reason": "不归我们管" }))
            .await;
        let reply_by = (Utc::now() + Duration::hours(4)).to_rfc3339();
        let (status, body) = srv
            .act(
                &admin,
                &id,
                "supervise",
                json!({ "note": "请处理", "reply_by": reply_by }),
            )
            .await;
        assert_eq!(
            (status.as_u16(), body["error"]["code"].as_str()),
            (409, Some("no_handler")),
            "{backend:?}: {body}"
        );
    }
}
