//! Grids: outlines (GeoJSON text, WGS-84) with their bounding boxes, listed by region subtree.

use cunxiang_core::{BoundingBox, Grid, GridGeometry};
use diesel::prelude::*;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::Result;
use crate::page::Page;
use crate::regions::parse_id;
use crate::schema::{grids, regions};
use crate::time;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = grids)]
struct GridRow {
    id: String,
    name: String,
    region_id: String,
    geometry: String,
    min_lon: f64,
    min_lat: f64,
    max_lon: f64,
    max_lat: f64,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
    active: bool,
}

impl GridRow {
    fn into_core(self) -> Result<Grid> {
        Ok(Grid {
            id: parse_id("grids", &self.id)?,
            name: self.name,
            region_id: parse_id("grids", &self.region_id)?,
            geometry: self.geometry,
            bbox: BoundingBox {
                min_lon: self.min_lon,
                min_lat: self.min_lat,
                max_lon: self.max_lon,
                max_lat: self.max_lat,
            },
            created_at: time::from_db(self.created_at),
            updated_at: time::from_db(self.updated_at),
            active: self.active,
        })
    }
}

/// Inserts a grid whose outline has already been checked (`cunxiang_core::grid::parse_geometry`).
pub fn insert(
    conn: &mut DbConn,
    name: &str,
    region_id: Uuid,
    geometry: &GridGeometry,
) -> Result<Grid> {
    let now = time::to_db(time::now());
    let row = GridRow {
        id: Uuid::now_v7().to_string(),
        name: name.to_owned(),
        region_id: region_id.to_string(),
        geometry: geometry.geojson.clone(),
        min_lon: geometry.bbox.min_lon,
        min_lat: geometry.bbox.min_lat,
        max_lon: geometry.bbox.max_lon,
        max_lat: geometry.bbox.max_lat,
        created_at: now,
        updated_at: now,
        active: true,
    };
    diesel::insert_into(grids::table)
        .values(&row)
        .execute(conn)?;
    row.into_core()
}

/// One page of grids in id order, optionally only those inside the region subtree whose
/// materialised path is `within_path` (see [`crate::regions::path_of`]).
pub fn list(
    conn: &mut DbConn,
    within_path: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Page<Grid>> {
    let mut query = grids::table
        .select(GridRow::as_select())
        .order(grids::id)
        .into_boxed();
    if let Some(path) = within_path {
        let subtree = regions::table
            .filter(regions::path.like(format!("{path}%")))
            .select(regions::id);
        query = query.filter(grids::region_id.eq_any(subtree));
    }
    if let Some(after) = after {
        query = query.filter(grids::id.gt(after.to_owned()));
    }
    let rows: Vec<GridRow> = query.limit(limit + 1).load(conn)?;
    let grids = rows
        .into_iter()
        .map(GridRow::into_core)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(grids, limit, |g| g.id.to_string()))
}

/// The grid with this id (active or not).
pub fn find(conn: &mut DbConn, id: Uuid) -> Result<Option<Grid>> {
    grids::table
        .find(id.to_string())
        .select(GridRow::as_select())
        .first(conn)
        .optional()?
        .map(GridRow::into_core)
        .transpose()
}

/// The name of the grid with this id (active or not), without reading its outline.
pub fn name_of(conn: &mut DbConn, id: Uuid) -> Result<Option<String>> {
    Ok(grids::table
        .find(id.to_string())
        .select(grids::name)
        .first(conn)
        .optional()?)
}

/// The grid of this name in this region, if any (re-imports update it in place).
pub fn find_by_name(conn: &mut DbConn, region_id: Uuid, name: &str) -> Result<Option<Grid>> {
    grids::table
        .filter(grids::region_id.eq(region_id.to_string()))
        .filter(grids::name.eq(name))
        .select(GridRow::as_select())
        .first(conn)
        .optional()?
        .map(GridRow::into_core)
        .transpose()
}

/// Replaces a grid's outline (and re-activates it); bumps `updated_at` so every instance
/// rebuilds its grid index.
pub fn set_geometry(conn: &mut DbConn, id: Uuid, geometry: &GridGeometry) -> Result<()> {
    diesel::update(grids::table.find(id.to_string()))
        .set((
            grids::geometry.eq(&geometry.geojson),
            grids::min_lon.eq(geometry.bbox.min_lon),
            grids::min_lat.eq(geometry.bbox.min_lat),
            grids::max_lon.eq(geometry.bbox.max_lon),
            grids::max_lat.eq(geometry.bbox.max_lat),
            grids::active.eq(true),
            grids::updated_at.eq(time::to_db(time::now())),
        ))
        .execute(conn)?;
    Ok(())
}

/// What an admin may change on a grid besides its outline.
#[derive(Debug, Clone, Default)]
pub struct GridChange {
    /// New name.
    pub name: Option<String>,
    /// Enable or disable (disabled grids leave the routing index).
    pub active: Option<bool>,
}

/// Applies a change and bumps `updated_at` (so every instance rebuilds its grid index);
/// `None` when there is no such grid.
pub fn update(conn: &mut DbConn, id: Uuid, change: &GridChange) -> Result<Option<Grid>> {
    let key = id.to_string();
    let target = || grids::table.find(&key);
    let now = time::to_db(time::now());
    if let Some(name) = &change.name {
        diesel::update(target())
            .set(grids::name.eq(name))
            .execute(conn)?;
    }
    if let Some(active) = change.active {
        diesel::update(target())
            .set(grids::active.eq(active))
            .execute(conn)?;
    }
    diesel::update(target())
        .set(grids::updated_at.eq(now))
        .execute(conn)?;
    find(conn, id)
}
