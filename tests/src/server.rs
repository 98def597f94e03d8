//! The real server, started in-process on port 0 with its own data dir and database.

use std::net::SocketAddr;

use std::sync::Arc;

use cunxiang_api::Settings;
use cunxiang_api::deadlines::{self, TickSummary};
use cunxiang_api::push::deliver::{self, DeliverySummary};
use cunxiang_api::server;
use cunxiang_api::shutdown::Shutdown;
use cunxiang_api::state::AppState;
use cunxiang_api::workers::Workers;
use cunxiang_core::clock::ShiftedClock;
use reqwest::StatusCode;
use serde_json::Value;

use crate::db::{Backend, TestDb};

/// A running server and the database behind it; stopped and removed on drop.
pub struct TestServer {
    // First field: dropped first, so the server stops before its database goes.
    system: StopOnDrop,
    /// Stops the workers (see [`TestServer::stop_workers`]).
    workers: Arc<Shutdown>,
    /// Becomes `Some(workers still running)` once the workers have stopped.
    workers_done: tokio::sync::watch::Receiver<Option<Vec<&'static str>>>,
    /// The server's state (its pool, settings and clock), for driving the deadline worker.
    state: AppState,
    /// The server's clock: the system time shifted by what the test advanced.
    pub clock: Arc<ShiftedClock>,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The database (kept alive as long as the server).
    pub db: TestDb,
    /// An HTTP client for the test to use.
    pub client: reqwest::Client,
}

/// How long teardown waits for the server and its workers to stop before it fails the test.
const TEARDOWN_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// On drop: stops the workers and the HTTP server, waits for the server thread to report
/// that they stopped, and fails the test if a worker was still running (background work left
/// behind); then stops the actix system.
struct StopOnDrop {
    workers: Arc<Shutdown>,
    server: Shutdown,
    stopped: std::sync::mpsc::Receiver<Vec<&'static str>>,
    system: actix_web::rt::System,
}

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.workers.trigger();
        self.server.trigger();
        let left = self.stopped.recv_timeout(TEARDOWN_WAIT);
        self.system.stop();
        if std::thread::panicking() {
            return;
        }
        match left {
            Ok(left) => assert!(
                left.is_empty(),
                "workers still running at teardown: {left:?}"
            ),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                panic!("the server did not stop within {TEARDOWN_WAIT:?}")
            }
            // The server thread ended early (its runtime stopped): nothing is left running.
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {}
        }
    }
}

/// Which background workers a test server runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithWorkers {
    /// All of them, as `cunxiang serve` does (the default).
    All,
    /// None: the test drives every pass itself and live streams get no events.
    None,
}

/// Settings for a test server: port 0, one worker, the given database, data dir in `db.dir`,
/// and webhooks allowed to call this machine's loopback addresses (where the test receivers
/// listen; a test that wants the default policy clears `push.webhook_allow`).
pub fn test_settings(db: &TestDb) -> Settings {
    let mut settings = Settings::from_lookup(|name| {
        (name == "CUNXIANG_WEBHOOK_ALLOW").then(|| "127.0.0.0/8,::1".to_owned())
    })
    .expect("default settings");
    settings.bind = "127.0.0.1:0".into();
    settings.database_url = db.url.clone();
    settings.data_dir = db.dir.path().join("data");
    settings.workers = 1;
    settings.db_pool_size = 4;
    settings.shutdown_timeout_secs = 1;
    // Tests run the deadline worker's passes themselves (`tick`).
    settings.deadline_interval_secs = 3600;
    // …and the delivery worker's (`deliver`).
    settings.push.delivery_interval_ms = 3_600_000;
    if crate::s3::wanted() {
        settings.blob_store = Some(crate::s3::config_for(&db.url));
    }
    settings
}

impl TestServer {
    /// Starts a server with the demo county on a fresh database.
    pub async fn start(backend: Backend) -> Self {
        Self::start_on(TestDb::new(backend), |_| {}).await
    }

