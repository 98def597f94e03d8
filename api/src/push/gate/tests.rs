//! Tests of the gate: claim limits from slots and breakers, slots given back, probes.

use chrono::Duration;
use cunxiang_core::push::DeliveryChannel::{self, Sms, Webhook, Wechat};
use cunxiang_core::push::DeliveryStatus;

use super::*;

fn bounds() -> Bounds {
    Bounds {
        total: 5,
        per_destination: 2,
        breaker: BreakerPolicy {
            failures: 2,
            pause: Duration::seconds(30),
            max_pause: Duration::seconds(300),
        },
    }
}

fn t(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_764_374_400 + secs, 0).unwrap()
}

fn delivery(channel: DeliveryChannel, target: u128) -> Delivery {
    let now = t(0);
    Delivery {
        id: Uuid::now_v7(),
        event_id: Uuid::now_v7(),
        report_id: Some(cunxiang_core::ReportId::new()),
        channel,
        target: Uuid::from_u128(target),
        payload: "{}".into(),
        status: DeliveryStatus::Pending,
        attempts: 0,
        next_attempt_at: now,
        last_error: None,
        created_at: now,
        updated_at: now,
        sent_at: None,
    }
}

fn hook(n: u128) -> Destination {
    Destination::Webhook(Uuid::from_u128(n))
}

#[test]
fn a_claim_takes_only_what_can_start_at_once() {
    let gate = Arc::new(Gate::new(bounds()));
    let limits = gate.limits(t(0)).unwrap();
    assert_eq!((limits.total, limits.per_destination), (5, 2));
    assert!(limits.room.is_empty());

    let a1 = gate.take(&delivery(Webhook, 1), t(0)).unwrap();
    let _a2 = gate.take(&delivery(Webhook, 1), t(0)).unwrap();
    let _sms = gate.take(&delivery(Sms, 7), t(0)).unwrap();
    let limits = gate.limits(t(0)).unwrap();
    assert_eq!(limits.total, 2);
    assert_eq!(limits.room[&hook(1)], 0, "full");
    assert_eq!(limits.room[&Destination::Provider(Sms)], 1);
    assert_eq!(gate.in_flight(), 3);

    let _b = gate.take(&delivery(Webhook, 2), t(0)).unwrap();
    let _wechat = gate.take(&delivery(Wechat, 8), t(0)).unwrap();
    assert_eq!(gate.limits(t(0)), None, "every slot is busy");
    assert!(
        a1.finish(Reach::Answered, t(1)),
        "it freed a full destination"
    );
    assert_eq!(gate.limits(t(1)).unwrap().room[&hook(1)], 1);
}

#[test]
fn one_delivery_is_never_in_flight_twice() {
    let gate = Arc::new(Gate::new(bounds()));
    let d = delivery(Webhook, 1);
    let slot = gate.take(&d, t(0)).unwrap();
    assert!(gate.take(&d, t(0)).is_none());
    drop(slot);
    assert_eq!(gate.in_flight(), 0, "a dropped slot is given back");
    assert!(gate.limits(t(0)).unwrap().room.is_empty());
    assert!(gate.take(&d, t(0)).is_some());
}

#[test]
fn a_destination_that_stops_answering_is_paused_then_probed_once() {
    let gate = Arc::new(Gate::new(bounds()));
    let slow = || delivery(Webhook, 1);
    let first = gate.take(&slow(), t(0)).unwrap();
    let second = gate.take(&slow(), t(0)).unwrap();
    first.finish(Reach::Unreachable, t(5));
    assert!(gate.paused().is_empty());
    second.finish(Reach::Unreachable, t(5));
    assert_eq!(gate.paused(), [hook(1)]);
    assert_eq!(gate.limits(t(6)).unwrap().room[&hook(1)], 0, "paused");
    assert_eq!(
        gate.limits(t(6)).unwrap().total,
        5,
        "the others keep every slot"
    );

    assert_eq!(gate.limits(t(35)).unwrap().room[&hook(1)], 1, "a probe");
    let probe = gate.take(&slow(), t(35)).unwrap();
    assert!(probe.is_probe());
    assert_eq!(gate.limits(t(36)).unwrap().room[&hook(1)], 0);
    assert!(!probe.finish(Reach::Unreachable, t(40)), "paused again");
    assert_eq!(gate.limits(t(99)).unwrap().room[&hook(1)], 0, "for 60 s");
    let probe = gate.take(&slow(), t(100)).unwrap();
    assert!(probe.is_probe());
    assert!(probe.finish(Reach::Answered, t(101)), "closed: claim again");
    assert!(gate.paused().is_empty());
    assert!(gate.limits(t(101)).unwrap().room.is_empty());
}

#[test]
fn a_dropped_probe_lets_another_go() {
    let gate = Arc::new(Gate::new(bounds()));
    for _ in 0..2 {
        let slot = gate.take(&delivery(Wechat, 1), t(0)).unwrap();
        slot.finish(Reach::Unreachable, t(1));
    }
    let wechat = Destination::Provider(Wechat);
    assert_eq!(gate.paused(), std::slice::from_ref(&wechat));
    let probe = gate.take(&delivery(Wechat, 2), t(40)).unwrap();
    assert!(probe.is_probe());
    drop(probe);
    assert_eq!(gate.limits(t(40)).unwrap().room[&wechat], 1);
}
