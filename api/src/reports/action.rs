//! `POST /v1/reports/{id}/{action}`: one handler for every lifecycle action. The route table
//! lists each path (so `openapi.yaml` is checked path by path); the handler reads the action
//! from the path's last segment, parses the body for it and calls the act service
//! ([`crate::lifecycle::act::act_on`]). The answer is the report as the caller now sees it.

use actix_web::{HttpRequest, web};
use cunxiang_core::ReportId;
use cunxiang_core::lifecycle::Action;

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorCode};
use crate::lifecycle::act;

mod body;
use crate::state::AppState;
use crate::views::report::{ReportParts, ReportView};

/// The actions people take over `POST /v1/reports/{id}/{action}`, in the route table's order
/// (`submit` and `follow` have their own endpoints; `auto_confirm` is the system's).
pub const BY_PATH: [Action; 17] = [
    Action::Accept,
    Action::Transfer,
    Action::Return,
    Action::Escalate,
    Action::Urge,
    Action::Supervise,
    Action::SuperviseReply,
    Action::Resolve,
    Action::Confirm,
    Action::Rate,
    Action::Reopen,
    Action::Reject,
    Action::Comment,
    Action::ScheduleSession,
    Action::RecordSession,
    Action::Conclude,
    Action::FollowUp,
];

/// The action a request's path names (its last segment).
fn action_of(req: &HttpRequest) -> Result<Action, ApiError> {
    req.path()
        .rsplit('/')
        .next()
        .and_then(Action::parse)
        .filter(|a| BY_PATH.contains(a))
        .ok_or_else(|| ApiError::not_found(ErrorCode::NotFound, "no such action"))
}

/// `POST /v1/reports/{id}/{action}` (接单, 转办, 退回, 上报升级, 催办, 督办, 督办回复, 办结, 确认,
/// 评价, 重新办理, 驳回, comment; for mediation cases 安排调解, 调解记录, 调解结案, 回访).
pub async fn act(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    path: web::Path<ReportId>,
    bytes: web::Bytes,
) -> Result<web::Json<ReportView>, ApiError> {
    let action = action_of(&req)?;
    let id = path.into_inner();
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
                fan_out: settings.fan_out(),
                routing: &routing,
            };
            let (report, sight) = act::act_on(conn, &me.actor, id, &act)?;
            Ok(ReportParts::load(conn, report)?.view(sight, now))
        })
        .await?;
    Ok(web::Json(view))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every action a person takes on a report has its path in the route table, and no other
    /// action does: adding an `Action` without deciding its endpoint fails here.
    #[test]
    fn every_person_action_has_its_path() {
        let paths: Vec<&str> = crate::routes::endpoints().iter().map(|e| e.path).collect();
        for action in Action::ALL {
            let path = format!("/v1/reports/{{id}}/{}", action.as_str());
            let routed = paths.contains(&path.as_str());
            let own_endpoint = matches!(action, Action::Submit | Action::Follow);
            let by_path = BY_PATH.contains(&action);
            assert_eq!(
                routed,
                by_path || own_endpoint && action == Action::Follow,
                "{path}"
            );
            assert!(
                by_path || own_endpoint || action == Action::AutoConfirm,
                "{action:?}"
            );
        }
    }
}
