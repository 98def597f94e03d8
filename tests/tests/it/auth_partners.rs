//! WeChat mini-program log-in (against a mock of WeChat) and client credentials for partner
//! servers, with their failure cases.

use cunxiang_tests::{Backend, Contract, TestDb, TestServer, covered};
use reqwest::Method;
use rstest::rstest;
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn wechat_codes_log_villagers_in_and_bad_codes_are_401(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let wechat = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/sns/jscode2session"))
            .and(query_param("appid", "wx-app"))
            .and(query_param("secret", "wx-secret"))
            .and(query_param("js_code", "good-code"))
            .and(query_param("grant_type", "authorization_code"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({ "openid": "o-villager-1", "session_key": "sk", "unionid": "u-1" }),
            ))
            .mount(&wechat)
            .await;
        Mock::given(method("GET"))
            .and(path("/sns/jscode2session"))
            .and(query_param("js_code", "bad-code"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({ "errcode": 40029, "errmsg": "invalid code" })),
            )
            .mount(&wechat)
            .await;
        let srv = TestServer::start_on(TestDb::new(backend), |s| {
            s.wechat_url = wechat.uri();
            s.wechat_app_id = Some("wx-app".into());
            s.wechat_app_secret = Some(cunxiang_api::settings::Secret("wx-secret".into()));
        })
        .await;
        let (status, first) = srv
            .post(None, "/v1/auth/wechat", json!({ "code": "good-code" }))
            .await;
        assert_eq!(status, 200, "{backend:?}: {first}");
        contract.check("POST", "/v1/auth/wechat", 200, &first);
        assert_eq!(first["user"]["role"], "villager");
        assert_eq!(first["user"]["wechat_linked"], true);
        let (_, second) = srv
            .post(None, "/v1/auth/wechat", json!({ "code": "good-code" }))
            .await;
        assert_eq!(
            second["user"]["id"], first["user"]["id"],
            "the same openid is the same villager"
        );

        let (status, body) = srv
            .post(None, "/v1/auth/wechat", json!({ "code": "bad-code" }))
            .await;
        assert_eq!(
            (status.as_u16(), body["error"]["code"].as_str()),
            (401, Some("invalid_wechat_code"))
        );
        contract.check("POST", "/v1/auth/wechat", 401, &body);
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn wechat_unconfigured_or_unreachable_is_a_clear_error(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let (status, body) = srv
            .post(None, "/v1/auth/wechat", json!({ "code": "x" }))
            .await;
        assert_eq!(
            (status.as_u16(), body["error"]["code"].as_str()),
            (503, Some("wechat_not_configured"))
        );

        let srv = TestServer::start_on(TestDb::new(backend), |s| {
            s.wechat_url = "http://127.0.0.1:1".into();
            s.wechat_app_id = Some("wx-app".into());
            s.wechat_app_secret = Some(cunxiang_api::settings::Secret("wx-secret".into()));
        })
        .await;
        let (status, body) = srv
            .post(None, "/v1/auth/wechat", json!({ "code": "x" }))
            .await;
        assert_eq!(
            (status.as_u16(), body["error"]["code"].as_str()),
            (502, Some("wechat_unavailable"))
        );
        assert!(!body.to_string().contains("wx-secret"));
    }
}

