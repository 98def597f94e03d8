//! Timeline events as the contract describes them: the `details` of every kind the server
//! writes match its `EventDetails…` schema in `openapi.yaml` (as staff and as the reporter see
//! them), and a report's events are ordered by `id` — `at` cannot order them, since events
//! written together share it.

use std::collections::BTreeSet;

use chrono::Duration;
use cunxiang_tests::intake::{ANNA, BAO, DUKOU};
use cunxiang_tests::lifecycle::{DUKOU_TEAM, DUKOU_VILLAGE, at, photo_taken};
use cunxiang_tests::mediation::{online_session, scheduled_session, session_record};
use cunxiang_tests::{Backend, Contract, Session, TestServer, covered};
use rstest::rstest;
use serde_json::{Value, json};

/// Kinds `cunxiang_core::push::EVENT_KINDS` lists (webhooks may filter on them) that no code
/// writes: they are error codes of `supervise_reply` and `resolve`, not events.
const EVENTS: &str = "/v1/reports/{id}/events";

fn id_of(report: &Value) -> String {
    report["id"].as_str().expect("report id").to_owned()
}

/// `who`'s view of a report's whole timeline, checked against the contract.
async fn timeline(srv: &TestServer, contract: &Contract, who: &Session, id: &str) -> Vec<Value> {
    let path = format!("/v1/reports/{id}/events?limit=1000");
    let (status, page) = srv.get_as(&who.access_token, &path).await;
    assert_eq!(status, 200, "{page}");
    contract.check("GET", EVENTS, 200, &page);
    page["items"].as_array().expect("items").clone()
}

