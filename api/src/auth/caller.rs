//! Who is calling: the bearer token checked, then the account (or API client) loaded, so a
//! disabled account's still-valid token is refused on its next request. Handlers take
//! [`Caller`] (users or clients), [`AuthUser`] (users only) as extractors.

use std::net::IpAddr;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use cunxiang_core::UserId;
use cunxiang_core::{Actor, ApiClient, ClientScope, Role, User, UserStatus};
use futures_util::future::LocalBoxFuture;
use uuid::Uuid;

use super::tokens::{self, CLIENT_ROLE};
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// An authenticated user with her authority.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The account, as stored now.
    pub user: User,
    /// What authorisation needs: role and the region paths of her units.
    pub actor: Actor,
}

/// An authenticated API client.
#[derive(Debug, Clone)]
pub struct AuthClient {
    /// The client, as stored now.
    pub client: ApiClient,
    /// Scopes granted to this token.
    pub scopes: Vec<ClientScope>,
}

/// Whoever presented a valid token.
#[derive(Debug, Clone)]
pub enum Caller {
    /// A person.
    User(AuthUser),
    /// A third-party system.
    Client(AuthClient),
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// The caller's IP address: the peer, or — when the server is configured to trust its proxy —
/// the last `X-Forwarded-For` entry, the one that proxy appended (earlier entries are
/// whatever the caller sent).
pub fn client_ip(req: &HttpRequest, trust_proxy: bool) -> String {
    if trust_proxy
        && let Some(ip) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse::<IpAddr>().ok())
    {
        return ip.to_string();
    }
    req.peer_addr()
        .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string())
}

async fn authenticate(
    state: web::Data<AppState>,
    token: Option<String>,
) -> Result<Caller, ApiError> {
    let token = token.ok_or_else(|| {
        ApiError::unauthorized(
            ErrorCode::Unauthenticated,
            "this route needs an Authorization: Bearer token",
        )
    })?;
    let claims = tokens::verify(&state.keys, &token).map_err(|e| {
        tracing::info!(reason = %e, "token refused");
        ApiError::unauthorized(
            ErrorCode::InvalidToken,
            "the access token is invalid or expired",
        )
    })?;
    if claims.role == CLIENT_ROLE {
        return authenticate_client(&state, claims)
            .await
            .map(Caller::Client);
    }
    let id = Uuid::parse_str(&claims.sub).map(UserId).map_err(|_| {
        ApiError::unauthorized(ErrorCode::InvalidToken, "the access token is invalid")
    })?;
    let loaded = state
        .db(move |conn| {
            let Some(user) = cunxiang_storage::users::find(conn, id)? else {
                return Ok(None);
            };
            let units = cunxiang_storage::users::units_of(conn, id)?;
            Ok(Some((user, units)))
        })
        .await?;
    let Some((user, units)) = loaded else {
        return Err(ApiError::unauthorized(
            ErrorCode::InvalidToken,
            "the account no longer exists",
        ));
    };
    if user.status != UserStatus::Active {
        return Err(ApiError::unauthorized(
            ErrorCode::AccountDisabled,
            "this account is disabled",
        ));
    }
    let actor = Actor {
        id: user.id,
        role: user.role,
        // A volunteer team's members see its tasks, not its region (UnitKind::grants_authority).
        authority: units
            .iter()
            .filter(|(_, _, kind)| kind.grants_authority())
            .map(|(_, path, _)| path.clone())
            .collect(),
        units: units.into_iter().map(|(u, _, _)| u).collect(),
    };
    Ok(Caller::User(AuthUser { user, actor }))
}

async fn authenticate_client(
    state: &web::Data<AppState>,
    claims: tokens::Claims,
) -> Result<AuthClient, ApiError> {
    let id = claims.sub.clone();
    let found = state
        .db(move |conn| Ok(cunxiang_storage::clients::find(conn, &id)?))
        .await?;
    let Some((client, _)) = found else {
        return Err(ApiError::unauthorized(
            ErrorCode::InvalidToken,
            "the client no longer exists",
        ));
    };
    if client.status != UserStatus::Active {
        return Err(ApiError::unauthorized(
            ErrorCode::ClientDisabled,
            "this client is disabled",
        ));
    }
    // A rotated secret retires every token issued before the rotation.
    if claims.iat < client.secret_rotated_at.timestamp() {
        return Err(ApiError::unauthorized(
            ErrorCode::InvalidToken,
            "the client's secret was rotated after this token was issued",
        ));
    }
    if let Err(wait) = state
        .client_limits
        .check(&client.id, client.rate_limit_per_minute)
    {
        return Err(ApiError::too_many(
            ErrorCode::RateLimited,
            format!(
                "client {} exceeded {} requests per minute",
                client.id, client.rate_limit_per_minute
            ),
            wait,
        ));
    }
    // Only the scopes the client still holds: removing one takes effect at once.
    let scopes = claims
        .scope
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(ClientScope::parse)
        .filter(|s| client.scopes.contains(s))
        .collect();
    Ok(AuthClient { client, scopes })
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Already authenticated by the route's gate (`routes::needs`).
        if let Some(caller) = req.extensions().get::<Caller>().cloned() {
            return Box::pin(async move { Ok(caller) });
        }
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        Box::pin(async move {
            let state = state
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))?;
            authenticate(state, token).await
        })
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload);
        Box::pin(async move {
            match caller.await? {
                Caller::User(user) => Ok(user),
                Caller::Client(_) => Err(ApiError::forbidden(
                    "this route is for users, not API clients",
                )),
            }
        })
    }
}

impl AuthUser {
    /// Refuses with 403 unless `can(actor, permission, target)`.
    pub fn require(
        &self,
        permission: cunxiang_core::Permission,
        target: &cunxiang_core::Target<'_>,
    ) -> Result<(), ApiError> {
        if cunxiang_core::can(&self.actor, permission, target) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "a {} may not do this here",
                self.user.role.as_str()
            )))
        }
    }

    /// Whether she may read the phone number of the account `id` (with role `role`) unmasked.
    pub fn reads_phone_of(&self, id: UserId, role: Role) -> bool {
        let account = cunxiang_core::Target::User {
            id,
            role,
            regions: &[],
        };
        cunxiang_core::can(&self.actor, cunxiang_core::Permission::ReadPhone, &account)
    }
}
