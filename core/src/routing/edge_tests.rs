//! Routing edge cases over the same small county: ties between units, disabled units and
//! rules, missing supervisors, unknown or cyclic regions, and the lookups by id.

use std::collections::HashSet;

use uuid::Uuid;

use super::tests::{Fixture, category, fixture, id, region, rule, uid, unit, unit_of};
use super::*;
use crate::unit::UnitKind;

fn dispatch_of(a: &Assignment) -> (Uuid, String) {
    match a {
        Assignment::Dispatch { region_id, reason } => (*region_id, reason.clone()),
        other => panic!("expected dispatch, got {other:?}"),
    }
}

fn place(f: &Fixture) -> Option<Place> {
    Some(Place {
        grid_id: f.grid,
        region_id: f.village,
    })
}

fn disable(units: &mut [Unit], n: u128) {
    for u in units.iter_mut().filter(|u| u.id == uid(n)) {
        u.active = false;
    }
}

#[test]
fn the_lowest_active_id_wins_whatever_the_order_given() {
    let mut f = fixture();
    let mut old_team = unit(9, "旧网格组", UnitKind::GridTeam, 3, Some(99), None);
    old_team.active = false;
    f.units.extend([
        old_team,
        unit(8, "渡口村第二网格组", UnitKind::GridTeam, 3, Some(99), None),
        unit(
            7,
            "渡口社区居委会",
            UnitKind::VillageCommittee,
            3,
            None,
            None,
        ),
        unit(
            6,
            "潢溪镇交通站二",
            UnitKind::TownshipOffice,
            2,
            None,
            Some("transport"),
        ),
    ]);
    let p = place(&f);
    let org = Organisation::new(f.regions, f.units, Vec::new(), HashSet::new());
    let cases = [
        (RegionLevel::Group, None, 8),
        (RegionLevel::Village, None, 7),
        (RegionLevel::Township, Some("transport"), 6),
        (RegionLevel::Township, Some("governance"), 12),
    ];
    for (level, dept, expected) in cases {
        let cat = category("c", "类", level, dept);
        let (unit, _, reason) = unit_of(&route(&cat, p, &org));
        assert_eq!(unit, id(expected), "{level:?} {dept:?}: {reason}");
    }
    let team = org.unit(uid(10)).unwrap();
    assert_eq!(next_up(team, &org).unwrap().id, uid(7));
}

#[test]
fn equally_specific_rules_go_by_number_and_skip_disabled_units() {
    let f = fixture();
    let p = place(&f);
    let rules = vec![
        rule(5, Some("road"), f.township, 13, true),
        rule(4, Some("road"), f.township, 12, true),
        rule(1, None, f.township, 14, true),
    ];
    let road = category("road", "道路", RegionLevel::Village, None);
    let org = Organisation::new(
        f.regions.clone(),
        f.units.clone(),
        rules.clone(),
        HashSet::new(),
    );
    let (unit, _, reason) = unit_of(&route(&road, p, &org));
    assert_eq!(unit, id(12), "{reason}");
    assert_eq!(reason, "rule 4: 道路 in 潢溪镇 → 潢溪镇综治中心");

    let mut units = f.units;
    disable(&mut units, 12);
    let org = Organisation::new(f.regions, units, rules, HashSet::new());
    let (unit, level, reason) = unit_of(&route(&road, p, &org));
    assert_eq!((unit, level), (id(13), RegionLevel::Township), "{reason}");
    assert_eq!(org.rules().len(), 3);
}

#[test]
fn disabled_offices_fall_back_to_the_governance_office_then_any_then_dispatch() {
    let f = fixture();
    let p = place(&f);
    let road = category("road", "道路桥梁", RegionLevel::Township, Some("transport"));
    let supervised = HashSet::from([f.township]);
    let mut units = f.units.clone();
    disable(&mut units, 13);
    let org = Organisation::new(
        f.regions.clone(),
        units.clone(),
        Vec::new(),
        supervised.clone(),
    );
    assert_eq!(unit_of(&route(&road, p, &org)).0, id(12));

    disable(&mut units, 12);
    units.push(unit(
        17,
        "潢溪镇农业站",
        UnitKind::TownshipOffice,
        2,
        None,
        Some("farming"),
    ));
    let org = Organisation::new(
        f.regions.clone(),
        units.clone(),
        Vec::new(),
        supervised.clone(),
    );
    assert_eq!(unit_of(&route(&road, p, &org)).0, id(17));

    disable(&mut units, 17);
    let org = Organisation::new(f.regions, units, Vec::new(), supervised);
    let (region, reason) = dispatch_of(&route(&road, p, &org));
    assert_eq!(region, f.township);
    assert_eq!(
        reason,
        "no township level unit for 道路桥梁 in 渡口村 → dispatch queue of 潢溪镇"
    );
}

#[test]
fn without_a_supervisor_dispatch_goes_to_the_top_of_the_chain() {
    let f = fixture();
    let orphan = Some(Place {
        grid_id: id(98),
        region_id: f.village,
    });
    let org = Organisation::new(f.regions, f.units, Vec::new(), HashSet::new());
    let garbage = category("garbage", "垃圾清运", RegionLevel::Group, None);
    let (region, reason) = dispatch_of(&route(&garbage, orphan, &org));
    assert_eq!(region, f.county, "{reason}");
    assert!(reason.ends_with("→ dispatch queue of 余江区"), "{reason}");
}

