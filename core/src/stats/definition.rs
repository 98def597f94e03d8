//! What every KPI counts, defined once. Each counter of a [`Tally`] is a conjunction of
//! [`Fact`]s about one report ([`COUNTERS`], [`ESCALATIONS`], [`INTERVALS`]); a fact is the
//! smallest thing both interpreters can state: [`Fact::holds`] here, for the roll-ups that
//! count one changed report at a time ([`contribution`]), and `storage::stats::live`, which
//! renders the same facts to SQL for the live queries and the roll-up rebuild. Adding a KPI
//! means adding a line here; the two sides cannot then count it differently, only render an
//! atom differently, and each atom is one line on each side.

use chrono::{DateTime, Utc};

use super::Tally;
use crate::lifecycle::ReportStatus;
use crate::report::Report;

/// One fact about one report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    /// Its status is one of these.
    StatusIn(&'static [ReportStatus]),
    /// Its status is not this one.
    StatusNot(ReportStatus),
    /// The reporter rated it.
    Rated,
    /// Its rating is at least this many stars.
    RatingAtLeast(i32),
    /// It was reopened at least once.
    Reopened,
    /// A handler accepted it (it has an acceptance time).
    Accepted,
    /// It has a resolution time.
    HasResolvedAt,
    /// It has no resolve-by deadline, or was resolved no later than it (both cut to whole
    /// seconds, the export's precision).
    ResolvedInTime,
    /// At `now`, it is assigned past its accept-by or accepted past its resolve-by: the only
    /// fact that depends on the time of asking (see [`Counter::is_live_only`]).
    PastLimit,
}

/// Not rejected: every KPI but [`Counter::Rejected`] counts only these ("received").
pub const LIVE: Fact = Fact::StatusNot(ReportStatus::Rejected);
/// The statuses of a report the handler has finished (办结).
pub const DONE: &[ReportStatus] = &[ReportStatus::Resolved, ReportStatus::Closed];
/// The statuses with a running limit that [`Fact::PastLimit`] looks at.
pub const RUNNING: &[ReportStatus] = &[ReportStatus::Assigned, ReportStatus::Accepted];

/// Past a running limit now: what [`Counter::OverdueNow`] counts.
pub const OVERDUE: &[Fact] = &[Fact::PastLimit];

/// A count of a [`Tally`]: how many reports satisfy its facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    /// [`Tally::received`].
    Received,
    /// [`Tally::rejected`].
    Rejected,
    /// [`Tally::resolved`].
    Resolved,
    /// [`Tally::closed`].
    Closed,
    /// [`Tally::on_time`].
    OnTime,
    /// [`Tally::rated`].
    Rated,
    /// [`Tally::satisfied`].
    Satisfied,
    /// [`Tally::reopened`].
    Reopened,
    /// [`Tally::overdue_now`].
    OverdueNow,
}

/// Every counter and the facts a report must satisfy to be counted by it.
pub const COUNTERS: [(Counter, &[Fact]); 9] = [
    (Counter::Received, &[LIVE]),
    (
        Counter::Rejected,
        &[Fact::StatusIn(&[ReportStatus::Rejected])],
    ),
    (Counter::Resolved, &[Fact::StatusIn(DONE)]),
    (Counter::Closed, &[Fact::StatusIn(&[ReportStatus::Closed])]),
    (
        Counter::OnTime,
        &[Fact::StatusIn(DONE), Fact::ResolvedInTime],
    ),
    (Counter::Rated, &[LIVE, Fact::Rated]),
    (Counter::Satisfied, &[LIVE, Fact::RatingAtLeast(4)]),
    (Counter::Reopened, &[LIVE, Fact::Reopened]),
    (Counter::OverdueNow, OVERDUE),
];

/// [`Tally::escalations`] sums the escalation counts of the reports with these facts.
pub const ESCALATIONS: &[Fact] = &[LIVE];

/// A time from receipt to a milestone, in whole minutes (both times cut to whole seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    /// To acceptance: [`Tally::accept_minutes`].
    ToAccept,
    /// To resolution: [`Tally::resolve_minutes`].
    ToResolve,
}

