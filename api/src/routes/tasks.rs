//! `GET /v1/tasks`: a staff member's work queue — the assigned and accepted reports of her
//! units, soonest deadline first — or, for supervisors and admins, the dispatch queue of her
//! region (`?queue=dispatch`), oldest first; with counts per state either way.

use actix_web::web;
use cunxiang_core::lifecycle::ReportStatus;
use cunxiang_core::{Permission, Target};
use cunxiang_storage::reports::Report;
use serde::{Deserialize, Serialize};

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;
use crate::views::report::{ReportParts, ReportView};
use cunxiang_core::visibility::{Sight, sight_of};

/// Most reports a queue holds for listing; beyond it the oldest are cut off.
const QUEUE_CAP: i64 = 5000;
const DEFAULT_LIMIT: usize = 50;

/// Query of `GET /v1/tasks`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskQuery {
    /// `mine` (default) or `dispatch`.
    queue: Option<String>,
    /// Comma-separated statuses within the queue's.
    status: Option<String>,
    cursor: Option<String>,
    limit: Option<usize>,
}

/// How many reports wait in each state.
#[derive(Debug, Default, Serialize)]
pub struct TaskCounts {
    assigned: usize,
    accepted: usize,
    dispatch: usize,
}

/// Response of `GET /v1/tasks`.
#[derive(Debug, Serialize)]
pub struct TaskPage {
    items: Vec<ReportView>,
    counts: TaskCounts,
    next_cursor: Option<String>,
}

/// The sort key of a task: its running deadline (none last), then id.
fn key(r: &Report) -> (i64, String) {
    let due = r
        .deadlines
        .running(r.status)
        .map_or(i64::MAX, |(_, end)| end.timestamp_micros());
    (due, r.id.to_string())
}

fn parse_cursor(cursor: &str) -> Result<(i64, String), ApiError> {
    let bad = || ApiError::invalid_parameter("cursor", "cursor is not valid");
    let (due, id) = cursor.split_once('_').ok_or_else(bad)?;
    let id = uuid::Uuid::parse_str(id).map_err(|_| bad())?;
    Ok((due.parse().map_err(|_| bad())?, id.to_string()))
}

fn parse_statuses(
    text: Option<&str>,
    allowed: &[ReportStatus],
) -> Result<Vec<ReportStatus>, ApiError> {
    let Some(text) = text else {
        return Ok(allowed.to_vec());
    };
    text.split(',')
        .map(|s| {
            ReportStatus::parse(s.trim())
                .filter(|s| allowed.contains(s))
                .ok_or_else(|| {
                    ApiError::invalid_parameter(
                        "status",
                        format!("{s:?} is not a status of this queue"),
                    )
                })
        })
        .collect()
}

/// `GET /v1/tasks`.
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<TaskQuery>,
) -> Result<web::Json<TaskPage>, ApiError> {
    let q = query.into_inner();
    me.require(Permission::WorkTasks, &Target::Deployment)?;
    let oversees = cunxiang_core::can(&me.actor, Permission::Oversee, &Target::Deployment);
    let dispatch = match q.queue.as_deref() {
        None | Some("mine") => false,
        Some("dispatch") if oversees => true,
        Some("dispatch") => {
            return Err(ApiError::forbidden("the dispatch queue is for supervisors"));
        }
        Some(other) => {
            return Err(ApiError::invalid_parameter(
                "queue",
                format!("{other:?} is not a queue: mine or dispatch"),
            ));
        }
    };
    let allowed: &[ReportStatus] = if dispatch {
        &[ReportStatus::Submitted, ReportStatus::Returned]
    } else {
        &[ReportStatus::Assigned, ReportStatus::Accepted]
    };
    let statuses = parse_statuses(q.status.as_deref(), allowed)?;
    let after = q.cursor.as_deref().map(parse_cursor).transpose()?;
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid_parameter(
            "limit",
            "limit must be between 1 and 1000",
        ));
    }
    let now = state.clock.now();
    let page = state
        .db(move |conn| {
            let mine =
                cunxiang_storage::reports::change::held_by(conn, &me.actor.units, QUEUE_CAP)?;
            let paths = me.actor.bounds();
            let queue = if oversees {
                cunxiang_storage::reports::change::in_dispatch(conn, paths.as_deref(), QUEUE_CAP)?
            } else {
                Vec::new()
            };
            let counts = TaskCounts {
                assigned: mine
                    .iter()
                    .filter(|r| r.status == ReportStatus::Assigned)
                    .count(),
                accepted: mine
                    .iter()
                    .filter(|r| r.status == ReportStatus::Accepted)
                    .count(),
                dispatch: queue.len(),
            };
            let mut items: Vec<Report> = if dispatch { queue } else { mine }
                .into_iter()
                .filter(|r| statuses.contains(&r.status))
                .filter(|r| after.as_ref().is_none_or(|a| key(r) > *a))
                .collect();
            items.sort_by_key(key);
            let more = items.len() > limit;
            items.truncate(limit);
            let next_cursor = more
                .then(|| items.last().map(key))
                .flatten()
                .map(|(due, id)| format!("{due}_{id}"));
            let items = ReportParts::load_many(conn, items)?
                .into_iter()
                .map(|parts| {
                    let seen = sight_of(&me.actor, &parts.report, true).unwrap_or(Sight::Staff);
                    parts.view(seen, now)
                })
                .collect();
            Ok(TaskPage {
                items,
                counts,
                next_cursor,
            })
        })
        .await?;
    Ok(web::Json(page))
}
