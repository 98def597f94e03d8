//! Nothing private left behind after a crash: what a killed process left in the data directory
//! (spooled uploads with their EXIF GPS in `tmp/`, `.tmp*` files of interrupted blob and key
//! writes; see `cunxiang_storage::leftovers`) is removed at start-up and every
//! [`SWEEP_EVERY`] while the server runs, once it has not been modified for [`QUIET`].
//!
//! Why by age, at start-up too: several instances may share one data directory, and a file
//! another instance is receiving or about to decode must survive this one's start. An upload
//! in progress is modified as its bytes arrive, and once spooled it is read through its open
//! handle, so even removing it after [`QUIET`] (a request stuck that long) does not break it.
//! A file left by a crash just before a restart goes at the first sweep after [`QUIET`].

use std::time::{Duration, SystemTime};

use cunxiang_storage::leftovers::{self, Swept};

use crate::shutdown::Stop;
use crate::state::AppState;

/// How long a leftover must have gone unmodified before it is removed.
pub const QUIET: Duration = Duration::from_secs(10 * 60);
/// How often a running server sweeps.
pub const SWEEP_EVERY: Duration = Duration::from_secs(10 * 60);

/// One sweep of `data_dir`, logged when it removed anything (blocking: file system work).
pub fn sweep_now(data_dir: &std::path::Path) -> std::io::Result<Swept> {
    let swept = leftovers::sweep(data_dir, QUIET, SystemTime::now())?;
    if swept.files > 0 {
        tracing::info!(
            files = swept.files,
            bytes = swept.bytes,
            "removed files left behind by an interrupted upload or write"
        );
    }
    Ok(swept)
}

/// One sweep on the blocking pool.
pub async fn run_once(state: &AppState) -> std::io::Result<Swept> {
    let dir = state.settings.data_dir.clone();
    actix_web::web::block(move || sweep_now(&dir))
        .await
        .map_err(std::io::Error::other)?
}

/// The periodic sweep until `stop` (the first one [`SWEEP_EVERY`] from now: start-up has
/// just swept).
pub async fn run(state: AppState, mut stop: Stop) {
    let start = actix_web::rt::time::Instant::now() + SWEEP_EVERY;
    let mut ticks = actix_web::rt::time::interval_at(start, SWEEP_EVERY);
    loop {
        tokio::select! {
            _ = stop.stopped() => break,
            _ = ticks.tick() => {}
        }
        if let Err(e) = run_once(&state).await {
            tracing::warn!(error = %e, "sweeping left-behind files failed");
        }
    }
}
