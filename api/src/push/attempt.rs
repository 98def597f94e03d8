//! One try of one delivery: the send to its webhook, WeChat or the SMS provider
//! ([`attempt`]), what to record for its outcome ([`judge`]) and the wait before the next try
//! ([`backoff`]).

use std::time::Duration;

use chrono::{DateTime, Utc};
use cunxiang_core::push::DeliveryChannel;
use cunxiang_storage::push::deliveries::{Delivery, Recorded};
use rand::Rng;

use super::context::Context;
use super::gate::Reach;
use super::send::{self, Outcome};
use crate::blocking::with_conn;
use crate::settings::PushSettings;

/// One try: its outcome, and what it told of the destination (for its breaker).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tried {
    /// How the try ended.
    pub outcome: Outcome,
    /// Whether the destination answered.
    pub reach: Reach,
}

/// Sends one delivery, cut off (as unreachable) after half the lease: by then it has had every
/// timeout of its own, and its row — reserved for the whole lease — cannot have been claimed
/// again while it was in flight.
pub async fn attempt(ctx: &Context, d: &Delivery, now: DateTime<Utc>) -> Tried {
    let cap = Duration::from_secs(ctx.settings.push.delivery_lease_secs / 2);
    let outcome = match tokio::time::timeout(cap, send_one(ctx, d, now)).await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(not_sent)) => {
            return Tried {
                outcome: not_sent,
                reach: Reach::Unknown,
            };
        }
        Err(_) => Outcome::Unreachable("timeout".into()),
    };
    Tried {
        reach: reach(&outcome),
        outcome,
    }
}

/// What `outcome` tells of the destination: whether it answered.
pub fn reach(outcome: &Outcome) -> Reach {
    match outcome {
        Outcome::Sent | Outcome::Retry(_) | Outcome::Refused(_) => Reach::Answered,
        Outcome::Unreachable(_) => Reach::Unreachable,
        // A removed webhook, a bad URL, a provider not configured: nothing was learnt.
        Outcome::Dead(_) => Reach::Unknown,
    }
}

/// Sends one delivery; `Err` when it could not go out for a reason of this server's (the
/// database), which says nothing about the destination.
async fn send_one(ctx: &Context, d: &Delivery, now: DateTime<Utc>) -> Result<Outcome, Outcome> {
    let settings = &ctx.settings;
    let senders = &ctx.senders;
    match d.channel {
        DeliveryChannel::Webhook => {
            let id = d.target;
            let found = with_conn(&ctx.pool, move |conn| {
                anyhow::Ok(cunxiang_storage::push::webhooks::find(conn, id)?)
            });
            let hook = match found.await {
                Ok(hook) => hook,
                Err(e) => return Err(Outcome::Retry(format!("database: {e}"))),
            };
            let Some(hook) = hook.filter(|h| h.active) else {
                return Ok(Outcome::Dead("the webhook was removed".into()));
            };
            let outcome = send::webhook::send(
                &senders.webhook,
                &hook.url,
                &hook.secret,
                d.event_id,
                d.id,
                &d.payload,
                now.timestamp(),
                Duration::from_secs(settings.push.webhook_timeout_secs),
            )
            .await;
            Ok(outcome)
        }
        DeliveryChannel::Wechat => Ok(send::wechat::send(
            &senders.http,
            settings,
            &senders.wechat_tokens,
            &d.payload,
            now,
        )
        .await),
        DeliveryChannel::Sms => Ok(send::sms::send(&senders.http, settings, &d.payload).await),
    }
}

/// What to record for `outcome`, the `d.attempts + 1`-th try: a failure that may pass is
/// retried after [`backoff`] until the last try.
pub fn judge(push: &PushSettings, d: &Delivery, outcome: &Outcome, now: DateTime<Utc>) -> Recorded {
    let attempt = d.attempts + 1;
    match outcome {
        Outcome::Sent => Recorded::Sent,
        Outcome::Retry(why) | Outcome::Unreachable(why) if attempt >= push.max_attempts => {
            Recorded::Dead(format!("{why} (gave up after {attempt} tries)"))
        }
        Outcome::Retry(why) | Outcome::Unreachable(why) => {
            let wait = backoff(push, attempt, rand::rng().random_range(0.0..=1.0));
            Recorded::RetryAt(now + wait, why.clone())
        }
        Outcome::Dead(why) => Recorded::Dead(why.clone()),
        Outcome::Refused(why) => Recorded::Refused(why.clone()),
    }
}

