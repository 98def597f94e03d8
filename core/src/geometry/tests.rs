//! Tests for [`validate_outline`].

use serde_json::json;

use super::*;
use crate::grid::parse_geometry;

fn problems(geometry: serde_json::Value) -> Vec<String> {
    validate_outline(&geometry).expect_err("should be refused")
}

#[test]
fn a_valid_polygon_with_a_hole_is_accepted_and_round_trips() {
    let outline = json!({"type": "Polygon", "coordinates": [
        [[116.9, 28.2], [117.0, 28.2], [117.0, 28.3], [116.9, 28.3], [116.9, 28.2]],
        [[116.94, 28.24], [116.96, 28.24], [116.96, 28.26], [116.94, 28.24]]
    ], "bbox": [0, 0, 1, 1], "name": "dropped"});
    let valid = validate_outline(&outline).unwrap();
    assert_eq!(valid.shape.0.len(), 1);
    assert_eq!(valid.shape.0[0].interiors().len(), 1);
    let stored = parse_geometry(&valid.geojson).unwrap();
    assert_eq!(stored.bbox, valid.bbox);
    assert_eq!(valid.bbox.min_lon, 116.9);
    assert_eq!(valid.bbox.max_lat, 28.3);
    assert!(
        valid.geojson.starts_with(r#"{"type":"Polygon""#),
        "{}",
        valid.geojson
    );
    assert!(!valid.geojson.contains("dropped") && !valid.geojson.contains("bbox"));
}

#[test]
fn a_valid_multipolygon_keeps_its_type_and_drops_altitudes() {
    let outline = json!({"type": "MultiPolygon", "coordinates": [
        [[[0, 0, 5], [1, 0, 5], [1, 1, 5], [0, 0, 5]]],
        [[[2, 2], [3, 2], [3, 3], [2, 2]]]
    ]});
    let valid = validate_outline(&outline).unwrap();
    assert_eq!(valid.shape.0.len(), 2);
    assert!(valid.geojson.starts_with(r#"{"type":"MultiPolygon""#));
    assert!(!valid.geojson.contains("5"), "{}", valid.geojson);
    assert_eq!(parse_geometry(&valid.geojson).unwrap().bbox, valid.bbox);
}

#[test]
fn things_that_are_not_polygon_geometries_are_refused() {
    assert_eq!(
        problems(json!("POLYGON((0 0,1 0,1 1,0 0))")),
        ["the outline must be a GeoJSON geometry object, not a string"]
    );
    assert_eq!(
        problems(json!({"type": "Point", "coordinates": [116.9, 28.2]})),
        ["a grid outline must be a Polygon or MultiPolygon, not a Point"]
    );
    assert_eq!(
        problems(json!({"coordinates": []})),
        ["the outline has no \"type\"; a grid outline is a Polygon or MultiPolygon"]
    );
    assert_eq!(
        problems(json!({"type": "Polygon"})),
        ["the outline has no \"coordinates\""]
    );
    assert_eq!(
        problems(json!({"type": "Polygon", "coordinates": []})),
        ["polygon 0 has no rings"]
    );
    assert_eq!(
        problems(json!({"type": "MultiPolygon", "coordinates": []})),
        ["the MultiPolygon has no polygons"]
    );
    assert_eq!(
        problems(json!({"type": "Polygon", "coordinates": [5]})),
        ["ring 0 of polygon 0 must be an array, not a number"]
    );
}

#[test]
fn short_and_unclosed_rings_are_named() {
    assert_eq!(
        problems(json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]})),
        [
            "ring 0 of polygon 0 has 3 positions; a ring needs at least 4, the last repeating the first"
        ]
    );
    // geo would close this ring silently; the raw text must not pass.
    assert_eq!(
        problems(json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]})),
        [
            "ring 0 of polygon 0 is not closed: its last position [0, 1] differs from its first [0, 0]"
        ]
    );
}

#[test]
fn rings_that_enclose_no_area_are_refused() {
    let outline = json!({"type": "MultiPolygon", "coordinates": [
        [[[1, 1], [1, 1], [1, 1], [1, 1]]],
        [[[0, 0], [1, 0], [0, 0], [1, 0], [0, 0]]],
        [[[0, 0], [1, 1], [2, 2], [3, 3], [0, 0]]],
        [[[5, 5], [6, 5], [6, 6], [5, 5]], [[5.5, 5.2], [5.5, 5.2], [5.5, 5.2], [5.5, 5.2]]]
    ]});
    let flat = |p: usize, r: usize| {
        format!(
            "ring {r} of polygon {p} encloses no area: its positions are fewer than 3 distinct \
             points or all on one line"
        )
    };
    assert_eq!(
        problems(outline),
        [flat(0, 0), flat(1, 0), flat(2, 0), flat(3, 1)]
    );
}

