//! Bad input: every failure answers with the JSON error shape and the right status.

use cunxiang_tests::{Backend, Contract, TestServer, covered};
use rstest::rstest;
use serde_json::Value;

fn code(body: &Value) -> &str {
    body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error shape: {body}"))
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn bad_parameters_are_400_or_404_with_the_error_shape(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let cases: [(&str, &str, u16, &str); 10] = [
            (
                "/v1/regions",
                "/v1/regions?depth=0",
                400,
                "invalid_parameter",
            ),
            (
                "/v1/regions",
                "/v1/regions?depth=5",
                400,
                "invalid_parameter",
            ),
            ("/v1/regions", "/v1/regions?depth=two", 400, "invalid_query"),
            (
                "/v1/regions",
                "/v1/regions?parent=999999",
                404,
                "region_not_found",
            ),
            (
                "/v1/regions",
                "/v1/regions?parent=no-such-place",
                400,
                "invalid_parameter",
            ),
            ("/v1/grids", "/v1/grids?limit=0", 400, "invalid_parameter"),
            (
                "/v1/grids",
                "/v1/grids?limit=1001",
                400,
                "invalid_parameter",
            ),
            (
                "/v1/grids",
                "/v1/grids?cursor=not-a-cursor",
                400,
                "invalid_parameter",
            ),
            (
                "/v1/units",
                "/v1/units?kind=police",
                400,
                "invalid_parameter",
            ),
            (
                "/v1/units",
                "/v1/units?region=360603999",
                404,
                "region_not_found",
            ),
        ];
        for (template, path, status, expected) in cases {
            let (got, body) = srv.get(path).await;
            assert_eq!(got.as_u16(), status, "{backend:?} {path}: {body}");
            assert_eq!(code(&body), expected, "{path}");
            contract.check("GET", template, status, &body);
        }
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn unknown_paths_and_wrong_methods_answer_json(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let (status, body) = srv.get("/v1/nothing-here").await;
        assert_eq!(status, 404);
        assert_eq!(code(&body), "not_found");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("/v1/nothing-here")
        );

        let res = srv
            .client
            .delete(srv.url("/v1/regions"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 405);
        assert_eq!(res.headers()["allow"], "GET, POST");
        assert_eq!(
            res.headers()["content-type"],
            "application/json; charset=utf-8"
        );
        let body: Value = res.json().await.unwrap();
        assert_eq!(code(&body), "method_not_allowed");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn bodies_on_read_only_routes_do_not_matter_but_every_response_has_a_request_id(
    #[case] backend: Backend,
) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let res = srv
            .client
            .post(srv.url("/v1/me"))
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            405,
            "no POST route: the method is refused first"
        );
        let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        let again = srv.client.get(srv.url("/healthz")).send().await.unwrap();
        assert_ne!(again.headers()["x-request-id"].to_str().unwrap(), id);
    }
}
