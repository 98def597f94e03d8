//! Reading accounts: `GET /v1/me`, and for staff the accounts within their authority
//! (`GET /v1/users`, `GET /v1/users/{id}`), phones masked except for admins and the owner.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use cunxiang_core::{Permission, Role, Target, UnitId, User, UserId};
use cunxiang_storage::DbConn;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::{AuthUser, Caller};
use crate::error::{ApiError, ErrorCode};
use crate::params::{checked_page, region_path};
use crate::state::AppState;
use crate::views::{ClientView, UserView};

/// `GET /v1/me`: the caller's own account (or, for an API client, the client).
pub async fn me(caller: Caller) -> HttpResponse {
    match caller {
        Caller::User(u) => HttpResponse::Ok().json(UserView::new(&u.user, u.actor.units, true)),
        Caller::Client(c) => HttpResponse::Ok().json(json!({
            "client": ClientView::from(&c.client),
            "token_scopes": c.scopes,
        })),
    }
}

/// Region paths of the units a user belongs to (for authorisation).
pub(super) fn unit_paths(
    conn: &mut DbConn,
    user: UserId,
) -> Result<(Vec<UnitId>, Vec<String>), ApiError> {
    let units = cunxiang_storage::users::units_of(conn, user)?;
    Ok(units.into_iter().map(|(u, path, _)| (u, path)).unzip())
}

/// Region paths of the given units, refusing unknown ones with 422.
pub(super) fn paths_of_units(
    conn: &mut DbConn,
    unit_ids: &[UnitId],
) -> Result<Vec<String>, ApiError> {
    unit_ids
        .iter()
        .map(|id| {
            cunxiang_storage::units::region_path_of(conn, *id)?.ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::UnknownUnit,
                    format!("no unit {id}"),
                )
                .with_details(json!({ "field": "unit_ids" }))
            })
        })
        .collect()
}

/// Query parameters of `GET /v1/users`.
#[derive(Debug, Deserialize)]
pub struct UserQuery {
    role: Option<String>,
    region: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// Response body of `GET /v1/users`.
#[derive(Debug, Serialize)]
pub struct UserList {
    items: Vec<UserView>,
    next_cursor: Option<String>,
}

/// Lists the accounts the caller may read: all for admins, those of units within her
/// authority for staff (phones masked except for admins).
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<UserQuery>,
) -> Result<web::Json<UserList>, ApiError> {
    me.require(Permission::ReadUser, &Target::Deployment)?;
    let query = query.into_inner();
    let (cursor, limit) = checked_page(query.cursor.as_deref(), query.limit)?;
    let role = match query.role.as_deref() {
        None => None,
        Some(r) => Some(
            Role::parse(r).ok_or_else(|| ApiError::invalid_parameter("role", "unknown role"))?,
        ),
    };
    let page = state
        .db(move |conn| {
            let within = match (&query.region, me.actor.bounds().is_none()) {
                (Some(r), _) => {
                    let path = region_path(conn, r)?;
                    if !me.actor.covers(&path) {
                        return Err(ApiError::forbidden("that region is outside your authority"));
                    }
                    Some(path)
                }
                (None, true) => None,
                (None, false) => Some(me.actor.authority.first().cloned().ok_or_else(|| {
                    ApiError::forbidden("you belong to no unit, so you may read no accounts")
                })?),
            };
            let page = cunxiang_storage::users::list(
                conn,
                within.as_deref(),
                role,
                cursor.as_deref(),
                limit,
            )?;
            let mut items = Vec::with_capacity(page.items.len());
            for user in &page.items {
                let (units, paths) = unit_paths(conn, user.id)?;
                let target = Target::User {
                    id: user.id,
                    role: user.role,
                    regions: &paths,
                };
                if cunxiang_core::can(&me.actor, Permission::ReadUser, &target) {
                    items.push(UserView::new(
                        user,
                        units,
                        me.reads_phone_of(user.id, user.role),
                    ));
                }
            }
            Ok(UserList {
                items,
                next_cursor: page.next_cursor,
            })
        })
        .await?;
    Ok(web::Json(page))
}

/// `GET /v1/users/{id}`.
pub async fn get(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<UserId>,
) -> Result<web::Json<UserView>, ApiError> {
    let id = path.into_inner();
    let view = state
        .db(move |conn| {
            let user = find(conn, id)?;
            let (units, paths) = unit_paths(conn, id)?;
            me.require(
                Permission::ReadUser,
                &Target::User {
                    id,
                    role: user.role,
                    regions: &paths,
                },
            )?;
            Ok(UserView::new(
                &user,
                units,
                me.reads_phone_of(id, user.role),
            ))
        })
        .await?;
    Ok(web::Json(view))
}

pub(super) fn find(conn: &mut DbConn, id: UserId) -> Result<User, ApiError> {
    cunxiang_storage::users::find(conn, id)?
        .ok_or_else(|| ApiError::not_found(ErrorCode::UserNotFound, format!("no user {id}")))
}
