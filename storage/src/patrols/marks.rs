//! What a walker found at each item of her patrol (`patrol_marks`): one mark per item, a
//! problem linked to the report it was filed as.

use chrono::{DateTime, Utc};
use cunxiang_core::ReportId;
use cunxiang_core::patrol::MarkResult;
use diesel::prelude::*;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::{Result, unique_conflict};
use crate::regions::{parse_id, parse_opt_id};
use crate::schema::patrol_marks as pm;
use crate::time;

const TABLE: &str = "patrol_marks";

/// One mark.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// The item marked.
    pub item_id: Uuid,
    /// What she found.
    pub result: MarkResult,
    /// Her note.
    pub note: Option<String>,
    /// The report a problem was filed as.
    pub report_id: Option<ReportId>,
    /// When.
    pub marked_at: DateTime<Utc>,
}

type MarkRow = (
    String,
    MarkResult,
    Option<String>,
    Option<String>,
    chrono::NaiveDateTime,
);

fn mark(row: MarkRow) -> Result<Mark> {
    let (item, result, note, report, at) = row;
    Ok(Mark {
        item_id: parse_id(TABLE, &item)?,
        result,
        note,
        report_id: parse_opt_id(TABLE, report.as_deref())?,
        marked_at: time::from_db(at),
    })
}

/// Stores a mark; [`crate::StorageError::Conflict`] when the item is already marked.
pub fn insert(conn: &mut DbConn, patrol_id: Uuid, m: &Mark) -> Result<()> {
    diesel::insert_into(pm::table)
        .values((
            pm::patrol_id.eq(patrol_id.to_string()),
            pm::item_id.eq(m.item_id.to_string()),
            pm::result.eq(m.result),
            pm::note.eq(m.note.as_deref()),
            pm::report_id.eq(m.report_id.map(|r| r.to_string())),
            pm::marked_at.eq(time::to_db(m.marked_at)),
        ))
        .execute(conn)
        .map_err(|e| unique_conflict(e, |_| format!("item {} is already marked", m.item_id)))?;
    Ok(())
}

/// The patrols whose problems the reports among `ids` were filed from, by report.
pub fn patrols_of_reports(
    conn: &mut DbConn,
    ids: &[ReportId],
) -> Result<std::collections::HashMap<ReportId, Uuid>> {
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let wanted: Vec<String> = ids.iter().map(ReportId::to_string).collect();
    let rows: Vec<(Option<String>, String)> = pm::table
        .filter(pm::report_id.eq_any(wanted))
        .select((pm::report_id, pm::patrol_id))
        .load(conn)?;
    rows.into_iter()
        .filter_map(|(report, patrol)| report.map(|r| (r, patrol)))
        .map(|(report, patrol)| Ok((parse_id(TABLE, &report)?, parse_id(TABLE, &patrol)?)))
        .collect()
}

/// The patrol's marks, by item id.
pub fn of_patrol(conn: &mut DbConn, patrol_id: Uuid) -> Result<Vec<Mark>> {
    pm::table
        .filter(pm::patrol_id.eq(patrol_id.to_string()))
        .select((
            pm::item_id,
            pm::result,
            pm::note,
            pm::report_id,
            pm::marked_at,
        ))
        .order(pm::item_id)
        .load::<MarkRow>(conn)?
        .into_iter()
        .map(mark)
        .collect()
}
