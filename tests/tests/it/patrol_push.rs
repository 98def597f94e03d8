//! Late patrols are pushed like late reports: at yellow the grid's team hears of it on the
//! live stream (`patrol_overdue`, reason `handler`); at red the supervisors over the grid hear
//! too (reason `supervisor`); webhooks that name `patrol_overdue` get a signed
//! `WebhookOrgEvent` per raise, and webhooks that did not name it (all report kinds, or other
//! kinds) get nothing. The outbox lists the deliveries with no report.

use std::time::Duration as Wait;

use chrono::Duration;
use cunxiang_core::patrol::Frequency;
use cunxiang_core::patrol::coverage::period;
use cunxiang_tests::push::HookReceiver;
use cunxiang_tests::push::sse::SseEvent;
use cunxiang_tests::{Backend, Contract, TestServer, covered};
use rstest::rstest;
use serde_json::{Value, json};

const HUANGXI_TEAM: &str = "潢溪村网格工作组";
const SECRET: &str = "0123456789abcdef-secret";

/// (grid id, light, reason) of a `patrol_overdue` stream event, checked against the contract.
fn overdue(event: &SseEvent, contract: &Contract) -> (String, String, String) {
    assert_eq!(event.kind(), "patrol_overdue", "{event:?}");
    let data = event.json();
    assert!(contract.schema_accepts("StreamOrgMessage", &data), "{data}");
    (
        data["org_event"]["grid_id"].as_str().unwrap().to_owned(),
        data["org_event"]["details"]["light"]
            .as_str()
            .unwrap()
            .to_owned(),
        data["reason"].as_str().unwrap().to_owned(),
    )
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn late_patrols_reach_the_team_then_the_supervisors_and_the_webhooks_that_ask(
    #[case] backend: Backend,
) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        let walker = srv
            .staff_in(&admin, "hx-walker", "grid_worker", HUANGXI_TEAM)
            .await;
        let supervisor = srv.login("yj-supervisor").await;
        let huangxi = srv.grid_id("潢溪村网格").await;
        let asks = HookReceiver::start().await;
        let every = HookReceiver::start().await;
        let hook = |name: &str, url: String, types: Value| json!({ "name": name, "url": url, "event_types": types, "secret": SECRET });
        srv.webhook(
            &admin,
            hook("patrols", asks.url(), json!(["patrol_overdue"])),
        )
        .await;
        srv.webhook(&admin, hook("reports", every.url(), json!([])))
            .await;
        let mut team = srv.events(&walker, None).await;
        let mut above = srv.events(&supervisor, None).await;
        let grids = 6;

        // The week the schedules were made is free; Sunday 20:00 of the next, all are late.
        assert_eq!(srv.tick().await.patrols_yellow, 0);
        let (_, next_monday) = period(Frequency::Weekly, srv.now());
        srv.advance(next_monday + Duration::days(6) + Duration::hours(20) - srv.now());
        assert_eq!(srv.tick().await.patrols_yellow, grids);
        let yellow = team
            .next_event(Wait::from_secs(5), "the team's yellow")
            .await;
        assert_eq!(
            overdue(&yellow, &contract),
            (huangxi.clone(), "yellow".into(), "handler".into())
        );
        team.assert_quiet(Wait::from_millis(300), "only her own grid")
            .await;
        above
            .assert_quiet(Wait::from_millis(300), "supervisors wait for red")
            .await;

        // Tuesday of the week after: red, to the team and to every grid's supervisor.
        srv.advance(Duration::days(1) + Duration::hours(14));
        assert_eq!(srv.tick().await.patrols_red, grids);
        let red = team.next_event(Wait::from_secs(5), "the team's red").await;
        assert_eq!(
            overdue(&red, &contract),
            (huangxi.clone(), "red".into(), "handler".into())
        );
        let reds = above
            .next_events(grids, Wait::from_secs(5), "the supervisor's reds")
            .await;
        let seen: Vec<_> = reds.iter().map(|e| overdue(e, &contract)).collect();
        let distinct: std::collections::BTreeSet<&str> =
            seen.iter().map(|(grid, _, _)| grid.as_str()).collect();
        assert_eq!(distinct.len(), grids, "one red per grid: {seen:?}");
        assert!(
            seen.iter()
                .all(|(_, light, reason)| light == "red" && reason == "supervisor"),
            "{seen:?}"
        );

        // Webhooks: only the one that named the kind, one signed call per raise.
        srv.deliver().await;
        let calls = asks.calls(SECRET).await;
        assert_eq!(calls.len(), 2 * grids, "{:?}", calls.len());
        for call in &calls {
            assert!(call.signature.is_ok(), "{:?}", call.signature);
            assert_eq!(call.event_id, call.body["id"].as_str().unwrap());
            assert!(
                contract.schema_accepts("WebhookOrgEvent", &call.body),
                "{}",
                call.body
            );
        }
        let lights: Vec<&str> = calls
            .iter()
            .map(|c| c.body["details"]["light"].as_str().unwrap())
            .collect();
        assert_eq!(lights.iter().filter(|l| **l == "red").count(), grids);
        assert!(every.calls(SECRET).await.is_empty(), "not named, not sent");

        // The outbox lists them without a report.
        let event_id = &calls[0].event_id;
        let listed = srv
            .deliveries(&admin, &format!("?event_id={event_id}"))
            .await;
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert!(listed[0]["report_id"].is_null(), "{}", listed[0]);
        assert_eq!(listed[0]["status"], "sent");
        let (_, page) = srv
            .get_as(
                &admin.access_token,
                &format!("/v1/deliveries?event_id={event_id}"),
            )
            .await;
        contract.check("GET", "/v1/deliveries", 200, &page);
    }
}
