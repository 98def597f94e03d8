//! `GET /v1/reports/{id}`: one report with its photos and timeline, as the caller may see it.

use actix_web::web;
use cunxiang_core::ReportId;

use super::access::visible;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;
use crate::views::report::{ReportParts, ReportView};

/// `GET /v1/reports/{id}`.
pub async fn get(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<ReportId>,
) -> Result<web::Json<ReportView>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let view = state
        .db(move |conn| {
            let (report, sight) = visible(conn, &me, id)?;
            Ok(ReportParts::load(conn, report)?.view(sight, now))
        })
        .await?;
    Ok(web::Json(view))
}
