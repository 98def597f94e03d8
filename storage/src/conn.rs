//! Connections: `DATABASE_URL` → backend, the `DbConn` over SQLite and PostgreSQL, and the pool.

use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel::sqlite::SqliteConnection;

use crate::error::{Result, StorageError};

/// One database connection, SQLite or PostgreSQL; every query in this crate takes it.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    /// A PostgreSQL connection (production).
    Postgres(PgConnection),
    /// A SQLite connection (embedded default).
    Sqlite(SqliteConnection),
}

/// Which database engine a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

impl DbConn {
    /// The engine behind this connection.
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Postgres(_) => Backend::Postgres,
            DbConn::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Pragmas every SQLite connection gets: enforced foreign keys, waiting instead of failing on a
/// locked database, write-ahead logging, and the fsync level WAL makes safe.
const SQLITE_PRAGMAS: &str = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; \
     PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;";

/// How long a SQLite writer waits for the write lock before the database counts as busy: the
/// connections' `busy_timeout`, and the deadline of [`begin_immediate`]'s retries.
const SQLITE_BUSY: Duration = Duration::from_millis(5000);

/// Runs `f` in one transaction: committed when it returns `Ok`, rolled back otherwise. This
/// is the one way storage and its callers open a transaction (clippy's `disallowed-methods`
/// refuses diesel's own `Connection::transaction` elsewhere).
///
/// On SQLite the outermost transaction begins as a writer (`BEGIN IMMEDIATE`): it takes the
/// database's write lock before its first read, so a concurrent writer makes it wait on the
/// busy timeout. A deferred transaction that read first could not upgrade its snapshot under
/// a concurrent writer and would fail at once with "database is locked". Read-only work never
/// needs a transaction here. PostgreSQL begins as usual and locks rows as it goes. Inside a
/// transaction, `f` runs in a savepoint.
///
/// Callers keep their own error type; database failures reach them as [`StorageError`].
pub fn transaction<T, E>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> std::result::Result<T, E>,
) -> std::result::Result<T, E>
where
    E: From<StorageError>,
{
    let query = |e: diesel::result::Error| E::from(StorageError::Query(e));
    let begun_immediate = match conn {
        DbConn::Sqlite(c) => {
            let outermost = !in_transaction(c).map_err(query)?;
            if outermost {
                begin_immediate(c).map_err(query)?;
            }
            outermost
        }
        DbConn::Postgres(_) => false,
    };
    if !begun_immediate {
        /// The caller's error, or diesel's own (begin/commit failed) turned into the caller's.
        struct TxError<E>(E);
        impl<E: From<StorageError>> From<diesel::result::Error> for TxError<E> {
            fn from(e: diesel::result::Error) -> Self {
                TxError(E::from(StorageError::Query(e)))
            }
        }
        #[allow(clippy::disallowed_methods)]
        return conn
            .transaction(|c| f(c).map_err(TxError))
            .map_err(|TxError(e)| e);
    }
    // As diesel's own `transaction`, after a begin of our choosing.
    match f(conn) {
        Ok(value) => {
            <DbConn as TransactionManager<DbConn>>::commit_transaction(conn).map_err(query)?;
            Ok(value)
        }
        Err(e) => match <DbConn as TransactionManager<DbConn>>::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(e),
            Err(rollback) => Err(query(rollback)),
        },
    }
}

/// Serialises, until commit, the transactions that take the same `key`: on PostgreSQL a
/// transaction-scoped advisory lock; SQLite writers are serial already. For the few writes
/// that read what they then write over (the next rule number, the feed's order).
pub fn serialise(conn: &mut DbConn, key: i64) -> Result<()> {
    if let DbConn::Postgres(c) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(key)
            .execute(c)?;
    }
    Ok(())
}

/// `BEGIN IMMEDIATE`, retried every 250 µs to 1 ms while another writer holds the lock, for up
/// to [`SQLITE_BUSY`]. SQLite's own busy handler sleeps in steps that grow to 100 ms, so under a
/// burst a writer slept far longer than the lock was held (p99 over 100 ms with a p50 of
/// 3 ms); statements outside transactions keep that handler.
fn begin_immediate(c: &mut SqliteConnection) -> diesel::QueryResult<()> {
    c.batch_execute("PRAGMA busy_timeout = 0")?;
    let deadline = std::time::Instant::now() + SQLITE_BUSY;
    let mut pause = Duration::from_micros(250);
    let begun = loop {
        match AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE") {
            Err(e) if locked(&e) && std::time::Instant::now() < deadline => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(1));
            }
            done => break done,
        }
    };
    let restored = c.batch_execute(&format!(
        "PRAGMA busy_timeout = {}",
        SQLITE_BUSY.as_millis()
    ));
    if let (Ok(()), Err(e)) = (&begun, restored) {
        let _ =
            <AnsiTransactionManager as TransactionManager<SqliteConnection>>::rollback_transaction(
                c,
            );
        return Err(e);
    }
    begun
}

