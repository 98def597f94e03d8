//! Tests of the hub: fan-out, cut-offs, registrations, permits and closing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn live(seq: i64, user: UserId) -> Item {
    sample(seq, user)
}

#[test]
fn items_reach_only_their_users_streams() {
    let hub = Arc::new(Hub::default());
    let (a, b) = (UserId::new(), UserId::new());
    let mut a1 = hub.subscribe(a);
    let mut a2 = hub.subscribe(a);
    let mut b1 = hub.subscribe(b);
    hub.dispatch(&[live(1, a), live(2, b), live(3, a)]);
    for s in [&mut a1, &mut a2] {
        assert_eq!(s.rx.try_recv().unwrap().seq, 1);
        assert_eq!(s.rx.try_recv().unwrap().seq, 3);
        assert!(s.rx.try_recv().is_err());
    }
    assert_eq!(b1.rx.try_recv().unwrap().seq, 2);
    assert_eq!(hub.stream_count(), 3);
}

#[test]
fn a_full_stream_is_cut_off_and_others_keep_going() {
    let hub = Arc::new(Hub::default());
    let user = UserId::new();
    let mut slow = hub.subscribe(user);
    let mut fast = hub.subscribe(user);
    for seq in 1..=STREAM_BUFFER as i64 {
        hub.dispatch(&[live(seq, user)]);
        assert_eq!(fast.rx.try_recv().unwrap().seq, seq);
    }
    hub.dispatch(&[live(STREAM_BUFFER as i64 + 1, user)]);
    assert_eq!(hub.stream_count(), 1);
    assert_eq!(fast.rx.try_recv().unwrap().seq, STREAM_BUFFER as i64 + 1);
    // The slow stream drains what it had, then sees its channel closed.
    for _ in 0..STREAM_BUFFER {
        assert!(slow.rx.try_recv().is_ok());
    }
    assert_eq!(
        slow.rx.try_recv(),
        Err(mpsc::error::TryRecvError::Disconnected)
    );
}

#[test]
fn permits_count_streams_up_to_the_limit_and_come_back_when_dropped() {
    let hub = Arc::new(Hub::default());
    let (a, b) = (UserId::new(), UserId::new());
    let first = hub.admit(a, 2).expect("first");
    let second = hub.admit(a, 2).expect("second");
    assert!(hub.admit(a, 2).is_none(), "a third is over the limit");
    let other = hub.admit(b, 2).expect("limits are per user");
    assert_eq!(hub.streams_of(a), 2);
    drop(first);
    assert_eq!(hub.streams_of(a), 1);
    let third = hub.admit(a, 2).expect("a place came back");
    drop((second, third, other));
    assert_eq!(hub.streams_of(a), 0);
    assert!(hub.held().is_empty(), "nothing left behind");
}

#[test]
fn closing_reaches_receivers_taken_before_and_after() {
    let hub = Hub::default();
    let before = hub.closing();
    assert!(!*before.borrow());
    hub.close_all();
    assert!(*before.borrow());
    assert!(*hub.closing().borrow());
}

#[test]
fn dropping_a_subscription_unregisters_it() {
    let hub = Arc::new(Hub::default());
    let user = UserId::new();
    let first = hub.subscribe(user);
    let second = hub.subscribe(user);
    drop(first);
    assert_eq!(hub.stream_count(), 1);
    drop(second);
    assert!(!hub.has(user));
    let third = hub.subscribe(user);
    hub.resync_all();
    assert_eq!(hub.stream_count(), 0);
    drop(third);
}
