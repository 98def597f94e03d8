//! A reference locator with an rstar R-tree as its bounding-box pre-filter and the same exact
//! test and tie rule as [`cunxiang_core::geometry::GridIndex`]: to check its answers and to
//! compare the two pre-filters on the same data.

use geo::{BoundingRect, Coord, Intersects, MultiPolygon, Polygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use uuid::Uuid;

type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// Grids in an R-tree of polygon boxes.
#[derive(Debug)]
pub struct RTreeLocator {
    tree: RTree<Entry>,
    parts: Vec<(Uuid, Polygon<f64>)>,
}

impl RTreeLocator {
    /// Bulk-loads the polygons' boxes.
    pub fn build(grids: &[(Uuid, MultiPolygon<f64>)]) -> Self {
        let parts: Vec<(Uuid, Polygon<f64>)> = grids
            .iter()
            .flat_map(|(id, shape)| shape.0.iter().map(|polygon| (*id, polygon.clone())))
            .collect();
        let entries = parts
            .iter()
            .enumerate()
            .filter_map(|(i, (_, polygon))| {
                let rect = polygon.bounding_rect()?;
                let corners =
                    AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
                Some(GeomWithData::new(Rectangle::from_aabb(corners), i))
            })
            .collect();
        Self {
            tree: RTree::bulk_load(entries),
            parts,
        }
    }

    /// The grid containing the point, boundary included; the smallest id when several do.
    pub fn locate(&self, lon: f64, lat: f64) -> Option<Uuid> {
        let point = Coord { x: lon, y: lat };
        self.tree
            .locate_all_at_point(&[lon, lat])
            .filter_map(|entry| self.parts.get(entry.data))
            .filter(|(_, polygon)| polygon.intersects(&point))
            .map(|(id, _)| *id)
            .min()
    }
}
