//! Mediation sessions (`mediation_sessions`): scheduled, then recorded once. Whether a session
//! may be scheduled or recorded is `cunxiang_core`'s decision; this module only stores.

use chrono::{DateTime, Utc};
use cunxiang_core::mediation::{ScheduledSession, SessionPlan, SessionRecord, Venue};
use cunxiang_core::{ReportId, UserId};
use diesel::prelude::*;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::{Result, StorageError};
use crate::regions::parse_id;
use crate::schema::mediation_sessions as ms;
use crate::time;

const TABLE: &str = "mediation_sessions";

#[derive(Insertable)]
#[diesel(table_name = ms)]
struct NewRow {
    id: String,
    report_id: String,
    starts_at: chrono::NaiveDateTime,
    place: Option<String>,
    meeting_link: Option<String>,
    scheduled_by: String,
    created_at: chrono::NaiveDateTime,
}

/// Adds session `id` to the case `report_id`, scheduled by `by` at `at`.
pub fn insert(
    conn: &mut DbConn,
    report_id: ReportId,
    id: Uuid,
    plan: &SessionPlan,
    by: UserId,
    at: DateTime<Utc>,
) -> Result<()> {
    let (place, meeting_link) = match &plan.venue {
        Venue::Place(place) => (Some(place.clone()), None),
        Venue::Online { link } => (None, Some(link.clone())),
    };
    let row = NewRow {
        id: id.to_string(),
        report_id: report_id.to_string(),
        starts_at: time::to_db(plan.at),
        place,
        meeting_link,
        scheduled_by: by.to_string(),
        created_at: time::to_db(at),
    };
    diesel::insert_into(ms::table).values(&row).execute(conn)?;
    Ok(())
}

/// The session `id` of the case `report_id`, if it has one.
pub fn find(conn: &mut DbConn, report_id: ReportId, id: Uuid) -> Result<Option<ScheduledSession>> {
    let row: Option<(String, chrono::NaiveDateTime, Option<chrono::NaiveDateTime>)> = ms::table
        .filter(ms::id.eq(id.to_string()))
        .filter(ms::report_id.eq(report_id.to_string()))
        .select((ms::id, ms::starts_at, ms::recorded_at))
        .first(conn)
        .optional()?;
    row.map(|(id, at, recorded)| {
        Ok(ScheduledSession {
            id: parse_id(TABLE, &id)?,
            at: time::from_db(at),
            recorded: recorded.is_some(),
        })
    })
    .transpose()
}

/// Records the session `id` once; `false` when it was recorded already (by a concurrent
/// writer: the caller rolls back).
pub fn record(
    conn: &mut DbConn,
    id: Uuid,
    record: &SessionRecord,
    summary: &str,
    by: UserId,
    at: DateTime<Utc>,
) -> Result<bool> {
    let attendees =
        serde_json::to_string(&record.attendees).map_err(|e| StorageError::Corrupt {
            table: TABLE,
            reason: format!("attendees do not serialise: {e}"),
        })?;
    let n = diesel::update(
        ms::table
            .filter(ms::id.eq(id.to_string()))
            .filter(ms::recorded_at.is_null()),
    )
    .set((
        ms::attendees.eq(attendees),
        ms::summary.eq(summary),
        ms::next_step.eq(record.next_step.as_deref()),
        ms::recorded_by.eq(by.to_string()),
        ms::recorded_at.eq(time::to_db(at)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
