//! `POST /v1/auth/*`: log-in by SMS code, by WeChat, by password; refresh; client credentials.
//! Every log-in and failed log-in is audited.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Duration;
use cunxiang_core::identity::{mask_phone, normalise_phone};
use cunxiang_core::{Role, User, UserStatus};
use cunxiang_storage::users::NewUser;
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;

use crate::audit;
use crate::auth::otp::{self, CODE_TTL_SECS, MAX_ATTEMPTS};
use crate::auth::session::{self, TokenResponse};
use crate::auth::{client_ip, wechat};
use crate::error::{ApiError, ErrorCode};
use crate::keys;
use crate::state::AppState;

mod client_token;
mod password_login;
mod refresh;

pub use client_token::token;
use password_login::login_with_password;
pub use refresh::refresh;

fn invalid_phone() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        ErrorCode::InvalidPhone,
        "phone must be an 11-digit mainland mobile number",
    )
    .with_details(json!({ "field": "phone" }))
}

/// `POST /v1/auth/otp` body.
#[derive(Debug, Deserialize)]
pub struct OtpRequest {
    phone: String,
}

/// Sends a log-in code, at most `otp_per_phone_hour` per phone and `otp_per_ip_hour` per
/// address each hour (429 with `Retry-After` beyond).
pub async fn request_otp(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<OtpRequest>,
) -> Result<HttpResponse, ApiError> {
    let phone = normalise_phone(&body.phone).ok_or_else(invalid_phone)?;
    let ip = client_ip(&req, state.settings.trust_proxy);
    let (per_phone, per_ip) = (
        state.settings.otp_per_phone_hour,
        state.settings.otp_per_ip_hour,
    );
    let code = match otp::fixed_code(&state.settings, &phone) {
        Some(fixed) => fixed.to_owned(),
        None => otp::generate_code(),
    };
    let hash = state.keys.keyed_hash(&[&phone, &code]);
    let now = cunxiang_storage::time::now();
    let since = now - Duration::hours(1);
    let (p, i) = (phone.clone(), ip);
    // Reserve the code first, then count with it included: requests racing each other can
    // only make each other stricter, never slip past the limit together.
    let reserved = state
        .db(move |conn| {
            use cunxiang_storage::otp;
            let expires = now + Duration::seconds(CODE_TTL_SECS);
            let id = otp::insert(conn, &p, &hash, &i, expires)?;
            let oldest = if otp::count_for_phone_since(conn, &p, since)? > per_phone {
                otp::oldest_for_phone_since(conn, &p, since)?
            } else if otp::count_for_ip_since(conn, &i, since)? > per_ip {
                otp::oldest_for_ip_since(conn, &i, since)?
            } else {
                return Ok(Ok(id));
            };
            otp::delete(conn, id)?;
            Ok(Err(oldest.unwrap_or(now)))
        })
        .await?;
    let id = reserved.map_err(|oldest| {
        let retry = (oldest + Duration::hours(1) - now).num_seconds();
        ApiError::too_many(
            ErrorCode::TooManyCodes,
            "too many log-in codes requested; wait",
            retry,
        )
    })?;
    if otp::fixed_code(&state.settings, &phone).is_none()
        && let Err(e) = otp::deliver(&state.http, &state.settings, &phone, &code).await
    {
        // The code was never delivered: spend it, but let it keep counting against the limit.
        state
            .db(move |conn| {
                Ok(cunxiang_storage::otp::consume(
                    conn,
                    id,
                    cunxiang_storage::time::now(),
                )?)
            })
            .await?;
        return Err(e);
    }
    Ok(HttpResponse::Accepted().json(json!({ "expires_in": CODE_TTL_SECS })))
}

/// `POST /v1/auth/login` body: a phone with its code, or a staff username with its password.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum LoginRequest {
    /// Villagers (and staff with a phone on file): the SMS code.
    Phone {
        /// Mobile number.
        phone: String,
        /// The six digits received.
        code: String,
    },
    /// Staff: username and password.
    Password {
        /// Log-in name.
        username: String,
        /// Password.
        password: String,
    },
}

/// Logs in with a code or a password.
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let ip = client_ip(&req, state.settings.trust_proxy);
    match body.into_inner() {
        LoginRequest::Phone { phone, code } => login_with_code(state, ip, &phone, code).await,
        LoginRequest::Password { username, password } => {
            login_with_password(state, ip, username, password).await
        }
    }
    .map(web::Json)
}

