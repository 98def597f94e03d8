//! Region administration: `POST /v1/regions` adds a region below a parent, `PATCH
//! /v1/regions/{region}` renames it or sets its code, `DELETE /v1/regions/{region}` removes
//! one that nothing refers to (otherwise 409 naming what does). Admins everywhere;
//! supervisors below their own region. Regions are not moved: their paths are in every
//! subtree query — create the new one and move grids and units instead.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use cunxiang_core::{Permission, Region, RegionLevel, Target};
use cunxiang_storage::DbConn;
use cunxiang_storage::regions::NewRegion;
use serde::Deserialize;
use serde_json::json;

use super::regions::RegionView;
use crate::audit;
use crate::auth::{AuthUser, client_ip};
use crate::error::{ApiError, ErrorCode};
use crate::params::{as_field, checked_name, double_option, find_region};
use crate::state::AppState;

/// Body of `POST /v1/regions`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRegion {
    /// Code or id of the region above; absent for a new county (admins only).
    parent: Option<String>,
    /// Name, e.g. 渡口村第三村民小组.
    name: String,
    /// GB/T 2260 (or 12-digit statistical) code, when it has one.
    code: Option<String>,
}

/// Body of `PATCH /v1/regions/{region}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeRegion {
    name: Option<String>,
    /// A new code; `null` removes it.
    #[serde(default, with = "double_option")]
    code: Option<Option<String>>,
}

/// A code must be digits, fit the level (6 a county, 9 a township, 12 a village, up to 15 a
/// villager group) and start with the parent's code when the parent has one.
fn check_code(code: &str, level: RegionLevel, parent: Option<&Region>) -> Result<(), ApiError> {
    let digits = !code.is_empty() && code.bytes().all(|b| b.is_ascii_digit());
    let fits = match level {
        RegionLevel::Group => digits && (13..=15).contains(&code.len()),
        _ => RegionLevel::from_code(code) == Some(level),
    };
    if !fits {
        return Err(ApiError::invalid_field(
            "code",
            format!(
                "a {} code has {} digits",
                level.as_str(),
                match level {
                    RegionLevel::County => "6",
                    RegionLevel::Township => "9",
                    RegionLevel::Village => "12",
                    RegionLevel::Group => "13-15",
                }
            ),
        ));
    }
    if let Some(parent_code) = parent.and_then(|p| p.code.as_deref())
        && !code.starts_with(parent_code)
    {
        return Err(ApiError::invalid_field(
            "code",
            format!("the code must start with the parent's code {parent_code}"),
        ));
    }
    Ok(())
}

fn path_of(conn: &mut DbConn, region: &Region) -> Result<String, ApiError> {
    cunxiang_storage::regions::path_of(conn, region.id)?.ok_or_else(|| {
        ApiError::not_found(
            ErrorCode::RegionNotFound,
            format!("no region {}", region.id),
        )
    })
}

/// Adds a region one level below its parent.
pub async fn create(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    body: web::Json<CreateRegion>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let name = checked_name(&body.name)?;
    let ip = client_ip(&req, state.settings.trust_proxy);
    let region = state
        .db(move |conn| {
            let parent = match &body.parent {
                Some(reference) => {
                    Some(find_region(conn, reference).map_err(|e| as_field("parent", e))?)
                }
                None => None,
            };
            let level = match &parent {
                Some(p) => p.level.child().ok_or_else(|| {
                    ApiError::invalid_field("parent", "nothing lies below a villager group")
                })?,
                None => RegionLevel::County,
            };
            match &parent {
                Some(p) => {
                    let path = path_of(conn, p)?;
                    me.require(
                        Permission::ManageOrganisation,
                        &Target::Region { path: &path },
                    )?
                }
                None => me.require(Permission::ManageOrganisation, &Target::Deployment)?,
            }
            if let Some(code) = &body.code {
                check_code(code, level, parent.as_ref())?;
            }
            cunxiang_storage::conn::transaction(conn, |conn| {
                let region = cunxiang_storage::regions::insert(
                    conn,
                    &NewRegion {
                        code: body.code.clone(),
                        name: name.clone(),
                        level,
                        parent_id: parent.as_ref().map(|p| p.id),
                    },
                )?;
                let details = json!({ "name": region.name, "code": region.code,
                                      "level": region.level, "parent_id": region.parent_id });
                audit::record(
                    conn,
                    Some(&me.user.id.to_string()),
                    "region_created",
                    Some(&region.id.to_string()),
                    &ip,
                    details,
                )?;
                Ok(region)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(RegionView::from(region)))
}

/// Renames a region or changes its code.
pub async fn change(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<ChangeRegion>,
) -> Result<web::Json<RegionView>, ApiError> {
    let reference = path.into_inner();
    let body = body.into_inner();
    let name = body.name.as_deref().map(checked_name).transpose()?;
    let ip = client_ip(&req, state.settings.trust_proxy);
    let region = state
        .db(move |conn| {
            let region = find_region(conn, &reference)?;
            let path = path_of(conn, &region)?;
            me.require(
                Permission::ManageOrganisation,
                &Target::Region { path: &path },
            )?;
            if let Some(Some(code)) = &body.code {
                let parent = match region.parent_id {
                    Some(p) => cunxiang_storage::regions::find(conn, p)?,
                    None => None,
                };
                check_code(code, region.level, parent.as_ref())?;
            }
            cunxiang_storage::conn::transaction(conn, |conn| {
                let code = body.code.as_ref().map(|c| c.as_deref());
                let updated =
                    cunxiang_storage::regions::update(conn, region.id, name.as_deref(), code)?
                        .ok_or_else(|| {
                            ApiError::not_found(
                                ErrorCode::RegionNotFound,
                                format!("no region {reference}"),
                            )
                        })?;
                let details = json!({ "name": name, "code": body.code });
                audit::record(
                    conn,
                    Some(&me.user.id.to_string()),
                    "region_changed",
                    Some(&region.id.to_string()),
                    &ip,
                    details,
                )?;
                Ok(updated)
            })
        })
        .await?;
    Ok(web::Json(RegionView::from(region)))
}

/// Deletes a region nothing refers to.
pub async fn delete(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let reference = path.into_inner();
    let ip = client_ip(&req, state.settings.trust_proxy);
    state
        .db(move |conn| {
            let region = find_region(conn, &reference)?;
            let path = path_of(conn, &region)?;
            match region.parent_id {
                // Removing a whole county is a deployment-wide change.
                None => me.require(Permission::ManageOrganisation, &Target::Deployment)?,
                Some(_) => me.require(
                    Permission::ManageOrganisation,
                    &Target::Region { path: &path },
                )?,
            }
            cunxiang_storage::conn::transaction(conn, |conn| {
                let usage = cunxiang_storage::regions::usage(conn, region.id)?;
                if !usage.is_unused() {
                    return Err(ApiError::new(
                        StatusCode::CONFLICT,
                        ErrorCode::RegionInUse,
                        format!("{} is still in use and cannot be deleted", region.name),
                    )
                    .with_details(json!({
                        "children": usage.children, "grids": usage.grids, "units": usage.units,
                        "routing_rules": usage.routing_rules, "clients": usage.clients,
                    })));
                }
                cunxiang_storage::regions::delete(conn, region.id)?;
                let details = json!({ "name": region.name, "code": region.code });
                audit::record(
                    conn,
                    Some(&me.user.id.to_string()),
                    "region_deleted",
                    Some(&region.id.to_string()),
                    &ip,
                    details,
                )?;
                Ok(())
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
