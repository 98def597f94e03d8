//! How the feed follower waits between two reads of the feed: on PostgreSQL it LISTENs on
//! the channel writers NOTIFY when they commit feed rows (`cunxiang_storage::push::feed::
//! order_commits`), so an event written by any instance wakes every instance's follower
//! within milliseconds; the poll interval stays as the fallback (a missed notification, a
//! listener that could not connect) and is the only mechanism on SQLite.
//!
//! The listening connection is the `postgres` crate's (diesel cannot wait for a
//! notification), opened from the same URL without TLS: a server that requires TLS refuses
//! it, and the follower then polls as before (logged once). A broken listener is dropped and
//! opened again at the next wait.
//!
//! Bursts are coalesced: a wait that begins less than [`MIN_GAP`] after the previous one ended
//! first sleeps out the rest of the gap, so under load the follower reads the feed at most
//! once per gap (one read covers every commit so far) instead of once per commit, which cost
//! every PostgreSQL writer 15–20 % (lifecycle-bench, bench/README). A lone event still wakes
//! it within a millisecond.

use std::time::{Duration, Instant};

use cunxiang_storage::DatabaseTarget;
use cunxiang_storage::push::feed::FEED_CHANNEL;
use postgres::fallible_iterator::FallibleIterator;

/// Pause before a failed listener is tried again.
const RETRY: Duration = Duration::from_secs(5);
/// Shortest time between two reads of the feed woken by notifications.
pub const MIN_GAP: Duration = Duration::from_millis(5);

/// The follower's way of waiting.
pub struct Waiter {
    url: Option<String>,
    listener: Option<postgres::Client>,
    next_try: Instant,
    warned: bool,
    /// When the last wait ended (the follower's last read began).
    last_woken: Option<Instant>,
}

impl Waiter {
    /// A waiter for the database at `target`: listening on PostgreSQL, polling on SQLite.
    pub fn new(target: &DatabaseTarget, url: &str) -> Self {
        let url = matches!(target, DatabaseTarget::Postgres { .. }).then(|| url.to_owned());
        Waiter {
            url,
            listener: None,
            next_try: Instant::now(),
            warned: false,
            last_woken: None,
        }
    }

    /// Whether a listener is connected now.
    pub fn listening(&self) -> bool {
        self.listener.as_ref().is_some_and(|c| !c.is_closed())
    }

    fn connect(&mut self) {
        let Some(url) = self.url.as_deref() else {
            return;
        };
        if self.listening() || Instant::now() < self.next_try {
            return;
        }
        let opened = postgres::Client::connect(url, postgres::NoTls).and_then(|mut c| {
            c.batch_execute(&format!("LISTEN {FEED_CHANNEL}"))?;
            Ok(c)
        });
        match opened {
            Ok(client) => {
                self.listener = Some(client);
                self.warned = false;
            }
            Err(e) => {
                self.listener = None;
                self.next_try = Instant::now() + RETRY;
                if !self.warned {
                    tracing::warn!(error = %e, "feed follower cannot LISTEN; polling only");
                    self.warned = true;
                }
            }
        }
    }

    /// Waits until a writer's notification arrives or `poll` has passed, whichever is first,
    /// but at least until [`MIN_GAP`] after the previous wait ended.
    pub fn wait(&mut self, poll: Duration) {
        let since = self.last_woken.map_or(MIN_GAP, |at| at.elapsed());
        if since < MIN_GAP {
            std::thread::sleep(MIN_GAP - since);
        }
        self.wait_for_news(poll.saturating_sub(MIN_GAP.saturating_sub(since)));
        self.last_woken = Some(Instant::now());
    }

    fn wait_for_news(&mut self, poll: Duration) {
        self.connect();
        let Some(client) = self.listener.as_mut() else {
            std::thread::sleep(poll);
            return;
        };
        let woken = client.notifications().timeout_iter(poll).next();
        let broken = match woken {
            Ok(Some(_)) => {
                // One read covers every commit so far: drop the others already here.
                while let Ok(Some(_)) = client.notifications().iter().next() {}
                false
            }
            Ok(None) => client.is_closed(),
            Err(e) => {
                tracing::warn!(error = %e, "feed follower lost its LISTEN connection");
                true
            }
        };
        if broken {
            self.listener = None;
        }
    }
}
