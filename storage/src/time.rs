//! Time as stored: TIMESTAMP columns hold UTC, truncated to microseconds so that SQLite
//! (which would keep nanoseconds) and PostgreSQL (microseconds) give back the same value.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};

/// The current time, truncated to microseconds.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A UTC time as stored in a TIMESTAMP column.
pub fn to_db(t: DateTime<Utc>) -> NaiveDateTime {
    t.trunc_subsecs(6).naive_utc()
}

/// A TIMESTAMP column's value as UTC.
pub fn from_db(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}
