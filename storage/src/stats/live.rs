//! KPI counts straight from the reports table, in three aggregate queries (counts, and
//! whole-minute histograms of the times to accept and to resolve) rendered from the one
//! definition of every count ([`cunxiang_core::stats::definition`], through [`super::facts`]);
//! the roll-ups ([`super::rollup`]) store them per day and region subtree, and count a changed
//! report by the same definition in Rust.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use cunxiang_core::stats::Tally;
use cunxiang_core::stats::definition::{
    COUNTERS, Counter, ESCALATIONS, Fact, INTERVALS, Interval, OVERDUE, RUNNING,
};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use crate::conn::{Backend, DbConn};
use crate::error::Result;
use crate::sql::{Bind, Sql};
use crate::time;

use super::facts::{Render, minutes_sql};
use super::{Group, Selection};

/// Length of one path segment: a UUID and its `/`.
pub(crate) const SEGMENT: usize = 37;

/// The WHERE clause of `s`, its values bound in `sql`.
fn where_of(sql: &mut Sql, s: &Selection) -> String {
    let mut parts = Vec::new();
    if let Some(paths) = &s.scope {
        let any: Vec<String> = paths
            .iter()
            .map(|p| format!("region_path LIKE {}", sql.bind(Bind::Text(format!("{p}%")))))
            .collect();
        parts.push(if any.is_empty() {
            "1 = 0".to_owned()
        } else {
            format!("({})", any.join(" OR "))
        });
    }
    if let Some(path) = &s.within_path {
        let p = sql.bind(Bind::Text(format!("{path}%")));
        parts.push(format!("region_path LIKE {p}"));
    }
    if let Some(from) = s.from {
        parts.push(format!(
            "created_at >= {}",
            sql.bind(Bind::At(time::to_db(from)))
        ));
    }
    if let Some(to) = s.to {
        parts.push(format!(
            "created_at < {}",
            sql.bind(Bind::At(time::to_db(to)))
        ));
    }
    if parts.is_empty() {
        "1 = 1".to_owned()
    } else {
        parts.join(" AND ")
    }
}

/// The Beijing date (`YYYY-MM-DD`) of `created_at`.
pub(crate) fn day_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "strftime('%Y-%m-%d', created_at, '+8 hours')",
        Backend::Postgres => "to_char(created_at + INTERVAL '8 hours', 'YYYY-MM-DD')",
    }
}

/// The group key expression.
pub(crate) fn key_sql(group: &Group, backend: Backend) -> String {
    match (group, backend) {
        (Group::All, _) => "CAST(NULL AS TEXT)".to_owned(),
        (Group::Region { parent_path }, _) => {
            format!("SUBSTR(region_path, 1, {})", parent_path.len() + SEGMENT)
        }
        // SQLite would walk a whole index on the bare column to group in its order, whatever
        // the period; its no-op unary `+` keeps it on the period's index.
        (Group::Grid, Backend::Sqlite) => "+grid_id".to_owned(),
        (Group::Unit, Backend::Sqlite) => "+unit_id".to_owned(),
        (Group::Category, Backend::Sqlite) => "+category_code".to_owned(),
        (Group::Grid, Backend::Postgres) => "grid_id".to_owned(),
        (Group::Unit, Backend::Postgres) => "unit_id".to_owned(),
        (Group::Category, Backend::Postgres) => "category_code".to_owned(),
        (Group::Day, backend) => day_sql(backend).to_owned(),
    }
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = Nullable<Text>)]
    group_key: Option<String>,
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
    overdue_now: i64,
    #[diesel(sql_type = BigInt)]
    escalations: i64,
}

#[derive(QueryableByName)]
struct BucketRow {
    #[diesel(sql_type = Nullable<Text>)]
    group_key: Option<String>,
    #[diesel(sql_type = BigInt)]
    minutes: i64,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A `SUM(CASE WHEN … THEN 1 ELSE 0 END)` that is 0, not NULL, over no rows, and a BIGINT on
/// both backends (PostgreSQL's SUM may widen to NUMERIC).
fn count_if(condition: &str, name: &str) -> String {
    format!("CAST(COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0) AS BIGINT) AS {name}")
}

/// The result column of a counter.
fn alias(counter: Counter) -> &'static str {
    match counter {
        Counter::Received => "received",
        Counter::Rejected => "rejected",
        Counter::Resolved => "resolved",
        Counter::Closed => "closed",
        Counter::OnTime => "on_time",
        Counter::Rated => "rated",
        Counter::Satisfied => "satisfied",
        Counter::Reopened => "reopened",
        Counter::OverdueNow => "overdue_now",
    }
}

impl CountRow {
    fn value(&self, counter: Counter) -> i64 {
        match counter {
            Counter::Received => self.received,
            Counter::Rejected => self.rejected,
            Counter::Resolved => self.resolved,
            Counter::Closed => self.closed,
            Counter::OnTime => self.on_time,
            Counter::Rated => self.rated,
            Counter::Satisfied => self.satisfied,
            Counter::Reopened => self.reopened,
            Counter::OverdueNow => self.overdue_now,
        }
    }

    fn tally(&self) -> Tally {
        let mut t = Tally {
            escalations: self.escalations,
            ..Tally::default()
        };
        for (counter, _) in COUNTERS {
            *counter.of(&mut t) = self.value(counter);
        }
        t
    }
}

