//! `POST /v1/auth/refresh`: trade a refresh token for a new pair. Reusing an old one revokes
//! its whole family.

use actix_web::{HttpRequest, web};
use serde::Deserialize;
use serde_json::json;

use super::{digest, finish_refresh_checks};
use crate::audit;
use crate::auth::client_ip;
use crate::auth::session::{self, TokenResponse};
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// Body.
#[derive(Debug, Deserialize)]
pub struct RefreshRequest {
    refresh_token: String,
}

/// Rotates the refresh token.
pub async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<RefreshRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let hash = digest(&body.refresh_token);
    let ip = client_ip(&req, state.settings.trust_proxy);
    let st = state.clone();
    let response = state
        .db(move |conn| {
            use cunxiang_storage::refresh_tokens as rt;
            let now = cunxiang_storage::time::now();
            let invalid = || {
                ApiError::unauthorized(
                    ErrorCode::InvalidRefreshToken,
                    "the refresh token is invalid, used or expired",
                )
            };
            let Some(token) = rt::find_by_hash(conn, &hash)? else {
                return Err(invalid());
            };
            let subject = token.user_id.to_string();
            if token.revoked_at.is_some() || rt::family_revoked(conn, token.family_id)? {
                // Revoked (disabled account, password change, or an earlier reuse): no alarm.
                return Err(invalid());
            }
            if token.used_at.is_some() || !rt::mark_used(conn, token.id, now)? {
                let revoked = rt::revoke_family(conn, token.family_id, now)?;
                let details = json!({ "family": token.family_id, "revoked": revoked });
                audit::record(conn, None, "refresh_reused", Some(&subject), &ip, details)?;
                return Err(invalid());
            }
            if token.expires_at <= now {
                return Err(invalid());
            }
            let user = cunxiang_storage::users::find(conn, token.user_id)?.ok_or_else(invalid)?;
            finish_refresh_checks(&user)?;
            // The new token joins the family in one transaction with its issue; a reuse racing
            // this rotation revokes the family, and `family_revoked` above then refuses it.
            cunxiang_storage::conn::transaction(conn, |conn| {
                session::issue(conn, &st.keys, &st.settings, &user, Some(token.family_id))
            })
        })
        .await?;
    Ok(web::Json(response))
}
