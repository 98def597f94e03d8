//! The delivery worker: every `delivery_interval_ms` it claims the outbox rows that are due,
//! sends them (a few at a time) to webhooks, WeChat and the SMS provider, and records each
//! outcome: sent; failed, to be tried again after an exponentially growing, jittered delay;
//! dead after the last try (admins see and retry those); refused by the recipient. A claim
//! reserves a row for `delivery_lease_secs`, so rows claimed by a worker that was killed are
//! tried again once the lease runs out: delivery is at-least-once and receivers dedupe by
//! event id.

use std::time::Duration;

use chrono::{DateTime, Utc};
use cunxiang_storage::push::deliveries::{self, Delivery, Recorded};
use futures_util::StreamExt;
use rand::Rng;

use super::send::{self, Outcome};
use crate::error::ApiError;
use crate::settings::PushSettings;
use crate::state::AppState;

/// Rows claimed per pass: with [`IN_FLIGHT`] at once, two rounds of the slowest sends
/// (a WeChat token refetch and resend: ~30 s) stay inside the default lease.
const CLAIM: i64 = 32;
/// Sends in flight at once.
const IN_FLIGHT: usize = 16;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliverySummary {
    /// Claimed and tried.
    pub tried: usize,
    /// Delivered.
    pub sent: usize,
    /// Failed, to be tried again.
    pub retried: usize,
    /// Given up.
    pub dead: usize,
    /// Refused by the recipient.
    pub refused: usize,
}

/// Starts the worker on the current runtime.
pub fn spawn(state: AppState) {
    let every = Duration::from_millis(state.settings.push.delivery_interval_ms);
    actix_web::rt::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            // Keep going while there is a backlog.
            loop {
                match run_once(&state).await {
                    Ok(done) if done.tried as i64 == CLAIM => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(code = e.code, error = %e.message, "delivery pass failed");
                        break;
                    }
                }
            }
        }
    });
}

/// One pass: claims what is due at the clock's now and tries each once.
pub async fn run_once(state: &AppState) -> Result<DeliverySummary, ApiError> {
    let now = state.clock.now();
    let lease = chrono::Duration::seconds(state.settings.push.delivery_lease_secs as i64);
    let claimed = state
        .db(move |conn| Ok(deliveries::claim_due(conn, now, now + lease, CLAIM)?))
        .await?;
    let mut done = DeliverySummary {
        tried: claimed.len(),
        ..DeliverySummary::default()
    };
    let mut results = futures_util::stream::iter(claimed)
        .map(|d| async move {
            let outcome = attempt(state, &d, now).await;
            (d, outcome)
        })
        .buffer_unordered(IN_FLIGHT);
    // Each outcome is written as soon as it is known: a slow receiver holds up no other.
    while let Some((d, outcome)) = results.next().await {
        let r = judge(&state.settings.push, &d, &outcome, now);
        match &r {
            Recorded::Sent => done.sent += 1,
            Recorded::RetryAt(..) => done.retried += 1,
            Recorded::Dead(_) => done.dead += 1,
            Recorded::Refused(_) => done.refused += 1,
        }
        if !matches!(r, Recorded::Sent) {
            tracing::warn!(delivery = %d.id, channel = %d.channel, outcome = ?r, "delivery failed");
        }
        let (id, attempts) = (d.id, d.attempts);
        state
            .db(move |conn| Ok(deliveries::record(conn, id, attempts, &r, now)?))
            .await?;
    }
    Ok(done)
}

/// Sends one delivery.
async fn attempt(state: &AppState, d: &Delivery, now: DateTime<Utc>) -> Outcome {
    let settings = &state.settings;
    match d.channel.as_str() {
        "webhook" => {
            let id = d.target;
            let hook = match state
                .db(move |conn| Ok(cunxiang_storage::push::webhooks::find(conn, id)?))
                .await
            {
                Ok(hook) => hook,
                Err(e) => return Outcome::Retry(format!("database: {}", e.code)),
            };
            let Some(hook) = hook.filter(|h| h.active) else {
                return Outcome::Dead("the webhook was removed".into());
            };
            send::webhook::send(
                &state.webhook_http,
                &hook.url,
                &hook.secret,
                d.event_id,
                d.id,
                &d.payload,
                now.timestamp(),
                Duration::from_secs(settings.push.webhook_timeout_secs),
            )
            .await
        }
        "wechat" => {
            send::wechat::send(&state.http, settings, &state.wechat_tokens, &d.payload, now).await
        }
        "sms" => send::sms::send(&state.http, settings, &d.payload).await,
        other => Outcome::Dead(format!("unknown channel {other}")),
    }
}

/// What to record for `outcome`, the `d.attempts + 1`-th try: a failure that may pass is
/// retried after [`backoff`] until the last try.
fn judge(push: &PushSettings, d: &Delivery, outcome: &Outcome, now: DateTime<Utc>) -> Recorded {
    let attempt = d.attempts + 1;
    match outcome {
        Outcome::Sent => Recorded::Sent,
        Outcome::Retry(why) if attempt >= push.max_attempts => {
            Recorded::Dead(format!("{why} (gave up after {attempt} tries)"))
        }
        Outcome::Retry(why) => {
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
            report_id: uuid::Uuid::now_v7(),
            channel: "webhook".into(),
            target: uuid::Uuid::now_v7(),
            payload: "{}".into(),
            status: "pending".into(),
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
        let refused = Outcome::Refused("43101".into());
        assert!(matches!(
            judge(&p, &delivery(0), &refused, now),
            Recorded::Refused(_)
        ));
    }
}
