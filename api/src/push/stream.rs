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
//! **Footprint.** A quiet stream holds its registration, a cursor and a small state machine:
//! no task of its own and no buffer beyond the hub's bounded channel. It lives inside the
//! response body, so when the client goes away actix drops the body and with it the
//! registration. It ends when the caller's access token expires; the client reconnects with
//! a fresh token and `Last-Event-ID`.

use std::future::Future;
use std::sync::Arc;

use actix_web::web;
use actix_web_lab::sse;
use cunxiang_core::Role;
use cunxiang_storage::push::feed;
use futures_util::Stream;
use serde::Serialize;
use uuid::Uuid;

use super::hub::{self, Hub, Item, Subscription};
use crate::error::ApiError;
use crate::reports::access::Sight;
use crate::reports::view::EventView;
use crate::state::AppState;

/// Feed rows read at a time while catching up.
const CATCH_UP_PAGE: i64 = 500;

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
    user: Uuid,
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
    Fut: Future<Output = Result<Page, ApiError>>,
{
    /// The stream of `user`, registered with `hub` as `sub`. With `after`, the first items
    /// are the rows after it (read with `fetch`); without, only rows after `latest` (live
    /// only; read it after registering).
    pub fn new(
        hub: Arc<Hub>,
        sub: Subscription,
        user: Uuid,
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
                if item.item.seq > self.last {
                    self.last = item.item.seq;
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
                        tracing::warn!(error = %e, user = %self.user, "stream catch-up failed");
                        return None;
                    }
                };
                self.pending = page.items.into_iter();
                self.pending_end = page.end;
                self.more = page.full;
                continue;
            }
            match self.sub.rx.recv().await {
                Some(item) if item.item.seq > self.last => {
                    self.last = item.item.seq;
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
/// reported it, whatever the reason she receives it for — as in the timeline).
pub fn sight(role: Role, reason: &str, is_reporter: bool) -> Sight {
    match (role, reason) {
        (Role::Admin, _) => Sight::Admin,
        _ if is_reporter => Sight::Reporter,
        (_, "reporter") => Sight::Reporter,
        (Role::Villager, _) => Sight::Public,
        (_, "handler" | "supervisor") => Sight::Staff,
        _ => Sight::Public,
    }
}

#[derive(Serialize)]
struct ReportRef<'a> {
    id: Uuid,
    case_number: &'a str,
    status: &'a str,
}

#[derive(Serialize)]
struct Message<'a> {
    seq: i64,
    reason: &'a str,
    report: ReportRef<'a>,
    event: EventView,
}

/// The SSE event for `live` as a reader with `role` sees it; `None` when she may not see it.
pub fn render(live: &hub::Live, role: Role) -> Option<sse::Event> {
    let item = &live.item;
    let event = EventView::of(
        item.event.clone(),
        sight(role, &item.reason, item.user_id == live.reporter_id),
        live.reporter_id,
        live.anonymous,
        &[],
    )?;
    let message = Message {
        seq: item.seq,
        reason: &item.reason,
        report: ReportRef {
            id: item.event.report_id,
            case_number: &item.case_number,
            status: &item.status,
        },
        event,
    };
    match sse::Data::new_json(&message) {
        Ok(data) => Some(
            data.id(item.seq.to_string())
                .event(item.event.kind.clone())
                .into(),
        ),
        Err(e) => {
            tracing::error!(error = %e, seq = item.seq, "cannot encode a stream event");
            None
        }
    }
}

