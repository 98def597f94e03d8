//! `GET /v1/locate` over HTTP, with no log-in: a point in 渡口村's grid, sent as WGS-84 or as
//! GCJ-02 (the default), names that grid, the regions from 余江区 down to 渡口村 and the address
//! 余江区潢溪镇渡口村; a point at sea names nothing; a disabled grid no longer answers; bad
//! points are refused with the error shape.

use cunxiang_core::coords::{CoordSystem, LonLat, from_wgs84};
use cunxiang_tests::intake::DUKOU;
use cunxiang_tests::{Backend, Contract, TestServer, covered};
use rstest::rstest;
use serde_json::Value;

const PATH: &str = "/v1/locate";

/// Locates `p`, naming `system` unless it is `None` (then the default, GCJ-02, applies).
async fn locate(srv: &TestServer, p: LonLat, system: Option<&str>) -> (u16, Value) {
    let mut path = format!("{PATH}?lat={}&lon={}", p.lat, p.lon);
    if let Some(system) = system {
        path.push_str(&format!("&coord_system={system}"));
    }
    let (status, body) = srv.get(&path).await;
    (status.as_u16(), body)
}

fn dukou() -> LonLat {
    LonLat {
        lat: DUKOU.0,
        lon: DUKOU.1,
    }
}

fn field<'a>(items: &'a Value, name: &str) -> Vec<&'a str> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[name].as_str().unwrap_or("-"))
        .collect()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_point_in_dukou_names_its_grid_regions_and_address(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let (status, wgs) = locate(&srv, dukou(), Some("wgs84")).await;
        assert_eq!(status, 200, "{backend:?}: {wgs}");
        contract.check("GET", PATH, 200, &wgs);
        let grid = wgs["grid"]["name"].as_str().unwrap();
        assert!(grid.contains("渡口村"), "{backend:?}: {wgs}");
        let address = wgs["address"].as_str().unwrap();
        assert!(address.ends_with("渡口村"), "{backend:?}: {wgs}");
        assert_eq!(address, "余江区潢溪镇渡口村");
        let regions = &wgs["regions"];
        assert_eq!(field(regions, "level"), ["county", "township", "village"]);
        assert_eq!(
            field(regions, "code"),
            ["360603", "360603102", "360603102203"]
        );
        assert_eq!(
            field(regions, "name"),
            ["余江区", "潢溪镇", "渡口村民委员会"],
            "regions carry their official names"
        );
        assert!((wgs["point"]["lat"].as_f64().unwrap() - DUKOU.0).abs() < 1e-9);
        assert!((wgs["point"]["lon"].as_f64().unwrap() - DUKOU.1).abs() < 1e-9);

        // The same place as a phone's map reports it (GCJ-02, the default), and as BD-09.
        let gcj = from_wgs84(dukou(), CoordSystem::Gcj02);
        let bd = from_wgs84(dukou(), CoordSystem::Bd09);
        for (sent, system) in [(gcj, None), (bd, Some("bd09"))] {
            let (status, body) = locate(&srv, sent, system).await;
            assert_eq!(status, 200, "{backend:?} {system:?}: {body}");
            contract.check("GET", PATH, 200, &body);
            assert_eq!(body["grid"], wgs["grid"], "{system:?}: {body}");
            assert_eq!(body["regions"], wgs["regions"]);
            assert_eq!(body["address"], wgs["address"]);
            let back = &body["point"];
            assert!(
                (back["lat"].as_f64().unwrap() - DUKOU.0).abs() < 1e-6,
                "{body}"
            );
            assert!(
                (back["lon"].as_f64().unwrap() - DUKOU.1).abs() < 1e-6,
                "{body}"
            );
        }
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_point_at_sea_or_in_a_disabled_grid_names_nothing(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let sea = LonLat {
            lat: 20.0,
            lon: 125.0,
        };
        let (status, body) = locate(&srv, sea, None).await;
        assert_eq!(status, 200, "{backend:?}: {body}");
        contract.check("GET", PATH, 200, &body);
        assert_eq!(body["grid"], Value::Null, "{body}");
        assert_eq!(body["regions"], serde_json::json!([]));
        assert_eq!(body["address"], Value::Null);

        // Only active grids count, as for routing: disabled, 渡口村's grid answers no more.
        let (_, before) = locate(&srv, dukou(), Some("wgs84")).await;
        let id = before["grid"]["id"].as_str().unwrap();
        let admin = srv.login("admin").await;
        let body = serde_json::json!({ "active": false });
        let (status, changed) = srv
            .patch(&admin.access_token, &format!("/v1/grids/{id}"), body)
            .await;
        assert_eq!(status, 200, "{changed}");
        let (status, after) = locate(&srv, dukou(), Some("wgs84")).await;
        assert_eq!(status, 200);
        contract.check("GET", PATH, 200, &after);
        assert_eq!(after["grid"], Value::Null, "{backend:?}: {after}");
        assert_eq!(after["address"], Value::Null);
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn bad_points_are_refused_with_the_error_shape(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        for (query, code, parameter) in [
            ("lat=91&lon=116.9", "invalid_parameter", Some("lat")),
            ("lat=-90.5&lon=116.9", "invalid_parameter", Some("lat")),
            ("lat=28.3&lon=190", "invalid_parameter", Some("lon")),
            ("lat=NaN&lon=116.9", "invalid_parameter", Some("lat")),
            (
                "lat=28.3&lon=116.9&coord_system=utm",
                "invalid_parameter",
                Some("coord_system"),
            ),
            ("lat=north&lon=116.9", "invalid_query", None),
            ("lat=28.3", "invalid_query", None),
            ("", "invalid_query", None),
        ] {
            let (status, body) = srv.get(&format!("{PATH}?{query}")).await;
            assert_eq!(status, 400, "{backend:?} {query}: {body}");
            assert_eq!(body["error"]["code"], code, "{query}: {body}");
            if let Some(parameter) = parameter {
                assert_eq!(
                    body["error"]["details"]["parameter"], parameter,
                    "{query}: {body}"
                );
            }
            contract.check("GET", PATH, 400, &body);
        }
    }
}
