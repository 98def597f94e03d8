//! The report lifecycle end to end on an injected clock: a report nobody accepts is urged
//! (yellow) and escalated (red) to the village, handled with an evidence photo, reopened,
//! handled again and rated; evidence checks flag doubtful photos; silence auto-confirms.

use chrono::Duration;
use cunxiang_tests::intake::{ANNA, BAO, DUKOU, dukou_photo};
use cunxiang_tests::lifecycle::{
    DUKOU_TEAM, DUKOU_VILLAGE, action_op, at, kinds, last_event, last_of, minutes_after,
    north_of_dukou, photo_taken, steps,
};
use cunxiang_tests::{Backend, Contract, TestServer, covered};
use rstest::rstest;
use serde_json::{Value, json};

/// Whether `minutes` is `wanted` give or take a few seconds.
fn about(minutes: f64, wanted: f64) -> bool {
    (minutes - wanted).abs() < 0.1
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn an_unaccepted_report_is_urged_escalated_handled_reopened_and_rated(
    #[case] backend: Backend,
) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let team_worker = srv
            .staff_in(&admin, "dk-gw", "grid_worker", DUKOU_TEAM)
            .await;
        let cadre = srv
            .staff_in(&admin, "dk-cadre", "unit_staff", DUKOU_VILLAGE)
            .await;
        let team = srv.unit_id(DUKOU_TEAM).await;
        let village = srv.unit_id(DUKOU_VILLAGE).await;

        let report = srv
            .report_at_dukou(&anna, "garbage", "渡口码头的垃圾三天没人收")
            .await;
        let id = report["id"].as_str().unwrap().to_owned();
        let created = at(&report["created_at"]);
        assert_eq!(report["light"], "green", "{backend:?}: {report}");
        assert_eq!(report["due_at"], report["accept_by"]);
        assert!(about(minutes_after(created, &report["accept_by"]), 30.0));

        // 25 minutes and nobody has accepted it: past 80 % of the accept limit, yellow.
        srv.advance(Duration::minutes(25));
        let summary = srv.tick().await;
        assert_eq!((summary.urged, summary.escalated), (1, 0), "{backend:?}");
        let seen = srv.report_as(&admin, &id).await;
        assert_eq!(seen["light"], "yellow", "{seen}");
        assert_eq!(seen["unit"]["id"], team.as_str(), "an urge moves nothing");
        let urged = last_event(&seen);
        assert_eq!(urged["kind"], "urged");
        assert!(urged["actor_id"].is_null(), "the system urged: {urged}");
        assert_eq!(urged["details"]["automatic"], true);
        assert_eq!(urged["details"]["deadline"], "accept");
        assert_eq!(urged["details"]["light"], "yellow");
        assert_eq!(srv.tick().await.urged, 0, "one urge per limit");

        // Past 30 minutes: red, one level up the ladder to 渡口村's committee, new clock.
        srv.advance(Duration::minutes(6));
        let summary = srv.tick().await;
        assert_eq!((summary.urged, summary.escalated), (0, 1), "{backend:?}");
        let seen = srv.report_as(&admin, &id).await;
        contract.check("GET", "/v1/reports/{id}", 200, &seen);
        assert_eq!(seen["status"], "assigned");
        assert_eq!(seen["unit"]["id"], village.as_str(), "{seen}");
        assert_eq!(seen["unit"]["level"], "village");
        assert_eq!(seen["escalation_count"], 1);
        assert_eq!(
            seen["light"], "green",
            "the village's clock has just started"
        );
        assert!(
            about(minutes_after(created, &seen["accept_by"]), 61.0),
            "{seen}"
        );
        let escalated = last_event(&seen);
        assert_eq!(escalated["kind"], "escalated");
        assert!(escalated["actor_id"].is_null());
        assert_eq!(escalated["details"]["from_unit"], team.as_str());
        assert_eq!(escalated["details"]["to_unit"], village.as_str());
        assert_eq!(escalated["details"]["to_level"], "village");
        assert_eq!(escalated["details"]["automatic"], true);
        assert_eq!(escalated["details"]["deadline"], "accept");

        // The grid team no longer holds it.
        let (status, answer) = srv.act(&team_worker, &id, "accept", json!({})).await;
        assert_eq!(status, 403, "{answer}");

        // The committee's cadre accepts: the resolve clock runs.
        let body = json!({ "version": seen["version"], "note": "马上去" });
        let (status, accepted) = srv.act(&cadre, &id, "accept", body).await;
        assert_eq!(status, 200, "{accepted}");
        contract.check("POST", &action_op(&contract, "accept"), 200, &accepted);
        assert_eq!(accepted["status"], "accepted");
        assert!(accepted["accepted_at"].is_string());
        assert_eq!(accepted["due_at"], accepted["resolve_by"]);
        assert!(about(
            minutes_after(created, &accepted["resolve_by"]),
            271.0
        ));

        // … and resolves with a photo taken there after the report: not suspect.
        let good = srv
            .evidence(
                &cadre,
                photo_taken(created + Duration::minutes(28), DUKOU, 11),
            )
            .await;
        let body = json!({ "note": "已清运", "media_ids": [good] });
        let (status, resolved) = srv.act(&cadre, &id, "resolve", body).await;
        assert_eq!(status, 200, "{resolved}");
        contract.check("POST", &action_op(&contract, "resolve"), 200, &resolved);
        assert_eq!(resolved["status"], "resolved");
        assert!(resolved["resolved_at"].is_string());
        assert_eq!(resolved["due_at"], resolved["confirm_by"]);
        assert!(about(
            minutes_after(created, &resolved["confirm_by"]),
            31.0 + 3.0 * 24.0 * 60.0
        ));
        let event = last_event(&resolved);
        assert_eq!(event["kind"], "resolved");
        assert_eq!(event["note"], "已清运");
        assert_eq!(event["details"]["evidence_suspect"], false, "{event}");
        assert_eq!(event["details"]["media_ids"], json!([good]));
        let evidence = &event["details"]["evidence"][0];
        assert_eq!(evidence["media_id"], good.as_str());
        assert_eq!(evidence["flags"], json!([]));
        assert!(
            evidence["distance_m"].as_f64().unwrap() < 50.0,
            "{evidence}"
        );
        assert_eq!(event["media"][0]["id"], good.as_str());

        // Anna is not satisfied: back to the same unit with a fresh accept limit.
        let body = json!({ "reason": "只清了一半，桥下还有" });
        let (status, reopened) = srv.act(&anna, &id, "reopen", body).await;
        assert_eq!(status, 200, "{reopened}");
        contract.check("POST", &action_op(&contract, "reopen"), 200, &reopened);
        assert_eq!(reopened["status"], "assigned");
        assert_eq!(reopened["unit"]["id"], village.as_str());
        assert_eq!(reopened["reopen_count"], 1);
        assert!(about(minutes_after(created, &reopened["accept_by"]), 61.0));
        let event = last_event(&reopened);
        assert_eq!(event["kind"], "reopened");
        assert_eq!(event["note"], "只清了一半，桥下还有");
        assert_eq!(event["details"]["reopen_count"], 1);
        assert_eq!(event["details"]["to_supervisor_queue"], false);

        // Handled again; Anna rates it 5 and the loop closes.
        srv.act_ok(&cadre, &id, "accept", json!({})).await;
        let second = srv
            .evidence(
                &cadre,
                photo_taken(created + Duration::minutes(30), DUKOU, 12),
            )
            .await;
        let body = json!({ "note": "桥下也清了", "media_ids": [second] });
        let resolved = srv.act_ok(&cadre, &id, "resolve", body).await;
        assert_eq!(last_event(&resolved)["details"]["evidence_suspect"], false);
        let body = json!({ "rating": 5, "text": "很及时，谢谢" });
        let (status, rated) = srv.act(&anna, &id, "rate", body).await;
        assert_eq!(status, 200, "{rated}");
        contract.check("POST", &action_op(&contract, "rate"), 200, &rated);
        assert_eq!(rated["status"], "closed");
        assert_eq!(rated["rating"], 5);
        assert_eq!(rated["rating_text"], "很及时，谢谢");
        assert!(rated["closed_at"].is_string());
        assert!(
            rated["due_at"].is_null() && rated["light"].is_null(),
            "{rated}"
        );
        assert_eq!(last_event(&rated)["details"]["rating"], 5);

        // The timeline shows every step and who took it (None: the deadline worker).
        let seen = srv.report_as(&admin, &id).await;
        contract.check("GET", "/v1/reports/{id}", 200, &seen);
        let (a, c) = (Some(anna.id().to_owned()), Some(cadre.id().to_owned()));
        let want: Vec<(String, Option<String>)> = [
            ("submitted", a.clone()),
            ("assigned", None),
            ("urged", None),
            ("escalated", None),
            ("accepted", c.clone()),
            ("resolved", c.clone()),
            ("reopened", a.clone()),
            ("accepted", c.clone()),
            ("resolved", c),
            ("rated", a),
        ]
        .into_iter()
        .map(|(k, who)| (k.to_owned(), who))
        .collect();
        assert_eq!(steps(&seen), want, "{backend:?}");
        assert_eq!(seen["rating"], 5);
        assert_eq!(seen["reopen_count"], 1);
        // The reporter reads the same public steps.
        let hers = srv.report_as(&anna, &id).await;
        assert_eq!(kinds(&hers), kinds(&seen));
    }
}

