//! The memory of idle streams: the release `cunxiang` binary in a process of its own (SQLite
//! in a temporary directory, demo county, default settings), a few villagers logged in, then
//! thousands of `GET /v1/events` streams held open with their tokens until every stream has
//! had its response headers and a heartbeat; the server's `VmRSS`/`VmHWM` and open file count
//! before, with the streams, and after they closed.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use reqwest::Client;

use super::lifecycle::load::{self, Sample};
use super::lifecycle::server::{CODE, phones};
use super::sse::{self, Tally};
use cunxiang_bench::measure;

/// What the idle test does.
#[derive(Debug, Clone)]
pub struct Config {
    /// The `cunxiang` binary.
    pub server: PathBuf,
    /// Streams held open.
    pub streams: usize,
    /// Villagers whose tokens the streams share.
    pub villagers: usize,
    /// Streams being opened at once.
    pub opening: usize,
    /// The server's heartbeat period, seconds.
    pub heartbeat_secs: u64,
}

/// What it measured (memory in MB).
#[derive(Debug)]
pub struct Outcome {
    /// Server RSS with the villagers logged in, before any stream.
    pub rss_before: f64,
    /// Server RSS with every stream open, after a heartbeat.
    pub rss_open: f64,
    /// Server peak RSS (`VmHWM`) by then.
    pub hwm_open: f64,
    /// Server RSS once the streams' connections were gone (or the wait ran out).
    pub rss_closed: f64,
    /// Open file descriptors of the server before, with and after the streams.
    pub fds: (usize, usize, usize),
    /// Seconds from the client closing every stream until the server had closed their
    /// connections (its open descriptors back to within 10 of before), at most two heartbeat
    /// periods and 5 s.
    pub release_s: f64,
    /// Streams that opened; the opening requests' timings.
    pub opened: Sample,
    /// Streams that saw a heartbeat.
    pub heartbeats: usize,
    /// Seconds from the first stream opening to the last heartbeat.
    pub wall_s: f64,
}

impl Outcome {
    /// Server memory per open stream, KB.
    pub fn per_stream_kb(&self) -> f64 {
        (self.rss_open - self.rss_before) * 1024.0 / self.opened.ok.max(1) as f64
    }
}

/// The `cunxiang` binary beside this executable (both in `target/release`).
pub fn default_server() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.join("cunxiang");
    path.is_file().then_some(path)
}

/// Runs the idle test.
pub async fn run(config: &Config, client: &Client) -> anyhow::Result<Outcome> {
    let mut server = Process::start(&config.server, config.villagers, config.heartbeat_secs)?;
    server.ready(client).await?;
    let tokens = Arc::new(load::villagers(client, &server.base, &phones(config.villagers)).await?);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (rss_before, fds_before) = (server.status_mb("VmRSS:")?, server.fds());

    let tally = Arc::new(Tally::default());
    let streams_client = sse::client()?;
    let started = Instant::now();
    let bar = measure::progress_bar(config.streams as u64, "opening streams");
    let (opened, streams) = load::drive(config.streams, config.opening, &bar, {
        let (base, tally) = (server.base.clone(), tally.clone());
        move |i| {
            let (client, base, tally) = (streams_client.clone(), base.clone(), tally.clone());
            let token = tokens[i % tokens.len()].clone();
            async move { sse::open(&client, &base, &token, &tally).await }
        }
    })
    .await?;
    bar.finish_and_clear();
    let open = opened.ok;

    let bar = measure::progress_bar(open as u64, "waiting for a heartbeat");
    let limit = Instant::now() + Duration::from_secs(config.heartbeat_secs * 2 + 10);
    while tally.heartbeats.load(Ordering::Relaxed) < open && Instant::now() < limit {
        bar.set_position(tally.heartbeats.load(Ordering::Relaxed) as u64);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    bar.finish_and_clear();
    let wall_s = started.elapsed().as_secs_f64();
    let (rss_open, hwm_open) = (server.status_mb("VmRSS:")?, server.status_mb("VmHWM:")?);
    let fds_open = server.fds();
    let heartbeats = tally.heartbeats.load(Ordering::Relaxed);

    drop(streams);
    let closed = Instant::now();
    let limit = closed + Duration::from_secs(config.heartbeat_secs * 2 + 5);
    while server.fds() > fds_before + 10 && Instant::now() < limit {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let release_s = closed.elapsed().as_secs_f64();
    let (rss_closed, fds_closed) = (server.status_mb("VmRSS:")?, server.fds());
    Ok(Outcome {
        rss_before,
        rss_open,
        hwm_open,
        rss_closed,
        fds: (fds_before, fds_open, fds_closed),
        release_s,
        opened,
        heartbeats,
        wall_s,
    })
}

/// The server process; killed (and its directory removed) on drop.
struct Process {
    child: Child,
    pid: u32,
    base: String,
    dir: tempfile::TempDir,
}

impl Process {
    fn start(binary: &Path, villagers: usize, heartbeat_secs: u64) -> anyhow::Result<Self> {
        let dir = tempfile::Builder::new().prefix("push-bench").tempdir()?;
        // A free port: bound and released just before the server binds it.
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let test_phones: Vec<String> = phones(villagers)
            .iter()
            .map(|p| format!("{p}:{CODE}"))
            .collect();
        let log = std::fs::File::create(dir.path().join("server.log"))?;
        let child = Command::new(binary)
            .env_remove("DATABASE_URL")
            .env("CUNXIANG_DATA_DIR", dir.path().join("data"))
            .env("CUNXIANG_BIND", format!("127.0.0.1:{port}"))
            .env("CUNXIANG_TEST_PHONES", test_phones.join(","))
            .env("CUNXIANG_OTP_PER_IP_HOUR", "100000")
            .env("CUNXIANG_ACCESS_TOKEN_TTL", "7200")
            .env("CUNXIANG_SSE_HEARTBEAT_SECS", heartbeat_secs.to_string())
            // A few villagers hold all the streams here.
            .env("CUNXIANG_SSE_MAX_PER_USER", "100000")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        Ok(Process {
            pid: child.id(),
            child,
            base: format!("http://127.0.0.1:{port}"),
            dir,
        })
    }

    /// Waits until `GET /healthz` answers.
    async fn ready(&mut self, client: &Client) -> anyhow::Result<()> {
        let started = Instant::now();
        loop {
            let res = client.get(format!("{}/healthz", self.base)).send().await;
            if res.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            if let Some(status) = self.child.try_wait()? {
                bail!("the server exited ({status}): {}", self.log_tail());
            }
            if started.elapsed() > Duration::from_secs(120) {
                bail!(
                    "no answer to /healthz within two minutes: {}",
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The last lines of the server's log (its standard error).
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(5)..].join("\n")
    }

    /// A `kB` field of `/proc/<pid>/status`, in MB.
    fn status_mb(&self, field: &str) -> anyhow::Result<f64> {
        cunxiang_bench::measure::status_mb(self.pid, field)
    }

    /// Open file descriptors of the server.
    fn fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid)).map_or(0, Iterator::count)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Raises this process's open-file limit to the hard limit (the server, started from here,
/// inherits it); returns the soft limit now in force.
pub fn raise_fd_limit() -> anyhow::Result<u64> {
    rlimit::increase_nofile_limit(u64::MAX).context("raising RLIMIT_NOFILE")
}
