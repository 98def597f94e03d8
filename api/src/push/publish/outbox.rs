//! The outbox rows an event owes outside the app: one per matching webhook, and one WeChat
//! message or SMS per villager who hears of it (not for her own actions, not for internal
//! events, only for kinds with a template). Who is addressed is read first ([`addressees`]);
//! the messages are made from the report as it finally stands ([`messages`]).

use cunxiang_core::push::{DeliveryChannel, Reason, Recipient};
use cunxiang_core::{Role, UserId, Workflow};
use cunxiang_storage::DbConn;
use cunxiang_storage::push::deliveries::NewDelivery;
use cunxiang_storage::push::people::{self, Contact};
use cunxiang_storage::push::webhooks;
use cunxiang_storage::reports::Report;
use cunxiang_storage::reports::events::ReportEvent;
use serde_json::json;
use uuid::Uuid;

use crate::push::message::{self, Vars};
use crate::settings::FanOut;
use cunxiang_storage::StorageError;

/// Who an event's outbox rows go to.
#[derive(Default)]
pub(super) struct Addressees {
    /// The webhooks that asked for it.
    hooks: Vec<Uuid>,
    /// Whether the report is a mediation case: its notes (what was said, the agreement's
    /// terms) are kept out of webhooks.
    mediated: bool,
    /// Villagers to message, with the category's name for the text.
    villagers: Vec<Contact>,
    category: String,
}

/// Reads who is owed a message about `event`; `hooks` keeps the active webhooks once read.
pub(super) fn addressees(
    conn: &mut DbConn,
    fan_out: FanOut<'_>,
    report: &Report,
    event: &ReportEvent,
    recipients: &[Recipient],
    hooks: &mut Option<Vec<webhooks::Webhook>>,
) -> Result<Addressees, StorageError> {
    let mut to = Addressees::default();
    if event.internal {
        return Ok(to);
    }
    let hooks = match hooks {
        Some(h) => h,
        None => hooks.insert(webhooks::active(conn)?),
    };
    to.hooks = hooks
        .iter()
        .filter(|h| h.wants(event.kind.as_str(), &report.region_path))
        .map(|h| h.id)
        .collect();
    let category = if to.hooks.is_empty() {
        None
    } else {
        cunxiang_storage::categories::find(conn, &report.category)?
    };
    to.mediated = category
        .as_ref()
        .is_some_and(|c| c.workflow == Workflow::Mediation);
    let (wechat, sms) = fan_out.templates(event.kind);
    if wechat.is_none() && sms.is_none() {
        return Ok(to);
    }
    let villagers: Vec<UserId> = recipients
        .iter()
        .filter(|r| matches!(r.reason, Reason::Reporter | Reason::Follower))
        .map(|r| r.user_id)
        .filter(|id| Some(*id) != event.actor_id)
        .collect();
    to.villagers = people::contacts(conn, &villagers)?
        .into_iter()
        .filter(reachable)
        .collect();
    if !to.villagers.is_empty() {
        let category = match category {
            Some(c) => Some(c),
            None => cunxiang_storage::categories::find(conn, &report.category)?,
        };
        to.category = category
            .map(|c| c.name)
            .unwrap_or_else(|| report.category.clone());
    }
    Ok(to)
}

/// The outbox rows for `event` about `report` as it now stands.
pub(super) fn messages(
    fan_out: FanOut<'_>,
    report: &Report,
    event: &ReportEvent,
    to: &Addressees,
) -> Vec<NewDelivery> {
    let mut out = Vec::new();
    if !to.hooks.is_empty() {
        let body = webhook_body(report, event, to.mediated);
        out.extend(to.hooks.iter().map(|h| NewDelivery {
            event_id: event.id,
            report_id: Some(report.id),
            channel: DeliveryChannel::Webhook,
            target: *h,
            payload: body.clone(),
        }));
    }
    if to.villagers.is_empty() {
        return out;
    }
    let (wechat, sms) = fan_out.templates(event.kind);
    let vars = Vars {
        report_id: report.id,
        case_number: report.case_number.clone(),
        kind: event.kind,
        status: report.status,
        category: to.category.clone(),
        at: event.at,
        note: event.note.clone().unwrap_or_default(),
    };
    for contact in &to.villagers {
        let message = match (&contact.wechat_openid, &contact.phone) {
            (Some(openid), _) => wechat.map(|t| {
                let body = message::wechat_payload(t, openid, fan_out.wechat_state, &vars);
                (DeliveryChannel::Wechat, body)
            }),
            (None, Some(phone)) => {
                sms.map(|t| (DeliveryChannel::Sms, message::sms_payload(t, phone, &vars)))
            }
            (None, None) => None,
        };
        if let Some((channel, body)) = message {
            out.push(NewDelivery {
                event_id: event.id,
                report_id: Some(report.id),
                channel,
                target: contact.id.into(),
                payload: body.to_string(),
            });
        }
    }
    out
}

/// Villagers with active accounts are messaged; staff follow their work in the app.
fn reachable(contact: &Contact) -> bool {
    contact.active && contact.role == Role::Villager
}

/// The JSON a webhook receives: the event and the report's state after it, nothing personal
/// (no reporter, no phone, no location; for a mediation case no note either, since notes
/// there carry what the parties said and agreed). Receivers dedupe by `id`.
fn webhook_body(report: &Report, event: &ReportEvent, mediated: bool) -> String {
    let note = if mediated { None } else { event.note.as_ref() };
    json!({
        "id": event.id,
        "type": event.kind,
        "at": event.at,
        "note": note,
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
