//! The server under test, in this process (as the integration tests start it): a scratch
//! database (a SQLite file in a temporary directory, or a database of its own on a PostgreSQL
//! server), the real `cunxiang_api` server on port 0 with the demo county, on a thread of its
//! own with its actix system, and a shifted clock the bench moves to make deadlines pass.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;

use anyhow::{Context, anyhow, bail};
use cunxiang_api::Settings;
use cunxiang_api::settings::Secret;
use cunxiang_api::state::AppState;
use cunxiang_core::clock::ShiftedClock;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

/// Every bench villager's log-in code.
pub const CODE: &str = "123456";
/// Settings the server takes from the environment, for experiments; everything else is the
/// default (2 HTTP workers on this machine, 8 database connections).
const PASSED_THROUGH: [&str; 2] = ["CUNXIANG_WORKERS", "CUNXIANG_DB_POOL_SIZE"];

/// The bench villagers' phone numbers.
pub fn phones(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("1380014{i:04}")).collect()
}

/// A database that exists for one round and is removed afterwards, with a scratch directory
/// for the server's data dir (and the SQLite file).
pub struct ScratchDb {
    /// `DATABASE_URL` for the server.
    pub url: String,
    /// The scratch directory.
    pub dir: tempfile::TempDir,
    /// `(admin URL, database name)` on PostgreSQL, to drop it.
    postgres: Option<(String, String)>,
}

impl ScratchDb {
    /// A new empty database: SQLite when `postgres_admin` is `None`, else a database of its own
    /// on that server (`CREATE DATABASE cx_bench_…`).
    pub fn new(postgres_admin: Option<&str>) -> anyhow::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("lifecycle-bench")
            .tempdir()?;
        let Some(admin) = postgres_admin else {
            let url = format!("sqlite://{}", dir.path().join("cunxiang.db").display());
            return Ok(ScratchDb {
                url,
                dir,
                postgres: None,
            });
        };
        let name = format!("cx_bench_{}", uuid::Uuid::now_v7().simple());
        let mut conn = PgConnection::establish(admin)
            .with_context(|| format!("connecting to PostgreSQL at {}", redacted(admin)))?;
        conn.batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .context("creating the scratch database")?;
        let mut url = url::Url::parse(admin).context("the PostgreSQL URL")?;
        url.set_path(&name);
        Ok(ScratchDb {
            url: url.to_string(),
            dir,
            postgres: Some((admin.to_owned(), name)),
        })
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.postgres
            && let Ok(mut conn) = PgConnection::establish(admin)
        {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
}

/// A URL without its password.
pub fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "(unparsable URL)".into(),
    }
}

/// A running server in this process; stop it with [`Server::stop`].
pub struct Server {
    handle: actix_web::dev::ServerHandle,
    thread: Option<JoinHandle<()>>,
    /// The server's state, for running the deadline worker's passes.
    pub state: AppState,
    /// The server's clock: the system time shifted by what the bench advanced.
    pub clock: Arc<ShiftedClock>,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The server's data dir (it holds `demo-logins.txt`).
    pub data_dir: PathBuf,
}

impl Server {
    /// Starts the server with the demo county on `db`, where `phones` log in with [`CODE`].
    /// The background deadline worker is set to pass once an hour (once at start-up, when
    /// nothing is due): the bench runs the passes itself.
    pub fn start(db: &ScratchDb, phones: &[String]) -> anyhow::Result<Self> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut settings = Settings::from_lookup(|name| {
            PASSED_THROUGH
                .contains(&name)
                .then(|| std::env::var(name).ok())
                .flatten()
        })?;
        let data_dir = db.dir.path().join("data");
        settings.bind = "127.0.0.1:0".into();
        settings.database_url = db.url.clone();
        settings.data_dir = data_dir.clone();
        settings.shutdown_timeout_secs = 1;
        settings.deadline_interval_secs = 3600;
        settings.otp_per_ip_hour = 100_000;
        // Tokens are checked against the system time, but keep them valid for any long run.
        settings.access_token_ttl_secs = 6 * 3600;
        settings.test_phones = phones
            .iter()
            .map(|p| (p.clone(), Secret(CODE.into())))
            .collect();
        let clock = Arc::new(ShiftedClock::new());
        let server_clock = clock.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("cunxiang-server".into())
            .spawn(move || {
                let mut prepared = match cunxiang_api::server::prepare(settings) {
                    Ok(p) => p,
                    Err(e) => {
                        let _ = tx.send(Err(e.to_string()));
                        return;
                    }
                };
                prepared.state.clock = server_clock;
                let state = prepared.state.clone();
                actix_web::rt::System::new().block_on(async move {
                    match cunxiang_api::server::bind(prepared.state) {
                        Ok((srv, addrs)) => {
                            // The workers run as under `cunxiang serve` until the server ends.
                            let shutdown = cunxiang_api::shutdown::Shutdown::new();
                            let _workers =
                                cunxiang_api::workers::Workers::start(&state, &shutdown.stop());
                            let _ = tx.send(Ok((addrs, srv.handle(), state)));
                            let _ = srv.await;
                            drop(shutdown);
                        }
                        Err(e) => {
                            let _ = tx.send(Err(e.to_string()));
                        }
                    }
                });
            })?;
        let (addrs, handle, state) = rx
            .recv()
            .context("the server thread ended before starting")?
            .map_err(|e| anyhow!("the server did not start: {e}"))?;
        let Some(addr) = addrs.first() else {
            bail!("the server bound no address");
        };
        Ok(Server {
            handle,
            thread: Some(thread),
            state,
            clock,
            base: format!("http://{addr}"),
            data_dir,
        })
    }

    /// Stops the server and waits for its thread (its pool closes with it).
    pub async fn stop(mut self) {
        self.handle.stop(false).await;
        if let Some(thread) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }

    /// The demo password and the username of the demo grid worker of the unit `unit`, from
    /// the data dir's log-ins file.
    pub fn demo_worker_of(&self, unit: &str) -> anyhow::Result<(String, String)> {
        demo_worker_of(&self.data_dir, unit)
    }
}

fn demo_worker_of(data_dir: &Path, unit: &str) -> anyhow::Result<(String, String)> {
    let path = data_dir.join(cunxiang_api::demo::LOGINS_FILE);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let password = text
        .lines()
        .find_map(|l| l.strip_prefix("password for every demo account: "))
        .context("no password line in the demo log-ins")?
        .trim()
        .to_owned();
    let username = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| {
            let mut words = l.split_whitespace();
            let (name, role) = (words.next()?, words.next()?);
            let rest: Vec<&str> = words.collect();
            (role == "grid_worker" && rest.join(" ") == unit).then(|| name.to_owned())
        })
        .with_context(|| format!("no demo grid worker of {unit}"))?;
    Ok((password, username))
}

/// The 1-, 5- and 15-minute load averages.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// A `kB` field (`VmRSS:`, `VmHWM:`) of this process's `/proc/self/status`, in MB.
pub fn own_status_mb(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Resets this process's peak RSS (`VmHWM`) to its current RSS (Linux: `clear_refs` 5);
/// `false` when the kernel refused.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// CPU time (user + system) of this process so far (server and bench client), in seconds.
pub fn own_cpu_seconds() -> Option<f64> {
    cunxiang_bench::measure::cpu_seconds(None)
}
