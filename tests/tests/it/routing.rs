//! Routing over HTTP: a point inside 渡口村's grid, sent as GCJ-02 or BD-09, routes to the grid
//! team for 垃圾 and to 潢溪镇's office for a township-level category; outside every grid it
//! goes to the county's dispatch queue.

use cunxiang_core::coords::{CoordSystem, LonLat, from_wgs84};
use cunxiang_tests::{Backend, Contract, TestServer, covered};
use rstest::rstest;
use serde_json::Value;

/// The centre of the demo grid 渡口村网格, WGS-84.
const DUKOU: LonLat = LonLat {
    lon: 116.938969,
    lat: 28.363789,
};

async fn preview(
    srv: &TestServer,
    token: &str,
    p: LonLat,
    system: &str,
    category: &str,
) -> (u16, Value) {
    let path = format!(
        "/v1/route/preview?lat={}&lon={}&coord_system={system}&category={category}",
        p.lat, p.lon
    );
    let (status, body) = srv.get_as(token, &path).await;
    (status.as_u16(), body)
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_point_in_dukou_routes_by_category_whatever_the_coordinate_system(
    #[case] backend: Backend,
) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        for system in [CoordSystem::Gcj02, CoordSystem::Bd09, CoordSystem::Wgs84] {
            let sent = from_wgs84(DUKOU, system);
            let (status, body) =
                preview(&srv, &admin.access_token, sent, system.as_str(), "garbage").await;
            assert_eq!(status, 200, "{backend:?} {system}: {body}");
            contract.check("GET", "/v1/route/preview", 200, &body);
            assert_eq!(body["target_name"], "渡口村网格工作组", "{system}: {body}");
            assert_eq!(body["assignment"]["level"], "group");
            let back = &body["location"];
            assert!(
                (back["lon"].as_f64().unwrap() - DUKOU.lon).abs() < 1e-6,
                "{body}"
            );
            assert!(
                (back["lat"].as_f64().unwrap() - DUKOU.lat).abs() < 1e-6,
                "{body}"
            );

            let (_, body) =
                preview(&srv, &admin.access_token, sent, system.as_str(), "safety").await;
            assert_eq!(body["target_name"], "潢溪镇综治中心", "{system}: {body}");
            assert_eq!(body["assignment"]["level"], "township");
            assert!(
                body["assignment"]["reason"]
                    .as_str()
                    .unwrap()
                    .starts_with("default: 安全隐患")
            );
        }
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn outside_every_grid_a_report_goes_to_the_county_dispatch_queue(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let sup = srv.login("yj-supervisor").await;
        let far = LonLat {
            lon: 117.1,
            lat: 28.1,
        };
        let (status, body) = preview(&srv, &sup.access_token, far, "wgs84", "garbage").await;
        assert_eq!(status, 200, "{backend:?}: {body}");
        assert_eq!(body["grid_id"], Value::Null);
        assert_eq!(body["assignment"]["kind"], "dispatch");
        assert_eq!(body["target_name"], "余江区");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn bad_points_categories_and_callers_are_refused(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        let t = admin.access_token.as_str();
        for (path, status, field) in [
            (
                "/v1/route/preview?lat=91&lon=116.9&category=garbage",
                400,
                "lat",
            ),
            (
                "/v1/route/preview?lat=28.3&lon=190&category=garbage",
                400,
                "lon",
            ),
            (
                "/v1/route/preview?lat=NaN&lon=116.9&category=garbage",
                400,
                "lat",
            ),
            (
                "/v1/route/preview?lat=28.3&lon=116.9&coord_system=utm&category=garbage",
                400,
                "coord_system",
            ),
        ] {
            let (got, body) = srv.get_as(t, path).await;
            assert_eq!(got.as_u16(), status, "{backend:?} {path}: {body}");
            assert_eq!(
                body["error"]["details"]["parameter"], field,
                "{path}: {body}"
            );
            contract.check("GET", "/v1/route/preview", status, &body);
        }
        let (got, body) = srv
            .get_as(t, "/v1/route/preview?lat=28.3&lon=116.9&category=aliens")
            .await;
        assert_eq!(got, 422, "{body}");
        assert_eq!(body["error"]["details"]["field"], "category");
        let (got, _) = srv
            .get_as(t, "/v1/route/preview?lat=28.3&category=garbage")
            .await;
        assert_eq!(got, 400, "lon is required");
        let gw = srv.login("gw-1").await;
        let (got, _) = srv
            .get_as(
                &gw.access_token,
                "/v1/route/preview?lat=28.3&lon=116.9&category=garbage",
            )
            .await;
        assert_eq!(got, 403);
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_rule_redirects_a_category_until_it_is_disabled(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        let t = admin.access_token.as_str();
        let gcj = from_wgs84(DUKOU, CoordSystem::Gcj02);
        let (_, before) = preview(&srv, t, gcj, "gcj02", "road").await;
        assert_eq!(
            before["target_name"], "渡口村民委员会",
            "{backend:?}: roads start at the village: {before}"
        );

        let station = srv.unit_id("潢溪镇交通站").await;
        let (status, rule) = srv
            .post(Some(t), "/v1/routing-rules", serde_json::json!({ "category": "road", "region": "360603102", "unit_id": station }))
            .await;
        assert_eq!(status, 201, "{rule}");
        contract.check("POST", "/v1/routing-rules", 201, &rule);
        let (_, after) = preview(&srv, t, gcj, "gcj02", "road").await;
        assert_eq!(after["target_name"], "潢溪镇交通站", "{after}");
        let number = rule["number"].as_i64().unwrap();
        assert_eq!(
            after["assignment"]["reason"],
            format!("rule {number}: 道路桥梁 in 潢溪镇 → 潢溪镇交通站")
        );
        let (_, garbage) = preview(&srv, t, gcj, "gcj02", "garbage").await;
        assert_eq!(
            garbage["target_name"], "渡口村网格工作组",
            "other categories keep their default"
        );

        let path = format!("/v1/routing-rules/{}", rule["id"].as_str().unwrap());
        let (status, changed) = srv
            .patch(t, &path, serde_json::json!({ "active": false }))
            .await;
        assert_eq!(status, 200, "{changed}");
        let (_, list) = srv.get_as(t, "/v1/routing-rules").await;
        contract.check("GET", "/v1/routing-rules", 200, &list);
        let stored = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == rule["id"])
            .unwrap_or_else(|| panic!("the rule is listed: {list}"));
        assert_eq!(stored["active"], false);
        let (_, again) = preview(&srv, t, gcj, "gcj02", "road").await;
        assert_eq!(again["target_name"], "渡口村民委员会");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn bad_rules_are_refused_and_change_nothing(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        let t = admin.access_token.as_str();
        let station = srv.unit_id("潢溪镇交通站").await;
        let ghost = "01000000-0000-7000-8000-000000000000";
        for (body, field) in [
            (
                serde_json::json!({ "category": "aliens", "region": "360603102", "unit_id": station }),
                "category",
            ),
            (
                serde_json::json!({ "region": "999999", "unit_id": station }),
                "region",
            ),
            (
                serde_json::json!({ "region": "360603102", "unit_id": ghost }),
                "unit_id",
            ),
        ] {
            let (status, answer) = srv.post(Some(t), "/v1/routing-rules", body.clone()).await;
            assert_eq!(status, 422, "{backend:?} {body}: {answer}");
            assert_eq!(answer["error"]["details"]["field"], field);
            contract.check("POST", "/v1/routing-rules", 422, &answer);
        }
        let (_, list) = srv.get_as(t, "/v1/routing-rules").await;
        assert_eq!(
            list["items"].as_array().unwrap().len(),
            1,
            "only the demo's (求助 → 渡口村帮帮团): {list}"
        );

        // Supervisors: inside their subtree only; grid workers not at all.
        let hx = srv.login("hx-supervisor").await;
        let county_unit = srv.unit_id("余江区交通运输局").await;
        let (status, _) = srv
            .post(
                Some(&hx.access_token),
                "/v1/routing-rules",
                serde_json::json!({ "region": "360603", "unit_id": county_unit }),
            )
            .await;
        assert_eq!(status, 403);
        let (status, _) = srv
            .post(
                Some(&hx.access_token),
                "/v1/routing-rules",
                serde_json::json!({ "region": "360603102", "unit_id": station }),
            )
            .await;
        assert_eq!(status, 201);
        let gw = srv.login("gw-1").await;
        let (status, _) = srv
            .post(
                Some(&gw.access_token),
                "/v1/routing-rules",
                serde_json::json!({ "region": "360603102", "unit_id": station }),
            )
            .await;
        assert_eq!(status, 403);
    }
}

/// Each instance keeps the organisation in memory: a rule made through one instance, and a
/// change made in the database by hand, reach the next routing on another at once (the
/// organisation's version, bumped by triggers, tells it to rebuild).
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn every_instance_routes_by_the_organisation_stored_now(#[case] backend: Backend) {
    if covered(backend) {
        let a = TestServer::start(backend).await;
        let b = a.another_instance(|_| {}).await;
        let admin = a.login("admin").await;
        let t = admin.access_token.as_str();
        let on_b = |category: &'static str| preview(&b, t, DUKOU, "wgs84", category);
        let (_, warm) = on_b("road").await;
        assert_eq!(warm["target_name"], "渡口村民委员会", "{backend:?}: {warm}");

        let station = a.unit_id("潢溪镇交通站").await;
        let (status, rule) = a
            .post(
                Some(t),
                "/v1/routing-rules",
                serde_json::json!({ "category": "road", "region": "360603102", "unit_id": station }),
            )
            .await;
        assert_eq!(status, 201, "{rule}");
        let (_, moved) = on_b("road").await;
        assert_eq!(moved["target_name"], "潢溪镇交通站", "{backend:?}: {moved}");

        let mut conn = a.db.connect();
        diesel::RunQueryDsl::execute(
            diesel::sql_query("UPDATE routing_rules SET active = false"),
            &mut conn,
        )
        .unwrap();
        let (_, back) = on_b("road").await;
        assert_eq!(back["target_name"], "渡口村民委员会", "{backend:?}: {back}");
    }
}
