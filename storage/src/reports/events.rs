//! Timeline events (`report_events`): appended in the same transaction as the change they
//! record, read back in order.

use chrono::{DateTime, Utc};
use cunxiang_core::{EventKind, ReportId, UnitId, UserId};
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::{Result, StorageError};
use crate::regions::{parse_id, parse_opt_id};
use crate::schema::report_events;
use crate::time;

/// One event of a report's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportEvent {
    /// Stable id (UUIDv7: time-ordered).
    pub id: Uuid,
    /// The report.
    pub report_id: ReportId,
    /// What happened.
    pub kind: EventKind,
    /// Who did it; `None` for the system.
    pub actor_id: Option<UserId>,
    /// The unit concerned (the one assigned, transferred to …).
    pub unit_id: Option<UnitId>,
    /// Free text (routing reason, note …).
    pub note: Option<String>,
    /// Structured details.
    pub details: Value,
    /// Hidden from the reporter.
    pub internal: bool,
    /// When.
    pub at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = report_events)]
pub(crate) struct EventRow {
    id: String,
    report_id: String,
    kind: EventKind,
    actor_id: Option<String>,
    unit_id: Option<String>,
    note: Option<String>,
    details: String,
    internal: bool,
    at: chrono::NaiveDateTime,
}

impl EventRow {
    pub(crate) fn into_event(self) -> Result<ReportEvent> {
        Ok(ReportEvent {
            id: parse_id("report_events", &self.id)?,
            report_id: parse_id("report_events", &self.report_id)?,
            kind: self.kind,
            actor_id: parse_opt_id("report_events", self.actor_id.as_deref())?,
            unit_id: parse_opt_id("report_events", self.unit_id.as_deref())?,
            note: self.note,
            details: serde_json::from_str(&self.details).map_err(|e| StorageError::Corrupt {
                table: "report_events",
                reason: e.to_string(),
            })?,
            internal: self.internal,
            at: time::from_db(self.at),
        })
    }
}

/// Appends an event.
pub fn insert(conn: &mut DbConn, event: &ReportEvent) -> Result<()> {
    let row = EventRow {
        id: event.id.to_string(),
        report_id: event.report_id.to_string(),
        kind: event.kind,
        actor_id: event.actor_id.map(|a| a.to_string()),
        unit_id: event.unit_id.map(|u| u.to_string()),
        note: event.note.clone(),
        details: event.details.to_string(),
        internal: event.internal,
        at: time::to_db(event.at),
    };
    diesel::insert_into(report_events::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// A report's timeline, oldest first.
pub fn of_report(conn: &mut DbConn, report_id: ReportId) -> Result<Vec<ReportEvent>> {
    report_events::table
        .filter(report_events::report_id.eq(report_id.to_string()))
        .order(report_events::id)
        .select(EventRow::as_select())
        .load(conn)?
        .into_iter()
        .map(EventRow::into_event)
        .collect()
}

/// Counts every event (tests).
pub fn count(conn: &mut DbConn) -> Result<i64> {
    Ok(report_events::table.count().get_result(conn)?)
}

/// The id of the latest event of `kind` of each of `reports` that has one (ids are UUIDv7:
/// the greatest is the latest).
pub fn latest_of_kind(
    conn: &mut DbConn,
    reports: &[ReportId],
    kind: EventKind,
) -> Result<std::collections::HashMap<ReportId, Uuid>> {
    let ids: Vec<String> = reports.iter().map(ReportId::to_string).collect();
    let rows: Vec<(String, String)> = report_events::table
        .filter(report_events::report_id.eq_any(ids))
        .filter(report_events::kind.eq(kind))
        .order(report_events::id)
        .select((report_events::report_id, report_events::id))
        .load(conn)?;
    let mut latest = std::collections::HashMap::new();
    for (report, event) in rows {
        latest.insert(
            ReportId(parse_id("report_events", &report)?),
            parse_id("report_events", &event)?,
        );
    }
    Ok(latest)
}
