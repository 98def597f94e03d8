//! Reports: inserting a submitted report, reading one back, listing with filters, case-number
//! sequences, idempotency keys and followers. Timeline events live in [`events`].

pub mod change;
pub mod events;
pub mod keys;
pub mod listing;
mod row;

use chrono::{DateTime, Utc};
use cunxiang_core::lifecycle::ReportStatus;
use cunxiang_core::{ReportId, UnitId, UserId};
use diesel::prelude::*;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::Result;
use crate::page::Page;
use crate::schema::{report_followers, reports};
use crate::time;

pub use cunxiang_core::report::{Progress, Report, StoredLocation};
pub use cunxiang_core::visibility::Scope;
pub use row::NewReport;

/// Takes the next number of a daily case sequence (1 for the first report of the day). Run it
/// inside the report's transaction: the row stays locked until commit, so concurrent
/// submissions on either database get distinct numbers and a rolled-back one leaves no gap.
/// Take it as late in the transaction as possible: concurrent submissions of the county wait
/// on it from then to their commit.
pub fn next_case_sequence(conn: &mut DbConn, prefix: &str, day: &str) -> Result<i64> {
    #[derive(QueryableByName)]
    struct Taken {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        last_value: i32,
    }
    // One statement on both engines (SQLite has RETURNING since 3.35).
    let taken: Taken = diesel::sql_query(
        "INSERT INTO case_sequences (prefix, day, last_value) VALUES ($1, $2, 1) \
         ON CONFLICT (prefix, day) DO UPDATE SET last_value = case_sequences.last_value + 1 \
         RETURNING last_value",
    )
    .bind::<diesel::sql_types::Text, _>(prefix)
    .bind::<diesel::sql_types::Text, _>(day)
    .get_result(conn)?;
    Ok(i64::from(taken.last_value))
}

/// Gives a report inserted moments ago in the same transaction its case number (taken late
/// with [`next_case_sequence`]).
pub fn set_case_number(conn: &mut DbConn, id: ReportId, case_number: &str) -> Result<()> {
    diesel::update(reports::table.find(id.to_string()))
        .set(reports::case_number.eq(case_number))
        .execute(conn)?;
    Ok(())
}

/// Inserts a report (its events are inserted by the caller in the same transaction).
pub fn insert(conn: &mut DbConn, new: &NewReport) -> Result<Report> {
    let row = row::ReportRow::from_new(new);
    diesel::insert_into(reports::table)
        .values(&row)
        .execute(conn)?;
    row.into_record()
}

/// The report with this id.
pub fn find(conn: &mut DbConn, id: ReportId) -> Result<Option<Report>> {
    reports::table
        .find(id.to_string())
        .select(row::ReportRow::as_select())
        .first(conn)
        .optional()?
        .map(row::ReportRow::into_record)
        .transpose()
}

/// The report with this case number.
pub fn find_by_case(conn: &mut DbConn, case_number: &str) -> Result<Option<Report>> {
    reports::table
        .filter(reports::case_number.eq(case_number))
        .select(row::ReportRow::as_select())
        .first(conn)
        .optional()?
        .map(row::ReportRow::into_record)
        .transpose()
}

/// The case numbers of these reports.
pub fn case_numbers(
    conn: &mut DbConn,
    ids: &[ReportId],
) -> Result<std::collections::HashMap<ReportId, String>> {
    let ids: Vec<String> = ids.iter().map(ReportId::to_string).collect();
    let rows: Vec<(String, String)> = reports::table
        .filter(reports::id.eq_any(ids))
        .select((reports::id, reports::case_number))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, case)| Ok((crate::regions::parse_id("reports", &id)?, case)))
        .collect()
}

/// Filters of `GET /v1/reports`; all optional and combined with AND.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    /// Only reports whose reporter is this user.
    pub reporter: Option<UserId>,
    /// Only these statuses.
    pub statuses: Vec<ReportStatus>,
    /// Only these categories (any when empty).
    pub categories: Vec<String>,
    /// Only reports inside the region subtree with this path.
    pub within_path: Option<String>,
    /// Only this grid.
    pub grid_id: Option<Uuid>,
    /// Only reports held by this unit.
    pub unit_id: Option<UnitId>,
    /// Created at or after.
    pub from: Option<DateTime<Utc>>,
    /// Created before.
    pub to: Option<DateTime<Utc>>,
    /// `[min_lon, min_lat, max_lon, max_lat]`, WGS-84.
    pub bbox: Option<[f64; 4]>,
}

/// One page of reports, newest first (by `created_at`, then id), within `scope`. `before` is
/// the last id of the previous page. See [`listing`] for how it stays on the index.
pub fn list(
    conn: &mut DbConn,
    scope: &Scope,
    filter: &ReportFilter,
    before: Option<&str>,
    limit: i64,
) -> Result<Page<Report>> {
    let records = listing::load(conn, scope, filter, before, limit + 1)?;
    Ok(Page::from_rows(records, limit, |r| r.id.to_string()))
}

/// Open reports of a category whose location lies in a box and that were made since `since`
/// (the candidates for "is this already reported?"); the caller measures real distances.
pub fn open_in_box(
    conn: &mut DbConn,
    category: &str,
    bbox: [f64; 4],
    since: DateTime<Utc>,
) -> Result<Vec<Report>> {
    let [min_lon, min_lat, max_lon, max_lat] = bbox;
    reports::table
        .filter(reports::category_code.eq(category))
        .filter(reports::status.eq_any([
            ReportStatus::Submitted,
            ReportStatus::Assigned,
            ReportStatus::Accepted,
            ReportStatus::Returned,
        ]))
        .filter(reports::lon.between(min_lon, max_lon))
        .filter(reports::lat.between(min_lat, max_lat))
        .filter(reports::created_at.ge(time::to_db(since)))
        .select(row::ReportRow::as_select())
        .order(reports::id.desc())
        .limit(500)
        .load(conn)?
        .into_iter()
        .map(row::ReportRow::into_record)
        .collect()
}

/// Adds a follower; `false` when she already follows. Keeps `follower_count` in step.
pub fn follow(conn: &mut DbConn, report_id: ReportId, user_id: UserId) -> Result<bool> {
    let add = diesel::insert_into(report_followers::table)
        .values((
            report_followers::report_id.eq(report_id.to_string()),
            report_followers::user_id.eq(user_id.to_string()),
            report_followers::created_at.eq(time::to_db(time::now())),
        ))
        .on_conflict_do_nothing();
    let inserted = match conn {
        DbConn::Sqlite(c) => add.execute(c)?,
        DbConn::Postgres(c) => add.execute(c)?,
    };
    if inserted == 1 {
        diesel::update(reports::table.find(report_id.to_string()))
            .set(reports::follower_count.eq(reports::follower_count + 1))
            .execute(conn)?;
    }
    Ok(inserted == 1)
}

/// Whether reports of this category are visible to villagers other than the reporter.
pub fn category_is_public(conn: &mut DbConn, code: &str) -> Result<bool> {
    Ok(crate::schema::categories::table
        .find(code)
        .select(crate::schema::categories::public)
        .first::<bool>(conn)
        .optional()?
        .unwrap_or(false))
}

/// Counts every report (tests and statistics).
pub fn count(conn: &mut DbConn) -> Result<i64> {
    Ok(reports::table.count().get_result(conn)?)
}