/// Whether SQLite said another connection holds the lock.
fn locked(e: &diesel::result::Error) -> bool {
    matches!(e, diesel::result::Error::DatabaseError(_, info)
        if info.message().contains("database is locked") || info.message().contains("database is busy"))
}

/// Whether a SQLite connection is inside a transaction already.
fn in_transaction(c: &mut SqliteConnection) -> diesel::QueryResult<bool> {
    Ok(
        <AnsiTransactionManager as TransactionManager<SqliteConnection>>::transaction_manager_status_mut(c)
            .transaction_depth()?
            .is_some(),
    )
}

/// Whether `e` says the database stayed busy past its timeout (SQLite's "database is
/// locked"), or that PostgreSQL gave up on a transaction for a concurrent one (a
/// serialization failure or a deadlock): worth retrying later, not a bug.
pub fn is_busy(e: &StorageError) -> bool {
    let StorageError::Query(diesel::result::Error::DatabaseError(kind, info)) = e else {
        return false;
    };
    matches!(
        kind,
        diesel::result::DatabaseErrorKind::SerializationFailure
    ) || [
        "database is locked",
        "database is busy",
        "deadlock detected",
    ]
    .iter()
    .any(|m| info.message().contains(m))
}

/// Seconds libpq waits for a PostgreSQL server before giving up, unless the URL says otherwise.
const PG_CONNECT_TIMEOUT_SECS: u32 = 10;

/// Where the database is, decided from `DATABASE_URL`'s scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// `sqlite://PATH` (relative to the working directory) or `sqlite:///ABSOLUTE/PATH`.
    Sqlite {
        /// The database file.
        path: PathBuf,
    },
    /// `postgres://…` or `postgresql://…`, passed to libpq.
    Postgres {
        /// The connection URL.
        url: String,
    },
}

impl DatabaseTarget {
    /// Reads a `DATABASE_URL`. Anything but `sqlite://` and `postgres(ql)://` is an error that
    /// names the scheme (never the whole URL, which may hold a password).
    pub fn parse(url: &str) -> Result<Self> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() || path == ":memory:" {
                return Err(StorageError::BadUrl(
                    "DATABASE_URL sqlite:// needs a file path (an in-memory database would be \
                     a different database on every pooled connection)"
                        .into(),
                ));
            }
            return Ok(DatabaseTarget::Sqlite {
                path: PathBuf::from(path),
            });
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseTarget::Postgres {
                url: url.to_owned(),
            });
        }
        let scheme = url.split_once("://").map_or("(none)", |(s, _)| s);
        Err(StorageError::BadUrl(format!(
            "DATABASE_URL has unknown scheme {scheme:?}: use sqlite://PATH or postgres://USER@HOST/DB"
        )))
    }

    /// The engine this target names.
    pub fn backend(&self) -> Backend {
        match self {
            DatabaseTarget::Sqlite { .. } => Backend::Sqlite,
            DatabaseTarget::Postgres { .. } => Backend::Postgres,
        }
    }

    /// A form safe for logs: the PostgreSQL password, if any, replaced by `***`.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseTarget::Sqlite { path } => format!("sqlite://{}", path.display()),
            DatabaseTarget::Postgres { url } => match url::Url::parse(url) {
                Ok(mut parsed) => {
                    if parsed.password().is_some() {
                        // Cannot fail on a URL that already has a password.
                        let _ = parsed.set_password(Some("***"));
                    }
                    parsed.to_string()
                }
                Err(_) => "postgres://(unparseable URL)".into(),
            },
        }
    }

    /// Opens one connection, configured as every pooled one is.
    pub fn connect(&self) -> Result<DbConn> {
        let fail = |reason: String| StorageError::Connect {
            target: self.redacted(),
            reason,
        };
        match self {
            DatabaseTarget::Sqlite { path } => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    crate::private::create_dir(dir)
                        .map_err(|e| fail(format!("cannot create {}: {e}", dir.display())))?;
                }
                crate::private::own_database(path)
                    .map_err(|e| fail(format!("cannot make {} private: {e}", path.display())))?;
                let file = path
                    .to_str()
                    .ok_or_else(|| fail("path is not UTF-8".into()))?;
                let mut conn =
                    SqliteConnection::establish(file).map_err(|e| fail(e.to_string()))?;
                conn.batch_execute(SQLITE_PRAGMAS)
                    .map_err(|e| fail(e.to_string()))?;
                Ok(DbConn::Sqlite(conn))
            }
            DatabaseTarget::Postgres { url } => {
                let url = with_connect_timeout(url);
                let conn = PgConnection::establish(&url)
                    .map_err(|e| fail(e.to_string().trim().replace('\n', " ")))?;
                Ok(DbConn::Postgres(conn))
            }
        }
    }
}

