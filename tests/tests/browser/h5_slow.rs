//! The villager's page on a rural link: three 12 MP photos (about 3 MB each, some 100 s each
//! at 2G speed if sent as taken) are made small in the browser and filed over Chromium's
//! emulated 250 kbit/s with 300 ms round trips. Prints how long the shrinking and the filing
//! took; the target for the filing is under 30 s.

use std::time::{Duration, Instant};

use cunxiang_tests::big_photo::twelve_megapixel_jpeg;
use cunxiang_tests::intake::DUKOU;
use cunxiang_tests::{Backend, TestServer, covered};

use crate::browser::Browser;
use crate::h5::{PHONE, log_in, photo_file};

/// The target for filing three photos over the slow link.
const TARGET: Duration = Duration::from_secs(30);

#[tokio::test]
async fn three_twelve_megapixel_photos_are_filed_over_a_slow_link() {
    if !covered(Backend::Sqlite) {
        return;
    }
    let Some(browser) = Browser::start("h5-slow", 360, 740).await else {
        return;
    };
    let srv = TestServer::start_with_phones(Backend::Sqlite, &[PHONE]).await;
    let base = srv.base.clone();
    let dir = tempfile::tempdir().expect("temp dir");
    let photos: Vec<String> = (0..3)
        .map(|i| {
            let bytes = twelve_megapixel_jpeg(i);
            photo_file(dir.path(), &format!("big-{i}.jpg"), &bytes)
        })
        .collect();
    let sizes: Vec<u64> = photos
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().len())
        .collect();
    browser.geolocate(&base, DUKOU.0, DUKOU.1).await;
    log_in(&browser, &base, PHONE).await;

    let start = Instant::now();
    browser.fill("#photos", &photos.join("\n")).await;
    browser
        .until(
            "three photos made small",
            Duration::from_secs(60),
            "document.querySelectorAll('#photo-list li[data-state=ready] img').length === 3",
        )
        .await;
    let shrinking = start.elapsed();
    let small: Vec<u64> = browser
        .eval("[...document.querySelectorAll('#photo-list li[data-state=ready]')].map((li) => Number(li.dataset.bytes))")
        .await
        .as_array()
        .expect("sizes")
        .iter()
        .map(|v| v.as_u64().unwrap_or(0))
        .collect();
    browser.click("#categories button[data-code=garbage]").await;
    browser
        .fill("textarea[name=description]", "三张大照片")
        .await;

    browser.throttle(250, 300).await;
    let start = Instant::now();
    browser.click("#submit").await;
    browser
        .until(
            "the report filed",
            Duration::from_secs(120),
            "location.hash.startsWith('#/report/') && location.hash.slice(9)",
        )
        .await;
    let filing = start.elapsed();
    browser.unthrottle().await;

    let me = srv.villager(PHONE).await;
    let (_, mine) = srv.get_as(&me.access_token, "/v1/reports?mine=true").await;
    let mine = mine["items"].as_array().unwrap().clone();
    assert_eq!(mine.len(), 1);
    let sent: Vec<i64> = {
        let (_, media) = srv
            .get_as(
                &me.access_token,
                &format!("/v1/reports/{}", mine[0]["id"].as_str().unwrap()),
            )
            .await;
        media["photos"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                p["width"]
                    .as_i64()
                    .unwrap()
                    .max(p["height"].as_i64().unwrap())
            })
            .collect()
    };
    assert_eq!(sent.len(), 3);
    assert!(
        sent.iter().all(|&side| side <= 1600),
        "sides sent: {sent:?}"
    );
    println!(
        "three 12 MP photos ({sizes:?} bytes as taken) made small to {small:?} bytes in \
         {shrinking:.1?}; filed over 250 kbit/s + 300 ms RTT in {filing:.1?} (target {TARGET:?})"
    );
    browser.shot("slow-filed").await;
    browser.assert_clean("/h5/").await;
    browser.close().await;
    assert!(filing < TARGET, "filing took {filing:?}");
}
