//! Reading an outline's GeoJSON into rings: the structural checks (types, positions, ring length,
//! closure), the silent dropping of repeated consecutive positions, and the note of which rings
//! enclose no area.

use geo::kernels::RobustKernel;
use geo::{Coord, Kernel, LineString, Orientation};
use serde_json::Value;

/// One ring as read: repeated consecutive positions dropped.
#[derive(Debug, Clone)]
pub(super) struct Ring {
    /// The ring, closed, without repeated consecutive positions.
    pub line: LineString<f64>,
    /// For each position of `line`, its index in the input (before dropping repeats).
    pub input_index: Vec<usize>,
    /// Whether the ring encloses no area (fewer than 3 distinct points, or all on one line).
    pub flat: bool,
}

/// One polygon as read: its outer ring first, then its holes.
#[derive(Debug, Clone)]
pub(super) struct ReadPolygon {
    /// Index of the polygon in the input.
    pub index: usize,
    /// Ring 0 is the outer ring, rings 1, 2, … the holes.
    pub rings: Vec<Ring>,
}

impl ReadPolygon {
    /// A polygon made here (by the repair), as polygon `index`: positions counted as they are.
    pub fn from_polygon(index: usize, polygon: &geo::Polygon<f64>) -> Self {
        let rings = std::iter::once(polygon.exterior())
            .chain(polygon.interiors())
            .map(|line| Ring {
                line: line.clone(),
                input_index: (0..line.0.len()).collect(),
                flat: !encloses_area(&line.0),
            })
            .collect();
        Self { index, rings }
    }

    /// The polygon as a geo shape.
    pub fn to_polygon(&self) -> geo::Polygon<f64> {
        let mut lines = self.rings.iter().map(|r| r.line.clone());
        let exterior = lines.next().unwrap_or_else(|| LineString::new(vec![]));
        geo::Polygon::new(exterior, lines.collect())
    }

    /// Whether some ring encloses no area.
    pub fn is_flat(&self) -> bool {
        self.rings.iter().any(|r| r.flat)
    }
}

/// The geometry's kind (true for MultiPolygon) and its polygons' values, or why there are none.
pub(super) fn polygon_values(geometry: &Value) -> Result<(bool, Vec<&Value>), String> {
    let (multi, coordinates) = outline_parts(geometry)?;
    if !multi {
        return Ok((false, vec![coordinates]));
    }
    match coordinates.as_array() {
        Some(polygons) if polygons.is_empty() => Err("the MultiPolygon has no polygons".to_owned()),
        Some(polygons) => Ok((true, polygons.iter().collect())),
        None => Err(not_an_array("the MultiPolygon's coordinates", coordinates)),
    }
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

/// Reads polygon `pi`; `None` when it is not sound enough for the geometric checks (the
/// reasons are added to `problems`). A ring that encloses no area is read, marked flat.
pub(super) fn read_polygon(
    pi: usize,
    value: &Value,
    problems: &mut Vec<String>,
) -> Option<ReadPolygon> {
    let Some(rings) = value.as_array() else {
        problems.push(not_an_array(&format!("polygon {pi}"), value));
        return None;
    };
    if rings.is_empty() {
        problems.push(format!("polygon {pi} has no rings"));
        return None;
    }
    let mut read: Vec<Option<Ring>> = Vec::with_capacity(rings.len());
    for (ri, ring) in rings.iter().enumerate() {
        read.push(read_ring(pi, ri, ring, problems));
    }
    let rings = read.into_iter().collect::<Option<Vec<_>>>()?;
    Some(ReadPolygon { index: pi, rings })
}

/// Reads ring `ri` of polygon `pi`; `None` when a position is unusable, or the ring is short or
/// not closed.
fn read_ring(pi: usize, ri: usize, value: &Value, problems: &mut Vec<String>) -> Option<Ring> {
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
    // Repeated consecutive positions say nothing about the shape: dropped without a word.
    let mut line = Vec::with_capacity(coords.len());
    let mut input_index = Vec::with_capacity(coords.len());
    for (k, c) in coords.into_iter().enumerate() {
        if line.last() != Some(&c) {
            line.push(c);
            input_index.push(k);
        }
    }
    let flat = !encloses_area(&line);
    Some(Ring {
        line: LineString::new(line),
        input_index,
        flat,
    })
}

/// Whether some three positions of the ring are not on one line (exact predicate). Flat rings
/// are kept out of the geometric checks: geo's relate is not meant for them.
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
