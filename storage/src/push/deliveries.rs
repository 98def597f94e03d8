//! The outbox (`deliveries`): one row per message owed to a webhook, a WeChat user or a phone,
//! written in the transaction of the change it reports. The delivery worker claims due rows
//! ([`super::claims`]: a claim pushes `next_attempt_at` out by a lease, so a worker that dies
//! mid-send leaves the row to be tried again), sends them and records the outcome here.

use chrono::{DateTime, Utc};
use cunxiang_core::ReportId;
use cunxiang_core::push::{DeliveryChannel, DeliveryStatus};
use diesel::prelude::*;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::Result;
use crate::regions::parse_id;
use crate::schema::deliveries;
use crate::time;

/// One message in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Id (also sent to webhooks as `X-Cunxiang-Delivery-Id`).
    pub id: Uuid,
    /// The event it reports: a report event, or an organisation event when `report_id` is
    /// `None`.
    pub event_id: Uuid,
    /// The event's report (`None` for an organisation event).
    pub report_id: Option<ReportId>,
    /// Where it goes.
    pub channel: DeliveryChannel,
    /// The webhook id (webhook) or the user id (wechat, sms).
    pub target: Uuid,
    /// The exact body to send.
    pub payload: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Tries so far.
    pub attempts: i32,
    /// When it is next due (while pending).
    pub next_attempt_at: DateTime<Utc>,
    /// Why the last try failed.
    pub last_error: Option<String>,
    /// Written.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Delivered.
    pub sent_at: Option<DateTime<Utc>>,
}

/// A message to add to the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDelivery {
    /// The event it reports: a report event, or an organisation event when `report_id` is
    /// `None`.
    pub event_id: Uuid,
    /// The event's report (`None` for an organisation event).
    pub report_id: Option<ReportId>,
    /// Where it goes.
    pub channel: DeliveryChannel,
    /// The webhook id or user id.
    pub target: Uuid,
    /// The exact body to send.
    pub payload: String,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = deliveries)]
pub(crate) struct DeliveryRow {
    id: String,
    event_id: Option<String>,
    report_id: Option<String>,
    org_event_id: Option<String>,
    channel: DeliveryChannel,
    target: String,
    payload: String,
    status: DeliveryStatus,
    attempts: i32,
    next_attempt_at: chrono::NaiveDateTime,
    last_error: Option<String>,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
    sent_at: Option<chrono::NaiveDateTime>,
}

impl DeliveryRow {
    pub(crate) fn into_delivery(self) -> Result<Delivery> {
        let id = |v: &str| parse_id("deliveries", v);
        Ok(Delivery {
            id: id(&self.id)?,
            event_id: match (&self.event_id, &self.org_event_id) {
                (Some(e), None) | (None, Some(e)) => id(e)?,
                _ => {
                    return Err(crate::error::StorageError::Corrupt {
                        table: "deliveries",
                        reason: format!("{} names no single event", self.id),
                    });
                }
            },
            report_id: self.report_id.as_deref().map(id).transpose()?.map(ReportId),
            channel: self.channel,
            target: id(&self.target)?,
            payload: self.payload,
            status: self.status,
            attempts: self.attempts,
            next_attempt_at: time::from_db(self.next_attempt_at),
            last_error: self.last_error,
            created_at: time::from_db(self.created_at),
            updated_at: time::from_db(self.updated_at),
            sent_at: self.sent_at.map(time::from_db),
        })
    }
}

