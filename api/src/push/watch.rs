//! Region watches: the live "a report changed here" notices a dashboard (一屏观全区) follows,
//! for supervisors (their regions) and admins (everywhere).
//!
//! A person's own stream carries what she is told of (her audience); a supervisor is not
//! told of every new garbage report in her county, but her wall screen must move when one
//! comes in. A watch does not add feed rows: the feed follower, which reads every new row
//! anyway, hands each report event once (its rows are consecutive: one transaction writes
//! them under the feed lock) to the watches whose regions cover the report. A notice names
//! the report, its status and the event's kind, nothing personal; the dashboard reads what it
//! shows through the API, with the API's sight rules.
//!
//! Watches are live only: a watch that falls [`WATCH_BUFFER`] notices behind, or whose
//! server restarts, ends, and the dashboard reloads its figures when it reconnects — which is
//! what replaying the missed notices would make it do anyway.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use actix_web_lab::sse;
use chrono::{DateTime, Utc};
use cunxiang_core::{Actor, EventKind, ReportId, ReportStatus};
use cunxiang_storage::push::feed::{Fed, FeedItem};
use serde::Serialize;
use tokio::sync::mpsc;

/// Notices a watch may have waiting before it is ended.
pub const WATCH_BUFFER: usize = 256;

/// One report change, as a watch sees it.
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    /// The feed position of the event's first row (the SSE `id:`).
    pub seq: i64,
    /// The report.
    pub report_id: ReportId,
    /// Its case number.
    pub case_number: String,
    /// Its status after the event.
    pub status: ReportStatus,
    /// What happened.
    pub kind: EventKind,
    /// When.
    pub at: DateTime<Utc>,
    #[serde(skip)]
    region_path: String,
    #[serde(skip)]
    event_id: uuid::Uuid,
}

type Entry = (u64, Actor, mpsc::Sender<Arc<Notice>>);

/// The open watches of this instance.
#[derive(Debug, Default)]
pub struct Watchers {
    list: Mutex<Vec<Entry>>,
    next_id: AtomicU64,
}

/// A watch's registration: its receiving end; dropping it unregisters.
#[derive(Debug)]
pub struct Watch {
    /// The notices; `None` from `recv` means the watch fell behind and was ended.
    pub rx: mpsc::Receiver<Arc<Notice>>,
    owner: Arc<Watchers>,
    id: u64,
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.owner.lock().retain(|(id, _, _)| *id != self.id);
    }
}

impl Watchers {
    fn lock(&self) -> MutexGuard<'_, Vec<Entry>> {
        self.list.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a watch of the regions `actor` covers.
    pub fn subscribe(self: &Arc<Self>, actor: Actor) -> Watch {
        let (tx, rx) = mpsc::channel(WATCH_BUFFER);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.lock().push((id, actor, tx));
        Watch {
            rx,
            owner: self.clone(),
            id,
        }
    }

    /// Open watches on this instance.
    pub fn count(&self) -> usize {
        self.lock().len()
    }

    /// Hands each report event among `rows` (in `seq` order) once to the watches covering
    /// its report; a watch whose buffer is full is ended.
    pub fn notify(&self, rows: &[FeedItem]) {
        let mut list = self.lock();
        if list.is_empty() {
            return;
        }
        for notice in notices(rows) {
            let notice = Arc::new(notice);
            list.retain(|(_, actor, tx)| {
                if !actor.covers(&notice.region_path) {
                    return true;
                }
                tx.try_send(notice.clone()).is_ok()
            });
        }
    }
}

