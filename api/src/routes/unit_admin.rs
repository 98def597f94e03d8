//! Unit administration: `POST /v1/units` adds a unit, `PATCH /v1/units/{id}` renames it,
//! changes its line of work or disables it. Units are never deleted (reports, rules and staff
//! refer to them); a unit that active routing rules still point at cannot be disabled until
//! those rules are. Admins everywhere; supervisors inside their own subtree.

use actix_web::{HttpRequest, HttpResponse, web};
use cunxiang_core::{Permission, RegionLevel, Target, Unit, UnitId, UnitKind};
use cunxiang_storage::units::{NewUnit, UnitChange};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::audit;
use crate::auth::{AuthUser, client_ip};
use crate::error::{ApiError, ErrorCode};
use crate::params::{as_field, checked_department, checked_name, double_option, find_region};
use crate::state::AppState;

/// Body of `POST /v1/units`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUnit {
    name: String,
    /// `grid_team`, `village_committee`, `township_office` or `county_department`.
    kind: String,
    /// Code or id of the region it serves; for a grid team, its grid's region (may be left out).
    region: Option<String>,
    /// The grid a grid team patrols (required for grid teams, refused for others).
    grid_id: Option<Uuid>,
    /// Line of work (`sanitation`, `transport`, `governance` …) for departments and stations.
    department: Option<String>,
}

/// Body of `PATCH /v1/units/{id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeUnit {
    name: Option<String>,
    /// A new line of work; `null` clears it.
    #[serde(default, with = "double_option")]
    department: Option<Option<String>>,
    active: Option<bool>,
}

/// Whether a unit of `kind` may serve a region at `level`: a ladder unit serves its own level;
/// a volunteer team (帮帮团) is a village's or a township's.
fn serves(kind: UnitKind, level: RegionLevel) -> bool {
    match kind {
        UnitKind::VolunteerTeam => matches!(level, RegionLevel::Village | RegionLevel::Township),
        _ => kind.ladder_level() == level,
    }
}

/// The region level(s) a unit of `kind` serves, for the message.
fn served(kind: UnitKind) -> &'static str {
    match kind {
        UnitKind::VolunteerTeam => "village or township",
        _ => kind.ladder_level().as_str(),
    }
}

/// Adds a unit.
pub async fn create(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    body: web::Json<CreateUnit>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let name = checked_name(&body.name)?;
    let kind = UnitKind::parse(&body.kind).ok_or_else(|| {
        ApiError::invalid_field(
            "kind",
            "kind must be grid_team, village_committee, township_office, county_department or volunteer_team",
        )
    })?;
    let department = body
        .department
        .as_deref()
        .map(checked_department)
        .transpose()?;
    let ip = client_ip(&req, state.settings.trust_proxy);
    let unit = state
        .db(move |conn| {
            let region_id = match (kind, body.grid_id) {
                (UnitKind::GridTeam, Some(grid_id)) => {
                    let grid = cunxiang_storage::grids::find(conn, grid_id)?.ok_or_else(|| {
                        ApiError::invalid_field("grid_id", format!("no grid {grid_id}"))
                    })?;
                    if let Some(reference) = &body.region
                        && find_region(conn, reference)
                            .map_err(|e| as_field("region", e))?
                            .id
                            != grid.region_id
                    {
                        return Err(ApiError::invalid_field(
                            "region",
                            "a grid team serves its grid's region",
                        ));
                    }
                    grid.region_id
                }
                (UnitKind::GridTeam, None) => {
                    return Err(ApiError::invalid_field(
                        "grid_id",
                        "a grid team needs the grid it patrols",
                    ));
                }
                (_, Some(_)) => {
                    return Err(ApiError::invalid_field(
                        "grid_id",
                        "only grid teams have a grid",
                    ));
                }
                (_, None) => {
                    let reference = body.region.as_deref().ok_or_else(|| {
                        ApiError::invalid_field("region", "the region the unit serves is required")
                    })?;
                    let region = find_region(conn, reference).map_err(|e| as_field("region", e))?;
                    if !serves(kind, region.level) {
                        return Err(ApiError::invalid_field(
                            "region",
                            format!(
                                "a {} serves a {} region, not a {}",
                                kind.as_str(),
                                served(kind),
                                region.level.as_str()
                            ),
                        ));
                    }
                    region.id
                }
            };
            let path = cunxiang_storage::regions::path_of(conn, region_id)?.unwrap_or_default();
            me.require(
                Permission::ManageOrganisation,
                &Target::Region { path: &path },
            )?;
            cunxiang_storage::conn::transaction(conn, |conn| {
                let unit = cunxiang_storage::units::insert(
                    conn,
                    &NewUnit {
                        name: name.clone(),
                        kind,
                        region_id,
                        grid_id: body.grid_id,
                        department: department.clone(),
                    },
                )?;
                let details = json!({ "name": unit.name, "kind": unit.kind,
                                      "region_id": unit.region_id, "grid_id": unit.grid_id });
                audit::record(
                    conn,
                    Some(&me.user.id.to_string()),
                    "unit_created",
                    Some(&unit.id.to_string()),
                    &ip,
                    details,
                )?;
                Ok(unit)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(unit))
}

/// Renames, re-assigns the line of work of, disables or enables a unit.
pub async fn change(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    path: web::Path<UnitId>,
    body: web::Json<ChangeUnit>,
) -> Result<web::Json<Unit>, ApiError> {
    let id = path.into_inner();
    let body = body.into_inner();
    let change = UnitChange {
        name: body.name.as_deref().map(checked_name).transpose()?,
        department: match body.department {
            Some(Some(d)) => Some(Some(checked_department(&d)?)),
            other => other,
        },
        active: body.active,
    };
    let ip = client_ip(&req, state.settings.trust_proxy);
    let unit = state
        .db(move |conn| {
            let not_found =
                || ApiError::not_found(ErrorCode::UnitNotFound, format!("no unit {id}"));
            let path = cunxiang_storage::units::region_path_of(conn, id)?.ok_or_else(not_found)?;
            me.require(
                Permission::ManageOrganisation,
                &Target::Region { path: &path },
            )?;
            cunxiang_storage::conn::transaction(conn, |conn| {
                if change.active == Some(false) {
                    let rules = cunxiang_storage::units::active_rules_pointing_at(conn, id)?;
                    if !rules.is_empty() {
                        return Err(ApiError::new(
                            actix_web::http::StatusCode::CONFLICT,
                            ErrorCode::UnitInUse,
                            "active routing rules send reports to this unit; disable them first",
                        )
                        .with_details(json!({ "routing_rules": rules })));
                    }
                }
                let unit =
                    cunxiang_storage::units::update(conn, id, &change)?.ok_or_else(not_found)?;
                let details = json!({ "name": change.name, "department": change.department,
                                      "active": change.active });
                audit::record(
                    conn,
                    Some(&me.user.id.to_string()),
                    "unit_changed",
                    Some(&id.to_string()),
                    &ip,
                    details,
                )?;
                Ok(unit)
            })
        })
        .await?;
    Ok(web::Json(unit))
}
