//! The demo county: seeded once into an empty database, never again, and not with `--no-demo`.

use cunxiang_tests::{Backend, TestDb, TestServer, covered};
use rstest::rstest;

async fn region_count(srv: &TestServer) -> usize {
    let (_, top) = srv.get("/v1/regions?depth=4").await;
    fn count(items: &serde_json::Value) -> usize {
        items
            .as_array()
            .map_or(0, |a| a.iter().map(|r| 1 + count(&r["children"])).sum())
    }
    count(&top["items"])
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn the_demo_is_seeded_once(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let first = region_count(&srv).await;
        assert_eq!(
            first, 193,
            "{backend:?}: county + 18 townships + 174 villages"
        );
        let (_, units) = srv.get("/v1/units?limit=1000").await;
        let unit_count = units["items"].as_array().unwrap().len();
        let db = srv.stop();

        let srv = TestServer::start_on(db, |_| {}).await;
        assert_eq!(
            region_count(&srv).await,
            first,
            "restart does not seed again"
        );
        let (_, units) = srv.get("/v1/units?limit=1000").await;
        assert_eq!(units["items"].as_array().unwrap().len(), unit_count);
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn no_demo_leaves_the_database_empty(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_on(TestDb::new(backend), |s| s.demo = false).await;
        assert_eq!(region_count(&srv).await, 0, "{backend:?}");
        let (status, categories) = srv.get("/v1/categories").await;
        assert_eq!(status, 200);
        assert_eq!(categories["items"].as_array().unwrap().len(), 0);
    }
}
