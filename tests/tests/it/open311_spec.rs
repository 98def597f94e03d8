//! Open311 as GeoReport v2 says (issue 16, item 6): a multipart POST counts once against the
//! client's rate limit and a 429 says when to retry; a POST's token resolves even for a
//! private service; `service_code` and `status` take several values; descriptions up to 4,000
//! characters; `service_notice` says where the request went, with its case number; a client's
//! `media_url` is echoed back and never fetched; the photos behind a public request's
//! `media_url` open without a token — on both databases.

use std::net::TcpListener;

use cunxiang_tests::intake::{ANNA, DUKOU, contains, dukou_photo};
use cunxiang_tests::{Backend, TestServer, covered};
use reqwest::multipart::{Form, Part};
use rstest::rstest;
use serde_json::{Value, json};

use super::open311::{fetch, is_error, valid};

/// An API client that may file requests, `per_minute` of them; its `client_id:client_secret`.
async fn client(srv: &TestServer, per_minute: i32) -> String {
    let admin = srv.login("admin").await;
    let body = json!({ "name": "余江区12345热线", "scopes": ["reports:write"],
                       "region": "360603", "rate_limit_per_minute": per_minute });
    let (status, created) = srv
        .post(Some(&admin.access_token), "/v1/clients", body)
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["client"]["client_id"].as_str().unwrap();
    format!("{id}:{}", created["client_secret"].as_str().unwrap())
}