/// Adds libpq's `connect_timeout` so an unreachable server fails in seconds, not minutes.
fn with_connect_timeout(url: &str) -> String {
    if url.contains("connect_timeout=") {
        return url.to_owned();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}connect_timeout={PG_CONNECT_TIMEOUT_SECS}")
}

/// The r2d2 manager: connects to the target chosen from the URL's scheme (diesel's own manager
/// would try each backend in turn and lose the real error).
#[derive(Debug, Clone)]
pub struct Manager {
    target: DatabaseTarget,
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = StorageError;

    fn connect(&self) -> Result<DbConn> {
        self.target.connect()
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<()> {
        conn.batch_execute("SELECT 1").map_err(StorageError::from)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        r2d2::R2D2Connection::is_broken(conn)
    }
}

/// A pool of connections.
pub type Pool = r2d2::Pool<Manager>;
/// A connection checked out of the pool.
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// Opens the pool. One connection is made first, so a bad path or unreachable server fails
/// here with the driver's own words.
pub fn connect_pool(target: &DatabaseTarget, max_size: u32) -> Result<Pool> {
    drop(target.connect()?);
    r2d2::Pool::builder()
        .max_size(max_size.max(1))
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(10))
        .build(Manager {
            target: target.clone(),
        })
        .map_err(|e| StorageError::Connect {
            target: target.redacted(),
            reason: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_picks_the_backend() {
        assert_eq!(
            DatabaseTarget::parse("sqlite://data/cunxiang.db").unwrap(),
            DatabaseTarget::Sqlite {
                path: "data/cunxiang.db".into()
            }
        );
        assert_eq!(
            DatabaseTarget::parse("sqlite:///var/lib/cx.db").unwrap(),
            DatabaseTarget::Sqlite {
                path: "/var/lib/cx.db".into()
            }
        );
        for url in ["postgres://u@h/db", "postgresql://u@h/db"] {
            assert_eq!(
                DatabaseTarget::parse(url).unwrap().backend(),
                Backend::Postgres
            );
        }
    }

    #[test]
    fn unknown_schemes_are_named_without_the_secret() {
        let err = DatabaseTarget::parse("mysql://root:hunter2@db/cx")
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"mysql\""), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        assert!(DatabaseTarget::parse("sqlite://").is_err());
        assert!(DatabaseTarget::parse("sqlite://:memory:").is_err());
        assert!(DatabaseTarget::parse("data/cx.db").is_err());
    }

    #[test]
    fn passwords_never_reach_the_logs() {
        let t = DatabaseTarget::parse("postgres://cx:hunter2@db.local:5432/cx").unwrap();
        assert_eq!(t.redacted(), "postgres://cx:***@db.local:5432/cx");
    }

    #[test]
    fn a_connect_timeout_is_added_once() {
        assert_eq!(
            with_connect_timeout("postgres://h/db"),
            "postgres://h/db?connect_timeout=10"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/db?sslmode=require"),
            "postgres://h/db?sslmode=require&connect_timeout=10"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/db?connect_timeout=3"),
            "postgres://h/db?connect_timeout=3"
        );
    }

    #[test]
    fn sqlite_connections_get_the_pragmas() {
        let dir = tempfile::tempdir().unwrap();
        let target = DatabaseTarget::Sqlite {
            path: dir.path().join("sub/cx.db"),
        };
        let pool = connect_pool(&target, 2).unwrap();
        let mut conn = pool.get().unwrap();
        let DbConn::Sqlite(c) = &mut *conn else {
            panic!("not sqlite")
        };
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            v: String,
        }
        // The column of each pragma's table-valued function is named after the pragma, except
        // busy_timeout's, which is `timeout`.
        let pragma = |c: &mut SqliteConnection, name: &str| -> String {
            let column = if name == "busy_timeout" {
                "timeout"
            } else {
                name
            };
            diesel::sql_query(format!(
                "SELECT CAST({column} AS TEXT) AS v FROM pragma_{name}"
            ))
            .get_result::<Row>(c)
            .unwrap()
            .v
        };
        assert_eq!(pragma(c, "foreign_keys"), "1");
        assert_eq!(pragma(c, "journal_mode"), "wal");
        assert_eq!(pragma(c, "synchronous"), "1");
        assert_eq!(pragma(c, "busy_timeout"), "5000");
    }
}
