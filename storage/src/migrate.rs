//! Embedded migrations (`migrations/sqlite`, `migrations/postgres`: twin folders, same names),
//! run at start-up, by `cunxiang migrate` and by the test harness.

use diesel::connection::SimpleConnection;
use diesel::migration::MigrationVersion;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::conn::DbConn;
use crate::error::{Result, StorageError};

const SQLITE: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// Arbitrary key of the PostgreSQL advisory lock that serialises migrations between instances.
const PG_MIGRATION_LOCK: i64 = 0x6378_6d69_6772;

fn failed(e: impl std::fmt::Display) -> StorageError {
    StorageError::Migration(e.to_string())
}

/// A SQLite migration that opens its own transaction (`run_in_transaction = false` in its
/// `metadata.toml`, to switch foreign keys off) and fails midway leaves that transaction open
/// and the keys off: both are undone before the error is returned.
fn failed_on_sqlite(c: &mut diesel::SqliteConnection, e: impl std::fmt::Display) -> StorageError {
    let _ = c.batch_execute("ROLLBACK");
    let _ = c.batch_execute("PRAGMA foreign_keys = ON");
    failed(e)
}

/// Applies every pending migration; returns the names applied. On PostgreSQL an advisory lock
/// keeps two starting instances from migrating at once.
pub fn run_pending(conn: &mut DbConn) -> Result<Vec<String>> {
    fn names(versions: Vec<MigrationVersion<'_>>) -> Vec<String> {
        versions.iter().map(ToString::to_string).collect()
    }
    match conn {
        DbConn::Sqlite(c) => c
            .run_pending_migrations(SQLITE)
            .map(names)
            .map_err(|e| failed_on_sqlite(c, e)),
        DbConn::Postgres(c) => {
            c.batch_execute(&format!("SELECT pg_advisory_lock({PG_MIGRATION_LOCK})"))?;
            let result = c
                .run_pending_migrations(POSTGRES)
                .map(names)
                .map_err(failed);
            c.batch_execute(&format!("SELECT pg_advisory_unlock({PG_MIGRATION_LOCK})"))?;
            result
        }
    }
}

/// Reverts every applied migration, newest first; returns the names reverted.
pub fn revert_all(conn: &mut DbConn) -> Result<Vec<String>> {
    let reverted = match conn {
        DbConn::Sqlite(c) => match c.revert_all_migrations(SQLITE) {
            Ok(reverted) => reverted,
            Err(e) => {
                let e = e.to_string();
                return Err(failed_on_sqlite(c, e));
            }
        },
        DbConn::Postgres(c) => c.revert_all_migrations(POSTGRES).map_err(failed)?,
    };
    Ok(reverted.iter().map(ToString::to_string).collect())
}

/// Whether any migration is still to be applied (the server is then not ready).
pub fn has_pending(conn: &mut DbConn) -> Result<bool> {
    let pending = match conn {
        DbConn::Sqlite(c) => c.has_pending_migration(SQLITE).map_err(failed)?,
        DbConn::Postgres(c) => c.has_pending_migration(POSTGRES).map_err(failed)?,
    };
    Ok(pending)
}
