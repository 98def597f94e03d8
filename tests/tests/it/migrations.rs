//! Migrations: the two folders hold the same names, up → down → up works on each backend, and
//! SQLite's table rebuilds keep every row.

use std::collections::BTreeMap;

use cunxiang_storage::{DatabaseTarget, DbConn};
use cunxiang_tests::intake::{ANNA, BAO, DUKOU};
use cunxiang_tests::lifecycle::{DUKOU_TEAM, at, photo_taken};
use cunxiang_tests::push::hooks::HookReceiver;
use cunxiang_tests::{Backend, TestDb, TestServer, covered, schema};
use diesel::connection::SimpleConnection;
use diesel::{QueryableByName, RunQueryDsl};
use diesel_migrations::{FileBasedMigrations, MigrationHarness};
use rstest::rstest;
use serde_json::json;

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

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[test]
fn up_down_up_works(#[case] backend: Backend) {
    if covered(backend) {
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

/// Every row of every table as text (`quote()` of each column, columns in name order), sorted.
fn rows(conn: &mut cunxiang_storage::DbConn) -> BTreeMap<String, Vec<String>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        row: String,
    }
    let mut all = BTreeMap::new();
    for (name, table) in schema::read(conn).tables {
        let columns: Vec<String> = table
            .columns
            .keys()
            .map(|c| format!("quote({c})"))
            .collect();
        let sql = format!(
            "SELECT {} AS row FROM {name} ORDER BY 1",
            columns.join(" || '|' || ")
        );
        let found: Vec<Row> = diesel::sql_query(sql).load(conn).unwrap();
        all.insert(name, found.into_iter().map(|r| r.row).collect());
    }
    all
}

/// The keys 000013 adds on SQLite (PostgreSQL had them from the start).
fn added_keys_present(conn: &mut cunxiang_storage::DbConn) -> [bool; 2] {
    let schema = schema::read(conn);
    let has = |table: &str, column: &str| {
        schema.tables[table]
            .foreign_keys
            .iter()
            .any(|fk| fk.columns == [column])
    };
    [has("reports", "duplicate_of"), has("media", "event_id")]
}

/// 000013 rebuilds reports (which other tables reference, some with ON DELETE CASCADE), media,
/// webhooks, deliveries and stats_state on SQLite: every row of every table survives it both
/// ways, its keys are there after it and gone after its down, and they are enforced after it.
#[tokio::test]
async fn the_sqlite_key_rebuild_keeps_every_row_both_ways() {
    if !covered(Backend::Sqlite) {
        return;
    }
    let srv = TestServer::start_with_phones(Backend::Sqlite, &[ANNA, BAO]).await;
    let admin = srv.login("admin").await;
    let hx = srv.login("hx-supervisor").await;
    let anna = srv.villager(ANNA).await;
    let bao = srv.villager(BAO).await;
    let worker = srv
        .staff_in(&admin, "dk-keys", "grid_worker", DUKOU_TEAM)
        .await;
    let hook = HookReceiver::start().await;
    let body = json!({ "name": "keys", "url": hook.url(), "secret": "0123456789abcdef-secret" });
    srv.webhook(&admin, body).await;
    let original = srv.report_at_dukou(&anna, "garbage", "码头垃圾").await;
    let id = original["id"].as_str().unwrap();
    let created = at(&original["created_at"]);
    srv.act_ok(&worker, id, "accept", json!({})).await;
    let photo = photo_taken(created + chrono::Duration::minutes(1), DUKOU, 13);
    let media = srv.evidence(&worker, photo).await;
    let body = json!({ "note": "已清理", "media_ids": [media] });
    srv.act_ok(&worker, id, "resolve", body).await;
    let again = srv.report_at_dukou(&bao, "garbage", "码头有垃圾").await;
    let body = json!({ "reason": "重复上报", "duplicate_of": original["case_number"] });
    srv.act_ok(&hx, again["id"].as_str().unwrap(), "reject", body)
        .await;
    let db = srv.stop();
    let mut conn = db.connect();

    let dir = format!("{}/../migrations/sqlite", env!("CARGO_MANIFEST_DIR"));
    let source = FileBasedMigrations::from_path(dir).unwrap();
    // The migrations that came after it are taken back first, and put back last.
    let mut later = Vec::new();
    {
        let DbConn::Sqlite(sqlite) = &mut conn else {
            panic!("a SQLite connection")
        };
        loop {
            let applied = sqlite.applied_migrations().unwrap();
            let last = applied.iter().map(ToString::to_string).max().unwrap();
            if last.as_str() <= "20261205000013" {
                break;
            }
            later.push(
                sqlite
                    .revert_last_migration(source.clone())
                    .unwrap()
                    .to_string(),
            );
        }
    }
    assert!(later.contains(&"20261206000014".to_owned()), "{later:?}");
    let before = rows(&mut conn);
    for table in [
        "reports",
        "media",
        "webhooks",
        "deliveries",
        "event_recipients",
        "stats_state",
    ] {
        assert!(!before[table].is_empty(), "{table} has rows to keep");
    }
    assert_eq!(added_keys_present(&mut conn), [true, true]);
    {
        let DbConn::Sqlite(sqlite) = &mut conn else {
            panic!("a SQLite connection")
        };
        let reverted = sqlite.revert_last_migration(source.clone()).unwrap();
        assert_eq!(reverted.to_string(), "20261205000013");
    }
    assert_eq!(rows(&mut conn), before, "rows after the down");
    assert_eq!(added_keys_present(&mut conn), [false, false]);

    {
        let DbConn::Sqlite(sqlite) = &mut conn else {
            panic!("a SQLite connection")
        };
        let applied = sqlite.run_next_migration(source).unwrap();
        assert_eq!(applied.to_string(), "20261205000013");
    }
    assert_eq!(rows(&mut conn), before, "rows after the up");
    assert_eq!(added_keys_present(&mut conn), [true, true]);
    let rest = cunxiang_storage::migrate::run_pending(&mut conn).unwrap();
    later.reverse();
    assert_eq!(rest, later);
    let dangling = "UPDATE reports SET duplicate_of = 'nowhere' WHERE duplicate_of IS NOT NULL";
    let refused = conn.batch_execute(dangling).unwrap_err().to_string();
    assert!(refused.contains("FOREIGN KEY"), "{refused}");
}
