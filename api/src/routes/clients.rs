//! API clients (admins only): list, create (the secret is shown once), rotate the secret,
//! change scopes, limit or status. Every change is audited.

use actix_web::{HttpRequest, HttpResponse, web};
use cunxiang_core::{ClientScope, Permission, Target, UserStatus};
use cunxiang_storage::clients::NewClient;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit;
use crate::auth::{AuthUser, client_ip};
use crate::error::{ApiError, ErrorCode};
use crate::keys;
use crate::params::{checked_page, find_region};
use crate::state::AppState;
use crate::views::ClientView;

/// Requests per minute a new client gets unless told otherwise.
const DEFAULT_RATE_LIMIT: i32 = 600;

/// The scopes named, each one Cunxiang grants.
fn checked_scopes(names: &[String]) -> Result<Vec<ClientScope>, ApiError> {
    names
        .iter()
        .map(|name| ClientScope::parse(name))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| {
            let known: Vec<&str> = ClientScope::ALL.iter().map(|s| s.as_str()).collect();
            ApiError::invalid_field(
                "scopes",
                format!("scopes must be among {}", known.join(", ")),
            )
        })
}

fn check_limit(limit: i32) -> Result<(), ApiError> {
    if (1..=100_000).contains(&limit) {
        Ok(())
    } else {
        Err(ApiError::invalid_field(
            "rate_limit_per_minute",
            "rate_limit_per_minute must be 1-100000",
        ))
    }
}

/// Query of `GET /v1/clients`.
#[derive(Debug, Deserialize)]
pub struct ClientQuery {
    cursor: Option<String>,
    limit: Option<i64>,
}

/// Body of `GET /v1/clients`.
#[derive(Debug, Serialize)]
pub struct ClientList {
    items: Vec<ClientView>,
    next_cursor: Option<String>,
}

/// Lists clients.
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<ClientQuery>,
) -> Result<web::Json<ClientList>, ApiError> {
    me.require(Permission::ManageClients, &Target::Deployment)?;
    let limit = query.limit;
    let after = query.cursor.clone();
    if after
        .as_deref()
        .is_some_and(|c| c.is_empty() || c.len() > 64)
    {
        return Err(ApiError::invalid_parameter("cursor", "cursor is not valid"));
    }
    let (_, limit) = checked_page(None, limit)?;
    let page = state
        .db(move |conn| {
            Ok(cunxiang_storage::clients::list(
                conn,
                after.as_deref(),
                limit,
            )?)
        })
        .await?;
    Ok(web::Json(ClientList {
        items: page.items.iter().map(ClientView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Body of `POST /v1/clients`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateClient {
    name: String,
    scopes: Vec<String>,
    /// Code or id of the region the client serves.
    region: String,
    rate_limit_per_minute: Option<i32>,
}

/// A client with its secret, shown once.
#[derive(Debug, Serialize)]
pub struct ClientWithSecret {
    client: ClientView,
    client_secret: String,
}

/// Creates a client; the answer carries its secret, which is never shown again.
pub async fn create(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    body: web::Json<CreateClient>,
) -> Result<HttpResponse, ApiError> {
    me.require(Permission::ManageClients, &Target::Deployment)?;
    let body = body.into_inner();
    if body.name.trim().is_empty() || body.name.chars().count() > 64 {
        return Err(ApiError::invalid_field(
            "name",
            "name must be 1-64 characters",
        ));
    }
    let scopes = checked_scopes(&body.scopes)?;
    let limit = body.rate_limit_per_minute.unwrap_or(DEFAULT_RATE_LIMIT);
    check_limit(limit)?;
    let secret = keys::random_token();
    let secret_hash = keys::digest(&secret);
    let ip = client_ip(&req, state.settings.trust_proxy);
    let client = state
        .db(move |conn| {
            let region = find_region(conn, &body.region)?;
            cunxiang_storage::conn::transaction(conn, |conn| {
                let client = cunxiang_storage::clients::insert(
                    conn,
                    &NewClient {
                        id: format!("cx_{}", uuid::Uuid::now_v7().simple()),
                        name: body.name.trim().to_owned(),
                        secret_hash,
                        scopes: scopes.clone(),
                        region_id: region.id,
                        rate_limit_per_minute: limit,
                    },
                )?;
                let details = json!({ "scopes": client.scopes, "region_id": client.region_id });
                audit::record(
                    conn,
                    Some(&me.user.id.to_string()),
                    "client_created",
                    Some(&client.id),
                    &ip,
                    details,
                )?;
                Ok(client)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(ClientWithSecret {
        client: ClientView::from(&client),
        client_secret: secret,
    }))
}

fn no_client(id: &str) -> ApiError {
    ApiError::not_found(ErrorCode::ClientNotFound, format!("no client {id}"))
}

/// `POST /v1/clients/{id}/rotate`: a new secret; the old one stops working at once.
pub async fn rotate(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<web::Json<ClientWithSecret>, ApiError> {
    me.require(Permission::ManageClients, &Target::Deployment)?;
    let id = path.into_inner();
    let secret = keys::random_token();
    let secret_hash = keys::digest(&secret);
    let ip = client_ip(&req, state.settings.trust_proxy);
    let client = state
        .db(move |conn| {
            cunxiang_storage::conn::transaction(conn, |conn| {
                let client = cunxiang_storage::clients::set_secret(conn, &id, &secret_hash)?
                    .ok_or_else(|| no_client(&id))?;
                audit::record(
                    conn,
                    Some(&me.user.id.to_string()),
                    "client_rotated",
                    Some(&id),
                    &ip,
                    json!({}),
                )?;
                Ok(client)
            })
        })
        .await?;
    Ok(web::Json(ClientWithSecret {
        client: ClientView::from(&client),
        client_secret: secret,
    }))
}

/// Body of `PATCH /v1/clients/{id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeClient {
    name: Option<String>,
    scopes: Option<Vec<String>>,
    rate_limit_per_minute: Option<i32>,
    status: Option<UserStatus>,
}

/// Changes a client's name, scopes, limit or status.
pub async fn change(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<ChangeClient>,
) -> Result<web::Json<ClientView>, ApiError> {
    me.require(Permission::ManageClients, &Target::Deployment)?;
    let id = path.into_inner();
    let body = body.into_inner();
    if let Some(name) = &body.name
        && (name.trim().is_empty() || name.chars().count() > 64)
    {
        return Err(ApiError::invalid_field(
            "name",
            "name must be 1-64 characters",
        ));
    }
    let scopes = body.scopes.as_deref().map(checked_scopes).transpose()?;
    if let Some(limit) = body.rate_limit_per_minute {
        check_limit(limit)?;
    }
    let ip = client_ip(&req, state.settings.trust_proxy);
    let client = state
        .db(move |conn| {
            cunxiang_storage::conn::transaction(conn, |conn| {
                let client = cunxiang_storage::clients::update(
                    conn,
                    &id,
                    body.name.as_deref().map(str::trim),
                    scopes.as_deref(),
                    body.rate_limit_per_minute,
                    body.status,
                )?
                .ok_or_else(|| no_client(&id))?;
                let details = json!({
                    "name": body.name, "scopes": scopes,
                    "rate_limit_per_minute": body.rate_limit_per_minute, "status": body.status,
                });
                audit::record(
                    conn,
                    Some(&me.user.id.to_string()),
                    "client_changed",
                    Some(&id),
                    &ip,
                    details,
                )?;
                Ok(client)
            })
        })
        .await?;
    Ok(web::Json(ClientView::from(&client)))
}
