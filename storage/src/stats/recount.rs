//! The per-change recount of the roll-ups: one read of the day's reports under the changed
//! report's top-level region, counted in Rust for the region and each of its ancestors. It
//! follows the live queries' definitions ([`super::live`]) to the second; the integration suite
//! checks that the rows it keeps equal the live counts and a rebuild by those queries.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use cunxiang_core::stats::Tally;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Nullable, Text, Timestamp};

use super::period::{beijing_day, day_start};
use crate::conn::DbConn;
use crate::error::Result;
use crate::time;

/// The columns of a report the KPIs read.
#[derive(QueryableByName)]
struct Fact {
    #[diesel(sql_type = Text)]
    region_path: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Timestamp)]
    created_at: NaiveDateTime,
    #[diesel(sql_type = Nullable<Timestamp>)]
    accepted_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    resolved_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    resolve_by: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Integer>)]
    rating: Option<i32>,
    #[diesel(sql_type = Integer)]
    reopen_count: i32,
    #[diesel(sql_type = Integer)]
    escalation_count: i32,
}

/// Whole seconds since the epoch, cut (as the live queries and the export cut them).
fn seconds(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp()
}

/// Adds one report to a tally, as the live queries count it (`overdue_now` aside).
fn count(t: &mut Tally, f: &Fact) {
    if f.status == "rejected" {
        t.rejected += 1;
        return;
    }
    t.received += 1;
    let done = f.status == "resolved" || f.status == "closed";
    if done {
        t.resolved += 1;
        let on_time = match (f.resolve_by, f.resolved_at) {
            (None, _) => true,
            (Some(by), Some(at)) => seconds(at) <= seconds(by),
            (Some(_), None) => false,
        };
        if on_time {
            t.on_time += 1;
        }
        if let Some(at) = f.resolved_at {
            t.resolve_minutes
                .push(((seconds(at) - seconds(f.created_at)) / 60, 1));
        }
    }
    if f.status == "closed" {
        t.closed += 1;
    }
    if let Some(rating) = f.rating {
        t.rated += 1;
        if rating >= 4 {
            t.satisfied += 1;
        }
    }
    if f.reopen_count > 0 {
        t.reopened += 1;
    }
    t.escalations += i64::from(f.escalation_count);
    if let Some(at) = f.accepted_at {
        t.accept_minutes
            .push(((seconds(at) - seconds(f.created_at)) / 60, 1));
    }
}

/// The tallies of the Beijing day `created_at` falls on for each of `paths` (a region and its
/// ancestors, shortest first), from one read of that day's reports under the first of them.
pub(crate) fn day_of(
    conn: &mut DbConn,
    paths: &[&str],
    created_at: DateTime<Utc>,
) -> Result<Vec<Tally>> {
    let Some(top) = paths.first() else {
        return Ok(Vec::new());
    };
    let day = beijing_day(created_at);
    let facts: Vec<Fact> = diesel::sql_query(
        "SELECT region_path, status, created_at, accepted_at, resolved_at, resolve_by, rating, \
         reopen_count, escalation_count FROM reports \
         WHERE created_at >= $1 AND created_at < $2 AND region_path LIKE $3",
    )
    .bind::<Timestamp, _>(time::to_db(day_start(day)))
    .bind::<Timestamp, _>(time::to_db(day_start(day + Duration::days(1))))
    .bind::<Text, _>(format!("{top}%"))
    .load(conn)?;
    let mut tallies = vec![Tally::default(); paths.len()];
    for f in &facts {
        for (path, tally) in paths.iter().zip(tallies.iter_mut()) {
            if f.region_path.starts_with(path) {
                count(tally, f);
            }
        }
    }
    for t in &mut tallies {
        t.compact();
    }
    Ok(tallies)
}
