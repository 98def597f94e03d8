//! Grids (网格): patrol areas with a polygon inside one region, served by grid workers.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

/// An axis-aligned box around a geometry, in WGS-84 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BoundingBox {
    /// Westernmost longitude.
    pub min_lon: f64,
    /// Southernmost latitude.
    pub min_lat: f64,
    /// Easternmost longitude.
    pub max_lon: f64,
    /// Northernmost latitude.
    pub max_lat: f64,
}

impl BoundingBox {
    /// Whether the point lies inside the box or on its edge.
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        (self.min_lon..=self.max_lon).contains(&lon) && (self.min_lat..=self.max_lat).contains(&lat)
    }
}

/// One grid as stored: its outline is GeoJSON text in WGS-84, with its bounding box.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grid {
    /// Stable id (UUIDv7).
    pub id: Uuid,
    /// Name, e.g. 渡口村网格.
    pub name: String,
    /// The region (usually a village or villager group) the grid lies in.
    pub region_id: Uuid,
    /// GeoJSON geometry text (Polygon or MultiPolygon), WGS-84.
    pub geometry: String,
    /// Bounding box of `geometry`.
    pub bbox: BoundingBox,
    /// When the grid was created.
    pub created_at: DateTime<Utc>,
    /// When the grid last changed.
    pub updated_at: DateTime<Utc>,
    /// Disabled grids stay for history but no longer take part in routing.
    pub active: bool,
}

/// A grid outline that passed the basic checks: GeoJSON text normalised, and its box.
#[derive(Debug, Clone, PartialEq)]
pub struct GridGeometry {
    /// Compact GeoJSON geometry text.
    pub geojson: String,
    /// Its bounding box.
    pub bbox: BoundingBox,
}

/// Why an outline was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GridGeometryError {
    /// Not parseable as GeoJSON.
    #[error("not a GeoJSON geometry: {0}")]
    NotGeoJson(String),
    /// A geometry type other than Polygon or MultiPolygon.
    #[error("a grid must be a Polygon or MultiPolygon, not a {0}")]
    WrongType(String),
    /// A ring with fewer than four positions or whose last position differs from its first.
    #[error("ring {ring} of polygon {polygon} is not closed or has fewer than 4 positions")]
    RingNotClosed {
        /// Polygon index within a MultiPolygon (0 for a Polygon).
        polygon: usize,
        /// Ring index (0 is the exterior).
        ring: usize,
    },
    /// A coordinate outside longitude ±180 / latitude ±90, or not a finite number.
    #[error("coordinate [{lon}, {lat}] is out of range")]
    OutOfRange {
        /// Longitude given.
        lon: f64,
        /// Latitude given.
        lat: f64,
    },
    /// A polygon without any ring.
    #[error("polygon {0} has no rings")]
    Empty(usize),
}

/// Parses and checks a grid outline given as GeoJSON geometry text (WGS-84): a Polygon or
/// MultiPolygon whose rings are closed and whose coordinates are in range.
pub fn parse_geometry(text: &str) -> Result<GridGeometry, GridGeometryError> {
    let geometry: geojson::Geometry = text
        .parse()
        .map_err(|e: geojson::Error| GridGeometryError::NotGeoJson(e.to_string()))?;
    let polygons: Vec<&geojson::PolygonType> = match &geometry.value {
        geojson::GeometryValue::Polygon { coordinates } => vec![coordinates],
        geojson::GeometryValue::MultiPolygon { coordinates } => coordinates.iter().collect(),
        other => return Err(GridGeometryError::WrongType(other.type_name().to_owned())),
    };
    if polygons.is_empty() {
        return Err(GridGeometryError::Empty(0));
    }
    let mut bbox = BoundingBox {
        min_lon: f64::INFINITY,
        min_lat: f64::INFINITY,
        max_lon: f64::NEG_INFINITY,
        max_lat: f64::NEG_INFINITY,
    };
    for (pi, polygon) in polygons.iter().enumerate() {
        if polygon.is_empty() {
            return Err(GridGeometryError::Empty(pi));
        }
        for (ri, ring) in polygon.iter().enumerate() {
            let closed = ring.len() >= 4 && ring.first() == ring.last();
            if !closed {
                return Err(GridGeometryError::RingNotClosed {
                    polygon: pi,
                    ring: ri,
                });
            }
            for position in ring {
                let (lon, lat) = match position.as_slice() {
                    [lon, lat, ..] => (*lon, *lat),
                    _ => {
                        return Err(GridGeometryError::NotGeoJson(
                            "a position needs two numbers".into(),
                        ));
                    }
                };
                let in_range = lon.is_finite()
                    && lat.is_finite()
                    && (-180.0..=180.0).contains(&lon)
                    && (-90.0..=90.0).contains(&lat);
                if !in_range {
                    return Err(GridGeometryError::OutOfRange { lon, lat });
                }
                bbox.min_lon = bbox.min_lon.min(lon);
                bbox.min_lat = bbox.min_lat.min(lat);
                bbox.max_lon = bbox.max_lon.max(lon);
                bbox.max_lat = bbox.max_lat.max(lat);
            }
        }
    }
    Ok(GridGeometry {
        geojson: geometry.to_string(),
        bbox,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: &str = r#"{"type":"Polygon","coordinates":[[[116.9,28.2],[117.0,28.2],[117.0,28.3],[116.9,28.3],[116.9,28.2]]]}"#;

    #[test]
    fn a_closed_square_gives_its_box() {
        let g = parse_geometry(SQUARE).unwrap();
        assert_eq!(
            g.bbox,
            BoundingBox {
                min_lon: 116.9,
                min_lat: 28.2,
                max_lon: 117.0,
                max_lat: 28.3
            }
        );
        assert!(g.bbox.contains(116.95, 28.25));
        assert!(!g.bbox.contains(116.85, 28.25));
    }

    #[test]
    fn multipolygons_take_the_box_of_all_parts() {
        let text = r#"{"type":"MultiPolygon","coordinates":[
            [[[0,0],[1,0],[1,1],[0,0]]],
            [[[5,5],[6,5],[6,7],[5,5]]]]}"#;
        let g = parse_geometry(text).unwrap();
        assert_eq!(
            g.bbox,
            BoundingBox {
                min_lon: 0.0,
                min_lat: 0.0,
                max_lon: 6.0,
                max_lat: 7.0
            }
        );
    }

    #[test]
    fn open_rings_wrong_types_and_bad_coordinates_are_refused() {
        let open = r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}"#;
        assert_eq!(
            parse_geometry(open),
            Err(GridGeometryError::RingNotClosed {
                polygon: 0,
                ring: 0
            })
        );
        let point = r#"{"type":"Point","coordinates":[116.9,28.2]}"#;
        assert_eq!(
            parse_geometry(point),
            Err(GridGeometryError::WrongType("Point".into()))
        );
        let far = r#"{"type":"Polygon","coordinates":[[[0,0],[190,0],[1,1],[0,0]]]}"#;
        assert!(matches!(
            parse_geometry(far),
            Err(GridGeometryError::OutOfRange { .. })
        ));
        assert!(matches!(
            parse_geometry("{"),
            Err(GridGeometryError::NotGeoJson(_))
        ));
    }
}
