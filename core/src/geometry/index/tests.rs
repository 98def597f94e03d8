//! Tests for [`GridIndex`], including a randomized comparison with a brute-force scan.

use geo::{Coord, Intersects, LineString, MultiPolygon, Polygon};
use uuid::Uuid;

use super::*;
use crate::grid::parse_geometry;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn ring(points: &[(f64, f64)]) -> LineString<f64> {
    points.iter().map(|&(x, y)| Coord { x, y }).collect()
}

fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
    Polygon::new(
        ring(&[(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]),
        vec![],
    )
}

#[test]
fn a_point_in_a_hole_is_in_no_grid() {
    let with_hole = Polygon::new(
        ring(&[
            (0.0, 0.0),
            (10.0, 0.0),
            (10.0, 10.0),
            (0.0, 10.0),
            (0.0, 0.0),
        ]),
        vec![ring(&[
            (4.0, 4.0),
            (6.0, 4.0),
            (6.0, 6.0),
            (4.0, 6.0),
            (4.0, 4.0),
        ])],
    );
    let index = GridIndex::build([(id(1), MultiPolygon::new(vec![with_hole]))]);
    assert_eq!(index.len(), 1);
    assert_eq!(index.locate(1.0, 1.0), Some(id(1)));
    assert_eq!(index.locate(5.0, 5.0), None, "inside the hole");
    assert_eq!(index.locate(4.0, 5.0), Some(id(1)), "on the hole's edge");
    assert_eq!(index.locate(0.0, 0.0), Some(id(1)), "on a corner");
    assert_eq!(index.locate(10.0, 3.0), Some(id(1)), "on the outline");
    assert_eq!(index.locate(10.000001, 3.0), None);
}

#[test]
fn a_shared_edge_goes_to_the_smaller_id_whatever_the_order() {
    let west = MultiPolygon::new(vec![square(0.0, 0.0, 1.0, 1.0)]);
    let east = MultiPolygon::new(vec![square(1.0, 0.0, 2.0, 1.0)]);
    let one = GridIndex::build([(id(9), west.clone()), (id(3), east.clone())]);
    let other = GridIndex::build([(id(3), east), (id(9), west)]);
    for index in [&one, &other] {
        assert_eq!(index.locate(1.0, 0.5), Some(id(3)));
        assert_eq!(index.locate(1.0, 0.0), Some(id(3)), "shared corner");
        assert_eq!(index.locate(0.5, 0.5), Some(id(9)));
        assert_eq!(index.locate(1.5, 0.5), Some(id(3)));
    }
}

#[test]
fn a_multipolygon_grid_owns_all_its_parts_and_points_outside_find_nothing() {
    let parts = MultiPolygon::new(vec![square(0.0, 0.0, 1.0, 1.0), square(5.0, 5.0, 6.0, 6.0)]);
    let index = GridIndex::build([
        (id(7), parts),
        (id(8), MultiPolygon::new(vec![square(2.0, 2.0, 3.0, 3.0)])),
    ]);
    assert_eq!(index.len(), 2);
    assert!(!index.is_empty());
    assert_eq!(index.locate(0.5, 0.5), Some(id(7)));
    assert_eq!(index.locate(5.5, 5.5), Some(id(7)));
    assert_eq!(index.locate(2.5, 2.5), Some(id(8)));
    for (lon, lat) in [
        (3.5, 3.5),
        (-1.0, 0.5),
        (100.0, 0.0),
        (f64::NAN, 0.5),
        (0.5, f64::INFINITY),
    ] {
        assert_eq!(index.locate(lon, lat), None, "({lon}, {lat})");
    }
    let empty = GridIndex::build([]);
    assert!(empty.is_empty());
    assert_eq!(empty.locate(0.5, 0.5), None);
}

#[test]
fn stored_outlines_load_and_bad_ones_name_their_grid() {
    let text = parse_geometry(
        r#"{"type":"Polygon","coordinates":[[[116.9,28.2],[117.0,28.2],[117.0,28.3],[116.9,28.3],[116.9,28.2]]]}"#,
    )
    .unwrap()
    .geojson;
    let multi = r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}"#;
    let index =
        GridIndex::from_geojson([(id(1), text.clone()), (id(2), multi.to_owned())]).unwrap();
    assert_eq!(index.locate(116.95, 28.25), Some(id(1)));
    assert_eq!(index.locate(0.9, 0.1), Some(id(2)));
    assert!(index.approx_heap_bytes() > 0);

    let point = r#"{"type":"Point","coordinates":[1,2]}"#.to_owned();
    let (bad, why) = GridIndex::from_geojson([(id(1), text.clone()), (id(5), point)]).unwrap_err();
    assert_eq!(
        (bad, why.as_str()),
        (
            id(5),
            "a grid outline must be a Polygon or MultiPolygon, not a Point"
        )
    );
    let short = r#"{"type":"Polygon","coordinates":[[[0,0],[1],[1,1],[0,0]]]}"#.to_owned();
    assert_eq!(
        GridIndex::from_geojson([(id(6), short)]).unwrap_err().0,
        id(6)
    );
    assert_eq!(
        GridIndex::from_geojson([(id(4), "{".to_owned())])
            .unwrap_err()
            .0,
        id(4)
    );
}

