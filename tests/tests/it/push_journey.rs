//! Issue 7's "done when": one report followed from submit to close reaches the reporter's
//! live stream and a follower's (every event once, in order), a partner's webhook (every event
//! once, correctly signed) and the mock WeChat endpoint (the exact subscribe messages, one
//! access-token request).

use std::collections::BTreeSet;
use std::time::Duration;

use cunxiang_api::settings::Secret;
use cunxiang_core::clock::Clock;
use cunxiang_tests::intake::{BAO, DUKOU};
use cunxiang_tests::lifecycle::{DUKOU_TEAM, at, photo_taken};
use cunxiang_tests::push::{
    HookReceiver, SseEvent, WX_APP, WX_SECRET, Wechat, beijing_minutes, template,
};
use cunxiang_tests::{Backend, TestDb, TestServer, covered};
use rstest::rstest;
use serde_json::{Value, json};

/// How long an event may take to reach a stream.
const WAIT: Duration = Duration::from_secs(5);

fn kinds(events: &[SseEvent]) -> Vec<&str> {
    events.iter().map(SseEvent::kind).collect()
}

/// Asserts the stream's events have strictly increasing ids, none twice.
fn increasing(events: &[SseEvent]) {
    let seqs: Vec<i64> = events.iter().map(SseEvent::seq).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "ids not increasing: {seqs:?}"
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn one_report_from_submit_to_close_reaches_streams_webhook_and_wechat(
    #[case] backend: Backend,
) {
    if covered(backend) {
        let wechat = Wechat::start("TOKEN-1").await;
        wechat.login("anna-code", "o-anna").await;
        let srv = TestServer::start_on(TestDb::new(backend), |s| {
            wechat.configure(s);
            s.test_phones = vec![(BAO.into(), Secret("123456".into()))];
            let t = &mut s.push.wechat_templates;
            let page = Some("pages/report/index?id={report_id}");
            let fields = [
                ("character_string1", "{case_number}"),
                ("phrase2", "{status_text}"),
            ];
            let accepted = [fields[0], fields[1], ("thing3", "{note}")];
            t.insert("accepted".into(), template("TPL-ACCEPTED", page, &accepted));
            let resolved = [fields[0], fields[1], ("time3", "{at}")];
            t.insert("resolved".into(), template("TPL-RESOLVED", None, &resolved));
            // Her own confirmation is not messaged back to her.
            t.insert("confirmed".into(), template("TPL-CONFIRMED", None, &fields));
        })
        .await;
        let admin = srv.login("admin").await;
        let receiver = HookReceiver::start().await;
        let body = json!({ "name": "余江区12345热线", "url": receiver.url() });
        let (_, secret) = srv.webhook(&admin, body).await;
        let anna = srv.wechat_villager("anna-code").await;
        let bao = srv.villager(BAO).await;
        let worker = srv
            .staff_in(&admin, "dk-push", "grid_worker", DUKOU_TEAM)
            .await;
        let mut hers = srv.events(&anna, None).await;
        let mut his = srv.events(&bao, None).await;

        // Submitted: routed at once to 渡口村's grid team.
        let report = srv
            .report_at_dukou(&anna, "garbage", "渡口码头的垃圾满了")
            .await;
        let id = report["id"].as_str().unwrap().to_owned();
        let case = report["case_number"].as_str().unwrap().to_owned();
        let created = at(&report["created_at"]);
        let mut seen = hers.next_events(2, WAIT, "submitted and assigned").await;
        assert_eq!(kinds(&seen), ["submitted", "assigned"], "{backend:?}");
        let statuses: Vec<String> = seen
            .iter()
            .map(|e| e.json()["report"]["status"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            statuses,
            ["submitted", "assigned"],
            "status just after each event"
        );

        // Bao says "me too"; from now on he hears of it.
        let path = format!("/v1/reports/{id}/follow");
        let (status, follow) = srv.post(Some(&bao.access_token), &path, json!({})).await;
        assert_eq!(status, 200, "{follow}");

        srv.act_ok(&worker, &id, "accept", json!({ "note": "马上去" }))
            .await;
        srv.advance(chrono::Duration::minutes(5));
        let photo = photo_taken(created + chrono::Duration::minutes(3), DUKOU, 31);
        let media = srv.evidence(&worker, photo).await;
        let body = json!({ "note": "已清运", "media_ids": [media] });
        srv.act_ok(&worker, &id, "resolve", body).await;
        srv.act_ok(&anna, &id, "confirm", json!({})).await;
        let rated = srv
            .act_ok(&anna, &id, "rate", json!({ "rating": 5, "text": "谢谢" }))
            .await;
        assert_eq!(rated["status"], "closed", "{rated}");

        // The reporter's stream: every event of the timeline, in order, once.
        let (status, timeline) = srv
            .get_as(
                &anna.access_token,
                &format!("/v1/reports/{id}/events?limit=100"),
            )
            .await;
        assert_eq!(status, 200, "{timeline}");
        let timeline = timeline["items"].as_array().unwrap().clone();
        let want = [
            "submitted",
            "assigned",
            "accepted",
            "resolved",
            "confirmed",
            "rated",
        ];
        let timeline_kinds: Vec<&str> = timeline
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(timeline_kinds, want, "{backend:?}");
        seen.extend(hers.next_events(4, WAIT, "accepted … rated").await);
        assert_eq!(kinds(&seen), want, "{backend:?}");
        increasing(&seen);
        let ids: Vec<String> = seen.iter().map(SseEvent::event_id).collect();
        let timeline_ids: Vec<String> = timeline
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            ids, timeline_ids,
            "the stream carries the timeline's events"
        );
        for event in &seen {
            let data = event.json();
            assert_eq!(data["seq"], event.seq(), "{data}");
            assert_eq!(data["reason"], "reporter", "{data}");
            assert_eq!(data["report"]["id"], id.as_str(), "{data}");
            assert_eq!(data["report"]["case_number"], case.as_str(), "{data}");
            assert_eq!(data["event"]["kind"], event.kind(), "{data}");
        }
        assert_eq!(seen[5].json()["report"]["status"], "closed");
        hers.assert_quiet(Duration::from_millis(400), "all six came once")
            .await;

        // The follower's: the events after he followed, as the public sees them.
        let his_events = his.next_events(4, WAIT, "accepted … rated").await;
        assert_eq!(
            kinds(&his_events),
            ["accepted", "resolved", "confirmed", "rated"],
            "{backend:?}"
        );
        increasing(&his_events);
        let his_ids: Vec<String> = his_events.iter().map(SseEvent::event_id).collect();
        assert_eq!(his_ids, timeline_ids[2..], "{backend:?}");
        for event in &his_events {
            assert_eq!(event.json()["reason"], "follower");
        }
        let confirmed = his_events[2].json();
        assert!(
            confirmed["event"]["actor_id"].is_null(),
            "the reporter is not shown to him: {confirmed}"
        );
        his.assert_quiet(Duration::from_millis(400), "all four came once")
            .await;

        // The outbox: six webhook calls and two WeChat messages (accepted, resolved).
        let summary = srv.deliver().await;
        assert_eq!(
            (summary.tried, summary.sent),
            (8, 8),
            "{backend:?}: {summary:?}"
        );
        assert_eq!(srv.deliver().await.tried, 0, "nothing is sent twice");
        let sent = srv.deliveries(&admin, "?status=sent").await;
        assert_eq!(sent.len(), 8, "{sent:?}");

        let calls = receiver.calls(&secret).await;
        assert_eq!(calls.len(), 6, "{calls:?}");
        let now = srv.clock.now().timestamp();
        for call in &calls {
            let t = call
                .signature
                .as_ref()
                .unwrap_or_else(|e| panic!("bad signature: {e}"));
            assert!((now - t).abs() < 120, "t={t}, server now {now}");
            assert_eq!(
                call.event_id,
                call.body["id"].as_str().unwrap_or_default(),
                "{call:?}"
            );
            assert_eq!(call.content_type, "application/json");
            assert_eq!(call.body["report"]["id"], id.as_str());
            assert_eq!(call.body["report"]["case_number"], case.as_str());
            let event = timeline
                .iter()
                .find(|e| e["id"] == call.body["id"])
                .expect("a timeline event");
            assert_eq!(call.body["type"], event["kind"], "{call:?}");
        }
        let called: BTreeSet<&str> = calls.iter().map(|c| c.event_id.as_str()).collect();
        let all: BTreeSet<&str> = timeline_ids.iter().map(String::as_str).collect();
        assert_eq!(called, all, "every event exactly once (six calls, six ids)");
        let deliveries: BTreeSet<&str> = calls.iter().map(|c| c.delivery_id.as_str()).collect();
        assert_eq!(deliveries.len(), 6);

        // WeChat: one token, two messages with the exact fields.
        let token_body = json!({ "grant_type": "client_credential", "appid": WX_APP, "secret": WX_SECRET, "force_refresh": false });
        assert_eq!(wechat.token_requests().await, [token_body], "{backend:?}");
        let mut sends = wechat.sends().await;
        sends.sort_by(|a, b| {
            a.1["template_id"]
                .as_str()
                .cmp(&b.1["template_id"].as_str())
        });
        let resolved_at = beijing_minutes(&timeline[3]["at"]);
        let want: Vec<(Option<String>, Value)> = vec![
            (
                Some("TOKEN-1".into()),
                json!({
                    "touser": "o-anna",
                    "template_id": "TPL-ACCEPTED",
                    "page": format!("pages/report/index?id={id}"),
                    "data": {
                        "character_string1": { "value": case },
                        "phrase2": { "value": "已受理" },
                        "thing3": { "value": "马上去" },
                    },
                    "miniprogram_state": "formal",
                    "lang": "zh_CN",
                }),
            ),
            (
                Some("TOKEN-1".into()),
                json!({
                    "touser": "o-anna",
                    "template_id": "TPL-RESOLVED",
                    "data": {
                        "character_string1": { "value": case },
                        "phrase2": { "value": "已办结" },
                        "time3": { "value": resolved_at },
                    },
                    "miniprogram_state": "formal",
                    "lang": "zh_CN",
                }),
            ),
        ];
        assert_eq!(sends, want, "{backend:?}");
    }
}
