//! `GET /v1/reports`: the reports the caller may see (filters in [`super::filters`]), newest
//! first, cursor-paginated.

use actix_web::web;
use serde::Serialize;

use super::filters::{ReportQuery, checked_filters, filter_of};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::params::checked_page;
use crate::state::AppState;
use crate::views::report::{ReportParts, ReportView};
use cunxiang_core::visibility::{Sight, scope, sight_of};

/// Response of `GET /v1/reports`.
#[derive(Debug, Serialize)]
pub struct ReportList {
    items: Vec<ReportView>,
    next_cursor: Option<String>,
}

/// `GET /v1/reports`.
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<ReportQuery>,
) -> Result<web::Json<ReportList>, ApiError> {
    let q = query.into_inner();
    let (cursor, limit) = checked_page(q.cursor.as_deref(), q.limit)?;
    let checked = checked_filters(&q)?;
    let now = state.clock.now();
    let page = state
        .db(move |conn| {
            let filter = filter_of(conn, &me, &q, checked)?;
            let page = cunxiang_storage::reports::list(
                conn,
                &scope(&me.actor),
                &filter,
                cursor.as_deref(),
                limit,
            )?;
            // The scope already left out what she may not see: every item is at least public.
            let items = ReportParts::load_many(conn, page.items)?
                .into_iter()
                .map(|parts| {
                    let sight = sight_of(&me.actor, &parts.report, true).unwrap_or(Sight::Public);
                    parts.view(sight, now)
                })
                .collect();
            Ok(ReportList {
                items,
                next_cursor: page.next_cursor,
            })
        })
        .await?;
    Ok(web::Json(page))
}
