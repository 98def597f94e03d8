//! `route-bench`: how fast Cunxiang finds the grid holding a point, for 10,000 grids around
//! 余江, and how fast it routes a report there (`route()` alone and the whole intake path).
//! Run with `cargo run --release -p cunxiang-bench --bin route-bench`.

use std::time::{Duration, Instant};

use anyhow::bail;
use cunxiang_bench::measure::{self, Measurement};
use cunxiang_bench::reference::RTreeLocator;
use cunxiang_bench::synth::{self, YUJIANG, org};
use cunxiang_core::Category;
use cunxiang_core::coords::{self, CoordSystem, LonLat};
use cunxiang_core::geometry::{GridIndex, validate_outline};
use cunxiang_core::routing::{Assignment, Organisation, Place, route};
use geo::Polygon;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

const COLS: usize = 100;
const ROWS: usize = 100;
const POINTS: usize = 1_000_000;
const RUNS: usize = 5;
/// Points fall over the region widened by this fraction on each side: some miss every grid.
const MARGIN: f64 = 0.02;
const SEED: u64 = 0x0C0F_FEE5;

fn main() -> anyhow::Result<()> {
    println!("route-bench: grid lookup and routing over {COLS}×{ROWS} synthetic grids around 余江");
    println!("  machine   {}", machine());

    // 1. Grids: generate, then check each outline as an upload would be and keep its stored text.
    let bar = measure::progress_bar((COLS * ROWS) as u64, "generating grids");
    let cells = synth::lattice(YUJIANG, COLS, ROWS, SEED, &bar);
    bar.finish_and_clear();
    let bar = measure::progress_bar(cells.len() as u64, "validating outlines");
    let started = Instant::now();
    let mut stored: Vec<(Uuid, String)> = Vec::with_capacity(cells.len());
    for (id, polygon) in &cells {
        let value = serde_json::to_value(geojson::Geometry::from(polygon))?;
        let valid = validate_outline(&value)
            .map_err(|problems| anyhow::anyhow!("grid {id}: {}", problems.join("; ")))?;
        stored.push((*id, valid.geojson));
        bar.inc(1);
    }
    let validating = started.elapsed();
    bar.finish_and_clear();
    let vertices: usize = cells.iter().map(|(_, p)| p.exterior().0.len() - 1).sum();
    println!(
        "  grids     {} valid, {:.1} vertices on average; validate_outline {:.0} µs each",
        cells.len(),
        vertices as f64 / cells.len() as f64,
        micros(validating) / cells.len() as f64
    );

    // 2. The index: from stored text (the start-up path) and from shapes, timed RUNS times.
    let rss_before = rss_bytes();
    let index =
        GridIndex::from_geojson(stored.clone()).map_err(|(id, e)| anyhow::anyhow!("{id}: {e}"))?;
    let rss_after = rss_bytes();
    let shapes = synth::as_multi(&cells);
    let mut from_text = Vec::with_capacity(RUNS);
    let mut from_shapes = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let input = stored.clone();
        let started = Instant::now();
        let rebuilt = GridIndex::from_geojson(input);
        from_text.push(millis(started.elapsed()));
        drop(rebuilt);
        let input = shapes.clone();
        let started = Instant::now();
        let rebuilt = GridIndex::build(input);
        from_shapes.push(millis(started.elapsed()));
        drop(rebuilt);
    }
    println!(
        "  index     {} grids; from_geojson {:.1} ms, build from shapes {:.1} ms (medians of {RUNS})",
        index.len(),
        median(&mut from_text),
        median(&mut from_shapes)
    );
    println!(
        "  memory    index ≈ {:.1} MiB counted; process RSS grew {} during the first from_geojson",
        index.approx_heap_bytes() as f64 / MIB,
        match (rss_before, rss_after) {
            (Some(before), Some(after)) => {
                format!("{:.1} MiB", after.saturating_sub(before) as f64 / MIB)
            }
            _ => "(unknown)".to_owned(),
        }
    );

    // 3. Points, and a check that the index agrees with the R-tree reference on every one.
    let points = synth::points(YUJIANG, MARGIN, POINTS, SEED + 1);
    let reference = RTreeLocator::build(&shapes);
    let bar = measure::progress_bar(points.len() as u64, "checking answers");
    let mut hits = 0usize;
    for (i, &(lon, lat)) in points.iter().enumerate() {
        let found = index.locate(lon, lat);
        if found != reference.locate(lon, lat) {
            bail!("point {i} ({lon}, {lat}): index says {found:?}, R-tree reference disagrees");
        }
        hits += usize::from(found.is_some());
        if i % 10_000 == 0 {
            bar.inc(10_000);
        }
    }
    bar.finish_and_clear();
    println!(
        "  points    {POINTS} uniform over the region +{:.0} % margin; {:.1} % inside a grid; \
         answers identical to the rstar reference",
        MARGIN * 100.0,
        hits as f64 * 100.0 / points.len() as f64
    );

    // 4. Measurements, one thread.
    let mut rows = vec![measure::measure(
        "GridIndex::locate",
        &points,
        RUNS,
        |&(lon, lat)| index.locate(lon, lat),
    )];
    rows.push(measure::measure(
        "reference: rstar + same exact test",
        &points,
        RUNS,
        |&(lon, lat)| reference.locate(lon, lat),
    ));
    rows.extend(route_measurements(&index, &cells, &points));
    println!();
    measure::print_table(&rows);
    println!(
        "  (latencies from every 100th call timed alone; the clock itself adds ≈ {:.3} µs)",
        measure::clock_overhead_ns() / 1000.0
    );
    Ok(())
}

