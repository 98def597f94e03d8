//! Nothing the server keeps on disk is readable by other users of the machine: after a photo
//! and a report, every directory under the data directory is 0700 and every file in it, and
//! the SQLite database with its WAL, owner-only.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use cunxiang_tests::intake::{ANNA, dukou_photo};
use cunxiang_tests::{Backend, TestServer, covered};
use rstest::rstest;

/// Paths under `dir` (itself included) whose mode lets group or others in.
fn open_to_others(dir: &Path, found: &mut Vec<String>) {
    let mode = std::fs::metadata(dir).unwrap().permissions().mode();
    if mode & 0o077 != 0 {
        found.push(format!("{} {:o}", dir.display(), mode & 0o777));
    }
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            open_to_others(&path, found);
        } else {
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            if mode & 0o077 != 0 {
                found.push(format!("{} {:o}", path.display(), mode & 0o777));
            }
        }
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn the_data_directory_and_database_are_owner_only(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_with_phones(backend, &[ANNA]).await;
        let anna = srv.villager(ANNA).await;
        let (status, photo) = srv
            .upload(&anna.access_token, dukou_photo(3), "p.jpg")
            .await;
        assert_eq!(status, 201, "{photo}");
        srv.report_at_dukou(&anna, "garbage", "路边垃圾").await;

        let mut found = Vec::new();
        open_to_others(&srv.db.dir.path().join("data"), &mut found);
        if backend == Backend::Sqlite {
            for name in ["cunxiang.db", "cunxiang.db-wal", "cunxiang.db-shm"] {
                let path = srv.db.dir.path().join(name);
                let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
                if mode != 0o600 {
                    found.push(format!("{} {mode:o}", path.display()));
                }
            }
        }
        assert!(
            found.is_empty(),
            "{backend:?}: readable by others: {found:#?}"
        );
    }
}
