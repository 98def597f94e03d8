//! Start-up and the HTTP server: check the data dir (sweeping what a crash left in it), open
//! and migrate the database, seed the demo, then build the actix app from the route table with its middleware and error shapes
//! (the HTTP server only: the workers and the shutdown are `crate::workers`, `crate::shutdown`).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpResponse, HttpServer, web};
use cunxiang_storage::DatabaseTarget;
use tracing_actix_web::TracingLogger;

use crate::client_limits::ClientLimits;
use crate::demo::{self, DemoSummary};
use crate::extract::{form_config, json_config, path_config, query_config};
use crate::keys::Keys;
use crate::middleware::{
    body_deadline, error_shape, json_charset, no_store_for_credentials, request_id_and_log,
};
use crate::routes;
use crate::settings::Settings;
use crate::state::AppState;

/// Why the server could not start; each prints as one line naming the problem.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The data directory cannot be created or written.
    #[error("data directory {path} is not writable: {reason}")]
    DataDir {
        /// The directory.
        path: String,
        /// What the OS said.
        reason: String,
    },
    /// The database URL, connection or migrations failed.
    #[error(transparent)]
    Storage(#[from] cunxiang_storage::StorageError),
    /// Seeding the demo county failed.
    #[error("demo data: {0:#}")]
    Demo(anyhow::Error),
    /// The signing key could not be read or created.
    #[error("signing key in {path}: {reason}")]
    Keys {
        /// The data directory.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The outgoing HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Http(String),
    /// The object store named by `CUNXIANG_BLOB_STORE` could not be set up.
    #[error("blob store: {0}")]
    BlobStore(String),
    /// The listening socket could not be bound.
    #[error("cannot listen on {bind}: {reason}")]
    Bind {
        /// The address asked for.
        bind: String,
        /// What the OS said.
        reason: String,
    },
}

/// A database ready to serve: opened, migrated and (when asked) seeded.
pub struct Prepared {
    /// State for the handlers.
    pub state: AppState,
    /// Where the database is, safe to print.
    pub database: String,
    /// What the demo seed created, `None` when the database already had data or demo is off.
    pub demo: Option<DemoSummary>,
}

/// Checks the data directory, opens the pool, applies migrations and seeds the demo county
/// into an empty database. Blocking: call it before the runtime starts or off its workers.
pub fn prepare(settings: Settings) -> Result<Prepared, StartError> {
    ensure_writable(&settings.data_dir)?;
    if let Err(e) = crate::leftovers::sweep_now(&settings.data_dir) {
        tracing::warn!(error = %e, "sweeping left-behind files failed");
    }
    let target = DatabaseTarget::parse(&settings.database_url)?;
    let pool = cunxiang_storage::connect_pool(&target, settings.db_pool_size)?;
    let mut conn = pool.get().map_err(cunxiang_storage::StorageError::from)?;
    let applied = cunxiang_storage::migrate::run_pending(&mut conn)?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied migrations");
    }
    let demo = if settings.demo {
        demo::seed_if_empty(&mut conn, &settings.data_dir).map_err(StartError::Demo)?
    } else {
        None
    };
    rebuild_rollups(&mut conn)?;
    drop(conn);
    let keys = Keys::load(
        settings.jwt_secret.as_ref().map(|s| s.0.as_str()),
        &settings.data_dir,
    )
    .map_err(|e| StartError::Keys {
        path: settings.data_dir.display().to_string(),
        reason: e.to_string(),
    })?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .user_agent(concat!("cunxiang/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| StartError::Http(e.to_string()))?;
    let egress = crate::push::send::egress::Egress::new(settings.push.webhook_allow.clone());
    let webhook_http =
        crate::push::send::webhook::client(egress).map_err(|e| StartError::Http(e.to_string()))?;
    let database = target.redacted();
    let blobs = crate::blobs::from_settings(&settings).map_err(StartError::BlobStore)?;
    let photo_slots = Arc::new(tokio::sync::Semaphore::new(settings.photo_workers.max(1)));
    let photo_memory = Arc::new(tokio::sync::Semaphore::new(
        settings.photo_memory_mb.max(1) as usize
    ));
    let delivery = Arc::new(crate::push::context::Worker::new(&settings.push));
    let state = AppState {
        pool,
        settings: Arc::new(settings),
        keys,
        http,
        client_limits: Arc::new(ClientLimits::default()),
        routing: Default::default(),
        password_checks: Arc::new(tokio::sync::Semaphore::new(
            2 * std::thread::available_parallelism().map_or(2, usize::from),
        )),
        blobs,
        photo_slots,
        photo_memory,
        clock: Arc::new(cunxiang_core::clock::SystemClock),
        hub: Default::default(),
        wechat_tokens: Default::default(),
        webhook_http,
        delivery,
    };
    Ok(Prepared {
        state,
        database,
        demo,
    })
}

/// Recounts the KPI roll-ups when they are stale (the first start after the migration that
/// adds them, on a database with reports), logging progress every tenth.
fn rebuild_rollups(conn: &mut cunxiang_storage::DbConn) -> Result<(), StartError> {
    let started = std::time::Instant::now();
    let mut logged = 0;
    let mut progress = |done: usize, total: usize| {
        let tenth = (done * 10).checked_div(total).unwrap_or(10);
        if tenth > logged {
            logged = tenth;
            tracing::info!(days_done = done, days = total, "rebuilding KPI roll-ups");
        }
    };
    if let Some(rebuilt) = cunxiang_storage::stats::rollup::rebuild_if_stale(conn, &mut progress)? {
        tracing::info!(
            days = rebuilt.days,
            rows = rebuilt.rows,
            seconds = started.elapsed().as_secs_f64(),
            "KPI roll-ups rebuilt"
        );
    }
    Ok(())
}

fn ensure_writable(dir: &Path) -> Result<(), StartError> {
    let fail = |e: std::io::Error| StartError::DataDir {
        path: dir.display().to_string(),
        reason: e.to_string(),
    };
    cunxiang_storage::private::own_dir(dir).map_err(fail)?;
    let probe = dir.join(".write-test");
    std::fs::write(&probe, b"ok").map_err(fail)?;
    std::fs::remove_file(&probe).map_err(fail)
}

/// Binds the listening socket and returns the (not yet awaited) HTTP server with the addresses
/// it listens on; nothing else is started (the background workers are `crate::workers`, and
/// stop signals are the caller's: see `crate::shutdown`). Must be called inside an
/// actix/tokio runtime.
pub fn bind(state: AppState) -> Result<(actix_web::dev::Server, Vec<SocketAddr>), StartError> {
    let settings = state.settings.clone();
    crate::metrics::install();
    let data = web::Data::new(state);
    let json_limit = settings.json_limit;
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(json_config(json_limit))
            .app_data(query_config())
            .app_data(path_config())
            .app_data(form_config())
            .configure(routes::configure)
            .configure(crate::screens::configure)
            .route("/metrics", web::get().to(crate::metrics::scrape))
            .default_service(web::to(|| async { HttpResponse::NotFound().finish() }))
            .wrap(from_fn(crate::edge::refuse_control_characters))
            .wrap(from_fn(body_deadline))
            .wrap(from_fn(error_shape))
            .wrap(from_fn(json_charset))
            .wrap(from_fn(no_store_for_credentials))
            .wrap(Compress::default())
            .wrap(from_fn(request_id_and_log))
            .wrap(TracingLogger::default())
            .wrap(from_fn(crate::metrics::track))
    })
    .workers(settings.workers)
    // A client whose end of the connection closes (EOF) is gone: its response is dropped at
    // once (a live stream gives back its place, see `push::stream`) instead of at the second
    // write after (RST, then EPIPE) — as nginx takes a client's EOF for an abort. HTTP/1
    // clients that half-close their side and wait for the answer are not supported.
    .h1_allow_half_closed(false)
    .shutdown_timeout(settings.shutdown_timeout_secs)
    .disable_signals()
    .bind(&settings.bind)
    .map_err(|e| StartError::Bind {
        bind: settings.bind.clone(),
        reason: e.to_string(),
    })?;
    let addrs = server.addrs();
    Ok((server.run(), addrs))
}
