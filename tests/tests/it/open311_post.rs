//! The Open311 GeoReport v2 façade, write side: `POST requests` with an API client's api_key,
//! form-encoded and multipart with a photo, becomes a routed report like any other (channel
//! `open311`); a missing, wrong or disabled api_key and bad input are refused in the spec's
//! error shape with nothing created — on both databases.

use cunxiang_tests::intake::{DUKOU, dukou_photo, rows};
use cunxiang_tests::{Backend, TestServer, covered};
use rstest::rstest;
use serde_json::{Value, json};

use super::open311::{is_error, valid, xml};

/// An API client made by the admin; returns `client_id:client_secret` and the client id.
async fn client(srv: &TestServer, admin: &str, scopes: &[&str]) -> (String, String) {
    let (status, created) = srv
        .post(
            Some(admin),
            "/v1/clients",
            json!({ "name": "余江区12345热线", "scopes": scopes, "region": "360603" }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["client"]["client_id"].as_str().unwrap().to_owned();
    let secret = created["client_secret"].as_str().unwrap();
    (format!("{id}:{secret}"), id)
}

/// `POST /open311/v2/requests.{format}` with form fields: status, content type, body text.
async fn post_form(srv: &TestServer, format: &str, form: &[(&str, &str)]) -> (u16, String, String) {
    let res = srv
        .client
        .post(srv.url(&format!("/open311/v2/requests.{format}")))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
    (status, kind, res.text().await.unwrap())
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_post_with_a_photo_becomes_a_routed_report(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        let scopes = ["reports:write", "reports:on_behalf"];
        let (key, _) = client(&srv, &admin.access_token, &scopes).await;
        let (lat, long) = (DUKOU.0.to_string(), DUKOU.1.to_string());
        let form = reqwest::multipart::Form::new()
            .text("api_key", key.clone())
            .text("service_code", "garbage")
            .text("lat", lat.clone())
            .text("long", long.clone())
            .text("address_string", "渡口村村口")
            .text("description", "路边垃圾")
            .text("attribute[size]", "large")
            .text("media_url", "https://example.org/p/1.jpg")
            .part(
                "media",
                reqwest::multipart::Part::bytes(dukou_photo(1)).file_name("p.jpg"),
            );
        let res = srv
            .client
            .post(srv.url("/open311/v2/requests.json"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let answer: Value = res.json().await.unwrap();
        assert_eq!(status, 201, "{backend:?}: {answer}");
        let id = answer[0]["service_request_id"].as_str().unwrap().to_owned();
        assert_eq!(answer[0]["token"], id.as_str());

        let (status, report) = srv
            .get_as(&admin.access_token, &format!("/v1/reports/{id}"))
            .await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["channel"], "open311");
        assert_eq!(report["status"], "assigned", "{report}");
        assert_eq!(report["unit"]["name"], "渡口村网格工作组");
        assert_eq!(report["photos"].as_array().unwrap().len(), 1, "{report}");
        assert_eq!(report["address"], "渡口村村口");
        let text = report["description"].as_str().unwrap();
        assert!(
            text.contains("[size] large") && text.contains("[media_url]"),
            "{text}"
        );
        let kinds: Vec<&str> = report["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["submitted", "assigned"]);

        let (status, _, text) =
            super::open311::fetch(&srv, &format!("/open311/v2/requests/{id}.json")).await;
        assert_eq!(status, 200, "{text}");
        let read: Value = serde_json::from_str(&text).unwrap();
        valid("requests.json", &read);
        assert!(
            read[0]["media_url"]
                .as_str()
                .unwrap()
                .contains("/v1/media/")
        );

        // Form-encoded, XML answer, for a villager by phone (代办).
        let (status, kind, text) = post_form(
            &srv,
            "xml",
            &[
                ("api_key", &key),
                ("service_code", "road"),
                ("lat", &lat),
                ("long", &long),
                ("description", "路面坑洼"),
                ("phone", "13800000009"),
                ("first_name", "小芳"),
                ("last_name", "王"),
            ],
        )
        .await;
        assert_eq!(status, 201, "{text}");
        assert!(kind.starts_with("text/xml"));
        let (children, ids) = xml(&text, "service_requests", "service_request_id");
        assert_eq!(children, ["request"]);
        let (_, report) = srv
            .get_as(&admin.access_token, &format!("/v1/reports/{}", ids[0]))
            .await;
        assert_eq!(report["reporter"]["display_name"], "王小芳", "{report}");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn bad_posts_are_refused_in_the_spec_shape_and_create_nothing(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        let (key, id) = client(&srv, &admin.access_token, &["reports:write"]).await;
        let (read_only, _) = client(&srv, &admin.access_token, &["reports:read"]).await;
        let (lat, long) = (DUKOU.0.to_string(), DUKOU.1.to_string());
        let before = rows(&srv);
        let cases: Vec<(Vec<(&str, &str)>, u16)> = vec![
            (
                vec![("service_code", "garbage"), ("lat", &lat), ("long", &long)],
                400,
            ),
            (
                vec![
                    ("api_key", "nobody:nothing"),
                    ("service_code", "garbage"),
                    ("lat", &lat),
                    ("long", &long),
                ],
                403,
            ),
            (
                vec![
                    ("api_key", "no-colon"),
                    ("service_code", "garbage"),
                    ("lat", &lat),
                    ("long", &long),
                ],
                403,
            ),
            (
                vec![
                    ("api_key", &read_only),
                    ("service_code", "garbage"),
                    ("lat", &lat),
                    ("long", &long),
                ],
                403,
            ),
            (
                vec![
                    ("api_key", &key),
                    ("service_code", "no_such"),
                    ("lat", &lat),
                    ("long", &long),
                ],
                400,
            ),
            (vec![("api_key", &key), ("lat", &lat), ("long", &long)], 400),
            (
                vec![
                    ("api_key", &key),
                    ("service_code", "garbage"),
                    ("description", "x"),
                ],
                400,
            ),
            (
                vec![
                    ("api_key", &key),
                    ("service_code", "garbage"),
                    ("lat", "95"),
                    ("long", &long),
                ],
                400,
            ),
            (
                vec![
                    ("api_key", &key),
                    ("service_code", "garbage"),
                    ("lat", &lat),
                ],
                400,
            ),
        ];
        for (form, want) in &cases {
            for format in ["json", "xml"] {
                let (status, kind, text) = post_form(&srv, format, form).await;
                is_error(status, &kind, &text, *want);
            }
        }
        let (status, kind, text) = post_form(&srv, "txt", &cases[0].0).await;
        is_error(status, &kind, &text, 400);

        // A disabled client is refused with 403.
        let (status, body) = srv
            .patch(
                &admin.access_token,
                &format!("/v1/clients/{id}"),
                json!({ "status": "disabled" }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let form = [
            ("api_key", key.as_str()),
            ("service_code", "garbage"),
            ("lat", &lat),
            ("long", &long),
        ];
        let (status, kind, text) = post_form(&srv, "json", &form).await;
        is_error(status, &kind, &text, 403);

        // A photo is read only after a valid api_key: one sent first, or with a disabled
        // key, is refused before its bytes are taken in.
        for (api_key, want) in [(None, 400), (Some(key.as_str()), 403)] {
            let mut form = reqwest::multipart::Form::new().part(
                "media",
                reqwest::multipart::Part::bytes(dukou_photo(2)).file_name("p.jpg"),
            );
            if let Some(api_key) = api_key {
                form = reqwest::multipart::Form::new()
                    .text("api_key", api_key.to_owned())
                    .part(
                        "media",
                        reqwest::multipart::Part::bytes(dukou_photo(2)).file_name("p.jpg"),
                    );
            }
            let res = srv
                .client
                .post(srv.url("/open311/v2/requests.json"))
                .multipart(form.text("service_code", "garbage"))
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
            is_error(status, &kind, &res.text().await.unwrap(), want);
        }
        assert_eq!(rows(&srv), before, "{backend:?}: nothing was created");
    }
}
