//! Where a new report goes: its point located among the grids, then `route()` over the
//! organisation — both from this instance's routing snapshot of the stored organisation. Pure decisions live in `cunxiang_core`;
//! this module only gathers their inputs.

use cunxiang_core::coords::LonLat;
use cunxiang_core::routing::{Assignment, Place, route};
use cunxiang_core::{Category, RegionLevel, UnitId};
use cunxiang_storage::{DbConn, StorageError};
use uuid::Uuid;

use crate::route_index::RoutingCache;

/// The routing decision for a report, with what intake stores from it.
#[derive(Debug, Clone)]
pub struct Placement {
    /// The grid holding the location.
    pub grid_id: Option<Uuid>,
    /// The region the report belongs to: the grid's, else the dispatch region.
    pub region_id: Uuid,
    /// The responsible unit and its level, `None` for a dispatch queue.
    pub unit: Option<(UnitId, RegionLevel)>,
    /// Why, for the timeline.
    pub reason: String,
    /// The materialised path of `region_id`.
    pub region_path: String,
    /// The case-number prefix of its county.
    pub case_prefix: String,
    /// The responsible unit's name.
    pub unit_name: Option<String>,
}

/// Routes a report of `category` at `location` (WGS-84, if known).
pub fn place(
    conn: &mut DbConn,
    grids: &RoutingCache,
    category: &Category,
    location: Option<LonLat>,
) -> Result<Placement, StorageError> {
    let indexed = grids.get(conn)?;
    let found = location.and_then(|p| {
        let grid_id = indexed.index.locate(p.lon, p.lat)?;
        let region_id = *indexed.region_of.get(&grid_id)?;
        Some(Place { grid_id, region_id })
    });
    let org = &indexed.org;
    let (grid_id, region_id, unit, reason) = match route(category, found, org) {
        Assignment::Unit {
            unit_id,
            level,
            reason,
        } => (
            found.map(|p| p.grid_id),
            found.map_or_else(
                || org.unit(unit_id).map_or(Uuid::nil(), |u| u.region_id),
                |p| p.region_id,
            ),
            Some((unit_id, level)),
            reason,
        ),
        Assignment::Dispatch { region_id, reason } => (
            found.map(|p| p.grid_id),
            found.map_or(region_id, |p| p.region_id),
            None,
            reason,
        ),
    };
    let (region_path, case_prefix) =
        indexed
            .stamps
            .get(&region_id)
            .cloned()
            .ok_or_else(|| StorageError::Corrupt {
                table: "regions",
                reason: format!("routing named an unknown region {region_id}"),
            })?;
    let unit_name = unit.and_then(|(u, _)| org.unit(u)).map(|u| u.name.clone());
    Ok(Placement {
        grid_id,
        region_id,
        unit,
        reason,
        region_path,
        case_prefix,
        unit_name,
    })
}
