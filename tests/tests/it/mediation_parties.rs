//! The parties to a mediation case: added by its mediators while it is mediated, read by
//! them, their supervisors and admins (phones masked but for admins), refused to everyone
//! else, and never in the report, its timeline, the villager's view or a partner's webhook.

use cunxiang_tests::intake::{ANNA, BAO, DUKOU};
use cunxiang_tests::lifecycle::{DUKOU_TEAM, DUKOU_VILLAGE};
use cunxiang_tests::mediation::online_session;
use cunxiang_tests::push::HookReceiver;
use cunxiang_tests::session::Session;
use cunxiang_tests::{Backend, Contract, TestServer, covered};
use rstest::rstest;
use serde_json::{Value, json};

/// A neighbours' dispute at 渡口村, filed by `villager`; routed to 渡口村民委员会.
async fn dispute(srv: &TestServer, villager: &Session) -> String {
    let body = json!({ "category": "dispute", "description": "邻居占用宅基地",
                       "location": { "lat": DUKOU.0, "lon": DUKOU.1, "coord_system": "wgs84" } });
    let key = uuid::Uuid::now_v7().to_string();
    let (status, report) = srv.report(&villager.access_token, Some(&key), &body).await;
    assert_eq!(status, 201, "{report}");
    assert_eq!(report["unit"]["name"], DUKOU_VILLAGE, "{report}");
    report["id"].as_str().unwrap().to_owned()
}

