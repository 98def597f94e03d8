//! Routing (一个口子受理): which unit a report goes to, at which level of the ladder, and why —
//! as one pure function over the organisation model, the routing rules and the report's place
//! and category. Also the ladder itself: the unit one level up (小事不出组、大事不出村).

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use uuid::Uuid;

use crate::category::Category;
use crate::region::{Region, RegionLevel};
use crate::unit::{Unit, UnitKind};

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
    pub unit_id: Uuid,
    /// Disabled rules are kept (the timeline cites them) but never match.
    pub active: bool,
}

/// Everything routing looks at, loaded once per decision (or cached).
#[derive(Debug, Clone, Copy)]
pub struct Organisation<'a> {
    /// The whole region tree.
    pub regions: &'a [Region],
    /// Every unit.
    pub units: &'a [Unit],
    /// Every routing rule.
    pub rules: &'a [RoutingRule],
    /// Regions served by a unit that has at least one supervisor (they hold a dispatch queue).
    pub supervised: &'a HashSet<Uuid>,
}

/// Where a report goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Assignment {
    /// To a unit, at a level of the ladder.
    Unit {
        /// The unit.
        unit_id: Uuid,
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

struct Tree<'a> {
    by_id: HashMap<Uuid, &'a Region>,
}

impl<'a> Tree<'a> {
    fn new(regions: &'a [Region]) -> Self {
        Tree {
            by_id: regions.iter().map(|r| (r.id, r)).collect(),
        }
    }

    /// The region and its ancestors, nearest first.
    fn chain(&self, start: Uuid) -> Vec<&'a Region> {
        let mut chain = Vec::new();
        let mut next = self.by_id.get(&start).copied();
        while let Some(region) = next {
            if chain.iter().any(|r: &&Region| r.id == region.id) {
                break; // a cycle would be corrupt data; stop rather than loop
            }
            chain.push(region);
            next = region.parent_id.and_then(|p| self.by_id.get(&p).copied());
        }
        chain
    }

    fn name(&self, id: Uuid) -> &str {
        self.by_id.get(&id).map_or("?", |r| r.name.as_str())
    }
}

/// Decides where a report of `category` at `place` goes.
///
/// 1. Active rules whose region contains the place and whose category is this one or any:
///    the most specific region wins, then a category rule over a catch-all, then the lower
///    rule number.
/// 2. Otherwise the unit at the category's starting level above the grid: the grid's own team
///    (group), its village committee (village), the township office of the category's line of
///    work or else the 综治中心 (township), the county department likewise (county).
/// 3. No place, or no unit at that level: the dispatch queue of the nearest region above that
///    has a supervisor (the top of the tree when there is no place at all).
pub fn route(category: &Category, place: Option<Place>, org: &Organisation<'_>) -> Assignment {
    let tree = Tree::new(org.regions);
    let Some(place) = place else {
        return dispatch(&tree, org, &[], "no location inside any grid");
    };
    let chain = tree.chain(place.region_id);
    let units: HashMap<Uuid, &Unit> = org.units.iter().map(|u| (u.id, u)).collect();
    if let Some((rule, unit)) = best_rule(category, &chain, org, &units) {
        return Assignment::Unit {
            unit_id: unit.id,
            level: unit.kind.ladder_level(),
            reason: format!(
                "rule {}: {} in {} → {}",
                rule.number,
                rule.category
                    .as_ref()
                    .map_or("any category", |_| category.name.as_str()),
                tree.name(rule.region_id),
                unit.name
            ),
        };
    }
    match unit_at_level(
        category.start_level,
        category.department.as_deref(),
        place,
        &chain,
        org.units,
    ) {
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
                chain.first().map_or("?", |r| r.name.as_str())
            );
            dispatch(&tree, org, &chain, &why)
        }
    }
}

fn best_rule<'a>(
    category: &Category,
    chain: &[&Region],
    org: &Organisation<'a>,
    units: &HashMap<Uuid, &'a Unit>,
) -> Option<(&'a RoutingRule, &'a Unit)> {
    org.rules
        .iter()
        .filter(|r| r.active)
        .filter(|r| r.category.as_deref().is_none_or(|c| c == category.code))
        .filter_map(|r| {
            let depth = chain.iter().position(|reg| reg.id == r.region_id)?;
            let unit = units.get(&r.unit_id).filter(|u| u.active)?;
            // Nearest region first (smaller position), then category-specific, then number.
            Some(((depth, r.category.is_none(), r.number), r, *unit))
        })
        .min_by_key(|(key, _, _)| *key)
        .map(|(_, rule, unit)| (rule, unit))
}

