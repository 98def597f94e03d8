//! The organisation routing decides over, owned and indexed once: each region with its parent,
//! the length of its ancestor chain and the units and rules attached to it, and grid teams by
//! grid, so that a decision costs a couple of hash look-ups and a walk of four or five regions.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use crate::UnitId;

use super::{GOVERNANCE, RoutingRule};
use crate::region::{Region, RegionLevel};
use crate::unit::{Unit, UnitKind};

/// Everything routing looks at: the region tree, the units, the routing rules and the regions
/// that have a supervisor, indexed once by [`Organisation::new`]. Build it when the
/// organisation is loaded (or changes), then route any number of reports with it.
#[derive(Debug, Clone, Default)]
pub struct Organisation {
    /// Every region with its index entries, in the order given.
    nodes: Vec<Node>,
    /// Region id → index into `nodes` (the last one given, should an id repeat).
    region_by_id: HashMap<Uuid, usize>,
    /// Every unit, in the order given.
    units: Vec<Unit>,
    /// Unit id → index into `units` (the last one given, should an id repeat).
    unit_by_id: HashMap<UnitId, usize>,
    /// Grid id → its active grid team with the lowest id.
    grid_team: HashMap<Uuid, usize>,
    /// Every rule, in the order given (disabled ones too: the timeline cites them).
    rules: Vec<RoutingRule>,
    /// Where a report with no place is dispatched: the lowest-id top-level region, a
    /// supervised one first.
    top: Option<usize>,
}

/// One region and what routing needs at it.
#[derive(Debug, Clone)]
struct Node {
    region: Region,
    /// The region above, as an index into `nodes`.
    parent: Option<usize>,
    /// How many regions the chain from here to the top holds (this one included), cut
    /// before the first repeat should corrupt data make a cycle.
    chain_len: usize,
    /// Served by a unit that has a supervisor: the region holds a dispatch queue.
    supervised: bool,
    /// The active rules on this region whose unit exists and is active, in the order given,
    /// as (index into `rules`, index into `units`).
    rules: Vec<(usize, usize)>,
    /// The active village committee of this region with the lowest id.
    committee: Option<usize>,
    /// The active township offices serving this region, by id.
    township_offices: Vec<usize>,
    /// The active county departments serving this region, by id.
    county_departments: Vec<usize>,
}

impl Organisation {
    /// Indexes the organisation: `regions` (the whole tree), `units` (disabled ones included;
    /// routing skips them), `rules` (all of them) and `supervised`, the regions served by a
    /// unit with a supervisor. Costs O(regions + units + rules).
    pub fn new(
        regions: Vec<Region>,
        units: Vec<Unit>,
        rules: Vec<RoutingRule>,
        supervised: HashSet<Uuid>,
    ) -> Self {
        let region_by_id: HashMap<Uuid, usize> =
            regions.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
        let unit_by_id: HashMap<UnitId, usize> =
            units.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
        let mut nodes: Vec<Node> = regions
            .into_iter()
            .map(|region| Node {
                parent: region.parent_id.and_then(|p| region_by_id.get(&p).copied()),
                chain_len: 0,
                supervised: supervised.contains(&region.id),
                rules: Vec::new(),
                committee: None,
                township_offices: Vec::new(),
                county_departments: Vec::new(),
                region,
            })
            .collect();
        let mut seen = Vec::new();
        for i in 0..nodes.len() {
            seen.clear();
            let mut next = Some(i);
            while let Some(at) = next.filter(|n| !seen.contains(n)) {
                seen.push(at);
                next = nodes[at].parent;
            }
            nodes[i].chain_len = seen.len();
        }

        // Active units by id (a stable sort keeps the given order among equal ids), so the
        // first one filed under a key is the lowest id.
        let mut by_id: Vec<usize> = (0..units.len()).filter(|&i| units[i].active).collect();
        by_id.sort_by_key(|&i| units[i].id);
        let mut grid_team = HashMap::new();
        for i in by_id {
            let unit = &units[i];
            let node = region_by_id.get(&unit.region_id).map(|&n| &mut nodes[n]);
            match (unit.kind, node) {
                (UnitKind::GridTeam, _) => {
                    if let Some(grid) = unit.grid_id {
                        grid_team.entry(grid).or_insert(i);
                    }
                }
                (UnitKind::VillageCommittee, Some(node)) => {
                    node.committee.get_or_insert(i);
                }
                (UnitKind::TownshipOffice, Some(node)) => node.township_offices.push(i),
                (UnitKind::CountyDepartment, Some(node)) => node.county_departments.push(i),
                // Reached by rules and transfers only, never a default handler.
                (UnitKind::VolunteerTeam, _) | (_, None) => {}
            }
        }

        for (r, rule) in rules.iter().enumerate() {
            let unit = unit_by_id.get(&rule.unit_id).copied();
            let region = region_by_id.get(&rule.region_id).copied();
            if let (true, Some(u), Some(n)) = (rule.active, unit, region)
                && units[u].active
            {
                nodes[n].rules.push((r, u));
            }
        }

        let top = nodes
            .iter()
            .filter(|n| n.region.parent_id.is_none())
            .min_by_key(|n| (!n.supervised, n.region.id))
            .and_then(|n| region_by_id.get(&n.region.id).copied());
        Organisation {
            nodes,
            region_by_id,
            units,
            unit_by_id,
            grid_team,
            rules,
            top,
        }
    }

