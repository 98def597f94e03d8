//! Grid outlines: a thorough check of an uploaded outline ([`validate_outline`]) and the
//! in-memory index that finds the grid containing a point ([`GridIndex`]).
//!
//! Positions are WGS-84 `[longitude, latitude]` degrees. Indexes in messages count from 0:
//! polygon 0 is the only polygon of a Polygon; ring 0 is a polygon's outer ring and rings 1, 2, …
//! are its holes; position 0 is a ring's first position.

mod buckets;
mod index;
#[cfg(test)]
mod tests;

pub use index::GridIndex;

use geo::algorithm::Validation;
use geo::algorithm::validation::{InvalidPolygon, RingRole};
use geo::coordinate_position::CoordPos;
use geo::dimensions::Dimensions;
use geo::kernels::RobustKernel;
use geo::{Coord, Kernel, LineString, MultiPolygon, Orientation, Polygon, Relate};
use serde_json::Value;

use crate::grid::BoundingBox;

/// A grid outline that passed every check of [`validate_outline`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidOutline {
    /// Compact GeoJSON geometry text of the same type as the input, with only `type` and
    /// `coordinates`, positions reduced to `[lon, lat]`. [`crate::grid::parse_geometry`] and
    /// [`GridIndex::from_geojson`] read it back.
    pub geojson: String,
    /// Bounding box of all positions.
    pub bbox: BoundingBox,
    /// The outline as geo shapes (a Polygon becomes a MultiPolygon of one).
    pub shape: MultiPolygon<f64>,
}

/// Checks a grid outline given as a GeoJSON geometry object (WGS-84): a Polygon or a
/// MultiPolygon whose rings are closed and simple, whose holes lie inside their shells without
/// crossing each other, and whose polygons do not overlap.
///
/// Every problem found is reported as one English sentence naming the polygon, ring and position
/// (indexes from 0). A polygon with a structural problem (a bad position; a short, unclosed or
/// flat ring) is left out of the geometric checks, and a polygon with a problem of its own out of
/// the overlap checks between polygons: their results would mean nothing for it.
pub fn validate_outline(geometry: &Value) -> Result<ValidOutline, Vec<String>> {
    let (multi, coordinates) = outline_parts(geometry).map_err(|problem| vec![problem])?;
    let polygon_values: Vec<&Value> = if multi {
        match coordinates.as_array() {
            Some(polygons) if polygons.is_empty() => {
                return Err(vec!["the MultiPolygon has no polygons".to_owned()]);
            }
            Some(polygons) => polygons.iter().collect(),
            None => {
                return Err(vec![not_an_array(
                    "the MultiPolygon's coordinates",
                    coordinates,
                )]);
            }
        }
    } else {
        vec![coordinates]
    };

    let mut problems = Vec::new();
    let mut bounds = Bounds::default();
    // Structurally sound polygons, with their index in the input.
    let mut sound: Vec<(usize, Polygon<f64>)> = Vec::new();
    let mut all_sound = true;
    for (pi, value) in polygon_values.iter().enumerate() {
        match read_polygon(pi, value, &mut bounds, &mut problems) {
            Some(polygon) => sound.push((pi, polygon)),
            None => all_sound = false,
        }
    }

    // Each sound polygon on its own (simple rings, holes inside and apart), then the pairs of
    // valid polygons: geo's relate is only asked about well-formed shapes.
    let mut valid: Vec<(usize, Polygon<f64>)> = Vec::with_capacity(sound.len());
    for (pi, polygon) in sound {
        let errors = polygon.validation_errors();
        if errors.is_empty() {
            valid.push((pi, polygon));
        } else {
            problems.extend(errors.into_iter().map(|e| describe_polygon(pi, e)));
        }
    }
    for (k, (pa, a)) in valid.iter().enumerate() {
        for (pb, b) in valid.iter().skip(k + 1) {
            let matrix = a.relate(b);
            if matrix.get(CoordPos::Inside, CoordPos::Inside) == Dimensions::TwoDimensional {
                problems.push(format!("polygons {pa} and {pb} overlap"));
            }
            if matrix.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional
            {
                problems.push(format!(
                    "polygons {pa} and {pb} share part of their boundary; join them into one \
                     polygon"
                ));
            }
        }
    }
    let shape = MultiPolygon::new(valid.into_iter().map(|(_, polygon)| polygon).collect());

    if !problems.is_empty() || !all_sound {
        return Err(problems);
    }
    let geojson = if multi {
        geojson::Geometry::from(&shape).to_string()
    } else {
        match shape.0.first() {
            Some(polygon) => geojson::Geometry::from(polygon).to_string(),
            None => return Err(vec!["the Polygon has no rings".to_owned()]),
        }
    };
    Ok(ValidOutline {
        geojson,
        bbox: bounds.into_box(),
        shape,
    })
}

