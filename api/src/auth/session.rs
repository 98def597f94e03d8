//! Sessions: an access token plus a refresh token. Refresh tokens rotate on every use and
//! belong to a family; presenting one that was already used revokes the whole family (a
//! stolen token and its thief's successors die together).

use chrono::Duration;
use cunxiang_core::User;
use cunxiang_storage::DbConn;
use serde::Serialize;
use uuid::Uuid;

use super::tokens;
use crate::error::ApiError;
use crate::keys::{self, Keys};
use crate::settings::Settings;
use crate::views::UserView;

/// The OAuth2 token response.
#[derive(Debug, Clone, Serialize)]
pub struct TokenResponse {
    /// The bearer token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds the access token is valid.
    pub expires_in: u64,
    /// For users: the next refresh token (absent for API clients, as OAuth2 prescribes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// For API clients: the scopes granted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// For users: who logged in (her own phone unmasked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<UserView>,
}

/// Issues an access token and a refresh token in `family` (a new family for a fresh log-in).
/// Blocking (database): run it inside `AppState::db`.
pub fn issue(
    conn: &mut DbConn,
    keys: &Keys,
    settings: &Settings,
    user: &User,
    family: Option<Uuid>,
) -> Result<TokenResponse, ApiError> {
    let units = cunxiang_storage::users::units_of(conn, user.id)?;
    let now = cunxiang_storage::time::now();
    let access = tokens::issue(
        keys,
        &user.id.to_string(),
        user.role.as_str(),
        units.first().map(|(u, _, _)| u.to_string()),
        None,
        now.timestamp(),
        settings.access_token_ttl_secs,
    )
    .map_err(ApiError::internal)?;
    let refresh = keys::random_token();
    let ttl = i64::try_from(settings.refresh_token_ttl_secs).unwrap_or(i64::MAX / 2);
    cunxiang_storage::refresh_tokens::insert(
        conn,
        family.unwrap_or_else(Uuid::now_v7),
        user.id,
        &keys::digest(&refresh),
        now + Duration::seconds(ttl),
    )?;
    Ok(TokenResponse {
        access_token: access,
        token_type: "Bearer",
        expires_in: settings.access_token_ttl_secs,
        refresh_token: Some(refresh),
        scope: None,
        user: Some(UserView::new(
            user,
            units.into_iter().map(|(u, _, _)| u).collect(),
            true,
        )),
    })
}
