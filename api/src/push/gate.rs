//! This instance's bounds on sending deliveries: how many sends are in flight overall and per
//! destination, the circuit breaker of each destination ([`super::breaker`]) and which
//! deliveries are being sent. The delivery worker asks it how much to claim
//! ([`Gate::limits`]: only as many rows as can start at once, none for destinations that are
//! full or paused) and takes a [`Slot`] for each claimed row; the slot is given back with
//! what the send learnt about its destination ([`Slot::finish`]), or when it is dropped.
//!
//! Per instance and in memory: several instances each keep their own bounds and breakers.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use cunxiang_storage::push::claims::{ClaimLimits, Destination};
use cunxiang_storage::push::deliveries::Delivery;
use uuid::Uuid;

use super::breaker::{Admission, Breaker, BreakerPolicy};
use crate::settings::PushSettings;

/// The bounds of a [`Gate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Sends in flight at once, overall.
    pub total: usize,
    /// Sends in flight at once to one destination.
    pub per_destination: usize,
    /// When destinations are paused.
    pub breaker: BreakerPolicy,
}

impl Bounds {
    /// The bounds the settings ask for.
    pub fn of(push: &PushSettings) -> Self {
        Bounds {
            total: push.delivery_concurrency.max(1),
            per_destination: push.delivery_per_destination.max(1),
            breaker: BreakerPolicy {
                failures: push.breaker_failures,
                pause: span(push.breaker_pause_secs),
                max_pause: span(push.breaker_max_pause_secs),
            },
        }
    }
}

/// The longest span taken from the settings: ten years (no time plus it overflows).
const MAX_SPAN_SECS: u64 = 10 * 366 * 24 * 3600;

/// `secs` seconds, at most [`MAX_SPAN_SECS`].
pub fn span(secs: u64) -> chrono::Duration {
    chrono::Duration::seconds(i64::try_from(secs.min(MAX_SPAN_SECS)).unwrap_or(0))
}

/// What happened at a destination, as far as its breaker cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// It answered (whatever it said).
    Answered,
    /// No answer: a timeout or a failed connection.
    Unreachable,
    /// The send told nothing about it (it never went out).
    Unknown,
}

/// Sends in flight and breakers, behind one lock held only for bookkeeping.
#[derive(Debug, Default)]
struct Inner {
    /// Sends in flight, overall.
    total: usize,
    /// Sends in flight per destination (no entry: none).
    busy: HashMap<Destination, usize>,
    /// Breakers that are not idle.
    breakers: HashMap<Destination, Breaker>,
    /// The deliveries in flight.
    sending: HashSet<Uuid>,
}

/// This instance's sending bounds and breakers.
#[derive(Debug)]
pub struct Gate {
    bounds: Bounds,
    inner: Mutex<Inner>,
}

impl Gate {
    /// A gate with nothing in flight.
    pub fn new(bounds: Bounds) -> Self {
        Gate {
            bounds,
            inner: Mutex::default(),
        }
    }

