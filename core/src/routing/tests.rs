//! Routing and ladder tests over a small county: 余江区 → 潢溪镇 → 渡口村 with one grid.

use std::collections::HashSet;

use chrono::Utc;
use uuid::Uuid;

use super::*;
use crate::region::Region;
use crate::unit::UnitKind;

/// A county 余江区 (1) with townships 潢溪镇 (2) and 锦江镇 (4), the village 渡口村 (3) and its
/// grid (99); units 10–16 from the grid team up to the county departments.
pub(super) struct Fixture {
    pub(super) regions: Vec<Region>,
    pub(super) units: Vec<Unit>,
    pub(super) county: Uuid,
    pub(super) township: Uuid,
    pub(super) village: Uuid,
    pub(super) grid: Uuid,
}

pub(super) fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub(super) fn uid(n: u128) -> UnitId {
    UnitId(id(n))
}

pub(super) fn region(n: u128, name: &str, level: RegionLevel, parent: Option<u128>) -> Region {
    Region {
        id: id(n),
        code: None,
        name: name.into(),
        level,
        parent_id: parent.map(id),
        created_at: Utc::now(),
    }
}

pub(super) fn unit(
    n: u128,
    name: &str,
    kind: UnitKind,
    region: u128,
    grid: Option<u128>,
    dept: Option<&str>,
) -> Unit {
    Unit {
        id: uid(n),
        name: name.into(),
        kind,
        region_id: id(region),
        grid_id: grid.map(id),
        department: dept.map(str::to_owned),
        created_at: Utc::now(),
        active: true,
    }
}

pub(super) fn fixture() -> Fixture {
    let regions = vec![
        region(1, "余江区", RegionLevel::County, None),
        region(2, "潢溪镇", RegionLevel::Township, Some(1)),
        region(3, "渡口村", RegionLevel::Village, Some(2)),
        region(4, "锦江镇", RegionLevel::Township, Some(1)),
    ];
    let units = vec![
        unit(
            10,
            "渡口村网格工作组",
            UnitKind::GridTeam,
            3,
            Some(99),
            None,
        ),
        unit(
            11,
            "渡口村民委员会",
            UnitKind::VillageCommittee,
            3,
            None,
            None,
        ),
        unit(
            12,
            "潢溪镇综治中心",
            UnitKind::TownshipOffice,
            2,
            None,
            Some(GOVERNANCE),
        ),
        unit(
            13,
            "潢溪镇交通站",
            UnitKind::TownshipOffice,
            2,
            None,
            Some("transport"),
        ),
        unit(
            14,
            "余江区综治中心",
            UnitKind::CountyDepartment,
            1,
            None,
            Some(GOVERNANCE),
        ),
        unit(
            15,
            "余江区交通运输局",
            UnitKind::CountyDepartment,
            1,
            None,
            Some("transport"),
        ),
        unit(
            16,
            "余江区水利局",
            UnitKind::CountyDepartment,
            1,
            None,
            Some("water"),
        ),
    ];
    Fixture {
        regions,
        units,
        county: id(1),
        township: id(2),
        village: id(3),
        grid: id(99),
    }
}

pub(super) fn category(code: &str, name: &str, level: RegionLevel, dept: Option<&str>) -> Category {
    Category {
        code: code.into(),
        name: name.into(),
        name_en: code.into(),
        start_level: level,
        accept_within_minutes: 30,
        resolve_within_minutes: 240,
        evidence_required: true,
        department: dept.map(str::to_owned),
        sort_order: 0,
        active: true,
        public: true,
        workflow: Default::default(),
    }
}

pub(super) fn rule(
    number: i64,
    cat: Option<&str>,
    region: Uuid,
    unit: u128,
    active: bool,
) -> RoutingRule {
    RoutingRule {
        id: Uuid::from_u128(1000 + number as u128),
        number,
        category: cat.map(str::to_owned),
        region_id: region,
        unit_id: uid(unit),
        active,
    }
}

pub(super) fn unit_of(a: &Assignment) -> (Uuid, RegionLevel, String) {
    match a {
        Assignment::Unit {
            unit_id,
            level,
            reason,
        } => (unit_id.0, *level, reason.clone()),
        other => panic!("expected a unit, got {other:?}"),
    }
}

