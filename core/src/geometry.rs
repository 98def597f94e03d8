//! Grid outlines: a thorough check of an uploaded outline ([`check_outline`], which can also
//! repair it, and [`validate_outline`]) and the in-memory index that finds the grid containing
//! a point ([`GridIndex`]).
//!
//! Positions are WGS-84 `[longitude, latitude]` degrees. Indexes in messages count from 0:
//! polygon 0 is the only polygon of a Polygon; ring 0 is a polygon's outer ring and rings 1, 2, …
//! are its holes; position 0 is a ring's first position, counted as in the input. Repeated
//! consecutive positions are dropped without a word: they change nothing about the shape.

mod buckets;
mod index;
mod places;
mod read;
mod repair;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_repair;

pub use index::GridIndex;

use geo::algorithm::Validation;
use geo::coordinate_position::CoordPos;
use geo::dimensions::Dimensions;
use geo::{BoundingRect, MultiPolygon, Polygon, Relate};
use serde_json::Value;

use crate::coords::CoordSystem;
use crate::grid::BoundingBox;
use places::Namer;
use read::ReadPolygon;

/// A grid outline that passed every check of [`validate_outline`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidOutline {
    /// Compact GeoJSON geometry text with only `type` and `coordinates`, positions reduced to
    /// `[lon, lat]`: of the input's type, except that a Polygon a repair split in several is
    /// a MultiPolygon. [`crate::grid::parse_geometry`] and [`GridIndex::from_geojson`] read it
    /// back.
    pub geojson: String,
    /// Bounding box of all positions.
    pub bbox: BoundingBox,
    /// The outline as geo shapes (a Polygon becomes a MultiPolygon of one).
    pub shape: MultiPolygon<f64>,
}

/// How [`check_outline`] treats an outline.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutlineOptions {
    /// The coordinate system the outline was given in (before its conversion to WGS-84):
    /// places in messages are shown in it, so that they can be found in the input.
    pub shown_in: CoordSystem,
    /// Make rings that cross or touch themselves or each other valid (see [`repair`]) instead
    /// of refusing them.
    pub repair: bool,
}

/// An outline [`check_outline`] accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedOutline {
    /// The outline to store.
    pub outline: ValidOutline,
    /// What the repair changed, when the outline needed one.
    pub repair: Option<Repair>,
}

/// What a repair changed in one outline.
#[derive(Debug, Clone, PartialEq)]
pub struct Repair {
    /// The problems repaired, as they would have been refused.
    pub problems: Vec<String>,
    /// Polygons in the input.
    pub polygons_before: usize,
    /// Polygons after the repair.
    pub polygons_after: usize,
    /// Geodesic area of the input as drawn, m²: each outer ring's area less its holes'; a
    /// ring that crosses itself counts parts wound the other way negatively.
    pub area_before_m2: f64,
    /// Geodesic area after the repair, m².
    pub area_after_m2: f64,
}

/// Why [`check_outline`] refused an outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Every problem found, one English sentence each.
    pub problems: Vec<String>,
    /// Whether `repair` would have made the outline valid: its only problems are rings that
    /// cross or touch themselves or each other, enclose no area, or polygons that overlap.
    pub repairable: bool,
}

/// Checks a grid outline given as a GeoJSON geometry object (WGS-84): a Polygon or a
/// MultiPolygon whose rings are closed and simple, whose holes lie inside their shells without
/// crossing each other, and whose polygons do not overlap. Same as [`check_outline`] with
/// default options, without the repair.
pub fn validate_outline(geometry: &Value) -> Result<ValidOutline, Vec<String>> {
    check_outline(geometry, OutlineOptions::default())
        .map(|checked| checked.outline)
        .map_err(|refusal| refusal.problems)
}

