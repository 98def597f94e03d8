//! Writing an event and everything it owes, in the caller's transaction: the timeline row, a
//! feed row for each person who hears of it (the live stream reads these), and the outbox
//! rows for partners' webhooks, WeChat subscribe messages and SMS. Because all of it commits
//! with the state change or not at all, a crash at any moment loses no delivery.

use cunxiang_core::Role;
use cunxiang_core::push::{Concerned, Reason, audience, concerns_supervisors};
use cunxiang_storage::DbConn;
use cunxiang_storage::push::deliveries::NewDelivery;
use cunxiang_storage::push::people::Contact;
use cunxiang_storage::push::{deliveries, feed, people, webhooks};
use cunxiang_storage::reports::ReportRecord;
use cunxiang_storage::reports::events::ReportEvent;
use serde_json::json;
use uuid::Uuid;

use super::message::{self, Vars};
use crate::error::ApiError;
use crate::settings::Settings;

/// Appends `event` to the timeline of `report` (as it is after the event) and fans it out
/// ([`announce`]). Call it last in the transaction of the change.
pub fn record(
    conn: &mut DbConn,
    settings: &Settings,
    report: &ReportRecord,
    left_unit: Option<Uuid>,
    event: &ReportEvent,
) -> Result<(), ApiError> {
    record_all(conn, settings, &[(report, event)], left_unit)
}

/// [`record`] for several events of one change of one report (a new report is `submitted`,
/// then `assigned`), each with the report as it stood after it: they share the fan-out's
/// reads.
pub fn record_all(
    conn: &mut DbConn,
    settings: &Settings,
    steps: &[(&ReportRecord, &ReportEvent)],
    left_unit: Option<Uuid>,
) -> Result<(), ApiError> {
    for (_, event) in steps {
        cunxiang_storage::reports::events::insert(conn, event)?;
    }
    announce_all(conn, settings, steps, left_unit)
}

/// Fans out `event`, already in the timeline: feed rows and outbox rows. `left_unit` is the
/// unit that held the report before, when the event moved it (its members hear that it
/// left). It takes the feed's ordering lock, held until commit, so it must be the last thing
/// the transaction does: a row lock taken after it could deadlock with a transaction that
/// holds that row and waits for the feed.
pub fn announce(
    conn: &mut DbConn,
    settings: &Settings,
    report: &ReportRecord,
    left_unit: Option<Uuid>,
    event: &ReportEvent,
) -> Result<(), ApiError> {
    announce_all(conn, settings, &[(report, event)], left_unit)
}

/// [`announce`] for several events of one change of one report: who follows it, who holds
/// it, its supervisors and the webhooks are read once.
fn announce_all(
    conn: &mut DbConn,
    settings: &Settings,
    steps: &[(&ReportRecord, &ReportEvent)],
    left_unit: Option<Uuid>,
) -> Result<(), ApiError> {
    let Some((last, _)) = steps.last() else {
        return Ok(());
    };
    let followers = people::followers(conn, last.id)?;
    let mut units: Vec<Uuid> = last.unit_id.into_iter().collect();
    units.extend(left_unit.filter(|u| Some(*u) != last.unit_id));
    let handlers = people::members(conn, &units)?;
    let supervisors = if steps.iter().any(|(_, e)| concerns_supervisors(&e.kind)) {
        people::supervisors_over(conn, &last.region_path)?
    } else {
        Vec::new()
    };
    let mut hooks = None;
    let mut deliveries = Vec::new();
    let mut fed = Vec::with_capacity(steps.len());
    for (report, event) in steps {
        let supervisors = if concerns_supervisors(&event.kind) {
            supervisors.as_slice()
        } else {
            &[]
        };
        let recipients = audience(
            &event.kind,
            event.internal,
            &Concerned {
                reporter: Some(report.reporter_id),
                followers: &followers,
                handlers: &handlers,
                supervisors,
            },
        );
        deliveries.extend(outbox(
            conn,
            settings,
            report,
            event,
            &recipients,
            &mut hooks,
        )?);
        fed.push(recipients);
    }
    if let Some((_, first)) = steps.first() {
        deliveries::insert(conn, &deliveries, first.at)?;
    }
    // The ordering lock is held to commit: only the feed rows and the KPI roll-ups' difference
    // (which it serialises) come after it.
    feed::order_commits(conn)?;
    for ((report, event), recipients) in steps.iter().zip(&fed) {
        let rows: Vec<(Uuid, &str)> = recipients
            .iter()
            .map(|r| (r.user_id, r.reason.as_str()))
            .collect();
        feed::insert(conn, event, report.status.as_str(), &rows)?;
    }
    Ok(())
}

