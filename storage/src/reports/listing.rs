//! The report list's one query (`GET /v1/reports`, the CSV export, Open311 `requests`), built
//! as SQL text so that its plan can be read back ([`plan`]) and held by a test.
//!
//! Every role's list walks the `(created_at, id)` index newest first and stops after one page:
//! no read of every visible report, no sort. The cursor is the last id of the previous page;
//! its `created_at` is looked up and the walk resumes below `(created_at, id)`.
//!
//! SQLite, which has no statistics, would rather answer "her own or a public category" from
//! the reporter and category indexes and sort what they give — every public report. Its no-op
//! unary `+` keeps the planner off those columns' indexes, so it walks the order index and
//! filters. The one exception is the `reporter` filter ("my reports"): an equality on the
//! `(reporter_id, created_at, id)` index is itself in the list's order. PostgreSQL plans by its
//! statistics and needs no hint.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::row::ReportRow;
use super::{Report, ReportFilter, Scope};
use crate::conn::{Backend, DbConn};
use crate::error::Result;
use crate::schema::reports;
use crate::sql::Bind;
use crate::time;

/// The list's statement under construction: its binds, and the planner hint.
struct Sql {
    binds: crate::sql::Sql,
    /// `+` on SQLite (see the module docs), nothing on PostgreSQL.
    hint: &'static str,
}

impl Sql {
    fn bind(&mut self, value: Bind) -> String {
        self.binds.bind(value)
    }

    fn text(&mut self, value: impl Into<String>) -> String {
        self.bind(Bind::Text(value.into()))
    }

    fn texts<'a>(&mut self, values: impl IntoIterator<Item = &'a str>) -> String {
        let marks: Vec<String> = values.into_iter().map(|v| self.text(v)).collect();
        marks.join(", ")
    }

    /// A column the planner should not use an index for (on SQLite).
    fn col(&self, name: &str) -> String {
        format!("{}{name}", self.hint)
    }
}

const PUBLIC: &str = "(SELECT code FROM categories WHERE public)";

/// The WHERE clause of the list.
fn conditions(
    sql: &mut Sql,
    scope: &Scope,
    filter: &ReportFilter,
    after: Option<(NaiveDateTime, &str)>,
) -> String {
    let mut parts: Vec<String> = Vec::new();
    match scope {
        Scope::All => {}
        Scope::Staff {
            user_id,
            paths,
            units,
        } => {
            let me = sql.text(user_id.to_string());
            let mut any = vec![format!("{} = {me}", sql.col("reporter_id"))];
            if !units.is_empty() {
                let ids: Vec<String> = units.iter().map(ToString::to_string).collect();
                let marks = sql.texts(ids.iter().map(String::as_str));
                any.push(format!("{} IN ({marks})", sql.col("unit_id")));
            }
            for path in paths {
                let p = sql.text(format!("{path}%"));
                any.push(format!("{} LIKE {p}", sql.col("region_path")));
            }
            // Outside her charge she sees what any villager sees: public categories.
            any.push(format!("{} IN {PUBLIC}", sql.col("category_code")));
            parts.push(format!("({})", any.join(" OR ")));
        }
        Scope::Public => {
            parts.push(format!("{} IN {PUBLIC}", sql.col("category_code")));
        }
        Scope::Villager { user_id } => {
            let me = sql.text(user_id.to_string());
            parts.push(format!(
                "({} = {me} OR {} IN {PUBLIC})",
                sql.col("reporter_id"),
                sql.col("category_code")
            ));
        }
    }
    if let Some(reporter) = filter.reporter {
        parts.push(format!("reporter_id = {}", sql.text(reporter.to_string())));
    }
    if !filter.statuses.is_empty() {
        let marks = sql.texts(filter.statuses.iter().map(|s| s.as_str()));
        parts.push(format!("{} IN ({marks})", sql.col("status")));
    }
    if !filter.categories.is_empty() {
        let marks = sql.texts(filter.categories.iter().map(String::as_str));
        parts.push(format!("{} IN ({marks})", sql.col("category_code")));
    }
    if let Some(path) = &filter.within_path {
        let p = sql.text(format!("{path}%"));
        parts.push(format!("{} LIKE {p}", sql.col("region_path")));
    }
    if let Some(grid) = filter.grid_id {
        let g = sql.text(grid.to_string());
        parts.push(format!("{} = {g}", sql.col("grid_id")));
    }
    if let Some(unit) = filter.unit_id {
        let u = sql.text(unit.to_string());
        parts.push(format!("{} = {u}", sql.col("unit_id")));
    }
    if let Some(from) = filter.from {
        let f = sql.bind(Bind::At(time::to_db(from)));
        parts.push(format!("created_at >= {f}"));
    }
    if let Some(to) = filter.to {
        let t = sql.bind(Bind::At(time::to_db(to)));
        parts.push(format!("created_at < {t}"));
    }
    if let Some([min_lon, min_lat, max_lon, max_lat]) = filter.bbox {
        let b: Vec<String> = [min_lon, max_lon, min_lat, max_lat]
            .into_iter()
            .map(|v| sql.bind(Bind::Number(v)))
            .collect();
        parts.push(format!(
            "{lon} BETWEEN {} AND {} AND {lat} BETWEEN {} AND {}",
            b[0],
            b[1],
            b[2],
            b[3],
            lon = sql.col("lon"),
            lat = sql.col("lat"),
        ));
    }
    if let Some((at, id)) = after {
        let (a, i) = (sql.bind(Bind::At(at)), sql.text(id));
        parts.push(format!("(created_at, id) < ({a}, {i})"));
    }
    if parts.is_empty() {
        "1 = 1".to_owned()
    } else {
        parts.join(" AND ")
    }
}

