//! `GET /v1/board/{region}`: a village's public board without a log-in — this month's
//! figures over all its reports, and only its resolved reports of public categories, with
//! their photos before and after, none of them carrying anything personal.

use cunxiang_tests::intake::{ANNA, DUKOU};
use cunxiang_tests::lifecycle::{DUKOU_TEAM, Resolved};
use cunxiang_tests::{Backend, Contract, TestServer, covered};
use rstest::rstest;
use serde_json::json;

/// A GET without a token.
async fn public(srv: &TestServer, path: &str) -> (reqwest::StatusCode, serde_json::Value) {
    let (status, _, body) = srv.call(reqwest::Method::GET, path, None, None).await;
    (status, body)
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn the_board_shows_the_months_resolved_public_reports_and_nothing_personal(
    #[case] backend: Backend,
) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let admin = srv.login("admin").await;
        let worker = srv
            .staff_in(&admin, "dk-team", "grid_worker", DUKOU_TEAM)
            .await;
        let anna = srv.villager(ANNA).await;
        let Resolved {
            report: done,
            before,
            after,
        } = srv.resolved_at_dukou(&anna, &worker, "桥头垃圾堆", 5).await;
        // Still open, and a dispute (a private mediation case): counted, never listed.
        srv.report_at_dukou(&anna, "garbage", "还有一堆").await;
        let dispute = json!({ "category": "dispute", "description": "王五占了我家宅基地",
                              "location": { "lat": DUKOU.0, "lon": DUKOU.1, "coord_system": "wgs84" } });
        let (status, _) = srv
            .report(&anna.access_token, Some("board-2"), &dispute)
            .await;
        assert_eq!(status, 201);

        let village = done["region_id"].as_str().unwrap();
        let (status, board) = public(&srv, &format!("/v1/board/{village}")).await;
        assert_eq!(status, 200, "{board}");
        contract.check("GET", "/v1/board/{region}", 200, &board);
        assert_eq!(
            (
                board["received"].as_i64(),
                board["resolved"].as_i64(),
                board["rated"].as_i64()
            ),
            (Some(3), Some(1), Some(1))
        );
        assert_eq!(board["satisfaction_rate"], 1.0);
        let items = board["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{board}");
        assert_eq!(items[0]["case_number"], done["case_number"]);
        assert_eq!(items[0]["category_name"], "垃圾清运");
        let text = board.to_string();
        for secret in [ANNA, "宅基地", anna.id(), "13800000001"] {
            assert!(!text.contains(secret), "{secret} on the board: {text}");
        }
        for (side, want) in [("before", &before), ("after", &after)] {
            let photos = items[0][side].as_array().unwrap();
            assert_eq!(photos.len(), 1, "{side}: {board}");
            let thumb = photos[0]["thumb_url"].as_str().unwrap();
            assert!(thumb.contains(want.as_str()), "{side}: {thumb}");
            let res = srv.client.get(srv.url(thumb)).send().await.unwrap();
            assert_eq!(res.status(), 200, "{side} photo without a token");
        }

        let code = board["region"]["code"].as_str().unwrap();
        let (status, by_code) = public(&srv, &format!("/v1/board/{code}")).await;
        assert_eq!((status.as_u16(), &by_code["items"]), (200, &board["items"]));
        let (status, missing) = public(&srv, "/v1/board/999999999999").await;
        assert_eq!(status, 404, "{missing}");
        assert_eq!(missing["error"]["code"], "region_not_found");
    }
}
