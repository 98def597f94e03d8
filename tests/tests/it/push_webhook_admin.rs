//! Registering webhooks: what is refused (bad URL, unknown event type, short secret, unknown
//! region), that the secret is shown once and never listed, and that each webhook gets only
//! the events it asked for (kinds, region), never internal ones, and none once removed.

use std::collections::BTreeMap;

use cunxiang_tests::intake::ANNA;
use cunxiang_tests::lifecycle::DUKOU_TEAM;
use cunxiang_tests::push::HookReceiver;
use cunxiang_tests::{Backend, TestServer, covered};
use rstest::rstest;
use serde_json::json;

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn bad_registrations_are_refused_and_secrets_are_never_listed(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        let token = Some(admin.access_token.as_str());
        let refusals = [
            (
                json!({ "name": "a", "url": "ftp://example.com/hook" }),
                "url",
            ),
            (json!({ "name": "a", "url": "not a url" }), "url"),
            (
                json!({ "name": "a", "url": "https://user:pw@example.com/hook" }),
                "url",
            ),
            (
                json!({ "name": "a", "url": "https://example.com/hook", "event_types": ["exploded"] }),
                "event_types",
            ),
            (
                json!({ "name": "a", "url": "https://example.com/hook", "secret": "short" }),
                "secret",
            ),
            (
                json!({ "name": "a", "url": "https://example.com/hook", "secret": "x".repeat(257) }),
                "secret",
            ),
        ];
        for (body, field) in refusals {
            let (status, answer) = srv.post(token, "/v1/webhooks", body.clone()).await;
            assert_eq!(status, 422, "{backend:?} {body}: {answer}");
            assert_eq!(answer["error"]["code"], "invalid_field", "{answer}");
            assert_eq!(answer["error"]["details"]["field"], field, "{answer}");
        }
        let body = json!({ "name": "a", "url": "https://example.com/hook", "region": "999999999" });
        let (status, answer) = srv.post(token, "/v1/webhooks", body).await;
        assert_eq!(
            (status.as_u16(), &answer["error"]["code"]),
            (404, &json!("region_not_found")),
            "{answer}"
        );
        let body = json!({ "name": "a", "url": "https://example.com/hook", "colour": "red" });
        let (status, answer) = srv.post(token, "/v1/webhooks", body).await;
        assert!(
            status.is_client_error(),
            "unknown fields are refused: {status} {answer}"
        );
        let (_, list) = srv.get_as(&admin.access_token, "/v1/webhooks").await;
        assert_eq!(
            list["items"].as_array().map(Vec::len),
            Some(0),
            "nothing was registered: {list}"
        );

        // A chosen secret and a generated one: shown once, never listed.
        let chosen = "partner-chosen-secret-0001";
        let body = json!({ "name": "甲", "url": "https://example.com/a", "secret": chosen,
                           "event_types": ["resolved", "resolved", "rejected"] });
        let (status, made) = srv.post(token, "/v1/webhooks", body).await;
        assert_eq!(status, 201, "{made}");
        assert_eq!(made["secret"], chosen);
        assert_eq!(
            made["webhook"]["event_types"],
            json!(["resolved", "rejected"]),
            "{made}"
        );
        assert!(made["webhook"].get("secret").is_none(), "{made}");
        let body = json!({ "name": "乙", "url": "https://example.com/b", "region": "360603102" });
        let (status, made) = srv.post(token, "/v1/webhooks", body).await;
        assert_eq!(status, 201, "{made}");
        let generated = made["secret"].as_str().unwrap().to_owned();
        assert!(generated.len() >= 16, "{generated}");
        assert!(made["webhook"]["region_id"].is_string(), "{made}");
        let (status, list) = srv.get_as(&admin.access_token, "/v1/webhooks").await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(list["items"].as_array().map(Vec::len), Some(2), "{list}");
        let text = list.to_string();
        assert!(
            !text.contains(chosen) && !text.contains(&generated),
            "{text}"
        );
        assert!(
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|h| h.get("secret").is_none())
        );

        let unknown = format!("/v1/webhooks/{}", uuid::Uuid::now_v7());
        let (status, body) = srv.delete(&admin.access_token, &unknown).await;
        assert_eq!(
            (status.as_u16(), &body["error"]["code"]),
            (404, &json!("webhook_not_found")),
            "{body}"
        );
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn each_webhook_gets_the_kinds_and_region_it_asked_for(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let worker = srv
            .staff_in(&admin, "dk-filter", "grid_worker", DUKOU_TEAM)
            .await;
        let everything = HookReceiver::start().await;
        let resolved_only = HookReceiver::start().await;
        let township = HookReceiver::start().await;
        let elsewhere = HookReceiver::start().await;
        let hook = |name: &str, url: String| json!({ "name": name, "url": url });
        let (_, all_secret) = srv.webhook(&admin, hook("all", everything.url())).await;
        let mut body = hook("resolved", resolved_only.url());
        body["event_types"] = json!(["resolved"]);
        let (_, resolved_secret) = srv.webhook(&admin, body).await;
        // 潢溪镇 holds 渡口村; 锦江镇 does not.
        let mut body = hook("潢溪镇", township.url());
        body["region"] = json!("360603102");
        let (township_id, township_secret) = srv.webhook(&admin, body).await;
        let mut body = hook("锦江镇", elsewhere.url());
        body["region"] = json!("360603101");
        let (_, elsewhere_secret) = srv.webhook(&admin, body).await;

        let report = srv.report_at_dukou(&anna, "other", "路灯坏了").await;
        let id = report["id"].as_str().unwrap().to_owned();
        srv.act_ok(&worker, &id, "accept", json!({})).await;
        let internal = json!({ "note": "配件缺货", "internal": true });
        srv.act_ok(&worker, &id, "comment", internal).await;
        srv.act_ok(&worker, &id, "resolve", json!({ "note": "已修好" }))
            .await;
        let pass = srv.deliver().await;
        assert_eq!((pass.tried, pass.sent), (9, 9), "{backend:?}: {pass:?}");

        let types = |calls: &[cunxiang_tests::push::HookCall]| -> Vec<String> {
            let mut kinds: Vec<String> = calls
                .iter()
                .map(|c| c.body["type"].as_str().unwrap_or("?").to_owned())
                .collect();
            kinds.sort();
            kinds
        };
        let four = ["accepted", "assigned", "resolved", "submitted"];
        let calls = everything.calls(&all_secret).await;
        assert_eq!(types(&calls), four, "{backend:?}: no internal comment");
        assert!(calls.iter().all(|c| c.signature.is_ok()), "{calls:?}");
        let calls = resolved_only.calls(&resolved_secret).await;
        assert_eq!(types(&calls), ["resolved"], "{backend:?}");
        assert!(calls[0].signature.is_ok(), "{calls:?}");
        let calls = township.calls(&township_secret).await;
        assert_eq!(types(&calls), four, "{backend:?}");
        assert!(calls.iter().all(|c| c.signature.is_ok()), "{calls:?}");
        assert!(
            elsewhere.calls(&elsewhere_secret).await.is_empty(),
            "{backend:?}"
        );
        // A signature made with another webhook's secret does not verify.
        assert!(
            township
                .calls(&all_secret)
                .await
                .iter()
                .all(|c| c.signature.is_err())
        );

        // A public comment is owed to two webhooks; one is removed before the pass.
        srv.act_ok(&worker, &id, "comment", json!({ "note": "请确认" }))
            .await;
        let (status, body) = srv
            .delete(&admin.access_token, &format!("/v1/webhooks/{township_id}"))
            .await;
        assert_eq!(status, 204, "{body}");
        // Removing it killed its pending delivery at once: the pass sends only the other.
        let pass = srv.deliver().await;
        assert_eq!(
            (pass.tried, pass.sent, pass.dead),
            (1, 1, 0),
            "{backend:?}: {pass:?}"
        );
        assert_eq!(everything.calls(&all_secret).await.len(), 5);
        assert_eq!(
            township.calls(&township_secret).await.len(),
            4,
            "none after removal"
        );
        let dead = srv.deliveries(&admin, "?status=dead").await;
        assert_eq!(dead.len(), 1, "{dead:?}");
        assert_eq!(dead[0]["target"], township_id.as_str());
        assert_eq!(dead[0]["last_error"], "the webhook was removed");
        let (_, list) = srv.get_as(&admin.access_token, "/v1/webhooks").await;
        let names: BTreeMap<&str, bool> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                (
                    h["name"].as_str().unwrap(),
                    h["active"].as_bool().unwrap_or(true),
                )
            })
            .collect();
        assert!(
            !names.get("潢溪镇").copied().unwrap_or(false),
            "removed: {list}"
        );
    }
}
