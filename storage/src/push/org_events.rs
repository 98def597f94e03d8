//! Organisation events (`org_events`): what happened to the organisation rather than one report
//! (a grid's late patrol). Written by the worker that noticed, in the transaction of its own
//! change, then fanned out through the feed ([`super::feed::insert_org`]) and the outbox.

use chrono::{DateTime, Utc};
use cunxiang_core::OrgEventKind;
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::{Result, StorageError};
use crate::regions::parse_id;
use crate::schema::org_events;
use crate::time;

/// One organisation event.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgEvent {
    /// Id (UUIDv7; webhooks' `id`).
    pub id: Uuid,
    /// What happened.
    pub kind: OrgEventKind,
    /// The materialised path of the region it happened in (webhooks' region filter).
    pub region_path: String,
    /// The grid concerned, if one is.
    pub grid_id: Option<Uuid>,
    /// The kind's own facts (for `patrol_overdue`: grid and checklist names, light, period).
    pub details: Value,
    /// When.
    pub at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = org_events)]
pub(crate) struct OrgEventRow {
    id: String,
    kind: OrgEventKind,
    region_path: String,
    grid_id: Option<String>,
    details: String,
    at: chrono::NaiveDateTime,
}

impl OrgEventRow {
    pub(crate) fn into_event(self) -> Result<OrgEvent> {
        Ok(OrgEvent {
            id: parse_id("org_events", &self.id)?,
            kind: self.kind,
            region_path: self.region_path,
            grid_id: self
                .grid_id
                .as_deref()
                .map(|g| parse_id("org_events", g))
                .transpose()?,
            details: serde_json::from_str(&self.details).map_err(|e| StorageError::Corrupt {
                table: "org_events",
                reason: e.to_string(),
            })?,
            at: time::from_db(self.at),
        })
    }
}

/// Records `event`.
pub fn insert(conn: &mut DbConn, event: &OrgEvent) -> Result<()> {
    let row = OrgEventRow {
        id: event.id.to_string(),
        kind: event.kind,
        region_path: event.region_path.clone(),
        grid_id: event.grid_id.map(|g| g.to_string()),
        details: event.details.to_string(),
        at: time::to_db(event.at),
    };
    diesel::insert_into(org_events::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}