/// The `evidence` entry of the resolved event for `media_id`.
fn evidence_for<'a>(event: &'a Value, media_id: &str) -> &'a Value {
    event["details"]["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["media_id"] == media_id)
        .unwrap_or_else(|| panic!("no evidence for {media_id}: {event}"))
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn doubtful_evidence_is_accepted_but_flagged_and_silence_auto_confirms(
    #[case] backend: Backend,
) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA, BAO]).await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let worker = srv
            .staff_in(&admin, "dk-gw", "grid_worker", DUKOU_TEAM)
            .await;
        let report = srv.report_at_dukou(&anna, "garbage", "垃圾桶满了").await;
        let id = report["id"].as_str().unwrap().to_owned();
        let created = at(&report["created_at"]);

        // One photo from this morning (before the report), one taken 2 km away.
        srv.act_ok(&worker, &id, "accept", json!({})).await;
        let old = srv.evidence(&worker, dukou_photo(21)).await;
        let far = srv
            .evidence(
                &worker,
                photo_taken(created + Duration::minutes(1), north_of_dukou(2.0), 22),
            )
            .await;
        srv.advance(Duration::minutes(5));
        let body = json!({ "note": "已处理", "media_ids": [old, far] });
        let resolved = srv.act_ok(&worker, &id, "resolve", body).await;
        assert_eq!(resolved["status"], "resolved", "{backend:?}");
        let event = last_of(&resolved, "resolved");
        assert_eq!(event["details"]["evidence_suspect"], true, "{event}");
        let early = evidence_for(event, &old);
        assert_eq!(early["flags"], json!(["taken_before_report"]), "{early}");
        assert!(at(&early["captured_at"]) < created);
        let distant = evidence_for(event, &far);
        assert_eq!(distant["flags"], json!(["far_from_report"]), "{distant}");
        let metres = distant["distance_m"].as_f64().unwrap();
        assert!((1_800.0..2_200.0).contains(&metres), "{distant}");
        assert_eq!(event["media"].as_array().unwrap().len(), 2, "{event}");
        // Supervisors see the flag on the event too.
        let hx = srv.login("hx-supervisor").await;
        let seen = srv.report_as(&hx, &id).await;
        assert_eq!(
            last_of(&seen, "resolved")["details"]["evidence_suspect"],
            true
        );

        // Anna says nothing. Two days on, the report is still waiting for her …
        srv.advance(Duration::days(2));
        assert_eq!(srv.tick().await.auto_confirmed, 0);
        assert_eq!(srv.report_as(&admin, &id).await["status"], "resolved");
        // … after three it closes on its own, without a rating.
        srv.advance(Duration::days(1) + Duration::minutes(1));
        let summary = srv.tick().await;
        assert_eq!(summary.auto_confirmed, 1, "{backend:?}");
        let seen = srv.report_as(&admin, &id).await;
        assert_eq!(seen["status"], "closed");
        assert!(seen["rating"].is_null(), "{seen}");
        assert!(seen["closed_at"].is_string());
        let event = last_event(&seen);
        assert_eq!(event["kind"], "auto_confirmed");
        assert!(event["actor_id"].is_null());
        assert_eq!(srv.tick().await.auto_confirmed, 0, "closed once");

        // Within the reopen window she may still rate it, once.
        let rated = srv.act_ok(&anna, &id, "rate", json!({ "rating": 3 })).await;
        assert_eq!(rated["status"], "closed");
        assert_eq!(rated["rating"], 3);
        assert_eq!(last_event(&rated)["kind"], "rated");
        let (status, again) = srv.act(&anna, &id, "rate", json!({ "rating": 4 })).await;
        assert_eq!(status, 409, "{again}");
        assert_eq!(again["error"]["code"], "already_rated");
        let bao = srv.villager(BAO).await;
        let (status, _) = srv.act(&bao, &id, "rate", json!({ "rating": 1 })).await;
        assert_eq!(status, 403, "not her report");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn the_third_reopen_goes_to_the_supervisors_queue(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let worker = srv
            .staff_in(&admin, "dk-gw", "grid_worker", DUKOU_TEAM)
            .await;
        let hx = srv.login("hx-supervisor").await;
        // "other" needs no evidence photo.
        let report = srv.report_at_dukou(&anna, "other", "井盖松动").await;
        let id = report["id"].as_str().unwrap().to_owned();
        let team = srv.unit_id(DUKOU_TEAM).await;
        for round in 1..=3 {
            srv.act_ok(&worker, &id, "accept", json!({})).await;
            srv.act_ok(
                &worker,
                &id,
                "resolve",
                json!({ "note": format!("第{round}次处理") }),
            )
            .await;
            let body = json!({ "reason": format!("第{round}次：还是松的") });
            let reopened = srv.act_ok(&anna, &id, "reopen", body).await;
            assert_eq!(reopened["reopen_count"], round, "{backend:?}: {reopened}");
            let event = last_event(&reopened);
            assert_eq!(event["kind"], "reopened");
            assert_eq!(event["details"]["reopen_count"], round);
            if round < 3 {
                assert_eq!(reopened["status"], "assigned");
                assert_eq!(reopened["unit"]["id"], team.as_str(), "the same unit again");
                assert_eq!(event["details"]["to_supervisor_queue"], false);
            } else {
                assert_eq!(reopened["status"], "returned", "{reopened}");
                assert!(reopened["unit"].is_null());
                assert_eq!(event["details"]["to_supervisor_queue"], true);
            }
        }
        let (status, queue) = srv
            .get_as(&hx.access_token, "/v1/tasks?queue=dispatch")
            .await;
        assert_eq!(status, 200, "{queue}");
        assert_eq!(queue["items"][0]["id"], id.as_str(), "{queue}");
        // The grid team no longer holds it.
        let (_, tasks) = srv.get_as(&worker.access_token, "/v1/tasks").await;
        assert_eq!(tasks["items"].as_array().map(Vec::len), Some(0), "{tasks}");
    }
}
