//! `POST /v1/auth/token`: the OAuth2 client-credentials grant for third-party servers. The
//! client authenticates with HTTP Basic or `client_id`/`client_secret` form fields.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, web};
use base64::Engine;
use cunxiang_core::ClientScope;
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;

use super::digest;
use crate::audit;
use crate::auth::client_ip;
use crate::auth::session::TokenResponse;
use crate::auth::tokens::{self, CLIENT_ROLE};
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// Form body (`application/x-www-form-urlencoded`).
#[derive(Debug, Deserialize)]
pub struct TokenRequest {
    grant_type: String,
    client_id: Option<String>,
    client_secret: Option<String>,
    scope: Option<String>,
}

fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// Issues an access token to an API client.
pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<TokenRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let form = form.into_inner();
    if form.grant_type != "client_credentials" {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::UnsupportedGrantType,
            "grant_type must be client_credentials",
        ));
    }
    let invalid =
        || ApiError::unauthorized(ErrorCode::InvalidClient, "unknown client or wrong secret");
    let (id, secret) = match (basic_credentials(&req), form.client_id, form.client_secret) {
        (Some(pair), _, _) => pair,
        (None, Some(id), Some(secret)) => (id, secret),
        _ => return Err(invalid()),
    };
    let ip = client_ip(&req, state.settings.trust_proxy);
    let given = digest(&secret);
    let lookup = id.clone();
    let found = state
        .db(move |conn| Ok(cunxiang_storage::clients::find(conn, &lookup)?))
        .await?;
    let authentic = found.as_ref().is_some_and(|(client, stored)| {
        let same: bool = stored.as_bytes().ct_eq(given.as_bytes()).into();
        same && client.status == cunxiang_core::UserStatus::Active
    });
    let actor = format!("client:{id}");
    let Some((client, _)) = found.filter(|_| authentic) else {
        let ip2 = ip.clone();
        state
            .db(move |conn| {
                audit::record(
                    conn,
                    None,
                    "login_failed",
                    Some(&actor),
                    &ip2,
                    json!({ "method": "client_credentials" }),
                )
            })
            .await?;
        return Err(invalid());
    };
    let scopes: Vec<ClientScope> = match &form.scope {
        None => client.scopes.clone(),
        Some(asked) => {
            let asked: Vec<&str> = asked.split_whitespace().collect();
            let granted =
                |s: &&str| ClientScope::parse(s).is_some_and(|s| client.scopes.contains(&s));
            if let Some(extra) = asked.iter().find(|s| !granted(s)) {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::InvalidScope,
                    format!("scope {extra} is not granted to this client"),
                ));
            }
            asked.into_iter().filter_map(ClientScope::parse).collect()
        }
    };
    if let Err(wait) = state
        .client_limits
        .check(&client.id, client.rate_limit_per_minute)
    {
        return Err(ApiError::too_many(
            ErrorCode::RateLimited,
            "this client exceeded its request rate",
            wait,
        ));
    }
    let scope = scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let now = cunxiang_storage::time::now().timestamp();
    let ttl = state.settings.access_token_ttl_secs;
    let access = tokens::issue(
        &state.keys,
        &client.id,
        CLIENT_ROLE,
        None,
        Some(scope.clone()),
        now,
        ttl,
    )
    .map_err(ApiError::internal)?;
    let details = json!({ "method": "client_credentials", "scope": scope });
    state
        .db(move |conn| audit::record(conn, Some(&actor), "login", Some(&actor), &ip, details))
        .await?;
    Ok(web::Json(TokenResponse {
        access_token: access,
        token_type: "Bearer",
        expires_in: ttl,
        refresh_token: None,
        scope: Some(scope),
        user: None,
    }))
}
