//! `GET /v1/route/preview`: where a report of a category at a point would go, and why — for
//! admins and supervisors checking their grids and rules.

use actix_web::http::StatusCode;
use actix_web::web;
use cunxiang_core::coords;
use cunxiang_core::routing::{Assignment, Place, route};
use cunxiang_core::{Permission, Target};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorCode};
use crate::params::wgs84_point;
use crate::state::AppState;

/// Query parameters.
#[derive(Debug, Deserialize)]
pub struct PreviewQuery {
    lat: f64,
    lon: f64,
    coord_system: Option<String>,
    category: String,
}

/// The answer.
#[derive(Debug, Serialize)]
pub struct Preview {
    /// The point in WGS-84, as stored.
    location: coords::LonLat,
    /// The grid containing it, if any.
    grid_id: Option<Uuid>,
    /// Where the report would go.
    assignment: Assignment,
    /// Name of the unit or of the dispatch region.
    target_name: String,
}

/// Previews routing for a point and a category.
pub async fn preview(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<PreviewQuery>,
) -> Result<web::Json<Preview>, ApiError> {
    me.require(Permission::PreviewRouting, &Target::Deployment)?;
    let q = query.into_inner();
    let location = wgs84_point(q.lat, q.lon, q.coord_system.as_deref())?;
    let cache = state.routing.clone();
    let code = q.category;
    let preview = state
        .db(move |conn| {
            let category = cunxiang_storage::categories::find(conn, &code)?.ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::UnknownCategory,
                    format!("no category {code}"),
                )
                .with_details(json!({ "field": "category" }))
            })?;
            let grids = cache.get(conn)?;
            let grid_id = grids.index.locate(location.lon, location.lat);
            let place = grid_id.and_then(|g| {
                grids.region_of.get(&g).map(|r| Place {
                    grid_id: g,
                    region_id: *r,
                })
            });
            let org = &grids.org;
            let assignment = route(&category, place, org);
            let target_name = match &assignment {
                Assignment::Unit { unit_id, .. } => org.unit(*unit_id).map(|u| u.name.clone()),
                Assignment::Dispatch { region_id, .. } => {
                    org.region(*region_id).map(|r| r.name.clone())
                }
            }
            .unwrap_or_default();
            Ok(Preview {
                location,
                grid_id,
                assignment,
                target_name,
            })
        })
        .await?;
    Ok(web::Json(preview))
}
