//! Writing an event and everything it owes, in the caller's transaction: the timeline row, a
//! feed row for each person who hears of it (the live stream reads these), and the outbox
//! rows for partners' webhooks, WeChat subscribe messages and SMS. Because all of it commits
//! with the state change or not at all, a crash at any moment loses no delivery.
//!
//! A fan-out has two phases: [`plan`] reads who hears of the events (followers, handlers,
//! supervisors, webhooks, villagers' contacts), and [`Plan::write`] takes the feed's ordering
//! lock — held to commit — and writes the outbox and feed rows. Between them a caller may
//! finish the report under that lock (intake numbers the case there, so that the county's
//! counter is held only while commits are serialised anyway).

mod org;
mod outbox;

pub use org::record_org;

use cunxiang_core::push::{Concerned, Reason, Recipient, audience};
use cunxiang_core::{UnitId, UserId};
use cunxiang_storage::DbConn;
use cunxiang_storage::push::{deliveries, feed, people};
use cunxiang_storage::reports::Report;
use cunxiang_storage::reports::events::ReportEvent;

use crate::settings::FanOut;
use cunxiang_storage::StorageError;

/// Appends `event` to the timeline of `report` (as it is after the event) and fans it out
/// ([`announce`]). Call it last in the transaction of the change.
pub fn record(
    conn: &mut DbConn,
    fan_out: FanOut<'_>,
    report: &Report,
    left_unit: Option<UnitId>,
    event: &ReportEvent,
) -> Result<(), StorageError> {
    cunxiang_storage::reports::events::insert(conn, event)?;
    announce(conn, fan_out, report, left_unit, event)
}

/// Fans out `event`, already in the timeline: feed rows and outbox rows. `left_unit` is the
/// unit that held the report before, when the event moved it (its members hear that it
/// left). It takes the feed's ordering lock, held until commit, so it must be the last thing
/// the transaction does: a row lock taken after it could deadlock with a transaction that
/// holds that row and waits for the feed.
pub fn announce(
    conn: &mut DbConn,
    fan_out: FanOut<'_>,
    report: &Report,
    left_unit: Option<UnitId>,
    event: &ReportEvent,
) -> Result<(), StorageError> {
    plan(conn, fan_out, &[(report, event)], left_unit)?.write(conn, fan_out, &[(report, event)])
}

/// What a fan-out read: who hears of each event, and what the outbox needs to address them.
pub struct Plan {
    /// Per event, in order: its recipients.
    heard: Vec<Vec<Recipient>>,
    /// Per event, in order: the outbox's addressees.
    addressees: Vec<outbox::Addressees>,
}

/// Reads who hears of `steps` — events of one change of one report, each with the report as
/// it stood after it (a new report is `submitted`, then `assigned`): followers, handlers,
/// supervisors and webhooks are read once for all. The events are in the timeline already.
pub fn plan(
    conn: &mut DbConn,
    fan_out: FanOut<'_>,
    steps: &[(&Report, &ReportEvent)],
    left_unit: Option<UnitId>,
) -> Result<Plan, StorageError> {
    let mut plan = Plan {
        heard: Vec::with_capacity(steps.len()),
        addressees: Vec::with_capacity(steps.len()),
    };
    let Some((last, _)) = steps.last() else {
        return Ok(plan);
    };
    let followers = people::followers(conn, last.id)?;
    let mut units: Vec<UnitId> = last.unit_id.into_iter().collect();
    units.extend(left_unit.filter(|u| Some(*u) != last.unit_id));
    let handlers = people::members(conn, &units)?;
    let supervisors = if steps.iter().any(|(_, e)| e.kind.concerns_supervisors()) {
        people::supervisors_over(conn, &last.region_path)?
    } else {
        Vec::new()
    };
    let mut hooks = None;
    for (report, event) in steps {
        let supervisors = if event.kind.concerns_supervisors() {
            supervisors.as_slice()
        } else {
            &[]
        };
        let recipients = audience(
            event.kind,
            event.internal,
            &Concerned {
                reporter: Some(report.reporter_id),
                followers: &followers,
                handlers: &handlers,
                supervisors,
            },
        );
        let to = outbox::addressees(conn, fan_out, report, event, &recipients, &mut hooks)?;
        plan.addressees.push(to);
        plan.heard.push(recipients);
    }
    Ok(plan)
}

impl Plan {
    /// Takes the feed's ordering lock and writes the outbox and feed rows of `steps` (the
    /// same events as planned, with the report as it now stands). The lock is held to
    /// commit: only the KPI roll-ups' difference (which it serialises) may follow.
    pub fn write(
        self,
        conn: &mut DbConn,
        fan_out: FanOut<'_>,
        steps: &[(&Report, &ReportEvent)],
    ) -> Result<(), StorageError> {
        feed::order_commits(conn)?;
        let mut messages = Vec::new();
        for ((report, event), to) in steps.iter().zip(&self.addressees) {
            messages.extend(outbox::messages(fan_out, report, event, to));
        }
        if let Some((_, first)) = steps.first() {
            deliveries::insert(conn, &messages, first.at)?;
        }
        for ((report, event), recipients) in steps.iter().zip(&self.heard) {
            let rows: Vec<(UserId, Reason)> =
                recipients.iter().map(|r| (r.user_id, r.reason)).collect();
            feed::insert(conn, event, report.status, &rows)?;
        }
        Ok(())
    }
}
