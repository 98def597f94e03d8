//! The deadline worker: one task per server that wakes every few seconds and acts on every
//! report whose time has come — the yellow urge at 80 % of a limit, the red escalation one level
//! up the ladder at 100 %, auto-confirm when the reporter stays silent — escalates
//! supervision orders left unanswered, reminds mediators of an agreement's follow-up (回访)
//! when it comes due, and raises grids whose patrol is late ([`patrols`]). Each report is handled in its own transaction; on
//! PostgreSQL it is claimed with `FOR UPDATE SKIP LOCKED`, so several instances share the work
//! without doing anything twice.

use cunxiang_core::ReportId;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use cunxiang_core::EventKind;
use cunxiang_core::lifecycle::Action;
use cunxiang_core::lifecycle::schedule::{Alerted, Deadline, Due};
use cunxiang_storage::DbConn;
use cunxiang_storage::reports::events::ReportEvent;
use serde_json::json;
use uuid::Uuid;

use anyhow::Context as _;
use cunxiang_core::lifecycle::{Conflict, Refusal};

use super::act::{Act, ActError, Who, perform};

mod patrols;
use crate::blocking::with_conn;
use crate::route_index::RoutingCache;
use crate::settings::{FanOut, Settings};
use crate::shutdown::Stop;

/// Most reports one pass handles (the rest wait for the next pass).
pub const MAX_PER_PASS: usize = 2000;
/// Minutes until a report whose deadline step failed is tried again.
pub const RETRY_MINUTES: i64 = 5;

/// What the deadline worker works with, handed to it by the server (`AppState::deadlines`):
/// the database, the clock, the settings (lifecycle limits, the fan-out's templates) and this
/// instance's routing snapshot (escalation climbs the ladder).
#[derive(Clone)]
pub struct Context {
    /// Database connections.
    pub pool: cunxiang_storage::Pool,
    /// Where "now" comes from (tests shift it).
    pub clock: std::sync::Arc<dyn cunxiang_core::clock::Clock>,
    /// The server's settings.
    pub settings: std::sync::Arc<Settings>,
    /// The organisation escalation climbs.
    pub routing: RoutingCache,
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TickSummary {
    /// Yellow urges sent.
    pub urged: usize,
    /// Reports escalated one level up.
    pub escalated: usize,
    /// Overdue reports at the top of the ladder (nobody above to escalate to).
    pub overdue: usize,
    /// Resolutions auto-confirmed.
    pub auto_confirmed: usize,
    /// Supervision orders escalated for want of a reply.
    pub orders_escalated: usize,
    /// Mediators reminded of an agreement's follow-up (回访) that came due.
    pub follow_ups_due: usize,
    /// Grids whose patrol turned yellow (80 % of its period gone without one).
    pub patrols_yellow: usize,
    /// Grids whose patrol turned red (a whole period gone without one).
    pub patrols_red: usize,
}

impl TickSummary {
    fn total(&self) -> usize {
        self.urged
            + self.escalated
            + self.overdue
            + self.auto_confirmed
            + self.orders_escalated
            + self.follow_ups_due
            + self.patrols_yellow
            + self.patrols_red
    }
}

/// The worker's loop: a pass every `deadline_interval_secs` until `stop` (a pass under way
/// finishes first; each report is its own transaction, so stopping loses nothing).
pub async fn run(ctx: Context, mut stop: Stop) {
    let every = StdDuration::from_secs(ctx.settings.deadline_interval_secs.max(1));
    let mut ticks = actix_web::rt::time::interval(every);
    loop {
        tokio::select! {
            _ = stop.stopped() => break,
            _ = ticks.tick() => {}
        }
        let pass = run_once(&ctx).await;
        crate::metrics::deadline_pass_done();
        match pass {
            Ok(done) if done.total() > 0 => tracing::info!(?done, "deadline pass"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = format!("{e:#}"), "deadline pass failed"),
        }
    }
}

/// One pass over everything due at the clock's now.
pub async fn run_once(ctx: &Context) -> anyhow::Result<TickSummary> {
    let now = ctx.clock.now();
    let settings = ctx.settings.clone();
    let routing = ctx.routing.clone();
    with_conn(&ctx.pool, move |conn| {
        let mut done = TickSummary::default();
        let retry_at = now + chrono::Duration::minutes(RETRY_MINUTES);
        for _ in 0..MAX_PER_PASS {
            let mut claimed = None;
            match one_report(conn, now, (&settings, &routing), &mut done, &mut claimed) {
                Ok(true) => {}
                Ok(false) => break,
                // One report that cannot be handled must not stall the others: it is
                // tried again later.
                Err(e) => match claimed {
                    Some(id) => {
                        tracing::error!(report = %id, error = format!("{e:#}"),
                                        "deadline step failed; retried later");
                        cunxiang_storage::reports::change::postpone(conn, id, retry_at)?;
                    }
                    None => return Err(e),
                },
            }
        }
        // Each part stops at its first failure (logged; tried again next pass) without
        // holding up the parts after it.
        for _ in 0..MAX_PER_PASS {
            match one_order(conn, now, settings.fan_out(), &mut done) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    tracing::error!(
                        error = format!("{e:#}"),
                        "supervision overrun failed; retried next pass"
                    );
                    break;
                }
            }
        }
        for _ in 0..MAX_PER_PASS {
            match one_follow_up(conn, now, settings.fan_out(), &mut done) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    tracing::error!(
                        error = format!("{e:#}"),
                        "follow-up reminder failed; retried next pass"
                    );
                    break;
                }
            }
        }
        if let Err(e) = patrols::raise_late(conn, now, &routing, &mut done) {
            tracing::error!(
                error = format!("{e:#}"),
                "patrol pass failed; retried next pass"
            );
        }
        Ok(done)
    })
    .await
}

