//! Shared application state handed to every handler, and the one way handlers reach the database.

use std::sync::Arc;

use actix_web::web;
use cunxiang_storage::{DbConn, Pool};

use crate::error::ApiError;
use crate::settings::Settings;

/// What every handler can reach: the connection pool and the settings.
#[derive(Clone)]
pub struct AppState {
    /// Database connections.
    pub pool: Pool,
    /// The server's settings.
    pub settings: Arc<Settings>,
}

impl AppState {
    /// Runs `f` with a pooled connection on the blocking thread pool: the pool's `get()` and
    /// every diesel call stay off the async workers.
    pub async fn db<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get().map_err(ApiError::unavailable)?;
            f(&mut conn)
        })
        .await?
    }
}
