//! Webhooks cannot reach inside the network (issue 16, item 3): an address literal inside it is
//! refused at registration; a name that resolves inside it is accepted (its addresses are not
//! known yet) but every call to it is refused by policy at delivery time, and nothing reaches
//! the receiver; the allow-list (`CUNXIANG_WEBHOOK_ALLOW`, which the test servers set to the
//! loopback addresses) names exceptions. Also: a webhook asking only for internal event kinds,
//! which are never sent to webhooks, is refused (item 12).

use cunxiang_core::EventKind;
use cunxiang_tests::db::TestDb;
use cunxiang_tests::intake::ANNA;
use cunxiang_tests::push::HookReceiver;
use cunxiang_tests::{Backend, TestServer, covered};
use rstest::rstest;
use serde_json::json;

/// The five URLs.
const INSIDE: [&str; 5] = [
    "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1:6379/",
    "http://10.0.0.1/hook",
    "http://[::ffff:127.0.0.1]/",
    "http://0x7f.1/",
];

/// A server on `backend` whose webhooks may call nothing inside the network.
async fn strict_server(backend: cunxiang_tests::db::Backend) -> TestServer {
    TestServer::start_on(TestDb::new(backend), |s| {
        s.push.webhook_allow.clear();
        s.test_phones = vec![(ANNA.into(), cunxiang_api::settings::Secret("123456".into()))];
    })
    .await
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn addresses_inside_the_network_are_refused_at_registration(#[case] backend: Backend) {
    if covered(backend) {
        let srv = strict_server(backend).await;
        let admin = srv.login("admin").await;
        let token = Some(admin.access_token.as_str());
        for url in INSIDE {
            let body = json!({ "name": "probe", "url": url });
            let (status, answer) = srv.post(token, "/v1/webhooks", body).await;
            assert_eq!(status, 422, "{backend:?} {url}: {answer}");
            assert_eq!(answer["error"]["code"], "invalid_field", "{answer}");
            assert_eq!(answer["error"]["details"]["field"], "url", "{answer}");
            let message = answer["error"]["message"].as_str().unwrap_or_default();
            assert!(message.contains("inside the network"), "{url}: {message}");
        }
        let (_, list) = srv.get_as(&admin.access_token, "/v1/webhooks").await;
        assert_eq!(list["items"], json!([]), "nothing was registered: {list}");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn the_allow_list_names_exceptions_and_nothing_more(#[case] backend: Backend) {
    if covered(backend) {
        // The test servers allow 127.0.0.0/8 and ::1.
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        let token = Some(admin.access_token.as_str());
        for url in [
            "http://127.0.0.1:6379/",
            "http://[::ffff:127.0.0.1]/",
            "http://0x7f.1/",
        ] {
            let (status, answer) = srv
                .post(
                    token,
                    "/v1/webhooks",
                    json!({ "name": "local", "url": url }),
                )
                .await;
            assert_eq!(status, 201, "{backend:?} {url}: {answer}");
        }
        for url in [
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/hook",
        ] {
            let (status, answer) = srv
                .post(
                    token,
                    "/v1/webhooks",
                    json!({ "name": "probe", "url": url }),
                )
                .await;
            assert_eq!(status, 422, "{backend:?} {url}: {answer}");
        }
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_name_resolving_inside_is_refused_by_policy_when_called(#[case] backend: Backend) {
    if covered(backend) {
        let srv = strict_server(backend).await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        // The receiver listens on 127.0.0.1; `localhost` leads there.
        let receiver = HookReceiver::start().await;
        let port = receiver.server.address().port();
        let url = format!("http://localhost:{port}/hook");
        let (hook_id, secret) = srv
            .webhook(&admin, json!({ "name": "local", "url": url }))
            .await;

        srv.report_at_dukou(&anna, "other", "路灯坏了").await;
        let pass = srv.deliver().await;
        assert!(pass.tried >= 1, "{backend:?}: {pass:?}");
        assert_eq!(
            (pass.sent, pass.dead),
            (0, pass.tried),
            "{backend:?}: {pass:?}"
        );
        assert!(
            receiver.calls(&secret).await.is_empty(),
            "{backend:?}: nothing reached the receiver"
        );
        let received = receiver
            .server
            .received_requests()
            .await
            .unwrap_or_default();
        assert!(received.is_empty(), "{backend:?}: {received:?}");
        let deliveries = srv.deliveries(&admin, "?channel=webhook").await;
        assert!(!deliveries.is_empty(), "{backend:?}");
        for d in &deliveries {
            assert_eq!(d["target"], hook_id.as_str(), "{d}");
            assert_eq!(d["status"], "dead", "{d}");
            assert_eq!(d["last_error"], "refused by policy", "{d}");
        }
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_webhook_asking_only_for_internal_kinds_is_refused(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        let token = Some(admin.access_token.as_str());
        let url = "https://partner.example/hook";
        let internal: Vec<&str> = EventKind::ALL
            .iter()
            .filter(|k| k.internal())
            .map(|k| k.as_str())
            .collect();
        let mut asks: Vec<Vec<&str>> = internal.iter().map(|k| vec![*k]).collect();
        asks.push(internal.clone());
        for kinds in asks {
            let body = json!({ "name": "staff only", "url": url, "event_types": kinds });
            let (status, answer) = srv.post(token, "/v1/webhooks", body).await;
            assert_eq!(status, 422, "{backend:?} {kinds:?}: {answer}");
            assert_eq!(
                answer["error"]["details"]["field"], "event_types",
                "{answer}"
            );
            let message = answer["error"]["message"].as_str().unwrap_or_default();
            assert!(
                kinds.iter().all(|k| message.contains(k)),
                "the message names the kinds: {message}"
            );
        }
        // One kind that is sent is enough.
        let body = json!({ "name": "mixed", "url": url,
                           "event_types": [internal[0], "resolved"] });
        let (status, answer) = srv.post(token, "/v1/webhooks", body).await;
        assert_eq!(status, 201, "{backend:?}: {answer}");
    }
}
