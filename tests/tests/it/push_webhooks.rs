//! Webhook faults: a receiver that answers 500, one that hangs past the timeout and one that
//! hangs up are each tried again after the backoff; the flaky ones get the event once they
//! recover, the one that never does is dead after the last try, listed for admins, and
//! delivered once an admin retries it. Only admins see and retry deliveries.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Duration as Span;
use cunxiang_tests::intake::ANNA;
use cunxiang_tests::lifecycle::DUKOU_TEAM;
use cunxiang_tests::push::{HangUp, HookReceiver};
use cunxiang_tests::{Backend, TestDb, TestServer, covered};
use reqwest::Method;
use rstest::rstest;
use serde_json::{Value, json};
use wiremock::ResponseTemplate;

/// The deliveries of `event_id`, by target (webhook id).
async fn by_hook(
    srv: &TestServer,
    admin: &cunxiang_tests::Session,
    event_id: &str,
) -> BTreeMap<String, Value> {
    srv.deliveries(admin, &format!("?event_id={event_id}"))
        .await
        .into_iter()
        .map(|d| (d["target"].as_str().unwrap().to_owned(), d))
        .collect()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn failing_receivers_are_retried_after_backoff_and_the_hopeless_one_dies(
    #[case] backend: Backend,
) {
    if covered(backend) {
        let srv = TestServer::start_on(TestDb::new(backend), |s| {
            s.push.max_attempts = 3;
            s.push.webhook_timeout_secs = 1;
            s.test_phones = vec![(ANNA.into(), cunxiang_api::settings::Secret("123456".into()))];
        })
        .await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let worker = srv
            .staff_in(&admin, "dk-hook", "grid_worker", DUKOU_TEAM)
            .await;

        let flaky = HookReceiver::failing(500, 1).await;
        let hang = ResponseTemplate::new(204).set_delay(Duration::from_secs(3));
        let slow = HookReceiver::with_first(hang, 1).await;
        let rude = HangUp::start().await;
        let only_accepted = |name: &str, url: String| {
            json!({ "name": name, "url": url, "event_types": ["accepted"],
                    "secret": "0123456789abcdef-secret" })
        };
        let (flaky_id, secret) = srv
            .webhook(&admin, only_accepted("flaky", flaky.url()))
            .await;
        let (slow_id, _) = srv.webhook(&admin, only_accepted("slow", slow.url())).await;
        let (rude_id, _) = srv
            .webhook(&admin, only_accepted("rude", rude.url.clone()))
            .await;

        let report = srv.report_at_dukou(&anna, "other", "路边水管破了").await;
        let id = report["id"].as_str().unwrap().to_owned();
        let accepted = srv.act_ok(&worker, &id, "accept", json!({})).await;
        let event_id = accepted["timeline"].as_array().unwrap().last().unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();

        // First pass: 500, timeout, hang-up: all three to be tried again in 30-60 s.
        let started = std::time::Instant::now();
        let pass = srv.deliver().await;
        assert_eq!((pass.tried, pass.retried), (3, 3), "{backend:?}: {pass:?}");
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "the 1 s timeout held"
        );
        let now = chrono::Utc::now();
        let hooks = by_hook(&srv, &admin, &event_id).await;
        assert_eq!(hooks.len(), 3, "{hooks:?}");
        for d in hooks.values() {
            assert_eq!(
                (d["status"].as_str(), d["attempts"].as_i64()),
                (Some("pending"), Some(1)),
                "{d}"
            );
            assert!(
                d["last_error"].as_str().is_some_and(|e| !e.is_empty()),
                "{d}"
            );
            let next = cunxiang_tests::lifecycle::at(&d["next_attempt_at"]);
            assert!(
                next > now + Span::seconds(25) && next < now + Span::seconds(65),
                "{d}"
            );
        }
        assert_eq!(hooks[&flaky_id]["last_error"], "status 500");
        assert_eq!(hooks[&slow_id]["last_error"], "timeout");
        assert!(rude.connections() >= 1);
        assert_eq!(srv.deliver().await.tried, 0, "{backend:?}: not due yet");

        // A minute on: the 500 and the hang have passed; the hang-up has not.
        srv.advance(Span::seconds(61));
        let pass = srv.deliver().await;
        assert_eq!(
            (pass.tried, pass.sent, pass.retried),
            (3, 2, 1),
            "{backend:?}: {pass:?}"
        );
        let calls = flaky.calls(&secret).await;
        assert_eq!(calls.len(), 2, "{calls:?}");
        for call in &calls {
            assert!(call.signature.is_ok(), "{call:?}");
            assert_eq!(call.event_id, event_id);
            assert_eq!(call.body["id"], event_id.as_str());
        }
        assert_eq!(
            calls[0].delivery_id, calls[1].delivery_id,
            "the same delivery, tried again"
        );
        assert_eq!(calls[0].body, calls[1].body, "the same body");
        assert_eq!(slow.calls(&secret).await.len(), 2);
        let hooks = by_hook(&srv, &admin, &event_id).await;
        assert_eq!(hooks[&flaky_id]["status"], "sent");
        assert!(hooks[&flaky_id]["sent_at"].is_string());
        assert_eq!(hooks[&slow_id]["status"], "sent");
        assert_eq!(hooks[&rude_id]["attempts"], 2);

        // The third try is the last: dead, and listed for admins.
        srv.advance(Span::seconds(121));
        let pass = srv.deliver().await;
        assert_eq!((pass.tried, pass.dead), (1, 1), "{backend:?}: {pass:?}");
        assert!(
            rude.connections() >= 3,
            "{} connections",
            rude.connections()
        );
        let dead = srv.deliveries(&admin, "?status=dead").await;
        assert_eq!(dead.len(), 1, "{dead:?}");
        let rude_delivery = dead[0]["id"].as_str().unwrap().to_owned();
        assert_eq!(dead[0]["target"], rude_id.as_str());
        assert_eq!(dead[0]["attempts"], 3);
        assert_eq!(dead[0]["channel"], "webhook");
        assert!(dead[0]["next_attempt_at"].is_null(), "{}", dead[0]);
        let why = dead[0]["last_error"].as_str().unwrap_or_default();
        assert!(why.contains("3"), "the last error says it gave up: {why}");
        assert!(!why.contains("127.0.0.1"), "no URL in the error: {why}");
        rude.heal();
        srv.advance(Span::hours(7));
        assert_eq!(
            srv.deliver().await.tried,
            0,
            "the dead are not tried on their own"
        );

        // Only admins see or retry deliveries, or manage webhooks.
        let retry = format!("/v1/deliveries/{rude_delivery}/retry");
        for who in [&worker, &anna] {
            let t = Some(who.access_token.as_str());
            let (status, body) = srv.get_as(&who.access_token, "/v1/deliveries").await;
            assert_eq!(status, 403, "{body}");
            let (status, body) = srv.post(t, &retry, json!({})).await;
            assert_eq!(status, 403, "{body}");
            let (status, body) = srv.get_as(&who.access_token, "/v1/webhooks").await;
            assert_eq!(status, 403, "{body}");
            let hook = json!({ "name": "x", "url": "https://example.com/hook" });
            let (status, body) = srv.post(t, "/v1/webhooks", hook).await;
            assert_eq!(status, 403, "{body}");
            let (status, _, body) = srv
                .call(Method::DELETE, &format!("/v1/webhooks/{rude_id}"), t, None)
                .await;
            assert_eq!(status, 403, "{body}");
        }
        let (status, body) = srv.get("/v1/deliveries").await;
        assert_eq!(status, 401, "{body}");

        // The admin puts it back; the next pass delivers it.
        let (status, back) = srv.post(Some(&admin.access_token), &retry, json!({})).await;
        assert_eq!(status, 200, "{backend:?}: {back}");
        assert_eq!(
            (back["status"].as_str(), back["attempts"].as_i64()),
            (Some("pending"), Some(0)),
            "{back}"
        );
        let pass = srv.deliver().await;
        assert_eq!((pass.tried, pass.sent), (1, 1), "{backend:?}: {pass:?}");
        assert!(srv.deliveries(&admin, "?status=dead").await.is_empty());
        let (status, body) = srv.post(Some(&admin.access_token), &retry, json!({})).await;
        assert_eq!(
            (status.as_u16(), &body["error"]["code"]),
            (409, &json!("not_retryable")),
            "{body}"
        );
        let unknown = format!("/v1/deliveries/{}/retry", uuid::Uuid::now_v7());
        let (status, body) = srv
            .post(Some(&admin.access_token), &unknown, json!({}))
            .await;
        assert_eq!(
            (status.as_u16(), &body["error"]["code"]),
            (404, &json!("delivery_not_found")),
            "{body}"
        );
        let (status, body) = srv
            .get_as(&admin.access_token, "/v1/deliveries?status=lost")
            .await;
        assert_eq!(status, 400, "{body}");
    }
}
