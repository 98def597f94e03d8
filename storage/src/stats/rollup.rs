//! The KPI roll-ups (`stats_days`): for every region subtree and Beijing day, the tally of the
//! reports received that day in that subtree, counted by the live queries ([`super::live`]) so
//! that both give the same figures. A report change adds its own difference to the rows of the
//! report's day for its region and every ancestor ([`apply_change`]); [`rebuild`] recounts
//! everything, at start-up
//! while `stats_state` says the roll-ups are stale (after the migration that adds them).

use chrono::{Duration, NaiveDate, NaiveDateTime};
use cunxiang_core::stats::Tally;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};

use super::live::{self, SEGMENT};
use super::period::{Days, beijing_day, day_start};
use super::{Selection, recount};
use crate::conn::{DbConn, MultiBackend};
use crate::error::{Result, StorageError};
use crate::reports::Report;
use crate::sql::{Bind, Sql};

/// The number of segments in a materialised path (`/a/b/` has 2).
pub fn depth(path: &str) -> usize {
    path.len().saturating_sub(1) / SEGMENT
}

/// `path` and each of its ancestors, shortest first (`/a/`, `/a/b/`, …).
fn ancestors(path: &str) -> Vec<&str> {
    (1..=depth(path))
        .map(|d| &path[..1 + d * SEGMENT])
        .collect()
}

/// The region a subtree path names (its last segment) and that region's parent (`None` at
/// the top).
fn region_and_parent(path: &str) -> (String, Option<String>) {
    let mut ids = path.trim_matches('/').rsplit('/');
    let region = ids.next().unwrap_or_default().to_owned();
    (region, ids.next().map(str::to_owned))
}

/// Rows to write: (subtree path, day, tally).
type Rows = Vec<(String, NaiveDate, Tally)>;

/// Columns written per row (SQLite allows 32,766 parameters a statement).
const COLUMNS: usize = 14;
/// Rows written per statement.
const INSERT_CHUNK: usize = 500;

fn histogram_json(h: &[(i64, i64)]) -> String {
    serde_json::to_string(h).unwrap_or_else(|_| "[]".to_owned())
}

/// What [`upsert`] does with a row already stored for the same subtree and day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Upsert {
    /// Replace it (a recount, or a read-modify-write under the ordering lock).
    Replace,
    /// Add the counters to it (its histograms stay: the rows carry none).
    Increment,
}

/// The `ON CONFLICT` assignments of `mode`.
fn assignments(mode: Upsert) -> String {
    const COUNTERS: [&str; 9] = [
        "received",
        "rejected",
        "resolved",
        "closed",
        "on_time",
        "rated",
        "satisfied",
        "reopened",
        "escalations",
    ];
    let mut set: Vec<String> = COUNTERS
        .iter()
        .map(|c| match mode {
            Upsert::Replace => format!("{c} = excluded.{c}"),
            Upsert::Increment => format!("{c} = stats_days.{c} + excluded.{c}"),
        })
        .collect();
    if mode == Upsert::Replace {
        set.push("accept_minutes = excluded.accept_minutes".into());
        set.push("resolve_minutes = excluded.resolve_minutes".into());
    }
    set.join(", ")
}

/// Writes `rows`, replacing or incrementing any stored for the same subtree and day.
fn upsert(conn: &mut DbConn, rows: &Rows, mode: Upsert) -> Result<()> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let p: Vec<String> = (1..=COLUMNS)
                    .map(|c| format!("${}", i * COLUMNS + c))
                    .collect();
                format!("({})", p.join(", "))
            })
            .collect();
        let text = format!(
            "INSERT INTO stats_days (region_id, parent_id, day, received, rejected, resolved, \
             closed, on_time, rated, satisfied, reopened, escalations, accept_minutes, \
             resolve_minutes) VALUES {} ON CONFLICT (region_id, day) DO UPDATE SET {}",
            values.join(", "),
            assignments(mode)
        );
        let mut query = diesel::sql_query(text).into_boxed::<MultiBackend>();
        for (path, day, t) in chunk {
            let mut t = t.clone();
            t.compact();
            let (region, parent) = region_and_parent(path);
            query = query
                .bind::<Text, _>(region)
                .bind::<Nullable<Text>, _>(parent)
                .bind::<Text, _>(day.format("%Y-%m-%d").to_string())
                .bind::<BigInt, _>(t.received)
                .bind::<BigInt, _>(t.rejected)
                .bind::<BigInt, _>(t.resolved)
                .bind::<BigInt, _>(t.closed)
                .bind::<BigInt, _>(t.on_time)
                .bind::<BigInt, _>(t.rated)
                .bind::<BigInt, _>(t.satisfied)
                .bind::<BigInt, _>(t.reopened)
                .bind::<BigInt, _>(t.escalations)
                .bind::<Text, _>(histogram_json(&t.accept_minutes))
                .bind::<Text, _>(histogram_json(&t.resolve_minutes));
        }
        query.execute(conn)?;
    }
    Ok(())
}

