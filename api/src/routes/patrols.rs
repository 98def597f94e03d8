//! Walking a patrol: `POST /v1/patrols` (a grid worker starts one of her grid, against a
//! checklist the grid is patrolled against), `POST /v1/patrols/{id}/points` (GPS batches from
//! a phone that goes offline: any order, repeats dropped by timestamp, impossible speeds and
//! future timestamps refused), `POST /v1/patrols/{id}/finish` (the track's length, time and
//! share inside the grid, recorded once) and `GET /v1/patrols/{id}` (with the marks made in
//! `super::patrol_marks`). A patrol walked
//! elsewhere is kept and shows as such (a low `inside_share`), not refused.
//!
//! Who: the walker acts on her patrol; she, the supervisors over the grid and admins read
//! it (403 for any other staff, who may know it exists; villagers never reach these routes).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, SubsecRound, Utc};
use cunxiang_core::coords::{self, CoordSystem};
use cunxiang_core::patrol::MarkResult;
use cunxiang_core::patrol::track::{self, MAX_BATCH, TrackPoint};
use cunxiang_core::{Permission, ReportId, Target, UserId};
use cunxiang_storage::DbConn;
use cunxiang_storage::patrols::marks::{self, Mark};
use cunxiang_storage::patrols::walks::{self, Patrol};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorCode};
use crate::params::coord_system_field;
use crate::state::AppState;

/// A patrol as the API shows it.
#[derive(Debug, Serialize)]
pub struct PatrolView {
    id: Uuid,
    grid_id: Uuid,
    checklist_id: Uuid,
    walker_id: UserId,
    started_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    points: usize,
    length_m: Option<f64>,
    duration_s: Option<i64>,
    inside_share: Option<f64>,
    marks: Vec<MarkView>,
}

fn view(p: Patrol, points: usize, marks: Vec<Mark>) -> PatrolView {
    PatrolView {
        duration_s: p.finished_at.map(|f| (f - p.started_at).num_seconds()),
        id: p.id,
        grid_id: p.grid_id,
        checklist_id: p.checklist_id,
        walker_id: p.walker_id,
        started_at: p.started_at,
        finished_at: p.finished_at,
        points,
        length_m: p.length_m,
        inside_share: p.inside_share,
        marks: marks.into_iter().map(MarkView::of).collect(),
    }
}

/// A mark as the API shows it.
#[derive(Debug, Serialize)]
pub struct MarkView {
    item_id: Uuid,
    result: MarkResult,
    note: Option<String>,
    report_id: Option<ReportId>,
    marked_at: DateTime<Utc>,
}

impl MarkView {
    /// The view of a stored mark.
    pub fn of(m: Mark) -> Self {
        MarkView {
            item_id: m.item_id,
            result: m.result,
            note: m.note,
            report_id: m.report_id,
            marked_at: m.marked_at,
        }
    }
}

/// Body of `POST /v1/patrols`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPatrol {
    grid_id: Uuid,
    checklist_id: Uuid,
}

/// One GPS fix as sent.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointIn {
    at: DateTime<Utc>,
    lat: f64,
    lon: f64,
}

/// Body of `POST /v1/patrols/{id}/points`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointBatch {
    /// `wgs84` (default), `gcj02` (WeChat) or `bd09`.
    coord_system: Option<String>,
    points: Vec<PointIn>,
}

/// Response of `POST /v1/patrols/{id}/points`.
#[derive(Debug, Serialize)]
pub struct PointsAdded {
    added: usize,
    points: usize,
}

fn not_found(id: Uuid) -> ApiError {
    ApiError::not_found(ErrorCode::NotFound, format!("no patrol {id}"))
}

/// The patrol `id` if `me` may read it (walker, supervisors over its grid, admins): 404 when
/// there is none; 403 for other staff.
fn readable(conn: &mut DbConn, me: &AuthUser, id: Uuid) -> Result<Patrol, ApiError> {
    let patrol = walks::find(conn, id)?.ok_or_else(|| not_found(id))?;
    if patrol.walker_id == me.user.id {
        return Ok(patrol);
    }
    let grid = cunxiang_storage::grids::find(conn, patrol.grid_id)?.ok_or_else(|| not_found(id))?;
    let path = cunxiang_storage::regions::path_of(conn, grid.region_id)?.unwrap_or_default();
    me.require(Permission::Oversee, &Target::Region { path: &path })?;
    Ok(patrol)
}

/// The patrol `id` if `me` walks it and it is under way (locked for the transaction).
pub(super) fn walking(conn: &mut DbConn, me: &AuthUser, id: Uuid) -> Result<Patrol, ApiError> {
    let patrol = readable(conn, me, id)?;
    if patrol.walker_id != me.user.id {
        return Err(ApiError::forbidden("only the patrol's walker changes it"));
    }
    if !walks::lock_open(conn, id)? {
        return Err(ApiError::new(
            actix_web::http::StatusCode::CONFLICT,
            ErrorCode::InvalidStatus,
            format!("patrol {id} is finished"),
        ));
    }
    Ok(patrol)
}

