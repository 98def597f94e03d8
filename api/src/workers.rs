//! The background workers of one instance, started beside the HTTP server under one
//! [`Shutdown`](crate::shutdown::Shutdown): the deadline worker, the delivery worker, the
//! feed follower that fills this instance's live streams, and the sweep of crash leftovers.
//! `cli::serve` starts them after binding; the test harness starts them too (a test may opt
//! out) and asserts at teardown that none is left running.

use std::time::Duration;

use actix_web::rt::task::JoinHandle;

use crate::shutdown::Stop;
use crate::state::AppState;

/// The running workers, each under its name.
#[derive(Debug)]
pub struct Workers {
    running: Vec<(&'static str, JoinHandle<()>)>,
}

impl Workers {
    /// Starts every worker on the current runtime (the feed follower on its own thread); each
    /// ends once `stop` is triggered.
    pub fn start(state: &AppState, stop: &Stop) -> Workers {
        let running = vec![
            (
                "deadlines",
                actix_web::rt::spawn(crate::lifecycle::deadlines::run(
                    state.deadlines(),
                    stop.clone(),
                )),
            ),
            (
                "deliveries",
                actix_web::rt::spawn(crate::push::deliver::run(state.deliveries(), stop.clone())),
            ),
            (
                "leftovers",
                actix_web::rt::spawn(crate::leftovers::run(state.clone(), stop.clone())),
            ),
            (
                "housekeeping",
                actix_web::rt::spawn(crate::housekeeping::run(state.clone(), stop.clone())),
            ),
            ("feed", follow_feed(state, stop)),
        ];
        Workers { running }
    }

    /// Waits at most `wait` in all for the workers (already told to stop) to end; returns the
    /// names of those still running then (they are dropped with the runtime).
    pub async fn shutdown(self, wait: Duration) -> Vec<&'static str> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut left = Vec::new();
        for (name, handle) in self.running {
            match tokio::time::timeout_at(deadline, handle).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(worker = name, error = %e, "worker failed"),
                Err(_) => {
                    tracing::warn!(worker = name, "worker still running at shutdown");
                    left.push(name);
                }
            }
        }
        left
    }
}

/// Starts the feed follower on its own thread (it reads the database in a loop) and returns
/// a handle that ends with it.
fn follow_feed(state: &AppState, stop: &Stop) -> JoinHandle<()> {
    let (ended, done) = tokio::sync::oneshot::channel::<()>();
    let poll = Duration::from_millis(state.settings.push.poll_ms.max(1));
    crate::push::hub::spawn(
        &state.hub,
        &state.settings.database_url,
        poll,
        stop.clone(),
        ended,
    );
    actix_web::rt::spawn(async move {
        let _ = done.await;
    })
}
