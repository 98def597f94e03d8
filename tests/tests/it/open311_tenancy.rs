//! The Open311 POST held to its client: a report must be routed within the client's tenant
//! region; 代办 (`phone`) needs the `reports:on_behalf` scope, names villagers only and is
//! audited; and a refused POST leaves nothing behind — no account, no report, no photo row,
//! no blob — on both databases.

use cunxiang_tests::intake::{ANNA, DUKOU, dukou_photo, rows};
use cunxiang_tests::lifecycle::{DUKOU_TEAM, STAFF_PASSWORD};
use cunxiang_tests::{Backend, TestServer, covered};
use rstest::rstest;
use serde_json::{Value, json};

use super::open311::is_error;

/// An API client of `region` made by the admin; returns `client_id:client_secret` and the id.
async fn client_in(
    srv: &TestServer,
    admin: &str,
    scopes: &[&str],
    region: &str,
) -> (String, String) {
    let body = json!({ "name": "余江区12345热线", "scopes": scopes, "region": region });
    let (status, created) = srv.post(Some(admin), "/v1/clients", body).await;
    assert_eq!(status, 201, "{created}");
    let id = created["client"]["client_id"].as_str().unwrap().to_owned();
    let secret = created["client_secret"].as_str().unwrap();
    (format!("{id}:{secret}"), id)
}

/// A multipart POST at 渡口村 with a photo (`variant`) and extra fields: status and body.
async fn post_at_dukou(
    srv: &TestServer,
    key: &str,
    extra: &[(&str, &str)],
    variant: u32,
) -> (u16, Value) {
    post_at(srv, key, DUKOU, extra, variant).await
}