fn parties(list: &Value) -> Vec<(String, String)> {
    list["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {list}"))
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["phone"].as_str().unwrap_or("-").to_owned(),
            )
        })
        .collect()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn mediators_add_parties_that_only_they_their_overseers_and_admins_read(
    #[case] backend: Backend,
) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA, BAO]).await;
        let admin = srv.login("admin").await;
        let hx = srv.login("hx-supervisor").await;
        let mediator = srv
            .staff_in(&admin, "dk-mediator", "unit_staff", DUKOU_VILLAGE)
            .await;
        let team = srv
            .staff_in(&admin, "dk-team", "grid_worker", DUKOU_TEAM)
            .await;
        let anna = srv.villager(ANNA).await;
        let bao = srv.villager(BAO).await;
        let id = dispute(&srv, &anna).await;
        let path = format!("/v1/reports/{id}/parties");
        let applicant = json!({ "role": "applicant", "name": "李安娜", "phone": ANNA,
                                "relation": "邻居" });

        // Not yet accepted: the mediator may not add anyone.
        let (status, refused) = srv
            .post(Some(&mediator.access_token), &path, applicant.clone())
            .await;
        assert_eq!(status, 409, "{refused}");
        assert_eq!(refused["error"]["code"], "invalid_status");
        srv.act_ok(&mediator, &id, "accept", json!({})).await;

        let (status, added) = srv
            .post(Some(&mediator.access_token), &path, applicant)
            .await;
        assert_eq!(status, 201, "{added}");
        contract.check("POST", "/v1/reports/{id}/parties", 201, &added);
        assert_eq!(added["phone"], "138****0001", "masked for the mediator too");
        let respondent = json!({ "role": "respondent", "name": " 王五 " });
        let (status, wang) = srv
            .post(Some(&mediator.access_token), &path, respondent)
            .await;
        assert_eq!(status, 201, "{wang}");
        assert_eq!(wang["name"], "王五");

        // Bad details and the wrong people change nothing.
        for (body, field) in [
            (json!({ "role": "judge", "name": "x" }), "role"),
            (json!({ "role": "other", "name": "  " }), "name"),
            (
                json!({ "role": "other", "name": "赵六", "phone": "12345" }),
                "phone",
            ),
        ] {
            let (status, refused) = srv
                .post(Some(&mediator.access_token), &path, body.clone())
                .await;
            assert_eq!(status, 422, "{body}: {refused}");
            assert_eq!(refused["error"]["details"]["field"], field);
            contract.check("POST", "/v1/reports/{id}/parties", 422, &refused);
        }
        let other = json!({ "role": "other", "name": "赵六" });
        for who in [&hx, &team] {
            let (status, refused) = srv
                .post(Some(&who.access_token), &path, other.clone())
                .await;
            assert_eq!(status, 403, "{refused}");
            contract.check("POST", "/v1/reports/{id}/parties", 403, &refused);
        }
        let (status, _) = srv
            .post(Some(&bao.access_token), &path, other.clone())
            .await;
        assert_eq!(status, 404, "the case is hidden from another villager");

        // Who reads them, and how much of the phone.
        let expected = |phone: &str| {
            vec![
                ("李安娜".to_owned(), phone.to_owned()),
                ("王五".to_owned(), "-".to_owned()),
            ]
        };
        for (who, phone) in [
            (&mediator, "138****0001"),
            (&hx, "138****0001"),
            (&admin, ANNA),
        ] {
            let (status, list) = srv.get_as(&who.access_token, &path).await;
            assert_eq!(status, 200, "{list}");
            contract.check("GET", "/v1/reports/{id}/parties", 200, &list);
            assert_eq!(parties(&list), expected(phone));
        }
        for (who, status_wanted) in [(&anna, 403), (&team, 403), (&bao, 404)] {
            let (status, refused) = srv.get_as(&who.access_token, &path).await;
            assert_eq!(status, status_wanted, "{refused}");
        }

        // Nothing of a party shows in the report or its timeline, even to the mediator.
        for who in [&anna, &mediator] {
            let view = srv.report_as(who, &id).await.to_string();
            assert!(!view.contains("王五") && !view.contains("李安娜"), "{view}");
        }

        // A party added by mistake is removed; an unknown one is 404.
        let wang_id = wang["id"].as_str().unwrap();
        let one = format!("{path}/{wang_id}");
        let (status, _) = srv.delete(&hx.access_token, &one).await;
        assert_eq!(status, 403);
        let (status, _) = srv.delete(&mediator.access_token, &one).await;
        assert_eq!(status, 204);
        let (status, gone) = srv.delete(&mediator.access_token, &one).await;
        assert_eq!(status, 404, "{gone}");
        assert_eq!(gone["error"]["code"], "party_not_found");
        let (_, list) = srv.get_as(&mediator.access_token, &path).await;
        assert_eq!(
            parties(&list),
            vec![("李安娜".into(), "138****0001".into())]
        );

        // A standard report has no parties.
        let garbage = srv.report_at_dukou(&anna, "garbage", "路边垃圾").await;
        let garbage_path = format!("/v1/reports/{}/parties", garbage["id"].as_str().unwrap());
        let (status, refused) = srv.get_as(&admin.access_token, &garbage_path).await;
        assert_eq!(status, 409, "{refused}");
        assert_eq!(refused["error"]["code"], "not_mediation");
        contract.check("GET", "/v1/reports/{id}/parties", 409, &refused);
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_case_carries_at_most_twenty_parties_even_when_added_at_once(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let admin = srv.login("admin").await;
        let mediator = srv
            .staff_in(&admin, "dk-mediator", "unit_staff", DUKOU_VILLAGE)
            .await;
        let anna = srv.villager(ANNA).await;
        let id = dispute(&srv, &anna).await;
        srv.act_ok(&mediator, &id, "accept", json!({})).await;
        let path = format!("/v1/reports/{id}/parties");
        let adds = (0..25).map(|n| {
            let body = json!({ "role": "other", "name": format!("村民{n}") });
            let (srv, token, path) = (&srv, mediator.access_token.clone(), path.clone());
            async move { srv.post(Some(&token), &path, body).await }
        });
        let answers = futures_util::future::join_all(adds).await;
        let created = answers.iter().filter(|(s, _)| *s == 201).count();
        let full = answers
            .iter()
            .filter(|(s, b)| *s == 409 && b["error"]["code"] == "too_many_parties")
            .count();
        assert_eq!((created, full), (20, 5), "{answers:?}");
        let (_, list) = srv.get_as(&mediator.access_token, &path).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 20);
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn webhooks_hear_a_cases_steps_but_not_what_was_said(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let admin = srv.login("admin").await;
        let mediator = srv
            .staff_in(&admin, "dk-mediator", "unit_staff", DUKOU_VILLAGE)
            .await;
        let worker = srv
            .staff_in(&admin, "dk-team", "grid_worker", DUKOU_TEAM)
            .await;
        let anna = srv.villager(ANNA).await;
        let receiver = HookReceiver::start().await;
        let body = json!({ "name": "partner", "url": receiver.url(),
                           "event_types": ["accepted", "session_scheduled", "concluded"],
                           "secret": "0123456789abcdef-secret" });
        let (_, secret) = srv.webhook(&admin, body).await;

        let id = dispute(&srv, &anna).await;
        let accept = json!({ "note": "王五与李安娜的宅基地纠纷，下周调解" });
        srv.act_ok(&mediator, &id, "accept", accept).await;
        let session = online_session(srv.now(), 30);
        srv.act_ok(&mediator, &id, "schedule_session", session)
            .await;
        srv.agree(&mediator, &id, 1).await;
        // A standard report's note still reaches the partner.
        let garbage = srv.report_at_dukou(&anna, "garbage", "路边垃圾").await;
        let gid = garbage["id"].as_str().unwrap();
        srv.act_ok(&worker, gid, "accept", json!({ "note": "马上去清理" }))
            .await;

        srv.deliver().await;
        let calls = receiver.calls(&secret).await;
        let mut heard: Vec<(String, String, String)> = calls
            .iter()
            .map(|c| {
                (
                    c.body["report"]["id"].as_str().unwrap_or("?").to_owned(),
                    c.body["type"].as_str().unwrap_or("?").to_owned(),
                    c.body["note"].to_string(),
                )
            })
            .collect();
        heard.sort();
        let mut wanted = vec![
            (id.clone(), "accepted".to_owned(), "null".to_owned()),
            (
                id.clone(),
                "session_scheduled".to_owned(),
                "null".to_owned(),
            ),
            (id.clone(), "concluded".to_owned(), "null".to_owned()),
            (
                gid.to_owned(),
                "accepted".to_owned(),
                json!("马上去清理").to_string(),
            ),
        ];
        wanted.sort();
        assert_eq!(heard, wanted);
        for call in &calls {
            let text = call.body.to_string();
            assert!(
                !text.contains("王五") && !text.contains("李安娜"),
                "a webhook carries what the parties said: {text}"
            );
        }
    }
}
