//! Webhooks (admins only): partners' frontends register a URL, the event kinds and the region
//! they want, and a secret the calls are signed with (see README §Push for verifying it).
//! The secret is shown once, when the webhook is registered. Every change is audited.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use cunxiang_core::{EventKind, OrgEventKind};
use cunxiang_core::{Permission, Target};
use cunxiang_storage::push::webhooks::{self, NewWebhook, Webhook};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::audit;
use crate::auth::{AuthUser, client_ip};
use crate::error::{ApiError, ErrorCode};
use crate::keys;
use crate::params::{checked_name, find_region};
use crate::push::send::egress::Egress;
use crate::state::AppState;

/// Shortest secret an admin may choose.
const MIN_SECRET: usize = 16;

/// A webhook as the API shows it (never its secret).
#[derive(Debug, Serialize)]
pub struct WebhookView {
    id: Uuid,
    name: String,
    url: String,
    event_types: Vec<String>,
    region_id: Option<Uuid>,
    active: bool,
    created_at: DateTime<Utc>,
}

impl From<&Webhook> for WebhookView {
    fn from(h: &Webhook) -> Self {
        WebhookView {
            id: h.id,
            name: h.name.clone(),
            url: h.url.clone(),
            event_types: h.event_types.clone(),
            region_id: h.region_id,
            active: h.active,
            created_at: h.created_at,
        }
    }
}

/// Body of `GET /v1/webhooks`.
#[derive(Debug, Serialize)]
pub struct WebhookList {
    items: Vec<WebhookView>,
}

/// `GET /v1/webhooks`.
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
) -> Result<web::Json<WebhookList>, ApiError> {
    me.require(Permission::ManageWebhooks, &Target::Deployment)?;
    let hooks = state.db(|conn| Ok(webhooks::list(conn)?)).await?;
    Ok(web::Json(WebhookList {
        items: hooks.iter().map(WebhookView::from).collect(),
    }))
}

/// Body of `POST /v1/webhooks`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    name: String,
    url: String,
    /// Event kinds to send; absent or empty: every event a reporter may see.
    #[serde(default)]
    event_types: Vec<String>,
    /// Code or id of the region whose reports are sent; absent: all.
    region: Option<String>,
    /// The signing secret; absent: the server makes one.
    secret: Option<String>,
}

/// A webhook with its secret, shown once.
#[derive(Debug, Serialize)]
pub struct WebhookWithSecret {
    webhook: WebhookView,
    secret: String,
}

/// `url`, normalised, if it is an absolute http(s) URL without credentials whose host is not
/// an address `egress` refuses. A host name is judged when each call is made (its addresses
/// may change), see `crate::push::send::egress`.
fn checked_url(url: &str, egress: &Egress) -> Result<String, ApiError> {
    let bad = || ApiError::invalid_field("url", "url must be an absolute http(s) URL");
    let parsed = url::Url::parse(url.trim()).map_err(|_| bad())?;
    if !matches!(parsed.scheme(), "http" | "https")
        || parsed.host().is_none()
        || url.len() > 2000
        || !parsed.username().is_empty()
        || parsed.password().is_some()
    {
        return Err(bad());
    }
    if let Some(kind) = egress.literal_refusal(&parsed) {
        return Err(ApiError::invalid_field(
            "url",
            format!(
                "url points inside the network (a {kind} address), which webhooks may not \
                 call; the operator may allow it with CUNXIANG_WEBHOOK_ALLOW"
            ),
        ));
    }
    Ok(parsed.to_string())
}

/// `types` without repeats, if each is an event kind (of reports or of the organisation) and
/// not all are internal ones (a webhook that would never be called).
fn checked_types(types: &[String]) -> Result<Vec<String>, ApiError> {
    let mut out: Vec<String> = Vec::new();
    for kind in types {
        if EventKind::parse(kind).is_none() && OrgEventKind::parse(kind).is_none() {
            let known: Vec<&str> = EventKind::ALL
                .iter()
                .map(|k| k.as_str())
                .chain(OrgEventKind::ALL.iter().map(|k| k.as_str()))
                .collect();
            return Err(ApiError::invalid_field(
                "event_types",
                format!("unknown event type {kind:?}; known: {}", known.join(", ")),
            ));
        }
        if !out.contains(kind) {
            out.push(kind.clone());
        }
    }
    if !out.is_empty()
        && out
            .iter()
            .all(|k| EventKind::parse(k).is_some_and(EventKind::internal))
    {
        return Err(ApiError::invalid_field(
            "event_types",
            format!(
                "event_types asks only for internal event kinds ({}), which are never sent to \
                 webhooks: ask for at least one other kind, or for none (every kind)",
                out.join(", ")
            ),
        ));
    }
    Ok(out)
}

/// `POST /v1/webhooks`: registers a webhook; the answer carries its secret.
pub async fn create(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    body: web::Json<CreateWebhook>,
) -> Result<HttpResponse, ApiError> {
    me.require(Permission::ManageWebhooks, &Target::Deployment)?;
    let body = body.into_inner();
    let name = checked_name(&body.name)?;
    let url = checked_url(&body.url, state.webhook_http.egress())?;
    let types = checked_types(&body.event_types)?;
    let secret = match body.secret {
        Some(s) if s.len() < MIN_SECRET || s.len() > 256 => {
            return Err(ApiError::invalid_field(
                "secret",
                format!("secret must be {MIN_SECRET}-256 bytes"),
            ));
        }
        Some(s) => s,
        None => keys::random_token(),
    };
    let ip = client_ip(&req, state.settings.trust_proxy);
    let now = state.clock.now();
    let key = secret.clone();
    let hook = state
        .db(move |conn| {
            let region = body
                .region
                .as_deref()
                .map(|r| find_region(conn, r))
                .transpose()?;
            cunxiang_storage::conn::transaction(conn, |conn| {
                let new = NewWebhook {
                    name: &name,
                    url: &url,
                    event_types: &types,
                    region_id: region.as_ref().map(|r| r.id),
                    secret: &key,
                    created_by: me.user.id,
                };
                let id = webhooks::insert(conn, &new, now)?;
                audit::record(
                    conn,
                    Some(&me.user.id.to_string()),
                    "webhook_created",
                    Some(&id.to_string()),
                    &ip,
                    json!({ "url": url, "event_types": types, "region_id": new.region_id }),
                )?;
                webhooks::find(conn, id)?
                    .ok_or_else(|| ApiError::internal(anyhow::anyhow!("a new webhook vanished")))
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(WebhookWithSecret {
        webhook: WebhookView::from(&hook),
        secret,
    }))
}

/// `DELETE /v1/webhooks/{id}`: no more calls; undelivered ones are marked dead.
pub async fn delete(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    me.require(Permission::ManageWebhooks, &Target::Deployment)?;
    let id = path.into_inner();
    let ip = client_ip(&req, state.settings.trust_proxy);
    let now = state.clock.now();
    state
        .db(move |conn| {
            cunxiang_storage::conn::transaction(conn, |conn| {
                if !webhooks::delete(conn, id, now)? {
                    return Err(ApiError::not_found(
                        ErrorCode::WebhookNotFound,
                        format!("no webhook {id}"),
                    ));
                }
                audit::record(
                    conn,
                    Some(&me.user.id.to_string()),
                    "webhook_deleted",
                    Some(&id.to_string()),
                    &ip,
                    json!({}),
                )?;
                Ok(())
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