async fn login_with_code(
    state: web::Data<AppState>,
    ip: String,
    phone: &str,
    code: String,
) -> Result<TokenResponse, ApiError> {
    let phone = normalise_phone(phone).ok_or_else(invalid_phone)?;
    let hash = state.keys.keyed_hash(&[&phone, &code]);
    let st = state.clone();
    state
        .db(move |conn| {
            let now = cunxiang_storage::time::now();
            let masked = mask_phone(&phone);
            let fail = |conn: &mut _, reason: &str| -> Result<TokenResponse, ApiError> {
                audit::record(
                    conn,
                    None,
                    "login_failed",
                    Some(&masked),
                    &ip,
                    json!({ "method": "otp", "reason": reason }),
                )?;
                Err(ApiError::unauthorized(
                    ErrorCode::InvalidCode,
                    "the code is wrong, used or expired",
                ))
            };
            let Some(active) = cunxiang_storage::otp::latest_active(conn, &phone, now)? else {
                return fail(conn, "no active code");
            };
            // Count the try before comparing, so parallel guesses cannot share one allowance.
            // A code deleted meanwhile (a refused resend removes its own row) is no code.
            let tries = match cunxiang_storage::otp::record_attempt(conn, active.id) {
                Err(cunxiang_storage::StorageError::NotFound(_)) => {
                    return fail(conn, "no active code");
                }
                other => other?,
            };
            if tries > MAX_ATTEMPTS {
                return fail(conn, "too many tries");
            }
            let matches: bool = active.code_hash.as_bytes().ct_eq(hash.as_bytes()).into();
            if !matches {
                return fail(conn, "wrong code");
            }
            if !cunxiang_storage::otp::consume(conn, active.id, now)? {
                return fail(conn, "code already used");
            }
            let existing = cunxiang_storage::users::find_by_phone(conn, &phone)?;
            if let Some(user) = &existing {
                refuse_unless_active(conn, user, &ip, "otp")?;
                if user.role != Role::Villager {
                    let id = user.id.to_string();
                    let details =
                        json!({ "method": "otp", "reason": "staff log in with a password" });
                    audit::record(conn, None, "login_failed", Some(&id), &ip, details)?;
                    return Err(ApiError::new(
                        StatusCode::FORBIDDEN,
                        ErrorCode::PasswordRequired,
                        "staff accounts log in with their username and password",
                    ));
                }
            }
            cunxiang_storage::conn::transaction(conn, |conn| {
                let user = match existing {
                    Some(user) => user,
                    None => {
                        cunxiang_storage::users::insert_once(conn, &villager(Some(&phone), None))?
                    }
                };
                finish_login(conn, &st, user, &ip, "otp")
            })
        })
        .await
}

fn villager(phone: Option<&str>, wechat: Option<&wechat::WechatIdentity>) -> NewUser {
    let display_name = match phone {
        Some(p) => format!("村民{}", &p[p.len().saturating_sub(4)..]),
        None => "微信用户".to_owned(),
    };
    NewUser {
        display_name,
        role: Role::Villager,
        phone: phone.map(str::to_owned),
        username: None,
        password_hash: None,
        wechat_openid: wechat.map(|w| w.openid.clone()),
        wechat_unionid: wechat.and_then(|w| w.unionid.clone()),
    }
}

/// Refuses a disabled account with 403, auditing the attempt (outside any transaction, so
/// the entry stays).
fn refuse_unless_active(
    conn: &mut cunxiang_storage::DbConn,
    user: &User,
    ip: &str,
    method: &str,
) -> Result<(), ApiError> {
    if user.status == UserStatus::Active {
        return Ok(());
    }
    let id = user.id.to_string();
    let details = json!({ "method": method, "reason": "account disabled" });
    audit::record(conn, None, "login_failed", Some(&id), ip, details)?;
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        ErrorCode::AccountDisabled,
        "this account is disabled",
    ))
}

/// Refuses disabled accounts, then issues tokens and audits the log-in.
fn finish_login(
    conn: &mut cunxiang_storage::DbConn,
    state: &AppState,
    user: User,
    ip: &str,
    method: &str,
) -> Result<TokenResponse, ApiError> {
    if user.status != UserStatus::Active {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::AccountDisabled,
            "this account is disabled",
        ));
    }
    let response = session::issue(conn, &state.keys, &state.settings, &user, None)?;
    let id = user.id.to_string();
    audit::record(
        conn,
        Some(&id),
        "login",
        Some(&id),
        ip,
        json!({ "method": method }),
    )?;
    Ok(response)
}

/// `POST /v1/auth/wechat` body.
#[derive(Debug, Deserialize)]
pub struct WechatRequest {
    code: String,
}

/// Logs in with a mini-program `wx.login` code; the first log-in creates the villager.
pub async fn wechat_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<WechatRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let code = body.into_inner().code;
    if code.is_empty() || code.len() > 128 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidWechatCode,
            "code is missing or too long",
        ));
    }
    let ip = client_ip(&req, state.settings.trust_proxy);
    let identity = match wechat::exchange(&state.http, &state.settings, &code).await {
        Ok(identity) => identity,
        Err(e) => {
            let (ip2, reason) = (ip.clone(), e.code.as_str());
            state
                .db(move |conn| {
                    let details = json!({ "method": "wechat", "reason": reason });
                    audit::record(conn, None, "login_failed", None, &ip2, details)
                })
                .await?;
            return Err(e);
        }
    };
    let st = state.clone();
    let response = state
        .db(move |conn| {
            let existing = cunxiang_storage::users::find_by_openid(conn, &identity.openid)?;
            if let Some(user) = &existing {
                refuse_unless_active(conn, user, &ip, "wechat")?;
            }
            cunxiang_storage::conn::transaction(conn, |conn| {
                let user = match existing {
                    Some(user) => user,
                    None => cunxiang_storage::users::insert_once(
                        conn,
                        &villager(None, Some(&identity)),
                    )?,
                };
                finish_login(conn, &st, user, &ip, "wechat")
            })
        })
        .await?;
    Ok(web::Json(response))
}

/// Hashes a refresh token or client secret for lookup.
fn digest(secret: &str) -> String {
    keys::digest(secret)
}

/// A refresh for a disabled account is refused.
fn finish_refresh_checks(user: &User) -> Result<(), ApiError> {
    if user.status != UserStatus::Active {
        return Err(ApiError::unauthorized(
            ErrorCode::AccountDisabled,
            "this account is disabled",
        ));
    }
    Ok(())
}
