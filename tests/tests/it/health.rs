//! Liveness, readiness and the served contract.

use cunxiang_storage::DatabaseTarget;
use cunxiang_tests::{Backend, Contract, TestServer, backends, covered};
use rstest::rstest;

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn healthz_and_readyz_answer_when_the_database_is_migrated(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let (status, body) = srv.get("/healthz").await;
        assert_eq!(status, 200);
        contract.check("GET", "/healthz", 200, &body);
        let (status, body) = srv.get("/readyz").await;
        assert_eq!(status, 200, "{backend:?}: {body}");
        contract.check("GET", "/readyz", 200, &body);
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn readyz_is_503_when_migrations_are_missing(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        // No workers: on PostgreSQL a worker's transaction and the reverting DROPs can
        // deadlock, and the readiness answer is what this test is about.
        let srv = TestServer::start_without_workers(backend).await;
        let url = srv.db.url.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = DatabaseTarget::parse(&url).unwrap().connect().unwrap();
            cunxiang_storage::migrate::revert_all(&mut conn).unwrap();
        })
        .await
        .unwrap();
        let (status, body) = srv.get("/readyz").await;
        assert_eq!(status, 503, "{backend:?}: {body}");
        assert_eq!(body["error"]["code"], "unavailable");
        contract.check("GET", "/readyz", 503, &body);
        let (status, _) = srv.get("/healthz").await;
        assert_eq!(status, 200, "the process itself is still up");
    }
}

#[tokio::test]
async fn the_contract_is_served_as_written() {
    let srv = TestServer::start(backends()[0]).await;
    let res = srv
        .client
        .get(srv.url("/openapi.yaml"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/yaml")
    );
    let text = res.text().await.unwrap();
    let on_disk =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml")).unwrap();
    assert_eq!(text, on_disk);
}
