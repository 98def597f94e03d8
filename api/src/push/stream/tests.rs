//! Tests of a stream's ordering core, its sight and its SSE rendering.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use super::*;
use crate::push::hub::STREAM_BUFFER;

fn live(seq: i64, user: UserId) -> Item {
    crate::push::hub::sample(seq, user)
}

type Db = Rc<RefCell<Vec<Item>>>;

/// A feed over `db`, reading pages of two rows.
fn feed(
    hub: &Arc<Hub>,
    user: UserId,
    after: Option<i64>,
    latest: i64,
    db: &Db,
) -> Feed<impl Fn(i64) -> std::future::Ready<anyhow::Result<Page>>> {
    let db = db.clone();
    let fetch = move |from: i64| {
        let items: Vec<Item> = db
            .borrow()
            .iter()
            .filter(|i| i.seq > from)
            .take(2)
            .cloned()
            .collect();
        std::future::ready(Ok(Page {
            full: items.len() == 2,
            end: items.last().map_or(from, |i| i.seq),
            items,
        }))
    };
    Feed::new(hub.clone(), hub.subscribe(user), user, after, latest, fetch)
}

async fn take<F, Fut>(feed: &mut Feed<F>, n: usize) -> Vec<i64>
where
    F: Fn(i64) -> Fut,
    Fut: Future<Output = anyhow::Result<Page>>,
{
    let mut seqs = Vec::new();
    for _ in 0..n {
        let item = tokio::time::timeout(Duration::from_millis(200), feed.next())
            .await
            .expect("an item")
            .expect("no error");
        seqs.push(item.seq);
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
    let user = UserId::new();
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
    let user = UserId::new();
    let db: Db = Rc::new(RefCell::new((1..=5).map(|s| live(s, user)).collect()));
    // A client that saw seq 100 before the database was restored to seq 5.
    let mut feed = feed(&hub, user, Some(100), 5, &db);
    hub.dispatch(&[live(6, user)]);
    assert_eq!(take(&mut feed, 1).await, vec![6]);
}

#[tokio::test]
async fn without_a_cursor_only_newer_rows_come() {
    let hub = Arc::new(Hub::default());
    let user = UserId::new();
    let db: Db = Rc::new(RefCell::new((1..=10).map(|s| live(s, user)).collect()));
    let mut feed = feed(&hub, user, None, 10, &db);
    hub.dispatch(&[live(10, user), live(11, user)]);
    assert_eq!(take(&mut feed, 1).await, vec![11]);
}

#[tokio::test]
async fn a_lagging_stream_catches_up_from_the_database() {
    let hub = Arc::new(Hub::default());
    let user = UserId::new();
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
    assert_eq!(sight(Role::Admin, Reason::Follower, false), Sight::Admin);
    assert_eq!(
        sight(Role::Villager, Reason::Reporter, false),
        Sight::Reporter
    );
    assert_eq!(sight(Role::Villager, Reason::Handler, false), Sight::Public);
    assert_eq!(sight(Role::UnitStaff, Reason::Handler, false), Sight::Staff);
    assert_eq!(
        sight(Role::Supervisor, Reason::Supervisor, false),
        Sight::Staff
    );
    assert_eq!(
        sight(Role::GridWorker, Reason::Follower, false),
        Sight::Public
    );
    assert_eq!(
        sight(Role::GridWorker, Reason::Handler, true),
        Sight::Reporter
    );
}

async fn bytes(event: sse::Event) -> String {
    let body = sse::Sse::from_infallible_stream(futures_util::stream::iter([event]));
    let bytes = actix_web::body::to_bytes(body).await.unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[actix_web::test]
async fn events_carry_seq_kind_and_the_cut_view() {
    let user = UserId::new();
    let mut item = (*live(7, user)).clone();
    let Fed::Report(fed) = &mut item.fed else {
        unreachable!("the sample is a report event")
    };
    fed.event.actor_id = Some(fed.reporter_id);
    let reporter = fed.reporter_id;
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

    item.reason = Reason::Reporter;
    let text = bytes(render(&item, Role::Villager).unwrap()).await;
    assert!(text.contains(&reporter.to_string()));

    if let Fed::Report(fed) = &mut item.fed {
        fed.event.internal = true;
    }
    item.reason = Reason::Follower;
    assert!(render(&item, Role::Villager).is_none());
    assert!(render(&item, Role::Admin).is_some());
}

#[actix_web::test]
async fn organisation_events_carry_their_own_message() {
    let event = cunxiang_storage::push::org_events::OrgEvent {
        id: uuid::Uuid::now_v7(),
        kind: cunxiang_core::OrgEventKind::PatrolOverdue,
        region_path: "/a/b/".into(),
        grid_id: Some(uuid::Uuid::now_v7()),
        details: serde_json::json!({ "light": "red" }),
        at: chrono::Utc::now(),
    };
    let item = FeedItem {
        seq: 9,
        user_id: UserId::new(),
        reason: Reason::Supervisor,
        fed: Fed::Org(event.clone()),
    };
    let text = bytes(render(&item, Role::Supervisor).unwrap()).await;
    let (head, data) = text.split_once("data: ").unwrap();
    assert_eq!(head, "id: 9\nevent: patrol_overdue\n");
    let json: serde_json::Value = serde_json::from_str(data.trim_end()).unwrap();
    assert_eq!(json["seq"], 9);
    assert_eq!(json["reason"], "supervisor");
    assert_eq!(json["org_event"]["id"], event.id.to_string());
    assert_eq!(json["org_event"]["kind"], "patrol_overdue");
    assert_eq!(json["org_event"]["details"]["light"], "red");
    assert!(json.get("report").is_none());
}