/// Adds messages to the outbox, due now.
pub fn insert(conn: &mut DbConn, new: &[NewDelivery], now: DateTime<Utc>) -> Result<()> {
    let now = time::to_db(now);
    for d in new {
        diesel::insert_into(deliveries::table)
            .values((
                deliveries::id.eq(Uuid::now_v7().to_string()),
                deliveries::event_id.eq(d.report_id.map(|_| d.event_id.to_string())),
                deliveries::report_id.eq(d.report_id.map(|r| r.to_string())),
                deliveries::org_event_id.eq(d.report_id.is_none().then(|| d.event_id.to_string())),
                deliveries::channel.eq(d.channel),
                deliveries::target.eq(d.target.to_string()),
                deliveries::payload.eq(&d.payload),
                deliveries::status.eq(DeliveryStatus::Pending),
                deliveries::attempts.eq(0),
                deliveries::next_attempt_at.eq(now),
                deliveries::created_at.eq(now),
                deliveries::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// What became of one try.
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    /// Delivered.
    Sent,
    /// Failed; try again at this time.
    RetryAt(DateTime<Utc>, String),
    /// Failed for the last time (or for good).
    Dead(String),
    /// The recipient refused; not retried.
    Refused(String),
}

/// Records the outcome of a try of a delivery claimed with `attempts` tries behind it
/// (counted as one more). A delivery that changed since the claim — an admin acted, or the
/// lease ran out and another worker recorded its own try — is left as it is; `false` then.
pub fn record(
    conn: &mut DbConn,
    id: Uuid,
    attempts: i32,
    outcome: &Recorded,
    now: DateTime<Utc>,
) -> Result<bool> {
    let row = deliveries::table
        .filter(deliveries::id.eq(id.to_string()))
        .filter(deliveries::status.eq(DeliveryStatus::Pending))
        .filter(deliveries::attempts.eq(attempts));
    let now = time::to_db(now);
    let bump = deliveries::attempts.eq(deliveries::attempts + 1);
    let changed = match outcome {
        Recorded::Sent => diesel::update(row)
            .set((
                bump,
                deliveries::status.eq(DeliveryStatus::Sent),
                deliveries::sent_at.eq(Some(now)),
                deliveries::last_error.eq(None::<String>),
                deliveries::updated_at.eq(now),
            ))
            .execute(conn)?,
        Recorded::RetryAt(at, error) => diesel::update(row)
            .set((
                bump,
                deliveries::next_attempt_at.eq(time::to_db(*at)),
                deliveries::last_error.eq(Some(error)),
                deliveries::updated_at.eq(now),
            ))
            .execute(conn)?,
        Recorded::Dead(error) | Recorded::Refused(error) => {
            let status = if matches!(outcome, Recorded::Dead(_)) {
                DeliveryStatus::Dead
            } else {
                DeliveryStatus::Refused
            };
            diesel::update(row)
                .set((
                    bump,
                    deliveries::status.eq(status),
                    deliveries::last_error.eq(Some(error)),
                    deliveries::updated_at.eq(now),
                ))
                .execute(conn)?
        }
    };
    Ok(changed == 1)
}

/// One delivery.
pub fn find(conn: &mut DbConn, id: Uuid) -> Result<Option<Delivery>> {
    deliveries::table
        .find(id.to_string())
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()?
        .map(DeliveryRow::into_delivery)
        .transpose()
}

/// Puts a dead or refused delivery back in the queue, due now, with its tries counted from
/// zero. `false` when it is not dead or refused.
pub fn retry(conn: &mut DbConn, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    let now = time::to_db(now);
    let changed = diesel::update(
        deliveries::table
            .filter(deliveries::id.eq(id.to_string()))
            .filter(deliveries::status.eq_any([DeliveryStatus::Dead, DeliveryStatus::Refused])),
    )
    .set((
        deliveries::status.eq(DeliveryStatus::Pending),
        deliveries::attempts.eq(0),
        deliveries::next_attempt_at.eq(now),
        deliveries::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Filter of [`list`].
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    /// Only in this status.
    pub status: Option<DeliveryStatus>,
    /// Only on this channel.
    pub channel: Option<DeliveryChannel>,
    /// Only of this event.
    pub event_id: Option<Uuid>,
    /// Only ids below this one (the cursor: newest first).
    pub before: Option<Uuid>,
}

/// Deliveries, newest first, at most `limit`.
pub fn list(conn: &mut DbConn, filter: &DeliveryFilter, limit: i64) -> Result<Vec<Delivery>> {
    let mut query = deliveries::table
        .select(DeliveryRow::as_select())
        .order(deliveries::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(deliveries::status.eq(status));
    }
    if let Some(channel) = filter.channel {
        query = query.filter(deliveries::channel.eq(channel));
    }
    if let Some(event) = filter.event_id {
        let event = event.to_string();
        query = query.filter(
            deliveries::event_id
                .eq(event.clone())
                .or(deliveries::org_event_id.eq(event)),
        );
    }
    if let Some(before) = filter.before {
        query = query.filter(deliveries::id.lt(before.to_string()));
    }
    query
        .load(conn)?
        .into_iter()
        .map(DeliveryRow::into_delivery)
        .collect()
}

/// How many deliveries are waiting (`pending`) and how many could not be delivered (`dead`),
/// by channel: the outbox's gauges for `/metrics`. Channels without such rows are left out.
pub fn backlog(conn: &mut DbConn) -> Result<Vec<(DeliveryChannel, DeliveryStatus, i64)>> {
    Ok(deliveries::table
        .filter(deliveries::status.eq_any([DeliveryStatus::Pending, DeliveryStatus::Dead]))
        .group_by((deliveries::channel, deliveries::status))
        .select((
            deliveries::channel,
            deliveries::status,
            diesel::dsl::count_star(),
        ))
        .load::<(DeliveryChannel, DeliveryStatus, i64)>(conn)?)
}
