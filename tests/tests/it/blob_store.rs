//! The blob store as the photo routes use it, on disk or (with `CUNXIANG_TEST_BLOBS=s3`) in a
//! real S3 protocol server: a photo is served from the store byte for byte with its ETag; a
//! blob no row refers to is swept once old enough and never before; an upload's blobs are
//! removed when its guard is dropped without the row committed; and with `presign` the photo
//! route redirects to a URL the bucket itself serves.

use std::time::Duration as StdDuration;

use chrono::Duration;
use cunxiang_api::photos::CreatedBlobs;
use cunxiang_tests::intake::{ANNA, DUKOU, dukou_photo};
use cunxiang_tests::{Backend, TestDb, TestServer, covered, s3};
use rstest::rstest;
use serde_json::json;

/// Whether the store still holds `key`.
async fn holds(srv: &TestServer, key: &str) -> bool {
    srv.blobs().open(key).await.unwrap().is_some()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn photos_come_from_the_store_and_orphans_go_once_old(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let anna = srv.villager(ANNA).await;
        let id = srv.evidence(&anna, dukou_photo(1)).await;
        let (key, bytes) = srv.photo(&anna.access_token, &id).await;
        let stored = cunxiang_api::blobs::read_all(srv.blobs().as_ref(), &key)
            .await
            .unwrap()
            .expect("the display blob is in the store");
        assert_eq!(bytes, stored, "served byte for byte from the store");
        assert_eq!(cunxiang_api::blobs::sha256_hex(&bytes), key);
        let again = srv
            .client
            .get(srv.url(&format!("/v1/media/{id}")))
            .bearer_auth(&anna.access_token)
            .header("if-none-match", format!("\"{key}\""))
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304);
        if s3::wanted() {
            assert_eq!(srv.db.files_under("blobs"), 0, "nothing on the local disk");
        }

        // A blob no row refers to (a crash between the blobs and the row).
        let (orphan, new) = srv
            .blobs()
            .put(bytes::Bytes::from_static(b"left by a crash"))
            .await
            .unwrap();
        assert!(new);
        let attached = srv.evidence(&anna, dukou_photo(2)).await;
        let body = json!({ "category": "garbage", "description": "路边垃圾", "media_ids": [attached],
                           "location": { "lat": DUKOU.0, "lon": DUKOU.1, "coord_system": "wgs84" } });
        let (status, report) = srv.report(&anna.access_token, Some("blob-1"), &body).await;
        assert_eq!(status, 201, "{report}");
        let blobs = srv.blob_count().await;
        assert_eq!(
            srv.sweep_orphans().await,
            0,
            "too young: maybe an upload in flight"
        );
        srv.advance(Duration::hours(25));
        assert_eq!(srv.sweep_orphans().await, 1, "only the orphan");
        assert!(!holds(&srv, &orphan).await);
        assert_eq!(srv.blob_count().await, blobs - 1);
        srv.photo(&anna.access_token, &attached).await;
        srv.photo(&anna.access_token, &id).await;
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn an_upload_dropped_before_its_row_leaves_no_blob(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let anna = srv.villager(ANNA).await;
        let put = |data: &'static [u8]| {
            let store = srv.blobs();
            async move { store.put(bytes::Bytes::from_static(data)).await.unwrap().0 }
        };
        // Dropped (the request went away): removed in the background.
        let dropped = put(b"rendition of an abandoned upload").await;
        let mut guard = CreatedBlobs::new(srv.state());
        guard.push(dropped.clone());
        drop(guard);
        // Committed: kept.
        let kept = put(b"rendition of a committed upload").await;
        let mut guard = CreatedBlobs::new(srv.state());
        guard.push(kept.clone());
        guard.keep();
        // Dropped, but a photo row uses the same content by now: kept.
        let id = srv.evidence(&anna, dukou_photo(3)).await;
        let (shared, _) = srv.photo(&anna.access_token, &id).await;
        let mut guard = CreatedBlobs::new(srv.state());
        guard.push(shared.clone());
        drop(guard);

        let deadline = std::time::Instant::now() + StdDuration::from_secs(5);
        while holds(&srv, &dropped).await {
            assert!(
                std::time::Instant::now() < deadline,
                "the dropped blob stayed"
            );
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        }
        tokio::time::sleep(StdDuration::from_millis(200)).await;
        assert!(holds(&srv, &kept).await);
        assert!(holds(&srv, &shared).await);
        srv.photo(&anna.access_token, &id).await;
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[tokio::test]
async fn with_presign_the_bucket_serves_the_photo(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_on(TestDb::new(backend), |s| {
            s.test_phones = vec![(ANNA.into(), cunxiang_api::settings::Secret("123456".into()))];
            if let Some(store) = s.blob_store.as_mut() {
                store.presign_secs = Some(60);
            }
        })
        .await;
        let anna = srv.villager(ANNA).await;
        let id = srv.evidence(&anna, dukou_photo(4)).await;
        let no_redirects = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let photo = srv.url(&format!("/v1/media/{id}"));
        let res = no_redirects
            .get(&photo)
            .bearer_auth(&anna.access_token)
            .send()
            .await
            .unwrap();
        if !s3::wanted() {
            // The disk store has no URL of its own to hand out: it streams.
            assert_eq!(res.status(), 200);
            return;
        }
        assert_eq!(res.status(), 302);
        let cache = res.headers()["cache-control"].to_str().unwrap().to_owned();
        assert_eq!(cache, "private, max-age=47");
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.contains("X-Amz-Signature="), "{location}");
        let from_bucket = reqwest::get(&location).await.unwrap();
        assert_eq!(from_bucket.status(), 200);
        let bytes = from_bucket.bytes().await.unwrap();
        assert_eq!(&bytes[..2], &[0xFF, 0xD8], "a JPEG");
        // Without a token: still 401 before any redirect.
        let res = no_redirects.get(&photo).send().await.unwrap();
        assert_eq!(res.status(), 401);
    }
}