/// Checks a grid outline given as a GeoJSON geometry object (WGS-84), and with
/// `options.repair` makes an outline valid whose only problems are geometric.
///
/// Every problem found is reported as one English sentence naming the polygon, ring and
/// position (indexes from 0), and for rings that meet, where: `[longitude, latitude]` in
/// `options.shown_in`. A polygon with a structural problem (a bad position; a short or unclosed
/// ring) is left out of the geometric checks, and a polygon with a problem of its own out of
/// the overlap checks between polygons: their results would mean nothing for it. Structural
/// problems are never repaired.
pub fn check_outline(geometry: &Value, options: OutlineOptions) -> Result<CheckedOutline, Refusal> {
    let refuse = |problems: Vec<String>| Refusal {
        problems,
        repairable: false,
    };
    let (multi, values) = read::polygon_values(geometry).map_err(|p| refuse(vec![p]))?;
    let mut structural = Vec::new();
    let mut read = Vec::with_capacity(values.len());
    for (pi, value) in values.iter().enumerate() {
        if let Some(polygon) = read::read_polygon(pi, value, &mut structural) {
            read.push(polygon);
        }
    }
    let namer = Namer {
        shown_in: options.shown_in,
    };
    let (geometric, valid) = geometric_problems(&read, namer);
    if !structural.is_empty() || read.len() < values.len() {
        structural.extend(geometric);
        return Err(refuse(structural));
    }
    if geometric.is_empty() {
        let shape = MultiPolygon::new(valid);
        return Ok(CheckedOutline {
            outline: outline_of(multi, shape).map_err(|p| refuse(vec![p]))?,
            repair: None,
        });
    }
    if !options.repair {
        return Err(Refusal {
            problems: geometric,
            repairable: true,
        });
    }

    let before: Vec<Polygon<f64>> = read.iter().map(ReadPolygon::to_polygon).collect();
    let repaired = repair::repair(&before);
    if repaired.0.is_empty() {
        let mut problems = geometric;
        problems
            .push("nothing is left of the outline after the repair: it encloses no area".into());
        return Err(refuse(problems));
    }
    // The repair's output must pass the same checks as any outline.
    let again: Vec<ReadPolygon> = repaired
        .0
        .iter()
        .enumerate()
        .map(|(i, p)| ReadPolygon::from_polygon(i, p))
        .collect();
    let (left, _) = geometric_problems(&again, namer);
    if !left.is_empty() {
        return Err(refuse(
            left.into_iter()
                .map(|p| format!("after the repair, {p}"))
                .collect(),
        ));
    }
    let report = Repair {
        problems: geometric,
        polygons_before: before.len(),
        polygons_after: repaired.0.len(),
        area_before_m2: repair::area_m2(&before),
        area_after_m2: repair::area_m2(&repaired.0),
    };
    Ok(CheckedOutline {
        outline: outline_of(multi || repaired.0.len() > 1, repaired)
            .map_err(|p| refuse(vec![p]))?,
        repair: Some(report),
    })
}

/// Problems of the polygons' geometry (flat rings, rings crossing, holes outside or
/// overlapping, polygons overlapping), and the polygons that have none of their own.
fn geometric_problems(read: &[ReadPolygon], namer: Namer) -> (Vec<String>, Vec<Polygon<f64>>) {
    let mut problems = Vec::new();
    for polygon in read {
        for (ri, ring) in polygon.rings.iter().enumerate() {
            if ring.flat {
                problems.push(format!(
                    "ring {ri} of polygon {} encloses no area: its positions are fewer than 3 \
                     distinct points or all on one line",
                    polygon.index
                ));
            }
        }
    }
    // Each polygon on its own (simple rings, holes inside and apart), then the pairs of valid
    // polygons: geo's relate is only asked about well-formed shapes.
    let mut valid: Vec<(&ReadPolygon, Polygon<f64>)> = Vec::with_capacity(read.len());
    for read in read.iter().filter(|p| !p.is_flat()) {
        let polygon = read.to_polygon();
        let errors = polygon.validation_errors();
        if errors.is_empty() {
            valid.push((read, polygon));
        } else {
            for error in errors {
                problems.extend(namer.describe(read, &polygon, error));
            }
        }
    }
    for (k, (ra, a)) in valid.iter().enumerate() {
        for (rb, b) in valid.iter().skip(k + 1) {
            let matrix = a.relate(b);
            if matrix.get(CoordPos::Inside, CoordPos::Inside) == Dimensions::TwoDimensional {
                problems.push(namer.polygons_overlap((ra, a), (rb, b)));
            }
            if matrix.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional
            {
                problems.push(namer.polygons_share((ra.index, a), (rb.index, b)));
            }
        }
    }
    (problems, valid.into_iter().map(|(_, p)| p).collect())
}

/// The outline to store: GeoJSON text (a MultiPolygon when `multi`) and bounding box.
fn outline_of(multi: bool, shape: MultiPolygon<f64>) -> Result<ValidOutline, String> {
    let rect = shape
        .bounding_rect()
        .ok_or_else(|| "the outline has no positions".to_owned())?;
    let geojson = if multi {
        geojson::Geometry::from(&shape).to_string()
    } else {
        match shape.0.first() {
            Some(polygon) => geojson::Geometry::from(polygon).to_string(),
            None => return Err("the Polygon has no rings".to_owned()),
        }
    };
    Ok(ValidOutline {
        geojson,
        bbox: BoundingBox {
            min_lon: rect.min().x,
            min_lat: rect.min().y,
            max_lon: rect.max().x,
            max_lat: rect.max().y,
        },
        shape,
    })
}