/// The column holding the milestone an interval ends at.
fn end_column(interval: Interval) -> &'static str {
    match interval {
        Interval::ToAccept => "accepted_at",
        Interval::ToResolve => "resolved_at",
    }
}

/// The tallies of the selected reports per group key (one entry, key `None`, for
/// [`Group::All`]), at the server's `now` for what is overdue.
pub fn tallies(
    conn: &mut DbConn,
    selection: &Selection,
    group: &Group,
    now: DateTime<Utc>,
) -> Result<BTreeMap<Option<String>, Tally>> {
    let key = (*group != Group::All).then(|| key_sql(group, conn.backend()));
    tallies_by(conn, selection, key.as_deref(), now)
}

/// [`tallies`] grouped by the SQL expression `key` over `reports` (`None`: one group, key
/// `None`, present even when nothing is selected). Groups with no report are left out. Every
/// count is rendered from [`cunxiang_core::stats::definition`].
pub(crate) fn tallies_by(
    conn: &mut DbConn,
    selection: &Selection,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<BTreeMap<Option<String>, Tally>> {
    let grouped = key.is_some();
    let key = key.unwrap_or("CAST(NULL AS TEXT)");
    let mut out = counts(conn, selection, key, grouped, now)?;
    for (interval, facts) in INTERVALS {
        for (group_key, minutes, n) in histogram(conn, selection, key, interval, facts, now)? {
            interval
                .of(out.entry(group_key).or_default())
                .push((minutes, n));
        }
    }
    Ok(out)
}

/// The counters and escalations per group key.
fn counts(
    conn: &mut DbConn,
    selection: &Selection,
    key: &str,
    grouped: bool,
    now: DateTime<Utc>,
) -> Result<BTreeMap<Option<String>, Tally>> {
    // Binds are numbered in the order they appear in the text (SQLite numbers `$n` by first
    // appearance): the select list, with `now`, is rendered before the filter.
    let mut sql = Sql::default();
    let mut render = Render {
        backend: conn.backend(),
        sql: &mut sql,
        now,
        now_p: None,
        unindexed_status: false,
    };
    let mut columns: Vec<String> = COUNTERS
        .iter()
        .map(|(counter, facts)| count_if(&render.all(facts), alias(*counter)))
        .collect();
    columns.push(format!(
        "CAST(COALESCE(SUM(CASE WHEN {} THEN escalation_count ELSE 0 END), 0) AS BIGINT) \
         AS escalations",
        render.all(ESCALATIONS)
    ));
    let filter = where_of(&mut sql, selection);
    let group_by = if grouped { " GROUP BY 1" } else { "" };
    let text = format!(
        "SELECT {key} AS group_key, {} FROM reports WHERE {filter}{group_by}",
        columns.join(", ")
    );
    let rows: Vec<CountRow> = sql.load(conn, text)?;
    Ok(rows
        .into_iter()
        .filter(|r| !grouped || r.received + r.rejected > 0)
        .map(|r| (r.group_key.clone(), r.tally()))
        .collect())
}

/// One interval's histogram: (group key, whole minutes, reports) for the reports with `facts`.
fn histogram(
    conn: &mut DbConn,
    selection: &Selection,
    key: &str,
    interval: Interval,
    facts: &[Fact],
    now: DateTime<Utc>,
) -> Result<Vec<(Option<String>, i64, i64)>> {
    let backend = conn.backend();
    let mut sql = Sql::default();
    let filter = where_of(&mut sql, selection);
    // Filtered by period: the status index must not be taken instead.
    let only = Render {
        backend,
        sql: &mut sql,
        now,
        now_p: None,
        unindexed_status: true,
    }
    .all(facts);
    let text = format!(
        "SELECT {key} AS group_key, {} AS minutes, COUNT(*) AS n FROM reports \
         WHERE {filter} AND {only} GROUP BY 1, 2",
        minutes_sql(end_column(interval), backend),
    );
    let buckets: Vec<BucketRow> = sql.load(conn, text)?;
    Ok(buckets
        .into_iter()
        .map(|b| (b.group_key, b.minutes, b.n))
        .collect())
}

#[derive(QueryableByName)]
struct OverdueRow {
    #[diesel(sql_type = Nullable<Text>)]
    group_key: Option<String>,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// How many of the selected reports are past their running limit at `now`, per group key of
/// the SQL expression `key` (`None`: one group): [`Counter::OverdueNow`]'s facts, read only
/// among the reports with a running limit (through the status index).
pub(crate) fn overdue_by(
    conn: &mut DbConn,
    selection: &Selection,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<BTreeMap<Option<String>, i64>> {
    let key = key.unwrap_or("CAST(NULL AS TEXT)");
    // Binds in the order they appear in the text (see `counts`).
    let mut sql = Sql::default();
    let filter = where_of(&mut sql, selection);
    let mut render = Render {
        backend: conn.backend(),
        sql: &mut sql,
        now,
        now_p: None,
        unindexed_status: false,
    };
    let text = format!(
        "SELECT {key} AS group_key, COUNT(*) AS n FROM reports \
         WHERE {} AND {filter} AND {} GROUP BY 1",
        render.status_in(RUNNING),
        render.all(OVERDUE)
    );
    let rows: Vec<OverdueRow> = sql.load(conn, text)?;
    Ok(rows.into_iter().map(|r| (r.group_key, r.n)).collect())
}