    /// The unit with this id, active or not.
    pub fn unit(&self, id: UnitId) -> Option<&Unit> {
        self.unit_by_id.get(&id).map(|&i| &self.units[i])
    }

    /// The region with this id.
    pub fn region(&self, id: Uuid) -> Option<&Region> {
        self.region_by_id.get(&id).map(|&i| &self.nodes[i].region)
    }

    /// The region `id` and every region above it, top first (county → … → `id`); empty for
    /// an unknown region. Cut like the routing walk should corrupt data make a cycle.
    pub fn lineage(&self, id: Uuid) -> Vec<&Region> {
        let mut regions: Vec<&Region> = self.chain(id).map(|n| &n.region).collect();
        regions.reverse();
        regions
    }

    /// Every routing rule, disabled ones too, in the order they were given.
    pub fn rules(&self) -> &[RoutingRule] {
        &self.rules
    }

    /// The region `id` and its ancestors, nearest first; empty for an unknown region.
    fn chain(&self, id: Uuid) -> impl Iterator<Item = &Node> + Clone {
        let start = self.region_by_id.get(&id).copied();
        let len = start.map_or(0, |i| self.nodes[i].chain_len);
        std::iter::successors(start, |&i| self.nodes[i].parent)
            .take(len)
            .map(|i| &self.nodes[i])
    }

    /// The rule for a report of category `code` in region `id`: the active rule on the
    /// nearest region of the chain, a category rule before a catch-all, then the lower
    /// number (the first given on a full tie), with the active unit it points at.
    pub(super) fn best_rule(&self, code: &str, id: Uuid) -> Option<(&RoutingRule, &Unit)> {
        self.chain(id).find_map(|node| {
            node.rules
                .iter()
                .map(|&(r, u)| (&self.rules[r], u))
                .filter(|(rule, _)| rule.category.as_deref().is_none_or(|c| c == code))
                .min_by_key(|(rule, _)| (rule.category.is_none(), rule.number))
                .map(|(rule, u)| (rule, &self.units[u]))
        })
    }

    /// The active grid team of a grid with the lowest id.
    pub fn grid_team(&self, grid: Uuid) -> Option<&Unit> {
        self.grid_team.get(&grid).map(|&i| &self.units[i])
    }

    /// The unit handling work at `level` for region `id`: the village committee of the
    /// nearest village (lowest id), or the office of the nearest township (county) for the
    /// line of work `department`, else its 综治中心, else its office with the lowest id.
    /// `None` at group level (grid teams go by grid) or when the chain has no such unit.
    pub(super) fn handler(
        &self,
        id: Uuid,
        level: RegionLevel,
        department: Option<&str>,
    ) -> Option<&Unit> {
        let node = self.chain(id).find(|n| n.region.level == level)?;
        let offices = match level {
            RegionLevel::Group => return None,
            RegionLevel::Village => return node.committee.map(|i| &self.units[i]),
            RegionLevel::Township => &node.township_offices,
            RegionLevel::County => &node.county_departments,
        };
        let by_department = |d: &str| {
            offices
                .iter()
                .map(|&i| &self.units[i])
                .find(|u| u.department.as_deref() == Some(d))
        };
        department
            .and_then(by_department)
            .or_else(|| by_department(GOVERNANCE))
            .or_else(|| offices.first().map(|&i| &self.units[i]))
    }

    /// Whose dispatch queue a report from region `id` goes to: the nearest region of its
    /// chain that has a supervisor, else the top of its chain; with no (known) region, the
    /// top of the tree.
    pub(super) fn dispatch_region(&self, id: Option<Uuid>) -> Option<&Region> {
        let from_chain = id.and_then(|id| {
            let chain = self.chain(id);
            chain
                .clone()
                .find(|n| n.supervised)
                .or_else(|| chain.last())
        });
        from_chain
            .or_else(|| self.top.map(|i| &self.nodes[i]))
            .map(|n| &n.region)
    }
}
