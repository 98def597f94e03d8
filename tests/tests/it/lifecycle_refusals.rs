//! Bad input and races on lifecycle actions: someone else's task, acting twice, two grid
//! workers accepting at once, transfers to a disabled or the same unit, ratings by others, of
//! unresolved reports or out of range, missing reasons, stale versions. Each refusal is a JSON
//! error and leaves the report as it was (same version, same timeline), read back to prove it.

use chrono::{Duration, Utc};
use cunxiang_tests::intake::{ANNA, BAO, DUKOU, dukou_photo};
use cunxiang_tests::lifecycle::{DUKOU_TEAM, action_op, footprint, last_of, photo_taken, steps};
use cunxiang_tests::{Backend, Contract, TestServer, covered};
use rstest::rstest;
use serde_json::json;

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn refused_actions_leave_the_report_unchanged(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA, BAO]).await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let bao = srv.villager(BAO).await;
        let w1 = srv
            .staff_in(&admin, "dk-gw-1", "grid_worker", DUKOU_TEAM)
            .await;
        let w2 = srv
            .staff_in(&admin, "dk-gw-2", "grid_worker", DUKOU_TEAM)
            .await;
        let other = srv
            .staff_in(&admin, "hx-gw", "grid_worker", "潢溪村网格工作组")
            .await;
        let report = srv.report_at_dukou(&anna, "garbage", "沟边垃圾").await;
        let id = report["id"].as_str().unwrap().to_owned();
        let team = srv.unit_id(DUKOU_TEAM).await;
        let before = footprint(&srv.report_as(&admin, &id).await);

        // Not hers to act on.
        let answer = srv.act(&other, &id, "accept", json!({})).await;
        let body = srv
            .refused(&admin, &id, before, answer, 403, "forbidden")
            .await;
        contract.check("POST", &action_op(&contract, "accept"), 403, &body);
        for who in [&bao, &anna] {
            let answer = srv.act(who, &id, "accept", json!({})).await;
            srv.refused(&admin, &id, before, answer, 403, "forbidden")
                .await;
        }
        let answer = srv.act(&w1, &id, "reopen", json!({ "reason": "x" })).await;
        srv.refused(&admin, &id, before, answer, 403, "forbidden")
            .await;
        // Rating a report that is not resolved yet.
        let answer = srv.act(&anna, &id, "rate", json!({ "rating": 5 })).await;
        let body = srv
            .refused(&admin, &id, before, answer, 409, "invalid_status")
            .await;
        contract.check("POST", &action_op(&contract, "rate"), 409, &body);

        // Transfers and returns with missing or bad fields.
        let disabled = srv.unit_id("潢溪村民委员会").await;
        let (status, unit) = srv
            .patch(
                &admin.access_token,
                &format!("/v1/units/{disabled}"),
                json!({ "active": false }),
            )
            .await;
        assert_eq!(status, 200, "{backend:?}: {unit}");
        let ghost = "01000000-0000-7000-8000-000000000000";
        let village = srv.unit_id("渡口村民委员会").await;
        for (action, body, field) in [
            ("transfer", json!({ "unit_id": village }), "reason"),
            (
                "transfer",
                json!({ "unit_id": village, "reason": "   " }),
                "reason",
            ),
            (
                "transfer",
                json!({ "unit_id": team, "reason": "换人" }),
                "unit_id",
            ),
            (
                "transfer",
                json!({ "unit_id": disabled, "reason": "换人" }),
                "unit_id",
            ),
            (
                "transfer",
                json!({ "unit_id": ghost, "reason": "换人" }),
                "unit_id",
            ),
            ("transfer", json!({ "reason": "换人" }), "unit_id"),
            ("return", json!({}), "reason"),
            ("return", json!({ "reason": "" }), "reason"),
            ("return", json!({ "reason": "长".repeat(1001) }), "reason"),
        ] {
            let answer = srv.act(&w1, &id, action, body.clone()).await;
            let err = srv
                .refused(&admin, &id, before, answer, 422, "invalid_field")
                .await;
            assert_eq!(
                err["error"]["details"]["field"], field,
                "{action} {body}: {err}"
            );
        }
        contract.check(
            "POST",
            &action_op(&contract, "transfer"),
            422,
            &srv.act(
                &w1,
                &id,
                "transfer",
                json!({ "unit_id": team, "reason": "x" }),
            )
            .await
            .1,
        );
        // Unknown fields and malformed JSON.
        let answer = srv.act(&w1, &id, "accept", json!({ "hurry": true })).await;
        assert_eq!(answer.0, 422, "{}", answer.1);
        let code = answer.1["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        srv.refused(&admin, &id, before, answer, 422, &code).await;
        let res = srv
            .client
            .post(srv.url(&format!("/v1/reports/{id}/accept")))
            .bearer_auth(&w1.access_token)
            .header("content-type", "application/json")
            .body("{\"note\": ")
            .send()
            .await
            .unwrap();
        let status = res.status();
        let body: serde_json::Value = res.json().await.unwrap_or_default();
        srv.refused(&admin, &id, before, (status, body), 400, "malformed_json")
            .await;
        // A stale version (or one from the future) is a conflict.
        for version in [before.0 - 1, before.0 + 1] {
            let answer = srv
                .act(&w1, &id, "accept", json!({ "version": version }))
                .await;
            srv.refused(&admin, &id, before, answer, 409, "version_conflict")
                .await;
        }
        // No token; an unknown report.
        let (status, _) = srv
            .post(None, &format!("/v1/reports/{id}/accept"), json!({}))
            .await;
        assert_eq!(status, 401);
        let (status, body) = srv.act(&w1, ghost, "accept", json!({})).await;
        assert_eq!(
            (status.as_u16(), &body["error"]["code"]),
            (404, &json!("not_found"))
        );

        // Two grid workers of the unit accept at once: one wins, the other is told.
        let (first, second) = tokio::join!(
            srv.act(&w1, &id, "accept", json!({ "version": before.0 })),
            srv.act(&w2, &id, "accept", json!({ "version": before.0 })),
        );
        let mut statuses = [first.0.as_u16(), second.0.as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "{backend:?}: {first:?} {second:?}");
        let (winner, loser) = if first.0 == 200 {
            (&w1, second.1)
        } else {
            (&w2, first.1)
        };
        let code = loser["error"]["code"].as_str().unwrap();
        assert!(
            ["version_conflict", "invalid_status"].contains(&code),
            "{loser}"
        );
        let seen = srv.report_as(&admin, &id).await;
        assert_eq!(seen["status"], "accepted");
        let accepts: Vec<_> = steps(&seen)
            .into_iter()
            .filter(|(kind, _)| kind == "accepted")
            .collect();
        assert_eq!(
            accepts,
            [("accepted".to_owned(), Some(winner.id().to_owned()))]
        );
        let before = footprint(&seen);
        assert_eq!(before.1, 3, "submitted, assigned, accepted: {seen}");

        // Accepting twice.
        for who in [&w1, &w2] {
            let answer = srv.act(who, &id, "accept", json!({})).await;
            srv.refused(&admin, &id, before, answer, 409, "invalid_status")
                .await;
        }
        // Resolving without evidence, with someone else's photo, without a note, not hers.
        let anna_photo = srv.evidence(&anna, dukou_photo(31)).await;
        let good = srv
            .evidence(
                &w1,
                photo_taken(Utc::now() + Duration::seconds(5), DUKOU, 32),
            )
            .await;
        let answer = srv
            .act(
                &w1,
                &id,
                "resolve",
                json!({ "note": "好了", "media_ids": [] }),
            )
            .await;
        let body = srv
            .refused(&admin, &id, before, answer, 422, "evidence_required")
            .await;
        contract.check("POST", &action_op(&contract, "resolve"), 422, &body);
        let answer = srv
            .act(&w1, &id, "resolve", json!({ "note": "好了" }))
            .await;
        srv.refused(&admin, &id, before, answer, 422, "evidence_required")
            .await;
        for (body, field) in [
            (
                json!({ "note": "好了", "media_ids": [anna_photo] }),
                "media_ids",
            ),
            (json!({ "media_ids": [good] }), "note"),
        ] {
            let answer = srv.act(&w1, &id, "resolve", body.clone()).await;
            let err = srv
                .refused(&admin, &id, before, answer, 422, "invalid_field")
                .await;
            assert_eq!(err["error"]["details"]["field"], field, "{body}: {err}");
        }
        let answer = srv
            .act(
                &other,
                &id,
                "resolve",
                json!({ "note": "好了", "media_ids": [good] }),
            )
            .await;
        srv.refused(&admin, &id, before, answer, 403, "forbidden")
            .await;

        // Resolved; now ratings by others, out of range, and a reopen without a reason.
        let resolved = srv
            .act_ok(
                &w1,
                &id,
                "resolve",
                json!({ "note": "好了", "media_ids": [good] }),
            )
            .await;
        assert_eq!(
            last_of(&resolved, "resolved")["details"]["evidence_suspect"],
            false
        );
        let before = footprint(&srv.report_as(&admin, &id).await);
        for who in [&bao, &w1] {
            let answer = srv.act(who, &id, "rate", json!({ "rating": 5 })).await;
            srv.refused(&admin, &id, before, answer, 403, "forbidden")
                .await;
            let answer = srv.act(who, &id, "confirm", json!({})).await;
            srv.refused(&admin, &id, before, answer, 403, "forbidden")
                .await;
        }
        for (body, field) in [
            (json!({ "rating": 0 }), "rating"),
            (json!({ "rating": 6 }), "rating"),
            (json!({}), "rating"),
            (json!({ "rating": 5, "text": "好".repeat(501) }), "text"),
            (json!({ "reason": "" }), "reason"),
        ] {
            let action = if body.get("reason").is_some() {
                "reopen"
            } else {
                "rate"
            };
            let answer = srv.act(&anna, &id, action, body.clone()).await;
            let err = srv
                .refused(&admin, &id, before, answer, 422, "invalid_field")
                .await;
            assert_eq!(err["error"]["details"]["field"], field, "{body}: {err}");
        }
        let answer = srv.act(&anna, &id, "reopen", json!({})).await;
        srv.refused(&admin, &id, before, answer, 422, "invalid_field")
            .await;
        let stale = json!({ "rating": 4, "version": before.0 - 1 });
        let answer = srv.act(&anna, &id, "rate", stale).await;
        srv.refused(&admin, &id, before, answer, 409, "version_conflict")
            .await;

        // Rated once; the second rating and a late reopen are refused.
        let rated = srv.act_ok(&anna, &id, "rate", json!({ "rating": 4 })).await;
        assert_eq!(
            (rated["status"].as_str(), rated["rating"].as_i64()),
            (Some("closed"), Some(4))
        );
        let before = footprint(&srv.report_as(&admin, &id).await);
        let answer = srv.act(&anna, &id, "rate", json!({ "rating": 5 })).await;
        srv.refused(&admin, &id, before, answer, 409, "already_rated")
            .await;
        let answer = srv.act(&anna, &id, "confirm", json!({})).await;
        srv.refused(&admin, &id, before, answer, 409, "invalid_status")
            .await;
        srv.advance(Duration::days(8));
        let answer = srv
            .act(&anna, &id, "reopen", json!({ "reason": "又脏了" }))
            .await;
        srv.refused(&admin, &id, before, answer, 409, "reopen_window_passed")
            .await;
    }
}