/// `POST /v1/patrols`: a grid worker starts a patrol of her grid.
pub async fn start(
    state: web::Data<AppState>,
    me: AuthUser,
    body: web::Json<NewPatrol>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let now = state.clock.now();
    let patrol = state
        .db(move |conn| {
            let grid = cunxiang_storage::grids::find(conn, b.grid_id)?.ok_or_else(|| {
                ApiError::invalid_field("grid_id", format!("no grid {}", b.grid_id))
            })?;
            let teams = cunxiang_storage::units::find_many(conn, &me.actor.units)?;
            if !teams.iter().any(|u| u.active && u.grid_id == Some(grid.id)) {
                return Err(ApiError::forbidden(
                    "only a member of the grid's own team patrols it",
                ));
            }
            let checklist = cunxiang_storage::patrols::find(conn, b.checklist_id)?
                .filter(|c| c.active && c.schedules.iter().any(|s| s.grid_id == grid.id))
                .ok_or_else(|| {
                    ApiError::invalid_field(
                        "checklist_id",
                        "the grid is not patrolled against an active checklist with this id",
                    )
                })?;
            cunxiang_storage::conn::transaction(conn, |conn| {
                if let Some(open) = walks::open_of(conn, me.user.id, grid.id)? {
                    return Err(ApiError::new(
                        actix_web::http::StatusCode::CONFLICT,
                        ErrorCode::Conflict,
                        format!("patrol {} of this grid is still under way", open.id),
                    )
                    .with_details(json!({ "patrol_id": open.id })));
                }
                let id = walks::start(conn, grid.id, checklist.id, me.user.id, now)?;
                let patrol = walks::find(conn, id)?.ok_or_else(|| not_found(id))?;
                Ok(view(patrol, 0, Vec::new()))
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(patrol))
}

/// `GET /v1/patrols/{id}`.
pub async fn get(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<PatrolView>, ApiError> {
    let id = path.into_inner();
    let patrol = state
        .db(move |conn| {
            let patrol = readable(conn, &me, id)?;
            let points = walks::points(conn, id)?.len();
            let marks = marks::of_patrol(conn, id)?;
            Ok(view(patrol, points, marks))
        })
        .await?;
    Ok(web::Json(patrol))
}

/// Checks a batch and turns it into WGS-84 fixes; 422 naming `points[i]`.
fn fixes(batch: PointBatch) -> Result<Vec<TrackPoint>, ApiError> {
    let system = coord_system_field(
        "coord_system",
        batch.coord_system.as_deref(),
        CoordSystem::Wgs84,
    )?;
    if batch.points.is_empty() || batch.points.len() > MAX_BATCH {
        return Err(ApiError::invalid_field(
            "points",
            format!("a batch carries 1-{MAX_BATCH} points"),
        ));
    }
    batch
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let place = coords::checked(p.lat, p.lon)
                .map_err(|e| ApiError::invalid_field(&format!("points[{i}]"), e.to_string()))?;
            Ok(TrackPoint {
                // Phones report milliseconds; finer digits would not survive storage and a
                // repeated batch would no longer match what was kept.
                at: p.at.trunc_subsecs(3),
                at_place: coords::to_wgs84(place, system),
            })
        })
        .collect()
}

/// `POST /v1/patrols/{id}/points`: a batch of GPS fixes.
pub async fn add_points(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<Uuid>,
    body: web::Json<PointBatch>,
) -> Result<web::Json<PointsAdded>, ApiError> {
    let id = path.into_inner();
    let batch = fixes(body.into_inner())?;
    let now = state.clock.now();
    let added = state
        .db(move |conn| {
            cunxiang_storage::conn::transaction(conn, |conn| {
                walking(conn, &me, id)?;
                let stored = walks::points(conn, id)?;
                let fresh = track::merge(&stored, &batch, now).map_err(|bad| {
                    ApiError::invalid_field(&format!("points[{}]", bad.index), bad.message)
                })?;
                walks::add_points(conn, id, &fresh)?;
                Ok(PointsAdded {
                    added: fresh.len(),
                    points: stored.len() + fresh.len(),
                })
            })
        })
        .await?;
    Ok(web::Json(added))
}

/// `POST /v1/patrols/{id}/finish`: records the track's figures, once.
pub async fn finish(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<PatrolView>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let routing = state.routing.clone();
    let patrol = state
        .db(move |conn| {
            let snapshot = routing.get(conn)?;
            cunxiang_storage::conn::transaction(conn, |conn| {
                let patrol = walking(conn, &me, id)?;
                let points = walks::points(conn, id)?;
                let summary = track::summarise(&points, |p| {
                    snapshot.index.locate(p.lon, p.lat) == Some(patrol.grid_id)
                });
                walks::finish(conn, id, now, summary.length_m, summary.inside_share)?;
                let done = walks::find(conn, id)?.ok_or_else(|| not_found(id))?;
                let marks = marks::of_patrol(conn, id)?;
                Ok(view(done, summary.points, marks))
            })
        })
        .await?;
    Ok(web::Json(patrol))
}
