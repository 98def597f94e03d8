//! KPI counts straight from the reports table, in three aggregate queries (counts, and
//! whole-minute histograms of the times to accept and to resolve) whose only backend-specific
//! parts are the minute, second and day expressions: the one definition of every count, which
//! the roll-ups ([`super::rollup`]) store per day and region subtree.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use cunxiang_core::stats::Tally;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use crate::conn::{Backend, DbConn};
use crate::error::Result;
use crate::sql::{Bind, Sql};
use crate::time;

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

/// `column` as whole seconds since the epoch (cut, not rounded): the precision of the export.
fn seconds_sql(column: &str, backend: Backend) -> String {
    match backend {
        Backend::Sqlite => format!("CAST(strftime('%s', {column}) AS BIGINT)"),
        Backend::Postgres => {
            format!("CAST(EXTRACT(EPOCH FROM date_trunc('second', {column})) AS BIGINT)")
        }
    }
}

/// Whole minutes from `created_at` to `column`, both cut to whole seconds first.
fn minutes_sql(column: &str, backend: Backend) -> String {
    format!(
        "(({} - {}) / 60)",
        seconds_sql(column, backend),
        seconds_sql("created_at", backend)
    )
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = Nullable<Text>)]
    group_key: Option<String>,
    #[diesel(sql_type = BigInt)]
    total: i64,
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

const LIVE: &str = "status <> 'rejected'";
const DONE: &str = "status IN ('resolved', 'closed')";

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
/// `None`, present even when nothing is selected). Groups with no report are left out.
pub(crate) fn tallies_by(
    conn: &mut DbConn,
    selection: &Selection,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<BTreeMap<Option<String>, Tally>> {
    let backend = conn.backend();
    let grouped = key.is_some();
    let key = key.unwrap_or("CAST(NULL AS TEXT)");
    let group_by = if grouped { " GROUP BY 1" } else { "" };

    // Binds are numbered in the order they appear in the text (SQLite numbers `$n` by first
    // appearance): `now` is in the select list, before the filter.
    let mut sql = Sql::default();
    let now_p = sql.bind(Bind::At(time::to_db(now)));
    let filter = where_of(&mut sql, selection);
    let columns = [
        count_if(LIVE, "total"),
        count_if("status = 'rejected'", "rejected"),
        count_if(DONE, "resolved"),
        count_if("status = 'closed'", "closed"),
        count_if(
            &format!(
                "{DONE} AND (resolve_by IS NULL OR {} <= {})",
                seconds_sql("resolved_at", backend),
                seconds_sql("resolve_by", backend)
            ),
            "on_time",
        ),
        count_if(&format!("{LIVE} AND rating IS NOT NULL"), "rated"),
        count_if(&format!("{LIVE} AND rating >= 4"), "satisfied"),
        count_if(&format!("{LIVE} AND reopen_count > 0"), "reopened"),
        count_if(
            &format!(
                "(status = 'assigned' AND accept_by <= {now_p}) \
                 OR (status = 'accepted' AND resolve_by <= {now_p})"
            ),
            "overdue_now",
        ),
        format!(
            "CAST(COALESCE(SUM(CASE WHEN {LIVE} THEN escalation_count ELSE 0 END), 0) AS BIGINT) \
             AS escalations"
        ),
    ];
    let text = format!(
        "SELECT {key} AS group_key, {} FROM reports WHERE {filter}{group_by}",
        columns.join(", ")
    );
    let rows: Vec<CountRow> = sql.load(conn, text)?;
    let mut out: BTreeMap<Option<String>, Tally> = BTreeMap::new();
    for r in rows {
        if grouped && r.total + r.rejected == 0 {
            continue;
        }
        out.insert(
            r.group_key,
            Tally {
                received: r.total,
                rejected: r.rejected,
                resolved: r.resolved,
                closed: r.closed,
                on_time: r.on_time,
                rated: r.rated,
                satisfied: r.satisfied,
                reopened: r.reopened,
                overdue_now: r.overdue_now,
                escalations: r.escalations,
                ..Tally::default()
            },
        );
    }
    for (column, only, accept) in [
        (
            "accepted_at",
            format!("{LIVE} AND accepted_at IS NOT NULL"),
            true,
        ),
        (
            "resolved_at",
            // Unary `+`: SQLite (without statistics) would otherwise read every resolved
            // report through the status index instead of the period's reports.
            match backend {
                Backend::Sqlite => "+status IN ('resolved', 'closed') AND resolved_at IS NOT NULL",
                Backend::Postgres => "status IN ('resolved', 'closed') AND resolved_at IS NOT NULL",
            }
            .to_owned(),
            false,
        ),
    ] {
        let mut sql = Sql::default();
        let filter = where_of(&mut sql, selection);
        let minutes = minutes_sql(column, backend);
        let text = format!(
            "SELECT {key} AS group_key, {minutes} AS minutes, COUNT(*) AS n FROM reports \
             WHERE {filter} AND {only} GROUP BY 1, 2"
        );
        let buckets: Vec<BucketRow> = sql.load(conn, text)?;
        for b in buckets {
            let tally = out.entry(b.group_key).or_default();
            let histogram = if accept {
                &mut tally.accept_minutes
            } else {
                &mut tally.resolve_minutes
            };
            histogram.push((b.minutes, b.n));
        }
    }
    Ok(out)
}

#[derive(QueryableByName)]
struct OverdueRow {
    #[diesel(sql_type = Nullable<Text>)]
    group_key: Option<String>,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// How many of the selected reports are past their running limit at `now`, per group key of
/// the SQL expression `key` (`None`: one group). Only open reports are read (the status index).
pub(crate) fn overdue_by(
    conn: &mut DbConn,
    selection: &Selection,
    key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<BTreeMap<Option<String>, i64>> {
    let key = key.unwrap_or("CAST(NULL AS TEXT)");
    // Binds in the order they appear in the text (see `tallies_by`).
    let mut sql = Sql::default();
    let filter = where_of(&mut sql, selection);
    let now_p = sql.bind(Bind::At(time::to_db(now)));
    let text = format!(
        "SELECT {key} AS group_key, COUNT(*) AS n FROM reports \
         WHERE status IN ('assigned', 'accepted') AND {filter} \
         AND ((status = 'assigned' AND accept_by <= {now_p}) \
         OR (status = 'accepted' AND resolve_by <= {now_p})) GROUP BY 1"
    );
    let rows: Vec<OverdueRow> = sql.load(conn, text)?;
    Ok(rows.into_iter().map(|r| (r.group_key, r.n)).collect())
}
