//! `GET /v1/supervision`: the supervision orders (督办) on reports in a supervisor's region —
//! open ones by default — with whether each is overdue.

use actix_web::web;
use chrono::{DateTime, Utc};
use cunxiang_core::{Permission, Target};
use cunxiang_core::{ReportId, UnitId, UserId};
use cunxiang_storage::supervision::{Order, OrderStatus};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::params::checked_page;
use crate::state::AppState;

/// Query of `GET /v1/supervision`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    /// `open` (default), `answered`, `closed` or `all`.
    status: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// One order as listed.
#[derive(Debug, Serialize)]
pub struct OrderView {
    id: Uuid,
    report_id: ReportId,
    case_number: String,
    unit_id: Option<UnitId>,
    issued_by: UserId,
    note: String,
    reply_by: DateTime<Utc>,
    status: &'static str,
    /// Open and past its reply deadline.
    overdue: bool,
    escalated_at: Option<DateTime<Utc>>,
    reply_note: Option<String>,
    answered_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

/// Response of `GET /v1/supervision`.
#[derive(Debug, Serialize)]
pub struct OrderPage {
    items: Vec<OrderView>,
    next_cursor: Option<String>,
}

fn view(o: Order, case_number: String, now: DateTime<Utc>) -> OrderView {
    OrderView {
        overdue: o.status == OrderStatus::Open && o.reply_by <= now,
        id: o.id,
        report_id: o.report_id,
        case_number,
        unit_id: o.unit_id,
        issued_by: o.issued_by,
        note: o.note,
        reply_by: o.reply_by,
        status: o.status.as_str(),
        escalated_at: o.escalated_at,
        reply_note: o.reply_note,
        answered_at: o.answered_at,
        created_at: o.created_at,
    }
}

/// `GET /v1/supervision`.
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<OrderQuery>,
) -> Result<web::Json<OrderPage>, ApiError> {
    me.require(Permission::Oversee, &Target::Deployment)?;
    let q = query.into_inner();
    let statuses = match q.status.as_deref().unwrap_or("open") {
        "all" => Vec::new(),
        s => vec![OrderStatus::parse(s).ok_or_else(|| {
            ApiError::invalid_parameter("status", "status must be open, answered, closed or all")
        })?],
    };
    let (cursor, limit) = checked_page(q.cursor.as_deref(), q.limit)?;
    let now = state.clock.now();
    let page = state
        .db(move |conn| {
            let paths = me.actor.bounds();
            let page = cunxiang_storage::supervision::list(
                conn,
                paths.as_deref(),
                &statuses,
                cursor.as_deref(),
                limit,
            )?;
            let ids: Vec<ReportId> = page.items.iter().map(|o| o.report_id).collect();
            let cases = cunxiang_storage::reports::case_numbers(conn, &ids)?;
            Ok(OrderPage {
                items: page
                    .items
                    .into_iter()
                    .map(|o| {
                        let case = cases.get(&o.report_id).cloned().unwrap_or_default();
                        view(o, case, now)
                    })
                    .collect(),
                next_cursor: page.next_cursor,
            })
        })
        .await?;
    Ok(web::Json(page))
}
