//! Writing a lifecycle transition: the report row under its version, the event, the side
//! effects in order, then the fan-out and the KPI roll-up. Nothing here decides; a write that
//! finds the world changed since the facts were loaded (a concurrent writer) refuses, and the
//! caller's transaction rolls everything back.

use cunxiang_core::lifecycle::{Conflict, Doer, Effect, Refusal, Transition};
use cunxiang_storage::DbConn;
use cunxiang_storage::mediation::{conclusions, sessions};
use cunxiang_storage::reports::Report;
use cunxiang_storage::reports::events::ReportEvent;
use cunxiang_storage::supervision::{self, Order, OrderStatus};
use uuid::Uuid;

use super::step::{Act, ActError};

/// Persists `t`, the step from `before` (whose row the caller holds locked); returns the
/// report as stored.
pub fn transition(
    conn: &mut DbConn,
    before: &Report,
    t: Transition,
    doer: Doer,
    act: &Act<'_>,
) -> Result<Report, ActError> {
    let next = t.report;
    if !cunxiang_storage::reports::change::update(conn, &next, before.version)? {
        return Err(ActError::VersionConflict {
            current: before.version,
        });
    }
    let event = ReportEvent {
        id: Uuid::now_v7(),
        report_id: before.id,
        kind: t.event.kind,
        actor_id: doer.id(),
        unit_id: t.event.unit_id,
        note: t.event.note,
        details: t.event.details,
        internal: t.event.internal,
        at: act.now,
    };
    cunxiang_storage::reports::events::insert(conn, &event)?;
    for effect in t.effects {
        match effect {
            Effect::OpenOrder(order) => supervision::insert(
                conn,
                &Order {
                    id: order.id,
                    report_id: before.id,
                    issued_by: order.issued_by,
                    unit_id: order.unit_id,
                    region_path: before.region_path.clone(),
                    note: order.note,
                    reply_by: order.reply_by,
                    status: OrderStatus::Open,
                    escalated_at: None,
                    reply_note: None,
                    replied_by: None,
                    answered_at: None,
                    created_at: act.now,
                },
            )?,
            Effect::AnswerOrder { id, by, note } => {
                if !supervision::answer(conn, id, by, &note, act.now)? {
                    return Err(Refusal::Conflict(Conflict::OrderClosed).into());
                }
            }
            Effect::AttachEvidence(ids) => {
                let attached =
                    cunxiang_storage::media::attach_evidence(conn, &ids, before.id, event.id)?;
                if attached != ids.len() {
                    return Err(ActError::MediaTaken);
                }
            }
            Effect::CloseOrders => {
                supervision::close_for_report(conn, before.id)?;
            }
            Effect::ScheduleSession { id, plan, by } => {
                sessions::insert(conn, before.id, id, &plan, by, act.now)?;
            }
            Effect::RecordSession {
                id,
                record,
                summary,
                by,
            } => {
                if !sessions::record(conn, id, &record, &summary, by, act.now)? {
                    return Err(Refusal::Conflict(Conflict::SessionRecorded).into());
                }
            }
            Effect::Conclude {
                conclusion,
                text,
                unit_id,
                level,
                follow_up_due,
                by,
            } => conclusions::put(
                conn,
                &conclusions::NewConclusion {
                    report_id: before.id,
                    conclusion: &conclusion,
                    terms: text.as_deref(),
                    unit: (unit_id, level),
                    by,
                    at: act.now,
                    follow_up_due,
                },
            )?,
            Effect::FollowUp { kept, by } => {
                if !conclusions::record_follow_up(conn, before.id, kept, by, act.now)? {
                    return Err(Refusal::Conflict(Conflict::NoFollowUpDue).into());
                }
            }
        }
    }
    // Last: the fan-out takes the feed's ordering lock, which must follow every row lock.
    let left_unit = before.unit_id.filter(|u| next.unit_id != Some(*u));
    crate::push::publish::announce(conn, act.fan_out, &next, left_unit, &event)?;
    cunxiang_storage::stats::rollup::apply_change(conn, Some(before), &next)?;
    Ok(next)
}