/// A multipart POST at `(lat, long)` with a photo (`variant`) and extra fields.
async fn post_at(
    srv: &TestServer,
    key: &str,
    (lat, long): (f64, f64),
    extra: &[(&str, &str)],
    variant: u32,
) -> (u16, Value) {
    let mut form = reqwest::multipart::Form::new()
        .text("api_key", key.to_owned())
        .text("service_code", "garbage")
        .text("lat", lat.to_string())
        .text("long", long.to_string())
        .text("description", "路边垃圾");
    for (name, value) in extra {
        form = form.text(name.to_string(), value.to_string());
    }
    let form = form.part(
        "media",
        reqwest::multipart::Part::bytes(dukou_photo(variant)).file_name("p.jpg"),
    );
    let res = srv
        .client
        .post(srv.url("/open311/v2/requests.json"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
    let text = res.text().await.unwrap();
    if status != 201 {
        is_error(status, &kind, &text, status);
    }
    (status, serde_json::from_str(&text).unwrap())
}

/// What a request could leave behind: (reports, events, photo rows), accounts, stored blobs
/// and spooled temporary files.
async fn footprint(srv: &TestServer) -> ((i64, i64, i64), usize, usize, usize) {
    let mut conn = srv.db.connect();
    let users = cunxiang_storage::users::list(&mut conn, None, None, None, 1000)
        .unwrap()
        .items
        .len();
    (
        rows(srv),
        users,
        srv.blob_count().await,
        srv.db.files_under("tmp"),
    )
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_client_files_only_within_its_region_and_a_refusal_leaves_nothing(
    #[case] backend: Backend,
) {
    if covered(backend) {
        let srv = TestServer::start(backend).await;
        let admin = srv.login("admin").await;
        // 渡口村 lies in 潢溪镇 (360603102), not in 锦江镇 (360603101).
        let (elsewhere, _) =
            client_in(&srv, &admin.access_token, &["reports:write"], "360603101").await;
        let (township, _) =
            client_in(&srv, &admin.access_token, &["reports:write"], "360603102").await;
        let before = footprint(&srv).await;
        for format in ["json", "xml"] {
            let path = format!("/open311/v2/requests.{format}");
            let res = srv
                .client
                .post(srv.url(&path))
                .form(&[
                    ("api_key", elsewhere.as_str()),
                    ("service_code", "garbage"),
                    ("lat", &DUKOU.0.to_string()),
                    ("long", &DUKOU.1.to_string()),
                ])
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let kind = res.headers()["content-type"].to_str().unwrap().to_owned();
            is_error(status, &kind, &res.text().await.unwrap(), 403);
        }
        // With a photo, from a client that has no account yet: no account, no photo row and
        // no blob stay behind.
        let (status, body) = post_at_dukou(&srv, &elsewhere, &[], 1).await;
        assert_eq!(status, 403, "{backend:?}: {body}");
        assert!(
            body[0]["description"].as_str().unwrap().contains("region"),
            "{body}"
        );
        assert_eq!(
            footprint(&srv).await,
            before,
            "{backend:?}: nothing left behind"
        );

        // The same photo from a client of 渡口村's township is filed and routed.
        let (status, body) = post_at_dukou(&srv, &township, &[], 1).await;
        assert_eq!(status, 201, "{backend:?}: {body}");
        let id = body[0]["service_request_id"].as_str().unwrap();
        let (_, report) = srv
            .get_as(&admin.access_token, &format!("/v1/reports/{id}"))
            .await;
        assert_eq!(report["unit"]["name"], DUKOU_TEAM, "{report}");
        assert_eq!(report["photos"].as_array().unwrap().len(), 1, "{report}");
        let ((reports, _, photos), users, blobs, _) = footprint(&srv).await;
        assert_eq!((reports, photos, users), (1, 1, before.1 + 1));
        assert!(blobs > before.2, "the filed photo's blobs are kept");

        // Once this client's account exists, a refusal still leaves no photo behind: a point
        // in no grid goes to the county's queue, outside the township.
        let after_one = footprint(&srv).await;
        let (status, body) = post_at(&srv, &township, (28.0, 116.5), &[], 2).await;
        assert_eq!(status, 403, "{backend:?}: {body}");
        assert_eq!(footprint(&srv).await, after_one, "{backend:?}");
        let (status, body) = post_at_dukou(&srv, &township, &[("phone", ANNA)], 3).await;
        assert_eq!(status, 403, "{body}: 代办 needs reports:on_behalf");
        assert_eq!(footprint(&srv).await, after_one, "{backend:?}");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn filing_for_a_villager_needs_the_scope_names_villagers_only_and_is_audited(
    #[case] backend: Backend,
) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let scopes = ["reports:write", "reports:on_behalf"];
        let (key, client_id) = client_in(&srv, &admin.access_token, &scopes, "360603").await;
        // A grid worker with a phone number.
        let unit = srv.unit_id(DUKOU_TEAM).await;
        let staff_phone = "13900002222";
        let (status, created) = srv
            .post(
                Some(&admin.access_token),
                "/v1/users",
                json!({ "display_name": "网格员", "role": "grid_worker", "username": "gw-phone",
                        "password": STAFF_PASSWORD, "phone": staff_phone, "unit_ids": [unit] }),
            )
            .await;
        assert_eq!(status, 201, "{created}");

        // A staff (or admin) number is refused, with a photo, leaving nothing behind.
        let before = footprint(&srv).await;
        let (status, body) = post_at_dukou(&srv, &key, &[("phone", staff_phone)], 1).await;
        assert_eq!(status, 403, "{backend:?}: {body}");
        assert_eq!(
            footprint(&srv).await,
            before,
            "{backend:?}: nothing left behind"
        );

        // An existing villager, and a new number (her account is made, as a villager).
        let mut filed = Vec::new();
        for (phone, variant) in [(ANNA, 2), ("13900003333", 3)] {
            let (status, body) = post_at_dukou(&srv, &key, &[("phone", phone)], variant).await;
            assert_eq!(status, 201, "{backend:?}: {body}");
            let id = body[0]["service_request_id"].as_str().unwrap().to_owned();
            let (_, report) = srv
                .get_as(&admin.access_token, &format!("/v1/reports/{id}"))
                .await;
            assert_eq!(report["reporter"]["phone"], phone, "{report}");
            filed.push((id, report["reporter"]["id"].as_str().unwrap().to_owned()));
        }
        assert_eq!(filed[0].1, anna.id());
        let (status, me) = srv
            .get_as(&admin.access_token, &format!("/v1/users/{}", filed[1].1))
            .await;
        assert_eq!(status, 200, "{me}");
        assert_eq!(me["role"], "villager", "{me}");

        // Each 代办 is audited with the client and the villager.
        let (status, audit) = srv
            .get_as(
                &admin.access_token,
                "/v1/audit?action=report_filed_on_behalf",
            )
            .await;
        assert_eq!(status, 200, "{audit}");
        let entries = audit["items"].as_array().unwrap();
        assert_eq!(entries.len(), 2, "{audit}");
        for (entry, (report, villager)) in entries.iter().rev().zip(&filed) {
            assert_eq!(entry["actor"], format!("client:{client_id}"), "{entry}");
            assert_eq!(entry["subject"], villager.as_str(), "{entry}");
            assert_eq!(entry["details"]["report_id"], report.as_str(), "{entry}");
            assert_eq!(entry["details"]["client_id"], client_id.as_str(), "{entry}");
        }
    }
}
