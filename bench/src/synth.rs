//! Synthetic but plausible grids: a jittered lattice of irregular polygons (mostly hexagons to
//! octagons) tiling a region without gaps or overlaps, and random points over it; [`org`] adds
//! the organisation around them (regions, units, rules) for measuring `route()`.

use geo::{Coord, LineString, MultiPolygon, Polygon};
use indicatif::ProgressBar;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

pub mod org;

/// A lon/lat rectangle in WGS-84 degrees.
#[derive(Debug, Clone, Copy)]
pub struct Region {
    /// West edge.
    pub min_lon: f64,
    /// South edge.
    pub min_lat: f64,
    /// East edge.
    pub max_lon: f64,
    /// North edge.
    pub max_lat: f64,
}

/// Around 余江区 (Yujiang, Jiangxi).
pub const YUJIANG: Region = Region {
    min_lon: 116.6,
    min_lat: 28.0,
    max_lon: 117.2,
    max_lat: 28.7,
};

/// Corners move by up to this fraction of a cell; edge midpoints by [`MID_JITTER`] across the
/// edge. Small enough that edges around a corner keep to separate sectors, so every cell is a
/// simple polygon and neighbours share edges exactly.
const CORNER_JITTER: f64 = 0.15;
const MID_JITTER: f64 = 0.1;
/// Chance that an edge gets a midpoint (a cell has 4 corners and up to 4 midpoints).
const MIDPOINT_CHANCE: f64 = 0.8;

/// Makes `cols × rows` grid cells over the region, each a Polygon with a random id, ticking
/// `bar` once per cell.
pub fn lattice(
    region: Region,
    cols: usize,
    rows: usize,
    seed: u64,
    bar: &ProgressBar,
) -> Vec<(Uuid, Polygon<f64>)> {
    let mut rng = StdRng::seed_from_u64(seed);
    let cell_w = (region.max_lon - region.min_lon) / cols as f64;
    let cell_h = (region.max_lat - region.min_lat) / rows as f64;
    let mut jitter = |scale: f64| rng.random_range(-scale..=scale);

    let corners: Vec<Vec<Coord<f64>>> = (0..=rows)
        .map(|r| {
            (0..=cols)
                .map(|c| {
                    // The region's outline stays straight.
                    let dx = if c == 0 || c == cols {
                        0.0
                    } else {
                        jitter(CORNER_JITTER)
                    };
                    let dy = if r == 0 || r == rows {
                        0.0
                    } else {
                        jitter(CORNER_JITTER)
                    };
                    Coord {
                        x: region.min_lon + (c as f64 + dx) * cell_w,
                        y: region.min_lat + (r as f64 + dy) * cell_h,
                    }
                })
                .collect()
        })
        .collect();
    let mut midpoint = |a: Coord<f64>, b: Coord<f64>, horizontal: bool, outer: bool| {
        if outer || rng.random::<f64>() >= MIDPOINT_CHANCE {
            return None;
        }
        let (across, along) = (
            rng.random_range(-MID_JITTER..=MID_JITTER),
            rng.random_range(-0.05..=0.05),
        );
        let mid = Coord {
            x: (a.x + b.x) / 2.0,
            y: (a.y + b.y) / 2.0,
        };
        Some(if horizontal {
            Coord {
                x: mid.x + along * cell_w,
                y: mid.y + across * cell_h,
            }
        } else {
            Coord {
                x: mid.x + across * cell_w,
                y: mid.y + along * cell_h,
            }
        })
    };
    // Edge midpoints are drawn once per edge, so both cells beside an edge share it.
    let horizontal: Vec<Vec<Option<Coord<f64>>>> = (0..=rows)
        .map(|r| {
            (0..cols)
                .map(|c| midpoint(corners[r][c], corners[r][c + 1], true, r == 0 || r == rows))
                .collect()
        })
        .collect();
    let vertical: Vec<Vec<Option<Coord<f64>>>> = (0..rows)
        .map(|r| {
            (0..=cols)
                .map(|c| midpoint(corners[r][c], corners[r + 1][c], false, c == 0 || c == cols))
                .collect()
        })
        .collect();

    let mut cells = Vec::with_capacity(cols * rows);
    for r in 0..rows {
        for c in 0..cols {
            // Counter-clockwise: bottom edge, right edge, top edge (backwards), left edge.
            let ring: Vec<Coord<f64>> = [
                Some(corners[r][c]),
                horizontal[r][c],
                Some(corners[r][c + 1]),
                vertical[r][c + 1],
                Some(corners[r + 1][c + 1]),
                horizontal[r + 1][c],
                Some(corners[r + 1][c]),
                vertical[r][c],
                Some(corners[r][c]),
            ]
            .into_iter()
            .flatten()
            .collect();
            let id = Uuid::from_u128(rng.random());
            cells.push((id, Polygon::new(LineString::new(ring), vec![])));
            bar.inc(1);
        }
    }
    cells
}

/// Wraps single polygons as the MultiPolygons [`cunxiang_core::geometry::GridIndex`] takes.
pub fn as_multi(cells: &[(Uuid, Polygon<f64>)]) -> Vec<(Uuid, MultiPolygon<f64>)> {
    cells
        .iter()
        .map(|(id, polygon)| (*id, MultiPolygon::new(vec![polygon.clone()])))
        .collect()
}

/// `n` points uniform over the region widened by `margin` (a fraction of its size) on every
/// side, so some fall outside every grid.
pub fn points(region: Region, margin: f64, n: usize, seed: u64) -> Vec<(f64, f64)> {
    let mut rng = StdRng::seed_from_u64(seed);
    let (w, h) = (
        region.max_lon - region.min_lon,
        region.max_lat - region.min_lat,
    );
    let lon = (region.min_lon - margin * w)..(region.max_lon + margin * w);
    let lat = (region.min_lat - margin * h)..(region.max_lat + margin * h);
    (0..n)
        .map(|_| (rng.random_range(lon.clone()), rng.random_range(lat.clone())))
        .collect()
}
