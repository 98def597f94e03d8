//! `GET /v1/reports/{id}/events?after=…`: a report's timeline for clients that poll instead
//! of holding a stream — the events after the last one they have, as the caller may see them
//! (internal events for staff only), oldest first.

use actix_web::web;
use cunxiang_core::ReportId;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::access::visible;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;
use crate::views::report::{EventView, ReportParts};

const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;

/// Query of `GET /v1/reports/{id}/events`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventQuery {
    /// The id of the last event the client has; none: from the start.
    after: Option<Uuid>,
    limit: Option<usize>,
}

/// Response of `GET /v1/reports/{id}/events`.
#[derive(Debug, Serialize)]
pub struct EventPage {
    items: Vec<EventView>,
    /// Pass as `after` for the rest; `null` when this page ends the timeline (poll again later
    /// with the last item's id).
    next_cursor: Option<Uuid>,
}

/// `GET /v1/reports/{id}/events`.
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<ReportId>,
    query: web::Query<EventQuery>,
) -> Result<web::Json<EventPage>, ApiError> {
    let id = path.into_inner();
    let EventQuery { after, limit } = query.into_inner();
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid_parameter(
            "limit",
            format!("limit must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let now = state.clock.now();
    let mut items = state
        .db(move |conn| {
            let (report, sight) = visible(conn, &me, id)?;
            Ok(ReportParts::load(conn, report)?
                .view(sight, now)
                .into_timeline())
        })
        .await?;
    items.retain(|e| after.is_none_or(|a| e.id() > a));
    let more = items.len() > limit;
    items.truncate(limit);
    let next_cursor = if more {
        items.last().map(EventView::id)
    } else {
        None
    };
    Ok(web::Json(EventPage { items, next_cursor }))
}
