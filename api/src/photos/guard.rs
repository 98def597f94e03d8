//! The blobs one upload created, removed again unless the row that refers to them was
//! committed: on an error the caller awaits [`CreatedBlobs::discard`]; when the request is
//! dropped half-way (the client hung up, the server is stopping) the guard's `Drop` schedules
//! the same removal, so no object outlives a photo row that was never written.

use crate::error::ApiError;
use crate::state::AppState;

/// Blob keys written for a photo whose row is not committed yet.
pub struct CreatedBlobs {
    state: AppState,
    keys: Vec<String>,
}

impl CreatedBlobs {
    /// None yet.
    pub fn new(state: &AppState) -> Self {
        CreatedBlobs {
            state: state.clone(),
            keys: Vec::new(),
        }
    }

    /// Records a key this upload created.
    pub fn push(&mut self, key: String) {
        self.keys.push(key);
    }

    /// The keys recorded (tests and logs).
    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    /// The row was committed: the blobs stay.
    pub fn keep(mut self) {
        self.keys.clear();
    }

    /// The row was not written: removes the blobs now (those no other photo row uses).
    pub async fn discard(mut self) {
        let keys = std::mem::take(&mut self.keys);
        discard(&self.state, keys).await;
    }
}

impl Drop for CreatedBlobs {
    fn drop(&mut self) {
        if self.keys.is_empty() {
            return;
        }
        let keys = std::mem::take(&mut self.keys);
        let state = self.state.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move { discard(&state, keys).await });
            }
            Err(_) => tracing::warn!(
                blobs = keys.len(),
                "an abandoned upload's blobs are left for the orphan sweep (no runtime)"
            ),
        }
    }
}

/// Removes blobs an upload created when its row was not written (unless another photo row
/// refers to the same content by now).
async fn discard(state: &AppState, keys: Vec<String>) {
    if let Err(e) = remove_unused(state, keys).await {
        tracing::warn!(error = %e, "could not remove the blobs of a failed upload");
    }
}

/// Deletes those of `keys` no photo row refers to; answers how many. The one way blobs are
/// removed: a discarded upload, an expired unattached photo, the orphan sweep.
pub async fn remove_unused(state: &AppState, keys: Vec<String>) -> Result<usize, ApiError> {
    if keys.is_empty() {
        return Ok(0);
    }
    let unused: Vec<String> = state
        .db(move |conn| {
            let used = cunxiang_storage::media::blobs_in_use(conn, &keys)?;
            Ok(keys.into_iter().filter(|k| !used.contains(k)).collect())
        })
        .await?;
    for key in &unused {
        state.blobs.delete(key).await.map_err(ApiError::internal)?;
    }
    Ok(unused.len())
}
