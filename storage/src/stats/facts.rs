//! The KPI facts of [`cunxiang_core::stats::definition`] rendered to SQL over the `reports`
//! table: the SQL half of the one definition (the Rust half is [`Fact::holds`]). Status names
//! come from [`ReportStatus::as_str`], so no status is spelled here.

use chrono::{DateTime, Utc};
use cunxiang_core::lifecycle::ReportStatus;
use cunxiang_core::stats::definition::Fact;

use crate::conn::Backend;
use crate::sql::{Bind, Sql};
use crate::time;

/// How facts are written for one query. Render in the order the text reads: the time of
/// asking is bound when a fact first needs it (SQLite numbers parameters by first appearance).
pub(crate) struct Render<'a> {
    /// The backend the query runs on.
    pub backend: Backend,
    /// The query's parameters.
    pub sql: &'a mut Sql,
    /// The time of asking.
    pub now: DateTime<Utc>,
    /// Its parameter, once bound.
    pub now_p: Option<String>,
    /// Keeps SQLite off the status index: it would read every report of a status through it
    /// instead of the period's reports (its no-op unary `+`). Only where a query filters by
    /// period, never where the status index is the point.
    pub unindexed_status: bool,
}

impl Render<'_> {
    fn status(&self) -> &'static str {
        match (self.backend, self.unindexed_status) {
            (Backend::Sqlite, true) => "+status",
            _ => "status",
        }
    }

    /// `status IN (…)` of these statuses.
    pub fn status_in(&self, statuses: &[ReportStatus]) -> String {
        let names: Vec<String> = statuses
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        format!("{} IN ({})", self.status(), names.join(", "))
    }

    /// The parameter holding the time of asking, bound on first use.
    fn now(&mut self) -> String {
        if self.now_p.is_none() {
            self.now_p = Some(self.sql.bind(Bind::At(time::to_db(self.now))));
        }
        self.now_p.clone().unwrap_or_default()
    }

    /// One fact as a boolean SQL expression.
    pub fn fact(&mut self, fact: Fact) -> String {
        match fact {
            Fact::StatusIn(statuses) => self.status_in(statuses),
            Fact::StatusNot(status) => format!("{} <> '{}'", self.status(), status.as_str()),
            Fact::Rated => "rating IS NOT NULL".to_owned(),
            Fact::RatingAtLeast(stars) => format!("rating >= {stars}"),
            Fact::Reopened => "reopen_count > 0".to_owned(),
            Fact::Accepted => "accepted_at IS NOT NULL".to_owned(),
            Fact::HasResolvedAt => "resolved_at IS NOT NULL".to_owned(),
            Fact::ResolvedInTime => format!(
                "(resolve_by IS NULL OR {} <= {})",
                seconds_sql("resolved_at", self.backend),
                seconds_sql("resolve_by", self.backend)
            ),
            Fact::PastLimit => {
                let now = self.now();
                format!(
                    "(({s} = '{assigned}' AND accept_by <= {now}) \
                     OR ({s} = '{accepted}' AND resolve_by <= {now}))",
                    s = self.status(),
                    assigned = ReportStatus::Assigned.as_str(),
                    accepted = ReportStatus::Accepted.as_str(),
                )
            }
        }
    }

    /// Every fact, joined by `AND`.
    pub fn all(&mut self, facts: &[Fact]) -> String {
        let parts: Vec<String> = facts.iter().map(|f| self.fact(*f)).collect();
        parts.join(" AND ")
    }
}

/// `column` as whole seconds since the epoch (cut, not rounded): the precision of the export.
pub(crate) fn seconds_sql(column: &str, backend: Backend) -> String {
    match backend {
        Backend::Sqlite => format!("CAST(strftime('%s', {column}) AS BIGINT)"),
        Backend::Postgres => {
            format!("CAST(EXTRACT(EPOCH FROM date_trunc('second', {column})) AS BIGINT)")
        }
    }
}

/// Whole minutes from `created_at` to `column`, both cut to whole seconds first.
pub(crate) fn minutes_sql(column: &str, backend: Backend) -> String {
    format!(
        "(({} - {}) / 60)",
        seconds_sql(column, backend),
        seconds_sql("created_at", backend)
    )
}
