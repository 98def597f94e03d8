//! The housekeeping worker: what would otherwise grow forever is removed in small batches,
//! at the clock's now, every `CUNXIANG_HOUSEKEEPING_INTERVAL_SECS` (see
//! `cunxiang_storage::housekeeping` for each rule):
//!
//! - idempotency keys older than `CUNXIANG_IDEMPOTENCY_DAYS` (7);
//! - photos never attached to a report after `CUNXIANG_UNATTACHED_PHOTO_HOURS` (24): the row,
//!   then each of its blobs no other photo row uses (identical uploads share blobs) — they
//!   carry the villager's EXIF GPS;
//! - sent deliveries and feed rows older than `CUNXIANG_RETENTION_DAYS` (90).
//!
//! Several instances may run it at once: each batch deletes what is still there, so a row
//! removed by another instance is simply not counted twice. Each removal is counted in
//! `cunxiang_housekeeping_removed_total{what}`.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use cunxiang_storage::blobs::BlobStore;
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
}

impl Removed {
    /// Everything removed.
    pub fn total(&self) -> usize {
        self.keys + self.photos + self.blobs + self.deliveries + self.feed_rows
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

/// One pass at the clock's now.
pub async fn run_once(state: &AppState) -> Result<Removed, ApiError> {
    let now = state.clock.now();
    let keep = state.settings.housekeeping.clone();
    let blobs: Arc<dyn BlobStore> = state.blobs.clone();
    state
        .db(move |conn| {
            let mut removed = Removed::default();
            let keys_before = now - Duration::days(keep.idempotency_days);
            removed.keys = drain(|| Ok(rules::expire_keys(conn, keys_before, BATCH)?))?;
            let photos_before = now - Duration::hours(keep.unattached_photo_hours);
            loop {
                let found = rules::unattached_photos(conn, photos_before, BATCH)?;
                let ids: Vec<_> = found.iter().map(|m| m.id).collect();
                removed.photos += rules::delete_unattached(conn, &ids)?;
                for photo in &found {
                    let keys = [
                        Some(&photo.display.key),
                        Some(&photo.thumb.key),
                        photo.original_key.as_ref(),
                    ];
                    for key in keys.into_iter().flatten() {
                        if !cunxiang_storage::media::blob_in_use(conn, key)? {
                            blobs.delete(key).map_err(ApiError::internal)?;
                            removed.blobs += 1;
                        }
                    }
                }
                if (found.len() as i64) < BATCH {
                    break;
                }
            }
            let retained = now - Duration::days(keep.retention_days);
            removed.deliveries =
                drain(|| Ok(rules::prune_sent_deliveries(conn, retained, BATCH)?))?;
            removed.feed_rows = drain(|| Ok(rules::prune_feed(conn, retained, BATCH)?))?;
            Ok(removed)
        })
        .await
        .inspect(|r| {
            count("idempotency_keys", r.keys);
            count("photos", r.photos);
            count("blobs", r.blobs);
            count("deliveries", r.deliveries);
            count("feed_rows", r.feed_rows);
        })
}

/// The worker's loop: a pass every interval until `stop`.
pub async fn run(state: AppState, mut stop: Stop) {
    let every = StdDuration::from_secs(state.settings.housekeeping.interval_secs.max(1));
    let mut ticks = actix_web::rt::time::interval(every);
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
    }
}
