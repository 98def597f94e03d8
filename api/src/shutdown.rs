//! One shutdown for the whole process: the [`Shutdown`] that `main` (or a test) owns, the
//! [`Stop`] every background worker watches, and the stop signals (SIGTERM, SIGINT, SIGQUIT)
//! that trigger it. The HTTP server does not listen for signals itself (`server::bind`
//! disables actix's); `cli::serve` waits here and then stops the server and the workers in
//! order.

use tokio::sync::watch;

/// The switch that stops everything started under it.
#[derive(Debug)]
pub struct Shutdown {
    switch: watch::Sender<bool>,
}

/// What a worker watches: becomes stopped once, and stays so.
#[derive(Debug, Clone)]
pub struct Stop {
    seen: watch::Receiver<bool>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}

impl Shutdown {
    /// A shutdown not yet triggered.
    pub fn new() -> Self {
        Shutdown {
            switch: watch::Sender::new(false),
        }
    }

    /// A [`Stop`] for one more worker.
    pub fn stop(&self) -> Stop {
        Stop {
            seen: self.switch.subscribe(),
        }
    }

    /// Tells every [`Stop`] to stop (idempotent).
    pub fn trigger(&self) {
        self.switch.send_replace(true);
    }
}

impl Stop {
    /// Whether the shutdown has been triggered.
    pub fn is_stopping(&self) -> bool {
        *self.seen.borrow()
    }

    /// Resolves once the shutdown is triggered (at once if it already was, or if its
    /// [`Shutdown`] is gone).
    pub async fn stopped(&mut self) {
        let _ = self.seen.wait_for(|stopping| *stopping).await;
    }
}

/// The first of SIGTERM, SIGINT and SIGQUIT (Ctrl-C elsewhere); never, when they cannot be
/// heard (logged).
pub async fn signal() {
    #[cfg(unix)]
    {
        use actix_web::rt::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
            signal(SignalKind::quit()),
        ) {
            (Ok(mut term), Ok(mut int), Ok(mut quit)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                    _ = quit.recv() => {}
                }
            }
            _ => {
                tracing::warn!("cannot listen for stop signals; stop the server with SIGKILL");
                std::future::pending::<()>().await;
            }
        }
    }
    #[cfg(not(unix))]
    if actix_web::rt::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_stop_taken_before_or_after_the_trigger_sees_it() {
        let shutdown = Shutdown::new();
        let mut early = shutdown.stop();
        assert!(!early.is_stopping());
        shutdown.trigger();
        early.stopped().await;
        let mut late = shutdown.stop();
        assert!(late.is_stopping());
        late.stopped().await;
    }

    #[tokio::test]
    async fn a_stop_whose_shutdown_is_gone_does_not_wait_forever() {
        let shutdown = Shutdown::new();
        let mut stop = shutdown.stop();
        drop(shutdown);
        stop.stopped().await;
    }
}
