//! The housekeeping worker: what would otherwise grow forever is removed in small batches,
//! at the clock's now, every `CUNXIANG_HOUSEKEEPING_INTERVAL_SECS` (see
//! `cunxiang_storage::housekeeping` for each rule):
//!
//! - idempotency keys older than `CUNXIANG_IDEMPOTENCY_DAYS` (7);
//! - photos never attached to a report after `CUNXIANG_UNATTACHED_PHOTO_HOURS` (24): the row,
//!   then each of its blobs no other photo row uses (identical uploads share blobs) — they
//!   carry the villager's EXIF GPS;
//! - sent deliveries and feed rows older than `CUNXIANG_RETENTION_DAYS` (90);
//! - blobs no photo row refers to (an upload a crash cut off between its blobs and its row),
//!   once older than the unattached-photo period, every `CUNXIANG_ORPHAN_SWEEP_HOURS` (24; it
//!   lists the whole store, see [`orphans`]). Temporary files a crash left are swept by
//!   `crate::leftovers`.
//!
//! Several instances may run it at once: each batch deletes what is still there, so a row
//! removed by another instance is simply not counted twice. Each removal is counted in
//! `cunxiang_housekeeping_removed_total{what}`.

pub mod orphans;

use std::time::Duration as StdDuration;

use chrono::Duration;
use cunxiang_storage::housekeeping as rules;
use serde::Serialize;

use crate::error::ApiError;
use crate::shutdown::Stop;
use crate::state::AppState;

/// Rows one statement removes at most.
pub const BATCH: i64 = 500;

/// What one pass removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Removed {
    /// Idempotency keys.
    pub keys: usize,
    /// Unattached photos (rows).
    pub photos: usize,
    /// Their blobs no other row used.
    pub blobs: usize,
    /// Sent deliveries.
    pub deliveries: usize,
    /// Feed rows.
    pub feed_rows: usize,
    /// Blobs no row referred to (only in an orphan sweep).
    pub orphan_blobs: usize,
}

impl Removed {
    /// Everything removed.
    pub fn total(&self) -> usize {
        self.keys + self.photos + self.blobs + self.deliveries + self.feed_rows + self.orphan_blobs
    }
}

fn count(what: &'static str, n: usize) {
    if n > 0 {
        metrics::counter!("cunxiang_housekeeping_removed_total", "what" => what)
            .increment(n as u64);
    }
}

/// Repeats `step` until it removes less than a batch; answers the sum.
fn drain(mut step: impl FnMut() -> Result<usize, ApiError>) -> Result<usize, ApiError> {
    let mut total = 0;
    loop {
        let n = step()?;
        total += n;
        if (n as i64) < BATCH {
            return Ok(total);
        }
    }
}

/// One pass at the clock's now (without the orphan sweep, see [`orphans::sweep`]).
pub async fn run_once(state: &AppState) -> Result<Removed, ApiError> {
    let now = state.clock.now();
    let keep = state.settings.housekeeping.clone();
    let (mut removed, mut expired_blobs) = state
        .db(move |conn| {
            let mut removed = Removed::default();
            let mut expired_blobs = Vec::new();
            let keys_before = now - Duration::days(keep.idempotency_days);
            removed.keys = drain(|| Ok(rules::expire_keys(conn, keys_before, BATCH)?))?;
            let photos_before = now - Duration::hours(keep.unattached_photo_hours);
            loop {
                let found = rules::unattached_photos(conn, photos_before, BATCH)?;
                let ids: Vec<_> = found.iter().map(|m| m.id).collect();
                removed.photos += rules::delete_unattached(conn, &ids)?;
                expired_blobs.extend(found.iter().flat_map(|p| {
                    [
                        Some(&p.display.key),
                        Some(&p.thumb.key),
                        p.original_key.as_ref(),
                    ]
                    .into_iter()
                    .flatten()
                    .cloned()
                }));
                if (found.len() as i64) < BATCH {
                    break;
                }
            }
            let retained = now - Duration::days(keep.retention_days);
            removed.deliveries =
                drain(|| Ok(rules::prune_sent_deliveries(conn, retained, BATCH)?))?;
            removed.feed_rows = drain(|| Ok(rules::prune_feed(conn, retained, BATCH)?))?;
            Ok((removed, expired_blobs))
        })
        .await?;
    // The rows are gone: their blobs go after (those no other photo row shares), so a failure
    // here leaves only orphans, which the orphan sweep finds, never a row without its blob.
    expired_blobs.sort();
    expired_blobs.dedup();
    removed.blobs = crate::photos::remove_unused(state, expired_blobs).await?;
    count("idempotency_keys", removed.keys);
    count("photos", removed.photos);
    count("blobs", removed.blobs);
    count("deliveries", removed.deliveries);
    count("feed_rows", removed.feed_rows);
    Ok(removed)
}

/// The worker's loop: a pass every interval, and an orphan sweep every
/// `CUNXIANG_ORPHAN_SWEEP_HOURS`, until `stop`.
pub async fn run(state: AppState, mut stop: Stop) {
    let every = StdDuration::from_secs(state.settings.housekeeping.interval_secs.max(1));
    let sweep_every =
        StdDuration::from_secs(3600 * state.settings.housekeeping.orphan_sweep_hours.max(1));
    let mut ticks = actix_web::rt::time::interval(every);
    let mut last_sweep: Option<std::time::Instant> = None;
    loop {
        tokio::select! {
            _ = stop.stopped() => break,
            _ = ticks.tick() => {}
        }
        match run_once(&state).await {
            Ok(r) if r.total() > 0 => tracing::info!(removed = ?r, "housekeeping pass"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "housekeeping pass failed"),
        }
        if last_sweep.is_none_or(|at| at.elapsed() >= sweep_every) {
            last_sweep = Some(std::time::Instant::now());
            let swept = tokio::select! {
                _ = stop.stopped() => break,
                swept = orphans::sweep(&state) => swept,
            };
            match swept {
                Ok(0) => {}
                Ok(n) => tracing::info!(blobs = n, "removed blobs no photo refers to"),
                Err(e) => tracing::warn!(error = %e, "orphan blob sweep failed"),
            }
        }
    }
}
