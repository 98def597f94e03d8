//! Password log-in throttling: wrong passwords slow one username from one address (and one
//! address over all usernames) with backoff; nothing locks an account, so an attacker cannot
//! keep its owner out, and unknown usernames are answered exactly like real ones.

use cunxiang_tests::db::TestDb;
use cunxiang_tests::{Backend, Contract, TestServer, covered};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

/// Tries a log-in from `address` (the server trusts `X-Forwarded-For` here); the status, the
/// `Retry-After` seconds if any, and the body.
async fn try_login(
    srv: &TestServer,
    address: &str,
    username: &str,
    password: &str,
) -> (StatusCode, Option<i64>, Value) {
    let res = srv
        .client
        .post(srv.url("/v1/auth/login"))
        .header("x-forwarded-for", address)
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .expect("request");
    let status = res.status();
    let retry = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok()?.parse().ok());
    (status, retry, res.json().await.unwrap_or(Value::Null))
}

/// The statuses (and `Retry-After`) of `n` wrong tries for `username` from `address`.
async fn wrong_tries(
    srv: &TestServer,
    address: &str,
    username: &str,
    n: usize,
) -> Vec<(u16, Option<i64>)> {
    let mut seen = Vec::new();
    for _ in 0..n {
        let (status, retry, _) = try_login(srv, address, username, "not-the-password").await;
        seen.push((status.as_u16(), retry));
    }
    seen
}

async fn start(backend: cunxiang_tests::Backend) -> TestServer {
    TestServer::start_on(TestDb::new(backend), |s| s.trust_proxy = true).await
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn wrong_passwords_slow_the_guesser_and_never_lock_the_owner_out(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = start(backend).await;
        let password = srv.demo_password();
        // Five wrong tries are answered 401; the sixth waits out a backoff.
        let seen = wrong_tries(&srv, "203.0.113.9", "admin", 5).await;
        assert_eq!(seen, vec![(401, None); 5], "{backend:?}");
        let (status, retry, body) = try_login(&srv, "203.0.113.9", "admin", &password).await;
        assert_eq!(status, 429, "{backend:?}: {body}");
        contract.check("POST", "/v1/auth/login", 429, &body);
        assert_eq!(body["error"]["code"], "too_many_attempts");
        assert_eq!(retry, Some(1), "the first wait is one second");

        // The attacker's backoff keeps nobody else out: the admin logs in from her office.
        let (status, _, body) = try_login(&srv, "198.51.100.7", "admin", &password).await;
        assert_eq!(
            status, 200,
            "{backend:?}: the owner is not locked out: {body}"
        );

        // Each further failure doubles the wait, up to 15 minutes, never a lock.
        let mut waits = Vec::new();
        for _ in 0..12 {
            srv.advance(chrono::Duration::seconds(901));
            let (status, retry, _) = try_login(&srv, "203.0.113.9", "admin", "nope-nope").await;
            assert_eq!(status, 401, "checked once the wait is over");
            let (status, retry_next, _) =
                try_login(&srv, "203.0.113.9", "admin", "nope-nope").await;
            assert_eq!((status.as_u16(), retry), (429, None));
            waits.push(retry_next.unwrap_or_default());
        }
        assert_eq!(&waits[..4], &[2, 4, 8, 16], "{waits:?}");
        assert_eq!(waits.last(), Some(&900), "{waits:?}");
        // Once the wait is over, the right password from that address works and clears it.
        srv.advance(chrono::Duration::seconds(901));
        let (status, _, body) = try_login(&srv, "203.0.113.9", "admin", &password).await;
        assert_eq!(status, 200, "{backend:?}: {body}");
        let seen = wrong_tries(&srv, "203.0.113.9", "admin", 1).await;
        assert_eq!(seen, vec![(401, None)], "a success starts the count again");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn unknown_and_known_usernames_are_answered_alike(#[case] backend: Backend) {
    if covered(backend) {
        let srv = start(backend).await;
        let known = wrong_tries(&srv, "203.0.113.10", "gw-1", 7).await;
        let unknown = wrong_tries(&srv, "203.0.113.11", "no-such-staff", 7).await;
        assert_eq!(known, unknown, "{backend:?}");
        assert_eq!(known[5], (429, Some(1)), "{known:?}");
        // The audit log still has every failure, with its reason.
        let admin = srv.login("admin").await;
        let (status, audit) = srv
            .get_as(
                &admin.access_token,
                "/v1/audit?action=login_failed&limit=100",
            )
            .await;
        assert_eq!(status, 200);
        let reasons = |subject: &str| -> Vec<String> {
            audit["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|e| e["subject"] == subject)
                .map(|e| e["details"]["reason"].as_str().unwrap_or("").to_owned())
                .collect()
        };
        for subject in ["gw-1", "no-such-staff"] {
            let mut got = reasons(subject);
            got.sort();
            assert_eq!(got.len(), 7, "{subject}: {got:?}");
            assert_eq!(
                got.iter().filter(|r| *r == "throttled").count(),
                2,
                "{got:?}"
            );
        }
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn one_address_spraying_many_usernames_is_slowed(#[case] backend: Backend) {
    if covered(backend) {
        let srv = start(backend).await;
        let mut statuses = Vec::new();
        for i in 0..31 {
            let (status, _, _) =
                try_login(&srv, "203.0.113.12", &format!("staff-{i}"), "guess-guess").await;
            statuses.push(status.as_u16());
        }
        assert_eq!(&statuses[..30], &[401; 30], "{backend:?}");
        assert_eq!(statuses[30], 429, "{backend:?}: the 31st username waits");
        // Another address is not slowed by it.
        let password = srv.demo_password();
        let (status, _, _) = try_login(&srv, "198.51.100.8", "gw-1", &password).await;
        assert_eq!(status, 200);
    }
}
