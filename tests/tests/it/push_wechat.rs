//! WeChat subscribe messages and SMS against mocks: WeChat's answer decides the delivery's fate
//! (43101 refused and never retried, 40037 dead, 45009 tried again); a rejected access token
//! is fetched again with `force_refresh` and the message resent; a villager without WeChat
//! gets an SMS with the exact provider request.

use std::collections::BTreeMap;

use chrono::Duration as Span;
use cunxiang_api::settings::Secret;
use cunxiang_tests::intake::ANNA;
use cunxiang_tests::lifecycle::DUKOU_TEAM;
use cunxiang_tests::push::{SMS_KEY, SmsProvider, WX_APP, WX_SECRET, Wechat, template};
use cunxiang_tests::{Backend, TestDb, TestServer, covered};
use rstest::rstest;
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

/// Makes `subscribe/send` answer `errcode` for messages of `template_id`.
async fn answer(wechat: &Wechat, template_id: &str, errcode: i64) {
    Mock::given(method("POST"))
        .and(path("/cgi-bin/message/subscribe/send"))
        .and(body_partial_json(json!({ "template_id": template_id })))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "errcode": errcode, "errmsg": format!("error {errcode}") })),
        )
        .with_priority(1)
        .mount(&wechat.server)
        .await;
}

fn token_request(force_refresh: bool) -> Value {
    json!({ "grant_type": "client_credential", "appid": WX_APP, "secret": WX_SECRET,
            "force_refresh": force_refresh })
}

