//! What one report contributes to the roll-up of its day: the Rust reading of the one KPI
//! definition ([`cunxiang_core::stats::definition`]), whose SQL reading the live queries use
//! ([`super::live`]), so the two cannot disagree on what a report counts for. A change applies
//! the difference between the report's contribution after it and before it
//! ([`super::rollup::apply_change`]); the integration suite also checks that the rows so kept
//! equal the live counts and a rebuild by those queries.

use cunxiang_core::stats::Tally;
use cunxiang_core::stats::definition::contribution;

use crate::reports::Report;

/// The tally of `r` alone, without what is read live (`overdue_now`).
pub(crate) fn tally_of(r: &Report) -> Tally {
    contribution(r)
}

/// `after − before`, compacted (histogram entries that cancel out are gone).
pub(crate) fn difference(after: &Tally, before: &Tally) -> Tally {
    let mut d = after.clone();
    d.subtract(before);
    d
}
