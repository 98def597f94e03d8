//! The one error type of the storage layer.

use diesel::result::DatabaseErrorKind;

/// Why a storage call failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// `DATABASE_URL` is malformed or names an unknown backend.
    #[error("{0}")]
    BadUrl(String),
    /// The database could not be opened or reached.
    #[error("cannot connect to {target}: {reason}")]
    Connect {
        /// The database, with any password removed.
        target: String,
        /// What the driver said.
        reason: String,
    },
    /// No pooled connection became free in time.
    #[error("no database connection available: {0}")]
    Pool(String),
    /// Running or reverting migrations failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// A query failed.
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    /// Stored data could not be turned into domain types (a bug or manual tampering).
    #[error("corrupt row in {table}: {reason}")]
    Corrupt {
        /// Table the row came from.
        table: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// A referenced row (parent region, grid …) does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// A row with the same unique value (phone, username, client id …) is already stored; the
    /// text names what collided without echoing secrets.
    #[error("{0} already exists")]
    Conflict(String),
}

/// Turns a unique-constraint violation into [`StorageError::Conflict`], any other error into
/// [`StorageError::Query`]. `what` gets a hint naming the violated constraint — PostgreSQL's
/// constraint name (`users_phone_key`) or SQLite's message (`UNIQUE constraint failed:
/// users.phone`) — and returns the conflict text; callers match column names in it.
pub(crate) fn unique_conflict(
    e: diesel::result::Error,
    what: impl FnOnce(&str) -> String,
) -> StorageError {
    match e {
        diesel::result::Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            let hint = info.constraint_name().unwrap_or(info.message());
            StorageError::Conflict(what(hint))
        }
        other => StorageError::Query(other),
    }
}

impl From<diesel::r2d2::PoolError> for StorageError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        StorageError::Pool(e.to_string())
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;