/// A report at `place` (WGS-84 `(lat, lon)`) by `villager`.
async fn report_at(
    srv: &TestServer,
    villager: &Session,
    category: &str,
    place: (f64, f64),
) -> Value {
    let body = json!({ "category": category, "description": "测试",
                       "location": { "lat": place.0, "lon": place.1, "coord_system": "wgs84" } });
    let key = uuid::Uuid::now_v7().to_string();
    let (status, report) = srv.report(&villager.access_token, Some(&key), &body).await;
    assert_eq!(status, 201, "{report}");
    report
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn every_kind_of_event_carries_the_details_the_contract_describes_in_id_order(
    #[case] backend: Backend,
) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA, BAO]).await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let bao = srv.villager(BAO).await;
        let worker = srv
            .staff_in(&admin, "dk-ev", "grid_worker", DUKOU_TEAM)
            .await;
        let cadre = srv
            .staff_in(&admin, "dk-ev-cadre", "unit_staff", DUKOU_VILLAGE)
            .await;
        let hx = srv.login("hx-supervisor").await;
        let team = srv.unit_id(DUKOU_TEAM).await;
        let village = srv.unit_id(DUKOU_VILLAGE).await;
        let reply_by = |minutes| (chrono::Utc::now() + Duration::minutes(minutes)).to_rfc3339();
        let mut reports = Vec::new();

        // Resolved with evidence, reopened, resolved again and rated; an internal comment.
        let a = srv.report_at_dukou(&anna, "garbage", "码头垃圾").await;
        let id = id_of(&a);
        let created = at(&a["created_at"]);
        let note = json!({ "note": "先别告诉她", "internal": true });
        srv.act_ok(&worker, &id, "comment", note).await;
        for (n, reopen) in [(1, true), (2, false)] {
            srv.act_ok(&worker, &id, "accept", json!({})).await;
            let photo = photo_taken(created + Duration::minutes(1), DUKOU, 40 + n);
            let media = srv.evidence(&worker, photo).await;
            let body = json!({ "note": "已清理", "media_ids": [media] });
            srv.act_ok(&worker, &id, "resolve", body).await;
            if reopen {
                let body = json!({ "reason": "没清干净" });
                srv.act_ok(&anna, &id, "reopen", body).await;
            }
        }
        let body = json!({ "rating": 5, "text": "谢谢" });
        srv.act_ok(&anna, &id, "rate", body).await;
        reports.push((id.clone(), &anna));
        let case = a["case_number"].as_str().unwrap().to_owned();

        // Transferred, returned to the queue, transferred from it, rejected as a duplicate.
        let b = srv.report_at_dukou(&bao, "garbage", "码头有垃圾").await;
        let id = id_of(&b);
        let body = json!({ "unit_id": village, "reason": "村委处理" });
        srv.act_ok(&worker, &id, "transfer", body).await;
        srv.act_ok(&cadre, &id, "return", json!({ "reason": "不归我们" }))
            .await;
        let body = json!({ "unit_id": team, "reason": "确属网格" });
        srv.act_ok(&hx, &id, "transfer", body).await;
        let body = json!({ "reason": "重复上报", "duplicate_of": case });
        srv.act_ok(&hx, &id, "reject", body).await;
        reports.push((id, &bao));

        // Escalated up to the county, where its accept limit passes: overdue.
        let c = srv.report_at_dukou(&anna, "other", "没人管").await;
        let id = id_of(&c);
        for who in [&worker, &admin, &hx] {
            srv.act_ok(who, &id, "escalate", json!({ "reason": "超出本级能力" }))
                .await;
        }
        reports.push((id, &anna));

        // Outside every grid: the county's dispatch queue.
        let d = report_at(&srv, &anna, "garbage", (28.1, 117.1)).await;
        reports.push((id_of(&d), &anna));

        // Confirmed by the reporter; another left to be confirmed by the worker.
        let mut resolved = Vec::new();
        for text in ["井盖松动", "路灯不亮"] {
            let r = srv.report_at_dukou(&anna, "other", text).await;
            let id = id_of(&r);
            srv.act_ok(&worker, &id, "accept", json!({})).await;
            srv.act_ok(&worker, &id, "resolve", json!({ "note": "修好了" }))
                .await;
            resolved.push(id.clone());
            reports.push((id, &anna));
        }
        srv.act_ok(&anna, &resolved[0], "confirm", json!({})).await;

        // Urged, supervised and answered, supervised again and left unanswered.
        let g = srv.report_at_dukou(&anna, "other", "村口建筑垃圾").await;
        let id = id_of(&g);
        srv.act_ok(&worker, &id, "accept", json!({})).await;
        srv.act_ok(&hx, &id, "urge", json!({ "note": "快点" }))
            .await;
        let order = json!({ "note": "为何还没清？", "reply_by": reply_by(60) });
        srv.act_ok(&hx, &id, "supervise", order.clone()).await;
        srv.act_ok(&worker, &id, "supervise_reply", json!({ "note": "收到" }))
            .await;
        srv.act_ok(&hx, &id, "supervise", order).await;
        reports.push((id, &anna));

        // A mediation case: a session scheduled and recorded, an agreement whose follow-up
        // comes due (below) and is recorded.
        let mediator = srv
            .staff_in(&admin, "dk-ev-mediator", "unit_staff", DUKOU_VILLAGE)
            .await;
        let case = srv.dispute(&anna, "邻里纠纷").await;
        srv.act_ok(&mediator, &case, "accept", json!({})).await;
        let session = online_session(srv.now(), 5);
        let report = srv
            .act_ok(&mediator, &case, "schedule_session", session)
            .await;
        let record = session_record(&scheduled_session(&report));
        srv.act_ok(&mediator, &case, "record_session", record).await;
        srv.agree(&mediator, &case, 60).await;
        reports.push((case.clone(), &anna));

        // The deadline worker: the order and the county's limit pass; later the reporter's,
        // then the agreement's follow-up.
        srv.advance(Duration::minutes(61));
        srv.tick().await;
        srv.advance(Duration::days(4));
        srv.tick().await;
        srv.advance(Duration::days(12));
        assert_eq!(srv.tick().await.follow_ups_due, 1, "{backend:?}");
        let kept = json!({ "kept": true, "note": "已履行" });
        srv.act_ok(&mediator, &case, "follow_up", kept).await;

        let mut seen = BTreeSet::new();
        let mut shared_at = 0;
        for (id, reporter) in &reports {
            let events = timeline(&srv, &contract, &admin, id).await;
            timeline(&srv, &contract, reporter, id).await;
            seen.extend(
                events
                    .iter()
                    .map(|e| e["kind"].as_str().unwrap().to_owned()),
            );
            let ids: Vec<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
            assert!(
                ids.windows(2).all(|w| w[0] < w[1]),
                "{backend:?}: the timeline is in id order: {events:?}"
            );
            if events[0]["at"] == events[1]["at"] {
                shared_at += 1;
            }
        }
        // Submission and routing are written together: only their ids tell their order.
        assert_eq!(shared_at, reports.len(), "{backend:?}");
        let missing: Vec<&str> = cunxiang_core::EventKind::ALL
            .iter()
            .map(|k| k.as_str())
            .filter(|k| !seen.contains(*k))
            .collect();
        assert!(
            missing.is_empty(),
            "{backend:?}: the journey wrote no {missing:?}; seen {seen:?}"
        );
        assert!(seen.contains("escalated") && seen.contains("overdue"));
    }
}