/// The messages an event owes outside the app: one per matching webhook, and one WeChat
/// message or SMS per villager who hears of it (not for her own actions, not for internal
/// events, only for kinds with a template). `hooks` keeps the active webhooks once read.
fn outbox(
    conn: &mut DbConn,
    settings: &Settings,
    report: &ReportRecord,
    event: &ReportEvent,
    recipients: &[cunxiang_core::push::Recipient],
    hooks: &mut Option<Vec<webhooks::Webhook>>,
) -> Result<Vec<NewDelivery>, ApiError> {
    if event.internal {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let hooks = match hooks {
        Some(h) => h,
        None => hooks.insert(webhooks::active(conn)?),
    };
    let wanted: Vec<_> = hooks
        .iter()
        .filter(|h| h.wants(&event.kind, &report.region_path))
        .collect();
    if !wanted.is_empty() {
        let body = webhook_body(report, event);
        out.extend(wanted.into_iter().map(|h| NewDelivery {
            event_id: event.id,
            report_id: report.id,
            channel: "webhook",
            target: h.id,
            payload: body.clone(),
        }));
    }
    let wechat = settings.push.wechat_templates.get(&event.kind);
    let sms = settings
        .push
        .sms_templates
        .get(&event.kind)
        .filter(|_| settings.sms_url.is_some());
    if wechat.is_none() && sms.is_none() {
        return Ok(out);
    }
    let villagers: Vec<Uuid> = recipients
        .iter()
        .filter(|r| matches!(r.reason, Reason::Reporter | Reason::Follower))
        .map(|r| r.user_id)
        .filter(|id| Some(*id) != event.actor_id)
        .collect();
    let contacts = people::contacts(conn, &villagers)?;
    if contacts.is_empty() {
        return Ok(out);
    }
    let vars = Vars {
        report_id: report.id,
        case_number: report.case_number.clone(),
        kind: event.kind.clone(),
        status: report.status,
        category: category_name(conn, &report.category)?,
        at: event.at,
        note: event.note.clone().unwrap_or_default(),
    };
    for contact in contacts.iter().filter(|c| reachable(c)) {
        let message = match (&contact.wechat_openid, &contact.phone) {
            (Some(openid), _) => wechat.map(|t| {
                let body = message::wechat_payload(t, openid, &settings.push.wechat_state, &vars);
                ("wechat", body)
            }),
            (None, Some(phone)) => sms.map(|t| ("sms", message::sms_payload(t, phone, &vars))),
            (None, None) => None,
        };
        if let Some((channel, body)) = message {
            out.push(NewDelivery {
                event_id: event.id,
                report_id: report.id,
                channel,
                target: contact.id,
                payload: body.to_string(),
            });
        }
    }
    Ok(out)
}

/// Villagers with active accounts are messaged; staff follow their work in the app.
fn reachable(contact: &Contact) -> bool {
    contact.active && contact.role == Role::Villager.as_str()
}

fn category_name(conn: &mut DbConn, code: &str) -> Result<String, ApiError> {
    Ok(cunxiang_storage::categories::find(conn, code)?
        .map(|c| c.name)
        .unwrap_or_else(|| code.to_owned()))
}

/// The JSON a webhook receives: the event and the report's state after it, nothing personal
/// (no reporter, no phone, no location). Receivers dedupe by `id`.
fn webhook_body(report: &ReportRecord, event: &ReportEvent) -> String {
    json!({
        "id": event.id,
        "type": event.kind,
        "at": event.at,
        "note": event.note,
        "report": {
            "id": report.id,
            "case_number": report.case_number,
            "status": report.status,
            "category": report.category,
            "region_id": report.region_id,
            "unit_id": report.unit_id,
        },
    })
    .to_string()
}
