//! Patrols walked (`patrols`) and their GPS points (`patrol_points`): started, fed points in
//! batches, finished once with the track's figures.

use chrono::{DateTime, Utc};
use cunxiang_core::UserId;
use cunxiang_core::coords::LonLat;
use cunxiang_core::patrol::track::TrackPoint;
use diesel::prelude::*;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::Result;
use crate::regions::parse_id;
use crate::schema::{patrol_points as pp, patrols as pa};
use crate::time;

const TABLE: &str = "patrols";

/// One patrol.
#[derive(Debug, Clone, PartialEq)]
pub struct Patrol {
    /// Stable id.
    pub id: Uuid,
    /// The grid walked.
    pub grid_id: Uuid,
    /// The checklist walked against.
    pub checklist_id: Uuid,
    /// Who walks it.
    pub walker_id: UserId,
    /// When she started.
    pub started_at: DateTime<Utc>,
    /// When she finished; `None` while under way.
    pub finished_at: Option<DateTime<Utc>>,
    /// The track's length when she finished, metres.
    pub length_m: Option<f64>,
    /// The share of its points inside the grid when she finished.
    pub inside_share: Option<f64>,
}

type PatrolRow = (
    String,
    String,
    String,
    String,
    chrono::NaiveDateTime,
    Option<chrono::NaiveDateTime>,
    Option<f64>,
    Option<f64>,
);

fn patrol(row: PatrolRow) -> Result<Patrol> {
    let (id, grid, checklist, walker, started, finished, length_m, inside_share) = row;
    Ok(Patrol {
        id: parse_id(TABLE, &id)?,
        grid_id: parse_id(TABLE, &grid)?,
        checklist_id: parse_id(TABLE, &checklist)?,
        walker_id: parse_id(TABLE, &walker)?,
        started_at: time::from_db(started),
        finished_at: finished.map(time::from_db),
        length_m,
        inside_share,
    })
}

fn columns() -> (
    pa::id,
    pa::grid_id,
    pa::checklist_id,
    pa::walker_id,
    pa::started_at,
    pa::finished_at,
    pa::length_m,
    pa::inside_share,
) {
    (
        pa::id,
        pa::grid_id,
        pa::checklist_id,
        pa::walker_id,
        pa::started_at,
        pa::finished_at,
        pa::length_m,
        pa::inside_share,
    )
}

/// Starts a patrol; its id.
pub fn start(
    conn: &mut DbConn,
    grid_id: Uuid,
    checklist_id: Uuid,
    walker: UserId,
    at: DateTime<Utc>,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    diesel::insert_into(pa::table)
        .values((
            pa::id.eq(id.to_string()),
            pa::grid_id.eq(grid_id.to_string()),
            pa::checklist_id.eq(checklist_id.to_string()),
            pa::walker_id.eq(walker.to_string()),
            pa::started_at.eq(time::to_db(at)),
        ))
        .execute(conn)?;
    Ok(id)
}

/// The patrol with this id.
pub fn find(conn: &mut DbConn, id: Uuid) -> Result<Option<Patrol>> {
    pa::table
        .find(id.to_string())
        .select(columns())
        .first::<PatrolRow>(conn)
        .optional()?
        .map(patrol)
        .transpose()
}

/// The walker's patrol of this grid still under way, if any.
pub fn open_of(conn: &mut DbConn, walker: UserId, grid_id: Uuid) -> Result<Option<Patrol>> {
    pa::table
        .filter(pa::walker_id.eq(walker.to_string()))
        .filter(pa::grid_id.eq(grid_id.to_string()))
        .filter(pa::finished_at.is_null())
        .select(columns())
        .first::<PatrolRow>(conn)
        .optional()?
        .map(patrol)
        .transpose()
}

/// Locks a patrol under way for the rest of the transaction (a no-op write: the row lock on
/// PostgreSQL, the write lock on SQLite), so concurrent batches see each other's points;
/// `false` when there is no such patrol or it is finished.
pub fn lock_open(conn: &mut DbConn, id: Uuid) -> Result<bool> {
    let n = diesel::update(
        pa::table
            .find(id.to_string())
            .filter(pa::finished_at.is_null()),
    )
    .set(pa::started_at.eq(pa::started_at))
    .execute(conn)?;
    Ok(n == 1)
}

/// The patrol's points in time order.
pub fn points(conn: &mut DbConn, id: Uuid) -> Result<Vec<TrackPoint>> {
    let rows: Vec<(chrono::NaiveDateTime, f64, f64)> = pp::table
        .filter(pp::patrol_id.eq(id.to_string()))
        .select((pp::at, pp::lat, pp::lon))
        .order(pp::at)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(at, lat, lon)| TrackPoint {
            at: time::from_db(at),
            at_place: LonLat { lon, lat },
        })
        .collect())
}

/// Adds points (already merged: none of their timestamps is stored yet), in one statement.
pub fn add_points(conn: &mut DbConn, id: Uuid, points: &[TrackPoint]) -> Result<()> {
    if points.is_empty() {
        return Ok(());
    }
    let patrol = id.to_string();
    let rows: Vec<_> = points
        .iter()
        .map(|p| {
            (
                pp::patrol_id.eq(patrol.clone()),
                pp::at.eq(time::to_db(p.at)),
                pp::lat.eq(p.at_place.lat),
                pp::lon.eq(p.at_place.lon),
            )
        })
        .collect();
    // Batch inserts need the concrete connection (as in `push::feed::insert`); chunks keep a
    // statement under both databases' bound-parameter limits.
    for chunk in rows.chunks(1000) {
        let insert = diesel::insert_into(pp::table).values(chunk);
        match conn {
            DbConn::Sqlite(c) => insert.execute(c)?,
            DbConn::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

/// Finishes a patrol under way with the track's figures; `false` when it was already done.
pub fn finish(
    conn: &mut DbConn,
    id: Uuid,
    at: DateTime<Utc>,
    length_m: f64,
    inside_share: Option<f64>,
) -> Result<bool> {
    let n = diesel::update(
        pa::table
            .find(id.to_string())
            .filter(pa::finished_at.is_null()),
    )
    .set((
        pa::finished_at.eq(Some(time::to_db(at))),
        pa::length_m.eq(Some(length_m)),
        pa::inside_share.eq(inside_share),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// When the last patrol of each (grid, checklist) finished, keyed by their ids.
pub fn last_finished(
    conn: &mut DbConn,
) -> Result<std::collections::HashMap<(Uuid, Uuid), DateTime<Utc>>> {
    let rows: Vec<(String, String, Option<chrono::NaiveDateTime>)> = pa::table
        .filter(pa::finished_at.is_not_null())
        .group_by((pa::grid_id, pa::checklist_id))
        .select((
            pa::grid_id,
            pa::checklist_id,
            diesel::dsl::max(pa::finished_at),
        ))
        .load(conn)?;
    rows.into_iter()
        .filter_map(|(grid, checklist, at)| at.map(|at| (grid, checklist, at)))
        .map(|(grid, checklist, at)| {
            Ok((
                (parse_id(TABLE, &grid)?, parse_id(TABLE, &checklist)?),
                time::from_db(at),
            ))
        })
        .collect()
}
