//! Administering the organisation model over HTTP: regions, units, categories and grids are
//! created, changed and disabled (or deleted when unused) by admins, and by supervisors inside
//! their own subtree; bad requests change nothing.

use cunxiang_core::coords::{CoordSystem, LonLat, from_wgs84};
use cunxiang_tests::{Backend, Contract, TestServer, covered};
use rstest::rstest;
use serde_json::{Value, json};

/// The centre of the demo grid 渡口村网格, WGS-84.
const DUKOU: LonLat = LonLat {
    lon: 116.938969,
    lat: 28.363789,
};

async fn count(srv: &TestServer, path: &str) -> usize {
    let (_, body) = srv.get(path).await;
    body["items"].as_array().expect("items").len()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn regions_are_added_renamed_and_deleted_only_when_unused(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let hx = srv.login("hx-supervisor").await;
        let t = hx.access_token.as_str();

        // A supervisor adds a villager group below a village of her township.
        let body = json!({ "parent": "360603102203", "name": "渡口村第七村民小组" });
        let (status, group) = srv.post(Some(t), "/v1/regions", body).await;
        assert_eq!(status, 201, "{backend:?}: {group}");
        contract.check("POST", "/v1/regions", 201, &group);
        assert_eq!(group["level"], "group");
        let (_, children) = srv.get("/v1/regions?parent=360603102203").await;
        assert!(
            children["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["name"] == "渡口村第七村民小组")
        );

        // … but not in another township, nor a new county.
        let (status, _) = srv
            .post(
                Some(t),
                "/v1/regions",
                json!({ "parent": "360603101", "name": "x" }),
            )
            .await;
        assert_eq!(status, 403);
        let (status, _) = srv
            .post(Some(t), "/v1/regions", json!({ "name": "新县" }))
            .await;
        assert_eq!(status, 403);

        // Codes must fit the level and the parent; a code in use is a conflict.
        let before = count(&srv, "/v1/regions?parent=360603102").await;
        for (body, status_wanted, field) in [
            (
                json!({ "parent": "360603102", "name": "新村", "code": "3606031029" }),
                422,
                Some("code"),
            ),
            (
                json!({ "parent": "360603102", "name": "新村", "code": "360603101999" }),
                422,
                Some("code"),
            ),
            (
                json!({ "parent": "360603102", "name": "", "code": "360603102999" }),
                422,
                Some("name"),
            ),
            (
                json!({ "parent": "360603102", "name": "重码村", "code": "360603102203" }),
                409,
                None,
            ),
        ] {
            let (status, answer) = srv.post(Some(t), "/v1/regions", body.clone()).await;
            assert_eq!(status, status_wanted, "{body}: {answer}");
            if let Some(field) = field {
                assert_eq!(answer["error"]["details"]["field"], field, "{answer}");
            }
        }
        assert_eq!(count(&srv, "/v1/regions?parent=360603102").await, before);

        // Rename, then delete while unused.
        let id = group["id"].as_str().unwrap();
        let (status, renamed) = srv
            .patch(
                t,
                &format!("/v1/regions/{id}"),
                json!({ "name": "渡口村七组" }),
            )
            .await;
        assert_eq!(status, 200, "{renamed}");
        contract.check("PATCH", "/v1/regions/{region}", 200, &renamed);
        assert_eq!(renamed["name"], "渡口村七组");
        let (status, _) = srv.delete(t, &format!("/v1/regions/{id}")).await;
        assert_eq!(status, 204);
        let (status, _) = srv.delete(t, &format!("/v1/regions/{id}")).await;
        assert_eq!(status, 404);

        // A region in use stays, and the answer says what uses it.
        let (status, answer) = srv.delete(t, "/v1/regions/360603102203").await;
        assert_eq!(status, 409, "{answer}");
        contract.check("DELETE", "/v1/regions/{region}", 409, &answer);
        assert_eq!(answer["error"]["code"], "region_in_use");
        assert!(answer["error"]["details"]["grids"].as_i64().unwrap() >= 1);
        let (status, _) = srv.get("/v1/regions?parent=360603102203").await;
        assert_eq!(status, 200);
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn units_are_added_and_disabled_but_not_while_a_rule_points_at_them(
    #[case] backend: Backend,
) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let hx = srv.login("hx-supervisor").await;
        let t = hx.access_token.as_str();

        let body = json!({ "name": "潢溪镇水利站", "kind": "township_office",
                           "region": "360603102", "department": "water" });
        let (status, unit) = srv.post(Some(t), "/v1/units", body).await;
        assert_eq!(status, 201, "{backend:?}: {unit}");
        contract.check("POST", "/v1/units", 201, &unit);
        let unit_id = unit["id"].as_str().unwrap().to_owned();

        // Wrong shapes are refused and add nothing.
        let units_before = count(&srv, "/v1/units?limit=1000").await;
        let grid_team_without_grid =
            json!({ "name": "x", "kind": "grid_team", "region": "360603102203" });
        let office_in_a_village =
            json!({ "name": "x", "kind": "township_office", "region": "360603102203" });
        let unknown_kind = json!({ "name": "x", "kind": "committee", "region": "360603102" });
        let bad_department = json!({ "name": "x", "kind": "township_office", "region": "360603102", "department": "Water!" });
        for (body, field) in [
            (grid_team_without_grid, "grid_id"),
            (office_in_a_village, "region"),
            (unknown_kind, "kind"),
            (bad_department, "department"),
        ] {
            let (status, answer) = srv.post(Some(t), "/v1/units", body.clone()).await;
            assert_eq!(status, 422, "{body}: {answer}");
            assert_eq!(answer["error"]["details"]["field"], field, "{answer}");
            contract.check("POST", "/v1/units", 422, &answer);
        }
        let other_township =
            json!({ "name": "x", "kind": "township_office", "region": "360603101" });
        let (status, _) = srv.post(Some(t), "/v1/units", other_township).await;
        assert_eq!(status, 403);
        assert_eq!(count(&srv, "/v1/units?limit=1000").await, units_before);

        // A rule sends water reports to it; while the rule is active the unit stays enabled.
        let rule = json!({ "category": "water", "region": "360603102", "unit_id": unit_id });
        let (status, rule) = srv.post(Some(t), "/v1/routing-rules", rule).await;
        assert_eq!(status, 201, "{rule}");
        let unit_path = format!("/v1/units/{unit_id}");
        let (status, answer) = srv.patch(t, &unit_path, json!({ "active": false })).await;
        assert_eq!(status, 409, "{answer}");
        contract.check("PATCH", "/v1/units/{id}", 409, &answer);
        assert_eq!(
            answer["error"]["details"]["routing_rules"],
            json!([rule["number"]])
        );

        let rule_path = format!("/v1/routing-rules/{}", rule["id"].as_str().unwrap());
        let (status, _) = srv.patch(t, &rule_path, json!({ "active": false })).await;
        assert_eq!(status, 200);
        let (status, disabled) = srv
            .patch(
                t,
                &unit_path,
                json!({ "active": false, "name": "潢溪镇水务站" }),
            )
            .await;
        assert_eq!(status, 200, "{disabled}");
        contract.check("PATCH", "/v1/units/{id}", 200, &disabled);
        assert_eq!(disabled["active"], false);
        assert_eq!(disabled["name"], "潢溪镇水务站");

        // A rule may not point at a disabled unit.
        let again = json!({ "category": "water", "region": "360603102", "unit_id": unit_id });
        let (status, answer) = srv.post(Some(t), "/v1/routing-rules", again).await;
        assert_eq!(status, 422, "{answer}");
        assert_eq!(answer["error"]["details"]["field"], "unit_id");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn categories_are_managed_by_admins_only(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        let t = admin.access_token.as_str();
        let bridge = json!({ "code": "bridge", "name": "桥梁安全", "name_en": "Bridges",
                             "start_level": "township", "accept_within_minutes": 60,
                             "resolve_within_minutes": 2880, "evidence_required": true,
                             "department": "transport", "sort_order": 15 });
        let (status, created) = srv.post(Some(t), "/v1/categories", bridge.clone()).await;
        assert_eq!(status, 201, "{backend:?}: {created}");
        contract.check("POST", "/v1/categories", 201, &created);
        assert_eq!(created["active"], true);
        assert_eq!(created["public"], false, "private unless said");
        let (status, _) = srv.post(Some(t), "/v1/categories", bridge.clone()).await;
        assert_eq!(status, 409);

        let visible = count(&srv, "/v1/categories").await;
        for (change, field) in [
            (json!({ "code": "Bridge!" }), "code"),
            (
                json!({ "code": "b2", "accept_within_minutes": 0 }),
                "accept_within_minutes",
            ),
            (json!({ "code": "b3", "name": "  " }), "name"),
            (
                json!({ "code": "b4", "start_level": "province" }),
                "start_level",
            ),
            (
                json!({ "code": "b5", "workflow": "arbitration" }),
                "workflow",
            ),
            (
                json!({ "code": "b6", "workflow": "mediation", "public": true }),
                "public",
            ),
        ] {
            let mut body = bridge.clone();
            for (k, v) in change.as_object().unwrap() {
                body[k] = v.clone();
            }
            let (status, answer) = srv.post(Some(t), "/v1/categories", body).await;
            assert_eq!(status, 422, "{change}: {answer}");
            assert_eq!(answer["error"]["details"]["field"], field, "{answer}");
        }
        assert_eq!(count(&srv, "/v1/categories").await, visible);
        assert_eq!(created["workflow"], "standard", "standard unless said");
        let mut inheritance = bridge.clone();
        inheritance["code"] = json!("inheritance");
        inheritance["workflow"] = json!("mediation");
        let (status, mediated) = srv.post(Some(t), "/v1/categories", inheritance).await;
        assert_eq!(status, 201, "{mediated}");
        assert_eq!(mediated["workflow"], "mediation");
        assert_eq!(mediated["public"], false);
        let (status, refused) = srv
            .patch(
                t,
                "/v1/categories/inheritance",
                json!({ "workflow": "standard" }),
            )
            .await;
        assert_eq!(status, 422, "the workflow is fixed once created: {refused}");
        assert_eq!(refused["error"]["code"], "invalid_body");
        let (status, refused) = srv
            .patch(t, "/v1/categories/inheritance", json!({ "public": true }))
            .await;
        assert_eq!(status, 422, "{refused}");
        assert_eq!(refused["error"]["details"]["field"], "public");
        let visible = count(&srv, "/v1/categories").await;

        let hx = srv.login("hx-supervisor").await;
        let mut other = bridge.clone();
        other["code"] = json!("ferry");
        let (status, _) = srv
            .post(Some(&hx.access_token), "/v1/categories", other)
            .await;
        assert_eq!(status, 403);
        let (status, _) = srv
            .patch(
                &hx.access_token,
                "/v1/categories/bridge",
                json!({ "active": false }),
            )
            .await;
        assert_eq!(status, 403);

        // Disabling hides it from the picker; admins still see it.
        let (status, changed) = srv
            .patch(
                t,
                "/v1/categories/bridge",
                json!({ "active": false, "resolve_within_minutes": 1440 }),
            )
            .await;
        assert_eq!(status, 200, "{changed}");
        contract.check("PATCH", "/v1/categories/{code}", 200, &changed);
        assert_eq!(changed["resolve_within_minutes"], 1440);
        assert_eq!(changed["evidence_required"], true, "untouched fields stay");
        assert_eq!(count(&srv, "/v1/categories").await, visible - 1);
        let (_, all) = srv.get_as(t, "/v1/categories?include_inactive=true").await;
        assert_eq!(all["items"].as_array().unwrap().len(), visible);
        let (status, _) = srv.get("/v1/categories?include_inactive=true").await;
        assert_eq!(status, 403);
        let (status, _) = srv
            .patch(t, "/v1/categories/nothing", json!({ "active": false }))
            .await;
        assert_eq!(status, 404);
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_disabled_grid_stops_routing_until_enabled_again(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let hx = srv.login("hx-supervisor").await;
        let t = hx.access_token.as_str();
        let (_, grids) = srv.get("/v1/grids?region=360603102203").await;
        let grid_id = grids["items"][0]["id"].as_str().unwrap().to_owned();
        let gcj = from_wgs84(DUKOU, CoordSystem::Gcj02);
        let preview = format!(
            "/v1/route/preview?lat={}&lon={}&category=garbage",
            gcj.lat, gcj.lon
        );
        let target = |body: &Value| body["target_name"].as_str().unwrap_or_default().to_owned();

        let (_, before) = srv.get_as(t, &preview).await;
        assert_eq!(target(&before), "渡口村网格工作组", "{backend:?}: {before}");

        let path = format!("/v1/grids/{grid_id}");
        let (status, grid) = srv.patch(t, &path, json!({ "active": false })).await;
        assert_eq!(status, 200, "{grid}");
        contract.check("PATCH", "/v1/grids/{id}", 200, &grid);
        assert_eq!(grid["active"], false);
        let (_, during) = srv.get_as(t, &preview).await;
        assert_eq!(during["assignment"]["kind"], "dispatch", "{during}");

        let (status, _) = srv.patch(t, &path, json!({ "active": true })).await;
        assert_eq!(status, 200);
        let (_, after) = srv.get_as(t, &preview).await;
        assert_eq!(target(&after), "渡口村网格工作组", "{after}");

        // Another township's supervisor may not touch it.
        let worker = srv.login("gw-1").await;
        let (status, _) = srv
            .patch(&worker.access_token, &path, json!({ "active": false }))
            .await;
        assert_eq!(status, 403);
    }
}
