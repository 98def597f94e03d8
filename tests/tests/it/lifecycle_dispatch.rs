//! Moving a report between units and queues: transfer (clocks restart), return to the
//! dispatch queue, a supervisor's assignment from that queue, rejection as a duplicate; and
//! the task lists (`GET /v1/tasks`) of handlers and dispatchers.

use chrono::Duration;
use cunxiang_tests::intake::{ANNA, BAO, DUKOU};
use cunxiang_tests::lifecycle::{
    DUKOU_TEAM, DUKOU_VILLAGE, HX_CENTRE, action_op, at, footprint, last_event, last_of,
    minutes_after, same_time, steps,
};
use cunxiang_tests::{Backend, Contract, TestServer, covered};
use rstest::rstest;
use serde_json::{Value, json};

/// The ids of a list's items, in order.
fn ids(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {list}"))
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect()
}

fn id_of(report: &Value) -> String {
    report["id"].as_str().expect("report id").to_owned()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_report_is_transferred_returned_dispatched_and_rejected_as_a_duplicate(
    #[case] backend: Backend,
) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA, BAO]).await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let bao = srv.villager(BAO).await;
        let worker = srv
            .staff_in(&admin, "dk-gw", "grid_worker", DUKOU_TEAM)
            .await;
        let cadre = srv
            .staff_in(&admin, "dk-cadre", "unit_staff", DUKOU_VILLAGE)
            .await;
        let hx = srv.login("hx-supervisor").await;
        let team = srv.unit_id(DUKOU_TEAM).await;
        let village = srv.unit_id(DUKOU_VILLAGE).await;

        let original = srv
            .report_at_dukou(&anna, "garbage", "桥头垃圾堆成山")
            .await;
        let dup = srv.report_at_dukou(&bao, "garbage", "桥头有一堆垃圾").await;
        let id = id_of(&dup);
        let created = at(&dup["created_at"]);

        // Ten minutes on, the grid team hands it to the village: the accept clock restarts.
        srv.advance(Duration::minutes(10));
        let body = json!({ "unit_id": village, "reason": "涉及村集体场地，请村委处理" });
        let (status, moved) = srv.act(&worker, &id, "transfer", body).await;
        assert_eq!(status, 200, "{backend:?}: {moved}");
        contract.check("POST", &action_op(&contract, "transfer"), 200, &moved);
        assert_eq!(moved["status"], "assigned");
        assert_eq!(moved["unit"]["id"], village.as_str());
        assert!(
            (minutes_after(created, &moved["accept_by"]) - 40.0).abs() < 0.1,
            "{moved}"
        );
        assert!(at(&moved["accept_by"]) > at(&dup["accept_by"]));
        let event = last_event(&moved);
        assert_eq!(event["kind"], "transferred");
        assert_eq!(event["note"], "涉及村集体场地，请村委处理");
        assert_eq!(event["details"]["from_unit"], team.as_str());
        assert_eq!(event["details"]["to_unit"], village.as_str());

        // It is no longer the team's to return; the committee returns it to dispatch.
        let body = json!({ "reason": "不归我们管" });
        let (status, _) = srv.act(&worker, &id, "return", body.clone()).await;
        assert_eq!(status, 403);
        let (status, returned) = srv.act(&cadre, &id, "return", body).await;
        assert_eq!(status, 200, "{returned}");
        contract.check("POST", &action_op(&contract, "return"), 200, &returned);
        assert_eq!(returned["status"], "returned");
        assert!(returned["unit"].is_null(), "{returned}");
        assert!(returned["due_at"].is_null());
        let event = last_event(&returned);
        assert_eq!(event["kind"], "returned");
        assert_eq!(event["details"]["from_unit"], village.as_str());
        assert_eq!(event["details"]["queue_level"], "township");

        // 潢溪镇's dispatcher finds it in her queue; a grid worker has no such queue.
        let (status, queue) = srv
            .get_as(&hx.access_token, "/v1/tasks?queue=dispatch")
            .await;
        assert_eq!(status, 200, "{queue}");
        contract.check("GET", "/v1/tasks", 200, &queue);
        assert_eq!(ids(&queue), [id.as_str()]);
        assert_eq!(queue["counts"]["dispatch"], 1);
        let (status, _) = srv
            .get_as(&worker.access_token, "/v1/tasks?queue=dispatch")
            .await;
        assert_eq!(status, 403);

        // She assigns it back to the grid team: a fresh accept clock.
        srv.advance(Duration::minutes(5));
        let body = json!({ "unit_id": team, "reason": "确属网格清运范围" });
        let assigned = srv.act_ok(&hx, &id, "transfer", body).await;
        assert_eq!(assigned["status"], "assigned");
        assert_eq!(assigned["unit"]["id"], team.as_str());
        assert!((minutes_after(created, &assigned["accept_by"]) - 45.0).abs() < 0.1);
        assert_eq!(last_event(&assigned)["details"]["to_unit"], team.as_str());
        let (_, queue) = srv
            .get_as(&hx.access_token, "/v1/tasks?queue=dispatch")
            .await;
        assert!(ids(&queue).is_empty(), "{queue}");
        assert_eq!(queue["counts"]["dispatch"], 0);

        // On a closer look it is Anna's report again: rejected as its duplicate.
        let case = original["case_number"].as_str().unwrap();
        let body = json!({ "reason": "重复上报", "duplicate_of": case });
        let (status, _) = srv.act(&worker, &id, "reject", body.clone()).await;
        assert_eq!(status, 403, "only an overseer rejects");
        let (status, rejected) = srv.act(&hx, &id, "reject", body).await;
        assert_eq!(status, 200, "{rejected}");
        contract.check("POST", &action_op(&contract, "reject"), 200, &rejected);
        assert_eq!(rejected["status"], "rejected");
        assert_eq!(rejected["duplicate_of"], original["id"]);
        assert!(rejected["due_at"].is_null());
        let event = last_event(&rejected);
        assert_eq!(event["kind"], "rejected");
        assert_eq!(event["note"], "重复上报");
        assert_eq!(event["details"]["duplicate_of"], original["id"]);
        assert_eq!(event["details"]["duplicate_case_number"], case);

        // Final: nothing more moves it.
        let body = json!({ "unit_id": village, "reason": "再看看" });
        let (status, answer) = srv.act(&hx, &id, "transfer", body).await;
        assert_eq!(status, 409, "{answer}");
        assert_eq!(answer["error"]["code"], "invalid_status");

        let seen = srv.report_as(&admin, &id).await;
        let who = |s: &cunxiang_tests::Session| Some(s.id().to_owned());
        let want: Vec<(String, Option<String>)> = [
            ("submitted", who(&bao)),
            ("assigned", None),
            ("transferred", who(&worker)),
            ("returned", who(&cadre)),
            ("transferred", who(&hx)),
            ("rejected", who(&hx)),
        ]
        .into_iter()
        .map(|(k, w)| (k.to_owned(), w))
        .collect();
        assert_eq!(steps(&seen), want, "{backend:?}");
        let hers = srv.report_as(&bao, &id).await;
        assert_eq!(hers["status"], "rejected");
        assert_eq!(hers["duplicate_of"], original["id"]);
        // The original is untouched.
        let first = srv.report_as(&admin, &id_of(&original)).await;
        assert_eq!(first["status"], "assigned");
        assert_eq!(first["unit"]["id"], team.as_str());
        assert_eq!(first["version"], original["version"]);
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn tasks_list_the_callers_units_soonest_deadline_first(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA, BAO]).await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let bao = srv.villager(BAO).await;
        let worker = srv
            .staff_in(&admin, "dk-gw", "grid_worker", DUKOU_TEAM)
            .await;
        let elsewhere = srv
            .staff_in(&admin, "hx-gw", "grid_worker", "潢溪村网格工作组")
            .await;
        let hx = srv.login("hx-supervisor").await;

        // A first, B five minutes later; A is accepted (due in 4 h), so B (due in 30 min)
        // comes first although it is newer. C starts at the township.
        let a = srv.report_at_dukou(&anna, "garbage", "A").await;
        srv.advance(Duration::minutes(5));
        let b = srv.report_at_dukou(&bao, "garbage", "B").await;
        let body = json!({ "category": "safety", "description": "C: 桥栏杆断了",
                           "location": { "lat": DUKOU.0, "lon": DUKOU.1, "coord_system": "wgs84" } });
        let (status, c) = srv
            .report(&anna.access_token, Some("c-safety"), &body)
            .await;
        assert_eq!(status, 201, "{c}");
        assert_eq!(c["unit"]["name"], HX_CENTRE);
        let a = srv.act_ok(&worker, &id_of(&a), "accept", json!({})).await;

        let (status, tasks) = srv.get_as(&worker.access_token, "/v1/tasks").await;
        assert_eq!(status, 200, "{backend:?}: {tasks}");
        contract.check("GET", "/v1/tasks", 200, &tasks);
        assert_eq!(ids(&tasks), [id_of(&b), id_of(&a)], "{tasks}");
        assert_eq!(tasks["counts"]["assigned"], 1);
        assert_eq!(tasks["counts"]["accepted"], 1);
        assert!(
            same_time(&tasks["items"][0]["due_at"], &b["accept_by"]),
            "{tasks}"
        );
        assert!(
            same_time(&tasks["items"][1]["due_at"], &a["resolve_by"]),
            "{tasks}"
        );
        let (_, mine) = srv
            .get_as(&worker.access_token, "/v1/tasks?queue=mine&status=accepted")
            .await;
        assert_eq!(ids(&mine), [id_of(&a)]);

        // Pages follow the same order.
        let (_, page) = srv.get_as(&worker.access_token, "/v1/tasks?limit=1").await;
        assert_eq!(ids(&page), [id_of(&b)]);
        let cursor = page["next_cursor"]
            .as_str()
            .expect("a next page")
            .to_owned();
        let (status, rest) = srv
            .get_as(
                &worker.access_token,
                &format!("/v1/tasks?limit=1&cursor={cursor}"),
            )
            .await;
        assert_eq!(status, 200, "{rest}");
        assert_eq!(ids(&rest), [id_of(&a)]);
        assert!(rest["next_cursor"].is_null(), "{rest}");

        // Other units see only their own.
        let (_, theirs) = srv.get_as(&elsewhere.access_token, "/v1/tasks").await;
        assert!(ids(&theirs).is_empty(), "{theirs}");
        assert_eq!(theirs["counts"]["assigned"], 0);
        assert_eq!(theirs["counts"]["accepted"], 0);
        let (_, centre) = srv.get_as(&hx.access_token, "/v1/tasks").await;
        assert_eq!(ids(&centre), [id_of(&c)], "{centre}");
        assert_eq!(centre["counts"]["assigned"], 1);

        // Villagers have no tasks.
        let (status, answer) = srv.get_as(&anna.access_token, "/v1/tasks").await;
        assert_eq!(status, 403, "{answer}");
        assert_eq!(answer["error"]["code"], "forbidden");
        contract.check("GET", "/v1/tasks", 403, &answer);
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn escalation_climbs_the_ladder_to_the_county_and_stops_there(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let worker = srv
            .staff_in(&admin, "dk-gw", "grid_worker", DUKOU_TEAM)
            .await;
        let hx = srv.login("hx-supervisor").await;
        let yj = srv.login("yj-supervisor").await;
        let report = srv.report_at_dukou(&anna, "garbage", "没人管").await;
        let id = id_of(&report);

        // Grid team → village (by its handler) → township (by an admin) → county (by the
        // township centre's own supervisor, its handler there).
        let ladder = [
            (&worker, DUKOU_VILLAGE, "village"),
            (&admin, HX_CENTRE, "township"),
            (&hx, "余江区综治中心", "county"),
        ];
        for (n, (who, unit, level)) in ladder.into_iter().enumerate() {
            let body = json!({ "reason": "超出本级能力" });
            let (status, up) = srv.act(who, &id, "escalate", body).await;
            assert_eq!(status, 200, "{backend:?} to {unit}: {up}");
            contract.check("POST", &action_op(&contract, "escalate"), 200, &up);
            assert_eq!(up["status"], "assigned");
            assert_eq!(up["unit"]["name"], unit);
            assert_eq!(up["escalation_count"], n + 1);
            let event = last_event(&up);
            assert_eq!(event["kind"], "escalated");
            assert_eq!(event["actor_id"], who.id());
            assert_eq!(event["details"]["to_level"], level);
            assert_eq!(event["details"]["automatic"], false);
        }
        // Nothing above the county.
        let before = footprint(&srv.report_as(&admin, &id).await);
        let answer = srv.act(&yj, &id, "escalate", json!({})).await;
        let err = srv
            .refused(&admin, &id, before, answer, 409, "no_level_above")
            .await;
        contract.check("POST", &action_op(&contract, "escalate"), 409, &err);

        // When the county lets the accept limit pass, the report is marked overdue there.
        srv.advance(Duration::minutes(31));
        let summary = srv.tick().await;
        assert_eq!((summary.escalated, summary.overdue), (0, 1), "{backend:?}");
        let seen = srv.report_as(&admin, &id).await;
        assert_eq!(seen["unit"]["name"], "余江区综治中心");
        assert_eq!(seen["light"], "red", "{seen}");
        let overdue = last_of(&seen, "overdue");
        assert!(overdue["actor_id"].is_null());
        assert_eq!(overdue["details"]["deadline"], "accept");
        assert_eq!(srv.tick().await.overdue, 0, "marked once");
    }
}
