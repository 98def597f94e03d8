//! What a lifecycle step reads besides the report, loaded for `core::lifecycle::apply`: the
//! doer's standing, the report's history, its category, and per action the unit, order,
//! photos or original report it names. Only reads; nothing here decides.

use chrono::{DateTime, Duration, Utc};
use cunxiang_core::coords::LonLat;
use cunxiang_core::lifecycle::{
    Action, Destination, Facts, Loaded, OrderRef, Original, Photo, ReportStatus, Standing,
};
use cunxiang_core::mediation::CaseInput;
use cunxiang_core::{ReportId, UnitId, Workflow};
use cunxiang_storage::DbConn;
use cunxiang_storage::mediation::{conclusions, sessions};
use cunxiang_storage::reports::Report;
use cunxiang_storage::supervision::{self, OrderStatus};
use uuid::Uuid;

use super::standing::standing;
use super::step::{Act, ActError, Who};
use cunxiang_core::visibility::sight_of;

/// Everything `apply` reads for `act` on `report`.
pub fn facts(conn: &mut DbConn, report: &Report, act: &Act<'_>) -> Result<Loaded, ActError> {
    let standing = match act.who {
        Who::Person(me) => standing(conn, me, report, true)?,
        Who::System { .. } => Standing::system(),
    };
    let category = cunxiang_storage::categories::find(conn, &report.category)?
        .ok_or(ActError::Corrupt("a report names a missing category"))?;
    let (order, open_order) = match act.action {
        Action::SuperviseReply => (
            order(conn, report, act.input.order_id)?,
            !supervision::open_of_report(conn, report.id)?.is_empty(),
        ),
        _ => (None, false),
    };
    let mediation = category.workflow == Workflow::Mediation;
    let mut facts = history(report, open_order, act.now, act.policy.reopen);
    facts.mediation = mediation;
    facts.follow_up_pending = mediation
        && report.status == ReportStatus::Resolved
        && conclusions::follow_up_pending(conn, report.id)?;
    let session = match (act.action, &act.input.mediation) {
        (Action::RecordSession, Some(CaseInput::Record { session_id, .. })) => {
            sessions::find(conn, report.id, *session_id)?
        }
        _ => None,
    };
    Ok(Loaded {
        standing,
        facts,
        category,
        destination: match act.action {
            Action::Transfer => destination(conn, act.input.unit_id)?,
            _ => None,
        },
        above: match act.action {
            Action::Escalate => above(conn, report, act)?,
            _ => None,
        },
        order,
        photos: match act.action {
            Action::Resolve | Action::Conclude => photos(conn, &act.input.media_ids, act.who)?,
            _ => Vec::new(),
        },
        original: match act.action {
            Action::Reject => original(conn, act.input.duplicate_of.as_deref(), act.who)?,
            _ => None,
        },
        new_id: Uuid::now_v7(),
        session,
    })
}

/// What `decide` reads about `report` at `now`, for any action: the history, an open
/// supervision order, the mediation facts. For listing the actions a caller may take.
pub fn facts_now(
    conn: &mut DbConn,
    report: &Report,
    now: DateTime<Utc>,
    reopen: Duration,
) -> Result<Facts, ActError> {
    let open_order = !supervision::open_of_report(conn, report.id)?.is_empty();
    let category = cunxiang_storage::categories::find(conn, &report.category)?
        .ok_or(ActError::Corrupt("a report names a missing category"))?;
    let mediation = category.workflow == Workflow::Mediation;
    let mut facts = history(report, open_order, now, reopen);
    facts.mediation = mediation;
    facts.follow_up_pending = mediation
        && report.status == ReportStatus::Resolved
        && conclusions::follow_up_pending(conn, report.id)?;
    Ok(facts)
}

/// The report's history as `decide` reads it.
fn history(report: &Report, open_order: bool, now: DateTime<Utc>, reopen: Duration) -> Facts {
    Facts {
        reopen_count: u32::try_from(report.progress.reopen_count).unwrap_or(0),
        within_reopen_window: report.status == ReportStatus::Closed
            && report
                .progress
                .closed_at
                .is_some_and(|closed| now < closed + reopen),
        rated: report.progress.rating.is_some(),
        open_order,
        mediation: false,
        follow_up_pending: false,
    }
}

/// The order a reply answers: the one named (on this report), else the oldest open one.
fn order(
    conn: &mut DbConn,
    report: &Report,
    named: Option<Uuid>,
) -> Result<Option<OrderRef>, ActError> {
    let found = match named {
        Some(id) => supervision::find(conn, id)?.filter(|o| o.report_id == report.id),
        None => supervision::open_of_report(conn, report.id)?
            .into_iter()
            .next(),
    };
    Ok(found.map(|o| OrderRef {
        id: o.id,
        open: o.status == OrderStatus::Open,
    }))
}

/// The unit a transfer names, with its region's path.
fn destination(conn: &mut DbConn, id: Option<UnitId>) -> Result<Option<Destination>, ActError> {
    let Some(unit) = id
        .map(|id| cunxiang_storage::units::find(conn, id))
        .transpose()?
    else {
        return Ok(None);
    };
    let Some(unit) = unit else {
        return Ok(None);
    };
    let region_path = cunxiang_storage::regions::path_of(conn, unit.region_id)?.unwrap_or_default();
    Ok(Some(Destination { unit, region_path }))
}

/// The first unit up the ladder from the one holding the report.
fn above(
    conn: &mut DbConn,
    report: &Report,
    act: &Act<'_>,
) -> Result<Option<cunxiang_core::Unit>, ActError> {
    let routing = act.routing.get(conn)?;
    let org = &routing.org;
    Ok(report
        .unit_id
        .and_then(|u| org.unit(u))
        .and_then(|u| cunxiang_core::routing::first_up(u, org))
        .cloned())
}

/// The named photos that are the doer's own and not attached to any report.
fn photos(conn: &mut DbConn, ids: &[Uuid], who: Who<'_>) -> Result<Vec<Photo>, ActError> {
    let uploader = who.doer().id();
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(photo) = cunxiang_storage::media::find(conn, *id)?
            .filter(|m| Some(m.uploader_id) == uploader && m.report_id.is_none())
        {
            found.push(Photo {
                id: photo.id,
                captured_at: photo.captured_at,
                at: photo.gps.map(|(lat, lon)| LonLat { lon, lat }),
            });
        }
    }
    Ok(found)
}

/// The report named as the original of a duplicate (by id or case number), when the doer may
/// see it: naming one she may not see reads as "no report" (no probing of case numbers).
fn original(
    conn: &mut DbConn,
    named: Option<&str>,
    who: Who<'_>,
) -> Result<Option<Original>, ActError> {
    let Some(named) = named else {
        return Ok(None);
    };
    let found = match Uuid::parse_str(named) {
        Ok(id) => cunxiang_storage::reports::find(conn, ReportId(id))?,
        Err(_) => cunxiang_storage::reports::find_by_case(conn, named)?,
    };
    let visible = match (found, who) {
        (Some(original), Who::Person(me)) => {
            let public = cunxiang_storage::reports::category_is_public(conn, &original.category)?;
            sight_of(me, &original, public).map(|_| original)
        }
        (found, Who::System { .. }) => found,
        (None, Who::Person(_)) => None,
    };
    Ok(visible.map(|r| Original {
        id: r.id,
        case_number: r.case_number,
    }))
}
