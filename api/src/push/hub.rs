//! This instance's side of the live stream: the registry of open streams (user → bounded
//! channels) and the feed follower that reads new rows of the feed and hands them to them.
//!
//! **One follower per instance, on its own thread and connection.** Every instance (one or
//! several on one PostgreSQL) reads `event_recipients` after its cursor when a writer's
//! NOTIFY wakes it (PostgreSQL; see [`super::wake`]) or at the latest every `poll_ms`, and
//! fans the rows out to its local streams; that is how an event written by one instance
//! reaches streams held by another, with no broker. The follower runs on a dedicated OS
//! thread holding its own connection (opened from `database_url`, reopened after errors),
//! not a pooled one: forty short queries a second would otherwise compete with requests for
//! the pool and take a blocking-pool thread each time, and a busy pool would delay every
//! stream. On SQLite (WAL) a reading connection does not block writers. A database error is
//! logged and retried after a pause; the cursor is kept, so nothing is skipped. The thread
//! ends at shutdown, or when the hub is dropped (the server's state is gone).
//!
//! **Bounded memory.** Each stream has a channel of [`STREAM_BUFFER`] items. A stream that
//! falls that far behind (a slow client) loses its sender instead of growing a queue: it sees
//! its channel close, registers again and catches up from the database (see
//! [`super::stream`]), so nothing is lost and the server's memory does not depend on clients.
//!
//! **Admission and end.** How many streams a user holds is counted by a [`Permit`] that lives
//! as long as the stream's response body ([`Hub::admit`] refuses one past the limit), not by
//! the registrations (a lagging stream is briefly unregistered). [`Hub::close_all`] tells every
//! stream, open or yet to open, that the server is stopping (see [`super::stream`]).
//!
//! **Start.** The follower starts at the feed's latest row. Streams opened before it has a
//! cursor (the database was unreachable at start) are cut off once it has one, so they catch
//! up again: a row can then never fall between a stream's catch-up and the follower.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use cunxiang_core::UserId;
use cunxiang_storage::push::feed::{self, FeedItem};
use cunxiang_storage::{DatabaseTarget, DbConn};
use tokio::sync::{mpsc, watch};

use crate::shutdown::Stop;

/// Items a stream may have waiting before it is cut off to catch up from the database.
pub const STREAM_BUFFER: usize = 64;
/// Rows the follower reads at a time.
const FOLLOW_BATCH: i64 = 1000;
/// Pause after a database error before the follower tries again.
const RETRY_PAUSE: Duration = Duration::from_secs(1);

/// What travels from the follower to a stream: one feed row, shared by the streams of its
/// reader.
pub type Item = Arc<FeedItem>;

type Senders = Vec<(u64, mpsc::Sender<Item>)>;

/// The open streams of this instance, by user.
#[derive(Debug, Default)]
pub struct Hub {
    streams: Mutex<HashMap<UserId, Senders>>,
    next_id: AtomicU64,
    /// Streams held, by user (see [`Permit`]).
    held: Mutex<HashMap<UserId, usize>>,
    /// `true` once the server is stopping.
    closing: watch::Sender<bool>,
    /// The region watches of this instance (dashboards).
    pub watchers: Arc<super::watch::Watchers>,
}

/// One stream counted against its user's limit; dropping it (with the response body, when
/// the stream ends or its client goes) gives the place back.
#[derive(Debug)]
pub struct Permit {
    hub: Arc<Hub>,
    user: UserId,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut held = self.hub.held();
        if let Some(n) = held.get_mut(&self.user) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                held.remove(&self.user);
            }
        }
    }
}

/// A stream's registration: its receiving end; dropping it unregisters.
#[derive(Debug)]
pub struct Subscription {
    /// Live items for the user, in `seq` order. `None` from `recv` means the hub cut this
    /// stream off (it lagged): subscribe again and catch up from the database.
    pub rx: mpsc::Receiver<Item>,
    hub: Arc<Hub>,
    user: UserId,
    id: u64,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut streams = self.hub.lock();
        if let Some(senders) = streams.get_mut(&self.user) {
            senders.retain(|(id, _)| *id != self.id);
            if senders.is_empty() {
                streams.remove(&self.user);
            }
        }
    }
}

impl Hub {
    fn lock(&self) -> MutexGuard<'_, HashMap<UserId, Senders>> {
        self.streams.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn held(&self) -> MutexGuard<'_, HashMap<UserId, usize>> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts one more stream of `user`, or `None` when she already holds `max`.
    pub fn admit(self: &Arc<Self>, user: UserId, max: usize) -> Option<Permit> {
        let mut held = self.held();
        let n = held.entry(user).or_default();
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(Permit {
            hub: self.clone(),
            user,
        })
    }

    /// How many streams `user` holds here (admitted and not yet ended).
    pub fn streams_of(&self, user: UserId) -> usize {
        self.held().get(&user).copied().unwrap_or(0)
    }

    /// Tells every stream, open now or opened later, that the server is stopping.
    pub fn close_all(&self) {
        self.closing.send_replace(true);
    }

    /// Becomes `true` when the server is stopping (see [`Hub::close_all`]).
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Registers a stream of `user`'s events.
    pub fn subscribe(self: &Arc<Self>, user: UserId) -> Subscription {
        let (tx, rx) = mpsc::channel(STREAM_BUFFER);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.lock().entry(user).or_default().push((id, tx));
        Subscription {
            rx,
            hub: self.clone(),
            user,
            id,
        }
    }

    /// Open streams on this instance.
    pub fn stream_count(&self) -> usize {
        self.lock().values().map(Vec::len).sum()
    }