/// The report's WeChat deliveries by the kind of their event (from its timeline).
async fn wechat_deliveries(
    srv: &TestServer,
    admin: &cunxiang_tests::Session,
    report: &Value,
) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for event in report["timeline"].as_array().unwrap() {
        let query = format!("?channel=wechat&event_id={}", event["id"].as_str().unwrap());
        for d in srv.deliveries(admin, &query).await {
            out.insert(event["kind"].as_str().unwrap().to_owned(), d);
        }
    }
    out
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn wechat_error_codes_decide_refused_dead_or_retry(#[case] backend: Backend) {
    if covered(backend) {
        let wechat = Wechat::start("TOKEN-1").await;
        wechat.login("anna-code", "o-anna").await;
        answer(&wechat, "TPL-ASSIGNED", 45009).await;
        answer(&wechat, "TPL-ACCEPTED", 43101).await;
        answer(&wechat, "TPL-RESOLVED", 40037).await;
        let srv = TestServer::start_on(TestDb::new(backend), |s| {
            wechat.configure(s);
            let fields = [("phrase1", "{status_text}")];
            for (kind, id) in [
                ("assigned", "TPL-ASSIGNED"),
                ("accepted", "TPL-ACCEPTED"),
                ("resolved", "TPL-RESOLVED"),
            ] {
                s.push
                    .wechat_templates
                    .insert(kind.into(), template(id, None, &fields));
            }
        })
        .await;
        let admin = srv.login("admin").await;
        let anna = srv.wechat_villager("anna-code").await;
        let worker = srv
            .staff_in(&admin, "dk-wx", "grid_worker", DUKOU_TEAM)
            .await;
        let report = srv.report_at_dukou(&anna, "other", "水渠堵了").await;
        let id = report["id"].as_str().unwrap().to_owned();
        srv.act_ok(&worker, &id, "accept", json!({})).await;
        srv.act_ok(&worker, &id, "resolve", json!({ "note": "已疏通" }))
            .await;
        let pass = srv.deliver().await;
        assert_eq!(
            (pass.tried, pass.retried, pass.refused, pass.dead),
            (3, 1, 1, 1),
            "{backend:?}: {pass:?}"
        );

        let report = srv.report_as(&admin, &id).await;
        let found = wechat_deliveries(&srv, &admin, &report).await;
        assert_eq!(found.len(), 3, "{found:?}");
        let state = |kind: &str| {
            (
                found[kind]["status"].as_str().unwrap().to_owned(),
                found[kind]["attempts"].as_i64(),
            )
        };
        assert_eq!(
            state("assigned"),
            ("pending".into(), Some(1)),
            "45009 is tried again"
        );
        assert_eq!(
            state("accepted"),
            ("refused".into(), Some(1)),
            "43101 is the user's no"
        );
        assert_eq!(
            state("resolved"),
            ("dead".into(), Some(1)),
            "40037 is a bad template"
        );
        for (kind, code) in [
            ("assigned", "45009"),
            ("accepted", "43101"),
            ("resolved", "40037"),
        ] {
            let why = found[kind]["last_error"].as_str().unwrap_or_default();
            assert!(why.contains(code), "{kind}: {why}");
            assert!(!why.contains("TOKEN-1"), "no token in errors: {why}");
            assert_eq!(found[kind]["target"], anna.id(), "{kind}");
        }

        // Minutes later only the 45009 is tried again; the refusal and the dead one are not.
        srv.advance(Span::minutes(2));
        let pass = srv.deliver().await;
        assert_eq!((pass.tried, pass.retried), (1, 1), "{backend:?}: {pass:?}");
        srv.advance(Span::minutes(4));
        let pass = srv.deliver().await;
        assert_eq!((pass.tried, pass.retried), (1, 1), "{backend:?}: {pass:?}");
        let sends = wechat.sends().await;
        let refused_sends = sends
            .iter()
            .filter(|(_, b)| b["template_id"] == "TPL-ACCEPTED")
            .count();
        assert_eq!(
            refused_sends, 1,
            "{backend:?}: the refused message was sent once"
        );
        assert!(sends.iter().all(|(_, b)| b["touser"] == "o-anna"));
        assert_eq!(
            wechat.token_requests().await.len(),
            1,
            "one cached token throughout"
        );
        let refused = srv.deliveries(&admin, "?status=refused").await;
        assert_eq!(refused.len(), 1, "{refused:?}");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_rejected_token_is_fetched_again_and_the_message_resent(#[case] backend: Backend) {
    if covered(backend) {
        let wechat = Wechat::start("TOKEN-NEW").await;
        wechat.login("anna-code", "o-anna").await;
        Mock::given(method("POST"))
            .and(path("/cgi-bin/stable_token"))
            .and(body_partial_json(json!({ "force_refresh": false })))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({ "access_token": "TOKEN-OLD", "expires_in": 7200 })),
            )
            .with_priority(1)
            .mount(&wechat.server)
            .await;
        Mock::given(method("POST"))
            .and(path("/cgi-bin/message/subscribe/send"))
            .and(query_param("access_token", "TOKEN-OLD"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({ "errcode": 40001, "errmsg": "invalid credential" })),
            )
            .with_priority(1)
            .mount(&wechat.server)
            .await;
        let srv = TestServer::start_on(TestDb::new(backend), |s| {
            wechat.configure(s);
            let fields = [
                ("character_string1", "{case_number}"),
                ("phrase2", "{status_text}"),
            ];
            s.push
                .wechat_templates
                .insert("accepted".into(), template("TPL-A", None, &fields));
            s.push
                .wechat_templates
                .insert("resolved".into(), template("TPL-R", None, &fields));
        })
        .await;
        let admin = srv.login("admin").await;
        let anna = srv.wechat_villager("anna-code").await;
        let worker = srv
            .staff_in(&admin, "dk-tok", "grid_worker", DUKOU_TEAM)
            .await;
        let report = srv.report_at_dukou(&anna, "other", "路面塌陷").await;
        let id = report["id"].as_str().unwrap().to_owned();
        srv.act_ok(&worker, &id, "accept", json!({})).await;
        let pass = srv.deliver().await;
        assert_eq!((pass.tried, pass.sent), (1, 1), "{backend:?}: {pass:?}");
        assert_eq!(
            wechat.token_requests().await,
            [token_request(false), token_request(true)],
            "{backend:?}"
        );
        let sends = wechat.sends().await;
        let tokens: Vec<Option<&str>> = sends.iter().map(|(t, _)| t.as_deref()).collect();
        assert_eq!(
            tokens,
            [Some("TOKEN-OLD"), Some("TOKEN-NEW")],
            "{backend:?}"
        );
        assert_eq!(sends[0].1, sends[1].1, "the same message, resent");
        assert_eq!(sends[1].1["data"]["phrase2"]["value"], "已受理");

        // The new token is kept for the next message.
        srv.act_ok(&worker, &id, "resolve", json!({ "note": "已填平" }))
            .await;
        let pass = srv.deliver().await;
        assert_eq!(pass.sent, 1, "{pass:?}");
        assert_eq!(
            wechat.token_requests().await.len(),
            2,
            "{backend:?}: no new token"
        );
        let sends = wechat.sends().await;
        assert_eq!(sends.len(), 3);
        assert_eq!(sends[2].0.as_deref(), Some("TOKEN-NEW"));
        assert_eq!(sends[2].1["template_id"], "TPL-R");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_villager_without_wechat_gets_an_sms_and_a_wechat_follower_a_message(
    #[case] backend: Backend,
) {
    if covered(backend) {
        let sms = SmsProvider::start().await;
        let wechat = Wechat::start("TOKEN-1").await;
        wechat.login("bao-code", "o-bao").await;
        let srv = TestServer::start_on(TestDb::new(backend), |s| {
            sms.configure(s);
            wechat.configure(s);
            s.test_phones = vec![(ANNA.into(), Secret("123456".into()))];
            let fields = [("phrase1", "{status_text}")];
            s.push
                .wechat_templates
                .insert("accepted".into(), template("TPL-A", None, &fields));
        })
        .await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let bao = srv.wechat_villager("bao-code").await;
        let worker = srv
            .staff_in(&admin, "dk-sms", "grid_worker", DUKOU_TEAM)
            .await;
        let report = srv.report_at_dukou(&anna, "other", "电线杆歪了").await;
        let id = report["id"].as_str().unwrap().to_owned();
        let case = report["case_number"].as_str().unwrap().to_owned();
        let (status, body) = srv
            .post(
                Some(&bao.access_token),
                &format!("/v1/reports/{id}/follow"),
                json!({}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        srv.act_ok(&worker, &id, "accept", json!({})).await;
        srv.act_ok(&worker, &id, "resolve", json!({ "note": "已扶正" }))
            .await;
        let pass = srv.deliver().await;
        // Anna: SMS for accepted and resolved (the default SMS templates; none for assigned).
        // Bao: a WeChat message for accepted; no template for resolved, and no phone.
        assert_eq!((pass.tried, pass.sent), (3, 3), "{backend:?}: {pass:?}");

        let (_, categories) = srv.get("/v1/categories").await;
        let list = categories["items"]
            .as_array()
            .or(categories.as_array())
            .cloned()
            .unwrap_or_default();
        let category = list
            .iter()
            .find(|c| c["code"] == "other")
            .and_then(|c| c["name"].as_str())
            .unwrap_or_else(|| panic!("no category other: {categories}"))
            .to_owned();
        let mut requests = sms.requests().await;
        requests.sort_by(|a, b| a.1["template"].as_str().cmp(&b.1["template"].as_str()));
        let bearer = format!("Bearer {SMS_KEY}");
        let want = [("report_accepted", "已受理"), ("report_resolved", "已办结")]
            .map(|(template, label)| {
                (
                    bearer.clone(),
                    json!({ "phone": ANNA, "template": template,
                            "params": { "case_number": case, "status_text": label, "category": category } }),
                )
            })
            .to_vec();
        assert_eq!(requests, want, "{backend:?}");
        let sends = wechat.sends().await;
        assert_eq!(sends.len(), 1, "{sends:?}");
        assert_eq!(sends[0].1["touser"], "o-bao");
        assert_eq!(sends[0].1["template_id"], "TPL-A");
        assert_eq!(
            srv.deliveries(&admin, "?channel=sms&status=sent")
                .await
                .len(),
            2
        );
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_report_closed_by_silence_is_texted_to_her(#[case] backend: Backend) {
    if covered(backend) {
        let sms = SmsProvider::start().await;
        let srv = TestServer::start_on(TestDb::new(backend), |s| {
            sms.configure(s);
            s.test_phones = vec![(ANNA.into(), Secret("123456".into()))];
        })
        .await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let worker = srv
            .staff_in(&admin, "dk-close", "grid_worker", DUKOU_TEAM)
            .await;
        let report = srv.report_at_dukou(&anna, "other", "沟渠盖板缺了").await;
        let id = report["id"].as_str().unwrap().to_owned();
        srv.act_ok(&worker, &id, "accept", json!({})).await;
        srv.act_ok(&worker, &id, "resolve", json!({ "note": "已补上" }))
            .await;
        assert_eq!(
            srv.deliver().await.sent,
            2,
            "{backend:?}: accepted and resolved"
        );
        // She says nothing; three days on the report closes on its own.
        srv.advance(Span::days(3) + Span::minutes(1));
        assert_eq!(srv.tick().await.auto_confirmed, 1);
        let pass = srv.deliver().await;
        assert_eq!(
            pass.sent, 1,
            "{backend:?}: the default SMS templates cover auto_confirmed: {pass:?}"
        );
        let requests = sms.requests().await;
        let last = &requests.last().unwrap().1;
        assert_eq!(last["template"], "report_auto_confirmed", "{last}");
        assert_eq!(last["phone"], ANNA, "{last}");
        assert_eq!(last["params"]["status_text"], "已完结", "{last}");
    }
}
