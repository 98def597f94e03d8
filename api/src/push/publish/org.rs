//! Writing an organisation event and everything it owes, in the caller's transaction: the
//! `org_events` row, a feed row for each person who hears of it and one outbox row per
//! webhook that named its kind. No WeChat or SMS: only staff hear of the organisation's
//! events, and staff follow their work in the app.

use cunxiang_core::push::Recipient;
use cunxiang_core::push::{DeliveryChannel, Reason};
use cunxiang_core::{ReportId, UserId};
use cunxiang_storage::DbConn;
use cunxiang_storage::StorageError;
use cunxiang_storage::push::deliveries::{self, NewDelivery};
use cunxiang_storage::push::org_events::{self, OrgEvent};
use cunxiang_storage::push::{feed, webhooks};
use serde_json::json;

/// Records `event` and fans it out to `recipients` and to the webhooks that asked for its
/// kind in its region. Takes the feed's ordering lock: call it last in the transaction.
pub fn record_org(
    conn: &mut DbConn,
    event: &OrgEvent,
    recipients: &[Recipient],
) -> Result<(), StorageError> {
    org_events::insert(conn, event)?;
    let kind = event.kind.as_str();
    let hooks: Vec<_> = webhooks::active(conn)?
        .into_iter()
        .filter(|h| h.wants_org(kind, &event.region_path))
        .collect();
    let body = webhook_body(event);
    let messages: Vec<NewDelivery> = hooks
        .iter()
        .map(|h| NewDelivery {
            event_id: event.id,
            report_id: None::<ReportId>,
            channel: DeliveryChannel::Webhook,
            target: h.id,
            payload: body.clone(),
        })
        .collect();
    feed::order_commits(conn)?;
    deliveries::insert(conn, &messages, event.at)?;
    let rows: Vec<(UserId, Reason)> = recipients.iter().map(|r| (r.user_id, r.reason)).collect();
    feed::insert_org(conn, event, &rows)
}

/// The JSON a webhook receives for an organisation event (`WebhookOrgEvent`): no report, the
/// event's own facts instead. Receivers dedupe by `id`.
fn webhook_body(event: &OrgEvent) -> String {
    json!({
        "id": event.id,
        "type": event.kind,
        "at": event.at,
        "grid_id": event.grid_id,
        "details": event.details,
    })
    .to_string()
}
