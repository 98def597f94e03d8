//! A new report's row and its first two events, as filing writes them.

use chrono::{DateTime, Duration, Utc};
use cunxiang_core::lifecycle::schedule::Deadlines;
use cunxiang_core::lifecycle::{ReportStatus, limits, submit};
use cunxiang_core::{EventKind, ReportId, UserId};
use cunxiang_storage::reports::events::ReportEvent;
use cunxiang_storage::reports::{Progress, Report, StoredLocation};
use serde_json::json;
use uuid::Uuid;

use super::Submission;
use super::placement::Placement;

/// Who reported what where, and when it is due.
pub(super) struct Parties {
    pub reporter: UserId,
    pub submitted_by: UserId,
    pub case_number: String,
    pub region_path: String,
    pub now: DateTime<Utc>,
    pub confirm: Duration,
}

/// The new report's row, placed and with its clocks running.
pub(super) fn new_record(
    id: ReportId,
    s: &Submission,
    placement: &Placement,
    category: &cunxiang_core::Category,
    location: Option<StoredLocation>,
    p: Parties,
) -> Report {
    let now = p.now;
    let placed = submit(placement.unit.is_some());
    let limits = limits(category, p.confirm);
    Report {
        id,
        case_number: p.case_number,
        reporter_id: p.reporter,
        submitted_by: p.submitted_by,
        category: category.code.clone(),
        description: s.description.clone(),
        status: placed.next,
        location,
        address: s.address.clone(),
        grid_id: placement.grid_id,
        region_id: placement.region_id,
        region_path: p.region_path,
        unit_id: placement.unit.map(|(u, _)| u),
        level: placement.unit.map(|(_, l)| l),
        anonymous: s.anonymous,
        channel: s.channel,
        follower_count: 0,
        version: 1,
        deadlines: Deadlines::default().after(placed.clock, now, &limits),
        progress: Progress::default(),
        created_at: now,
        updated_at: now,
    }
}

/// The report as it stood when it came in, before routing placed it (the `submitted` event's).
pub(super) fn as_received(record: &Report) -> Report {
    Report {
        status: ReportStatus::Submitted,
        ..record.clone()
    }
}

/// A new report's first two events, in order: `submitted`, then `assigned` or `dispatched`.
pub(super) fn first_events(
    record: &Report,
    placement: &Placement,
    s: &Submission,
    submitted_by: UserId,
) -> [ReportEvent; 2] {
    let event = |kind: EventKind, unit_id, note: Option<String>, details| ReportEvent {
        id: Uuid::now_v7(),
        report_id: record.id,
        kind,
        actor_id: None,
        unit_id,
        note,
        details,
        internal: false,
        at: record.created_at,
    };
    let mut submitted = event(
        EventKind::Submitted,
        None,
        None,
        json!({ "channel": s.channel, "on_behalf": s.on_behalf.is_some(),
                "photos": s.media_ids.len() }),
    );
    submitted.actor_id = Some(submitted_by);
    let routed = match placement.unit {
        Some((unit, level)) => event(
            EventKind::Assigned,
            Some(unit),
            Some(placement.reason.clone()),
            json!({ "level": level, "reason": placement.reason }),
        ),
        None => event(
            EventKind::Dispatched,
            None,
            Some(placement.reason.clone()),
            json!({ "region_id": placement.region_id, "reason": placement.reason }),
        ),
    };
    [submitted, routed]
}