/// Applies a report change to the roll-ups: the difference between what the report counts
/// for after the change and before it (`None`: a new report) is added to the rows of its day
/// for its region and every ancestor — O(depth) rows, whatever the day already holds. Call it
/// in the transaction of the change, after the change's row locks: it takes the feed's
/// ordering lock ([`crate::push::feed::order_commits`]), which serialises every roll-up
/// writer on PostgreSQL (a rebuild takes it too); SQLite writers are serial already.
pub fn apply_change(conn: &mut DbConn, before: Option<&Report>, after: &Report) -> Result<()> {
    let now = recount::tally_of(after);
    match before {
        Some(b) if b.region_path == after.region_path && b.created_at == after.created_at => {
            let diff = recount::difference(&now, &recount::tally_of(b));
            add(
                conn,
                &after.region_path,
                beijing_day(after.created_at),
                &diff,
            )
        }
        // Moved to another subtree or day (not done by any action today, but counted right).
        _ => {
            if let Some(b) = before {
                let gone = recount::difference(&Tally::default(), &recount::tally_of(b));
                add(conn, &b.region_path, beijing_day(b.created_at), &gone)?;
            }
            add(
                conn,
                &after.region_path,
                beijing_day(after.created_at),
                &now,
            )
        }
    }
}

/// Adds `diff` to the rows of `day` for `region_path` and each ancestor. Counters alone are
/// one upsert of increments; a histogram change reads the rows, adds and writes them back.
fn add(conn: &mut DbConn, region_path: &str, day: NaiveDate, diff: &Tally) -> Result<()> {
    if *diff == Tally::default() {
        return Ok(());
    }
    crate::push::feed::order_commits(conn)?;
    let paths = ancestors(region_path);
    if diff.accept_minutes.is_empty() && diff.resolve_minutes.is_empty() {
        let rows: Rows = paths
            .iter()
            .map(|p| ((*p).to_owned(), day, diff.clone()))
            .collect();
        return upsert(conn, &rows, Upsert::Increment);
    }
    let ids: Vec<String> = paths.iter().map(|p| region_and_parent(p).0).collect();
    let stored = read_day(conn, &ids, day)?;
    let rows: Rows = paths
        .iter()
        .zip(&ids)
        .map(|(path, id)| {
            let mut t = stored.get(id).cloned().unwrap_or_default();
            t.merge(diff);
            t.compact();
            ((*path).to_owned(), day, t)
        })
        .collect();
    upsert(conn, &rows, Upsert::Replace)
}

/// The stored tallies of `day` for the regions `ids`, by region id.
fn read_day(
    conn: &mut DbConn,
    ids: &[String],
    day: NaiveDate,
) -> Result<std::collections::HashMap<String, Tally>> {
    let mut sql = Sql::default();
    let day = sql.bind(Bind::Text(day.format("%Y-%m-%d").to_string()));
    let marks: Vec<String> = ids
        .iter()
        .map(|id| sql.bind(Bind::Text(id.clone())))
        .collect();
    let text = format!(
        "SELECT region_id, day, received, rejected, resolved, closed, on_time, rated, \
         satisfied, reopened, escalations, accept_minutes, resolve_minutes FROM stats_days \
         WHERE day = {day} AND region_id IN ({})",
        marks.join(", ")
    );
    let rows: Vec<DayRow> = sql.load(conn, text)?;
    rows.into_iter()
        .map(|r| {
            let id = r.region_id.clone();
            Ok((id, r.into_tally()?))
        })
        .collect()
}

#[derive(QueryableByName)]
struct Span {
    #[diesel(sql_type = Nullable<Timestamp>)]
    first: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    last: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Integer>)]
    longest: Option<i32>,
}

