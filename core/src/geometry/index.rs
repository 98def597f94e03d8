//! [`GridIndex`]: which grid contains a point, among thousands of grids held in memory.

use geo::{BoundingRect, Coord, Intersects, LineString, MultiPolygon, Polygon, Rect};
use uuid::Uuid;

use super::buckets::Buckets;

/// Grid outlines indexed for point lookup: a bounding-box pre-filter, then an exact
/// point-in-polygon test with geo's robust predicates.
///
/// A point on a grid's outline counts as inside it; a point inside a hole does not (a point on
/// the hole's edge does). When several grids hold the point — a shared border, or overlapping
/// data — the smallest id wins, so the answer never depends on the order grids were given in.
#[derive(Debug, Clone, Default)]
pub struct GridIndex {
    /// One entry per polygon, sorted by grid id: the first hit among the candidates (which
    /// come in ascending order) is the answer.
    parts: Vec<Part>,
    buckets: Buckets,
    grids: usize,
}

#[derive(Debug, Clone)]
struct Part {
    id: Uuid,
    bbox: Rect<f64>,
    polygon: Polygon<f64>,
}

impl GridIndex {
    /// Indexes the grids. An id given more than once owns all its outlines; polygons without
    /// an outer ring or with a non-finite coordinate are left out.
    pub fn build(grids: impl IntoIterator<Item = (Uuid, MultiPolygon<f64>)>) -> Self {
        let mut parts = Vec::new();
        let mut ids = Vec::new();
        for (id, shape) in grids {
            ids.push(id);
            for polygon in shape {
                if let Some(bbox) = usable_bbox(&polygon) {
                    parts.push(Part { id, bbox, polygon });
                }
            }
        }
        ids.sort_unstable();
        ids.dedup();
        parts.sort_by_key(|part| part.id);
        parts.shrink_to_fit();
        let boxes: Vec<Rect<f64>> = parts.iter().map(|part| part.bbox).collect();
        Self {
            buckets: Buckets::new(&boxes),
            parts,
            grids: ids.len(),
        }
    }

    /// Parses stored outlines — GeoJSON Polygon or MultiPolygon text such as
    /// [`crate::grid::GridGeometry::geojson`] — and indexes them. The first outline that cannot
    /// be read is returned with its grid id and the reason.
    pub fn from_geojson(
        grids: impl IntoIterator<Item = (Uuid, String)>,
    ) -> Result<Self, (Uuid, String)> {
        let shapes = grids
            .into_iter()
            .map(|(id, text)| {
                parse_shape(&text)
                    .map(|shape| (id, shape))
                    .map_err(|e| (id, e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::build(shapes))
    }

    /// How many distinct grids were given.
    pub fn len(&self) -> usize {
        self.grids
    }

    /// Whether no grid was given.
    pub fn is_empty(&self) -> bool {
        self.grids == 0
    }

    /// The grid containing the point (WGS-84 degrees), boundary included; the smallest id when
    /// several do. `None` outside every grid, inside a hole, or for a non-finite coordinate.
    pub fn locate(&self, lon: f64, lat: f64) -> Option<Uuid> {
        let point = Coord { x: lon, y: lat };
        self.buckets
            .candidates(point)
            .iter()
            .filter_map(|&i| self.parts.get(i))
            .find(|part| rect_holds(&part.bbox, point) && part.polygon.intersects(&point))
            .map(|part| part.id)
    }

    /// Approximate bytes the index holds on the heap (outlines, boxes and buckets).
    pub fn approx_heap_bytes(&self) -> usize {
        let rings: usize = self
            .parts
            .iter()
            .map(|part| {
                let interiors = part.polygon.interiors();
                let coords: usize = std::iter::once(part.polygon.exterior())
                    .chain(interiors)
                    .map(|ring| ring.0.capacity())
                    .sum();
                coords * size_of::<Coord<f64>>() + size_of_val(interiors)
            })
            .sum();
        self.parts.capacity() * size_of::<Part>() + rings + self.buckets.heap_bytes()
    }
}

/// The polygon's box, when it has an outer ring and only finite coordinates.
fn usable_bbox(polygon: &Polygon<f64>) -> Option<Rect<f64>> {
    let finite = std::iter::once(polygon.exterior())
        .chain(polygon.interiors())
        .flat_map(|ring| ring.0.iter())
        .all(|c| c.x.is_finite() && c.y.is_finite());
    if !finite {
        return None;
    }
    polygon.bounding_rect()
}

fn rect_holds(rect: &Rect<f64>, p: Coord<f64>) -> bool {
    let (min, max) = (rect.min(), rect.max());
    min.x <= p.x && p.x <= max.x && min.y <= p.y && p.y <= max.y
}

/// Reads stored outline text into polygons. Positions are checked here: geojson's own
/// conversion to geo panics on a position with fewer than two numbers.
fn parse_shape(text: &str) -> Result<MultiPolygon<f64>, String> {
    let geometry: geojson::Geometry = text
        .parse()
        .map_err(|e: geojson::Error| format!("not a GeoJSON geometry: {e}"))?;
    let polygons = match &geometry.value {
        geojson::GeometryValue::Polygon { coordinates } => vec![to_polygon(coordinates)?],
        geojson::GeometryValue::MultiPolygon { coordinates } => coordinates
            .iter()
            .map(to_polygon)
            .collect::<Result<_, _>>()?,
        other => {
            return Err(format!(
                "a grid outline must be a Polygon or MultiPolygon, not a {}",
                other.type_name()
            ));
        }
    };
    Ok(MultiPolygon::new(polygons))
}

fn to_polygon(rings: &geojson::PolygonType) -> Result<Polygon<f64>, String> {
    let mut rings = rings.iter().map(|ring| {
        ring.iter()
            .map(|position| match position.as_slice() {
                [x, y, ..] if x.is_finite() && y.is_finite() => Ok(Coord { x: *x, y: *y }),
                _ => Err(format!(
                    "position {:?} is not two finite numbers",
                    position.as_slice()
                )),
            })
            .collect::<Result<LineString<f64>, String>>()
    });
    let exterior = rings
        .next()
        .transpose()?
        .ok_or_else(|| "a polygon has no rings".to_owned())?;
    Ok(Polygon::new(exterior, rings.collect::<Result<_, _>>()?))
}

#[cfg(test)]
mod tests;