async fn token_request(
    srv: &TestServer,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
    let mut req = srv.client.post(srv.url("/v1/auth/token")).form(form);
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    let res = req.send().await.unwrap();
    let (status, headers) = (res.status().as_u16(), res.headers().clone());
    (status, headers, res.json().await.unwrap_or_default())
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn clients_get_tokens_with_their_secret_and_are_rate_limited(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        let (status, created) = srv
            .post(
                Some(&admin.access_token),
                "/v1/clients",
                json!({ "name": "余江区12345热线", "scopes": ["reports:read", "reports:write"],
                        "region": "360603", "rate_limit_per_minute": 3 }),
            )
            .await;
        assert_eq!(status, 201, "{backend:?}: {created}");
        contract.check("POST", "/v1/clients", 201, &created);
        let id = created["client"]["client_id"].as_str().unwrap().to_owned();
        let secret = created["client_secret"].as_str().unwrap().to_owned();

        let (status, _, body) = token_request(
            &srv,
            &[("grant_type", "client_credentials")],
            Some((&id, &secret)),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        contract.check("POST", "/v1/auth/token", 200, &body);
        assert_eq!(body["scope"], "reports:read reports:write");
        assert!(body.get("refresh_token").is_none());
        let token = body["access_token"].as_str().unwrap().to_owned();
        let (status, me) = srv.get_as(&token, "/v1/me").await;
        assert_eq!(status, 200, "{me}");
        contract.check("GET", "/v1/me", 200, &me);
        assert_eq!(me["client"]["client_id"], id.as_str());

        // Two more requests fit the limit of three a minute (the token request took one).
        let (status, _) = srv.get_as(&token, "/v1/me").await;
        assert_eq!(status, 200);
        let (status, headers, body) = srv.call(Method::GET, "/v1/me", Some(&token), None).await;
        assert_eq!(status, 429, "{body}");
        assert!(headers.contains_key("retry-after"));

        // A client token is not a user: user routes refuse it.
        let (status, _) = srv.get_as(&token, "/v1/users").await;
        assert!(status == 403 || status == 429, "{status}");

        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", id.as_str()),
            ("client_secret", "wrong"),
        ];
        let (status, _, body) = token_request(&srv, &form, None).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (401, Some("invalid_client"))
        );
        let (status, _, body) =
            token_request(&srv, &[("grant_type", "password")], Some((&id, &secret))).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("unsupported_grant_type"))
        );
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn rotating_a_secret_retires_the_old_one_and_scopes_are_bounded(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        let (_, created) = srv
            .post(
                Some(&admin.access_token),
                "/v1/clients",
                json!({ "name": "小程序", "scopes": ["reports:read"], "region": "360603102" }),
            )
            .await;
        let id = created["client"]["client_id"].as_str().unwrap().to_owned();
        let old = created["client_secret"].as_str().unwrap().to_owned();
        let form = [
            ("grant_type", "client_credentials"),
            ("scope", "reports:write"),
        ];
        let (status, _, body) = token_request(&srv, &form, Some((&id, &old))).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("invalid_scope"))
        );

        let (status, rotated) = srv
            .post(
                Some(&admin.access_token),
                &format!("/v1/clients/{id}/rotate"),
                json!({}),
            )
            .await;
        assert_eq!(status, 200, "{backend:?}: {rotated}");
        let new = rotated["client_secret"].as_str().unwrap().to_owned();
        let grant = [("grant_type", "client_credentials")];
        let (status, _, _) = token_request(&srv, &grant, Some((&id, &old))).await;
        assert_eq!(status, 401, "the old secret is dead");
        let (status, _, _) = token_request(&srv, &grant, Some((&id, &new))).await;
        assert_eq!(status, 200);

        let (status, changed) = srv
            .patch(
                &admin.access_token,
                &format!("/v1/clients/{id}"),
                json!({ "status": "disabled" }),
            )
            .await;
        assert_eq!(status, 200, "{changed}");
        let (status, _, _) = token_request(&srv, &grant, Some((&id, &new))).await;
        assert_eq!(status, 401, "a disabled client gets no token");

        let (_, audit) = srv.get_as(&admin.access_token, "/v1/audit").await;
        let actions: Vec<&str> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        for wanted in ["client_created", "client_rotated", "client_changed"] {
            assert!(actions.contains(&wanted), "{wanted} not in {actions:?}");
        }
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn removed_scopes_and_rotated_secrets_take_effect_on_live_tokens(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        let (_, created) = srv
            .post(
                Some(&admin.access_token),
                "/v1/clients",
                json!({ "name": "热线", "scopes": ["reports:read", "reports:write"], "region": "360603" }),
            )
            .await;
        let id = created["client"]["client_id"].as_str().unwrap().to_owned();
        let secret = created["client_secret"].as_str().unwrap().to_owned();
        let (_, _, body) = token_request(
            &srv,
            &[("grant_type", "client_credentials")],
            Some((&id, &secret)),
        )
        .await;
        let token = body["access_token"].as_str().unwrap().to_owned();
        let (status, _) = srv
            .patch(
                &admin.access_token,
                &format!("/v1/clients/{id}"),
                json!({ "scopes": ["reports:read"] }),
            )
            .await;
        assert_eq!(status, 200);
        let (_, me) = srv.get_as(&token, "/v1/me").await;
        assert_eq!(
            me["token_scopes"],
            json!(["reports:read"]),
            "{backend:?}: {me}"
        );

        // Tokens are stamped in whole seconds: rotate in a later second than the issue.
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let (status, _) = srv
            .post(
                Some(&admin.access_token),
                &format!("/v1/clients/{id}/rotate"),
                json!({}),
            )
            .await;
        assert_eq!(status, 200);
        let (status, body) = srv.get_as(&token, "/v1/me").await;
        assert_eq!(status, 401, "{body}");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn failed_wechat_log_ins_are_audited(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let (status, _) = srv
            .post(None, "/v1/auth/wechat", json!({ "code": "x" }))
            .await;
        assert_eq!(status, 503);
        let admin = srv.login("admin").await;
        let (_, audit) = srv
            .get_as(&admin.access_token, "/v1/audit?action=login_failed")
            .await;
        let entry = &audit["items"][0];
        assert_eq!(entry["details"]["method"], "wechat", "{backend:?}: {audit}");
        assert_eq!(entry["details"]["reason"], "wechat_not_configured");
    }
}
