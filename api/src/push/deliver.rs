//! The delivery worker: one long-running loop per instance that keeps sends to webhooks,
//! WeChat and the SMS provider in flight and records each outcome as soon as it is known —
//! sent; failed, to be tried again after an exponentially growing, jittered delay
//! ([`super::attempt`]); dead after the last try (admins see and retry those); refused by the
//! recipient.
//!
//! It claims due outbox rows whenever slots are free — when a send finishes and frees room a
//! claim was held back by, and every `delivery_interval_ms` otherwise — and only as many as
//! can start at once: at most `delivery_concurrency` sends in flight, `delivery_per_destination`
//! per webhook / WeChat / SMS provider, none to a destination whose circuit breaker has paused
//! it ([`super::gate`], [`super::breaker`]). So a partner that never answers holds only its own
//! few slots, until it is paused; every other destination proceeds at full speed, and rows are
//! never claimed to wait behind a slow one. A paused destination's rows stay pending, due and
//! uncounted (no try is used up by the pause), and go out once a probe gets an answer.
//!
//! A claim reserves a row for `delivery_lease_secs`, so rows claimed by a worker that was
//! killed are tried again once the lease runs out: delivery is at-least-once and receivers
//! dedupe by event id. A send is cut off after half the lease, and the gate refuses a row it
//! is already sending, so one instance never sends a row twice at once.

use std::time::Duration;

use chrono::{DateTime, Utc};
use cunxiang_storage::push::claims;
use cunxiang_storage::push::deliveries::{self, Delivery, Recorded};
use tokio::task::{JoinError, JoinSet};

pub use super::attempt::backoff;
use super::attempt::{attempt, judge};
pub use super::context::{Context, Worker};
use super::gate::{Slot, span};
use crate::blocking::with_conn;
use crate::shutdown::Stop;

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

impl DeliverySummary {
    fn count(&mut self, finished: &Result<Finished, JoinError>) {
        match finished.as_ref().map(|f| &f.recorded) {
            Ok(Recorded::Sent) => self.sent += 1,
            Ok(Recorded::RetryAt(..)) => self.retried += 1,
            Ok(Recorded::Dead(_)) => self.dead += 1,
            Ok(Recorded::Refused(_)) => self.refused += 1,
            Err(e) => tracing::error!(error = %e, "a delivery send failed"),
        }
    }
}

/// What a send came to.
struct Finished {
    /// What was recorded.
    recorded: Recorded,
    /// Whether its slot freed room a claim may have been held back by.
    freed: bool,
}

/// Which time a pass goes by.
#[derive(Debug, Clone, Copy)]
enum Now {
    /// The clock's, read as needed (the loop).
    Clock,
    /// One instant for everything ([`run_once`]).
    Fixed(DateTime<Utc>),
}

impl Now {
    fn at(self, ctx: &Context) -> DateTime<Utc> {
        match self {
            Now::Clock => ctx.clock.now(),
            Now::Fixed(at) => at,
        }
    }
}

/// The loop: claims when it may start something, until `stop`; then lets the sends in flight
/// finish and record their outcomes (the caller bounds how long it waits: any still out when
/// it gives up are tried again when their lease runs out).
pub async fn run(ctx: Context, mut stop: Stop) {
    let every = Duration::from_millis(ctx.settings.push.delivery_interval_ms.max(1));
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut sends = JoinSet::new();
    loop {
        let claim = tokio::select! {
            _ = stop.stopped() => break,
            _ = ticker.tick() => true,
            Some(finished) = sends.join_next() => {
                let mut freed = frees_room(&finished);
                while let Some(finished) = sends.try_join_next() {
                    freed |= frees_room(&finished);
                }
                freed
            }
        };
        if claim && let Err(e) = fill(&ctx, &mut sends, Now::Clock).await {
            tracing::warn!(error = format!("{e:#}"), "claiming deliveries failed");
        }
    }
    // Stopping: no more claims; the sends in flight finish and record their outcomes.
    while sends.join_next().await.is_some() {}
}

/// Whether a finished send freed room a claim may have been held back by.
fn frees_room(finished: &Result<Finished, JoinError>) -> bool {
    finished.as_ref().map_or(true, |f| f.freed)
}

/// One pass at the clock's now: claims what is due (as the bounds allow, claiming more as
/// sends finish) and tries each once, until nothing due can be claimed and nothing is in
/// flight. Deliveries of paused destinations stay pending. For tests and tools; the server
/// runs [`run`]'s loop.
pub async fn run_once(ctx: &Context) -> anyhow::Result<DeliverySummary> {
    let now = Now::Fixed(ctx.clock.now());
    let mut sends = JoinSet::new();
    let mut done = DeliverySummary::default();
    loop {
        done.tried += fill(ctx, &mut sends, now).await?;
        let Some(finished) = sends.join_next().await else {
            return Ok(done);
        };
        done.count(&finished);
        while let Some(finished) = sends.try_join_next() {
            done.count(&finished);
        }
    }
}

/// Claims due rows while slots are free, starting a send for each; returns how many started.
async fn fill(ctx: &Context, sends: &mut JoinSet<Finished>, now: Now) -> anyhow::Result<usize> {
    let worker = ctx.worker.clone();
    let _one_claim_at_a_time = worker.claiming.lock().await;
    let lease = span(ctx.settings.push.delivery_lease_secs);
    let mut started = 0;
    loop {
        let at = now.at(ctx);
        let Some(limits) = worker.gate.limits(at) else {
            break;
        };
        // From the clock's now even in a pass at a fixed instant: the lease must outlast the
        // send whenever the pass started.
        let lease_until = ctx.clock.now().max(at) + lease;
        let claimed = with_conn(&ctx.pool, move |conn| {
            anyhow::Ok(claims::claim_due(conn, at, lease_until, &limits)?)
        })
        .await?;
        let more = claimed.more && !claimed.rows.is_empty();
        for d in claimed.rows {
            // `None`: this instance is sending it already (see `Gate::take`).
            if let Some(slot) = worker.gate.take(&d, at) {
                sends.spawn(send(ctx.clone(), d, slot, now, at));
                started += 1;
            }
        }
        if !more {
            break;
        }
    }
    Ok(started)
}

/// Sends `d` (claimed at `claimed_at`), records the outcome and gives the slot back.
async fn send(
    ctx: Context,
    d: Delivery,
    slot: Slot,
    now: Now,
    claimed_at: DateTime<Utc>,
) -> Finished {
    let tried = attempt(&ctx, &d, claimed_at).await;
    let at = now.at(&ctx);
    let recorded = judge(&ctx.settings.push, &d, &tried.outcome, at);
    if !matches!(recorded, Recorded::Sent) {
        tracing::warn!(delivery = %d.id, channel = %d.channel, outcome = ?recorded, "delivery failed");
    }
    let (id, attempts, outcome) = (d.id, d.attempts, recorded.clone());
    let stored = with_conn(&ctx.pool, move |conn| {
        anyhow::Ok(deliveries::record(conn, id, attempts, &outcome, at)?)
    })
    .await;
    if let Err(e) = stored {
        tracing::warn!(delivery = %d.id, error = format!("{e:#}"),
            "delivery outcome not recorded: tried again when its lease runs out");
    }
    let freed = slot.finish(tried.reach, at);
    Finished { recorded, freed }
}