/// Opens `user`'s (with `role`) stream: registers it, fixes where it starts (`after`, or the
/// feed's latest row) and returns the events until `until`.
pub async fn open(
    state: web::Data<AppState>,
    user: Uuid,
    role: Role,
    after: Option<i64>,
    until: tokio::time::Instant,
) -> Result<impl Stream<Item = sse::Event> + 'static, ApiError> {
    let hub = state.hub.clone();
    let sub = hub.subscribe(user);
    // Read after registering: every row above it reaches the registration.
    let latest = state.db(|conn| Ok(feed::latest(conn)?)).await?;
    let fetch = move |from: i64| {
        let state = state.clone();
        async move {
            state
                .db(move |conn| {
                    let rows = feed::after(conn, from, Some(user), CATCH_UP_PAGE)?;
                    let full = rows.len() as i64 >= CATCH_UP_PAGE;
                    let end = rows.last().map_or(from, |r| r.seq);
                    let items = hub::enrich(rows);
                    Ok(Page { items, end, full })
                })
                .await
        }
    };
    let feed = Feed::new(hub, sub, user, after, latest, fetch);
    Ok(futures_util::stream::unfold(
        feed,
        move |mut feed| async move {
            loop {
                let item = tokio::select! {
                    biased;
                    () = tokio::time::sleep_until(until) => return None,
                    item = feed.next() => item?,
                };
                if let Some(event) = render(&item, role) {
                    return Some((event, feed));
                }
            }
        },
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::time::Duration;

    use super::*;
    use crate::push::hub::STREAM_BUFFER;

    fn live(seq: i64, user: Uuid) -> Item {
        crate::push::hub::sample(seq, user)
    }

    type Db = Rc<RefCell<Vec<Item>>>;

    /// A feed over `db`, reading pages of two rows.
    fn feed(
        hub: &Arc<Hub>,
        user: Uuid,
        after: Option<i64>,
        latest: i64,
        db: &Db,
    ) -> Feed<impl Fn(i64) -> std::future::Ready<Result<Page, ApiError>>> {
        let db = db.clone();
        let fetch = move |from: i64| {
            let items: Vec<Item> = db
                .borrow()
                .iter()
                .filter(|i| i.item.seq > from)
                .take(2)
                .cloned()
                .collect();
            std::future::ready(Ok(Page {
                full: items.len() == 2,
                end: items.last().map_or(from, |i| i.item.seq),
                items,
            }))
        };
        Feed::new(hub.clone(), hub.subscribe(user), user, after, latest, fetch)
    }

    async fn take<F, Fut>(feed: &mut Feed<F>, n: usize) -> Vec<i64>
    where
        F: Fn(i64) -> Fut,
        Fut: Future<Output = Result<Page, ApiError>>,
    {
        let mut seqs = Vec::new();
        for _ in 0..n {
            let item = tokio::time::timeout(Duration::from_millis(200), feed.next())
                .await
                .expect("an item")
                .expect("no error");
            seqs.push(item.item.seq);
        }
        assert!(
            tokio::time::timeout(Duration::from_millis(20), feed.next())
                .await
                .is_err(),
            "nothing more"
        );
        seqs
    }

    #[tokio::test]
    async fn catch_up_then_live_without_gaps_or_repeats() {
        let hub = Arc::new(Hub::default());
        let user = Uuid::now_v7();
        let db: Db = Rc::new(RefCell::new((1..=5).map(|s| live(s, user)).collect()));
        let mut feed = feed(&hub, user, Some(2), 5, &db);
        // The follower hands over rows the catch-up also reads, and a newer one.
        hub.dispatch(&[live(4, user), live(5, user), live(6, user)]);
        assert_eq!(take(&mut feed, 4).await, vec![3, 4, 5, 6]);
        hub.dispatch(&[live(7, user)]);
        assert_eq!(take(&mut feed, 1).await, vec![7]);
    }

    #[tokio::test]
    async fn a_cursor_beyond_the_feed_starts_at_its_end() {
        let hub = Arc::new(Hub::default());
        let user = Uuid::now_v7();
        let db: Db = Rc::new(RefCell::new((1..=5).map(|s| live(s, user)).collect()));
        // A client that saw seq 100 before the database was restored to seq 5.
        let mut feed = feed(&hub, user, Some(100), 5, &db);
        hub.dispatch(&[live(6, user)]);
        assert_eq!(take(&mut feed, 1).await, vec![6]);
    }

    #[tokio::test]
    async fn without_a_cursor_only_newer_rows_come() {
        let hub = Arc::new(Hub::default());
        let user = Uuid::now_v7();
        let db: Db = Rc::new(RefCell::new((1..=10).map(|s| live(s, user)).collect()));
        let mut feed = feed(&hub, user, None, 10, &db);
        hub.dispatch(&[live(10, user), live(11, user)]);
        assert_eq!(take(&mut feed, 1).await, vec![11]);
    }

    #[tokio::test]
    async fn a_lagging_stream_catches_up_from_the_database() {
        let hub = Arc::new(Hub::default());
        let user = Uuid::now_v7();
        let total = STREAM_BUFFER as i64 + 10;
        let db: Db = Rc::new(RefCell::new((1..=total).map(|s| live(s, user)).collect()));
        let mut feed = feed(&hub, user, None, 0, &db);
        let all: Vec<Item> = (1..=total).map(|s| live(s, user)).collect();
        hub.dispatch(&all);
        assert_eq!(hub.stream_count(), 0, "cut off");
        let seqs = take(&mut feed, total as usize).await;
        assert_eq!(seqs, (1..=total).collect::<Vec<_>>());
        assert_eq!(hub.stream_count(), 1, "registered again");
        hub.dispatch(&[live(total + 1, user)]);
        assert_eq!(take(&mut feed, 1).await, vec![total + 1]);
    }

    #[test]
    fn sight_follows_role_and_reason() {
        assert_eq!(sight(Role::Admin, "follower", false), Sight::Admin);
        assert_eq!(sight(Role::Villager, "reporter", false), Sight::Reporter);
        assert_eq!(sight(Role::Villager, "handler", false), Sight::Public);
        assert_eq!(sight(Role::UnitStaff, "handler", false), Sight::Staff);
        assert_eq!(sight(Role::Supervisor, "supervisor", false), Sight::Staff);
        assert_eq!(sight(Role::GridWorker, "follower", false), Sight::Public);
        assert_eq!(sight(Role::GridWorker, "handler", true), Sight::Reporter);
    }

    async fn bytes(event: sse::Event) -> String {
        let body = sse::Sse::from_infallible_stream(futures_util::stream::iter([event]));
        let bytes = actix_web::body::to_bytes(body).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[actix_web::test]
    async fn events_carry_seq_kind_and_the_cut_view() {
        let user = Uuid::now_v7();
        let mut item = (*live(7, user)).clone();
        item.item.event.actor_id = Some(item.reporter_id);
        let text = bytes(render(&item, Role::Villager).unwrap()).await;
        let (head, data) = text.split_once("data: ").unwrap();
        assert_eq!(head, "id: 7\nevent: resolved\n");
        let json: serde_json::Value = serde_json::from_str(data.trim_end()).unwrap();
        assert_eq!(json["seq"], 7);
        assert_eq!(json["reason"], "follower");
        assert_eq!(json["report"]["case_number"], "YJ-20261129-0001");
        assert_eq!(json["report"]["status"], "resolved");
        assert_eq!(json["event"]["kind"], "resolved");
        assert!(json["event"]["actor_id"].is_null(), "reporter hidden");
        assert!(json["event"]["details"].get("evidence").is_none());

        item.item.reason = "reporter".into();
        let text = bytes(render(&item, Role::Villager).unwrap()).await;
        assert!(text.contains(&item.reporter_id.to_string()));

        item.item.event.internal = true;
        item.item.reason = "follower".into();
        assert!(render(&item, Role::Villager).is_none());
        assert!(render(&item, Role::Admin).is_some());
    }
}