/// The wait after the `attempt`-th failed try: `retry_min · 2^(attempt-1)`, capped at
/// `retry_max`, of which a random half is dropped ("equal jitter": instances that failed
/// together do not retry together). `jitter` is in 0..=1.
pub fn backoff(push: &PushSettings, attempt: i32, jitter: f64) -> chrono::Duration {
    let doublings = u32::try_from(attempt.saturating_sub(1))
        .unwrap_or(0)
        .min(30);
    let full = push
        .retry_min_secs
        .saturating_mul(1u64 << doublings)
        .min(push.retry_max_secs) as f64;
    let secs = full / 2.0 + full / 2.0 * jitter.clamp(0.0, 1.0);
    chrono::Duration::milliseconds((secs * 1000.0) as i64)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::settings::Settings;

    fn push() -> PushSettings {
        Settings::from_lookup(|_| None).unwrap().push
    }

    #[test]
    fn backoff_doubles_from_a_minute_to_six_hours_with_equal_jitter() {
        let p = push();
        let secs = |attempt, jitter| backoff(&p, attempt, jitter).num_seconds();
        assert_eq!((secs(1, 1.0), secs(1, 0.0)), (60, 30));
        assert_eq!(secs(2, 1.0), 120);
        assert_eq!(secs(5, 1.0), 960);
        assert_eq!(secs(9, 1.0), 60 * 256);
        assert_eq!(secs(10, 1.0), 6 * 3600, "capped");
        assert_eq!(secs(10, 0.0), 3 * 3600);
        assert_eq!(secs(1000, 1.0), 6 * 3600, "no overflow");
    }

    fn delivery(attempts: i32) -> Delivery {
        let now = Utc::now();
        Delivery {
            id: uuid::Uuid::now_v7(),
            event_id: uuid::Uuid::now_v7(),
            report_id: Some(cunxiang_core::ReportId::new()),
            channel: DeliveryChannel::Webhook,
            target: uuid::Uuid::now_v7(),
            payload: "{}".into(),
            status: cunxiang_core::push::DeliveryStatus::Pending,
            attempts,
            next_attempt_at: now,
            last_error: None,
            created_at: now,
            updated_at: now,
            sent_at: None,
        }
    }

    #[test]
    fn the_tenth_failure_is_dead_and_refusals_are_never_retried() {
        let p = push();
        let now = Utc::now();
        let retry = Outcome::Retry("status 500".into());
        match judge(&p, &delivery(0), &retry, now) {
            Recorded::RetryAt(at, why) => {
                assert!(at >= now + chrono::Duration::seconds(30));
                assert!(at <= now + chrono::Duration::seconds(60));
                assert_eq!(why, "status 500");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            judge(&p, &delivery(8), &retry, now),
            Recorded::RetryAt(..)
        ));
        assert!(matches!(
            judge(&p, &delivery(9), &retry, now),
            Recorded::Dead(_)
        ));
        let silent = Outcome::Unreachable("timeout".into());
        assert!(matches!(
            judge(&p, &delivery(0), &silent, now),
            Recorded::RetryAt(_, why) if why == "timeout"
        ));
        assert!(matches!(
            judge(&p, &delivery(9), &silent, now),
            Recorded::Dead(_)
        ));
        assert_eq!(reach(&silent), Reach::Unreachable);
        assert_eq!(reach(&retry), Reach::Answered, "a 500 is an answer");
        let refused = Outcome::Refused("43101".into());
        assert!(matches!(
            judge(&p, &delivery(0), &refused, now),
            Recorded::Refused(_)
        ));
    }
}
