//! One reader's live stream: her feed rows, none lost and none twice, as SSE events cut to
//! what she may see.
//!
//! **Order.** The stream registers with the [`Hub`] first, then catches up from the database
//! (`feed::after(last, her, 500)` page by page), then forwards live items, skipping any with a
//! `seq` it has already sent. Because feed rows commit in `seq` order, every row is either in
//! the catch-up (committed before its last read) or handed over live (committed after the
//! registration). When the hub cuts the stream off (it fell [`super::hub::STREAM_BUFFER`]
//! behind), it registers again and catches up again from the last `seq` sent.
//!
//! **Sight.** Admins see as admins; the reporter (reason `reporter`) as the reporter; staff
//! the fan-out chose for their authority (reasons `handler`, `supervisor`) as staff; everyone
//! else (followers) as the public. The event is cut with the same rules as the timeline
//! (`GET /v1/reports/{id}/events`), without evidence photos: clients fetch those from the
//! timeline. An event the reader may not see is skipped.
//!
//! **Footprint.** A quiet stream holds its registration, its [`Permit`], a cursor and a small
//! state machine: no task of its own and no buffer beyond the hub's bounded channel. It lives
//! inside the response body, so when the client goes away actix drops the body and with it
//! the registration and the permit: at once, because the server treats a client's end of the
//! connection closing (EOF) as the client gone (see `server::bind`), not at the next write.
//!
//! **End.** A stream ends when the caller's access token expires (the client reconnects with
//! a fresh token and `Last-Event-ID`), and when the server is stopping ([`Hub::close_all`], on
//! SIGTERM, SIGINT or SIGQUIT): then it sends the comment `: server shutting down, reconnect`
//! and ends, so a graceful shutdown does not wait for streams and clients reconnect (to
//! another instance, or to this one once it is back) with the last id they got.

use std::future::Future;
use std::sync::Arc;

use actix_web_lab::sse;
use cunxiang_core::push::Reason;
use cunxiang_core::{OrgEventKind, ReportId, ReportStatus, Role, UserId};
use cunxiang_storage::Pool;
use cunxiang_storage::push::feed::{self, Fed, FeedItem};
use futures_util::Stream;
use serde::Serialize;

use super::hub::{self, Hub, Item, Permit, Subscription};
use crate::blocking::with_conn;
use crate::views::report::EventView;
use cunxiang_core::visibility::{self, Relation, Sight, Viewer};

/// Feed rows read at a time while catching up.
const CATCH_UP_PAGE: i64 = 500;

/// The comment that ends every stream when the server stops.
pub const GOODBYE: &str = "server shutting down, reconnect";

/// One page of catch-up: the items, the last `seq` read (rows of vanished reports included)
/// and whether the page was full (more may follow).
#[derive(Debug, Default)]
pub struct Page {
    /// Rows after the asked `seq`, in order.
    pub items: Vec<Item>,
    /// The last `seq` read, or the asked one when none.
    pub end: i64,
    /// Whether another page may follow.
    pub full: bool,
}

/// The ordering core of a stream: a registration, the last `seq` sent and what is left of
/// the current catch-up page. `fetch(after)` reads the next page from the database.
pub struct Feed<F> {
    hub: Arc<Hub>,
    user: UserId,
    sub: Subscription,
    last: i64,
    pending: std::vec::IntoIter<Item>,
    pending_end: i64,
    more: bool,
    fetch: F,
}