/// The geometry's kind (true for MultiPolygon) and its `coordinates`, or why there are none.
fn outline_parts(geometry: &Value) -> Result<(bool, &Value), String> {
    let Some(object) = geometry.as_object() else {
        return Err(format!(
            "the outline must be a GeoJSON geometry object, not {}",
            kind_of(geometry)
        ));
    };
    let multi = match object.get("type") {
        Some(Value::String(kind)) if kind == "Polygon" => false,
        Some(Value::String(kind)) if kind == "MultiPolygon" => true,
        Some(Value::String(kind)) => {
            return Err(format!(
                "a grid outline must be a Polygon or MultiPolygon, not a {kind}"
            ));
        }
        Some(other) => {
            return Err(format!(
                "the outline's \"type\" must be \"Polygon\" or \"MultiPolygon\", not {}",
                kind_of(other)
            ));
        }
        None => {
            return Err(
                "the outline has no \"type\"; a grid outline is a Polygon or MultiPolygon"
                    .to_owned(),
            );
        }
    };
    match object.get("coordinates") {
        Some(coordinates) => Ok((multi, coordinates)),
        None => Err("the outline has no \"coordinates\"".to_owned()),
    }
}

/// Reads polygon `pi`; `None` when it is not sound enough for the geometric checks.
fn read_polygon(
    pi: usize,
    value: &Value,
    bounds: &mut Bounds,
    problems: &mut Vec<String>,
) -> Option<Polygon<f64>> {
    let Some(rings) = value.as_array() else {
        problems.push(not_an_array(&format!("polygon {pi}"), value));
        return None;
    };
    if rings.is_empty() {
        problems.push(format!("polygon {pi} has no rings"));
        return None;
    }
    let mut read: Vec<Option<LineString<f64>>> = Vec::with_capacity(rings.len());
    for (ri, ring) in rings.iter().enumerate() {
        read.push(read_ring(pi, ri, ring, bounds, problems));
    }
    let mut read = read.into_iter().collect::<Option<Vec<_>>>()?.into_iter();
    let exterior = read.next()?;
    Some(Polygon::new(exterior, read.collect()))
}

/// Reads ring `ri` of polygon `pi`; `None` when a position is unusable, or the ring is short or
/// not closed.
fn read_ring(
    pi: usize,
    ri: usize,
    value: &Value,
    bounds: &mut Bounds,
    problems: &mut Vec<String>,
) -> Option<LineString<f64>> {
    let Some(positions) = value.as_array() else {
        problems.push(not_an_array(&format!("ring {ri} of polygon {pi}"), value));
        return None;
    };
    let mut coords = Vec::with_capacity(positions.len());
    let mut usable = true;
    for (k, position) in positions.iter().enumerate() {
        let at = || format!("position {k} of ring {ri} of polygon {pi}");
        let Some(coord) = read_position(position) else {
            problems.push(format!(
                "{} must be [longitude, latitude] with two finite numbers, not {}",
                at(),
                shorten(position)
            ));
            usable = false;
            continue;
        };
        if !(-180.0..=180.0).contains(&coord.x) {
            problems.push(format!(
                "{} has longitude {}, outside -180 to 180",
                at(),
                coord.x
            ));
        }
        if !(-90.0..=90.0).contains(&coord.y) {
            problems.push(format!(
                "{} has latitude {}, outside -90 to 90",
                at(),
                coord.y
            ));
        }
        bounds.add(coord);
        coords.push(coord);
    }
    if positions.len() < 4 {
        problems.push(format!(
            "ring {ri} of polygon {pi} has {} position{}; a ring needs at least 4, the last \
             repeating the first",
            positions.len(),
            if positions.len() == 1 { "" } else { "s" }
        ));
        return None;
    }
    if !usable {
        return None;
    }
    let (first, last) = (coords.first()?, coords.last()?);
    if first != last {
        problems.push(format!(
            "ring {ri} of polygon {pi} is not closed: its last position [{}, {}] differs from its \
             first [{}, {}]",
            last.x, last.y, first.x, first.y
        ));
        return None;
    }
    if !encloses_area(&coords) {
        problems.push(format!(
            "ring {ri} of polygon {pi} encloses no area: its positions are fewer than 3 distinct \
             points or all on one line"
        ));
        return None;
    }
    Some(LineString::new(coords))
}