    /// Whether `user` has a stream open here.
    pub fn has(&self, user: UserId) -> bool {
        self.lock().contains_key(&user)
    }

    /// The rows of `rows` whose user has a stream open here.
    pub fn local(&self, rows: Vec<FeedItem>) -> Vec<FeedItem> {
        let streams = self.lock();
        rows.into_iter()
            .filter(|r| streams.contains_key(&r.user_id))
            .collect()
    }

    /// Hands each item to its user's streams, in order. A stream whose channel is full is cut
    /// off (it catches up from the database); a closed one is forgotten.
    pub fn dispatch(&self, items: &[Item]) {
        let mut streams = self.lock();
        for item in items {
            let user = item.user_id;
            let Some(senders) = streams.get_mut(&user) else {
                continue;
            };
            senders.retain(|(_, tx)| match tx.try_send(item.clone()) {
                Ok(()) => true,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    tracing::debug!(%user, "stream lagged; it catches up from the database");
                    false
                }
                Err(mpsc::error::TrySendError::Closed(_)) => false,
            });
            if senders.is_empty() {
                streams.remove(&user);
            }
        }
    }

    /// Cuts every stream off, so each catches up from the database again.
    pub fn resync_all(&self) {
        self.lock().clear();
    }
}

/// Wraps feed rows for the streams (shared between a reader's streams).
pub fn enrich(items: Vec<FeedItem>) -> Vec<Item> {
    items.into_iter().map(Arc::new).collect()
}

/// Starts this instance's feed follower (see the module doc) for `hub`, reading the database
/// at `database_url` every `poll` at most, until `stop` (or until the hub is dropped); `ended`
/// is dropped when the thread ends. Call once, when the server starts (see `crate::workers`).
pub fn spawn(
    hub: &Arc<Hub>,
    database_url: &str,
    poll: Duration,
    stop: Stop,
    ended: tokio::sync::oneshot::Sender<()>,
) {
    let hub = Arc::downgrade(hub);
    let url = database_url.to_owned();
    let started = std::thread::Builder::new()
        .name("cx-feed".into())
        .spawn(move || {
            follow(&hub, &url, poll, &stop);
            drop(ended);
        });
    if let Err(e) = started {
        tracing::error!(error = %e, "cannot start the feed follower; live streams get no events");
    }
}

/// The follower's loop: runs until `stop` or until the hub is dropped.
fn follow(hub: &Weak<Hub>, url: &str, poll: Duration, stop: &Stop) {
    let target = match DatabaseTarget::parse(url) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "feed follower: bad database url");
            return;
        }
    };
    let mut conn: Option<DbConn> = None;
    let mut cursor: Option<i64> = None;
    let mut waiter = super::wake::Waiter::new(&target, url);
    while hub.strong_count() > 0 && !stop.is_stopping() {
        let c = match conn.as_mut() {
            Some(c) => c,
            None => match target.connect() {
                Ok(c) => conn.insert(c),
                Err(e) => {
                    tracing::warn!(error = %e, "feed follower cannot connect; retrying");
                    std::thread::sleep(RETRY_PAUSE);
                    continue;
                }
            },
        };
        match step(hub, c, &mut cursor) {
            Ok(true) => {}
            Ok(false) => waiter.wait(poll),
            Err(e) => {
                tracing::warn!(error = %e, "feed follower: database error; retrying");
                conn = None;
                std::thread::sleep(RETRY_PAUSE);
            }
        }
    }
    tracing::debug!("feed follower stopped");
}

/// One look at the feed; `Ok(true)` when there may be more to read at once.
fn step(
    hub: &Weak<Hub>,
    conn: &mut DbConn,
    cursor: &mut Option<i64>,
) -> cunxiang_storage::error::Result<bool> {
    let Some(from) = *cursor else {
        let latest = feed::latest(conn)?;
        *cursor = Some(latest);
        if let Some(hub) = hub.upgrade() {
            hub.resync_all();
        }
        return Ok(false);
    };
    let rows = feed::after(conn, from, None, FOLLOW_BATCH)?;
    let Some(last) = rows.last().map(|r| r.seq) else {
        return Ok(false);
    };
    let full = rows.len() as i64 >= FOLLOW_BATCH;
    if let Some(hub) = hub.upgrade() {
        hub.watchers.notify(&rows);
        let wanted = hub.local(rows);
        if !wanted.is_empty() {
            let items = enrich(wanted);
            hub.dispatch(&items);
        }
    }
    *cursor = Some(last);
    Ok(full)
}

/// A feed row for tests: a public `resolved` event (with evidence checks) for `user`.
#[cfg(test)]
pub(crate) fn sample(seq: i64, user: UserId) -> Item {
    use cunxiang_storage::push::feed::{Fed, ReportFed};
    Arc::new(FeedItem {
        seq,
        user_id: user,
        reason: cunxiang_core::push::Reason::Follower,
        fed: Fed::Report(ReportFed {
            status: cunxiang_core::ReportStatus::Resolved,
            case_number: "YJ-20261129-0001".into(),
            reporter_id: UserId(uuid::Uuid::now_v7()),
            anonymous: false,
            region_path: "/360603/".into(),
            event: cunxiang_storage::reports::events::ReportEvent {
                id: uuid::Uuid::now_v7(),
                report_id: cunxiang_core::ReportId(uuid::Uuid::nil()),
                kind: cunxiang_core::EventKind::Resolved,
                actor_id: None,
                unit_id: None,
                note: None,
                details: serde_json::json!({"evidence": {"gps": true}}),
                internal: false,
                at: chrono::Utc::now(),
            },
        }),
    })
}

#[cfg(test)]
mod tests;
