//! Blocking database work off the async runtime for code that holds a pool but not the
//! whole application state (the delivery worker, live streams): the pool's `get()` and the
//! diesel calls run on the blocking thread pool, in the caller's span.

use actix_web::error::BlockingError;
use cunxiang_storage::{DbConn, Pool, StorageError};

/// Runs `f` with a pooled connection on the blocking thread pool.
pub async fn with_conn<T, E, F>(pool: &Pool, f: F) -> Result<T, E>
where
    T: Send + 'static,
    E: From<StorageError> + From<BlockingError> + Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
{
    let pool = pool.clone();
    let span = tracing::Span::current();
    actix_web::web::block(move || {
        let _entered = span.enter();
        let mut conn = pool.get().map_err(StorageError::from)?;
        f(&mut conn)
    })
    .await?
}
