//! Changing accounts: `POST /v1/users` and `PATCH /v1/users/{id}`, for admins and for
//! supervisors within their region and below their rank. Every change is audited.

use actix_web::{HttpRequest, HttpResponse, web};
use cunxiang_core::identity::normalise_phone;
use cunxiang_core::{Permission, Role, Target, UnitId, UserId, UserStatus};
use cunxiang_storage::users::{NewUser, UserChanges};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::users::{find, paths_of_units, unit_paths};
use crate::audit;
use crate::auth::{AuthUser, client_ip, password};
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use crate::views::UserView;

/// Body of `POST /v1/users`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    display_name: String,
    role: Role,
    username: Option<String>,
    password: Option<String>,
    phone: Option<String>,
    #[serde(default)]
    unit_ids: Vec<UnitId>,
}

/// Checks a new account's fields: staff need a username, a password and a unit; villagers a
/// phone. Returns the normalised phone.
fn check_new_user(body: &CreateUser) -> Result<Option<String>, ApiError> {
    let name = body.display_name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(ApiError::invalid_field(
            "display_name",
            "display_name must be 1-64 characters",
        ));
    }
    let phone = match &body.phone {
        Some(p) => Some(normalise_phone(p).ok_or_else(|| {
            ApiError::invalid_field("phone", "phone must be an 11-digit mainland mobile number")
        })?),
        None => None,
    };
    if body.role.is_staff() {
        let username_ok = body.username.as_deref().is_some_and(|u| {
            (3..=32).contains(&u.len())
                && u.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        });
        if !username_ok {
            return Err(ApiError::invalid_field(
                "username",
                "staff need a username of 3-32 letters, digits, '.', '_' or '-'",
            ));
        }
        let password = body.password.as_deref().unwrap_or("");
        password::check_strength(password).map_err(|m| ApiError::invalid_field("password", m))?;
        if body.role != Role::Admin && body.unit_ids.is_empty() {
            return Err(ApiError::invalid_field(
                "unit_ids",
                "staff must belong to at least one unit",
            ));
        }
    } else if phone.is_none() {
        return Err(ApiError::invalid_field(
            "phone",
            "a villager needs a phone number",
        ));
    }
    Ok(phone)
}

/// Creates an account (and its unit memberships) in one transaction.
pub async fn create(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    body: web::Json<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    me.require(Permission::ManageUser, &Target::Deployment)?;
    let body = body.into_inner();
    let phone = check_new_user(&body)?;
    let hash = match body.password.clone().filter(|_| body.role.is_staff()) {
        Some(p) => Some(
            web::block(move || password::hash(&p))
                .await?
                .map_err(|e| ApiError::internal(anyhow::Error::msg(e)))?,
        ),
        None => None,
    };
    let ip = client_ip(&req, state.settings.trust_proxy);
    let view = state
        .db(move |conn| {
            let paths = paths_of_units(conn, &body.unit_ids)?;
            let probe = Target::User {
                id: UserId(Uuid::nil()),
                role: body.role,
                regions: &paths,
            };
            let allowed_without_units = me.actor.bounds().is_none() && paths.is_empty();
            if !allowed_without_units {
                me.require(Permission::ManageUser, &probe)?;
            }
            cunxiang_storage::conn::transaction(conn, |conn| {
                let user = cunxiang_storage::users::insert(
                    conn,
                    &NewUser {
                        display_name: body.display_name.trim().to_owned(),
                        role: body.role,
                        phone,
                        username: body.username.clone(),
                        password_hash: hash,
                        wechat_openid: None,
                        wechat_unionid: None,
                    },
                )?;
                cunxiang_storage::users::set_units(conn, user.id, &body.unit_ids)?;
                let id = user.id.to_string();
                let details = json!({ "role": user.role, "unit_ids": body.unit_ids });
                audit::record(
                    conn,
                    Some(&me.user.id.to_string()),
                    "user_created",
                    Some(&id),
                    &ip,
                    details,
                )?;
                let phone = me.reads_phone_of(user.id, user.role);
                Ok(UserView::new(&user, body.unit_ids.clone(), phone))
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Body of `PATCH /v1/users/{id}`: only the fields given change.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeUser {
    display_name: Option<String>,
    role: Option<Role>,
    status: Option<UserStatus>,
    unit_ids: Option<Vec<UnitId>>,
    password: Option<String>,
}

/// Changes an account. The caller needs `ManageUser` over the account as it is and as it will
/// be. Disabling revokes its refresh tokens; its access tokens stop working at once.
pub async fn change(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    path: web::Path<UserId>,
    body: web::Json<ChangeUser>,
) -> Result<web::Json<UserView>, ApiError> {
    let id = path.into_inner();
    let body = body.into_inner();
    if let Some(name) = &body.display_name
        && (name.trim().is_empty() || name.chars().count() > 64)
    {
        return Err(ApiError::invalid_field(
            "display_name",
            "display_name must be 1-64 characters",
        ));
    }
    let hash = match body.password.clone() {
        Some(p) => {
            password::check_strength(&p).map_err(|m| ApiError::invalid_field("password", m))?;
            Some(
                web::block(move || password::hash(&p))
                    .await?
                    .map_err(|e| ApiError::internal(anyhow::Error::msg(e)))?,
            )
        }
        None => None,
    };
    let ip = client_ip(&req, state.settings.trust_proxy);
    let view = state
        .db(move |conn| {
            let user = find(conn, id)?;
            let (old_units, old_paths) = unit_paths(conn, id)?;
            me.require(
                Permission::ManageUser,
                &Target::User {
                    id,
                    role: user.role,
                    regions: &old_paths,
                },
            )?;
            let new_role = body.role.unwrap_or(user.role);
            let new_units = body.unit_ids.clone().unwrap_or_else(|| old_units.clone());
            let new_paths = paths_of_units(conn, &new_units)?;
            me.require(
                Permission::ManageUser,
                &Target::User {
                    id,
                    role: new_role,
                    regions: &new_paths,
                },
            )?;
            if new_role.is_staff() && new_role != Role::Admin && new_units.is_empty() {
                return Err(ApiError::invalid_field(
                    "unit_ids",
                    "staff must belong to at least one unit",
                ));
            }
            cunxiang_storage::conn::transaction(conn, |conn| {
                let changes = UserChanges {
                    display_name: body.display_name.as_deref().map(|n| n.trim().to_owned()),
                    role: body.role,
                    status: body.status,
                    password_hash: hash,
                };
                let updated =
                    cunxiang_storage::users::update(conn, id, &changes)?.ok_or_else(|| {
                        ApiError::not_found(ErrorCode::UserNotFound, format!("no user {id}"))
                    })?;
                if body.unit_ids.is_some() {
                    cunxiang_storage::users::set_units(conn, id, &new_units)?;
                }
                if updated.status == UserStatus::Disabled || changes.password_hash.is_some() {
                    let now = cunxiang_storage::time::now();
                    cunxiang_storage::refresh_tokens::revoke_user(conn, id, now)?;
                }
                let details = json!({
                    "role": { "from": user.role, "to": updated.role },
                    "status": { "from": user.status, "to": updated.status },
                    "unit_ids": { "from": old_units, "to": new_units },
                    "password_changed": changes.password_hash.is_some(),
                });
                let subject = id.to_string();
                audit::record(
                    conn,
                    Some(&me.user.id.to_string()),
                    "user_changed",
                    Some(&subject),
                    &ip,
                    details,
                )?;
                Ok(UserView::new(
                    &updated,
                    new_units.clone(),
                    me.reads_phone_of(id, updated.role),
                ))
            })
        })
        .await?;
    Ok(web::Json(view))
}