/// What a [`rebuild`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rebuilt {
    /// Days between the first and the last report received (both included).
    pub days: usize,
    /// Rows written.
    pub rows: usize,
}

/// Days recounted per transaction.
const REBUILD_DAYS: i64 = 31;

/// Recounts every row from the reports, a month per transaction (each under the feed's
/// ordering lock, so live refreshes are not lost), calling `progress(days done, days)`.
pub fn rebuild(conn: &mut DbConn, progress: &mut dyn FnMut(usize, usize)) -> Result<Rebuilt> {
    let span: Span = diesel::sql_query(
        "SELECT MIN(created_at) AS first, MAX(created_at) AS last, \
         CAST(MAX(LENGTH(region_path)) AS INTEGER) AS longest FROM reports",
    )
    .get_result(conn)?;
    let (Some(first), Some(last)) = (span.first, span.last) else {
        diesel::sql_query("DELETE FROM stats_days").execute(conn)?;
        return Ok(Rebuilt::default());
    };
    let deepest =
        usize::try_from(span.longest.unwrap_or(0)).map_or(0, |len| len.saturating_sub(1) / SEGMENT);
    let first = beijing_day(first.and_utc());
    let end = beijing_day(last.and_utc()) + Duration::days(1);
    let total = usize::try_from((end - first).num_days()).unwrap_or(0);
    let mut done = Rebuilt {
        days: total,
        rows: 0,
    };
    let mut start = first;
    progress(0, total);
    while start < end {
        let stop = (start + Duration::days(REBUILD_DAYS)).min(end);
        done.rows += crate::conn::transaction(conn, |c| recount(c, start, stop, deepest))?;
        start = stop;
        progress(
            usize::try_from((start - first).num_days()).unwrap_or(total),
            total,
        );
    }
    Ok(done)
}

/// Replaces the rows of the days `[start, stop)` with a recount; returns how many it wrote.
fn recount(conn: &mut DbConn, start: NaiveDate, stop: NaiveDate, deepest: usize) -> Result<usize> {
    crate::push::feed::order_commits(conn)?;
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    diesel::sql_query("DELETE FROM stats_days WHERE day >= $1 AND day < $2")
        .bind::<Text, _>(day(start))
        .bind::<Text, _>(day(stop))
        .execute(conn)?;
    let selection = Selection {
        scope: None,
        within_path: None,
        from: Some(day_start(start)),
        to: Some(day_start(stop)),
    };
    let day_sql = live::day_sql(conn.backend());
    let mut rows = Rows::new();
    for d in 1..=deepest {
        let len = 1 + d * SEGMENT;
        let key = format!(
            "CASE WHEN LENGTH(region_path) >= {len} THEN {day_sql} || SUBSTR(region_path, 1, {len}) END"
        );
        let tallies = live::tallies_by(conn, &selection, Some(&key), day_start(stop))?;
        for (key, tally) in tallies {
            let Some(key) = key else { continue };
            let (day, path) = key.split_at(key.len().min(10));
            let day =
                NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|e| StorageError::Corrupt {
                    table: "reports",
                    reason: format!("day key {key}: {e}"),
                })?;
            rows.push((path.to_owned(), day, tally));
        }
    }
    upsert(conn, &rows, Upsert::Replace)?;
    Ok(rows.len())
}

