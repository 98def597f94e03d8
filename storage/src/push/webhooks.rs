//! Webhooks partners' frontends register (`webhooks`): where to send events, which kinds, for
//! which region, and the secret the calls are signed with.

use chrono::{DateTime, Utc};
use cunxiang_core::UserId;
use cunxiang_core::push::{DeliveryChannel, DeliveryStatus};
use diesel::prelude::*;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::{Result, StorageError};
use crate::regions::{parse_id, parse_opt_id};
use crate::schema::{deliveries, regions, webhooks};
use crate::time;

/// A registered webhook.
#[derive(Clone, PartialEq)]
pub struct Webhook {
    /// Id.
    pub id: Uuid,
    /// A name for people.
    pub name: String,
    /// Where events are POSTed.
    pub url: String,
    /// Event kinds sent; empty: every event a reporter may see.
    pub event_types: Vec<String>,
    /// Only reports in this region's subtree; `None`: everywhere.
    pub region_id: Option<Uuid>,
    /// That region's materialised path.
    pub region_path: Option<String>,
    /// The signing secret.
    pub secret: String,
    /// Whether events are sent.
    pub active: bool,
    /// The admin who registered it.
    pub created_by: Option<UserId>,
    /// Registered.
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("event_types", &self.event_types)
            .field("region_id", &self.region_id)
            .field("secret", &"***")
            .finish_non_exhaustive()
    }
}

impl Webhook {
    /// Whether an organisation event of `kind` in `region_path` goes to this webhook: only
    /// when it names the kind (a webhook asking for every kind means every report event, the
    /// one payload shape it was written for).
    pub fn wants_org(&self, kind: &str, region_path: &str) -> bool {
        self.active
            && self.event_types.iter().any(|k| k == kind)
            && self
                .region_path
                .as_deref()
                .is_none_or(|p| region_path.starts_with(p))
    }

    /// Whether an event of `kind` on a report at `region_path` goes to this webhook.
    pub fn wants(&self, kind: &str, region_path: &str) -> bool {
        self.active
            && (self.event_types.is_empty() || self.event_types.iter().any(|k| k == kind))
            && self
                .region_path
                .as_deref()
                .is_none_or(|p| region_path.starts_with(p))
    }
}

type Row = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    bool,
    Option<String>,
    chrono::NaiveDateTime,
);

fn from_row(row: Row) -> Result<Webhook> {
    let (id, name, url, types, region_id, region_path, secret, active, by, at) = row;
    Ok(Webhook {
        id: parse_id("webhooks", &id)?,
        name,
        url,
        event_types: serde_json::from_str(&types).map_err(|e| StorageError::Corrupt {
            table: "webhooks",
            reason: e.to_string(),
        })?,
        region_id: parse_opt_id("webhooks", region_id.as_deref())?,
        region_path,
        secret,
        active,
        created_by: parse_opt_id("webhooks", by.as_deref())?,
        created_at: time::from_db(at),
    })
}

fn load(conn: &mut DbConn, id: Option<Uuid>, active_only: bool) -> Result<Vec<Webhook>> {
    let mut query = webhooks::table
        .left_join(regions::table)
        .select((
            webhooks::id,
            webhooks::name,
            webhooks::url,
            webhooks::event_types,
            webhooks::region_id,
            regions::path.nullable(),
            webhooks::secret,
            webhooks::active,
            webhooks::created_by,
            webhooks::created_at,
        ))
        .order(webhooks::id)
        .into_boxed();
    if let Some(id) = id {
        query = query.filter(webhooks::id.eq(id.to_string()));
    }
    if active_only {
        query = query.filter(webhooks::active.eq(true));
    }
    let rows: Vec<Row> = query.load(conn)?;
    rows.into_iter().map(from_row).collect()
}

/// Every webhook, oldest first.
pub fn list(conn: &mut DbConn) -> Result<Vec<Webhook>> {
    load(conn, None, false)
}

/// The webhooks events are sent to.
pub fn active(conn: &mut DbConn) -> Result<Vec<Webhook>> {
    load(conn, None, true)
}

/// One webhook.
pub fn find(conn: &mut DbConn, id: Uuid) -> Result<Option<Webhook>> {
    Ok(load(conn, Some(id), false)?.pop())
}

/// A webhook to register.
#[derive(Debug, Clone)]
pub struct NewWebhook<'a> {
    /// A name for people.
    pub name: &'a str,
    /// Where events are POSTed.
    pub url: &'a str,
    /// Event kinds; empty: all.
    pub event_types: &'a [String],
    /// Region filter.
    pub region_id: Option<Uuid>,
    /// The signing secret.
    pub secret: &'a str,
    /// Who registers it.
    pub created_by: UserId,
}

/// Registers a webhook; returns its id.
pub fn insert(conn: &mut DbConn, new: &NewWebhook<'_>, now: DateTime<Utc>) -> Result<Uuid> {
    let id = Uuid::now_v7();
    let now = time::to_db(now);
    diesel::insert_into(webhooks::table)
        .values((
            webhooks::id.eq(id.to_string()),
            webhooks::name.eq(new.name),
            webhooks::url.eq(new.url),
            webhooks::event_types.eq(serde_json::json!(new.event_types).to_string()),
            webhooks::region_id.eq(new.region_id.map(|r| r.to_string())),
            webhooks::secret.eq(new.secret),
            webhooks::active.eq(true),
            webhooks::created_by.eq(Some(new.created_by.to_string())),
            webhooks::created_at.eq(now),
            webhooks::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Removes a webhook; its undelivered messages are marked dead with it. `false` when there
/// was none.
pub fn delete(conn: &mut DbConn, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    if diesel::delete(webhooks::table.find(id.to_string())).execute(conn)? != 1 {
        return Ok(false);
    }
    diesel::update(
        deliveries::table
            .filter(deliveries::channel.eq(DeliveryChannel::Webhook))
            .filter(deliveries::target.eq(id.to_string()))
            .filter(deliveries::status.eq(DeliveryStatus::Pending)),
    )
    .set((
        deliveries::status.eq(DeliveryStatus::Dead),
        deliveries::last_error.eq(Some("the webhook was removed")),
        deliveries::updated_at.eq(time::to_db(now)),
    ))
    .execute(conn)?;
    Ok(true)
}