#[test]
fn defaults_follow_the_starting_level_of_the_category() {
    let f = fixture();
    let supervised = HashSet::from([f.township, f.county]);
    let org = Organisation::new(f.regions, f.units, Vec::new(), supervised);
    let place = Some(Place {
        grid_id: f.grid,
        region_id: f.village,
    });
    let cases = [
        (
            category(
                "garbage",
                "垃圾清运",
                RegionLevel::Group,
                Some("sanitation"),
            ),
            10,
            RegionLevel::Group,
        ),
        (
            category("dispute", "矛盾纠纷", RegionLevel::Village, Some("justice")),
            11,
            RegionLevel::Village,
        ),
        (
            category("road", "道路桥梁", RegionLevel::Township, Some("transport")),
            13,
            RegionLevel::Township,
        ),
        (
            category(
                "safety",
                "安全隐患",
                RegionLevel::Township,
                Some("governance"),
            ),
            12,
            RegionLevel::Township,
        ),
        (
            category("other", "其他", RegionLevel::Township, Some("unknown-line")),
            12,
            RegionLevel::Township,
        ),
        (
            category("flood", "防汛", RegionLevel::County, Some("water")),
            16,
            RegionLevel::County,
        ),
    ];
    for (cat, expected, level) in cases {
        let (unit, got_level, reason) = unit_of(&route(&cat, place, &org));
        assert_eq!(
            (unit, got_level),
            (id(expected), level),
            "{}: {reason}",
            cat.code
        );
        assert!(reason.starts_with("default: "), "{reason}");
    }
    let garbage = category("garbage", "垃圾清运", RegionLevel::Group, None);
    let a = route(&garbage, place, &org);
    assert_eq!(
        unit_of(&a).2,
        "default: 垃圾清运 starts at group level → 渡口村网格工作组"
    );
}

#[test]
fn the_most_specific_rule_wins_then_category_over_catch_all() {
    let f = fixture();
    let supervised = HashSet::from([f.township]);
    let rules = vec![
        rule(1, Some("road"), f.county, 15, true),
        rule(2, None, f.township, 12, true),
        rule(12, Some("road"), f.township, 13, true),
        rule(3, Some("road"), f.village, 14, false),
    ];
    let org = Organisation::new(f.regions, f.units, rules, supervised);
    let place = Some(Place {
        grid_id: f.grid,
        region_id: f.village,
    });
    let road = category("road", "道路", RegionLevel::Village, Some("transport"));
    let (unit, level, reason) = unit_of(&route(&road, place, &org));
    assert_eq!(unit, id(13), "{reason}");
    assert_eq!(level, RegionLevel::Township);
    assert_eq!(reason, "rule 12: 道路 in 潢溪镇 → 潢溪镇交通站");
    let garbage = category("garbage", "垃圾清运", RegionLevel::Group, None);
    let (unit, _, reason) = unit_of(&route(&garbage, place, &org));
    assert_eq!(unit, id(12));
    assert_eq!(reason, "rule 2: any category in 潢溪镇 → 潢溪镇综治中心");
}

#[test]
fn rules_of_other_regions_and_rules_to_missing_units_are_ignored() {
    let f = fixture();
    let supervised = HashSet::new();
    let rules = vec![
        rule(1, None, id(4), 14, true),
        rule(2, None, f.township, 777, true),
    ];
    let org = Organisation::new(f.regions, f.units, rules, supervised);
    let place = Some(Place {
        grid_id: f.grid,
        region_id: f.village,
    });
    let garbage = category("garbage", "垃圾清运", RegionLevel::Group, None);
    assert_eq!(unit_of(&route(&garbage, place, &org)).0, id(10));
}

#[test]
fn no_place_or_no_unit_goes_to_the_nearest_supervised_region() {
    let f = fixture();
    let supervised = HashSet::from([f.township, f.county]);
    let org = Organisation::new(f.regions, f.units, Vec::new(), supervised);
    let garbage = category("garbage", "垃圾清运", RegionLevel::Group, None);
    match route(&garbage, None, &org) {
        Assignment::Dispatch { region_id, reason } => {
            assert_eq!(region_id, f.county, "{reason}");
            assert!(reason.contains("no location"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    // A grid without a team: the village has no supervisor, the township has.
    let orphan = Some(Place {
        grid_id: id(98),
        region_id: f.village,
    });
    match route(&garbage, orphan, &org) {
        Assignment::Dispatch { region_id, reason } => {
            assert_eq!(region_id, f.township, "{reason}");
            assert_eq!(
                reason,
                "no group level unit for 垃圾清运 in 渡口村 → dispatch queue of 潢溪镇"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_ladder_climbs_to_the_county_and_stops() {
    let f = fixture();
    let org = Organisation::new(f.regions, f.units, Vec::new(), HashSet::new());
    let by_id = |n: u128| org.unit(uid(n)).unwrap();
    let mut names = Vec::new();
    let mut current = by_id(10);
    while let Some(up) = next_up(current, &org) {
        names.push(up.name.as_str());
        current = up;
    }
    assert_eq!(
        names,
        ["渡口村民委员会", "潢溪镇综治中心", "余江区综治中心"]
    );
    assert_eq!(next_up(by_id(13), &org).unwrap().name, "余江区综治中心");
    assert!(next_up(by_id(15), &org).is_none());
}
