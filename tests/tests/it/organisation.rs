//! The organisation model over HTTP: regions, grids, units and categories of the demo county.

use cunxiang_tests::{Backend, Contract, TestServer, covered};
use rstest::rstest;
use serde_json::Value;

fn names(items: &Value) -> Vec<&str> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn regions_list_the_townships_of_yujiang_by_real_code(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let (status, top) = srv.get("/v1/regions").await;
        assert_eq!(status, 200, "{backend:?}");
        contract.check("GET", "/v1/regions", 200, &top);
        assert_eq!(names(&top["items"]), ["余江区"]);
        assert_eq!(top["items"][0]["code"], "360603");

        let (status, body) = srv.get("/v1/regions?parent=360603").await;
        assert_eq!(status, 200);
        contract.check("GET", "/v1/regions", 200, &body);
        let items = body["items"].as_array().unwrap();
        let codes: Vec<&str> = items.iter().map(|r| r["code"].as_str().unwrap()).collect();
        assert_eq!(codes.len(), 18, "{backend:?}: {codes:?}");
        assert!(
            codes.windows(2).all(|w| w[0] < w[1]),
            "ordered by code: {codes:?}"
        );
        let huangxi = items.iter().find(|r| r["code"] == "360603102").unwrap();
        assert_eq!(huangxi["name"], "潢溪镇");
        assert_eq!(huangxi["level"], "township");
        assert_eq!(huangxi["parent_id"], top["items"][0]["id"]);
        assert!(huangxi.get("children").is_none(), "depth 1 is flat");

        // The same parent by id, and two levels nested.
        let id = huangxi["id"].as_str().unwrap();
        let (_, by_id) = srv.get(&format!("/v1/regions?parent={id}")).await;
        let villages = names(&by_id["items"]);
        assert!(villages.contains(&"渡口村民委员会"), "{villages:?}");
        let (_, nested) = srv.get("/v1/regions?parent=360603&depth=2").await;
        contract.check("GET", "/v1/regions", 200, &nested);
        let nested_huangxi = nested["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == "360603102")
            .unwrap();
        assert_eq!(names(&nested_huangxi["children"]), villages);
        assert!(nested_huangxi["children"][0].get("children").is_none());
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn grids_page_through_all_and_filter_by_subtree(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let mut seen = Vec::new();
        let mut path = "/v1/grids?limit=4".to_owned();
        loop {
            let (status, page) = srv.get(&path).await;
            assert_eq!(status, 200, "{backend:?}");
            contract.check("GET", "/v1/grids", 200, &page);
            for grid in page["items"].as_array().unwrap() {
                seen.push(grid["name"].as_str().unwrap().to_owned());
                let bbox: Vec<f64> = grid["bbox"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap())
                    .collect();
                assert!(bbox[0] < bbox[2] && bbox[1] < bbox[3], "{bbox:?}");
                assert!((116.6..117.2).contains(&bbox[0]) && (28.0..28.7).contains(&bbox[1]));
            }
            match page["next_cursor"].as_str() {
                Some(cursor) => path = format!("/v1/grids?limit=4&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(seen.len(), 6, "{seen:?}");
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 6, "no grid twice: {seen:?}");

        let (_, huangxi) = srv.get("/v1/grids?region=360603102").await;
        let mut in_huangxi = names(&huangxi["items"]);
        in_huangxi.sort();
        assert_eq!(in_huangxi, ["渡口村网格", "潢溪村网格"]);
        let (_, none) = srv.get("/v1/grids?region=360603105").await;
        assert_eq!(none["items"].as_array().unwrap().len(), 0);
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn units_filter_by_kind_and_region(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let (status, county) = srv.get("/v1/units?kind=county_department").await;
        assert_eq!(status, 200);
        contract.check("GET", "/v1/units", 200, &county);
        let departments: Vec<&str> = county["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["department"].as_str().unwrap())
            .collect();
        for wanted in ["sanitation", "transport", "water", "justice", "governance"] {
            assert!(
                departments.contains(&wanted),
                "{backend:?}: {departments:?}"
            );
        }

        let (_, huangxi) = srv.get("/v1/units?region=360603102&limit=1000").await;
        contract.check("GET", "/v1/units", 200, &huangxi);
        let here = names(&huangxi["items"]);
        for wanted in [
            "潢溪镇综治中心",
            "潢溪镇交通站",
            "渡口村民委员会",
            "渡口村网格工作组",
        ] {
            assert!(here.contains(&wanted), "{wanted} missing from {here:?}");
        }
        assert!(
            !here.iter().any(|n| n.starts_with("余江区")),
            "county units are above 潢溪镇"
        );
        let team = huangxi["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["name"] == "渡口村网格工作组")
            .unwrap();
        assert_eq!(team["kind"], "grid_team");
        assert!(team["grid_id"].is_string());
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn categories_carry_their_time_limits(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let (status, body) = srv.get("/v1/categories").await;
        assert_eq!(status, 200);
        contract.check("GET", "/v1/categories", 200, &body);
        let items = body["items"].as_array().unwrap();
        let garbage = items.iter().find(|c| c["code"] == "garbage").unwrap();
        assert_eq!(garbage["name"], "垃圾清运");
        assert_eq!(garbage["start_level"], "group");
        assert_eq!(garbage["accept_within_minutes"], 30);
        assert_eq!(garbage["resolve_within_minutes"], 240);
        assert_eq!(garbage["evidence_required"], true);
        let order: Vec<i64> = items
            .iter()
            .map(|c| c["sort_order"].as_i64().unwrap())
            .collect();
        assert!(order.windows(2).all(|w| w[0] <= w[1]), "{order:?}");
        assert!(items.iter().any(|c| c["code"] == "dispute"));
    }
}
