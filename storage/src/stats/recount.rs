//! What one report contributes to the roll-up of its day, counted in Rust by the live
//! queries' definitions ([`super::live`]) to the second. A change applies the difference
//! between the report's contribution after it and before it ([`super::rollup::apply_change`]);
//! the integration suite checks that the rows so kept equal the live counts and a rebuild by
//! those queries.

use chrono::{DateTime, Utc};
use cunxiang_core::lifecycle::ReportStatus;
use cunxiang_core::stats::Tally;

use crate::reports::Report;

/// Whole seconds since the epoch, cut (as the live queries and the export cut them).
fn seconds(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

/// The tally of `r` alone, as the live queries count it (`overdue_now` aside: that is read
/// live).
pub(crate) fn tally_of(r: &Report) -> Tally {
    let mut t = Tally::default();
    if r.status == ReportStatus::Rejected {
        t.rejected = 1;
        return t;
    }
    t.received = 1;
    let p = &r.progress;
    let done = matches!(r.status, ReportStatus::Resolved | ReportStatus::Closed);
    if done {
        t.resolved = 1;
        let on_time = match (r.deadlines.resolve_by, p.resolved_at) {
            (None, _) => true,
            (Some(by), Some(at)) => seconds(at) <= seconds(by),
            (Some(_), None) => false,
        };
        t.on_time = i64::from(on_time);
        if let Some(at) = p.resolved_at {
            t.resolve_minutes
                .push(((seconds(at) - seconds(r.created_at)) / 60, 1));
        }
    }
    t.closed = i64::from(r.status == ReportStatus::Closed);
    if let Some(rating) = p.rating {
        t.rated = 1;
        t.satisfied = i64::from(rating >= 4);
    }
    t.reopened = i64::from(p.reopen_count > 0);
    t.escalations = i64::from(p.escalation_count);
    if let Some(at) = p.accepted_at {
        t.accept_minutes
            .push(((seconds(at) - seconds(r.created_at)) / 60, 1));
    }
    t
}

/// `after − before`, compacted (histogram entries that cancel out are gone).
pub(crate) fn difference(after: &Tally, before: &Tally) -> Tally {
    let mut d = after.clone();
    d.subtract(before);
    d
}