#[test]
fn degenerate_and_very_uneven_shapes_are_still_found() {
    let sliver = Polygon::new(
        ring(&[(0.0, 0.0), (0.0, 1.0), (0.0, 0.0), (0.0, 0.0)]),
        vec![],
    );
    let tiny = square(50.0, 50.0, 50.000001, 50.000001);
    let huge = square(-170.0, -80.0, 170.0, 80.0);
    let index = GridIndex::build([
        (id(3), MultiPolygon::new(vec![sliver])),
        (id(2), MultiPolygon::new(vec![tiny])),
        (id(4), MultiPolygon::new(vec![huge])),
    ]);
    assert_eq!(
        index.locate(0.0, 0.5),
        Some(id(3)),
        "on the zero-width sliver"
    );
    assert_eq!(index.locate(50.0000005, 50.0000005), Some(id(2)));
    assert_eq!(index.locate(50.1, 50.0), Some(id(4)));
    assert_eq!(index.locate(175.0, 0.0), None);
    let only_sliver =
        GridIndex::build([(id(1), MultiPolygon::new(vec![square(3.0, 3.0, 3.0, 3.0)]))]);
    assert_eq!(
        only_sliver.locate(3.0, 3.0),
        Some(id(1)),
        "a single point-sized box"
    );
    assert_eq!(only_sliver.locate(3.0, 3.1), None);
}

/// SplitMix64: a small deterministic generator, so the test needs no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [lo, hi).
    fn float(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[test]
fn locate_agrees_with_a_brute_force_scan() {
    const COLS: usize = 20;
    const ROWS: usize = 10;
    let mut rng = Rng(0x5EED);
    // A jittered lattice of corners; cell (c, r) is the quadrilateral between four of them, so
    // the 200 cells tile the area without overlapping and share edges and corners exactly.
    let corners: Vec<Vec<Coord<f64>>> = (0..=ROWS)
        .map(|r| {
            (0..=COLS)
                .map(|c| Coord {
                    x: c as f64 + rng.float(-0.3, 0.3),
                    y: r as f64 + rng.float(-0.3, 0.3),
                })
                .collect()
        })
        .collect();
    let mut grids: Vec<(Uuid, MultiPolygon<f64>)> = Vec::new();
    for r in 0..ROWS {
        for c in 0..COLS {
            let (a, b) = (corners[r][c], corners[r][c + 1]);
            let (d, e) = (corners[r + 1][c + 1], corners[r + 1][c]);
            let centre = Coord {
                x: c as f64 + 0.5,
                y: r as f64 + 0.5,
            };
            // Every fifth cell gets a small hole.
            let holes = if (r * COLS + c).is_multiple_of(5) {
                let h = |dx: f64, dy: f64| (centre.x + dx, centre.y + dy);
                vec![ring(&[
                    h(-0.1, -0.1),
                    h(0.1, -0.1),
                    h(0.1, 0.1),
                    h(-0.1, 0.1),
                    h(-0.1, -0.1),
                ])]
            } else {
                vec![]
            };
            let cell = Polygon::new(LineString::new(vec![a, b, d, e, a]), holes);
            // Every seventh cell joins the previous grid, making it a MultiPolygon.
            match grids.last_mut() {
                Some((_, shape)) if (r * COLS + c).is_multiple_of(7) => shape.0.push(cell),
                _ => grids.push((
                    Uuid::from_u128(u128::from(rng.next()) << 64 | 1),
                    MultiPolygon::new(vec![cell]),
                )),
            }
        }
    }
    // One large grid overlapping a third of the others (bad data the index must still answer).
    let cover = square(2.0, 2.0, 9.0, 8.0);
    grids.push((
        Uuid::from_u128(u128::from(rng.next()) << 64),
        MultiPolygon::new(vec![cover]),
    ));
    let index = GridIndex::build(grids.clone());
    assert_eq!(index.len(), grids.len());

    let mut shared = 0;
    let mut found = 0;
    for i in 0..1000 {
        let point = match i % 10 {
            // Exactly on a lattice corner, shared by up to four cells.
            0 => corners[rng.next() as usize % (ROWS + 1)][rng.next() as usize % (COLS + 1)],
            // Anywhere, including around the jagged outer border.
            _ => Coord {
                x: rng.float(-0.5, COLS as f64 + 0.5),
                y: rng.float(-0.5, ROWS as f64 + 0.5),
            },
        };
        let holders: Vec<Uuid> = grids
            .iter()
            .filter(|(_, shape)| shape.0.iter().any(|polygon| polygon.intersects(&point)))
            .map(|(id, _)| *id)
            .collect();
        shared += usize::from(holders.len() > 1);
        found += usize::from(!holders.is_empty());
        assert_eq!(
            index.locate(point.x, point.y),
            holders.iter().min().copied(),
            "{point:?}"
        );
    }
    assert!(shared >= 50, "corners should be shared, got {shared}");
    assert!(
        found > 800,
        "most points should land in a grid, got {found}"
    );
}
