//! Claiming due outbox rows for sending, within bounds the caller sets: at most so many rows
//! overall and so many per [`Destination`], and none for destinations that have no room (all
//! their slots busy, or paused by a circuit breaker). A claim reserves its rows by pushing
//! `next_attempt_at` out to a lease, so rows claimed by a worker that dies fall due again when
//! the lease runs out. Rows left unclaimed stay as they are: pending, due, their tries
//! uncounted.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use cunxiang_core::push::{DeliveryChannel, DeliveryStatus};
use diesel::dsl::not;
use diesel::prelude::*;
use uuid::Uuid;

use super::deliveries::{Delivery, DeliveryRow};
use crate::conn::DbConn;
use crate::error::Result;
use crate::regions::parse_id;
use crate::schema::deliveries;
use crate::time;

/// Where a delivery is sent, as far as sending bounds go: one partner's webhook, or a
/// provider that every message of its channel goes through (WeChat, the SMS provider).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Destination {
    /// The webhook with this id.
    Webhook(Uuid),
    /// The provider of this channel (WeChat, SMS).
    Provider(DeliveryChannel),
}

impl Destination {
    /// Where a row of `channel` for `target` goes.
    pub fn of(channel: DeliveryChannel, target: Uuid) -> Self {
        if channel.has_provider() {
            Destination::Provider(channel)
        } else {
            Destination::Webhook(target)
        }
    }
}

impl Delivery {
    /// Where this delivery goes.
    pub fn destination(&self) -> Destination {
        Destination::of(self.channel, self.target)
    }
}

/// How much a claim may take.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimLimits {
    /// Rows at most.
    pub total: usize,
    /// Rows at most for a destination not in `room`.
    pub per_destination: usize,
    /// Destinations with another bound; `0` means none of their rows is claimed.
    pub room: HashMap<Destination, usize>,
}

/// What a claim took.
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    /// The rows, reserved until the lease's end.
    pub rows: Vec<Delivery>,
    /// Whether more rows may be due for destinations that still have room: the claim looked
    /// at as many candidates as it may (claiming again may find more).
    pub more: bool,
}

/// Candidates looked at per row the claim may take: rows of destinations that fill up are
/// skipped, and those behind them are taken instead.
const CANDIDATES_PER_ROW: usize = 4;

/// Claims pending deliveries due at `now`, oldest due first, within `limits`, reserving them
/// until `lease_until` (another worker skips them; if this one dies they fall due again
/// then). Runs in its own transaction; on PostgreSQL rows another instance is claiming are
/// skipped.
pub fn claim_due(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limits: &ClaimLimits,
) -> Result<Claimed> {
    if limits.total == 0 {
        return Ok(Claimed {
            rows: Vec::new(),
            more: false,
        });
    }
    let window = limits.total.saturating_mul(CANDIDATES_PER_ROW);
    let (full_hooks, full_providers) = no_room(limits);
    crate::conn::transaction(conn, |conn| {
        let query = deliveries::table
            .filter(deliveries::status.eq(DeliveryStatus::Pending))
            .filter(deliveries::next_attempt_at.le(time::to_db(now)))
            .filter(deliveries::channel.ne_all(&full_providers))
            .filter(not(deliveries::channel
                .eq(DeliveryChannel::Webhook)
                .and(deliveries::target.eq_any(&full_hooks))))
            .order((deliveries::next_attempt_at, deliveries::id))
            .select((deliveries::id, deliveries::channel, deliveries::target))
            .limit(i64::try_from(window).unwrap_or(i64::MAX));
        let candidates: Vec<(String, DeliveryChannel, String)> = match conn {
            DbConn::Sqlite(c) => query.load(c)?,
            DbConn::Postgres(c) => query.for_update().skip_locked().load(c)?,
        };
        let more = candidates.len() >= window;
        let candidates = candidates
            .into_iter()
            .map(|(id, channel, target)| {
                let target = parse_id("deliveries", &target)?;
                Ok((id, Destination::of(channel, target)))
            })
            .collect::<Result<Vec<_>>>()?;
        let ids = pick(candidates, limits);
        if ids.is_empty() {
            return Ok(Claimed {
                rows: Vec::new(),
                more,
            });
        }
        diesel::update(deliveries::table.filter(deliveries::id.eq_any(&ids)))
            .set((
                deliveries::next_attempt_at.eq(time::to_db(lease_until)),
                deliveries::updated_at.eq(time::to_db(now)),
            ))
            .execute(conn)?;
        let rows: Vec<DeliveryRow> = deliveries::table
            .filter(deliveries::id.eq_any(&ids))
            .order((deliveries::next_attempt_at, deliveries::id))
            .select(DeliveryRow::as_select())
            .load(conn)?;
        let rows = rows
            .into_iter()
            .map(DeliveryRow::into_delivery)
            .collect::<Result<Vec<_>>>()?;
        Ok(Claimed { rows, more })
    })
}

