//! Two API instances on one database and one blob store (S3 with `CUNXIANG_TEST_BLOBS=s3`),
//! as a city runs them behind a balancer, with the requests alternating between them: a photo
//! uploaded on A is filed with a report on B and served by both; a stream held on B hears
//! what is done on A; an idempotent retry on the other instance replays; and the deadline and
//! delivery workers of both share the work with nothing done twice.

use std::collections::HashSet;
use std::time::Duration as StdDuration;

use chrono::Duration;
use cunxiang_tests::intake::{ANNA, DUKOU, dukou_photo};
use cunxiang_tests::lifecycle::DUKOU_TEAM;
use cunxiang_tests::push::HookReceiver;
use cunxiang_tests::{Backend, TestServer, covered, s3};
use rstest::rstest;
use serde_json::json;

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn two_instances_serve_one_county_and_share_its_work(#[case] backend: Backend) {
    if covered(backend) {
        let a = TestServer::start_with_phones(backend, &[ANNA]).await;
        let b = a
            .another_instance(|s| {
                s.test_phones =
                    vec![(ANNA.into(), cunxiang_api::settings::Secret("123456".into()))];
            })
            .await;
        let admin = a.login("admin").await;
        let anna = b.villager(ANNA).await;
        let worker = a
            .staff_in(&admin, "dk-two", "grid_worker", DUKOU_TEAM)
            .await;
        let receiver = HookReceiver::start().await;
        let (_, secret) = b
            .webhook(
                &admin,
                json!({ "name": "city hotline", "url": receiver.url(),
                        "secret": "0123456789abcdef-secret" }),
            )
            .await;

        // Upload on A, report on B, the photo served by both.
        let photo = a.evidence(&anna, dukou_photo(1)).await;
        let body = json!({ "category": "garbage", "description": "桥头垃圾", "media_ids": [photo],
                           "location": { "lat": DUKOU.0, "lon": DUKOU.1, "coord_system": "wgs84" } });
        let (status, report) = b.report(&anna.access_token, Some("two-1"), &body).await;
        assert_eq!(status, 201, "{report}");
        let id = report["id"].as_str().unwrap().to_owned();
        let (_, on_a) = a.photo(&anna.access_token, &photo).await;
        let (_, on_b) = b.photo(&anna.access_token, &photo).await;
        assert_eq!(on_a, on_b);
        if s3::wanted() {
            assert_eq!(a.db.files_under("blobs"), 0, "photos live in the bucket");
        }
        // The retry of a phone that lost the answer lands on the other instance: a replay.
        let (status, replay) = a.report(&anna.access_token, Some("two-1"), &body).await;
        assert_eq!((status.as_u16(), &replay["id"]), (200, &report["id"]));

        // A stream on B hears what the grid worker does on A.
        let mut stream = b.events(&anna, None).await;
        tokio::time::sleep(StdDuration::from_millis(200)).await;
        a.act_ok(&worker, &id, "accept", json!({})).await;
        let heard = stream
            .next_event(StdDuration::from_secs(3), "the accept done on A")
            .await;
        assert_eq!(heard.kind(), "accepted");

        // Six reports filed alternately on A and B, then left past the accept limit: the
        // deadline workers of both instances run at once and each report escalates once.
        let mut due = Vec::new();
        for i in 0..6 {
            let srv = if i % 2 == 0 { &a } else { &b };
            let text = format!("第{i}堆垃圾");
            due.push(srv.report_at_dukou(&anna, "garbage", &text).await["id"].clone());
        }
        a.advance(Duration::minutes(31));
        b.advance(Duration::minutes(31));
        let (on_a, on_b) = tokio::join!(a.tick(), b.tick());
        assert_eq!(on_a.escalated + on_b.escalated, 6, "{on_a:?} {on_b:?}");
        for id in &due {
            let report = b.report_as(&admin, id.as_str().unwrap()).await;
            assert_eq!(report["escalation_count"], 1, "{report}");
        }
        let (on_a, on_b) = tokio::join!(a.tick(), b.tick());
        assert_eq!(on_a.escalated + on_b.escalated, 0, "nothing done twice");

        // The partner's webhook calls, delivered by both instances at once: each event once.
        let mut sent = 0;
        for _ in 0..20 {
            let (on_a, on_b) = tokio::join!(a.deliver(), b.deliver());
            sent += on_a.sent + on_b.sent;
            if on_a.tried + on_b.tried == 0 {
                break;
            }
        }
        let calls = receiver.calls(&secret).await;
        let events: HashSet<&str> = calls.iter().map(|c| c.event_id.as_str()).collect();
        assert!(
            sent >= 8,
            "filed, accepted and six escalations at least: {sent}"
        );
        assert_eq!(calls.len(), sent, "every sent call arrived");
        assert_eq!(events.len(), calls.len(), "no event delivered twice");
    }
}
