//! `POST /v1/reports/{id}/follow`: "我也遇到了" — the caller follows a report she may see
//! (idempotent; the reporter follows her own anyway).

use actix_web::web;
use cunxiang_core::ReportId;
use cunxiang_core::lifecycle::{self, Action, Facts, Standing};
use serde::Serialize;

use super::access::visible;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

/// Response of `POST /v1/reports/{id}/follow`.
#[derive(Debug, Serialize)]
pub struct Following {
    report_id: ReportId,
    following: bool,
    follower_count: i32,
}

/// `POST /v1/reports/{id}/follow`: the caller follows the report (idempotent).
pub async fn follow(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<ReportId>,
) -> Result<web::Json<Following>, ApiError> {
    let id = path.into_inner();
    let answer = state
        .db(move |conn| {
            let (report, _) = visible(conn, &me, id)?;
            let mut standing = Standing::person(me.user.role);
            standing.can_see = true;
            standing.is_reporter = report.reporter_id == me.user.id;
            lifecycle::decide(report.status, Action::Follow, &standing, &Facts::default())
                .map_err(|refusal| ApiError {
                    message: format!("cannot follow a {} report", report.status.as_str()),
                    ..ApiError::from(refusal)
                })?;
            cunxiang_storage::conn::transaction(conn, |conn| {
                // The reporter follows her report anyway; she is not a "me too".
                if report.reporter_id != me.user.id {
                    cunxiang_storage::reports::follow(conn, id, me.user.id)?;
                }
                let after = cunxiang_storage::reports::find(conn, id)?.ok_or_else(|| {
                    ApiError::internal(anyhow::anyhow!("followed report vanished"))
                })?;
                Ok(Following {
                    report_id: id,
                    following: true,
                    follower_count: after.follower_count,
                })
            })
        })
        .await?;
    Ok(web::Json(answer))
}
