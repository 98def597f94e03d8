//! Migrations: the two folders hold the same names, and up → down → up works on each backend.

use cunxiang_storage::DatabaseTarget;
use cunxiang_tests::{TestDb, backends};

fn names(backend: &str) -> Vec<String> {
    let dir = format!("{}/../migrations/{backend}", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn both_folders_hold_the_same_migrations() {
    let sqlite = names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("postgres"));
    for name in &sqlite {
        for backend in ["sqlite", "postgres"] {
            for file in ["up.sql", "down.sql"] {
                let path = format!(
                    "{}/../migrations/{backend}/{name}/{file}",
                    env!("CARGO_MANIFEST_DIR")
                );
                assert!(std::path::Path::new(&path).is_file(), "{path} missing");
            }
        }
    }
}

#[test]
fn up_down_up_works_on_every_backend() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let mut conn = DatabaseTarget::parse(&db.url).unwrap().connect().unwrap();
        let first = cunxiang_storage::migrate::run_pending(&mut conn).unwrap();
        assert_eq!(first.len(), names("sqlite").len(), "{backend:?}");
        assert!(!cunxiang_storage::migrate::has_pending(&mut conn).unwrap());
        assert_eq!(cunxiang_storage::regions::count(&mut conn).unwrap(), 0);

        let mut reverted = cunxiang_storage::migrate::revert_all(&mut conn).unwrap();
        reverted.reverse();
        assert_eq!(reverted, first, "{backend:?}: every migration goes down");
        assert!(cunxiang_storage::migrate::has_pending(&mut conn).unwrap());
        assert!(
            cunxiang_storage::regions::count(&mut conn).is_err(),
            "tables are gone"
        );

        let second = cunxiang_storage::migrate::run_pending(&mut conn).unwrap();
        assert_eq!(second, first);
        assert_eq!(cunxiang_storage::regions::count(&mut conn).unwrap(), 0);
    }
}
