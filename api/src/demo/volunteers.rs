//! The demo's volunteer team (帮帮团): 渡口村帮帮团, which a routing rule sends 渡口村's 求助
//! reports (`help`: elders living alone) and supervisors may transfer other tasks to. Its
//! member `vt-1` is seeded with the demo staff.

use anyhow::Context;
use cunxiang_core::UnitKind;
use cunxiang_storage::DbConn;
use cunxiang_storage::routing::NewRule;
use cunxiang_storage::units::NewUnit;

/// The team's name.
pub const TEAM: &str = "渡口村帮帮团";
/// The village it belongs to.
const VILLAGE: &str = "渡口村民委员会";

/// Adds the team and its routing rule; returns the units added (one).
pub(super) fn seed_volunteer_team(conn: &mut DbConn) -> anyhow::Result<usize> {
    let page = cunxiang_storage::units::list(conn, &Default::default(), None, 10_000)?;
    let village = page
        .items
        .into_iter()
        .find(|u| u.name == VILLAGE)
        .with_context(|| format!("demo unit {VILLAGE}"))?;
    let team = cunxiang_storage::units::insert(
        conn,
        &NewUnit {
            name: TEAM.into(),
            kind: UnitKind::VolunteerTeam,
            region_id: village.region_id,
            grid_id: None,
            department: None,
        },
    )?;
    cunxiang_storage::routing::insert(
        conn,
        &NewRule {
            category: Some("help".into()),
            region_id: village.region_id,
            unit_id: team.id,
        },
    )?;
    Ok(1)
}
