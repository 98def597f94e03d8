//! Routing over HTTP: a point inside 渡口村's grid, sent as GCJ-02 or BD-09, routes to the grid
//! team for 垃圾 and to 潢溪镇's office for a township-level category; outside every grid it
//! goes to the county's dispatch queue.

use cunxiang_core::coords::{CoordSystem, LonLat, from_wgs84};
use cunxiang_tests::{Contract, TestServer, backends};
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

#[tokio::test]
async fn a_point_in_dukou_routes_by_category_whatever_the_coordinate_system() {
    let contract = Contract::load();
    for backend in backends() {
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

#[tokio::test]
async fn outside_every_grid_a_report_goes_to_the_county_dispatch_queue() {
    for backend in backends() {
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

#[tokio::test]
async fn bad_points_categories_and_callers_are_refused() {
    let contract = Contract::load();
    for backend in backends() {
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
