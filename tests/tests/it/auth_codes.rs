//! Villager log-in by SMS code: through a provider, with a configured test phone, and the
//! abuse cases — wrong, replayed and exhausted codes, floods from one phone or one address.

use cunxiang_tests::session::session_of;
use cunxiang_tests::{Backend, Contract, TestDb, TestServer, covered};
use reqwest::Method;
use rstest::rstest;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The code the mock SMS provider was asked to send to `phone`, newest last.
async fn codes_sent(sms: &MockServer, phone: &str) -> Vec<String> {
    sms.received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter_map(|r| serde_json::from_slice::<Value>(&r.body).ok())
        .filter(|b| b["phone"] == phone)
        .map(|b| b["params"]["code"].as_str().unwrap().to_owned())
        .collect()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_code_from_the_sms_provider_logs_a_new_villager_in_once(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let sms = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/send"))
            .and(header("authorization", "Bearer sms-key"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&sms)
            .await;
        let srv = TestServer::start_on(TestDb::new(backend), |s| {
            s.sms_url = Some(format!("{}/send", sms.uri()));
            s.sms_key = Some(cunxiang_api::settings::Secret("sms-key".into()));
        })
        .await;
        let (status, body) = srv
            .post(
                None,
                "/v1/auth/otp",
                json!({ "phone": "+86 139-0000-1111" }),
            )
            .await;
        assert_eq!(status, 202, "{backend:?}: {body}");
        contract.check("POST", "/v1/auth/otp", 202, &body);
        let code = codes_sent(&sms, "13900001111")
            .await
            .pop()
            .expect("an SMS was sent");
        assert_eq!(code.len(), 6);

        let wrong = if code == "000000" { "111111" } else { "000000" };
        let (status, body) = srv
            .post(
                None,
                "/v1/auth/login",
                json!({ "phone": "13900001111", "code": wrong }),
            )
            .await;
        assert_eq!(status, 401);
        assert_eq!(body["error"]["code"], "invalid_code");
        contract.check("POST", "/v1/auth/login", 401, &body);

        let login = json!({ "phone": "13900001111", "code": code });
        let (status, body) = srv.post(None, "/v1/auth/login", login.clone()).await;
        assert_eq!(status, 200, "{body}");
        contract.check("POST", "/v1/auth/login", 200, &body);
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 900);
        assert_eq!(body["user"]["role"], "villager");
        assert_eq!(
            body["user"]["phone"], "13900001111",
            "her own phone, unmasked"
        );
        let me = session_of(&body);

        let (status, again) = srv.post(None, "/v1/auth/login", login).await;
        assert_eq!(status, 401, "a code works once: {again}");

        let (status, who) = srv.get_as(&me.access_token, "/v1/me").await;
        assert_eq!(status, 200);
        contract.check("GET", "/v1/me", 200, &who);
        assert_eq!(who["id"], me.user["id"]);

        // A second log-in of the same phone is the same villager.
        srv.post(None, "/v1/auth/otp", json!({ "phone": "13900001111" }))
            .await;
        let code = codes_sent(&sms, "13900001111").await.pop().unwrap();
        let (_, body) = srv
            .post(
                None,
                "/v1/auth/login",
                json!({ "phone": "13900001111", "code": code }),
            )
            .await;
        assert_eq!(body["user"]["id"], me.user["id"]);
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn five_wrong_tries_spend_a_code(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_on(TestDb::new(backend), |s| {
            s.test_phones = vec![(
                "13800000000".into(),
                cunxiang_api::settings::Secret("123456".into()),
            )];
        })
        .await;
        let (status, _) = srv
            .post(None, "/v1/auth/otp", json!({ "phone": "13800000000" }))
            .await;
        assert_eq!(status, 202);
        for _ in 0..5 {
            let (status, _) = srv
                .post(
                    None,
                    "/v1/auth/login",
                    json!({ "phone": "13800000000", "code": "654321" }),
                )
                .await;
            assert_eq!(status, 401);
        }
        let (status, body) = srv
            .post(
                None,
                "/v1/auth/login",
                json!({ "phone": "13800000000", "code": "123456" }),
            )
            .await;
        assert_eq!(
            status, 401,
            "{backend:?}: the right code after five wrong ones: {body}"
        );
        // A fresh code works again.
        srv.post(None, "/v1/auth/otp", json!({ "phone": "13800000000" }))
            .await;
        let (status, _) = srv
            .post(
                None,
                "/v1/auth/login",
                json!({ "phone": "13800000000", "code": "123456" }),
            )
            .await;
        assert_eq!(status, 200);
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn code_floods_are_429_with_retry_after(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start_on(TestDb::new(backend), |s| {
            s.otp_per_phone_hour = 3;
            s.otp_per_ip_hour = 5;
        })
        .await;
        for _ in 0..3 {
            let (status, _) = srv
                .post(None, "/v1/auth/otp", json!({ "phone": "13700000001" }))
                .await;
            assert_eq!(status, 202);
        }
        let (status, headers, body) = srv
            .call(
                Method::POST,
                "/v1/auth/otp",
                None,
                Some(&json!({ "phone": "13700000001" })),
            )
            .await;
        assert_eq!(status, 429, "{backend:?}: {body}");
        contract.check("POST", "/v1/auth/otp", 429, &body);
        let retry: i64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((3000..=3600).contains(&retry), "{retry}");

        // Other phones from the same address: two more pass, then the address is cut off.
        for phone in ["13700000002", "13700000003"] {
            let (status, _) = srv
                .post(None, "/v1/auth/otp", json!({ "phone": phone }))
                .await;
            assert_eq!(status, 202);
        }
        let (status, body) = srv
            .post(None, "/v1/auth/otp", json!({ "phone": "13700000004" }))
            .await;
        assert_eq!(status, 429);
        assert_eq!(body["error"]["code"], "too_many_codes");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn bad_phones_and_bodies_are_refused_without_a_trace(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let (status, body) = srv
            .post(None, "/v1/auth/otp", json!({ "phone": "12345" }))
            .await;
        assert_eq!(
            (status.as_u16(), body["error"]["code"].as_str()),
            (400, Some("invalid_phone"))
        );
        let (status, body) = srv
            .post(None, "/v1/auth/otp", json!({ "mobile": "13800000000" }))
            .await;
        assert_eq!(
            (status.as_u16(), body["error"]["code"].as_str()),
            (422, Some("invalid_body"))
        );
        let (status, body) = srv
            .post(None, "/v1/auth/login", json!({ "phone": "13800000000" }))
            .await;
        assert_eq!(status, 422, "{body}");
        let (status, _) = srv
            .post(
                None,
                "/v1/auth/login",
                json!({ "phone": "13800000000", "code": "123456" }),
            )
            .await;
        assert_eq!(status, 401, "no code was ever sent");
        // No villager was created by any of this.
        let admin = srv.login("admin").await;
        let (_, users) = srv
            .get_as(&admin.access_token, "/v1/users?role=villager")
            .await;
        assert_eq!(users["items"].as_array().unwrap().len(), 0, "{users}");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn an_sms_provider_failure_is_502(#[case] backend: Backend) {
    if covered(backend) {
        let sms = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(500))
            .mount(&sms)
            .await;
        let srv = TestServer::start_on(TestDb::new(backend), |s| s.sms_url = Some(sms.uri())).await;
        let (status, body) = srv
            .post(None, "/v1/auth/otp", json!({ "phone": "13600000000" }))
            .await;
        assert_eq!(status, 502, "{body}");
        assert_eq!(body["error"]["code"], "sms_unavailable");
    }
}
