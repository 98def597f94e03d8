//! `GET /v1/reports/{id}/actions`: what the caller may do to one report now, asked of the
//! lifecycle rules (`core::lifecycle::available`), so that frontends show exactly those
//! buttons and never re-implement the rules.

use actix_web::web;
use cunxiang_core::ReportId;
use cunxiang_core::lifecycle::available;
use serde::Serialize;

use super::access::visible;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::lifecycle::{facts_now, standing::standing};
use crate::state::AppState;

/// The answer: the report's version (send it back with an action to act only on what was
/// shown) and the actions, by their path names.
#[derive(Debug, Serialize)]
pub struct Actions {
    report_id: ReportId,
    version: i32,
    actions: Vec<&'static str>,
}

/// `GET /v1/reports/{id}/actions`.
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<ReportId>,
) -> Result<web::Json<Actions>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let reopen = state.settings.lifecycle_policy().reopen;
    let answer = state
        .db(move |conn| {
            let (report, _) = visible(conn, &me, id)?;
            let who = standing(conn, &me.actor, &report, true)?;
            let facts = facts_now(conn, &report, now, reopen)?;
            let actions = available(report.status, &who, &facts)
                .into_iter()
                .map(|a| a.as_str())
                .collect();
            Ok(Actions {
                report_id: report.id,
                version: report.version,
                actions,
            })
        })
        .await?;
    Ok(web::Json(answer))
}