/// The statement for one page of `limit` rows (`prefix` is `EXPLAIN …` or empty), with binds.
fn statement(
    conn: &mut DbConn,
    prefix: &str,
    scope: &Scope,
    filter: &ReportFilter,
    before: Option<&str>,
    limit: i64,
) -> Result<Option<(String, Sql)>> {
    let after = match before {
        None => None,
        Some(id) => {
            let at: Option<NaiveDateTime> = reports::table
                .find(id)
                .select(reports::created_at)
                .first(conn)
                .optional()?;
            // A cursor naming no report (deleted, or made up) ends the list.
            let Some(at) = at else { return Ok(None) };
            Some((at, id))
        }
    };
    let mut sql = Sql {
        binds: crate::sql::Sql::default(),
        hint: match conn.backend() {
            Backend::Sqlite => "+",
            Backend::Postgres => "",
        },
    };
    let filter_sql = conditions(&mut sql, scope, filter, after);
    let text = format!(
        "{prefix}SELECT * FROM reports WHERE {filter_sql} \
         ORDER BY created_at DESC, id DESC LIMIT {}",
        limit.max(0)
    );
    Ok(Some((text, sql)))
}

/// Up to `limit` reports of the list, newest first.
pub(super) fn load(
    conn: &mut DbConn,
    scope: &Scope,
    filter: &ReportFilter,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<Report>> {
    let Some((text, sql)) = statement(conn, "", scope, filter, before, limit)? else {
        return Ok(Vec::new());
    };
    let rows: Vec<ReportRow> = sql.binds.load(conn, text)?;
    rows.into_iter().map(ReportRow::into_record).collect()
}

/// The database's plan for one page of the list, one line per step (SQLite's `EXPLAIN QUERY
/// PLAN` details, PostgreSQL's `EXPLAIN` lines): what the index test reads.
pub fn plan(
    conn: &mut DbConn,
    scope: &Scope,
    filter: &ReportFilter,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<String>> {
    #[derive(QueryableByName)]
    struct PgLine {
        #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
        line: String,
    }
    #[derive(QueryableByName)]
    struct SqliteLine {
        #[diesel(sql_type = Text)]
        detail: String,
    }
    let prefix = match conn.backend() {
        Backend::Sqlite => "EXPLAIN QUERY PLAN ",
        Backend::Postgres => "EXPLAIN ",
    };
    let Some((text, sql)) = statement(conn, prefix, scope, filter, before, limit)? else {
        return Ok(Vec::new());
    };
    Ok(match conn.backend() {
        Backend::Sqlite => sql
            .binds
            .load::<SqliteLine>(conn, text)?
            .into_iter()
            .map(|l| l.detail)
            .collect(),
        Backend::Postgres => sql
            .binds
            .load::<PgLine>(conn, text)?
            .into_iter()
            .map(|l| l.line)
            .collect(),
    })
}