    /// Its bounds.
    pub fn bounds(&self) -> Bounds {
        self.bounds
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // The bookkeeping stays consistent even if a holder panicked: no update spans a panic.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How much a claim at `now` may take so that every row it gets can start at once: the
    /// free slots overall, and per destination its free slots — none while paused, one for a
    /// probe. `None` when no slot is free.
    pub fn limits(&self, now: DateTime<Utc>) -> Option<ClaimLimits> {
        let inner = self.lock();
        let total = self.bounds.total.saturating_sub(inner.total);
        if total == 0 {
            return None;
        }
        let mut room: HashMap<Destination, usize> = inner
            .busy
            .iter()
            .map(|(d, n)| (d.clone(), self.bounds.per_destination.saturating_sub(*n)))
            .collect();
        for (destination, breaker) in &inner.breakers {
            let allowed = match breaker.admits(now) {
                Admission::Open => continue,
                Admission::Probe => 1,
                Admission::Shut => 0,
            };
            let entry = room
                .entry(destination.clone())
                .or_insert(self.bounds.per_destination);
            *entry = (*entry).min(allowed);
        }
        Some(ClaimLimits {
            total,
            per_destination: self.bounds.per_destination,
            room,
        })
    }

    /// A slot for sending `d`, claimed at `now` (a probe if its destination's pause is over).
    /// `None` when this instance is sending it already: a row claimed again while in flight
    /// (its lease ran out) must not go out twice at once from here.
    pub fn take(self: &Arc<Self>, d: &Delivery, now: DateTime<Utc>) -> Option<Slot> {
        let destination = d.destination();
        let mut inner = self.lock();
        if !inner.sending.insert(d.id) {
            return None;
        }
        inner.total += 1;
        *inner.busy.entry(destination.clone()).or_default() += 1;
        let probe = inner
            .breakers
            .get_mut(&destination)
            .is_some_and(|b| b.start(now));
        Some(Slot {
            gate: self.clone(),
            delivery: d.id,
            destination,
            probe,
            taken_at: now,
            done: false,
        })
    }

    /// The destinations paused at the moment (breaker open or half-open), in order.
    pub fn paused(&self) -> Vec<Destination> {
        let inner = self.lock();
        let mut paused: Vec<Destination> = inner
            .breakers
            .iter()
            .filter(|(_, b)| b.is_paused())
            .map(|(d, _)| d.clone())
            .collect();
        paused.sort();
        paused
    }

    /// Sends in flight, overall.
    pub fn in_flight(&self) -> usize {
        self.lock().total
    }

    /// Gives a slot back; `true` when that freed room a claim may have been held back by (the
    /// destination or everything was full, or its breaker closed or may probe again).
    fn release(&self, slot: &Slot, reach: Reach, now: DateTime<Utc>) -> bool {
        let mut inner = self.lock();
        let was_full = inner.total >= self.bounds.total;
        inner.total = inner.total.saturating_sub(1);
        inner.sending.remove(&slot.delivery);
        let busy = inner.busy.get(&slot.destination).copied().unwrap_or(0);
        let destination_was_full = busy >= self.bounds.per_destination;
        if busy <= 1 {
            inner.busy.remove(&slot.destination);
        } else {
            inner.busy.insert(slot.destination.clone(), busy - 1);
        }
        let breaker = inner.breakers.entry(slot.destination.clone()).or_default();
        let was_paused = breaker.is_paused();
        match reach {
            Reach::Answered => breaker.answered(),
            Reach::Unreachable => breaker.unreachable(&self.bounds.breaker, now, slot.probe),
            Reach::Unknown if slot.probe => breaker.probe_abandoned(now),
            Reach::Unknown => {}
        }
        if !was_paused && breaker.is_paused() {
            tracing::warn!(destination = ?slot.destination, "delivery destination not answering: paused");
        } else if was_paused && !breaker.is_paused() {
            tracing::info!(destination = ?slot.destination, "delivery destination answering again");
        }
        let reopened =
            was_paused && (!breaker.is_paused() || (slot.probe && reach == Reach::Unknown));
        if breaker.is_idle() {
            inner.breakers.remove(&slot.destination);
        }
        was_full || destination_was_full || reopened
    }
}

/// One send's place in a [`Gate`]: given back with [`Slot::finish`], or when dropped (a
/// cancelled send tells nothing about its destination).
#[derive(Debug)]
pub struct Slot {
    gate: Arc<Gate>,
    delivery: Uuid,
    destination: Destination,
    probe: bool,
    /// When it was taken (an abandoned probe may be followed by another from then on).
    taken_at: DateTime<Utc>,
    done: bool,
}

impl Slot {
    /// Whether this send is its paused destination's probe.
    pub fn is_probe(&self) -> bool {
        self.probe
    }

    /// Gives the slot back with what the send learnt about the destination at `now`; `true`
    /// when that freed room a claim may have been held back by.
    pub fn finish(mut self, reach: Reach, now: DateTime<Utc>) -> bool {
        self.done = true;
        self.gate.release(&self, reach, now)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if !self.done {
            self.gate.release(self, Reach::Unknown, self.taken_at);
        }
    }
}

#[cfg(test)]
mod tests;