/// The unit that handles a category at `level` for a report in the grid's region chain.
fn unit_at_level<'a>(
    level: RegionLevel,
    department: Option<&str>,
    place: Place,
    chain: &[&Region],
    units: &'a [Unit],
) -> Option<&'a Unit> {
    match level {
        RegionLevel::Group => units
            .iter()
            .filter(|u| {
                u.active && u.kind == UnitKind::GridTeam && u.grid_id == Some(place.grid_id)
            })
            .min_by_key(|u| u.id),
        RegionLevel::Village => {
            let village = chain.iter().find(|r| r.level == RegionLevel::Village)?;
            units
                .iter()
                .filter(|u| {
                    u.active && u.kind == UnitKind::VillageCommittee && u.region_id == village.id
                })
                .min_by_key(|u| u.id)
        }
        RegionLevel::Township | RegionLevel::County => {
            let kind = if level == RegionLevel::Township {
                UnitKind::TownshipOffice
            } else {
                UnitKind::CountyDepartment
            };
            let region = chain.iter().find(|r| r.level == level)?;
            office(units, kind, region.id, department)
        }
    }
}

/// The active office of `kind` serving `region` for a line of work: the matching department,
/// else the 综治中心, else any office there.
fn office<'a>(
    units: &'a [Unit],
    kind: UnitKind,
    region: Uuid,
    department: Option<&str>,
) -> Option<&'a Unit> {
    let here: Vec<&Unit> = units
        .iter()
        .filter(|u| u.active && u.kind == kind && u.region_id == region)
        .collect();
    let by_department = |d: &str| {
        here.iter()
            .filter(|u| u.department.as_deref() == Some(d))
            .min_by_key(|u| u.id)
            .copied()
    };
    department
        .and_then(by_department)
        .or_else(|| by_department(GOVERNANCE))
        .or_else(|| here.iter().min_by_key(|u| u.id).copied())
}

fn dispatch(tree: &Tree<'_>, org: &Organisation<'_>, chain: &[&Region], why: &str) -> Assignment {
    let supervised = chain
        .iter()
        .find(|r| org.supervised.contains(&r.id))
        .map(|r| r.id);
    let top = || {
        org.regions
            .iter()
            .filter(|r| r.parent_id.is_none())
            .min_by_key(|r| (!org.supervised.contains(&r.id), r.id))
            .map(|r| r.id)
    };
    let region_id = supervised
        .or_else(|| chain.last().map(|r| r.id))
        .or_else(top)
        .unwrap_or_default();
    Assignment::Dispatch {
        region_id,
        reason: format!("{why} → dispatch queue of {}", tree.name(region_id)),
    }
}

/// The unit one level up the ladder from `unit`: grid team → its village committee →
/// its township's 综治中心 → the county 综治中心. `None` at the top, or when the level above
/// has no unit (the caller then sends the report to dispatch).
pub fn next_up<'a>(unit: &Unit, regions: &[Region], units: &'a [Unit]) -> Option<&'a Unit> {
    let tree = Tree::new(regions);
    let chain = tree.chain(unit.region_id);
    let find = |level: RegionLevel| chain.iter().find(|r| r.level == level).map(|r| r.id);
    match unit.kind {
        UnitKind::GridTeam => {
            let village = find(RegionLevel::Village)?;
            units
                .iter()
                .filter(|u| {
                    u.active && u.kind == UnitKind::VillageCommittee && u.region_id == village
                })
                .min_by_key(|u| u.id)
        }
        UnitKind::VillageCommittee => office(
            units,
            UnitKind::TownshipOffice,
            find(RegionLevel::Township)?,
            Some(GOVERNANCE),
        ),
        UnitKind::TownshipOffice => office(
            units,
            UnitKind::CountyDepartment,
            find(RegionLevel::County)?,
            Some(GOVERNANCE),
        ),
        UnitKind::CountyDepartment => None,
    }
}

#[cfg(test)]
mod tests;
