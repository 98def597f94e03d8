//! A database that stays busy past its timeout (SQLite's one writer held by someone else)
//! answers 503 `unavailable` with `Retry-After`, never 500, and writes nothing; once it is
//! free the same request goes through.

use cunxiang_tests::{Backend, TestServer, covered};
use diesel::connection::SimpleConnection;
use serde_json::json;

/// SQLite only: PostgreSQL writers wait on row locks; there is no busy timeout to run past.
#[tokio::test]
async fn a_write_past_the_busy_timeout_is_503_with_retry_after() {
    let backend = Backend::Sqlite;
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        let t = admin.access_token.as_str();
        let body = json!({ "parent": "360603102203", "name": "渡口村第八村民小组" });

        let mut holder = srv.db.connect();
        holder.batch_execute("BEGIN IMMEDIATE").unwrap();
        let res = srv
            .client
            .post(srv.url("/v1/regions"))
            .bearer_auth(t)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 503);
        assert_eq!(
            res.headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()),
            Some("1")
        );
        let answer: serde_json::Value = res.json().await.unwrap();
        assert_eq!(answer["error"]["code"], "unavailable", "{answer}");
        holder.batch_execute("ROLLBACK").unwrap();

        let (_, children) = srv.get("/v1/regions?parent=360603102203").await;
        let named = |v: &serde_json::Value| {
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["name"] == "渡口村第八村民小组")
                .count()
        };
        assert_eq!(named(&children), 0, "nothing was written: {children}");
        let (status, made) = srv.post(Some(t), "/v1/regions", body).await;
        assert_eq!(status, 201, "{made}");
    }
}
