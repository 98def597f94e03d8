//! Who the caller is to a report ([`Standing`]) and what its history says ([`Facts`]), read
//! from the database for `core::lifecycle::decide`.
//!
//! A supervisor oversees a report held by a unit when her units' regions cover that unit's
//! region (so the township's 综治中心 oversees its villages' committees and grid teams, and
//! the county's oversees everything); a report in a dispatch queue (no unit) is overseen by
//! every supervisor whose region covers the report's place. Admins oversee everything.

use cunxiang_core::lifecycle::Standing;
use cunxiang_core::{Actor, Role};
use cunxiang_storage::DbConn;
use cunxiang_storage::reports::Report;

use super::step::ActError;

/// The caller's standing towards `report`; `can_see` comes from the visibility rule.
pub fn standing(
    conn: &mut DbConn,
    me: &Actor,
    report: &Report,
    can_see: bool,
) -> Result<Standing, ActError> {
    let role = me.role;
    let supervises = match role {
        Role::Admin => true,
        Role::Supervisor => {
            let path = match report.unit_id {
                Some(unit) => unit_path(conn, unit)?,
                None => report.region_path.clone(),
            };
            me.covers(&path)
        }
        _ => false,
    };
    Ok(Standing {
        role: Some(role),
        // Staff who filed a report on patrol do not rate their own unit's work: their reports
        // close by auto-confirm, without a rating.
        is_reporter: report.reporter_id == me.id && role == Role::Villager,
        in_responsible_unit: report.unit_id.is_some_and(|u| me.units.contains(&u)),
        supervises,
        can_see,
    })
}

/// The materialised path of a unit's region.
fn unit_path(conn: &mut DbConn, unit: cunxiang_core::UnitId) -> Result<String, ActError> {
    let unit = cunxiang_storage::units::find(conn, unit)?
        .ok_or(ActError::Corrupt("a report names a missing unit"))?;
    cunxiang_storage::regions::path_of(conn, unit.region_id)?
        .ok_or(ActError::Corrupt("a unit names a missing region"))
}