/// Every histogram and the facts a report must satisfy to be in it (each implies the
/// milestone's time is there).
pub const INTERVALS: [(Interval, &[Fact]); 2] = [
    (Interval::ToAccept, &[LIVE, Fact::Accepted]),
    (
        Interval::ToResolve,
        &[Fact::StatusIn(DONE), Fact::HasResolvedAt],
    ),
];

impl Counter {
    /// Whether the count depends on the time of asking, so is read live and never kept in a
    /// roll-up.
    pub fn is_live_only(self) -> bool {
        matches!(self, Self::OverdueNow)
    }

    /// The tally field this counter fills.
    pub fn of(self, t: &mut Tally) -> &mut i64 {
        match self {
            Self::Received => &mut t.received,
            Self::Rejected => &mut t.rejected,
            Self::Resolved => &mut t.resolved,
            Self::Closed => &mut t.closed,
            Self::OnTime => &mut t.on_time,
            Self::Rated => &mut t.rated,
            Self::Satisfied => &mut t.satisfied,
            Self::Reopened => &mut t.reopened,
            Self::OverdueNow => &mut t.overdue_now,
        }
    }
}

impl Interval {
    /// The histogram this interval fills.
    pub fn of(self, t: &mut Tally) -> &mut Vec<(i64, i64)> {
        match self {
            Self::ToAccept => &mut t.accept_minutes,
            Self::ToResolve => &mut t.resolve_minutes,
        }
    }

    /// The milestone's time on `r`.
    pub fn end(self, r: &Report) -> Option<DateTime<Utc>> {
        match self {
            Self::ToAccept => r.progress.accepted_at,
            Self::ToResolve => r.progress.resolved_at,
        }
    }
}

impl Fact {
    /// Whether `r` has this fact at `now`.
    pub fn holds(self, r: &Report, now: DateTime<Utc>) -> bool {
        let p = &r.progress;
        match self {
            Self::StatusIn(statuses) => statuses.contains(&r.status),
            Self::StatusNot(status) => r.status != status,
            Self::Rated => p.rating.is_some(),
            Self::RatingAtLeast(stars) => p.rating.is_some_and(|r| r >= stars),
            Self::Reopened => p.reopen_count > 0,
            Self::Accepted => p.accepted_at.is_some(),
            Self::HasResolvedAt => p.resolved_at.is_some(),
            Self::ResolvedInTime => match (r.deadlines.resolve_by, p.resolved_at) {
                (None, _) => true,
                (Some(by), Some(at)) => at.timestamp() <= by.timestamp(),
                (Some(_), None) => false,
            },
            Self::PastLimit => {
                let past = |by: Option<DateTime<Utc>>| by.is_some_and(|by| by <= now);
                match r.status {
                    ReportStatus::Assigned => past(r.deadlines.accept_by),
                    ReportStatus::Accepted => past(r.deadlines.resolve_by),
                    _ => false,
                }
            }
        }
    }
}

/// Whether `r` has every fact in `facts` at `now`.
pub fn all_hold(facts: &[Fact], r: &Report, now: DateTime<Utc>) -> bool {
    facts.iter().all(|f| f.holds(r, now))
}

/// What `r` alone adds to a tally at `now`, by the definitions above.
pub fn tally_of(r: &Report, now: DateTime<Utc>) -> Tally {
    let mut t = Tally::default();
    for (counter, facts) in COUNTERS {
        *counter.of(&mut t) = i64::from(all_hold(facts, r, now));
    }
    if all_hold(ESCALATIONS, r, now) {
        t.escalations = i64::from(r.progress.escalation_count);
    }
    for (interval, facts) in INTERVALS {
        if all_hold(facts, r, now)
            && let Some(end) = interval.end(r)
        {
            let minutes = (end.timestamp() - r.created_at.timestamp()) / 60;
            interval.of(&mut t).push((minutes, 1));
        }
    }
    t
}

/// What `r` adds to the roll-up of its day: [`tally_of`] without the live-only counters.
pub fn contribution(r: &Report) -> Tally {
    let mut t = tally_of(r, r.updated_at);
    for (counter, _) in COUNTERS {
        if counter.is_live_only() {
            *counter.of(&mut t) = 0;
        }
    }
    t
}

#[cfg(test)]
mod tests;
