//! The housekeeping worker on an injected clock: a photo never attached goes after a day with
//! its blobs (an attached one stays), an idempotency key after a week (the same key then
//! files a new report), sent deliveries and feed rows after the retention period.

use std::time::Duration as StdDuration;

use chrono::Duration;
use cunxiang_tests::intake::{ANNA, DUKOU, dukou_photo};
use cunxiang_tests::push::HookReceiver;
use cunxiang_tests::{Backend, TestServer, covered};
use rstest::rstest;
use serde_json::json;

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn what_grows_is_removed_once_it_is_old_enough(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let receiver = HookReceiver::start().await;
        srv.webhook(
            &admin,
            json!({ "name": "partner", "url": receiver.url(),
                                    "secret": "0123456789abcdef-secret" }),
        )
        .await;

        let stray = srv.evidence(&anna, dukou_photo(1)).await;
        let kept = srv.evidence(&anna, dukou_photo(2)).await;
        let body = json!({ "category": "garbage", "description": "路边垃圾", "media_ids": [kept],
                           "location": { "lat": DUKOU.0, "lon": DUKOU.1, "coord_system": "wgs84" } });
        let (status, first) = srv.report(&anna.access_token, Some("key-1"), &body).await;
        assert_eq!(status, 201, "{first}");
        srv.deliver().await;
        let photo = |id: &str| format!("/v1/media/{id}");

        // A day later: nothing yet (24 hours not over).
        srv.advance(Duration::hours(23));
        assert_eq!(srv.housekeep().await.total(), 0);
        // Past a day: the stray photo and its two renditions' blobs go; the attached one stays.
        srv.advance(Duration::hours(2));
        let removed = srv.housekeep().await;
        assert_eq!(
            (removed.photos, removed.blobs, removed.keys),
            (1, 2, 0),
            "{removed:?}"
        );
        let (status, _) = srv.get_as(&anna.access_token, &photo(&stray)).await;
        assert_eq!(status, 404);
        let res = srv
            .client
            .get(srv.url(&photo(&kept)))
            .bearer_auth(&anna.access_token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "the attached photo stays");
        let (status, replay) = srv.report(&anna.access_token, Some("key-1"), &body).await;
        assert_eq!(
            (status.as_u16(), &replay["id"]),
            (200, &first["id"]),
            "the key still replays"
        );

        // A week after filing: the key is gone and the same key files a new report.
        srv.advance(Duration::days(7));
        assert_eq!(srv.housekeep().await.keys, 1);
        let (status, second) = srv
            .report(&anna.access_token, Some("key-1"), &body_without_photos())
            .await;
        assert_eq!(status, 201, "{second}");
        assert_ne!(second["id"], first["id"]);
        srv.deliver().await;

        // The first report's sent webhook calls and feed rows outlive it by the retention only.
        let mut replayed = srv.events(&anna, Some("0")).await;
        assert!(
            replayed
                .try_next_event(StdDuration::from_secs(2))
                .await
                .is_some()
        );
        drop(replayed);
        srv.advance(Duration::days(90) - Duration::days(7));
        let removed = srv.housekeep().await;
        assert!(
            removed.deliveries >= 1 && removed.feed_rows >= 1,
            "{removed:?}"
        );
        let (_, sent) = srv
            .get_as(&admin.access_token, "/v1/deliveries?status=sent")
            .await;
        let left: Vec<_> = sent["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["report_id"].clone())
            .collect();
        assert!(
            !left.contains(&first["id"]),
            "the old report's calls are gone: {sent}"
        );
        assert!(
            left.contains(&second["id"]),
            "the newer report's calls stay: {sent}"
        );
        let mut replayed = srv.events(&anna, Some("0")).await;
        let events = replayed
            .next_events(1, StdDuration::from_secs(2), "the newer report")
            .await;
        assert_eq!(
            events[0].json()["report"]["id"],
            second["id"],
            "the old feed rows are gone"
        );
    }
}

fn body_without_photos() -> serde_json::Value {
    json!({ "category": "garbage", "description": "路边垃圾",
            "location": { "lat": DUKOU.0, "lon": DUKOU.1, "coord_system": "wgs84" } })
}
