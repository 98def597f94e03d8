//! Routing (一个口子受理): which unit a report goes to, at which level of the ladder, and why —
//! as one pure function over the organisation model, the routing rules and the report's place
//! and category. Also the ladder itself: the unit one level up (小事不出组、大事不出村). The
//! organisation is indexed once ([`Organisation::new`]); each decision then costs well under
//! a microsecond whatever the size of the county.

use serde::Serialize;
use uuid::Uuid;

use crate::UnitId;
use crate::category::Category;
use crate::region::RegionLevel;
use crate::unit::Unit;

mod organisation;

pub use organisation::Organisation;

/// Department tag of the general-purpose offices (综治中心) that dispatch and supervise.
pub const GOVERNANCE: &str = "governance";

/// An admin's rule: reports of `category` (any category when `None`) inside `region`'s
/// subtree go to `unit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoutingRule {
    /// Stable id.
    pub id: Uuid,
    /// Short number people cite ("rule 12").
    pub number: i64,
    /// Category code, `None` for a catch-all.
    pub category: Option<String>,
    /// The region whose subtree the rule covers.
    pub region_id: Uuid,
    /// Where matching reports go.
    pub unit_id: UnitId,
    /// Disabled rules are kept (the timeline cites them) but never match.
    pub active: bool,
}

/// Where a report goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Assignment {
    /// To a unit, at a level of the ladder.
    Unit {
        /// The unit.
        unit_id: UnitId,
        /// Its level.
        level: RegionLevel,
        /// Why, for the timeline.
        reason: String,
    },
    /// To the dispatch queue of a region's supervisors, for a person to decide.
    Dispatch {
        /// The region whose supervisors decide.
        region_id: Uuid,
        /// Why, for the timeline.
        reason: String,
    },
}

/// Where the report is: the grid containing its location, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// The grid.
    pub grid_id: Uuid,
    /// The grid's region.
    pub region_id: Uuid,
}

/// Decides where a report of `category` at `place` goes.
///
/// 1. Active rules whose region contains the place and whose category is this one or any,
///    pointing at an active unit: the most specific region wins, then a category rule over a
///    catch-all, then the lower rule number.
/// 2. Otherwise the unit at the category's starting level above the grid: the grid's own team
///    (group), its village committee (village), the township office of the category's line of
///    work or else the 综治中心 (township), the county department likewise (county). Among
///    several candidates the lowest unit id wins; disabled units never do.
/// 3. No place, or no unit at that level: the dispatch queue of the nearest region above that
///    has a supervisor (the top of the tree when there is no place at all).
pub fn route(category: &Category, place: Option<Place>, org: &Organisation) -> Assignment {
    let Some(place) = place else {
        return dispatch(org, None, "no location inside any grid");
    };
    if let Some((rule, unit)) = org.best_rule(&category.code, place.region_id) {
        return Assignment::Unit {
            unit_id: unit.id,
            level: unit.kind.ladder_level(),
            reason: format!(
                "rule {}: {} in {} → {}",
                rule.number,
                rule.category
                    .as_ref()
                    .map_or("any category", |_| category.name.as_str()),
                region_name(org, rule.region_id),
                unit.name
            ),
        };
    }
    let unit = match category.start_level {
        RegionLevel::Group => org.grid_team(place.grid_id),
        level => org.handler(place.region_id, level, category.department.as_deref()),
    };
    match unit {
        Some(unit) => Assignment::Unit {
            unit_id: unit.id,
            level: category.start_level,
            reason: format!(
                "default: {} starts at {} level → {}",
                category.name,
                category.start_level.as_str(),
                unit.name
            ),
        },
        None => {
            let why = format!(
                "no {} level unit for {} in {}",
                category.start_level.as_str(),
                category.name,
                region_name(org, place.region_id)
            );
            dispatch(org, Some(place.region_id), &why)
        }
    }
}

fn region_name(org: &Organisation, id: Uuid) -> &str {
    org.region(id).map_or("?", |r| r.name.as_str())
}

fn dispatch(org: &Organisation, from: Option<Uuid>, why: &str) -> Assignment {
    let region = org.dispatch_region(from);
    Assignment::Dispatch {
        region_id: region.map_or_else(Uuid::nil, |r| r.id),
        reason: format!(
            "{why} → dispatch queue of {}",
            region.map_or("?", |r| r.name.as_str())
        ),
    }
}

/// The unit one level up the ladder from `unit`: grid team → its village committee →
/// its township's 综治中心 → the county 综治中心 (else, at a township or county, its office
/// with the lowest id). `None` at the top, or when the level above has no active unit (the
/// caller then sends the report to dispatch).
pub fn next_up<'a>(unit: &Unit, org: &'a Organisation) -> Option<&'a Unit> {
    let level = unit.kind.ladder_level().parent()?;
    org.handler(unit.region_id, level, Some(GOVERNANCE))
}

/// The first unit above `unit` on the ladder that can take a report, passing over vacant
/// rungs (a village with no active committee sends its grid team's escalations on to the
/// township). `None` only at the top, or when no level above has an active unit.
pub fn first_up<'a>(unit: &Unit, org: &'a Organisation) -> Option<&'a Unit> {
    let mut level = unit.kind.ladder_level().parent();
    while let Some(l) = level {
        if let Some(found) = org.handler(unit.region_id, l, Some(GOVERNANCE)) {
            return Some(found);
        }
        level = l.parent();
    }
    None
}

#[cfg(test)]
mod edge_tests;
#[cfg(test)]
mod tests;
