//! Nothing private left behind after a crash (issue 16, item 10): a process killed during
//! `POST /v1/media` leaves the villager's original (EXIF GPS included) in `<data dir>/tmp`, one
//! killed while writing a blob or its key leaves a `.tmp*` file beside it. What has gone quiet
//! is swept at start-up and while the server runs; what another instance may be writing now is
//! kept. And a key file left empty by such a kill does not stop the next start.

use std::path::Path;
use std::time::{Duration, SystemTime};

use cunxiang_tests::intake::{ANNA, dukou_photo};
use cunxiang_tests::{Backend, TestDb, TestServer, covered};
use rstest::rstest;

/// Writes `bytes` at `data/<rel>` last modified `idle` ago, as a crash would have left it.
fn plant(data: &Path, rel: &str, bytes: &[u8], idle: Duration) {
    let path = data.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    let file = std::fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(SystemTime::now() - idle).unwrap();
}

const HOUR: Duration = Duration::from_secs(3600);
const FRESH: Duration = Duration::from_secs(5);

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn start_up_sweeps_what_a_crash_left_and_keeps_what_is_in_progress(#[case] backend: Backend) {
    if covered(backend) {
        let db = TestDb::new(backend);
        let data = db.dir.path().join("data");
        let original = dukou_photo(7);
        let stale = ["tmp/.tmpK1lled", "blobs/ab/.tmpHa1f", ".tmpKeyW"];
        let in_progress = ["tmp/.tmpUpl0ad", "blobs/cd/.tmpWr1te"];
        for rel in stale {
            plant(&data, rel, &original, HOUR);
        }
        for rel in in_progress {
            plant(&data, rel, &original, FRESH);
        }
        // A blob of an earlier upload is not a leftover however old it is.
        let blob = format!("blobs/ab/ab{}", "0".repeat(62));
        plant(&data, &blob, b"a stored photo", HOUR);

        let srv = TestServer::start_on(db, |s| {
            s.test_phones = vec![(ANNA.into(), cunxiang_api::settings::Secret("123456".into()))];
        })
        .await;
        for rel in stale {
            assert!(
                !data.join(rel).exists(),
                "{backend:?}: {rel} was left behind"
            );
        }
        for rel in in_progress.iter().chain([&blob.as_str()]) {
            assert!(data.join(rel).exists(), "{backend:?}: {rel} was removed");
        }

        // The server works as usual, and a running sweep removes what went quiet since.
        let anna = srv.villager(ANNA).await;
        let (status, photo) = srv
            .upload(&anna.access_token, dukou_photo(8), "p.jpg")
            .await;
        assert_eq!(status, 201, "{photo}");
        plant(&data, "tmp/.tmpLater", &original, HOUR);
        let swept = srv.sweep_leftovers().await;
        assert_eq!(swept.files, 1, "{backend:?}: {swept:?}");
        assert!(!data.join("tmp/.tmpLater").exists());
        assert!(data.join(in_progress[0]).exists());
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn an_empty_key_file_left_by_a_kill_does_not_stop_the_next_start(#[case] backend: Backend) {
    if covered(backend) {
        let db = TestDb::new(backend);
        let data = db.dir.path().join("data");
        cunxiang_storage::private::create_dir(&data).unwrap();
        std::fs::write(data.join("jwt-secret"), b"").unwrap();
        let srv = TestServer::start_on(db, |_| {}).await;
        let admin = srv.login("admin").await;
        let (status, _) = srv.get_as(&admin.access_token, "/v1/me").await;
        assert_eq!(status, 200, "{backend:?}");
        let key = std::fs::read_to_string(data.join("jwt-secret")).unwrap();
        assert!(key.trim().len() >= 32, "{backend:?}: a new key was written");
    }
}
