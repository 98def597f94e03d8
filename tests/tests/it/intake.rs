//! Intake over HTTP: a photo uploaded with its EXIF and a report submitted idempotently (also
//! under concurrent retries), routed and numbered. On SQLite and PostgreSQL.

use cunxiang_tests::intake::{ANNA, BAO, DUKOU, contains, dukou_photo, rows};
use cunxiang_tests::{Backend, Contract, TestServer, covered};
use rstest::rstest;
use serde_json::json;

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_photo_report_in_dukou_is_routed_numbered_and_stripped(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA, BAO]).await;
        let anna = srv.villager(ANNA).await;
        let t = anna.access_token.as_str();

        let bytes = dukou_photo(1);
        assert!(contains(&bytes, b"Exif"));
        let (status, media) = srv.upload(t, bytes.clone(), "IMG_0001.jpg").await;
        assert_eq!(status, 201, "{backend:?}: {media}");
        contract.check("POST", "/v1/media", 201, &media);
        assert_eq!(
            (media["width"].as_i64(), media["height"].as_i64()),
            (Some(480), Some(640)),
            "upright"
        );
        assert_eq!(
            media["captured_at"], "2026-11-28T01:00:00Z",
            "naive EXIF time is Beijing time"
        );
        assert!((media["location"]["lat"].as_f64().unwrap() - DUKOU.0).abs() < 1e-5);
        let (status, again) = srv.upload(t, bytes, "retry.jpg").await;
        assert_eq!(status, 200, "the same bytes again: {again}");
        assert_eq!(again["id"], media["id"]);

        // The display image carries no EXIF; it is cached by ETag.
        let id = media["id"].as_str().unwrap();
        let res = srv
            .client
            .get(srv.url(&format!("/v1/media/{id}")))
            .bearer_auth(t)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], "image/jpeg");
        let etag = res.headers()["etag"].to_str().unwrap().to_owned();
        assert!(
            res.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("max-age=31536000")
        );
        let served = res.bytes().await.unwrap();
        assert!(served.starts_with(&[0xFF, 0xD8]) && !contains(&served, b"Exif"));
        let res = srv
            .client
            .get(srv.url(&format!("/v1/media/{id}/thumb")))
            .bearer_auth(t)
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "the thumbnail has its own ETag");
        let res = srv
            .client
            .get(srv.url(&format!("/v1/media/{id}")))
            .bearer_auth(t)
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 304);
        // Nobody else sees an unattached photo.
        let bao = srv.villager(BAO).await;
        let (status, _) = srv
            .get_as(&bao.access_token, &format!("/v1/media/{id}"))
            .await;
        assert_eq!(status, 404);

        // No location sent: the photo's EXIF GPS places it in 渡口村's grid.
        let body = json!({ "category": "garbage", "description": "路边垃圾堆了三天",
                           "media_ids": [id] });
        let (status, report) = srv.report(t, Some("k-1"), &body).await;
        assert_eq!(status, 201, "{report}");
        contract.check("POST", "/v1/reports", 201, &report);
        assert_eq!(report["status"], "assigned");
        assert_eq!(report["unit"]["name"], "渡口村网格工作组");
        assert_eq!(report["unit"]["level"], "group");
        assert_eq!(report["location"]["source"], "photo_exif");
        let case = report["case_number"].as_str().unwrap();
        assert!(case.starts_with("YJ-") && case.ends_with("-0001"), "{case}");
        let kinds: Vec<&str> = report["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["submitted", "assigned"]);
        assert!(
            report["timeline"][1]["note"]
                .as_str()
                .unwrap()
                .contains("渡口村网格工作组")
        );
        assert!(report["accept_by"].is_string() && report["resolve_by"].is_string());
        assert_eq!(report["photos"][0]["id"], media["id"]);

        // A retry returns the same report; another body under the same key is refused.
        let (status, retry) = srv.report(t, Some("k-1"), &body).await;
        assert_eq!(status, 200, "{retry}");
        assert_eq!(retry["id"], report["id"]);
        let other = json!({ "category": "garbage", "description": "另一件事" });
        let (status, answer) = srv.report(t, Some("k-1"), &other).await;
        assert_eq!(status, 409, "{answer}");
        assert_eq!(answer["error"]["code"], "idempotency_key_reused");
        contract.check("POST", "/v1/reports", 409, &answer);
        assert_eq!(rows(&srv).0, 1);

        // Once attached, the photo is visible to whoever may see the report.
        let (status, _) = srv
            .get_as(
                &bao.access_token,
                &format!("/v1/reports/{}", report["id"].as_str().unwrap()),
            )
            .await;
        assert_eq!(status, 200);
        let res = srv
            .client
            .get(srv.url(&format!("/v1/media/{id}/thumb")))
            .bearer_auth(&bao.access_token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);

        // A category that starts at the township, sent in BD-09, goes to 潢溪镇.
        let bd = cunxiang_core::coords::from_wgs84(
            cunxiang_core::coords::LonLat {
                lon: DUKOU.1,
                lat: DUKOU.0,
            },
            cunxiang_core::coords::CoordSystem::Bd09,
        );
        let body = json!({ "category": "safety", "description": "桥栏杆断了",
                           "location": { "lat": bd.lat, "lon": bd.lon, "coord_system": "bd09", "accuracy_m": 12.5 } });
        let (status, second) = srv.report(t, Some("k-2"), &body).await;
        assert_eq!(status, 201, "{second}");
        assert_eq!(second["unit"]["name"], "潢溪镇综治中心");
        assert!(second["case_number"].as_str().unwrap().ends_with("-0002"));
        assert!((second["location"]["lat"].as_f64().unwrap() - DUKOU.0).abs() < 1e-5);
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn concurrent_retries_make_one_report_and_distinct_case_numbers(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let anna = srv.villager(ANNA).await;
        let (_, photo) = srv
            .upload(&anna.access_token, dukou_photo(7), "p.jpg")
            .await;
        let with_photo = json!({ "category": "garbage", "description": "重试",
                                 "media_ids": [photo["id"]] });
        let tries = (0..8).map(|_| srv.report(&anna.access_token, Some("same-key"), &with_photo));
        let answers = futures_util::future::join_all(tries).await;
        let created = answers.iter().filter(|(s, _)| *s == 201).count();
        assert_eq!(created, 1, "{backend:?}: {answers:?}");
        assert!(
            answers
                .iter()
                .all(|(s, b)| s.is_success() && b["id"] == answers[0].1["id"]),
            "{answers:?}"
        );
        assert_eq!(rows(&srv).0, 1);
        assert_eq!(answers[0].1["photos"][0]["id"], photo["id"]);

        // Once attached, the same bytes make a new photo (a rejected report's photo can be
        // sent again); before, they were the same one.
        let (status, again) = srv
            .upload(&anna.access_token, dukou_photo(7), "p.jpg")
            .await;
        assert_eq!(status, 201, "{again}");
        assert_ne!(again["id"], photo["id"]);

        let body = json!({ "category": "garbage", "description": "重试",
                           "location": { "lat": DUKOU.0, "lon": DUKOU.1, "coord_system": "wgs84" } });
        let keys: Vec<String> = (0..6).map(|i| format!("key-{i}")).collect();
        let tries = keys
            .iter()
            .map(|k| srv.report(&anna.access_token, Some(k), &body));
        let answers = futures_util::future::join_all(tries).await;
        let mut numbers: Vec<String> = answers
            .iter()
            .map(|(s, b)| {
                assert_eq!(*s, 201, "{b}");
                b["case_number"]
                    .as_str()
                    .unwrap()
                    .rsplit('-')
                    .next()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        numbers.sort();
        assert_eq!(numbers, ["0002", "0003", "0004", "0005", "0006", "0007"]);
        assert_eq!(rows(&srv).0, 7);
    }
}
