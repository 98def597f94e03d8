//! Routing rules: `GET /v1/routing-rules` (admins and supervisors), `POST` to add one and
//! `PATCH /v1/routing-rules/{id}` to disable or enable it (rules are never deleted: the
//! timeline cites them). Supervisors add rules only inside their own subtree.

use actix_web::{HttpRequest, HttpResponse, web};
use cunxiang_core::routing::RoutingRule;
use cunxiang_core::{Permission, Target, UnitId};
use cunxiang_storage::routing::NewRule;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::audit;
use crate::auth::{AuthUser, client_ip};
use crate::error::{ApiError, ErrorCode};
use crate::params::{as_field, find_region};
use crate::state::AppState;

/// Response body of `GET /v1/routing-rules`.
#[derive(Debug, Serialize)]
pub struct RuleList {
    items: Vec<RoutingRule>,
}

/// Lists every rule by number.
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
) -> Result<web::Json<RuleList>, ApiError> {
    me.require(Permission::PreviewRouting, &Target::Deployment)?;
    let items = state
        .db(|conn| Ok(cunxiang_storage::routing::list(conn)?))
        .await?;
    Ok(web::Json(RuleList { items }))
}

/// Body of `POST /v1/routing-rules`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateRule {
    /// Category code; absent or null for a catch-all.
    category: Option<String>,
    /// Code or id of the region whose subtree the rule covers.
    region: String,
    /// The unit that receives matching reports (must be active).
    unit_id: UnitId,
}

/// Adds a rule.
pub async fn create(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    body: web::Json<CreateRule>,
) -> Result<HttpResponse, ApiError> {
    me.require(Permission::ManageRoutingRules, &Target::Deployment)?;
    let body = body.into_inner();
    let ip = client_ip(&req, state.settings.trust_proxy);
    let rule = state
        .db(move |conn| {
            if let Some(code) = &body.category
                && cunxiang_storage::categories::find(conn, code)?.is_none()
            {
                return Err(ApiError::invalid_field(
                    "category",
                    format!("no category {code}"),
                ));
            }
            let region = find_region(conn, &body.region).map_err(|e| as_field("region", e))?;
            let region_path =
                cunxiang_storage::regions::path_of(conn, region.id)?.unwrap_or_default();
            let unit_path = cunxiang_storage::units::region_path_of(conn, body.unit_id)?
                .ok_or_else(|| {
                    ApiError::invalid_field("unit_id", format!("no unit {}", body.unit_id))
                })?;
            if !cunxiang_storage::routing::unit_is_active(conn, body.unit_id)? {
                return Err(ApiError::invalid_field("unit_id", "the unit is disabled"));
            }
            let may = |path: &str| {
                cunxiang_core::can(
                    &me.actor,
                    Permission::ManageRoutingRules,
                    &Target::Region { path },
                )
            };
            if !(may(&region_path) && may(&unit_path)) {
                return Err(ApiError::forbidden(
                    "the region or the unit is outside your authority",
                ));
            }
            cunxiang_storage::conn::transaction(conn, |conn| {
                let rule = cunxiang_storage::routing::insert(
                    conn,
                    &NewRule {
                        category: body.category.clone(),
                        region_id: region.id,
                        unit_id: body.unit_id,
                    },
                )?;
                let details = json!({ "number": rule.number, "category": rule.category,
                                      "region_id": rule.region_id, "unit_id": rule.unit_id });
                audit::record(
                    conn,
                    Some(&me.user.id.to_string()),
                    "rule_created",
                    Some(&rule.id.to_string()),
                    &ip,
                    details,
                )?;
                Ok(rule)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(rule))
}

/// Body of `PATCH /v1/routing-rules/{id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeRule {
    active: bool,
}

/// Disables or enables a rule.
pub async fn change(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    path: web::Path<Uuid>,
    body: web::Json<ChangeRule>,
) -> Result<web::Json<RoutingRule>, ApiError> {
    me.require(Permission::ManageRoutingRules, &Target::Deployment)?;
    let id = path.into_inner();
    let active = body.active;
    let ip = client_ip(&req, state.settings.trust_proxy);
    let rule = state
        .db(move |conn| {
            let not_found =
                || ApiError::not_found(ErrorCode::RuleNotFound, format!("no routing rule {id}"));
            let current = cunxiang_storage::routing::find(conn, id)?.ok_or_else(not_found)?;
            let region_path =
                cunxiang_storage::regions::path_of(conn, current.region_id)?.unwrap_or_default();
            if !cunxiang_core::can(
                &me.actor,
                Permission::ManageRoutingRules,
                &Target::Region { path: &region_path },
            ) {
                return Err(ApiError::forbidden(
                    "the rule's region is outside your authority",
                ));
            }
            cunxiang_storage::conn::transaction(conn, |conn| {
                let rule = cunxiang_storage::routing::set_active(conn, id, active)?
                    .ok_or_else(not_found)?;
                let details = json!({ "number": rule.number, "active": active });
                audit::record(
                    conn,
                    Some(&me.user.id.to_string()),
                    "rule_changed",
                    Some(&id.to_string()),
                    &ip,
                    details,
                )?;
                Ok(rule)
            })
        })
        .await?;
    Ok(web::Json(rule))
}
