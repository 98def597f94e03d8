//! Helpers shared by the tests that run the real `cunxiang` binary: the databases to run it on.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Stdio};

/// The `cunxiang` binary with a clean environment: `data_dir`, a free port, and
/// `database_url` (the SQLite file in the data dir when `None`).
pub fn cunxiang(data_dir: &Path, database_url: Option<&str>) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cunxiang"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "warn")
        .env("CUNXIANG_DATA_DIR", data_dir)
        .env("CUNXIANG_BIND", "127.0.0.1:0")
        .stdin(Stdio::null());
    if let Some(url) = database_url {
        cmd.env("DATABASE_URL", url);
    }
    cmd
}

/// A database for one test: a SQLite file in the data dir (`url` `None`), or a fresh
/// PostgreSQL database dropped afterwards.
pub struct TestDatabase {
    /// What to pass as `DATABASE_URL`.
    pub url: Option<String>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    /// Which database this is, for messages.
    pub fn name(&self) -> &'static str {
        if self.postgres.is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        if let Some((admin, name)) = &self.postgres
            && let Ok(mut conn) = diesel::PgConnection::establish(admin)
        {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
}

/// SQLite (unless `CUNXIANG_TEST_ONLY=postgres`) and, when `CUNXIANG_TEST_POSTGRES_URL` is
/// set, a fresh PostgreSQL database.
pub fn test_databases() -> Vec<TestDatabase> {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    let mut list = Vec::new();
    if std::env::var("CUNXIANG_TEST_ONLY").as_deref() != Ok("postgres") {
        list.push(TestDatabase {
            url: None,
            postgres: None,
        });
    }
    if let Ok(admin) = std::env::var("CUNXIANG_TEST_POSTGRES_URL")
        && !admin.is_empty()
    {
        let name = format!("cx_bin_{}", uuid::Uuid::now_v7().simple());
        let mut conn = diesel::PgConnection::establish(&admin).unwrap();
        conn.batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap();
        let mut url = url::Url::parse(&admin).unwrap();
        url.set_path(&name);
        list.push(TestDatabase {
            url: Some(url.to_string()),
            postgres: Some((admin, name)),
        });
    }
    list
}
