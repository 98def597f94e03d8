//! `POST /v1/reports/{id}/{action}`: one handler per lifecycle action, all through
//! [`crate::lifecycle::act::act_on`]. The answer is the report as the caller now sees it.

use actix_web::web;
use cunxiang_core::lifecycle::Action;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::lifecycle::{act, body};
use crate::reports::view::{ReportParts, ReportView};
use crate::state::AppState;

async fn run(
    state: web::Data<AppState>,
    me: AuthUser,
    id: Uuid,
    bytes: web::Bytes,
    action: Action,
) -> Result<web::Json<ReportView>, ApiError> {
    let input = body::parse(action, &bytes)?;
    let now = state.clock.now();
    let settings = state.settings.clone();
    let routing = state.routing.clone();
    let view = state
        .db(move |conn| {
            let act = act::Act {
                who: act::Who::Person(&me.actor),
                action,
                input: &input,
                now,
                policy: settings.lifecycle_policy(),
                settings: &settings,
                routing: &routing,
            };
            let (report, sight) = act::act_on(conn, &me.actor, id, &act)?;
            Ok(ReportParts::load(conn, report)?.view(sight, now))
        })
        .await?;
    Ok(web::Json(view))
}

/// `POST /v1/reports/{id}/accept` (接单).
pub async fn accept(
    s: web::Data<AppState>,
    me: AuthUser,
    p: web::Path<Uuid>,
    b: web::Bytes,
) -> Result<web::Json<ReportView>, ApiError> {
    run(s, me, p.into_inner(), b, Action::Accept).await
}

/// `POST /v1/reports/{id}/transfer` (转办).
pub async fn transfer(
    s: web::Data<AppState>,
    me: AuthUser,
    p: web::Path<Uuid>,
    b: web::Bytes,
) -> Result<web::Json<ReportView>, ApiError> {
    run(s, me, p.into_inner(), b, Action::Transfer).await
}

/// `POST /v1/reports/{id}/return` (退回).
pub async fn give_back(
    s: web::Data<AppState>,
    me: AuthUser,
    p: web::Path<Uuid>,
    b: web::Bytes,
) -> Result<web::Json<ReportView>, ApiError> {
    run(s, me, p.into_inner(), b, Action::Return).await
}

/// `POST /v1/reports/{id}/escalate` (上报升级).
pub async fn escalate(
    s: web::Data<AppState>,
    me: AuthUser,
    p: web::Path<Uuid>,
    b: web::Bytes,
) -> Result<web::Json<ReportView>, ApiError> {
    run(s, me, p.into_inner(), b, Action::Escalate).await
}

/// `POST /v1/reports/{id}/urge` (催办).
pub async fn urge(
    s: web::Data<AppState>,
    me: AuthUser,
    p: web::Path<Uuid>,
    b: web::Bytes,
) -> Result<web::Json<ReportView>, ApiError> {
    run(s, me, p.into_inner(), b, Action::Urge).await
}

/// `POST /v1/reports/{id}/supervise` (督办).
pub async fn supervise(
    s: web::Data<AppState>,
    me: AuthUser,
    p: web::Path<Uuid>,
    b: web::Bytes,
) -> Result<web::Json<ReportView>, ApiError> {
    run(s, me, p.into_inner(), b, Action::Supervise).await
}

/// `POST /v1/reports/{id}/supervise_reply`: the handler answers a supervision order.
pub async fn supervise_reply(
    s: web::Data<AppState>,
    me: AuthUser,
    p: web::Path<Uuid>,
    b: web::Bytes,
) -> Result<web::Json<ReportView>, ApiError> {
    run(s, me, p.into_inner(), b, Action::SuperviseReply).await
}

/// `POST /v1/reports/{id}/resolve` (办结).
pub async fn resolve(
    s: web::Data<AppState>,
    me: AuthUser,
    p: web::Path<Uuid>,
    b: web::Bytes,
) -> Result<web::Json<ReportView>, ApiError> {
    run(s, me, p.into_inner(), b, Action::Resolve).await
}

/// `POST /v1/reports/{id}/confirm` (确认).
pub async fn confirm(
    s: web::Data<AppState>,
    me: AuthUser,
    p: web::Path<Uuid>,
    b: web::Bytes,
) -> Result<web::Json<ReportView>, ApiError> {
    run(s, me, p.into_inner(), b, Action::Confirm).await
}

/// `POST /v1/reports/{id}/rate` (评价).
pub async fn rate(
    s: web::Data<AppState>,
    me: AuthUser,
    p: web::Path<Uuid>,
    b: web::Bytes,
) -> Result<web::Json<ReportView>, ApiError> {
    run(s, me, p.into_inner(), b, Action::Rate).await
}

/// `POST /v1/reports/{id}/reopen` (重新办理).
pub async fn reopen(
    s: web::Data<AppState>,
    me: AuthUser,
    p: web::Path<Uuid>,
    b: web::Bytes,
) -> Result<web::Json<ReportView>, ApiError> {
    run(s, me, p.into_inner(), b, Action::Reopen).await
}

/// `POST /v1/reports/{id}/reject` (驳回).
pub async fn reject(
    s: web::Data<AppState>,
    me: AuthUser,
    p: web::Path<Uuid>,
    b: web::Bytes,
) -> Result<web::Json<ReportView>, ApiError> {
    run(s, me, p.into_inner(), b, Action::Reject).await
}

/// `POST /v1/reports/{id}/comment`.
pub async fn comment(
    s: web::Data<AppState>,
    me: AuthUser,
    p: web::Path<Uuid>,
    b: web::Bytes,
) -> Result<web::Json<ReportView>, ApiError> {
    run(s, me, p.into_inner(), b, Action::Comment).await
}