/// A multipart POST of `service_code` at 渡口村 with `extra` fields: status, headers, body.
async fn post(
    srv: &TestServer,
    key: &str,
    code: &str,
    extra: &[(&str, String)],
    photo: Option<u32>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut form = Form::new()
        .text("api_key", key.to_owned())
        .text("service_code", code.to_owned())
        .text("lat", DUKOU.0.to_string())
        .text("long", DUKOU.1.to_string());
    for (name, value) in extra {
        form = form.text(name.to_string(), value.clone());
    }
    if let Some(variant) = photo {
        form = form.part(
            "media",
            Part::bytes(dukou_photo(variant)).file_name("p.jpg"),
        );
    }
    let res = srv
        .client
        .post(srv.url("/open311/v2/requests.json"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status}: {text}"));
    (status, headers, body)
}

/// `GET path` parsed as JSON, asserting 200.
async fn read(srv: &TestServer, path: &str) -> Value {
    let (status, _, text) = fetch(srv, path).await;
    assert_eq!(status, 200, "{path}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// The report behind a request, as the admin sees it.
async fn report_of(srv: &TestServer, id: &str) -> Value {
    let admin = srv.login("admin").await;
    let (status, report) = srv
        .get_as(&admin.access_token, &format!("/v1/reports/{id}"))
        .await;
    assert_eq!(status, 200, "{report}");
    report
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_multipart_post_counts_once_and_a_429_says_when_to_retry(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let key = client(&srv, 2).await;
        for variant in [1, 2] {
            let (status, _, body) = post(&srv, &key, "garbage", &[], Some(variant)).await;
            assert_eq!(
                status, 201,
                "{backend:?}: POST {variant} of 2 per minute: {body}"
            );
        }
        let (status, headers, body) = post(&srv, &key, "garbage", &[], None).await;
        is_error(status, "application/json", &body.to_string(), 429);
        let wait: u64 = headers
            .get("retry-after")
            .expect("429 carries Retry-After")
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&wait), "Retry-After: {wait}");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_posts_token_resolves_even_for_a_private_service(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let key = client(&srv, 100).await;
        // 邻里纠纷 is a private category: its requests never show on the anonymous façade…
        let (status, _, body) = post(&srv, &key, "dispute", &[], None).await;
        assert_eq!(status, 201, "{backend:?}: {body}");
        let (id, token) = (&body[0]["service_request_id"], &body[0]["token"]);
        let (status, kind, text) = fetch(&srv, &format!("/open311/v2/requests/{id}.json")).await;
        is_error(status, &kind, &text, 404);
        // …but the token the POST answered with resolves to the id it answered with.
        let token = token.as_str().unwrap();
        let resolved = read(&srv, &format!("/open311/v2/tokens/{token}.json")).await;
        assert_eq!(
            resolved,
            json!([{ "token": token, "service_request_id": id }])
        );
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn service_code_and_status_take_several_values(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let anna = srv.villager(ANNA).await;
        for (i, category) in ["garbage", "road", "water"].into_iter().enumerate() {
            let body = json!({ "category": category, "description": "村口",
                "location": { "lat": DUKOU.0, "lon": DUKOU.1, "coord_system": "wgs84" } });
            let key = format!("k-{i}");
            let (status, report) = srv.report(&anna.access_token, Some(&key), &body).await;
            assert_eq!(status, 201, "{report}");
        }
        for (query, want) in [
            ("service_code=garbage", 1),
            ("service_code=garbage,road", 2),
            ("service_code=garbage&service_code=road", 2),
            ("service_code=garbage,%20road&service_code=road", 2),
            ("status=open&status=closed", 3),
            ("status=closed", 0),
            ("status=closed,open&service_code=road,water", 2),
        ] {
            let list = read(&srv, &format!("/open311/v2/requests.json?{query}")).await;
            valid("requests.json", &list);
            assert_eq!(
                list.as_array().unwrap().len(),
                want,
                "{backend:?} {query}: {list}"
            );
        }
        for (query, want) in [
            ("service_code=garbage,no_such", 404),
            ("service_code=garbage&service_code=no_such", 404),
            ("status=open&status=pending", 400),
        ] {
            let (status, kind, text) =
                fetch(&srv, &format!("/open311/v2/requests.json?{query}")).await;
            is_error(status, &kind, &text, want);
        }
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn descriptions_take_up_to_4000_characters(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let key = client(&srv, 100).await;
        let long = "路".repeat(4000);
        let (status, _, body) = post(
            &srv,
            &key,
            "garbage",
            &[("description", long.clone())],
            None,
        )
        .await;
        assert_eq!(status, 201, "{backend:?}: {body}");
        let id = body[0]["service_request_id"].as_str().unwrap();
        let read = read(&srv, &format!("/open311/v2/requests/{id}.json")).await;
        assert_eq!(read[0]["description"], long.as_str());
        let longer = "路".repeat(4001);
        let (status, _, body) = post(&srv, &key, "garbage", &[("description", longer)], None).await;
        is_error(status, "application/json", &body.to_string(), 400);
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn the_service_notice_says_where_the_request_went_with_its_case_number(
    #[case] backend: Backend,
) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let key = client(&srv, 100).await;
        let (status, _, body) = post(&srv, &key, "garbage", &[], None).await;
        assert_eq!(status, 201, "{backend:?}: {body}");
        let report = report_of(&srv, body[0]["service_request_id"].as_str().unwrap()).await;
        let notice = body[0]["service_notice"].as_str().unwrap();
        let unit = report["unit"]["name"].as_str().unwrap();
        assert!(notice.contains(unit), "{notice} names {unit}");
        let case = report["case_number"].as_str().unwrap();
        assert!(notice.contains(case), "{notice} carries {case}");

        // No place to route by: the request waits in a dispatch queue, and says so.
        let form = [
            ("api_key", key.as_str()),
            ("service_code", "garbage"),
            ("address_string", "渡口村"),
        ];
        let res = srv
            .client
            .post(srv.url("/open311/v2/requests.json"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let body: Value = res.json().await.unwrap();
        let report = report_of(&srv, body[0]["service_request_id"].as_str().unwrap()).await;
        assert!(report["unit"].is_null(), "{report}");
        let notice = body[0]["service_notice"].as_str().unwrap();
        assert!(notice.contains("dispatch queue"), "{notice}");
        assert!(notice.contains(report["case_number"].as_str().unwrap()));
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_clients_media_url_is_echoed_back_and_never_fetched(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let key = client(&srv, 100).await;
        // Something listening where media_url points: it must never be called.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}/photos/1.jpg", listener.local_addr().unwrap());
        let (status, _, body) =
            post(&srv, &key, "garbage", &[("media_url", url.clone())], None).await;
        assert_eq!(status, 201, "{backend:?}: {body}");
        let id = body[0]["service_request_id"].as_str().unwrap();
        let one = read(&srv, &format!("/open311/v2/requests/{id}.json")).await;
        valid("requests.json", &one);
        assert_eq!(one[0]["media_url"], url.as_str(), "{one}");
        let list = read(&srv, "/open311/v2/requests.json").await;
        assert_eq!(list[0]["media_url"], url.as_str(), "{list}");
        let (_, _, xml) = fetch(&srv, &format!("/open311/v2/requests/{id}.xml")).await;
        let (_, urls) = super::open311::xml(&xml, "service_requests", "media_url");
        assert_eq!(urls, [url.as_str()]);
        assert!(
            listener.accept().is_err(),
            "the server fetched the client's media_url"
        );
        // Only a web address is echoed to others.
        for bad in [
            "javascript:alert(1)",
            "/relative.jpg",
            "ftp://example.org/p.jpg",
        ] {
            let (status, _, body) = post(
                &srv,
                &key,
                "garbage",
                &[("media_url", bad.to_owned())],
                None,
            )
            .await;
            is_error(status, "application/json", &body.to_string(), 400);
        }
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn the_photos_behind_a_public_requests_media_url_open_without_a_token(
    #[case] backend: Backend,
) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let key = client(&srv, 100).await;
        let (status, _, body) = post(&srv, &key, "garbage", &[], Some(3)).await;
        assert_eq!(status, 201, "{backend:?}: {body}");
        let id = body[0]["service_request_id"].as_str().unwrap();
        let one = read(&srv, &format!("/open311/v2/requests/{id}.json")).await;
        let url = one[0]["media_url"].as_str().unwrap().to_owned();
        for address in [url.clone(), format!("{url}/thumb")] {
            let res = srv.client.get(&address).send().await.unwrap();
            assert_eq!(res.status(), 200, "{address}");
            assert_eq!(res.headers()["content-type"], "image/jpeg");
            let bytes = res.bytes().await.unwrap();
            assert!(bytes.starts_with(&[0xFF, 0xD8]) && !contains(&bytes, b"Exif"));
        }
        // A token that is sent is still checked.
        let res = srv
            .client
            .get(&url)
            .bearer_auth("not-a-token")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);

        // The photo of a private request still needs a token (and the right reader).
        let (status, _, body) = post(&srv, &key, "dispute", &[], Some(4)).await;
        assert_eq!(status, 201, "{body}");
        let private = report_of(&srv, body[0]["service_request_id"].as_str().unwrap()).await;
        let photo = private["photos"][0]["id"].as_str().unwrap();
        for path in [
            format!("/v1/media/{photo}"),
            format!("/v1/media/{photo}/thumb"),
        ] {
            let (status, answer) = srv.get(&path).await;
            assert_eq!(status, 401, "{path}: {answer}");
            assert_eq!(answer["error"]["code"], "unauthenticated", "{answer}");
        }
    }
}