/// The webhook ids (as stored) and provider channels with no room.
fn no_room(limits: &ClaimLimits) -> (Vec<String>, Vec<DeliveryChannel>) {
    let mut hooks = Vec::new();
    let mut providers = Vec::new();
    for (destination, _) in limits.room.iter().filter(|(_, room)| **room == 0) {
        match destination {
            Destination::Webhook(id) => hooks.push(id.to_string()),
            Destination::Provider(channel) => providers.push(*channel),
        }
    }
    (hooks, providers)
}

/// The ids of `candidates` (in order) a claim takes: in order, while the total and each
/// destination's room allow.
fn pick(candidates: Vec<(String, Destination)>, limits: &ClaimLimits) -> Vec<String> {
    let mut taken: HashMap<Destination, usize> = HashMap::new();
    let mut ids = Vec::new();
    for (id, destination) in candidates {
        if ids.len() >= limits.total {
            break;
        }
        let room = limits
            .room
            .get(&destination)
            .copied()
            .unwrap_or(limits.per_destination);
        let count = taken.entry(destination).or_default();
        if *count < room {
            *count += 1;
            ids.push(id);
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(n: u128) -> Destination {
        Destination::Webhook(Uuid::from_u128(n))
    }

    fn candidates(of: &[Destination]) -> Vec<(String, Destination)> {
        of.iter()
            .enumerate()
            .map(|(i, d)| (i.to_string(), d.clone()))
            .collect()
    }

    #[test]
    fn rows_are_taken_in_order_within_each_destinations_room() {
        let wechat = Destination::Provider(DeliveryChannel::Wechat);
        let limits = ClaimLimits {
            total: 5,
            per_destination: 2,
            room: HashMap::from([(hook(2), 1), (wechat.clone(), 0)]),
        };
        let rows = candidates(&[
            hook(1),
            hook(1),
            hook(1),
            hook(2),
            hook(2),
            wechat,
            hook(3),
            hook(3),
            hook(3),
        ]);
        assert_eq!(pick(rows, &limits), ["0", "1", "3", "6", "7"]);
    }

    #[test]
    fn the_total_bounds_the_claim() {
        let limits = ClaimLimits {
            total: 2,
            per_destination: 4,
            room: HashMap::new(),
        };
        assert_eq!(
            pick(candidates(&[hook(1), hook(2), hook(3)]), &limits),
            ["0", "1"]
        );
    }

    #[test]
    fn destinations_without_room_are_left_out_of_the_query() {
        let limits = ClaimLimits {
            total: 8,
            per_destination: 4,
            room: HashMap::from([
                (hook(1), 0),
                (hook(2), 3),
                (Destination::Provider(DeliveryChannel::Sms), 0),
            ]),
        };
        let (hooks, providers) = no_room(&limits);
        assert_eq!(hooks, [Uuid::from_u128(1).to_string()]);
        assert_eq!(providers, [DeliveryChannel::Sms]);
        assert_eq!(
            Destination::of(DeliveryChannel::Webhook, Uuid::from_u128(2)),
            hook(2),
            "a webhook is its own destination"
        );
        assert_eq!(
            Destination::of(DeliveryChannel::Wechat, Uuid::from_u128(2)),
            Destination::of(DeliveryChannel::Wechat, Uuid::from_u128(3)),
            "every WeChat message goes through one provider"
        );
    }
}
