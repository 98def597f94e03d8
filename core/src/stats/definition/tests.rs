//! The KPI definitions counted on one report at a time: which counters a report in each
//! situation adds to, and what is kept out of the roll-ups.

use chrono::{DateTime, Duration, TimeZone, Utc};
use uuid::Uuid;

use super::*;
use crate::lifecycle::schedule::Deadlines;
use crate::report::{Channel, Progress};
use crate::{RegionLevel, ReportId, UnitId, UserId};

fn received() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 5, 9, 0, 0).unwrap()
}

fn report(status: ReportStatus) -> Report {
    Report {
        id: ReportId(Uuid::from_u128(1)),
        case_number: "YJ-20261205-0001".into(),
        reporter_id: UserId(Uuid::from_u128(2)),
        submitted_by: UserId(Uuid::from_u128(2)),
        category: "garbage".into(),
        description: "路边垃圾".into(),
        status,
        location: None,
        address: None,
        grid_id: None,
        region_id: Uuid::from_u128(3),
        region_path: "/county/".into(),
        unit_id: Some(UnitId(Uuid::from_u128(4))),
        level: Some(RegionLevel::Group),
        anonymous: false,
        channel: Channel::MiniProgram,
        follower_count: 0,
        version: 1,
        deadlines: Deadlines::default(),
        progress: Progress::default(),
        created_at: received(),
        updated_at: received(),
    }
}

fn at(minutes: i64, seconds: i64) -> DateTime<Utc> {
    received() + Duration::minutes(minutes) + Duration::seconds(seconds)
}

#[test]
fn a_rejected_report_counts_only_as_rejected() {
    let mut r = report(ReportStatus::Rejected);
    r.progress.rating = Some(5);
    r.progress.reopen_count = 1;
    r.progress.escalation_count = 2;
    r.progress.accepted_at = Some(at(3, 0));
    let t = tally_of(&r, at(60, 0));
    assert_eq!(
        t,
        Tally {
            rejected: 1,
            ..Tally::default()
        }
    );
}

#[test]
fn a_closed_report_resolved_in_time_and_rated_well_counts_everywhere_it_should() {
    let mut r = report(ReportStatus::Closed);
    r.deadlines.resolve_by = Some(at(240, 0));
    r.progress.accepted_at = Some(at(12, 59));
    r.progress.resolved_at = Some(at(240, 0));
    r.progress.rating = Some(4);
    r.progress.reopen_count = 1;
    r.progress.escalation_count = 2;
    let t = tally_of(&r, at(600, 0));
    assert_eq!(
        t,
        Tally {
            received: 1,
            resolved: 1,
            closed: 1,
            on_time: 1,
            rated: 1,
            satisfied: 1,
            reopened: 1,
            escalations: 2,
            accept_minutes: vec![(12, 1)],
            resolve_minutes: vec![(240, 1)],
            ..Tally::default()
        }
    );
}

#[test]
fn resolved_one_second_late_is_not_on_time_and_three_stars_are_not_satisfied() {
    let mut r = report(ReportStatus::Resolved);
    r.deadlines.resolve_by = Some(at(240, 0));
    r.progress.resolved_at = Some(at(240, 1));
    r.progress.rating = Some(3);
    let t = tally_of(&r, at(600, 0));
    assert_eq!((t.resolved, t.closed, t.on_time), (1, 0, 0));
    assert_eq!((t.rated, t.satisfied), (1, 0));
    // Sub-second differences are cut away, as in the export.
    r.progress.resolved_at = Some(at(240, 0) + Duration::milliseconds(900));
    assert_eq!(tally_of(&r, at(600, 0)).on_time, 1);
}

#[test]
fn overdue_now_depends_on_the_time_of_asking_and_stays_out_of_the_roll_ups() {
    let mut assigned = report(ReportStatus::Assigned);
    assigned.deadlines.accept_by = Some(at(30, 0));
    assigned.deadlines.resolve_by = Some(at(270, 0));
    assert_eq!(tally_of(&assigned, at(29, 59)).overdue_now, 0);
    assert_eq!(tally_of(&assigned, at(30, 0)).overdue_now, 1);
    assert_eq!(contribution(&assigned).overdue_now, 0);
    let mut accepted = report(ReportStatus::Accepted);
    accepted.deadlines.accept_by = Some(at(30, 0));
    accepted.deadlines.resolve_by = Some(at(270, 0));
    accepted.progress.accepted_at = Some(at(10, 0));
    assert_eq!(tally_of(&accepted, at(100, 0)).overdue_now, 0);
    assert_eq!(tally_of(&accepted, at(270, 0)).overdue_now, 1);
    // Only a running limit makes a report overdue.
    let mut resolved = accepted.clone();
    resolved.status = ReportStatus::Resolved;
    assert_eq!(tally_of(&resolved, at(300, 0)).overdue_now, 0);
}

#[test]
fn a_report_without_a_resolve_deadline_is_on_time_once_done() {
    let mut r = report(ReportStatus::Resolved);
    r.progress.resolved_at = Some(at(5000, 0));
    assert_eq!(tally_of(&r, at(6000, 0)).on_time, 1);
    // Done without a recorded time (imported): counted, on time, not in the histogram.
    r.progress.resolved_at = None;
    let t = tally_of(&r, at(6000, 0));
    assert_eq!((t.resolved, t.on_time), (1, 1));
    assert!(t.resolve_minutes.is_empty());
}

#[test]
fn only_the_live_only_counter_is_left_out_of_a_contribution() {
    let live_only: Vec<Counter> = COUNTERS
        .iter()
        .map(|(c, _)| *c)
        .filter(|c| c.is_live_only())
        .collect();
    assert_eq!(live_only, vec![Counter::OverdueNow]);
}