impl<F, Fut> Feed<F>
where
    F: Fn(i64) -> Fut,
    Fut: Future<Output = anyhow::Result<Page>>,
{
    /// The stream of `user`, registered with `hub` as `sub`. With `after`, the first items
    /// are the rows after it (read with `fetch`); without, only rows after `latest` (live
    /// only; read it after registering).
    pub fn new(
        hub: Arc<Hub>,
        sub: Subscription,
        user: UserId,
        after: Option<i64>,
        latest: i64,
        fetch: F,
    ) -> Self {
        // An id beyond the feed (a database restored from a backup) would skip what comes
        // next: start from the feed's end instead.
        let last = after.map_or(latest, |a| a.min(latest));
        Feed {
            hub,
            user,
            sub,
            last,
            pending: Vec::new().into_iter(),
            pending_end: last,
            more: after.is_some(),
            fetch,
        }
    }

    /// The next item to send, `None` when the database failed (the client reconnects with
    /// the last id it got).
    pub async fn next(&mut self) -> Option<Item> {
        loop {
            for item in self.pending.by_ref() {
                if item.seq > self.last {
                    self.last = item.seq;
                    return Some(item);
                }
            }
            // The page is done: drop its buffer, step over rows that could not be shown.
            self.pending = Vec::new().into_iter();
            self.last = self.last.max(self.pending_end);
            if self.more {
                let page = match (self.fetch)(self.last).await {
                    Ok(page) => page,
                    Err(e) => {
                        tracing::warn!(error = format!("{e:#}"), user = %self.user, "stream catch-up failed");
                        return None;
                    }
                };
                self.pending = page.items.into_iter();
                self.pending_end = page.end;
                self.more = page.full;
                continue;
            }
            match self.sub.rx.recv().await {
                Some(item) if item.seq > self.last => {
                    self.last = item.seq;
                    return Some(item);
                }
                Some(_) => {}
                None => {
                    // Cut off for lagging: register again, then catch up.
                    self.sub = self.hub.subscribe(self.user);
                    self.more = true;
                }
            }
        }
    }
}

/// How a reader with `role` who receives an event for `reason` sees it (`is_reporter`: she
/// reported it, whatever the reason she receives it for — as in the timeline): the visibility
/// rule of `cunxiang_core::visibility`, with the relation the fan-out's reason stands for.
pub fn sight(role: Role, reason: Reason, is_reporter: bool) -> Sight {
    let relation = Relation::of_reason(reason, is_reporter);
    visibility::sight(Viewer::Person(role), relation).unwrap_or(Sight::Public)
}

#[derive(Serialize)]
struct ReportRef<'a> {
    id: ReportId,
    case_number: &'a str,
    status: ReportStatus,
}

#[derive(Serialize)]
struct Message<'a> {
    seq: i64,
    reason: Reason,
    report: ReportRef<'a>,
    event: EventView,
}

/// An organisation event as the stream carries it (`StreamOrgMessage`).
#[derive(Serialize)]
struct OrgMessage<'a> {
    seq: i64,
    reason: Reason,
    org_event: OrgEventView<'a>,
}

#[derive(Serialize)]
struct OrgEventView<'a> {
    id: uuid::Uuid,
    kind: OrgEventKind,
    at: chrono::DateTime<chrono::Utc>,
    grid_id: Option<uuid::Uuid>,
    details: &'a serde_json::Value,
}

/// The SSE event for `item` as a reader with `role` sees it; `None` when she may not see it.
/// Organisation events reach only the staff the fan-out chose, and are shown to them whole.
pub fn render(item: &FeedItem, role: Role) -> Option<sse::Event> {
    let (data, kind) = match &item.fed {
        Fed::Report(fed) => {
            let event = EventView::of(
                fed.event.clone(),
                sight(role, item.reason, item.user_id == fed.reporter_id),
                fed.reporter_id,
                fed.anonymous,
                &[],
            )?;
            let message = Message {
                seq: item.seq,
                reason: item.reason,
                report: ReportRef {
                    id: fed.event.report_id,
                    case_number: &fed.case_number,
                    status: fed.status,
                },
                event,
            };
            (sse::Data::new_json(&message), fed.event.kind.as_str())
        }
        Fed::Org(event) => {
            let message = OrgMessage {
                seq: item.seq,
                reason: item.reason,
                org_event: OrgEventView {
                    id: event.id,
                    kind: event.kind,
                    at: event.at,
                    grid_id: event.grid_id,
                    details: &event.details,
                },
            };
            (sse::Data::new_json(&message), event.kind.as_str())
        }
    };
    match data {
        Ok(data) => Some(data.id(item.seq.to_string()).event(kind).into()),
        Err(e) => {
            tracing::error!(error = %e, seq = item.seq, "cannot encode a stream event");
            None
        }
    }
}

