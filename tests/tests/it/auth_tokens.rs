//! Refresh rotation, and tokens that must be refused: forged, expired, unsigned,
//! tampered, and a disabled account's still-valid one.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cunxiang_api::auth::tokens;
use cunxiang_api::keys::Keys;
use cunxiang_tests::session::session_of;
use cunxiang_tests::{Backend, Contract, TestServer, covered};
use reqwest::Method;
use rstest::rstest;
use serde_json::json;

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_revokes_the_family(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let first = srv.login("hx-supervisor").await;
        let old = first.refresh_token.clone().unwrap();
        let (status, body) = srv
            .post(None, "/v1/auth/refresh", json!({ "refresh_token": old }))
            .await;
        assert_eq!(status, 200, "{backend:?}: {body}");
        contract.check("POST", "/v1/auth/refresh", 200, &body);
        let second = session_of(&body);
        assert_ne!(second.refresh_token, first.refresh_token);
        let (status, _) = srv.get_as(&second.access_token, "/v1/me").await;
        assert_eq!(status, 200);

        // The old token again: refused, and the new one dies with it.
        let (status, body) = srv
            .post(None, "/v1/auth/refresh", json!({ "refresh_token": old }))
            .await;
        assert_eq!(status, 401);
        contract.check("POST", "/v1/auth/refresh", 401, &body);
        let newer = second.refresh_token.unwrap();
        let (status, _) = srv
            .post(None, "/v1/auth/refresh", json!({ "refresh_token": newer }))
            .await;
        assert_eq!(status, 401, "the family is revoked");
        let (status, _) = srv
            .post(
                None,
                "/v1/auth/refresh",
                json!({ "refresh_token": "made-up" }),
            )
            .await;
        assert_eq!(status, 401);
    }
}

fn server_keys(srv: &TestServer) -> Keys {
    Keys::load(None, &srv.db.dir.path().join("data")).unwrap()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn forged_expired_unsigned_and_tampered_tokens_are_401(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        let id = admin.id().to_owned();
        let keys = server_keys(&srv);
        let now = chrono::Utc::now().timestamp();

        let expired = tokens::issue(&keys, &id, "admin", None, None, now - 7200, 900).unwrap();
        let foreign_keys = Keys::from_secret(b"somebody-else's-secret-somebody-else").unwrap();
        let foreign = tokens::issue(&foreign_keys, &id, "admin", None, None, now, 900).unwrap();
        let parts: Vec<&str> = admin.access_token.split('.').collect();
        let none_header = URL_SAFE_NO_PAD.encode(format!(
            r#"{{"alg":"none","typ":"JWT","kid":"{}"}}"#,
            keys.kid
        ));
        let unsigned = format!("{none_header}.{}.", parts[1]);
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        let tampered = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(payload.replace(&id, "00000000-0000-7000-8000-000000000000")),
            parts[2]
        );
        for (what, token) in [
            ("expired", expired),
            ("foreign key", foreign),
            ("alg none", unsigned),
            ("tampered", tampered),
            ("garbage", "abc.def.ghi".to_owned()),
        ] {
            let (status, headers, body) = srv.call(Method::GET, "/v1/me", Some(&token), None).await;
            assert_eq!(status, 401, "{backend:?} {what}: {body}");
            assert_eq!(headers["www-authenticate"], "Bearer");
            contract.check("GET", "/v1/me", 401, &body);
        }
        let (status, body) = srv.get("/v1/me").await;
        assert_eq!(
            (status.as_u16(), body["error"]["code"].as_str()),
            (401, Some("unauthenticated"))
        );
        // The genuine token still works.
        let (status, _) = srv.get_as(&admin.access_token, "/v1/me").await;
        assert_eq!(status, 200);
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_disabled_accounts_tokens_stop_working_at_once(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        let worker = srv.login("gw-2").await;
        let (status, _) = srv.get_as(&worker.access_token, "/v1/me").await;
        assert_eq!(status, 200);
        let path = format!("/v1/users/{}", worker.id());
        let (status, body) = srv
            .patch(&admin.access_token, &path, json!({ "status": "disabled" }))
            .await;
        assert_eq!(status, 200, "{backend:?}: {body}");
        assert_eq!(body["status"], "disabled");

        let (status, body) = srv.get_as(&worker.access_token, "/v1/me").await;
        assert_eq!(
            (status.as_u16(), body["error"]["code"].as_str()),
            (401, Some("account_disabled"))
        );
        let refresh = json!({ "refresh_token": worker.refresh_token.unwrap() });
        let (status, _) = srv.post(None, "/v1/auth/refresh", refresh).await;
        assert_eq!(status, 401);
        let login = json!({ "username": "gw-2", "password": srv.demo_password() });
        let (status, body) = srv.post(None, "/v1/auth/login", login).await;
        assert_eq!(
            (status.as_u16(), body["error"]["code"].as_str()),
            (403, Some("account_disabled"))
        );
    }
}

/// Token answers, and every other answer of the log-in routes, tell browsers and proxies not
/// to keep them (RFC 6749 §5.1); other routes are left to their own caching.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn token_answers_are_never_stored(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let right = json!({ "username": "admin", "password": srv.demo_password() });
        let wrong = json!({ "username": "admin", "password": "not-the-password" });
        for (body, status) in [(right, 200), (wrong, 401)] {
            let (got, headers, answer) = srv
                .call(Method::POST, "/v1/auth/login", None, Some(&body))
                .await;
            assert_eq!(got, status, "{backend:?}: {answer}");
            assert_eq!(headers["cache-control"], "no-store", "{backend:?}");
            assert_eq!(headers["pragma"], "no-cache", "{backend:?}");
        }
        let (_, headers, _) = srv.call(Method::GET, "/v1/categories", None, None).await;
        assert!(headers.get("pragma").is_none());
    }
}
