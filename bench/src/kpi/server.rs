//! The server under test: the release `cunxiang` binary in a process of its own on the bench
//! database (no demo data unless the caller's environment asks for it, deadline worker idle for
//! an hour, log to a file), so that the memory read from `/proc/<pid>/status` is the server's
//! alone. Start-up may take minutes when the server builds derived data (KPI roll-ups) from a
//! million reports, so readiness is awaited for up to ten minutes.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use reqwest::Client;
use serde_json::{Value, json};

/// How long the server may take to answer `/healthz`.
const READY_WITHIN: Duration = Duration::from_secs(600);

/// A running server; killed on drop.
pub struct Server {
    child: Child,
    /// Its process id (the binary re-executes itself in place, so the id stays).
    pub pid: u32,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    log: PathBuf,
    /// Seconds from spawning the process to its first successful `/healthz`.
    pub startup_s: f64,
}

/// The `cunxiang` binary beside this executable (both in `target/release`).
pub fn default_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.join("cunxiang");
    path.is_file().then_some(path)
}

impl Server {
    /// Starts `binary` on `database_url` with its data dir and log in `dir`; waits until it
    /// answers.
    pub async fn start(
        binary: &Path,
        database_url: &str,
        dir: &Path,
        client: &Client,
    ) -> anyhow::Result<Self> {
        Self::start_with(binary, database_url, dir, client, &[]).await
    }

    /// [`Server::start`] with more environment variables for the server (set last, so they
    /// override the defaults above, e.g. `CUNXIANG_DEMO=true`).
    pub async fn start_with(
        binary: &Path,
        database_url: &str,
        dir: &Path,
        client: &Client,
        env: &[(&str, String)],
    ) -> anyhow::Result<Self> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        std::fs::create_dir_all(dir)?;
        let log = dir.join("server.log");
        let log_file = std::fs::File::create(&log)?;
        let started = Instant::now();
        let child = Command::new(binary)
            .env("DATABASE_URL", database_url)
            .env("CUNXIANG_DATA_DIR", dir.join("data"))
            .env("CUNXIANG_BIND", format!("127.0.0.1:{port}"))
            .env("CUNXIANG_DEMO", "false")
            .env("CUNXIANG_DEADLINE_INTERVAL_SECS", "3600")
            .env("CUNXIANG_ACCESS_TOKEN_TTL", "21600")
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let mut server = Server {
            pid: child.id(),
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
            startup_s: 0.0,
        };
        loop {
            let res = client.get(format!("{}/healthz", server.base)).send().await;
            if res.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            if let Some(status) = server.child.try_wait()? {
                bail!("the server exited ({status}): {}", server.log_tail());
            }
            if started.elapsed() > READY_WITHIN {
                bail!(
                    "no answer to /healthz within {} s: {}",
                    READY_WITHIN.as_secs(),
                    server.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        server.startup_s = started.elapsed().as_secs_f64();
        Ok(server)
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The last lines of the server's log.
    pub fn log_tail(&self) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(5)..].join("\n")
    }

    /// A `kB` field of `/proc/<pid>/status` (`VmRSS:`, `VmHWM:`), in MB.
    pub fn status_mb(&self, field: &str) -> anyhow::Result<f64> {
        cunxiang_bench::measure::status_mb(self.pid, field)
    }

    /// Logs in with a username and password; returns the access token.
    pub async fn log_in(
        &self,
        client: &Client,
        user: &str,
        password: &str,
    ) -> anyhow::Result<String> {
        let res = client
            .post(format!("{}/v1/auth/login", self.base))
            .json(&json!({ "username": user, "password": password }))
            .send()
            .await?;
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("logging in as {user}: {status} {body}");
        }
        body.get("access_token")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .with_context(|| format!("no access_token in {body}"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether the database behind `url` has the KPI roll-up table `stats_days` (the server
/// measured keeps roll-ups) — read after the server has started and migrated it.
pub fn has_rollups(url: &str) -> anyhow::Result<bool> {
    use diesel::prelude::*;
    use diesel::sql_types::BigInt;
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut conn = cunxiang_storage::DatabaseTarget::parse(url)?.connect()?;
    let sql = match conn.backend() {
        cunxiang_storage::Backend::Sqlite => {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'stats_days'"
        }
        cunxiang_storage::Backend::Postgres => {
            "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_name = 'stats_days'"
        }
    };
    let found: Vec<Found> = diesel::sql_query(sql).load(&mut conn)?;
    Ok(found.first().is_some_and(|f| f.n > 0))
}
