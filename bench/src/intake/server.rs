//! The server under test, in a child process of its own so that its memory is its own: the
//! bench re-executes itself with `--serve DIR PORT_FILE PHONES`, the child starts the real
//! `cunxiang_api` server on SQLite in `DIR` and writes its port to `PORT_FILE`. The parent
//! reads the child's memory and CPU time from `/proc`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use cunxiang_api::Settings;
use cunxiang_api::settings::Secret;

/// The argument that makes the bench binary the server.
pub const SERVE_FLAG: &str = "--serve";
/// Every bench villager's log-in code.
pub const CODE: &str = "123456";
/// Settings the child takes from the environment, for experiments; everything else is default.
const PASSED_THROUGH: [&str; 6] = [
    "CUNXIANG_WORKERS",
    "CUNXIANG_PHOTO_WORKERS",
    "CUNXIANG_DB_POOL_SIZE",
    "CUNXIANG_MAX_UPLOAD_BYTES",
    "CUNXIANG_PHOTO_MEMORY_MB",
    "CUNXIANG_MAX_DECODED_BYTES",
];
/// How often VmRSS is read during a phase.
const SAMPLE_EVERY: Duration = Duration::from_millis(20);

/// The bench villagers' phone numbers.
pub fn phones(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("1380013{i:04}")).collect()
}

/// The child's side: runs the server until the parent closes our stdin (or dies).
pub fn serve(dir: &Path, port_file: &Path, villagers: usize) -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    std::thread::spawn(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
        std::process::exit(0);
    });
    let mut settings = Settings::from_lookup(|name| {
        PASSED_THROUGH
            .contains(&name)
            .then(|| std::env::var(name).ok())
            .flatten()
    })?;
    settings.bind = "127.0.0.1:0".into();
    settings.data_dir = dir.join("data");
    settings.database_url = format!("sqlite://{}", dir.join("data/cunxiang.db").display());
    settings.test_phones = phones(villagers)
        .into_iter()
        .map(|p| (p, Secret(CODE.into())))
        .collect();
    settings.otp_per_ip_hour = 100_000;
    settings.shutdown_timeout_secs = 1;
    let prepared = cunxiang_api::server::prepare(settings)?;
    actix_web::rt::System::new().block_on(async move {
        let (server, addrs) = cunxiang_api::server::bind(prepared.state.clone())?;
        // The workers run as under `cunxiang serve`; the process is killed at the end.
        let shutdown = cunxiang_api::shutdown::Shutdown::new();
        let _workers = cunxiang_api::workers::Workers::start(&prepared.state, &shutdown.stop());
        let addr = addrs.first().context("the server bound no address")?;
        let partial = port_file.with_extension("partial");
        std::fs::write(&partial, addr.port().to_string())?;
        std::fs::rename(&partial, port_file)?;
        server.await?;
        drop(shutdown);
        Ok(())
    })
}

/// The parent's handle on a running server; the child is killed (and its directory removed)
/// on drop.
pub struct ServerProcess {
    child: Child,
    /// The child's process id.
    pub pid: u32,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    _dir: tempfile::TempDir,
}

impl ServerProcess {
    /// Starts a fresh server on a new SQLite database where `villagers` phones log in with
    /// [`CODE`]; waits until it listens.
    pub fn start(villagers: usize) -> anyhow::Result<Self> {
        let dir = tempfile::Builder::new().prefix("intake-bench").tempdir()?;
        let port_file: PathBuf = dir.path().join("port");
        // As the `cunxiang` binary runs itself (see api/src/main.rs), unless the caller set it.
        let arenas = std::env::var("MALLOC_ARENA_MAX").unwrap_or_else(|_| "2".into());
        let child = Command::new(std::env::current_exe()?)
            .env("MALLOC_ARENA_MAX", arenas)
            .arg(SERVE_FLAG)
            .arg(dir.path())
            .arg(&port_file)
            .arg(villagers.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting the server process")?;
        let pid = child.id();
        let mut process = ServerProcess {
            child,
            pid,
            base: String::new(),
            _dir: dir,
        };
        let started = Instant::now();
        let port = loop {
            if let Ok(port) = std::fs::read_to_string(&port_file) {
                break port;
            }
            if let Some(status) = process.child.try_wait()? {
                bail!("the server process ended before listening: {status}");
            }
            if started.elapsed() > Duration::from_secs(120) {
                bail!("the server did not listen within two minutes");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        process.base = format!("http://127.0.0.1:{}", port.trim());
        Ok(process)
    }

    /// Whether the server process is still running (not killed, e.g. by the OOM killer).
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The server's peak resident memory so far (`VmHWM`), in MB.
    pub fn peak_rss_mb(&self) -> Option<f64> {
        status_kb(self.pid, "VmHWM:").map(|kb| kb as f64 / 1024.0)
    }

    /// The server's resident memory now (`VmRSS`), in MB.
    pub fn rss_mb(&self) -> Option<f64> {
        status_kb(self.pid, "VmRSS:").map(|kb| kb as f64 / 1024.0)
    }

    /// The server's CPU time so far (user + system, all threads), in seconds.
    pub fn cpu_seconds(&self) -> Option<f64> {
        cunxiang_bench::measure::cpu_seconds(Some(self.pid))
    }

    /// Starts reading the server's `VmRSS` every 20 ms until [`RssSampler::stop`].
    pub fn sample_rss(&self) -> RssSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let max_kb = Arc::new(AtomicU64::new(0));
        let (pid, flag, max) = (self.pid, stop.clone(), max_kb.clone());
        let handle = std::thread::spawn(move || {
            let mut samples = 0;
            while !flag.load(Ordering::Relaxed) {
                if let Some(kb) = status_kb(pid, "VmRSS:") {
                    max.fetch_max(kb, Ordering::Relaxed);
                    samples += 1;
                }
                std::thread::sleep(SAMPLE_EVERY);
            }
            samples
        });
        RssSampler {
            stop,
            max_kb,
            handle,
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running `VmRSS` sampler.
pub struct RssSampler {
    stop: Arc<AtomicBool>,
    max_kb: Arc<AtomicU64>,
    handle: JoinHandle<usize>,
}

impl RssSampler {
    /// Stops sampling; returns the highest `VmRSS` seen in MB and the number of samples.
    pub fn stop(self) -> (f64, usize) {
        self.stop.store(true, Ordering::Relaxed);
        let samples = self.handle.join().unwrap_or(0);
        (self.max_kb.load(Ordering::Relaxed) as f64 / 1024.0, samples)
    }
}

/// CPU time (user + system) of this process so far, in seconds.
pub fn own_cpu_seconds() -> Option<f64> {
    cunxiang_bench::measure::cpu_seconds(None)
}

/// The 1-, 5- and 15-minute load averages.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// A `kB` field (`VmRSS:`, `VmHWM:`) of `/proc/<pid>/status`.
fn status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