/// Whether some three positions of the ring are not on one line (exact predicate). Flat rings
/// are refused here: geo's relate, used by the later checks, is not meant for them.
fn encloses_area(ring: &[Coord<f64>]) -> bool {
    let Some(&a) = ring.first() else {
        return false;
    };
    let Some(&b) = ring.iter().find(|&&c| c != a) else {
        return false;
    };
    ring.iter()
        .any(|&c| RobustKernel::orient2d(a, b, c) != Orientation::Collinear)
}

/// `[lon, lat]` or `[lon, lat, altitude…]` with finite numbers.
fn read_position(value: &Value) -> Option<Coord<f64>> {
    match value.as_array()?.as_slice() {
        [x, y, ..] => {
            let (x, y) = (x.as_f64()?, y.as_f64()?);
            (x.is_finite() && y.is_finite()).then_some(Coord { x, y })
        }
        _ => None,
    }
}

/// One sentence for a problem geo's validation found in polygon `pi`.
fn describe_polygon(pi: usize, error: InvalidPolygon) -> String {
    let ring = |role: RingRole| match role {
        RingRole::Exterior => 0,
        RingRole::Interior(i) => i + 1,
    };
    match error {
        InvalidPolygon::TooFewPointsInRing(r) => format!(
            "ring {} of polygon {pi} has fewer than 3 distinct positions",
            ring(r)
        ),
        InvalidPolygon::SelfIntersection(r) => {
            format!("ring {} of polygon {pi} crosses or touches itself", ring(r))
        }
        InvalidPolygon::NonFiniteCoord(r, k) => format!(
            "position {} of ring {} of polygon {pi} is not a finite number",
            k.0,
            ring(r)
        ),
        InvalidPolygon::InteriorRingNotContainedInExteriorRing(r) => format!(
            "ring {} of polygon {pi} is a hole that is not inside the polygon's outer ring \
             (ring 0)",
            ring(r)
        ),
        InvalidPolygon::IntersectingRingsOnALine(a, b) => format!(
            "rings {} and {} of polygon {pi} share part of their boundary",
            ring(a),
            ring(b)
        ),
        InvalidPolygon::IntersectingRingsOnAnArea(a, b) => format!(
            "rings {} and {} of polygon {pi} (holes) overlap",
            ring(a),
            ring(b)
        ),
    }
}

fn not_an_array(what: &str, value: &Value) -> String {
    format!("{what} must be an array, not {}", kind_of(value))
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The value as compact JSON, cut to a readable length.
fn shorten(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// A bounding box being grown position by position.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    min: Coord<f64>,
    max: Coord<f64>,
}

impl Default for Bounds {
    fn default() -> Self {
        Self {
            min: Coord {
                x: f64::INFINITY,
                y: f64::INFINITY,
            },
            max: Coord {
                x: f64::NEG_INFINITY,
                y: f64::NEG_INFINITY,
            },
        }
    }
}

impl Bounds {
    fn add(&mut self, c: Coord<f64>) {
        self.min.x = self.min.x.min(c.x);
        self.min.y = self.min.y.min(c.y);
        self.max.x = self.max.x.max(c.x);
        self.max.y = self.max.y.max(c.y);
    }

    fn into_box(self) -> BoundingBox {
        BoundingBox {
            min_lon: self.min.x,
            min_lat: self.min.y,
            max_lon: self.max.x,
            max_lat: self.max.y,
        }
    }
}