/// Claims and handles one due report; `false` when none is due.
fn one_report(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    (settings, routing): (&Settings, &RoutingCache),
    done: &mut TickSummary,
    claimed: &mut Option<ReportId>,
) -> anyhow::Result<bool> {
    cunxiang_storage::conn::transaction(conn, |conn| {
        let Some(id) = cunxiang_storage::reports::change::claim_due(conn, now)? else {
            return Ok(false);
        };
        *claimed = Some(id);
        let report =
            cunxiang_storage::reports::find(conn, id)?.context("a claimed report vanished")?;
        let input = cunxiang_core::lifecycle::Input::default();
        let act = |action, deadline| Act {
            who: Who::System { deadline },
            action,
            input: &input,
            now,
            policy: settings.lifecycle_policy(),
            fan_out: settings.fan_out(),
            routing,
        };
        match report.deadlines.due(report.status, now) {
            Due::Yellow(d) => {
                perform(conn, report, &act(Action::Urge, Some(d)))?;
                done.urged += 1;
            }
            Due::Red(d) => match perform(conn, report.clone(), &act(Action::Escalate, Some(d))) {
                Ok(_) => done.escalated += 1,
                Err(ActError::Refused(Refusal::Conflict(Conflict::NoLevelAbove))) => {
                    note_overdue(conn, settings.fan_out(), report, d, now)?;
                    done.overdue += 1;
                }
                Err(e) => return Err(e.into()),
            },
            Due::AutoConfirm => {
                perform(conn, report, &act(Action::AutoConfirm, None))?;
                done.auto_confirmed += 1;
            }
            // The stored next_due_at is stale: writing the row back recomputes it.
            Due::Nothing => {
                rewrite(conn, report, now)?;
            }
        }
        Ok(true)
    })
}

/// Red at the top of the ladder: nobody to escalate to. Recorded once, for the supervisors.
fn note_overdue(
    conn: &mut DbConn,
    fan_out: FanOut<'_>,
    mut report: cunxiang_storage::reports::Report,
    deadline: Deadline,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    report.deadlines.alerted = Alerted::Red;
    let event = ReportEvent {
        id: Uuid::now_v7(),
        report_id: report.id,
        kind: EventKind::Overdue,
        actor_id: None,
        unit_id: report.unit_id,
        note: None,
        details: json!({ "deadline": deadline, "level": report.level }),
        internal: false,
        at: now,
    };
    let report = rewrite(conn, report, now)?;
    crate::push::publish::record(conn, fan_out, &report, None, &event)?;
    Ok(())
}

fn rewrite(
    conn: &mut DbConn,
    mut report: cunxiang_storage::reports::Report,
    now: DateTime<Utc>,
) -> anyhow::Result<cunxiang_storage::reports::Report> {
    let expected = report.version;
    report.version += 1;
    report.updated_at = now;
    if !cunxiang_storage::reports::change::update(conn, &report, expected)? {
        anyhow::bail!("a claimed report changed under its lock");
    }
    Ok(report)
}

/// Claims and escalates one overdue supervision order; `false` when none is overdue.
fn one_order(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    fan_out: FanOut<'_>,
    done: &mut TickSummary,
) -> anyhow::Result<bool> {
    cunxiang_storage::conn::transaction(conn, |conn| {
        let Some(order) = cunxiang_storage::supervision::claim_overdue(conn, now)? else {
            return Ok(false);
        };
        cunxiang_storage::supervision::mark_escalated(conn, order.id, now)?;
        let event = ReportEvent {
            id: Uuid::now_v7(),
            report_id: order.report_id,
            kind: EventKind::SupervisionOverdue,
            actor_id: None,
            unit_id: order.unit_id,
            note: None,
            details: json!({ "order_id": order.id, "reply_by": order.reply_by,
                             "issued_by": order.issued_by }),
            internal: true,
            at: now,
        };
        let report = cunxiang_storage::reports::find(conn, order.report_id)?
            .context("a supervision order names a missing report")?;
        crate::push::publish::record(conn, fan_out, &report, None, &event)?;
        done.orders_escalated += 1;
        Ok(true)
    })
}

/// Claims one mediation agreement whose follow-up came due and reminds the case's mediators
/// (a staff-only `follow_up_due` event); `false` when none is due.
fn one_follow_up(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    fan_out: FanOut<'_>,
    done: &mut TickSummary,
) -> anyhow::Result<bool> {
    cunxiang_storage::conn::transaction(conn, |conn| {
        let Some((id, due)) = cunxiang_storage::mediation::conclusions::claim_due(conn, now)?
        else {
            return Ok(false);
        };
        let report = cunxiang_storage::reports::find(conn, id)?
            .context("a mediation conclusion names a missing report")?;
        let event = ReportEvent {
            id: Uuid::now_v7(),
            report_id: report.id,
            kind: EventKind::FollowUpDue,
            actor_id: None,
            unit_id: report.unit_id,
            note: None,
            details: json!({ "due_at": due }),
            internal: true,
            at: now,
        };
        crate::push::publish::record(conn, fan_out, &report, None, &event)?;
        done.follow_ups_due += 1;
        Ok(true)
    })
}
