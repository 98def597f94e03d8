//! Schemas that cannot drift: a fresh SQLite and a fresh PostgreSQL database, migrated, hold
//! the same tables, columns (type family, nullability), primary keys, indexes and foreign
//! keys, and both hold what `storage/src/schema.rs` tells diesel (the PostgreSQL case compares
//! with a SQLite twin too). See `cunxiang_tests::schema` for how types compare.

use cunxiang_tests::schema::{self, Depth, Schema, differences, schema_rs, without};
use cunxiang_tests::{Backend, TestDb, covered};
use diesel::connection::SimpleConnection;
use rstest::rstest;

/// Tables the application reaches only through raw SQL, which `schema.rs` does not declare.
const RAW_SQL_TABLES: &[&str] = &["stats_days", "stats_state"];

/// A freshly migrated database and its schema.
fn migrated(backend: Backend) -> (TestDb, Schema) {
    let db = TestDb::new(backend);
    let mut conn = db.connect();
    cunxiang_storage::migrate::run_pending(&mut conn).expect("migrations");
    let schema = schema::read(&mut conn);
    (db, schema)
}

/// How the database `name` differs from `schema.rs` (tables, columns, primary keys).
fn against_schema_rs(name: &str, schema: &Schema) -> Vec<String> {
    let declared = schema_rs();
    let mut found = differences(
        name,
        &without(schema, RAW_SQL_TABLES),
        "schema.rs",
        &declared,
        Depth::Columns,
    );
    for table in RAW_SQL_TABLES {
        if !schema.tables.contains_key(*table) {
            found.push(format!(
                "table {table}: listed in RAW_SQL_TABLES, missing in {name}"
            ));
        }
        if declared.tables.contains_key(*table) {
            found.push(format!(
                "table {table}: in schema.rs, so not one of RAW_SQL_TABLES"
            ));
        }
    }
    found
}

fn assert_none(found: &[String]) {
    assert!(
        found.is_empty(),
        "{} difference(s):\n  {}",
        found.len(),
        found.join("\n  ")
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[test]
fn the_migrated_schema_is_what_schema_rs_declares_and_what_its_twin_holds(
    #[case] backend: Backend,
) {
    if covered(backend) {
        let (_db, migrated_schema) = migrated(backend);
        let name = format!("{backend:?}").to_lowercase();
        let mut found = against_schema_rs(&name, &migrated_schema);
        if backend == Backend::Postgres {
            let (_sqlite_db, sqlite) = migrated(Backend::Sqlite);
            found.extend(differences(
                "sqlite",
                &sqlite,
                "postgres",
                &migrated_schema,
                Depth::Full,
            ));
        }
        assert_none(&found);
    }
}

/// The comparison notices drift: a column, an index and a foreign key gone from one twin, a
/// column's type and nullability changed, an index added.
#[test]
fn a_drifted_twin_is_told_apart_difference_by_difference() {
    if !covered(Backend::Sqlite) {
        return;
    }
    let (_db, sqlite) = migrated(Backend::Sqlite);
    let (drifted_db, _) = migrated(Backend::Sqlite);
    let mut conn = drifted_db.connect();
    conn.batch_execute(
        "ALTER TABLE reports DROP COLUMN rating_text; DROP INDEX reports_created_idx; \
         CREATE UNIQUE INDEX users_name_idx ON users (display_name, role); \
         ALTER TABLE grids DROP COLUMN active; ALTER TABLE grids ADD COLUMN active INTEGER; \
         DROP TABLE open311_media_urls; \
         CREATE TABLE open311_media_urls (report_id TEXT PRIMARY KEY NOT NULL, url TEXT NOT NULL);",
    )
    .expect("drift");
    let drifted = schema::read(&mut conn);
    assert_eq!(
        differences("twin", &sqlite, "drifted", &drifted, Depth::Full),
        [
            "grids.active: bool in twin, integer in drifted",
            "grids.active: not null in twin, nullable in drifted",
            "open311_media_urls: foreign key (report_id) → reports (id) on delete NO ACTION \
             only in twin",
            "reports.rating_text: only in twin",
            "reports: index reports_created_idx (created_at, id) only in twin",
            "users: index users_name_idx unique (display_name, role) only in drifted",
        ]
    );
    assert_eq!(
        against_schema_rs("drifted", &drifted),
        [
            "grids.active: integer in drifted, bool in schema.rs",
            "grids.active: nullable in drifted, not null in schema.rs",
            "reports.rating_text: only in schema.rs",
        ]
    );
}
