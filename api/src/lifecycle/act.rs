//! One action on one report, in the caller's transaction: decide whether it is allowed, work
//! out the new status, deadlines and event, then write the report under its version and
//! append the event. People's actions arrive over HTTP ([`act_on`]); the deadline worker
//! calls [`perform`] as the system.

use actix_web::http::StatusCode;
use chrono::{DateTime, Utc};
use cunxiang_core::EventKind;
use cunxiang_core::lifecycle::schedule::Deadline;
use cunxiang_core::lifecycle::{Action, ReportStatus, Standing, decide};
use cunxiang_storage::DbConn;
use cunxiang_storage::reports::ReportRecord;
use cunxiang_storage::reports::events::ReportEvent;
use uuid::Uuid;

use super::body::ActionInput;
use super::effects;
use super::standing::{facts, standing};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::reports::access::{Sight, sight};
use crate::route_index::RoutingCache;
use crate::settings::Settings;

/// Who acts.
#[derive(Debug, Clone, Copy)]
pub enum Doer<'a> {
    /// A person over the API.
    Person(&'a AuthUser),
    /// The deadline worker; `deadline` names the limit that ran out, if that is why.
    System {
        /// The limit behind the action.
        deadline: Option<Deadline>,
    },
}

impl Doer<'_> {
    /// The actor id of the event (`None` for the system).
    pub fn id(&self) -> Option<Uuid> {
        match self {
            Doer::Person(me) => Some(me.user.id),
            Doer::System { .. } => None,
        }
    }
}

/// An action to perform.
#[derive(Debug, Clone, Copy)]
pub struct Act<'a> {
    /// Who.
    pub doer: Doer<'a>,
    /// What.
    pub action: Action,
    /// With what.
    pub input: &'a ActionInput,
    /// When.
    pub now: DateTime<Utc>,
    /// The deployment's limits (confirm and reopen windows, evidence distance).
    pub settings: &'a Settings,
    /// The organisation escalation climbs (this instance's routing snapshot).
    pub routing: &'a RoutingCache,
}

/// What an event will say, before it has an id.
#[derive(Debug, Clone)]
pub struct EventDraft {
    /// Event kind (past tense).
    pub kind: EventKind,
    /// The unit concerned.
    pub unit_id: Option<Uuid>,
    /// Free text.
    pub note: Option<String>,
    /// Structured details.
    pub details: serde_json::Value,
    /// Staff only.
    pub internal: bool,
    /// Evidence photos to attach to the event.
    pub evidence: Vec<Uuid>,
}

/// A person's action over HTTP (`act.doer` is `me`): locks the report, checks that she may
/// see it (404 otherwise) and the version she sent, then [`perform`]s it — all in one
/// transaction. Returns the report as it is now and how she sees it.
pub fn act_on(
    conn: &mut DbConn,
    me: &AuthUser,
    id: Uuid,
    act: &Act<'_>,
) -> Result<(ReportRecord, Sight), ApiError> {
    let (action, input) = (act.action, act.input);
    let not_found = || ApiError::not_found("not_found", "no such report");
    cunxiang_storage::conn::transaction(conn, |conn| {
        if !cunxiang_storage::reports::change::lock(conn, id)? {
            return Err(not_found());
        }
        let report = cunxiang_storage::reports::find(conn, id)?.ok_or_else(not_found)?;
        let public = cunxiang_storage::reports::category_is_public(conn, &report.category)?;
        let seen = sight(me, &report, public).ok_or_else(not_found)?;
        if action == Action::Comment && input.internal && !seen.sees_internal() {
            return Err(ApiError::forbidden(
                "only staff in charge of the report may write internal comments",
            ));
        }
        if input.version.is_some_and(|v| v != report.version) {
            return Err(version_conflict(report.version));
        }
        let changed = perform(conn, report, act)?;
        Ok((changed, seen))
    })
}

/// The answer to a stale version.
fn version_conflict(current: i32) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "version_conflict",
        "the report changed since you read it; read it again",
    )
    .with_details(serde_json::json!({ "version": current }))
}

/// Performs `act` on `report`, whose row the caller has locked inside a transaction.
pub fn perform(
    conn: &mut DbConn,
    report: ReportRecord,
    act: &Act<'_>,
) -> Result<ReportRecord, ApiError> {
    let who = match act.doer {
        Doer::Person(me) => standing(conn, me, &report, true)?,
        Doer::System { .. } => Standing::system(),
    };
    let facts = facts(conn, &report, act.action, act.now, act.settings.reopen_days)?;
    let outcome = decide(report.status, act.action, &who, &facts).map_err(|refusal| {
        ApiError::new(
            StatusCode::from_u16(refusal.http_status()).unwrap_or(StatusCode::CONFLICT),
            refusal.code(),
            refusal.to_string(),
        )
    })?;
    let category = cunxiang_storage::categories::find(conn, &report.category)?
        .ok_or_else(|| ApiError::internal("a report names a missing category"))?;
    let limits = super::limits(
        &category,
        chrono::Duration::days(act.settings.auto_confirm_days),
    );
    let mut next = report.clone();
    next.status = outcome.next;
    next.deadlines = report.deadlines.after(outcome.clock, act.now, &limits);
    next.version = report.version + 1;
    next.updated_at = act.now;
    let draft = effects::apply(conn, &report, &mut next, act, &outcome, &category)?;
    if !cunxiang_storage::reports::change::update(conn, &next, report.version)? {
        return Err(version_conflict(report.version));
    }
    let event = ReportEvent {
        id: Uuid::now_v7(),
        report_id: report.id,
        kind: draft.kind,
        actor_id: act.doer.id(),
        unit_id: draft.unit_id,
        note: draft.note,
        details: draft.details,
        internal: draft.internal,
        at: act.now,
    };
    cunxiang_storage::reports::events::insert(conn, &event)?;
    if !draft.evidence.is_empty() {
        let attached =
            cunxiang_storage::media::attach_evidence(conn, &draft.evidence, report.id, event.id)?;
        if attached != draft.evidence.len() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "media_taken",
                "a photo was attached elsewhere meanwhile; nothing was saved",
            ));
        }
    }
    if matches!(next.status, ReportStatus::Closed | ReportStatus::Rejected)
        && report.status != next.status
    {
        cunxiang_storage::supervision::close_for_report(conn, report.id)?;
    }
    // Last: the fan-out takes the feed's ordering lock, which must follow every row lock.
    let left_unit = report.unit_id.filter(|u| next.unit_id != Some(*u));
    crate::push::publish::announce(conn, act.settings, &next, left_unit, &event)?;
    cunxiang_storage::stats::rollup::apply_change(conn, Some(&report), &next)?;
    Ok(next)
}
