//! Defining patrols: `POST /v1/checklists` (a checklist for a region's grids),
//! `PATCH /v1/checklists/{id}` (rename, disable, enable), `POST /v1/checklists/{id}/grids`
//! (patrol a grid against it daily, weekly or monthly) and
//! `DELETE /v1/checklists/{id}/grids/{grid}`. Admins anywhere, supervisors within their
//! subtree (`ManageOrganisation` on the region); every change is audited. Items are fixed
//! once the checklist exists (patrols record results against them): make a new checklist and
//! disable the old one to change them.

use actix_web::{HttpRequest, HttpResponse, web};
use cunxiang_core::patrol::{Frequency, ItemDefinition, check_checklist};
use cunxiang_core::{Permission, Target};
use cunxiang_storage::DbConn;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::checklists::{ChecklistView, ScheduleView};
use crate::audit;
use crate::auth::{AuthUser, client_ip};
use crate::error::{ApiError, ErrorCode};
use crate::params::{as_field, checked_name, find_region};
use crate::state::AppState;

/// Body of `POST /v1/checklists`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewChecklist {
    name: String,
    /// The region whose grids it is for (code or id).
    region: String,
    items: Vec<NewItem>,
}

/// One item of a new checklist.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewItem {
    section: String,
    title: String,
    instruction: String,
    category: String,
}

/// Body of `PATCH /v1/checklists/{id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistChange {
    name: Option<String>,
    active: Option<bool>,
}

/// Body of `POST /v1/checklists/{id}/grids`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSchedule {
    grid_id: Uuid,
    frequency: String,
}

fn not_found(id: Uuid) -> ApiError {
    ApiError::not_found(ErrorCode::ChecklistNotFound, format!("no checklist {id}"))
}

/// The checklist's region path, after checking `me` may manage it; 404 when there is none.
fn managed_path(conn: &mut DbConn, me: &AuthUser, id: Uuid) -> Result<String, ApiError> {
    let checklist = cunxiang_storage::patrols::find(conn, id)?.ok_or_else(|| not_found(id))?;
    let path = cunxiang_storage::regions::path_of(conn, checklist.region_id)?.unwrap_or_default();
    me.require(
        Permission::ManageOrganisation,
        &Target::Region { path: &path },
    )?;
    Ok(path)
}