/// `route()` over a synthetic organisation around the grids (see `synth::org`): first alone,
/// for each point's place (found beforehand) and a category, then the whole path of an intake
/// from a GCJ-02 position: conversion to WGS-84, `GridIndex::locate`, the grid's region and
/// `route()` (with the conversion alone, to see its share). Also times `Organisation::new` and
/// prints where the reports went.
fn route_measurements(
    index: &GridIndex,
    cells: &[(Uuid, Polygon<f64>)],
    points: &[(f64, f64)],
) -> Vec<Measurement> {
    let synthetic = org::organisation(cells, COLS, ROWS, SEED + 2);
    let mut builds = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let (regions, units, rules, supervised) = (
            synthetic.regions.clone(),
            synthetic.units.clone(),
            synthetic.rules.clone(),
            synthetic.supervised.clone(),
        );
        let started = Instant::now();
        let built = Organisation::new(regions, units, rules, supervised);
        builds.push(millis(started.elapsed()));
        drop(built);
    }
    let organisation = Organisation::new(
        synthetic.regions.clone(),
        synthetic.units.clone(),
        synthetic.rules.clone(),
        synthetic.supervised.clone(),
    );
    let categories = &synthetic.categories;
    let region_of = &synthetic.region_of;
    println!(
        "  org       {} regions, {} units, {} rules ({} active), {} supervised regions, \
         {} categories; Organisation::new {:.1} ms (median of {RUNS})",
        synthetic.regions.len(),
        synthetic.units.len(),
        synthetic.rules.len(),
        synthetic.rules.iter().filter(|r| r.active).count(),
        synthetic.supervised.len(),
        categories.len(),
        median(&mut builds)
    );

    // Inputs: each point with a category; for route() alone its place, for the full path the
    // position as a phone sends it (GCJ-02).
    let mut rng = StdRng::seed_from_u64(SEED + 3);
    let mut alone = Vec::with_capacity(points.len());
    let mut intake = Vec::with_capacity(points.len());
    for &(lon, lat) in points {
        let category = &categories[rng.random_range(0..categories.len())];
        let place = index.locate(lon, lat).and_then(|grid| {
            region_of.get(&grid).map(|&region_id| Place {
                grid_id: grid,
                region_id,
            })
        });
        alone.push((place, category));
        let sent = coords::from_wgs84(LonLat { lon, lat }, CoordSystem::Gcj02);
        intake.push((sent, category));
    }
    let (mut by_rule, mut by_default, mut dispatched) = (0usize, 0usize, 0usize);
    for (place, category) in &alone {
        match route(category, *place, &organisation) {
            Assignment::Unit { reason, .. } if reason.starts_with("rule") => by_rule += 1,
            Assignment::Unit { .. } => by_default += 1,
            Assignment::Dispatch { .. } => dispatched += 1,
        }
    }
    let share = |n: usize| n as f64 * 100.0 / alone.len().max(1) as f64;
    println!(
        "  routed    {:.1} % by a rule, {:.1} % by default to the unit at the category's level, \
         {:.1} % to a dispatch queue",
        share(by_rule),
        share(by_default),
        share(dispatched)
    );

    let full_path = |&(sent, category): &(LonLat, &Category)| {
        let at = coords::to_wgs84(sent, CoordSystem::Gcj02);
        let place = index.locate(at.lon, at.lat).and_then(|grid| {
            region_of.get(&grid).map(|&region_id| Place {
                grid_id: grid,
                region_id,
            })
        });
        route(category, place, &organisation)
    };
    vec![
        measure::measure("route() alone", &alone, RUNS, |&(place, category)| {
            route(category, place, &organisation)
        }),
        measure::measure("GCJ-02→WGS-84 alone", &intake, RUNS, |&(sent, _)| {
            coords::to_wgs84(sent, CoordSystem::Gcj02)
        }),
        measure::measure("GCJ-02→WGS-84 + locate + route()", &intake, RUNS, full_path),
    ]
}

const MIB: f64 = 1024.0 * 1024.0;

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Resident set size from `/proc/self/status` (Linux), in bytes.
fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// CPU model and core count, as far as the system tells.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = cunxiang_bench::measure::cpu_model();
    format!("{model}, {cores} cores available, one thread used")
}
