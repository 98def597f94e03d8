//! The live stream's semantics: it needs a token; internal events reach staff only; a client
//! that reconnects with an old `Last-Event-ID` (or `?after=`) gets exactly what it missed;
//! bad cursors are 400; quiet streams carry heartbeat comments; and an event written through
//! one instance reaches a stream held on another.

use std::time::Duration;

use cunxiang_tests::intake::ANNA;
use cunxiang_tests::lifecycle::DUKOU_TEAM;
use cunxiang_tests::push::SseEvent;
use cunxiang_tests::{Backend, TestDb, TestServer, covered};
use rstest::rstest;
use serde_json::json;

/// How long an event may take to reach a stream.
const WAIT: Duration = Duration::from_secs(5);

fn kinds(events: &[SseEvent]) -> Vec<&str> {
    events.iter().map(SseEvent::kind).collect()
}

fn ids(events: &[SseEvent]) -> Vec<String> {
    events.iter().map(SseEvent::event_id).collect()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_stream_needs_a_token_and_a_good_cursor(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let anna = srv.villager(ANNA).await;
        let refused = srv
            .try_events(None, None, "")
            .await
            .expect_err("no stream without a token");
        assert_eq!(refused.status, 401, "{backend:?}: {}", refused.body);
        assert!(
            refused.body["error"]["code"].is_string(),
            "a JSON error: {}",
            refused.body
        );
        let refused = srv
            .try_events(Some("not-a-token"), None, "")
            .await
            .expect_err("bad token");
        assert_eq!(refused.status, 401, "{}", refused.body);
        assert!(
            refused.body["error"]["code"].is_string(),
            "{}",
            refused.body
        );

        let token = Some(anna.access_token.as_str());
        for bad in ["abc", "-1", "1.5", ""] {
            let refused = srv.try_events(token, Some(bad), "").await.expect_err(bad);
            assert_eq!(
                refused.status, 400,
                "Last-Event-ID {bad:?}: {}",
                refused.body
            );
            assert_eq!(
                refused.body["error"]["code"], "invalid_parameter",
                "{}",
                refused.body
            );
        }
        let refused = srv
            .try_events(token, None, "?after=yesterday")
            .await
            .expect_err("bad after");
        assert_eq!(refused.status, 400, "{}", refused.body);
        assert_eq!(refused.body["error"]["code"], "invalid_parameter");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn internal_events_reach_staff_streams_only(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let worker = srv
            .staff_in(&admin, "dk-sse", "grid_worker", DUKOU_TEAM)
            .await;
        let mut hers = srv.events(&anna, None).await;
        let mut theirs = srv.events(&worker, None).await;
        let report = srv.report_at_dukou(&anna, "other", "井盖松动").await;
        let id = report["id"].as_str().unwrap().to_owned();
        let body = json!({ "note": "先别告诉她，等材料", "internal": true });
        srv.act_ok(&worker, &id, "comment", body).await;
        srv.act_ok(&worker, &id, "accept", json!({})).await;

        let staff = theirs.next_events(4, WAIT, "the handler's events").await;
        assert_eq!(
            kinds(&staff),
            ["submitted", "assigned", "commented", "accepted"],
            "{backend:?}"
        );
        let comment = staff[2].json();
        assert_eq!(comment["reason"], "handler", "{comment}");
        assert_eq!(comment["event"]["internal"], true, "{comment}");
        assert_eq!(comment["event"]["note"], "先别告诉她，等材料");

        let public = hers.next_events(3, WAIT, "the reporter's events").await;
        assert_eq!(
            kinds(&public),
            ["submitted", "assigned", "accepted"],
            "{backend:?}"
        );
        assert!(
            !public.iter().any(|e| e.data.contains("先别告诉她")),
            "{public:?}"
        );
        hers.assert_quiet(Duration::from_millis(300), "no internal event")
            .await;
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn reconnecting_with_an_old_id_replays_exactly_what_was_missed(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let worker = srv
            .staff_in(&admin, "dk-re", "grid_worker", DUKOU_TEAM)
            .await;
        let mut first = srv.events(&anna, None).await;
        let report = srv.report_at_dukou(&anna, "other", "路灯不亮").await;
        let id = report["id"].as_str().unwrap().to_owned();
        srv.act_ok(&worker, &id, "accept", json!({})).await;
        let before = first
            .next_events(3, WAIT, "submitted, assigned, accepted")
            .await;
        assert_eq!(
            kinds(&before),
            ["submitted", "assigned", "accepted"],
            "{backend:?}"
        );
        // She read up to "assigned" before the line dropped.
        let last_read = before[1].id.clone().unwrap();
        drop(first);

        // While she is away: a public comment, an internal one, the resolution.
        srv.act_ok(&worker, &id, "comment", json!({ "note": "今天下午修" }))
            .await;
        let internal = json!({ "note": "灯泡要采购", "internal": true });
        srv.act_ok(&worker, &id, "comment", internal).await;
        srv.act_ok(&worker, &id, "resolve", json!({ "note": "已换灯泡" }))
            .await;

        let mut again = srv.events(&anna, Some(&last_read)).await;
        let missed = again.next_events(3, WAIT, "the missed events").await;
        assert_eq!(
            kinds(&missed),
            ["accepted", "commented", "resolved"],
            "{backend:?}"
        );
        assert_eq!(missed[0].id, before[2].id, "the same id for the same row");
        assert_eq!(missed[0].event_id(), before[2].event_id());
        let seqs: Vec<i64> = missed.iter().map(SseEvent::seq).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
        assert!(seqs[0] > last_read.parse::<i64>().unwrap());
        again
            .assert_quiet(Duration::from_millis(300), "nothing twice")
            .await;
        // … and the stream goes on live after the replay.
        srv.act_ok(&anna, &id, "confirm", json!({})).await;
        let live = again.next_event(WAIT, "confirmed, live").await;
        assert_eq!(live.kind(), "confirmed");
        assert!(live.seq() > seqs[2]);
        again.assert_quiet(Duration::from_millis(300), "once").await;
        drop(again);

        // `?after=` does the same for clients that cannot set headers; from 0 it is everything.
        let token = Some(anna.access_token.as_str());
        let query = format!("?after={last_read}");
        let mut by_query = srv.try_events(token, None, &query).await.expect("stream");
        let replay = by_query.next_events(4, WAIT, "replay by query").await;
        assert_eq!(ids(&replay[..3]), ids(&missed), "{backend:?}");
        assert_eq!(replay[3].id, live.id);
        by_query
            .assert_quiet(Duration::from_millis(300), "nothing more")
            .await;
        let mut all = srv.events(&anna, Some("0")).await;
        let history = all.next_events(6, WAIT, "her whole history").await;
        let want = [
            "submitted",
            "assigned",
            "accepted",
            "commented",
            "resolved",
            "confirmed",
        ];
        assert_eq!(kinds(&history), want, "{backend:?}");
        assert_eq!(history[0].id, before[0].id);
        all.assert_quiet(Duration::from_millis(300), "nothing more")
            .await;
        // Last-Event-ID wins over ?after= (a browser keeps its first URL when it reconnects).
        let newest = history[5].id.clone().unwrap();
        let both = srv.try_events(token, Some(&newest), "?after=0").await;
        let mut both = both.expect("stream");
        both.assert_quiet(
            Duration::from_millis(300),
            "the header's cursor is the newest",
        )
        .await;
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn quiet_streams_get_heartbeat_comments(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_on(TestDb::new(backend), |s| {
            s.push.heartbeat_secs = 1;
            s.test_phones = vec![(ANNA.into(), cunxiang_api::settings::Secret("123456".into()))];
        })
        .await;
        let anna = srv.villager(ANNA).await;
        let mut stream = srv.events(&anna, None).await;
        stream.next_comment(Duration::from_secs(4)).await;
        stream.next_comment(Duration::from_secs(4)).await;
        stream
            .assert_quiet(Duration::from_millis(100), "comments are not events")
            .await;
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn an_event_written_on_one_instance_reaches_a_stream_on_another(#[case] backend: Backend) {
    if covered(backend) {
        let a = TestServer::start_with_phones(backend, &[ANNA]).await;
        let b = a
            .another_instance(|s| {
                s.test_phones =
                    vec![(ANNA.into(), cunxiang_api::settings::Secret("123456".into()))];
            })
            .await;
        let admin = a.login("admin").await;
        let anna = a.villager(ANNA).await;
        let worker = a
            .staff_in(&admin, "dk-two", "grid_worker", DUKOU_TEAM)
            .await;
        // Her stream is held by B; the report and the action go through A.
        let mut on_b = b.events(&anna, None).await;
        let report = a.report_at_dukou(&anna, "other", "桥栏杆断了").await;
        let id = report["id"].as_str().unwrap().to_owned();
        a.act_ok(&worker, &id, "accept", json!({})).await;
        let got = on_b.next_events(3, WAIT, "events written on A").await;
        assert_eq!(
            kinds(&got),
            ["submitted", "assigned", "accepted"],
            "{backend:?}"
        );
        assert_eq!(got[0].json()["report"]["id"], id.as_str());

        // And the other way: a stream on A hears what B writes.
        let mut on_a = a.events(&worker, None).await;
        b.act_ok(&worker, &id, "resolve", json!({ "note": "已焊好" }))
            .await;
        let resolved = on_a.next_event(WAIT, "resolved, written on B").await;
        assert_eq!(resolved.kind(), "resolved", "{backend:?}");
        let hers = on_b.next_event(WAIT, "resolved on her stream").await;
        assert_eq!(hers.event_id(), resolved.event_id(), "the same event");
        on_b.assert_quiet(Duration::from_millis(300), "once").await;
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn one_person_holds_a_bounded_number_of_streams(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_on(TestDb::new(backend), |s| {
            s.test_phones = vec![(ANNA.into(), cunxiang_api::settings::Secret("123456".into()))];
            s.push.max_streams_per_user = 2;
            s.push.heartbeat_secs = 1;
        })
        .await;
        let anna = srv.villager(ANNA).await;
        let first = srv.events(&anna, None).await;
        let _second = srv.events(&anna, None).await;
        let token = Some(anna.access_token.as_str());
        let refused = srv
            .try_events(token, None, "")
            .await
            .expect_err("a third stream is refused");
        assert_eq!(refused.status, 429, "{backend:?}: {}", refused.body);
        assert_eq!(refused.body["error"]["code"], "too_many_streams");
        // Closing one frees its place (the server notices at its next heartbeat write).
        drop(first);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            match srv.try_events(token, None, "").await {
                Ok(_) => break,
                Err(r) if r.status == 429 && tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(r) => panic!(
                    "{backend:?}: no stream after closing one: {} {}",
                    r.status, r.body
                ),
            }
        }
    }
}