    /// Starts a server with the demo county where `phones` log in with the code `123456`.
    pub async fn start_with_phones(backend: Backend, phones: &[&str]) -> Self {
        let phones: Vec<String> = phones.iter().map(|p| (*p).to_owned()).collect();
        Self::start_on(TestDb::new(backend), move |s| {
            s.test_phones = phones
                .into_iter()
                .map(|p| (p, cunxiang_api::settings::Secret("123456".into())))
                .collect();
        })
        .await
    }

    /// Starts a server on `db`, letting the test adjust the settings first.
    pub async fn start_on(db: TestDb, adjust: impl FnOnce(&mut Settings)) -> Self {
        Self::start_with(db, WithWorkers::All, adjust).await
    }

    /// Starts a server on a fresh database with the demo county and no background worker.
    pub async fn start_without_workers(backend: Backend) -> Self {
        Self::start_with(TestDb::new(backend), WithWorkers::None, |_| {}).await
    }

    /// Starts a server on `db` with the given workers, letting the test adjust the settings.
    pub async fn start_with(
        db: TestDb,
        workers: WithWorkers,
        adjust: impl FnOnce(&mut Settings),
    ) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut settings = test_settings(&db);
        adjust(&mut settings);
        let (tx, rx) = std::sync::mpsc::channel();
        let (stopped_tx, stopped) = std::sync::mpsc::channel();
        let workers_shutdown = Arc::new(Shutdown::new());
        let server_shutdown = Shutdown::new();
        let (workers_stop, server_stop) = (workers_shutdown.stop(), server_shutdown.stop());
        let (done_tx, workers_done) = tokio::sync::watch::channel(None);
        let clock = Arc::new(ShiftedClock::new());
        let server_clock = clock.clone();
        std::thread::spawn(move || {
            let mut prepared = match server::prepare(settings) {
                Ok(p) => p,
                Err(e) => {
                    let _ = tx.send(Err(e.to_string()));
                    return;
                }
            };
            prepared.state.clock = server_clock;
            let state = prepared.state;
            actix_web::rt::System::new().block_on(async move {
                let (srv, addrs) = match server::bind(state.clone()) {
                    Ok(bound) => bound,
                    Err(e) => {
                        let _ = tx.send(Err(e.to_string()));
                        return;
                    }
                };
                let running =
                    (workers == WithWorkers::All).then(|| Workers::start(&state, &workers_stop));
                let stopping = actix_web::rt::spawn(async move {
                    let mut stop = workers_stop;
                    stop.stopped().await;
                    let left = match running {
                        Some(running) => running.shutdown(TEARDOWN_WAIT).await,
                        None => Vec::new(),
                    };
                    done_tx.send_replace(Some(left.clone()));
                    left
                });
                let http = srv.handle();
                let serving = actix_web::rt::spawn(srv);
                let system = actix_web::rt::System::current();
                let _ = tx.send(Ok((addrs[0], system, state.clone())));
                let mut stop = server_stop;
                stop.stopped().await;
                state.hub.close_all();
                http.stop(false).await;
                let left = stopping.await.unwrap_or_default();
                let _ = stopped_tx.send(left);
                let _ = serving.await;
            });
        });
        let started: Result<(SocketAddr, actix_web::rt::System, AppState), String> =
            tokio::task::spawn_blocking(move || rx.recv().expect("server thread ended"))
                .await
                .expect("join");
        let (addr, system, state) = started.unwrap_or_else(|e| panic!("server did not start: {e}"));
        TestServer {
            system: StopOnDrop {
                workers: workers_shutdown.clone(),
                server: server_shutdown,
                stopped,
                system,
            },
            workers: workers_shutdown,
            workers_done,
            state,
            clock,
            base: format!("http://{addr}"),
            db,
            client: reqwest::Client::new(),
        }
    }

    /// The server's (shifted) now.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        cunxiang_core::clock::Clock::now(&*self.clock)
    }

    /// Moves the server's clock forward.
    pub fn advance(&self, by: chrono::Duration) {
        self.clock.advance(by);
    }

    /// Runs one pass of the deadline worker at the server's (shifted) now.
    pub async fn tick(&self) -> TickSummary {
        deadlines::run_once(&self.state.deadlines())
            .await
            .unwrap_or_else(|e| panic!("deadline pass failed: {e:#}"))
    }

    /// Runs one pass of the housekeeping worker at the server's (shifted) now.
    pub async fn housekeep(&self) -> cunxiang_api::housekeeping::Removed {
        cunxiang_api::housekeeping::run_once(&self.state)
            .await
            .unwrap_or_else(|e| panic!("housekeeping pass failed: {e}"))
    }

    /// Runs one orphan-blob sweep at the server's (shifted) now; answers the blobs removed.
    pub async fn sweep_orphans(&self) -> usize {
        cunxiang_api::housekeeping::orphans::sweep(&self.state)
            .await
            .unwrap_or_else(|e| panic!("orphan sweep failed: {e}"))
    }

    /// The server's blob store (on disk or in S3, as this run is set up).
    pub fn blobs(&self) -> std::sync::Arc<dyn cunxiang_api::blobs::BlobStore> {
        self.state.blobs.clone()
    }

    /// The server's state (to drive one of its parts directly).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// How many blobs the server's store holds.
    pub async fn blob_count(&self) -> usize {
        use futures_util::TryStreamExt;
        let listed: Vec<_> = self
            .state
            .blobs
            .list()
            .try_collect()
            .await
            .expect("list the blob store");
        listed.len()
    }

    /// Runs one pass of the delivery worker at the server's (shifted) now.
    pub async fn deliver(&self) -> DeliverySummary {
        deliver::run_once(&self.state.deliveries())
            .await
            .unwrap_or_else(|e| panic!("delivery pass failed: {e:#}"))
    }

    /// Runs one sweep of what crashes left in the data dir, as the running server does
    /// periodically.
    pub async fn sweep_leftovers(&self) -> cunxiang_storage::leftovers::Swept {
        cunxiang_api::leftovers::run_once(&self.state)
            .await
            .unwrap_or_else(|e| panic!("sweep failed: {e}"))
    }

    /// The delivery destinations this server's circuit breakers have paused.
    pub fn paused_destinations(&self) -> Vec<cunxiang_storage::push::claims::Destination> {
        self.state.delivery.gate.paused()
    }

    /// Stops this server's workers as the server does on shutdown while the HTTP server keeps
    /// answering: no more claims or passes, and the deliveries in flight finish and record
    /// their outcomes. Returns the workers still running after the teardown wait (none, when
    /// all is well).
    pub async fn stop_workers(&self) -> Vec<&'static str> {
        self.workers.trigger();
        let mut done = self.workers_done.clone();
        let left = done
            .wait_for(Option::is_some)
            .await
            .expect("the server thread ended");
        left.clone().unwrap_or_default()
    }

    /// Starts a second instance on the same database and data dir (so the same signing keys),
    /// with its own pool, live-stream hub and workers, as another API process would be.
    pub async fn another_instance(&self, adjust: impl FnOnce(&mut Settings)) -> TestServer {
        let data_dir = self.db.dir.path().join("data");
        Self::start_on(self.db.alias(), move |s| {
            s.data_dir = data_dir;
            s.demo = false;
            adjust(s);
        })
        .await
    }

    /// Runs `n` passes of the deadline worker at once, as `n` server instances would.
    pub async fn ticks_at_once(&self, n: usize) -> Vec<TickSummary> {
        let ctx = self.state.deadlines();
        let passes = (0..n).map(|_| deadlines::run_once(&ctx));
        futures_util::future::join_all(passes)
            .await
            .into_iter()
            .map(|r| r.unwrap_or_else(|e| panic!("deadline pass failed: {e:#}")))
            .collect()
    }

    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GET `path`; returns the status and the body parsed as JSON (`Value::Null` if it is not).
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let res = self
            .client
            .get(self.url(path))
            .send()
            .await
            .expect("request");
        crate::session::json_names_utf8(res.headers());
        let status = res.status();
        let text = res.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Stops the server and hands back its database (for restarting on the same data).
    pub fn stop(self) -> TestDb {
        drop(self.system);
        drop(self.state);
        // The server thread closes its pool as it ends; give it a moment before reuse.
        std::thread::sleep(std::time::Duration::from_millis(300));
        self.db
    }
}
