//! Tests of region import validation.

use super::*;

fn rec(line: u64, code: &str, name: &str, parent: &str, level: &str) -> RegionRecord {
    RegionRecord {
        line,
        code: code.into(),
        name: name.into(),
        parent_code: parent.into(),
        level: level.into(),
    }
}

fn nothing_stored(_: &str) -> Option<ExistingRegion> {
    None
}

#[test]
fn a_well_formed_tree_passes_with_levels_inferred() {
    let rows = [
        rec(2, "360603", "余江区", "", "county"),
        rec(3, "360603100", "潢溪镇", "360603", ""),
        rec(4, "360603100201", "渡口村", "360603100", ""),
        rec(5, "", "第一村民小组", "360603100201", "group"),
    ];
    let valid = validate(&rows, nothing_stored).unwrap();
    let levels: Vec<_> = valid.iter().map(|r| r.level).collect();
    assert_eq!(
        levels,
        [
            RegionLevel::County,
            RegionLevel::Township,
            RegionLevel::Village,
            RegionLevel::Group
        ]
    );
    assert_eq!(valid[3].code, None);
    assert_eq!(valid[3].parent_code.as_deref(), Some("360603100201"));
}

#[test]
fn every_bad_line_is_reported_with_its_number() {
    let rows = [
        rec(2, "360603", "余江区", "", ""),
        rec(3, "36060310", "坏码", "360603", ""),
        rec(4, "360603100", "", "360603", ""),
        rec(5, "360603101", "某镇", "999999", ""),
        rec(6, "360603102", "某镇", "360603", "village"),
        rec(7, "360603", "余江区", "", ""),
        rec(8, "360604103", "别县镇", "360603", ""),
        rec(9, "", "无码村", "360603", "village"),
        rec(10, "360603104", "某镇", "360603", "city"),
    ];
    let problems = validate(&rows, nothing_stored).unwrap_err();
    let lines: Vec<u64> = problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [3, 4, 5, 6, 7, 8, 9, 10]);
    assert!(problems[0].message.contains("36060310"), "{}", problems[0]);
    assert!(problems[2].message.contains("999999"), "{}", problems[2]);
    assert!(problems[4].message.contains("twice"), "{}", problems[4]);
}

#[test]
fn a_village_must_hang_under_a_township() {
    let rows = [
        rec(2, "360603", "余江区", "", ""),
        rec(3, "360603100201", "渡口村", "360603", ""),
    ];
    let problems = validate(&rows, nothing_stored).unwrap_err();
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].message.contains("belongs under a township"),
        "{}",
        problems[0]
    );
}

#[test]
fn parents_may_already_be_stored() {
    let stored = |code: &str| {
        (code == "360603100").then(|| ExistingRegion {
            level: RegionLevel::Township,
            parent_code: Some("360603".into()),
        })
    };
    let rows = [rec(2, "360603100201", "渡口村", "360603100", "")];
    assert_eq!(validate(&rows, stored).unwrap().len(), 1);
}

#[test]
fn a_stored_region_cannot_move() {
    let stored = |code: &str| match code {
        "360603" => Some(ExistingRegion {
            level: RegionLevel::County,
            parent_code: None,
        }),
        "360603100" => Some(ExistingRegion {
            level: RegionLevel::Township,
            parent_code: Some("360603".into()),
        }),
        "360603100201" => Some(ExistingRegion {
            level: RegionLevel::Village,
            parent_code: Some("360603101".into()),
        }),
        _ => None,
    };
    let rows = [rec(2, "360603100201", "渡口村", "360603100", "")];
    let problems = validate(&rows, stored).unwrap_err();
    assert!(
        problems[0].message.contains("moving a region"),
        "{}",
        problems[0]
    );
}

#[test]
fn duplicate_groups_under_one_village_are_refused() {
    let rows = [
        rec(2, "360603", "余江区", "", ""),
        rec(3, "360603100", "潢溪镇", "360603", ""),
        rec(4, "360603100201", "渡口村", "360603100", ""),
        rec(5, "", "一组", "360603100201", "group"),
        rec(6, "", "一组", "360603100201", "group"),
    ];
    let problems = validate(&rows, nothing_stored).unwrap_err();
    assert_eq!(problems.iter().map(|p| p.line).collect::<Vec<_>>(), [6]);
}