/// Why a stream did not open.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// She holds `max_per_user` streams on this instance already.
    #[error("you already hold the most live streams allowed; close one first")]
    TooManyStreams,
    /// The feed could not be read.
    #[error(transparent)]
    Storage(#[from] cunxiang_storage::StorageError),
    /// The blocking pool failed the read.
    #[error("blocking pool: {0}")]
    Blocking(#[from] actix_web::error::BlockingError),
}

/// What opening a stream needs: this instance's hub, the database, and how many streams one
/// person may hold (`AppState::streams`).
#[derive(Clone)]
pub struct Streams {
    /// This instance's open streams and the feed they are fed from.
    pub hub: Arc<Hub>,
    /// Database connections (for the catch-up).
    pub pool: Pool,
    /// Streams one person may hold on this instance.
    pub max_per_user: usize,
}

/// Opens `user`'s (with `role`) stream: counts it against her limit (429 `too_many_streams`
/// past `max_per_user`), registers it, fixes where it starts (`after`, or the feed's latest
/// row) and returns the events until `until`, or until the server stops.
pub async fn open(
    streams: Streams,
    user: UserId,
    role: Role,
    after: Option<i64>,
    until: tokio::time::Instant,
) -> Result<impl Stream<Item = sse::Event> + 'static, OpenError> {
    let Streams {
        hub,
        pool,
        max_per_user,
    } = streams;
    let permit = hub
        .admit(user, max_per_user)
        .ok_or(OpenError::TooManyStreams)?;
    let closing = hub.closing();
    let sub = hub.subscribe(user);
    // Read after registering: every row above it reaches the registration.
    let latest = with_conn(&pool, |conn| Ok::<_, OpenError>(feed::latest(conn)?)).await?;
    let fetch = move |from: i64| {
        let pool = pool.clone();
        async move {
            with_conn(&pool, move |conn| {
                let rows = feed::after(conn, from, Some(user), CATCH_UP_PAGE)?;
                let full = rows.len() as i64 >= CATCH_UP_PAGE;
                let end = rows.last().map_or(from, |r| r.seq);
                let items = hub::enrich(rows);
                anyhow::Ok(Page { items, end, full })
            })
            .await
        }
    };
    let feed = Feed::new(hub, sub, user, after, latest, fetch);
    Ok(events(feed, permit, closing, role, until))
}

/// What a stream still holds: `None` once it said goodbye.
struct Open<F> {
    feed: F,
    _permit: Permit,
    closing: tokio::sync::watch::Receiver<bool>,
}

/// The SSE events of `feed` for a reader with `role`, until `until` or until `closing`
/// turns `true` (then [`GOODBYE`] is the last). `permit` is released with the stream.
fn events<F, Fut>(
    feed: Feed<F>,
    permit: Permit,
    closing: tokio::sync::watch::Receiver<bool>,
    role: Role,
    until: tokio::time::Instant,
) -> impl Stream<Item = sse::Event> + 'static
where
    F: Fn(i64) -> Fut + 'static,
    Fut: Future<Output = anyhow::Result<Page>> + 'static,
{
    let open = Open {
        feed,
        _permit: permit,
        closing,
    };
    futures_util::stream::unfold(Some(open), move |state| async move {
        let mut open = state?;
        loop {
            let item = tokio::select! {
                biased;
                // A dropped sender (the hub is gone) also means the server is stopping.
                _ = open.closing.wait_for(|closing| *closing) => {
                    return Some((sse::Event::Comment(GOODBYE.into()), None));
                }
                () = tokio::time::sleep_until(until) => return None,
                item = open.feed.next() => item?,
            };
            if let Some(event) = render(&item, role) {
                return Some((event, Some(open)));
            }
        }
    })
}

#[cfg(test)]
mod tests;