#[test]
fn an_unknown_region_still_finds_the_grid_team_then_dispatches_to_the_top() {
    let f = fixture();
    let lost = Some(Place {
        grid_id: f.grid,
        region_id: id(555),
    });
    let org = Organisation::new(f.regions, f.units, Vec::new(), HashSet::new());
    let garbage = category("garbage", "垃圾清运", RegionLevel::Group, None);
    assert_eq!(unit_of(&route(&garbage, lost, &org)).0, id(10));
    let dispute = category("dispute", "矛盾纠纷", RegionLevel::Village, None);
    let (region, reason) = dispatch_of(&route(&dispute, lost, &org));
    assert_eq!(region, f.county);
    assert_eq!(
        reason,
        "no village level unit for 矛盾纠纷 in ? → dispatch queue of 余江区"
    );
}

#[test]
fn with_no_place_a_supervised_top_region_comes_first_then_the_lowest_id() {
    let mut f = fixture();
    f.regions
        .push(region(5, "月湖区", RegionLevel::County, None));
    let garbage = category("garbage", "垃圾清运", RegionLevel::Group, None);
    let org = Organisation::new(f.regions.clone(), Vec::new(), Vec::new(), HashSet::new());
    assert_eq!(dispatch_of(&route(&garbage, None, &org)).0, f.county);
    let org = Organisation::new(f.regions, Vec::new(), Vec::new(), HashSet::from([id(5)]));
    let (region, reason) = dispatch_of(&route(&garbage, None, &org));
    assert_eq!(region, id(5));
    assert_eq!(
        reason,
        "no location inside any grid → dispatch queue of 月湖区"
    );
    let empty = Organisation::default();
    let (region, reason) = dispatch_of(&route(&garbage, None, &empty));
    assert_eq!(region, Uuid::nil());
    assert!(reason.ends_with("dispatch queue of ?"), "{reason}");
}

#[test]
fn a_cycle_in_the_region_tree_ends_the_chain() {
    let regions = vec![
        region(1, "甲村", RegionLevel::Village, Some(2)),
        region(2, "乙镇", RegionLevel::Township, Some(1)),
    ];
    let rules = vec![rule(1, None, id(2), 10, true)];
    let units = vec![unit(
        10,
        "乙镇综治中心",
        UnitKind::TownshipOffice,
        2,
        None,
        None,
    )];
    let at = Some(Place {
        grid_id: id(99),
        region_id: id(1),
    });
    let garbage = category("garbage", "垃圾清运", RegionLevel::Group, None);
    let org = Organisation::new(regions.clone(), units.clone(), rules, HashSet::new());
    assert_eq!(unit_of(&route(&garbage, at, &org)).0, id(10));
    let org = Organisation::new(regions, units, Vec::new(), HashSet::new());
    let (region, _) = dispatch_of(&route(&garbage, at, &org));
    assert_eq!(region, id(2));
    let county = category("flood", "防汛", RegionLevel::County, None);
    assert_eq!(dispatch_of(&route(&county, at, &org)).0, id(2));
}

#[test]
fn lookups_by_id_include_disabled_units_and_the_ladder_skips_them() {
    let f = fixture();
    let mut units = f.units;
    disable(&mut units, 11);
    disable(&mut units, 12);
    let org = Organisation::new(f.regions, units, Vec::new(), HashSet::new());
    assert_eq!(org.unit(uid(11)).unwrap().name, "渡口村民委员会");
    assert_eq!(org.region(f.township).unwrap().name, "潢溪镇");
    assert!(org.unit(uid(777)).is_none() && org.region(id(777)).is_none());
    let team = org.unit(uid(10)).unwrap();
    assert!(next_up(team, &org).is_none());
    assert_eq!(
        first_up(team, &org).unwrap().id,
        uid(13),
        "escalation passes over the vacant village rung"
    );
    let committee = org.unit(uid(11)).unwrap();
    assert_eq!(next_up(committee, &org).unwrap().id, uid(13));
    assert_eq!(first_up(committee, &org).unwrap().id, uid(13));
}

#[test]
fn lineage_runs_from_the_top_down_and_stops_at_a_cycle_or_an_unknown_region() {
    let f = fixture();
    let org = Organisation::new(f.regions, f.units, Vec::new(), HashSet::new());
    let names: Vec<&str> = org
        .lineage(f.village)
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(names, ["余江区", "潢溪镇", "渡口村"]);
    assert_eq!(org.lineage(f.county).len(), 1);
    assert!(org.lineage(id(12345)).is_empty());
    let cyclic = vec![
        region(1, "甲村", RegionLevel::Village, Some(2)),
        region(2, "乙镇", RegionLevel::Township, Some(1)),
    ];
    let org = Organisation::new(cyclic, Vec::new(), Vec::new(), HashSet::new());
    let ids: Vec<Uuid> = org.lineage(id(1)).iter().map(|r| r.id).collect();
    assert_eq!(ids, [id(2), id(1)]);
}
