//! Changing a report after intake: locking it for an action, writing the change under a version
//! check, and finding the reports that a queue or the deadline worker needs.

use chrono::{DateTime, Utc};
use cunxiang_core::lifecycle::ReportStatus;
use cunxiang_core::{ReportId, UnitId};
use diesel::prelude::*;

use super::Report;
use super::row::ReportRow;
use crate::conn::DbConn;
use crate::error::Result;
use crate::schema::reports;
use crate::time;

/// Locks the report's row for the rest of the transaction before anything is read: on
/// PostgreSQL the row lock, on SQLite the database write lock (a transaction that read first
/// could not upgrade under a concurrent writer). Concurrent actions on one report therefore
/// queue, and each sees the state the previous one left. `false` when there is no such report.
pub fn lock(conn: &mut DbConn, id: ReportId) -> Result<bool> {
    let n = diesel::update(reports::table.find(id.to_string()))
        .set(reports::version.eq(reports::version))
        .execute(conn)?;
    Ok(n == 1)
}

/// Writes `record` over the stored report if the stored version is still `expected` (the
/// caller has already set `record.version` to the next one). `false` when another change got
/// there first: nothing was written.
pub fn update(conn: &mut DbConn, record: &Report, expected: i32) -> Result<bool> {
    let row = ReportRow::from_new(record);
    let n = diesel::update(
        reports::table
            .find(record.id.to_string())
            .filter(reports::version.eq(expected)),
    )
    .set(&row)
    .execute(conn)?;
    Ok(n == 1)
}

/// The id of one report whose deadline step is due at `now`, the longest-waiting first.
/// Call it inside a transaction: on PostgreSQL the row stays locked until commit and rows that
/// another instance holds are skipped (`FOR NO KEY UPDATE SKIP LOCKED`); on SQLite the
/// transaction holds the write lock ([`crate::conn::transaction`] begins as a writer).
pub fn claim_due(conn: &mut DbConn, now: DateTime<Utc>) -> Result<Option<ReportId>> {
    let query = reports::table
        .filter(reports::next_due_at.le(time::to_db(now)))
        .order(reports::next_due_at)
        .select(reports::id)
        .limit(1);
    let id: Option<String> = match conn {
        DbConn::Sqlite(c) => query.first(c).optional()?,
        // NO KEY UPDATE: the row lock that does not block foreign-key checks of inserts that
        // refer to the report (its events), so two instances cannot deadlock on them.
        DbConn::Postgres(c) => query
            .for_no_key_update()
            .skip_locked()
            .first(c)
            .optional()?,
    };
    id.map(|id| crate::regions::parse_id("reports", &id).map(ReportId))
        .transpose()
}

/// Pushes a report's next deadline step to `until` (a step that failed is retried later
/// instead of blocking the worker).
pub fn postpone(conn: &mut DbConn, id: ReportId, until: DateTime<Utc>) -> Result<()> {
    diesel::update(reports::table.find(id.to_string()))
        .set(reports::next_due_at.eq(time::to_db(until)))
        .execute(conn)?;
    Ok(())
}

/// Open work of these units (assigned and accepted reports), the oldest `cap` of them.
pub fn held_by(conn: &mut DbConn, units: &[UnitId], cap: i64) -> Result<Vec<Report>> {
    let units: Vec<String> = units.iter().map(UnitId::to_string).collect();
    let rows: Vec<ReportRow> = reports::table
        .filter(reports::unit_id.eq_any(units))
        .filter(reports::status.eq_any([ReportStatus::Assigned, ReportStatus::Accepted]))
        .select(ReportRow::as_select())
        .order(reports::id)
        .limit(cap)
        .load(conn)?;
    rows.into_iter().map(ReportRow::into_record).collect()
}

/// Reports waiting in a dispatch queue (no unit: submitted or returned) inside these region
/// subtrees (`None`: everywhere), oldest first, at most `cap`.
pub fn in_dispatch(conn: &mut DbConn, paths: Option<&[String]>, cap: i64) -> Result<Vec<Report>> {
    let mut query = reports::table
        .filter(reports::unit_id.is_null())
        .filter(reports::status.eq_any([ReportStatus::Submitted, ReportStatus::Returned]))
        .order(reports::id)
        .limit(cap)
        .into_boxed();
    if let Some(paths) = paths {
        let mut within: Box<
            dyn BoxableExpression<
                    reports::table,
                    crate::conn::MultiBackend,
                    SqlType = diesel::sql_types::Bool,
                >,
        > = Box::new(diesel::dsl::sql::<diesel::sql_types::Bool>("1 = 0"));
        for path in paths {
            within = Box::new(within.or(reports::region_path.like(format!("{path}%"))));
        }
        query = query.filter(within);
    }
    let rows: Vec<ReportRow> = query.select(ReportRow::as_select()).load(conn)?;
    rows.into_iter().map(ReportRow::into_record).collect()
}
