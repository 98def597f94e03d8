//! Who the caller is to a report ([`Standing`]) and what its history says ([`Facts`]), read
//! from the database for `core::lifecycle::decide`.
//!
//! A supervisor oversees a report held by a unit when her units' regions cover that unit's
//! region (so the township's 综治中心 oversees its villages' committees and grid teams, and
//! the county's oversees everything); a report in a dispatch queue (no unit) is overseen by
//! every supervisor whose region covers the report's place. Admins oversee everything.

use chrono::{DateTime, Duration, Utc};
use cunxiang_core::Role;
use cunxiang_core::lifecycle::{Action, Facts, ReportStatus, Standing};
use cunxiang_storage::DbConn;
use cunxiang_storage::reports::ReportRecord;

use crate::auth::AuthUser;
use crate::error::ApiError;

/// The caller's standing towards `report`; `can_see` comes from the visibility rule.
pub fn standing(
    conn: &mut DbConn,
    me: &AuthUser,
    report: &ReportRecord,
    can_see: bool,
) -> Result<Standing, ApiError> {
    let role = me.user.role;
    let supervises = match role {
        Role::Admin => true,
        Role::Supervisor => {
            let path = match report.unit_id {
                Some(unit) => unit_path(conn, unit)?,
                None => report.region_path.clone(),
            };
            me.actor.covers(&path)
        }
        _ => false,
    };
    Ok(Standing {
        role: Some(role),
        // Staff who filed a report on patrol do not rate their own unit's work: their reports
        // close by auto-confirm, without a rating.
        is_reporter: report.reporter_id == me.user.id && role == Role::Villager,
        in_responsible_unit: report.unit_id.is_some_and(|u| me.unit_ids.contains(&u)),
        supervises,
        can_see,
    })
}

/// The materialised path of a unit's region.
fn unit_path(conn: &mut DbConn, unit: uuid::Uuid) -> Result<String, ApiError> {
    let unit = cunxiang_storage::units::find(conn, unit)?
        .ok_or_else(|| ApiError::internal("a report names a missing unit"))?;
    cunxiang_storage::regions::path_of(conn, unit.region_id)?
        .ok_or_else(|| ApiError::internal("a unit names a missing region"))
}

/// The facts `decide` reads for `action` (the open-order lookup only when it matters).
pub fn facts(
    conn: &mut DbConn,
    report: &ReportRecord,
    action: Action,
    now: DateTime<Utc>,
    reopen_days: i64,
) -> Result<Facts, ApiError> {
    let open_order = action == Action::SuperviseReply
        && !cunxiang_storage::supervision::open_of_report(conn, report.id)?.is_empty();
    Ok(Facts {
        reopen_count: u32::try_from(report.progress.reopen_count).unwrap_or(0),
        within_reopen_window: report.status == ReportStatus::Closed
            && report
                .progress
                .closed_at
                .is_some_and(|closed| now < closed + Duration::days(reopen_days)),
        rated: report.progress.rating.is_some(),
        open_order,
    })
}
