//! One fresh database per test, on each backend the run covers.

use std::io::Write;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use tempfile::TempDir;

/// A database engine the suite runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A new database on the server named by `CUNXIANG_TEST_POSTGRES_URL`.
    Postgres,
}

/// The backends this run covers: SQLite always (unless `CUNXIANG_TEST_ONLY=postgres`), and
/// PostgreSQL when `CUNXIANG_TEST_POSTGRES_URL` is set. Tests that run on each backend are
/// two cases instead (see [`covered`]); this is for the few that need only one.
pub fn backends() -> Vec<Backend> {
    let only = std::env::var("CUNXIANG_TEST_ONLY").unwrap_or_default();
    let mut list = Vec::new();
    if only != "postgres" {
        list.push(Backend::Sqlite);
    }
    if postgres_admin_url().is_some() && only != "sqlite" {
        list.push(Backend::Postgres);
    }
    list
}

/// Whether this run covers `backend`, for a test that runs once per backend (one `#[case]`
/// each): `CUNXIANG_TEST_ONLY` names the other backend (skipped quietly: asked for), or it is
/// PostgreSQL and `CUNXIANG_TEST_POSTGRES_URL` is unset. The latter is said on stderr, past
/// the test harness's capture, so that a skipped test is not taken for a passed one; with
/// `CUNXIANG_TEST_REQUIRE_POSTGRES=1` it fails the test instead.
pub fn covered(backend: Backend) -> bool {
    let only = std::env::var("CUNXIANG_TEST_ONLY").unwrap_or_default();
    let chosen = match backend {
        Backend::Sqlite => only != "postgres",
        Backend::Postgres => only != "sqlite",
    };
    if !chosen || backend == Backend::Sqlite || postgres_admin_url().is_some() {
        return chosen;
    }
    let required = std::env::var("CUNXIANG_TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "CUNXIANG_TEST_REQUIRE_POSTGRES=1 but CUNXIANG_TEST_POSTGRES_URL is unset"
    );
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    // Straight to stderr: `eprintln!` would be captured and shown only for failures.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: CUNXIANG_TEST_POSTGRES_URL unset"
    );
    false
}

fn postgres_admin_url() -> Option<String> {
    std::env::var("CUNXIANG_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// A database that exists for one test and is removed afterwards.
pub struct TestDb {
    /// Which engine.
    pub backend: Backend,
    /// `DATABASE_URL` for the server.
    pub url: String,
    /// A scratch directory (the SQLite file and the server's data dir live here).
    pub dir: TempDir,
    postgres: Option<(String, String)>,
}

impl TestDb {
    /// Creates an empty database.
    pub fn new(backend: Backend) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("cunxiang.db").display());
                TestDb {
                    backend,
                    url,
                    dir,
                    postgres: None,
                }
            }
            Backend::Postgres => {
                let admin = postgres_admin_url().expect("CUNXIANG_TEST_POSTGRES_URL");
                let name = format!("cx_test_{}", uuid::Uuid::now_v7().simple());
                let mut conn = PgConnection::establish(&admin).expect("connect to PostgreSQL");
                conn.batch_execute(&format!("CREATE DATABASE \"{name}\""))
                    .expect("create db");
                let mut url = url::Url::parse(&admin).expect("postgres URL");
                url.set_path(&name);
                TestDb {
                    backend,
                    url: url.to_string(),
                    dir,
                    postgres: Some((admin, name)),
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.postgres
            && let Ok(mut conn) = PgConnection::establish(admin)
        {
            let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            let _ = conn.batch_execute(&sql);
        }
    }
}

impl TestDb {
    /// Another handle on the same database that does not remove it when dropped (its own
    /// scratch directory is empty): for a second server instance.
    pub fn alias(&self) -> TestDb {
        TestDb {
            backend: self.backend,
            url: self.url.clone(),
            dir: tempfile::tempdir().expect("temp dir"),
            postgres: None,
        }
    }

    /// A connection of the test's own, to count rows behind the server's back.
    pub fn connect(&self) -> cunxiang_storage::DbConn {
        cunxiang_storage::DatabaseTarget::parse(&self.url)
            .expect("database URL")
            .connect()
            .expect("connect")
    }

    /// How many files lie under `data/<sub>` (recursively), e.g. `tmp` or `blobs`.
    pub fn files_under(&self, sub: &str) -> usize {
        fn walk(dir: &std::path::Path) -> usize {
            std::fs::read_dir(dir).map_or(0, |entries| {
                entries
                    .flatten()
                    .map(|e| {
                        let path = e.path();
                        if path.is_dir() { walk(&path) } else { 1 }
                    })
                    .sum()
            })
        }
        walk(&self.dir.path().join("data").join(sub))
    }
}
