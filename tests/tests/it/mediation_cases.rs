//! A mediation case from filing to its kept agreement: a dispute filed by a villager,
//! accepted by 渡口村's 调委会 (the village committee), a session scheduled online and
//! recorded, an agreement with the signed photo, the follow-up on an injected clock finding it
//! broken, a second agreement kept and closed — and the villager's stream carrying exactly
//! what she may see. Refusals leave nothing behind.

use chrono::Duration;
use cunxiang_tests::intake::{ANNA, BAO};
use cunxiang_tests::lifecycle::{DUKOU_TEAM, DUKOU_VILLAGE, footprint, kinds, last_of};
use cunxiang_tests::mediation::{online_session, scheduled_session, session_record};
use cunxiang_tests::{Backend, Contract, TestServer, covered};
use rstest::rstest;
use serde_json::json;

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_dispute_is_mediated_to_a_kept_agreement(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA, BAO]).await;
        let admin = srv.login("admin").await;
        let mediator = srv
            .staff_in(&admin, "dk-mediator", "unit_staff", DUKOU_VILLAGE)
            .await;
        let team = srv
            .staff_in(&admin, "dk-team-worker", "grid_worker", DUKOU_TEAM)
            .await;
        let anna = srv.villager(ANNA).await;
        let mut hers = srv.events(&anna, None).await;
        let id = srv.dispute(&anna, "邻居王五占用我家宅基地").await;

        // Not a mediator: the grid team may not schedule; before acceptance nobody may.
        let session = online_session(srv.now(), 30);
        let before = footprint(&srv.report_as(&mediator, &id).await);
        let answer = srv
            .act(&team, &id, "schedule_session", session.clone())
            .await;
        srv.refused(&mediator, &id, before, answer, 403, "forbidden")
            .await;
        let answer = srv
            .act(&mediator, &id, "schedule_session", session.clone())
            .await;
        srv.refused(&mediator, &id, before, answer, 409, "invalid_status")
            .await;
        srv.act_ok(&mediator, &id, "accept", json!({})).await;
        let parties = format!("/v1/reports/{id}/parties");
        let wang = json!({ "role": "respondent", "name": "王五", "relation": "邻居" });
        let (status, _) = srv.post(Some(&mediator.access_token), &parties, wang).await;
        assert_eq!(status, 201);

        // A mediation case is concluded, not resolved.
        let before = footprint(&srv.report_as(&mediator, &id).await);
        let answer = srv
            .act(&mediator, &id, "resolve", json!({ "note": "调解好了" }))
            .await;
        srv.refused(&mediator, &id, before, answer, 409, "mediated_case")
            .await;

        // An online session, scheduled and recorded once; recording an unknown one fails.
        let report = srv
            .act_ok(&mediator, &id, "schedule_session", session)
            .await;
        contract.check("POST", "/v1/reports/{id}/schedule_session", 200, &report);
        let scheduled = last_of(&report, "session_scheduled");
        assert_eq!(scheduled["details"]["online"], true, "{scheduled}");
        let session_id = scheduled_session(&report);
        let before = footprint(&report);
        let unknown = session_record(&uuid::Uuid::now_v7().to_string());
        let answer = srv.act(&mediator, &id, "record_session", unknown).await;
        let body = srv
            .refused(&mediator, &id, before, answer, 422, "invalid_field")
            .await;
        assert_eq!(body["error"]["details"]["field"], "session_id");
        let record = session_record(&session_id);
        let report = srv
            .act_ok(&mediator, &id, "record_session", record.clone())
            .await;
        assert_eq!(last_of(&report, "session_recorded")["internal"], true);
        let answer = srv.act(&mediator, &id, "record_session", record).await;
        srv.refused(
            &mediator,
            &id,
            footprint(&report),
            answer,
            409,
            "session_recorded",
        )
        .await;

        // An agreement needs the signed photo; with it the case is resolved.
        let bare = json!({ "outcome": "agreement", "note": "王五退回宅基地" });
        let answer = srv.act(&mediator, &id, "conclude", bare).await;
        let body = srv
            .refused(
                &mediator,
                &id,
                footprint(&report),
                answer,
                422,
                "invalid_field",
            )
            .await;
        assert_eq!(body["error"]["details"]["field"], "media_ids");
        let report = srv.agree(&mediator, &id, 1).await;
        contract.check("POST", "/v1/reports/{id}/conclude", 200, &report);
        assert_eq!(report["status"], "resolved", "{report}");
        let concluded = last_of(&report, "concluded");
        assert_eq!(concluded["details"]["outcome"], "agreement");
        assert_eq!(concluded["details"]["level"], "village");
        assert_eq!(concluded["media"].as_array().map(Vec::len), Some(1));

        // The villager rates it: it stays resolved until the follow-up.
        let rated = srv.act_ok(&anna, &id, "rate", json!({ "rating": 4 })).await;
        assert_eq!(rated["status"], "resolved", "{rated}");
        let seen = kinds(&srv.report_as(&anna, &id).await);
        assert!(seen.contains(&"session_scheduled".to_owned()), "{seen:?}");
        assert!(!seen.contains(&"session_recorded".to_owned()), "{seen:?}");

        // Fifteen days on, the worker reminds the mediators once.
        srv.advance(Duration::days(14));
        assert_eq!(srv.tick().await.follow_ups_due, 0, "not due yet");
        srv.advance(Duration::days(1) + Duration::minutes(1));
        assert_eq!(srv.tick().await.follow_ups_due, 1);
        assert_eq!(srv.tick().await.follow_ups_due, 0, "reminded once");
        let staff_view = srv.report_as(&mediator, &id).await;
        assert_eq!(last_of(&staff_view, "follow_up_due")["internal"], true);

        // Broken: reopened with the same mediators, the rating cleared.
        let broken = json!({ "kept": false, "note": "王五未退回" });
        let report = srv.act_ok(&mediator, &id, "follow_up", broken).await;
        contract.check("POST", "/v1/reports/{id}/follow_up", 200, &report);
        assert_eq!(report["status"], "accepted", "{report}");
        assert_eq!(report["unit"]["name"], DUKOU_VILLAGE);
        assert!(report["rating"].is_null(), "{report}");

        // A second session and agreement; kept at the follow-up: closed.
        let session = online_session(srv.now(), 10);
        let report = srv
            .act_ok(&mediator, &id, "schedule_session", session)
            .await;
        let record = session_record(&scheduled_session(&report));
        srv.act_ok(&mediator, &id, "record_session", record).await;
        srv.agree(&mediator, &id, 2).await;
        let kept = json!({ "kept": true, "note": "已退回，双方和好" });
        let report = srv.act_ok(&mediator, &id, "follow_up", kept.clone()).await;
        assert_eq!(report["status"], "closed", "{report}");
        let answer = srv.act(&mediator, &id, "follow_up", kept).await;
        srv.refused(
            &mediator,
            &id,
            footprint(&report),
            answer,
            409,
            "no_follow_up_due",
        )
        .await;

        // Her stream: every step she may see, nothing staff-only.
        let mut streamed = Vec::new();
        while let Some(event) = hers
            .try_next_event(std::time::Duration::from_millis(500))
            .await
        {
            streamed.push(event.kind().to_owned());
        }
        let want = [
            "submitted",
            "assigned",
            "accepted",
            "session_scheduled",
            "concluded",
            "rated",
            "followed_up",
            "session_scheduled",
            "concluded",
            "followed_up",
        ];
        assert_eq!(streamed, want, "{backend:?}");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn mediation_steps_are_refused_on_other_reports_and_to_other_people(
    #[case] backend: Backend,
) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA, BAO]).await;
        let admin = srv.login("admin").await;
        let mediator = srv
            .staff_in(&admin, "dk-mediator-2", "unit_staff", DUKOU_VILLAGE)
            .await;
        let worker = srv
            .staff_in(&admin, "dk-worker-2", "grid_worker", DUKOU_TEAM)
            .await;
        let anna = srv.villager(ANNA).await;

        // Rubbish is not mediated.
        let garbage = srv.report_at_dukou(&anna, "garbage", "垃圾").await;
        let gid = garbage["id"].as_str().unwrap().to_owned();
        let accepted = srv.act_ok(&worker, &gid, "accept", json!({})).await;
        let answer = srv
            .act(
                &worker,
                &gid,
                "schedule_session",
                online_session(srv.now(), 30),
            )
            .await;
        srv.refused(
            &worker,
            &gid,
            footprint(&accepted),
            answer,
            409,
            "not_mediation",
        )
        .await;

        // The reporter may not conclude her own case; a session far ahead cannot be recorded;
        // a referral needs its target; a session needs its place or link.
        let id = srv.dispute(&anna, "工钱被拖欠").await;
        srv.act_ok(&mediator, &id, "accept", json!({})).await;
        let report = srv.report_as(&mediator, &id).await;
        let withdraw = json!({ "outcome": "withdrawn" });
        let answer = srv.act(&anna, &id, "conclude", withdraw).await;
        srv.refused(&mediator, &id, footprint(&report), answer, 403, "forbidden")
            .await;
        let nowhere = json!({ "at": (srv.now() + Duration::days(1)).to_rfc3339() });
        let answer = srv.act(&mediator, &id, "schedule_session", nowhere).await;
        srv.refused(
            &mediator,
            &id,
            footprint(&report),
            answer,
            422,
            "invalid_field",
        )
        .await;
        let later = online_session(srv.now(), 3 * 24 * 60);
        let report = srv.act_ok(&mediator, &id, "schedule_session", later).await;
        let record = session_record(&scheduled_session(&report));
        let answer = srv.act(&mediator, &id, "record_session", record).await;
        srv.refused(
            &mediator,
            &id,
            footprint(&report),
            answer,
            409,
            "session_not_held",
        )
        .await;
        let vague = json!({ "outcome": "no_agreement", "referral": "litigation" });
        let answer = srv.act(&mediator, &id, "conclude", vague).await;
        let body = srv
            .refused(
                &mediator,
                &id,
                footprint(&report),
                answer,
                422,
                "invalid_field",
            )
            .await;
        assert_eq!(body["error"]["details"]["field"], "referral");

        // Referred: resolved, and the reporter's confirmation closes it as usual.
        let refer = json!({ "outcome": "no_agreement", "referral": "arbitration",
                            "referred_to": "县劳动人事争议仲裁委员会" });
        let report = srv.act_ok(&mediator, &id, "conclude", refer).await;
        assert_eq!(report["status"], "resolved");
        assert_eq!(
            last_of(&report, "concluded")["details"]["follow_up_due_at"],
            serde_json::Value::Null
        );
        let answer = srv
            .act(
                &mediator,
                &id,
                "follow_up",
                json!({ "kept": true, "note": "?" }),
            )
            .await;
        srv.refused(
            &mediator,
            &id,
            footprint(&report),
            answer,
            409,
            "no_follow_up_due",
        )
        .await;
        let closed = srv.act_ok(&anna, &id, "confirm", json!({})).await;
        assert_eq!(closed["status"], "closed");
    }
}
