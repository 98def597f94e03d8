//! Bad uploads and bad reports: each refusal names its cause, and no temporary file, blob or
//! row is left behind.

use cunxiang_photo::fixtures::{jpeg, photo, scene};
use cunxiang_tests::intake::{ANNA, BAO, DUKOU, dukou_photo, rows};
use cunxiang_tests::{Backend, Contract, TestServer, covered};
use rstest::rstest;
use serde_json::json;

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn bad_uploads_and_reports_leave_nothing_behind(#[case] backend: Backend) {
    let contract = Contract::load();
    if covered(backend) {
        let db = cunxiang_tests::TestDb::new(backend);
        let srv = TestServer::start_on(db, |s| {
            s.max_upload_bytes = 1024 * 1024;
            s.test_phones = vec![
                (ANNA.into(), cunxiang_api::settings::Secret("123456".into())),
                (BAO.into(), cunxiang_api::settings::Secret("123456".into())),
            ];
        })
        .await;
        let anna = srv.villager(ANNA).await;
        let t = anna.access_token.as_str();
        let before = (
            rows(&srv),
            srv.db.files_under("tmp"),
            srv.blob_count().await,
        );

        let good = dukou_photo(2);
        let png = cunxiang_photo::fixtures::png(&photo(64, 48, 1), 64, 48, false, None);
        let big_noise: Vec<u8> = (0..2 * 1024 * 1024u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for (bytes, name, status, code) in [
            (
                b"hello, not a photo".to_vec(),
                "a.jpg",
                415,
                "unsupported_media_type",
            ),
            (
                good[..good.len() / 2].to_vec(),
                "cut.jpg",
                422,
                "corrupt_image",
            ),
            (
                cunxiang_photo::fixtures::png_bomb(50_000, 50_000),
                "bomb.png",
                422,
                "too_many_pixels",
            ),
            (big_noise, "huge.jpg", 413, "payload_too_large"),
            (Vec::new(), "empty.jpg", 400, "empty_file"),
        ] {
            let (got, answer) = srv.upload(t, bytes, name).await;
            assert_eq!(got, status, "{backend:?} {name}: {answer}");
            assert_eq!(answer["error"]["code"], code, "{name}");
        }
        let empty = srv
            .client
            .post(srv.url("/v1/media"))
            .bearer_auth(t)
            .multipart(reqwest::multipart::Form::new().text("note", "no file"))
            .send()
            .await
            .unwrap();
        assert_eq!(empty.status(), 400);
        assert_eq!(
            (
                rows(&srv),
                srv.db.files_under("tmp"),
                srv.blob_count().await
            ),
            before
        );

        // A PNG named .jpg is judged by its bytes.
        let (status, as_png) = srv.upload(t, png, "renamed.jpg").await;
        assert_eq!(status, 201, "{as_png}");
        assert_eq!(as_png["format"], "png");

        // Reports: each refusal names its cause and adds no row.
        let bao = srv.villager(BAO).await;
        let (_, bao_photo) = srv.upload(&bao.access_token, dukou_photo(3), "b.jpg").await;
        let mut ten = Vec::new();
        for i in 0..10 {
            let (_, m) = srv
                .upload(t, jpeg(&scene(64, 48, i), 64, 48, &[]), "s.jpg")
                .await;
            ten.push(m["id"].clone());
        }
        let before = rows(&srv);
        let at = json!({ "lat": DUKOU.0, "lon": DUKOU.1 });
        for (key, body, status, field) in [
            (
                Some("1"),
                json!({ "category": "aliens", "description": "x", "location": at }),
                422,
                Some("category"),
            ),
            (
                Some("2"),
                json!({ "category": "garbage", "description": "x", "media_ids": [bao_photo["id"]] }),
                422,
                Some("media_ids"),
            ),
            (
                Some("3"),
                json!({ "category": "garbage", "description": "x", "media_ids": ten }),
                422,
                Some("media_ids"),
            ),
            (
                Some("4"),
                json!({ "category": "garbage", "description": "长".repeat(2001) }),
                422,
                Some("description"),
            ),
            (
                Some("5"),
                json!({ "category": "garbage", "description": "x", "location": { "lat": 95.0, "lon": 116.0 } }),
                422,
                Some("location.lat"),
            ),
            (
                Some("6"),
                json!({ "category": "garbage", "description": "x", "channel": "hotline" }),
                422,
                Some("channel"),
            ),
            (
                None,
                json!({ "category": "garbage", "description": "x" }),
                400,
                None,
            ),
        ] {
            let (got, answer) = srv.report(t, key, &body).await;
            assert_eq!(got, status, "{body}: {answer}");
            if let Some(field) = field {
                assert_eq!(answer["error"]["details"]["field"], field, "{answer}");
            }
            contract.check("POST", "/v1/reports", status, &answer);
        }
        assert_eq!(rows(&srv), before);
    }
}
