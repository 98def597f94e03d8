//! Mediation conclusions (`mediation_conclusions`): one row per case holding its current
//! conclusion, and the follow-up (回访) of an agreement — when it comes due, the reminder the
//! deadline worker sent, and whether the agreement is kept.

use chrono::{DateTime, Utc};
use cunxiang_core::mediation::{Conclusion, MediationOutcome};
use cunxiang_core::{RegionLevel, ReportId, ReportStatus, UnitId, UserId};
use diesel::prelude::*;

use crate::conn::DbConn;
use crate::error::Result;
use crate::regions::parse_id;
use crate::schema::{mediation_conclusions as mc, reports};
use crate::time;

const TABLE: &str = "mediation_conclusions";

/// A conclusion to store.
#[derive(Debug, Clone)]
pub struct NewConclusion<'a> {
    /// The case.
    pub report_id: ReportId,
    /// Outcome and referral.
    pub conclusion: &'a Conclusion,
    /// The agreement's terms, or the note of another outcome.
    pub terms: Option<&'a str>,
    /// The concluding unit and its ladder level.
    pub unit: (Option<UnitId>, Option<RegionLevel>),
    /// The mediator.
    pub by: UserId,
    /// When.
    pub at: DateTime<Utc>,
    /// An agreement's follow-up.
    pub follow_up_due: Option<DateTime<Utc>>,
}

#[derive(Insertable)]
#[diesel(table_name = mc)]
struct Row {
    report_id: String,
    outcome: MediationOutcome,
    terms: Option<String>,
    referral: Option<cunxiang_core::mediation::Referral>,
    referred_to: Option<String>,
    unit_id: Option<String>,
    level: Option<RegionLevel>,
    concluded_by: String,
    concluded_at: chrono::NaiveDateTime,
    follow_up_due_at: Option<chrono::NaiveDateTime>,
}

/// Stores the case's conclusion, replacing an earlier one (a second agreement after a broken
/// one).
pub fn put(conn: &mut DbConn, new: &NewConclusion<'_>) -> Result<()> {
    let id = new.report_id.to_string();
    diesel::delete(mc::table.find(&id)).execute(conn)?;
    let (referral, referred_to) = new.conclusion.referral.clone().unzip();
    let row = Row {
        report_id: id,
        outcome: new.conclusion.outcome,
        terms: new.terms.map(str::to_owned),
        referral,
        referred_to,
        unit_id: new.unit.0.map(|u| u.to_string()),
        level: new.unit.1,
        concluded_by: new.by.to_string(),
        concluded_at: time::to_db(new.at),
        follow_up_due_at: new.follow_up_due.map(time::to_db),
    };
    diesel::insert_into(mc::table).values(&row).execute(conn)?;
    Ok(())
}

/// Whether the case's conclusion is an agreement whose follow-up is not recorded.
pub fn follow_up_pending(conn: &mut DbConn, report_id: ReportId) -> Result<bool> {
    let n: i64 = mc::table
        .filter(mc::report_id.eq(report_id.to_string()))
        .filter(mc::outcome.eq(MediationOutcome::Agreement))
        .filter(mc::kept.is_null())
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Records the follow-up of the case's agreement; `false` when none was pending (a concurrent
/// writer recorded it: the caller rolls back).
pub fn record_follow_up(
    conn: &mut DbConn,
    report_id: ReportId,
    kept: bool,
    by: UserId,
    at: DateTime<Utc>,
) -> Result<bool> {
    let n = diesel::update(
        mc::table
            .filter(mc::report_id.eq(report_id.to_string()))
            .filter(mc::outcome.eq(MediationOutcome::Agreement))
            .filter(mc::kept.is_null()),
    )
    .set((
        mc::kept.eq(Some(kept)),
        mc::followed_up_by.eq(by.to_string()),
        mc::followed_up_at.eq(time::to_db(at)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Claims one resolved case whose follow-up came due by `now` and whose mediators have not
/// been reminded (on PostgreSQL skipping rows another instance holds), and marks it reminded;
/// the case and when its follow-up was due.
pub fn claim_due(
    conn: &mut DbConn,
    now: DateTime<Utc>,
) -> Result<Option<(ReportId, DateTime<Utc>)>> {
    let resolved = reports::table
        .filter(reports::status.eq(ReportStatus::Resolved))
        .select(reports::id);
    let query = mc::table
        .filter(mc::kept.is_null())
        .filter(mc::reminded_at.is_null())
        .filter(mc::follow_up_due_at.le(time::to_db(now)))
        .filter(mc::report_id.eq_any(resolved))
        .order(mc::follow_up_due_at)
        .select((mc::report_id, mc::follow_up_due_at))
        .limit(1);
    let row: Option<(String, Option<chrono::NaiveDateTime>)> = match conn {
        DbConn::Sqlite(c) => query.first(c).optional()?,
        DbConn::Postgres(c) => query
            .for_no_key_update()
            .skip_locked()
            .first(c)
            .optional()?,
    };
    let Some((id, due)) = row else {
        return Ok(None);
    };
    diesel::update(mc::table.find(&id))
        .set(mc::reminded_at.eq(time::to_db(now)))
        .execute(conn)?;
    let due = due.map_or(now, time::from_db);
    Ok(Some((parse_id(TABLE, &id)?, due)))
}

/// A case's current conclusion as the export shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// How it ended.
    pub outcome: MediationOutcome,
    /// When.
    pub concluded_at: DateTime<Utc>,
    /// The ladder level of the concluding unit.
    pub level: Option<RegionLevel>,
    /// The agreement's follow-up: kept or broken; `None` when not followed up.
    pub kept: Option<bool>,
}

type SummaryRow = (
    String,
    MediationOutcome,
    chrono::NaiveDateTime,
    Option<RegionLevel>,
    Option<bool>,
);

/// The current conclusions of these cases (those that have one), by case.
pub fn of_reports(
    conn: &mut DbConn,
    ids: &[ReportId],
) -> Result<std::collections::HashMap<ReportId, Summary>> {
    let keys: Vec<String> = ids.iter().map(ReportId::to_string).collect();
    let rows: Vec<SummaryRow> = mc::table
        .filter(mc::report_id.eq_any(keys))
        .select((
            mc::report_id,
            mc::outcome,
            mc::concluded_at,
            mc::level,
            mc::kept,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, outcome, at, level, kept)| {
            Ok((
                parse_id(TABLE, &id)?,
                Summary {
                    outcome,
                    concluded_at: time::from_db(at),
                    level,
                    kept,
                },
            ))
        })
        .collect()
}
