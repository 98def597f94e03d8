//! The outbox as admins see it: `GET /v1/deliveries?status=dead` lists what could not be
//! delivered (and why), `POST /v1/deliveries/{id}/retry` puts a dead or refused delivery back
//! in the queue. Payloads are not shown (they may hold phone numbers).

use actix_web::{HttpRequest, web};
use chrono::{DateTime, Utc};
use cunxiang_core::ReportId;
use cunxiang_core::push::{DeliveryChannel, DeliveryStatus};
use cunxiang_core::{Permission, Target};
use cunxiang_storage::push::deliveries::{self, Delivery, DeliveryFilter};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::audit;
use crate::auth::{AuthUser, client_ip};
use crate::error::{ApiError, ErrorCode};
use crate::params::checked_page;
use crate::state::AppState;

/// One delivery as the API shows it.
#[derive(Debug, Serialize)]
pub struct DeliveryView {
    id: Uuid,
    /// The report event or, when `report_id` is null, the organisation event it carries.
    event_id: Uuid,
    /// The event's report; `null` for an organisation event (`patrol_overdue`).
    report_id: Option<ReportId>,
    channel: DeliveryChannel,
    /// The webhook id (webhook) or the user id (wechat, sms).
    target: Uuid,
    status: DeliveryStatus,
    attempts: i32,
    /// When it is tried next; `null` unless pending.
    next_attempt_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        DeliveryView {
            next_attempt_at: (d.status == DeliveryStatus::Pending).then_some(d.next_attempt_at),
            id: d.id,
            event_id: d.event_id,
            report_id: d.report_id,
            channel: d.channel,
            target: d.target,
            status: d.status,
            attempts: d.attempts,
            last_error: d.last_error,
            created_at: d.created_at,
            updated_at: d.updated_at,
            sent_at: d.sent_at,
        }
    }
}

/// Query of `GET /v1/deliveries`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    status: Option<String>,
    channel: Option<String>,
    event_id: Option<Uuid>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// Body of `GET /v1/deliveries`.
#[derive(Debug, Serialize)]
pub struct DeliveryList {
    items: Vec<DeliveryView>,
    next_cursor: Option<String>,
}

/// The one of `allowed` that query parameter `name` names; 400 listing them when it names
/// none.
fn one_of<T: Copy + std::fmt::Display>(
    name: &str,
    value: Option<String>,
    allowed: &[T],
) -> Result<Option<T>, ApiError> {
    let Some(value) = value else {
        return Ok(None);
    };
    if let Some(v) = allowed.iter().find(|v| v.to_string() == value) {
        return Ok(Some(*v));
    }
    let names: Vec<String> = allowed.iter().map(T::to_string).collect();
    Err(ApiError::invalid_parameter(
        name,
        format!("{name} must be one of {}", names.join(", ")),
    ))
}

/// `GET /v1/deliveries`: newest first.
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<DeliveryQuery>,
) -> Result<web::Json<DeliveryList>, ApiError> {
    me.require(Permission::ManageDeliveries, &Target::Deployment)?;
    let q = query.into_inner();
    let (cursor, limit) = checked_page(q.cursor.as_deref(), q.limit)?;
    let filter = DeliveryFilter {
        status: one_of("status", q.status, &DeliveryStatus::ALL)?,
        channel: one_of("channel", q.channel, &DeliveryChannel::ALL)?,
        event_id: q.event_id,
        before: cursor.as_deref().and_then(|c| Uuid::parse_str(c).ok()),
    };
    let mut items = state
        .db(move |conn| Ok(deliveries::list(conn, &filter, limit + 1)?))
        .await?;
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next_cursor = more
        .then(|| items.last().map(|d| d.id.to_string()))
        .flatten();
    Ok(web::Json(DeliveryList {
        items: items.into_iter().map(DeliveryView::from).collect(),
        next_cursor,
    }))
}

/// `POST /v1/deliveries/{id}/retry`: a dead or refused delivery goes back in the queue, due
/// now, with its tries counted afresh.
pub async fn retry(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    path: web::Path<Uuid>,
) -> Result<web::Json<DeliveryView>, ApiError> {
    me.require(Permission::ManageDeliveries, &Target::Deployment)?;
    let id = path.into_inner();
    let ip = client_ip(&req, state.settings.trust_proxy);
    let now = state.clock.now();
    let delivery = state
        .db(move |conn| {
            cunxiang_storage::conn::transaction(conn, |conn| {
                let found = deliveries::find(conn, id)?.ok_or_else(|| {
                    ApiError::not_found(ErrorCode::DeliveryNotFound, format!("no delivery {id}"))
                })?;
                if !deliveries::retry(conn, id, now)? {
                    return Err(ApiError::new(
                        actix_web::http::StatusCode::CONFLICT,
                        ErrorCode::NotRetryable,
                        format!(
                            "the delivery is {}; only dead or refused ones are retried",
                            found.status
                        ),
                    ));
                }
                audit::record(
                    conn,
                    Some(&me.user.id.to_string()),
                    "delivery_retried",
                    Some(&id.to_string()),
                    &ip,
                    json!({ "channel": found.channel, "attempts": found.attempts }),
                )?;
                deliveries::find(conn, id)?
                    .ok_or_else(|| ApiError::internal(anyhow::anyhow!("a delivery vanished")))
            })
        })
        .await?;
    Ok(web::Json(DeliveryView::from(delivery)))
}
