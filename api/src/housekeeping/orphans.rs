//! The orphan sweep: blobs no photo row refers to, left when a process died between storing an
//! upload's blobs and writing its row (the upload's own guard removes them in every other
//! case). It lists the whole store, so it runs rarely (`CUNXIANG_ORPHAN_SWEEP_HOURS`), and
//! only blobs older than the unattached-photo period are considered, so an upload in flight
//! (blobs stored, row not yet written) is never touched. Keys are checked against the photo
//! rows in batches; several instances sweeping at once only delete what is already unused.

use chrono::Duration;
use futures_util::StreamExt;

use super::BATCH;
use crate::error::ApiError;
use crate::photos::remove_unused;
use crate::state::AppState;

/// One sweep at the clock's now; answers how many blobs it removed.
pub async fn sweep(state: &AppState) -> Result<usize, ApiError> {
    let cutoff =
        state.clock.now() - Duration::hours(state.settings.housekeeping.unattached_photo_hours);
    let mut listed = state.blobs.list();
    let mut batch = Vec::new();
    let mut removed = 0;
    while let Some(found) = listed.next().await {
        let found = found.map_err(ApiError::internal)?;
        if found.modified < cutoff {
            batch.push(found.key);
        }
        if batch.len() as i64 >= BATCH {
            removed += remove_unused(state, std::mem::take(&mut batch)).await?;
        }
    }
    removed += remove_unused(state, batch).await?;
    if removed > 0 {
        metrics::counter!("cunxiang_housekeeping_removed_total", "what" => "orphan_blobs")
            .increment(removed as u64);
    }
    Ok(removed)
}
