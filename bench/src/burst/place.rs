//! What the burst files: the bodies of `POST /v1/reports`, each at a random point inside one
//! village's grid of the demo county (渡口村网格, the outline the server seeds, read from
//! `cunxiang_api::demo::GRIDS_GEOJSON`), with the demo's public categories in turn. The points
//! are drawn once, from a fixed seed, so every run files the same reports.

use anyhow::{Context, bail};
use geo::{Contains, Point};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

/// The grid every report falls in.
pub const GRID_NAME: &str = "渡口村网格";
/// Seed of the points.
const SEED: u64 = 0x0b0e_5715;

/// The reports of a burst, made before it starts.
pub struct Bodies {
    /// One JSON body per report, in filing order.
    pub bodies: Vec<Value>,
    /// The categories used, in turn.
    pub categories: Vec<String>,
}

/// `n` report bodies: category `categories[i % len]`, a WGS-84 point inside [`GRID_NAME`],
/// channel `mini_program`, a short description naming the report.
pub fn bodies(n: usize) -> anyhow::Result<Bodies> {
    let outline = grid_outline()?;
    let categories: Vec<String> = cunxiang_api::demo::categories()
        .into_iter()
        .filter(|c| c.active && c.public)
        .map(|c| c.code)
        .collect();
    if categories.is_empty() {
        bail!("the demo county has no public category");
    }
    let b = outline.bbox;
    let mut rng = StdRng::seed_from_u64(SEED);
    let mut bodies = Vec::with_capacity(n);
    while bodies.len() < n {
        // Rounded to 6 decimals (≈ 0.1 m) as a phone sends them, then checked.
        let (lon, lat) = (
            (rng.random_range(b.min_lon..b.max_lon) * 1e6).round() / 1e6,
            (rng.random_range(b.min_lat..b.max_lat) * 1e6).round() / 1e6,
        );
        if !outline.shape.contains(&Point::new(lon, lat)) {
            continue;
        }
        let i = bodies.len();
        let category = &categories[i % categories.len()];
        bodies.push(json!({
            "category": category,
            "description": format!("burst-bench 上报 {i}"),
            "location": {
                "lat": lat,
                "lon": lon,
                "coord_system": "wgs84",
                "accuracy_m": 10.0,
            },
            "channel": "mini_program",
        }));
    }
    Ok(Bodies { bodies, categories })
}

/// The outline of [`GRID_NAME`] as the demo seeds it.
fn grid_outline() -> anyhow::Result<cunxiang_core::geometry::ValidOutline> {
    let grids: Value = serde_json::from_str(cunxiang_api::demo::GRIDS_GEOJSON)?;
    let feature = grids["features"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["properties"]["name"] == GRID_NAME))
        .with_context(|| format!("no grid {GRID_NAME} in the demo county"))?;
    cunxiang_core::geometry::validate_outline(&feature["geometry"])
        .map_err(|problems| anyhow::anyhow!("{GRID_NAME}: {}", problems.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_point_is_in_the_grid_and_categories_rotate() {
        let made = bodies(50).unwrap();
        let outline = grid_outline().unwrap();
        for (i, body) in made.bodies.iter().enumerate() {
            let (lon, lat) = (
                body["location"]["lon"].as_f64().unwrap(),
                body["location"]["lat"].as_f64().unwrap(),
            );
            assert!(outline.shape.contains(&Point::new(lon, lat)));
            assert_eq!(body["category"], made.categories[i % made.categories.len()]);
        }
        assert_eq!(bodies(50).unwrap().bodies, made.bodies);
    }
}
