//! Making an invalid outline valid, with geo's boolean operations (i_overlay underneath), and
//! measuring what that changed.
//!
//! The repair follows the "structure" method of PostGIS's `ST_MakeValid`: each ring on its own
//! becomes the area it winds around — a self-union under the **non-zero** fill rule, so a loop
//! that runs twice around a place keeps it, and both halves of a bow-tie stay, whichever way
//! they wind — then each polygon is its outer ring's area minus the union of its holes' areas,
//! and the feature is the union of its polygons. Spikes and flat rings enclose nothing and
//! vanish; overlapping polygons merge. (geo's `MakeValid` uses the even-odd rule instead,
//! which would turn a doubly wound place into a hole.) The result is written by i_overlay on
//! a fixed grid of about 1e-9 of the outline's extent, far below the precision of the data.

use geo::algorithm::bool_ops::{BooleanOps, FillRule, unary_union};
use geo::{GeodesicArea, LineString, MultiPolygon, Polygon};

/// The outline `polygons` cover, as valid polygons (possibly none).
pub(super) fn repair(polygons: &[Polygon<f64>]) -> MultiPolygon<f64> {
    let parts: Vec<MultiPolygon<f64>> = polygons
        .iter()
        .map(|polygon| {
            let shell = ring_area(polygon.exterior());
            if polygon.interiors().is_empty() {
                return shell;
            }
            let holes: Vec<MultiPolygon<f64>> = polygon.interiors().iter().map(ring_area).collect();
            shell.difference(&unary_union(&holes))
        })
        .collect();
    unary_union(&parts)
}

/// The area a ring winds around (non-zero rule), as valid polygons.
fn ring_area(ring: &LineString<f64>) -> MultiPolygon<f64> {
    Polygon::new(ring.clone(), vec![])
        .union_with_fill_rule(&MultiPolygon::<f64>::new(vec![]), FillRule::NonZero)
}

/// Geodesic area in m² (WGS-84 ellipsoid) of `polygons` as drawn: each outer ring's area minus
/// its holes' areas, whatever way the rings wind. For a ring that crosses itself this is its
/// signed (shoelace) area, where parts wound the other way count negatively: "as drawn".
pub(super) fn area_m2(polygons: &[Polygon<f64>]) -> f64 {
    let ring = |r: &LineString<f64>| Polygon::new(r.clone(), vec![]).geodesic_area_signed().abs();
    polygons
        .iter()
        .map(|p| ring(p.exterior()) - p.interiors().iter().map(ring).sum::<f64>())
        .sum()
}