#[test]
fn bad_and_out_of_range_positions_are_named() {
    let outline = json!({"type": "Polygon", "coordinates": [[
        [0, 0], [190, 0], [1, "1"], [1], [0, -95], [0, 0]
    ]]});
    assert_eq!(
        problems(outline),
        [
            "position 1 of ring 0 of polygon 0 has longitude 190, outside -180 to 180",
            "position 2 of ring 0 of polygon 0 must be [longitude, latitude] with two finite numbers, not [1,\"1\"]",
            "position 3 of ring 0 of polygon 0 must be [longitude, latitude] with two finite numbers, not [1]",
            "position 4 of ring 0 of polygon 0 has latitude -95, outside -90 to 90",
        ]
    );
}

#[test]
fn a_self_intersecting_ring_is_refused() {
    let bow_tie =
        json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]});
    assert_eq!(
        problems(bow_tie),
        ["ring 0 of polygon 0 crosses itself at [0.5, 0.5] (edges from positions 0 and 2)"]
    );
}

#[test]
fn holes_outside_their_shell_or_crossing_each_other_are_refused() {
    let shell = json!([[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]);
    let outside = json!({"type": "Polygon", "coordinates": [
        shell, [[20, 20], [21, 20], [21, 21], [20, 20]]
    ]});
    assert_eq!(
        problems(outside),
        [
            "ring 1 of polygon 0 is a hole that is not inside the polygon's outer ring (ring 0): \
             its position 0 [20, 20] lies outside"
        ]
    );
    let overlapping = json!({"type": "Polygon", "coordinates": [
        shell,
        [[1, 1], [5, 1], [5, 5], [1, 5], [1, 1]],
        [[3, 3], [7, 3], [7, 7], [3, 7], [3, 3]]
    ]});
    assert_eq!(
        problems(overlapping),
        ["rings 1 and 2 of polygon 0 (holes) overlap: they cross at [5, 3], at [3, 5]"]
    );
    let along_the_shell = json!({"type": "Polygon", "coordinates": [
        shell, [[0, 2], [5, 2], [5, 5], [0, 5], [0, 2]]
    ]});
    assert_eq!(
        problems(along_the_shell),
        ["rings 0 and 1 of polygon 0 share part of their boundary from [0, 2] to [0, 5]"]
    );
}

#[test]
fn overlapping_polygons_of_a_multipolygon_are_refused() {
    let outline = json!({"type": "MultiPolygon", "coordinates": [
        [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]],
        [[[1, 1], [3, 1], [3, 3], [1, 3], [1, 1]]]
    ]});
    assert_eq!(
        problems(outline),
        ["polygons 0 and 1 overlap: they cross at [2, 1], at [1, 2]"]
    );
    let sharing_an_edge = json!({"type": "MultiPolygon", "coordinates": [
        [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]],
        [[[1, 0], [2, 0], [2, 1], [1, 1], [1, 0]]]
    ]});
    assert_eq!(
        problems(sharing_an_edge),
        [
            "polygons 0 and 1 share part of their boundary from [1, 0] to [1, 1]; join them \
             into one polygon"
        ]
    );
}

#[test]
fn every_problem_is_reported_with_the_original_polygon_index() {
    let outline = json!({"type": "MultiPolygon", "coordinates": [
        [[[0, 0], [1, 0], [1, 1], [0, 1]]],
        [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]],
        [[[5, 5], [6, 6], [6, 5], [5, 6], [5, 5]]],
        [[[1, 1], [3, 1], [3, 3], [1, 3], [1, 1]]],
        [[[200, 0], [201, 0], [201, 1], [200, 0]]]
    ]});
    assert_eq!(
        problems(outline),
        [
            "ring 0 of polygon 0 is not closed: its last position [0, 1] differs from its first [0, 0]",
            "position 0 of ring 0 of polygon 4 has longitude 200, outside -180 to 180",
            "position 1 of ring 0 of polygon 4 has longitude 201, outside -180 to 180",
            "position 2 of ring 0 of polygon 4 has longitude 201, outside -180 to 180",
            "position 3 of ring 0 of polygon 4 has longitude 200, outside -180 to 180",
            "ring 0 of polygon 2 crosses itself at [5.5, 5.5] (edges from positions 0 and 2)",
            "polygons 1 and 3 overlap: they cross at [2, 1], at [1, 2]",
        ]
    );
}