/// The SSE events of a watch by `actor` (counted against her streams on `hub`): one
/// `report_changed` per notice, `id:` its `seq`, until `until` (her token's expiry), until the
/// watch falls behind, or until the server stops (then the goodbye comment is the last).
pub fn events(
    hub: Arc<super::hub::Hub>,
    actor: Actor,
    max_per_user: usize,
    until: tokio::time::Instant,
) -> Result<impl futures_util::Stream<Item = sse::Event> + 'static, super::stream::OpenError> {
    let permit = hub
        .admit(actor.id, max_per_user)
        .ok_or(super::stream::OpenError::TooManyStreams)?;
    let closing = hub.closing();
    let watch = hub.watchers.subscribe(actor);
    let state = (watch, permit, closing);
    Ok(futures_util::stream::unfold(
        Some(state),
        move |state| async move {
            let (mut watch, permit, mut closing) = state?;
            let notice = tokio::select! {
                biased;
                _ = closing.wait_for(|closing| *closing) => {
                    let goodbye = sse::Event::Comment(super::stream::GOODBYE.into());
                    return Some((goodbye, None));
                }
                () = tokio::time::sleep_until(until) => return None,
                notice = watch.rx.recv() => notice?,
            };
            let data = sse::Data::new(serde_json::to_string(&*notice).ok()?)
                .id(notice.seq.to_string())
                .event("report_changed");
            Some((sse::Event::Data(data), Some((watch, permit, closing))))
        },
    ))
}

/// The report events among `rows`, each once (at its first row).
fn notices(rows: &[FeedItem]) -> Vec<Notice> {
    let mut out: Vec<Notice> = Vec::new();
    for row in rows {
        let Fed::Report(fed) = &row.fed else { continue };
        if out.last().is_some_and(|n| n.event_id == fed.event.id) {
            continue;
        }
        out.push(Notice {
            seq: row.seq,
            report_id: fed.event.report_id,
            case_number: fed.case_number.clone(),
            status: fed.status,
            kind: fed.event.kind,
            at: fed.event.at,
            region_path: fed.region_path.clone(),
            event_id: fed.event.id,
        });
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use cunxiang_core::{Role, UserId};

    fn actor(role: Role, authority: &[&str]) -> Actor {
        Actor {
            id: UserId(uuid::Uuid::now_v7()),
            role,
            authority: authority.iter().map(|a| (*a).to_owned()).collect(),
            units: Vec::new(),
        }
    }

    fn row(seq: i64, user: u128, event: uuid::Uuid, path: &str) -> FeedItem {
        let mut item =
            (*crate::push::hub::sample(seq, UserId(uuid::Uuid::from_u128(user)))).clone();
        if let Fed::Report(fed) = &mut item.fed {
            fed.event.id = event;
            fed.region_path = path.to_owned();
        }
        item
    }

    #[tokio::test]
    async fn each_event_reaches_the_watches_over_its_region_once() {
        let watchers = Arc::new(Watchers::default());
        let mut township = watchers.subscribe(actor(Role::Supervisor, &["/36/01/"]));
        let mut elsewhere = watchers.subscribe(actor(Role::Supervisor, &["/36/02/"]));
        let mut admin = watchers.subscribe(actor(Role::Admin, &[]));
        let (a, b) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        let second = row(3, 1, b, "/36/02/07/");
        // Event a reached two people (rows 1 and 2); event b one.
        watchers.notify(&[
            row(1, 1, a, "/36/01/05/"),
            row(2, 2, a, "/36/01/05/"),
            second,
        ]);

        assert_eq!(township.rx.recv().await.unwrap().seq, 1);
        assert!(township.rx.try_recv().is_err(), "once, and not b");
        assert_eq!(elsewhere.rx.recv().await.unwrap().seq, 3);
        assert!(elsewhere.rx.try_recv().is_err());
        assert_eq!(admin.rx.recv().await.unwrap().seq, 1);
        assert_eq!(admin.rx.recv().await.unwrap().seq, 3);
        drop(admin);
        assert_eq!(watchers.count(), 2);
    }

    #[tokio::test]
    async fn a_watch_that_falls_behind_is_ended() {
        let watchers = Arc::new(Watchers::default());
        let mut slow = watchers.subscribe(actor(Role::Admin, &[]));
        let rows: Vec<FeedItem> = (0..=WATCH_BUFFER as i64)
            .map(|n| row(n + 1, 1, uuid::Uuid::now_v7(), "/36/"))
            .collect();
        watchers.notify(&rows);
        assert_eq!(watchers.count(), 0);
        let mut got = 0;
        while slow.rx.recv().await.is_some() {
            got += 1;
        }
        assert_eq!(got, WATCH_BUFFER);
    }
}
