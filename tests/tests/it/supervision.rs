//! Supervision (督办): a supervisor's order with a reply deadline, the handler's reply, replies
//! to orders that are no longer open, an unanswered order escalated by the deadline worker,
//! and the orders kept out of the villager's sight.

use chrono::{Duration, Utc};
use cunxiang_tests::intake::{ANNA, BAO};
use cunxiang_tests::lifecycle::{DUKOU_TEAM, action_op, footprint, kinds, last_event, timeline};
use cunxiang_tests::{Backend, Contract, TestServer, covered};
use rstest::rstest;
use serde_json::{Value, json};

/// The supervision list items.
fn orders(list: &Value) -> &Vec<Value> {
    list["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {list}"))
}

/// A reply deadline `minutes` from now, as RFC 3339.
fn reply_by(minutes: i64) -> String {
    (Utc::now() + Duration::minutes(minutes)).to_rfc3339()
}

const INTERNAL: [&str; 3] = ["supervised", "replied", "supervision_overdue"];

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn orders_are_answered_refused_when_not_open_and_escalated_when_ignored(
    #[case] backend: Backend,
) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA, BAO]).await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let worker = srv
            .staff_in(&admin, "dk-gw", "grid_worker", DUKOU_TEAM)
            .await;
        let hx = srv.login("hx-supervisor").await;
        let yj = srv.login("yj-supervisor").await;
        let team = srv.unit_id(DUKOU_TEAM).await;
        // "other" needs no evidence and has long limits: only the order's deadline runs out.
        let report = srv
            .report_at_dukou(&anna, "other", "村口堆了建筑垃圾")
            .await;
        let id = report["id"].as_str().unwrap().to_owned();
        srv.act_ok(&worker, &id, "accept", json!({})).await;
        let before = footprint(&srv.report_as(&admin, &id).await);

        // Only an overseer issues an order, and it needs a text and a sensible deadline.
        let order = json!({ "note": "请今天内清理并回复", "reply_by": reply_by(60) });
        for who in [&worker, &anna] {
            let answer = srv.act(who, &id, "supervise", order.clone()).await;
            srv.refused(&admin, &id, before, answer, 403, "forbidden")
                .await;
        }
        for (body, field) in [
            (json!({ "reply_by": reply_by(60) }), "note"),
            (json!({ "note": "请回复" }), "reply_by"),
            (
                json!({ "note": "请回复", "reply_by": reply_by(-1) }),
                "reply_by",
            ),
            (
                json!({ "note": "请回复", "reply_by": reply_by(31 * 24 * 60) }),
                "reply_by",
            ),
        ] {
            let answer = srv.act(&hx, &id, "supervise", body.clone()).await;
            let err = srv
                .refused(&admin, &id, before, answer, 422, "invalid_field")
                .await;
            assert_eq!(err["error"]["details"]["field"], field, "{body}: {err}");
        }
        // A deadline that is no time at all is refused too (whatever the code).
        let body = json!({ "note": "请回复", "reply_by": "tomorrow" });
        let answer = srv.act(&hx, &id, "supervise", body).await;
        assert_eq!(answer.0, 422, "{}", answer.1);
        let code = answer.1["error"]["code"].as_str().unwrap().to_owned();
        srv.refused(&admin, &id, before, answer, 422, &code).await;
        // Nothing to reply to yet.
        let answer = srv
            .act(&worker, &id, "supervise_reply", json!({ "note": "收到" }))
            .await;
        srv.refused(&admin, &id, before, answer, 409, "no_open_order")
            .await;

        // The order, listed for 潢溪镇 and the county, not for the grid worker or the villager.
        let (status, issued) = srv.act(&hx, &id, "supervise", order).await;
        assert_eq!(status, 200, "{backend:?}: {issued}");
        contract.check("POST", &action_op(&contract, "supervise"), 200, &issued);
        let event = last_event(&issued);
        assert_eq!(event["kind"], "supervised");
        assert_eq!(event["internal"], true);
        assert_eq!(event["actor_id"], hx.id());
        let first = event["details"]["order_id"].as_str().unwrap().to_owned();
        let (status, list) = srv.get_as(&hx.access_token, "/v1/supervision").await;
        assert_eq!(status, 200, "{list}");
        contract.check("GET", "/v1/supervision", 200, &list);
        let item = &orders(&list)[0];
        assert_eq!(orders(&list).len(), 1, "{list}");
        assert_eq!(item["id"], first.as_str());
        assert_eq!(item["report_id"], id.as_str());
        assert_eq!(item["case_number"], report["case_number"]);
        assert_eq!(item["unit_id"], team.as_str());
        assert_eq!(item["issued_by"], hx.id());
        assert_eq!(item["note"], "请今天内清理并回复");
        assert_eq!(
            (&item["status"], &item["overdue"]),
            (&json!("open"), &json!(false))
        );
        assert!(item["escalated_at"].is_null() && item["answered_at"].is_null());
        let (_, county) = srv.get_as(&yj.access_token, "/v1/supervision").await;
        assert_eq!(orders(&county).len(), 1, "{county}");
        for who in [&worker, &anna] {
            let (status, _) = srv.get_as(&who.access_token, "/v1/supervision").await;
            assert_eq!(status, 403);
        }

        // The handler answers it.
        let body = json!({ "note": "已安排下午清理" });
        let (status, replied) = srv.act(&worker, &id, "supervise_reply", body.clone()).await;
        assert_eq!(status, 200, "{replied}");
        let event = last_event(&replied);
        assert_eq!(event["kind"], "replied");
        assert_eq!(event["internal"], true);
        assert_eq!(event["details"]["order_id"], first.as_str());
        let (_, open) = srv
            .get_as(&hx.access_token, "/v1/supervision?status=open")
            .await;
        assert!(orders(&open).is_empty(), "{open}");
        let (_, answered) = srv
            .get_as(&hx.access_token, "/v1/supervision?status=answered")
            .await;
        let item = &orders(&answered)[0];
        assert_eq!(item["status"], "answered");
        assert_eq!(item["reply_note"], "已安排下午清理");
        assert!(item["answered_at"].is_string());

        // A second reply finds no open order; naming the answered one is refused too.
        let before = footprint(&srv.report_as(&admin, &id).await);
        let answer = srv.act(&worker, &id, "supervise_reply", body.clone()).await;
        let err = srv
            .refused(&admin, &id, before, answer, 409, "no_open_order")
            .await;
        contract.check("POST", &action_op(&contract, "supervise_reply"), 409, &err);
        let issued = srv
            .act_ok(
                &hx,
                &id,
                "supervise",
                json!({ "note": "为何还没清？", "reply_by": reply_by(60) }),
            )
            .await;
        let second = last_event(&issued)["details"]["order_id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_ne!(second, first);
        let before = footprint(&issued);
        let to_first = json!({ "note": "重复回复", "order_id": first });
        let answer = srv.act(&worker, &id, "supervise_reply", to_first).await;
        srv.refused(&admin, &id, before, answer, 409, "order_closed")
            .await;

        // Nobody answers the second order: past its deadline it is escalated, once.
        srv.advance(Duration::minutes(61));
        let summary = srv.tick().await;
        assert_eq!(summary.orders_escalated, 1, "{backend:?}");
        assert_eq!(
            (summary.urged, summary.escalated),
            (0, 0),
            "the report's own clock is fine"
        );
        assert_eq!(srv.tick().await.orders_escalated, 0, "escalated once");
        let (_, open) = srv
            .get_as(&hx.access_token, "/v1/supervision?status=open")
            .await;
        contract.check("GET", "/v1/supervision", 200, &open);
        let item = &orders(&open)[0];
        assert_eq!(item["id"], second.as_str(), "{open}");
        assert_eq!(
            (&item["status"], &item["overdue"]),
            (&json!("open"), &json!(true))
        );
        assert!(item["escalated_at"].is_string(), "{item}");
        let seen = srv.report_as(&admin, &id).await;
        let event = last_event(&seen);
        assert_eq!(event["kind"], "supervision_overdue");
        assert!(event["actor_id"].is_null());
        assert_eq!(event["internal"], true);
        assert_eq!(event["details"]["order_id"], second.as_str());
        assert_eq!(
            seen["unit"]["id"],
            team.as_str(),
            "the report stays where it is"
        );

        // Staff see the orders in the timeline; the villager does not.
        let all = kinds(&seen);
        assert_eq!(
            all,
            [
                "submitted",
                "assigned",
                "accepted",
                "supervised",
                "replied",
                "supervised",
                "supervision_overdue"
            ]
        );
        for e in timeline(&seen) {
            let internal = INTERNAL.contains(&e["kind"].as_str().unwrap());
            assert_eq!(e["internal"], internal, "{e}");
        }
        let hers = srv.report_as(&anna, &id).await;
        assert_eq!(
            kinds(&hers),
            ["submitted", "assigned", "accepted"],
            "{hers}"
        );
        let public = srv.villager(BAO).await;
        let theirs = srv.report_as(&public, &id).await;
        assert!(
            kinds(&theirs)
                .iter()
                .all(|k| !INTERNAL.contains(&k.as_str()))
        );

        // The report closes: its open order closes with it, and a reply comes too late.
        srv.act_ok(&worker, &id, "resolve", json!({ "note": "已清理" }))
            .await;
        srv.act_ok(&anna, &id, "confirm", json!({})).await;
        let (_, all) = srv
            .get_as(&hx.access_token, "/v1/supervision?status=all")
            .await;
        let status_of = |order: &str| {
            orders(&all)
                .iter()
                .find(|o| o["id"] == order)
                .map(|o| o["status"].clone())
        };
        assert_eq!(status_of(&first), Some(json!("answered")), "{all}");
        assert_eq!(status_of(&second), Some(json!("closed")), "{all}");
        let before = footprint(&srv.report_as(&admin, &id).await);
        let body = json!({ "note": "迟到的回复", "order_id": second });
        let (status, err) = srv.act(&worker, &id, "supervise_reply", body).await;
        assert_eq!(status, 409, "{err}");
        let code = err["error"]["code"].as_str().unwrap().to_owned();
        assert!(
            ["order_closed", "invalid_status"].contains(&code.as_str()),
            "{err}"
        );
        srv.refused(&admin, &id, before, (status, err), 409, &code)
            .await;
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn supervisors_urge_and_handlers_cannot(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let worker = srv
            .staff_in(&admin, "dk-gw", "grid_worker", DUKOU_TEAM)
            .await;
        let hx = srv.login("hx-supervisor").await;
        let report = srv.report_at_dukou(&anna, "garbage", "垃圾没人收").await;
        let id = report["id"].as_str().unwrap().to_owned();
        let before = footprint(&srv.report_as(&admin, &id).await);
        for who in [&worker, &anna] {
            let answer = srv.act(who, &id, "urge", json!({ "note": "快点" })).await;
            srv.refused(&admin, &id, before, answer, 403, "forbidden")
                .await;
        }
        let urged = srv
            .act_ok(
                &hx,
                &id,
                "urge",
                json!({ "note": "群众反映强烈，请尽快接单" }),
            )
            .await;
        let event = last_event(&urged);
        assert_eq!(event["kind"], "urged", "{backend:?}: {urged}");
        assert_eq!(event["actor_id"], hx.id());
        assert_eq!(event["details"]["automatic"], false);
        assert_eq!(event["note"], "群众反映强烈，请尽快接单");
        assert_eq!(urged["status"], "assigned", "an urge changes no state");
        assert_eq!(urged["unit"]["id"], report["unit"]["id"]);
    }
}