/// Rebuilds the roll-ups when `stats_state` marks them stale (a database migrated from before
/// them, or a repair), then marks them ready. `None` when they were ready already.
pub fn rebuild_if_stale(
    conn: &mut DbConn,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Option<Rebuilt>> {
    #[derive(QueryableByName)]
    struct State {
        #[diesel(sql_type = Text)]
        value: String,
    }
    let state: Vec<State> =
        diesel::sql_query("SELECT value FROM stats_state WHERE name = 'rollups'").load(conn)?;
    if state.iter().all(|s| s.value != "stale") {
        return Ok(None);
    }
    let rebuilt = rebuild(conn, progress)?;
    diesel::sql_query("UPDATE stats_state SET value = 'ready' WHERE name = 'rollups'")
        .execute(conn)?;
    Ok(Some(rebuilt))
}

/// Which stored rows to read.
pub(crate) enum Stored<'a> {
    /// The subtree of this path.
    Subtree(&'a str),
    /// Every top-level subtree.
    TopLevel,
    /// The subtrees one level below this path (`/`: the top-level ones).
    Children(&'a str),
}

#[derive(QueryableByName)]
struct DayRow {
    #[diesel(sql_type = Text)]
    region_id: String,
    #[diesel(sql_type = Text)]
    day: String,
    #[diesel(sql_type = BigInt)]
    received: i64,
    #[diesel(sql_type = BigInt)]
    rejected: i64,
    #[diesel(sql_type = BigInt)]
    resolved: i64,
    #[diesel(sql_type = BigInt)]
    closed: i64,
    #[diesel(sql_type = BigInt)]
    on_time: i64,
    #[diesel(sql_type = BigInt)]
    rated: i64,
    #[diesel(sql_type = BigInt)]
    satisfied: i64,
    #[diesel(sql_type = BigInt)]
    reopened: i64,
    #[diesel(sql_type = BigInt)]
    escalations: i64,
    #[diesel(sql_type = Text)]
    accept_minutes: String,
    #[diesel(sql_type = Text)]
    resolve_minutes: String,
}

impl DayRow {
    fn into_tally(self) -> Result<Tally> {
        Ok(Tally {
            received: self.received,
            rejected: self.rejected,
            resolved: self.resolved,
            closed: self.closed,
            on_time: self.on_time,
            rated: self.rated,
            satisfied: self.satisfied,
            reopened: self.reopened,
            overdue_now: 0,
            escalations: self.escalations,
            accept_minutes: histogram(&self.accept_minutes)?,
            resolve_minutes: histogram(&self.resolve_minutes)?,
        })
    }
}

fn histogram(text: &str) -> Result<Vec<(i64, i64)>> {
    serde_json::from_str(text).map_err(|e| StorageError::Corrupt {
        table: "stats_days",
        reason: format!("histogram: {e}"),
    })
}

/// The stored rows of `which` over `days`, as (subtree path, day `YYYY-MM-DD`, tally).
pub(crate) fn read(
    conn: &mut DbConn,
    which: &Stored<'_>,
    days: Days,
) -> Result<Vec<(String, String, Tally)>> {
    let mut text = "SELECT region_id, day, received, rejected, resolved, closed, on_time, \
                    rated, satisfied, reopened, escalations, accept_minutes, resolve_minutes \
                    FROM stats_days WHERE "
        .to_owned();
    let mut binds: Vec<String> = Vec::new();
    // The path of a row's subtree from its region id.
    let base: String = match which {
        Stored::Subtree(path) => {
            text.push_str("region_id = $1");
            binds.push(region_and_parent(path).0);
            String::new()
        }
        Stored::TopLevel | Stored::Children("/") => {
            text.push_str("parent_id IS NULL");
            "/".to_owned()
        }
        Stored::Children(path) => {
            text.push_str("parent_id = $1");
            binds.push(region_and_parent(path).0);
            (*path).to_owned()
        }
    };
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    if let Some(first) = days.first {
        binds.push(day(first));
        text.push_str(&format!(" AND day >= ${}", binds.len()));
    }
    if let Some(end) = days.end {
        binds.push(day(end));
        text.push_str(&format!(" AND day < ${}", binds.len()));
    }
    let mut query = diesel::sql_query(text).into_boxed::<MultiBackend>();
    for b in binds {
        query = query.bind::<Text, _>(b);
    }
    let rows: Vec<DayRow> = query.load(conn)?;
    rows.into_iter()
        .map(|r| {
            let path = match which {
                Stored::Subtree(path) => (*path).to_owned(),
                _ => format!("{base}{}/", r.region_id),
            };
            let day = r.day.clone();
            Ok((path, day, r.into_tally()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_have_depths_ancestors_regions_and_parents() {
        let a = format!("/{}/", uuid::Uuid::nil());
        let ab = format!("{a}{}/", uuid::Uuid::max());
        assert_eq!(depth("/"), 0);
        assert_eq!(depth(&a), 1);
        assert_eq!(depth(&ab), 2);
        assert_eq!(ancestors(&ab), vec![a.as_str(), ab.as_str()]);
        assert_eq!(region_and_parent(&a), (uuid::Uuid::nil().to_string(), None));
        assert_eq!(
            region_and_parent(&ab),
            (
                uuid::Uuid::max().to_string(),
                Some(uuid::Uuid::nil().to_string())
            )
        );
    }
}