/// `POST /v1/checklists`.
pub async fn create(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    body: web::Json<NewChecklist>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let name = checked_name(&b.name)?;
    let items: Vec<ItemDefinition> = b
        .items
        .into_iter()
        .map(|i| ItemDefinition {
            section: i.section.trim().to_owned(),
            title: i.title.trim().to_owned(),
            instruction: i.instruction.trim().to_owned(),
            category: i.category,
        })
        .collect();
    let ip = client_ip(&req, state.settings.trust_proxy);
    let now = state.clock.now();
    let view = state
        .db(move |conn| {
            let region = find_region(conn, &b.region).map_err(|e| as_field("region", e))?;
            let path = cunxiang_storage::regions::path_of(conn, region.id)?.unwrap_or_default();
            me.require(
                Permission::ManageOrganisation,
                &Target::Region { path: &path },
            )?;
            let codes: Vec<String> = cunxiang_storage::categories::list(conn, false)?
                .into_iter()
                .map(|c| c.code)
                .collect();
            check_checklist(&name, &items, |c| codes.iter().any(|k| k == c))
                .map_err(|bad| ApiError::invalid_field(&bad.field, bad.message))?;
            cunxiang_storage::conn::transaction(conn, |conn| {
                let id = cunxiang_storage::patrols::insert(conn, &name, region.id, &items, now)?;
                audit::record(
                    conn,
                    Some(&me.user.id.to_string()),
                    "checklist_created",
                    Some(&id.to_string()),
                    &ip,
                    json!({ "name": name, "region_id": region.id, "items": items.len() }),
                )?;
                let stored =
                    cunxiang_storage::patrols::find(conn, id)?.ok_or_else(|| not_found(id))?;
                Ok(ChecklistView::of(stored))
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// `PATCH /v1/checklists/{id}`.
pub async fn change(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    path: web::Path<Uuid>,
    body: web::Json<ChecklistChange>,
) -> Result<web::Json<ChecklistView>, ApiError> {
    let id = path.into_inner();
    let b = body.into_inner();
    let name = b.name.as_deref().map(checked_name).transpose()?;
    let ip = client_ip(&req, state.settings.trust_proxy);
    let view = state
        .db(move |conn| {
            cunxiang_storage::conn::transaction(conn, |conn| {
                managed_path(conn, &me, id)?;
                cunxiang_storage::patrols::update(conn, id, name.as_deref(), b.active)?;
                audit::record(
                    conn,
                    Some(&me.user.id.to_string()),
                    "checklist_changed",
                    Some(&id.to_string()),
                    &ip,
                    json!({ "name": name, "active": b.active }),
                )?;
                let stored =
                    cunxiang_storage::patrols::find(conn, id)?.ok_or_else(|| not_found(id))?;
                Ok(ChecklistView::of(stored))
            })
        })
        .await?;
    Ok(web::Json(view))
}

/// `POST /v1/checklists/{id}/grids`: patrol a grid of the checklist's region against it.
pub async fn schedule(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    path: web::Path<Uuid>,
    body: web::Json<NewSchedule>,
) -> Result<web::Json<ScheduleView>, ApiError> {
    let id = path.into_inner();
    let b = body.into_inner();
    let frequency = Frequency::parse(&b.frequency).ok_or_else(|| {
        ApiError::invalid_field("frequency", "frequency must be daily, weekly or monthly")
    })?;
    let ip = client_ip(&req, state.settings.trust_proxy);
    let now = state.clock.now();
    let view = state
        .db(move |conn| {
            cunxiang_storage::conn::transaction(conn, |conn| {
                let checklist_path = managed_path(conn, &me, id)?;
                let grid = cunxiang_storage::grids::find(conn, b.grid_id)?.ok_or_else(|| {
                    ApiError::invalid_field("grid_id", format!("no grid {}", b.grid_id))
                })?;
                let grid_path =
                    cunxiang_storage::regions::path_of(conn, grid.region_id)?.unwrap_or_default();
                if !grid_path.starts_with(&checklist_path) {
                    return Err(ApiError::invalid_field(
                        "grid_id",
                        "the grid lies outside the checklist's region",
                    ));
                }
                me.require(
                    Permission::ManageOrganisation,
                    &Target::Region { path: &grid_path },
                )?;
                cunxiang_storage::patrols::schedule(conn, id, grid.id, frequency, now)?;
                audit::record(
                    conn,
                    Some(&me.user.id.to_string()),
                    "patrol_scheduled",
                    Some(&id.to_string()),
                    &ip,
                    json!({ "grid_id": grid.id, "frequency": frequency }),
                )?;
                Ok(ScheduleView {
                    grid_id: grid.id,
                    frequency,
                })
            })
        })
        .await?;
    Ok(web::Json(view))
}

/// `DELETE /v1/checklists/{id}/grids/{grid}`: the grid is no longer patrolled against it.
pub async fn unschedule(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, grid) = path.into_inner();
    let ip = client_ip(&req, state.settings.trust_proxy);
    state
        .db(move |conn| {
            cunxiang_storage::conn::transaction(conn, |conn| {
                managed_path(conn, &me, id)?;
                if !cunxiang_storage::patrols::unschedule(conn, id, grid)? {
                    return Err(ApiError::not_found(
                        ErrorCode::NotFound,
                        format!("grid {grid} is not patrolled against checklist {id}"),
                    ));
                }
                audit::record(
                    conn,
                    Some(&me.user.id.to_string()),
                    "patrol_unscheduled",
                    Some(&id.to_string()),
                    &ip,
                    json!({ "grid_id": grid }),
                )
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
