//! Volunteer teams (帮帮团): the demo's rule sends 渡口村's 求助 reports to 渡口村帮帮团, whose
//! volunteer takes them like any handler; a supervisor may transfer other tasks to the team,
//! whose escalations climb to its village committee; default routing never picks a team; their
//! work counts in the KPIs by unit; admins make teams for villages and townships only.
//! Membership gives no sight over the team's region, and disputes never go to a team.

use cunxiang_tests::intake::{ANNA, DUKOU};
use cunxiang_tests::lifecycle::{DUKOU_TEAM, DUKOU_VILLAGE, footprint};
use cunxiang_tests::{Backend, Contract, Session, TestServer, covered};
use rstest::rstest;
use serde_json::{Value, json};

const TEAM: &str = "渡口村帮帮团";

async fn help_at(srv: &TestServer, villager: &Session, (lat, lon): (f64, f64)) -> Value {
    let body = json!({ "category": "help", "description": "独居老人家里停水了",
                       "location": { "lat": lat, "lon": lon, "coord_system": "wgs84" } });
    let key = uuid::Uuid::now_v7().to_string();
    let (status, report) = srv.report(&villager.access_token, Some(&key), &body).await;
    assert_eq!(status, 201, "{report}");
    report
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_volunteer_team_takes_what_a_rule_or_a_supervisor_sends_it(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let anna = srv.villager(ANNA).await;
        let volunteer = srv.login("vt-1").await;
        let hx = srv.login("hx-supervisor").await;
        let admin = srv.login("admin").await;

        // The rule: 渡口村's 求助 goes to the team; the volunteer accepts and resolves it.
        let help = help_at(&srv, &anna, DUKOU).await;
        assert_eq!(help["unit"]["name"], TEAM, "{help}");
        assert_eq!(help["status"], "assigned");
        let id = help["id"].as_str().unwrap().to_owned();
        let (status, tasks) = srv.get_as(&volunteer.access_token, "/v1/tasks").await;
        assert_eq!(status, 200, "{tasks}");
        assert!(
            tasks["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["id"] == id.as_str()),
            "her team's task: {tasks}"
        );
        srv.act_ok(&volunteer, &id, "accept", json!({})).await;
        let done = srv
            .act_ok(
                &volunteer,
                &id,
                "resolve",
                json!({ "note": "已联系水厂恢复供水" }),
            )
            .await;
        assert_eq!(done["status"], "resolved");

        // Outside 渡口村 no rule applies, and default routing never picks a team.
        let (_, grids) = srv.get_as(&admin.access_token, "/v1/grids?limit=100").await;
        let huangxi = grids["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == "潢溪村网格")
            .unwrap_or_else(|| panic!("no 潢溪村网格: {grids}"));
        let b = &huangxi["bbox"];
        let centre = (
            (b[1].as_f64().unwrap() + b[3].as_f64().unwrap()) / 2.0,
            (b[0].as_f64().unwrap() + b[2].as_f64().unwrap()) / 2.0,
        );
        let elsewhere = help_at(&srv, &anna, centre).await;
        assert_ne!(elsewhere["unit"]["name"], TEAM, "{elsewhere}");
        assert_eq!(elsewhere["unit"]["level"], "village", "{elsewhere}");

        // A supervisor transfers rubbish to the team; its escalation climbs to the village.
        let garbage = srv
            .report_at_dukou(&anna, "garbage", "老人门口的垃圾")
            .await;
        let gid = garbage["id"].as_str().unwrap().to_owned();
        let team = srv.unit_id(TEAM).await;
        let body = json!({ "unit_id": team, "reason": "请帮帮团协助老人清理" });
        let moved = srv.act_ok(&hx, &gid, "transfer", body).await;
        assert_eq!(moved["unit"]["name"], TEAM);
        srv.act_ok(&volunteer, &gid, "accept", json!({})).await;
        let up = json!({ "reason": "需要村委协调清运车" });
        let climbed = srv.act_ok(&volunteer, &gid, "escalate", up).await;
        assert_eq!(climbed["unit"]["name"], DUKOU_VILLAGE, "{climbed}");
        assert_ne!(climbed["unit"]["name"], DUKOU_TEAM);

        // The KPIs by unit carry the team's own row.
        let (status, by_unit) = srv
            .get_as(&admin.access_token, "/v1/stats/breakdown?by=unit")
            .await;
        assert_eq!(status, 200, "{by_unit}");
        contract.check("GET", "/v1/stats/breakdown", 200, &by_unit);
        let row = by_unit["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["label"] == TEAM)
            .unwrap_or_else(|| panic!("no row for the team: {by_unit}"));
        assert_eq!(
            (&row["received"], &row["resolved"]),
            (&json!(1), &json!(1)),
            "{row}"
        );

        // Admins make teams for a village or a township, without a grid.
        let t = Some(admin.access_token.as_str());
        let body = json!({ "name": "潢溪镇巾帼志愿服务队", "kind": "volunteer_team",
                           "region": "360603102" });
        let (status, made) = srv.post(t, "/v1/units", body).await;
        assert_eq!(status, 201, "{made}");
        contract.check("POST", "/v1/units", 201, &made);
        assert_eq!(made["kind"], "volunteer_team");
        for (body, field) in [
            (
                json!({ "name": "x", "kind": "volunteer_team", "region": "360603" }),
                "region",
            ),
            (
                json!({ "name": "x", "kind": "volunteer_team", "region": "360603102",
                        "grid_id": srv.grid_id("渡口村网格").await }),
                "grid_id",
            ),
        ] {
            let (status, refused) = srv.post(t, "/v1/units", body.clone()).await;
            assert_eq!(status, 422, "{body}: {refused}");
            assert_eq!(refused["error"]["details"]["field"], field, "{refused}");
        }
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_volunteer_sees_her_teams_tasks_not_her_villages_disputes(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let anna = srv.villager(ANNA).await;
        let volunteer = srv.login("vt-1").await;
        let hx = srv.login("hx-supervisor").await;
        let dispute = srv.dispute(&anna, "邻居占用我家宅基地").await;

        // The team serves 渡口村, but membership gives no sight over the village: the
        // dispute, its parties and its place in lists stay hidden from her.
        for path in [
            format!("/v1/reports/{dispute}"),
            format!("/v1/reports/{dispute}/parties"),
        ] {
            let (status, body) = srv.get_as(&volunteer.access_token, &path).await;
            assert_eq!(status, 404, "{path}: {body}");
            assert_eq!(body["error"]["code"], "not_found", "{body}");
        }
        let (status, listed) = srv
            .get_as(&volunteer.access_token, "/v1/reports?limit=100")
            .await;
        assert_eq!(status, 200, "{listed}");
        assert!(
            !listed["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["id"] == dispute.as_str()),
            "a volunteer lists her village's dispute: {listed}"
        );

        // Nor may a supervisor hand a dispute to the team: nothing changes.
        let team = srv.unit_id(TEAM).await;
        let before = footprint(&srv.report_as(&hx, &dispute).await);
        let body = json!({ "unit_id": team, "reason": "请帮帮团调解" });
        let answer = srv.act(&hx, &dispute, "transfer", body).await;
        let refused = srv
            .refused(&hx, &dispute, before, answer, 422, "invalid_field")
            .await;
        assert_eq!(refused["error"]["details"]["field"], "unit_id", "{refused}");
    }
}
