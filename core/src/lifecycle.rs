//! The report lifecycle as pure functions (DESIGN.md §4): [`decide`]`(status, action,
//! standing, facts)` says whether an action is allowed and where it leads; [`apply`] takes the
//! whole step — the new report, its event and its side effects — or says why not
//! ([`Refusal`]). [`submit`] places a new report. The caller works out the actor's relation
//! to the report ([`Standing`]) and what the step reads ([`Loaded`]), then persists the
//! [`Transition`]; HTTP statuses are the API's business, not this module's.
//!
//! Adding an action: a variant of [`Action`] (with its `as_str`), its arms in `eligible`,
//! [`decide`] and [`apply`] (the compiler finds each `match`), its event kind in
//! [`crate::EventKind`], and its path in `openapi.yaml` and the api route table.

use serde::{Deserialize, Serialize};

mod apply;
mod available;
pub mod evidence;
mod outcome;
pub mod schedule;
mod standing;
mod transition;

pub use apply::{MAX_REPLY_DAYS, apply, limits};
pub use available::available;
pub use outcome::{Conflict, Invalid, Outcome, Refusal, Timer};
pub use standing::{Facts, Standing};
pub use transition::{
    Destination, Doer, Effect, EventDraft, Input, Loaded, NewOrder, OrderRef, Original, Photo,
    Policy, Transition,
};

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::AsExpression, diesel::FromSqlRow),
    diesel(sql_type = diesel::sql_types::Text)
)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// In a dispatch queue: routing found no unit. Needs a supervisor to assign or reject it.
    Submitted,
    /// Given to a unit; waiting for one of its members to accept it.
    Assigned,
    /// A member of the responsible unit has taken it on.
    Accepted,
    /// The handler says it is done; waiting for the reporter to confirm, rate or reopen.
    Resolved,
    /// Finished: confirmed or rated by the reporter, or auto-confirmed.
    Closed,
    /// Back at a dispatch queue as "not ours", or reopened a third time: needs a human decision.
    Returned,
    /// Invalid or a duplicate of another report. Final.
    Rejected,
}

impl ReportStatus {
    /// Every status, in lifecycle order, for exhaustive tests and listings.
    pub const ALL: [ReportStatus; 7] = [
        Self::Submitted,
        Self::Assigned,
        Self::Accepted,
        Self::Resolved,
        Self::Closed,
        Self::Returned,
        Self::Rejected,
    ];

    /// The snake_case name used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Assigned => "assigned",
            Self::Accepted => "accepted",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
            Self::Returned => "returned",
            Self::Rejected => "rejected",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Whether work on the report may still happen: everything but closed and rejected.
    pub fn is_open(self) -> bool {
        !matches!(self, Self::Closed | Self::Rejected)
    }
}

/// Something done to a report; each one appends a `report_event` of that name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A new report (see [`submit`]; a report that exists cannot be submitted again).
    Submit,
    /// 接单: a member of the responsible unit takes the report on.
    Accept,
    /// 转办 / 派单: hand to another unit; from a dispatch queue this is the first assignment.
    Transfer,
    /// 退回: the unit gives the report back to the dispatch queue of the level above.
    Return,
    /// 上报升级: move the report one level up the ladder.
    Escalate,
    /// 催办: a reminder from a higher level (or the deadline worker's yellow light).
    Urge,
    /// 督办: a formal supervision order that the handler must answer by a deadline.
    Supervise,
    /// The handler's answer to an open supervision order.
    SuperviseReply,
    /// 办结: the handler says it is done, with a note and evidence.
    Resolve,
    /// 确认: the reporter accepts the resolution without rating it.
    Confirm,
    /// 评价: the reporter rates the resolution 1–5.
    Rate,
    /// The system closes a resolved report the reporter has not answered for N days.
    AutoConfirm,
    /// 重新办理: the reporter is not satisfied.
    Reopen,
    /// 驳回: invalid, or a duplicate of another report.
    Reject,
    /// A timeline entry.
    Comment,
    /// Follow the report's updates ("me too", +1).
    Follow,
    /// Mediation: schedule a session (调解会), in a place or online.
    ScheduleSession,
    /// Mediation: record a scheduled session (attendees, summary, next step).
    RecordSession,
    /// Mediation: conclude the case (agreement, no agreement with a referral, withdrawn);
    /// this resolves the report.
    Conclude,
    /// Mediation: the follow-up (回访) of an agreement — kept closes the case, broken reopens
    /// it.
    FollowUp,
}

impl Action {
    /// Every action, for exhaustive tests.
    pub const ALL: [Action; 20] = [
        Self::Submit,
        Self::Accept,
        Self::Transfer,
        Self::Return,
        Self::Escalate,
        Self::Urge,
        Self::Supervise,
        Self::SuperviseReply,
        Self::Resolve,
        Self::Confirm,
        Self::Rate,
        Self::AutoConfirm,
        Self::Reopen,
        Self::Reject,
        Self::Comment,
        Self::Follow,
        Self::ScheduleSession,
        Self::RecordSession,
        Self::Conclude,
        Self::FollowUp,
    ];

    /// The snake_case name used in event rows, paths and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::Accept => "accept",
            Self::Transfer => "transfer",
            Self::Return => "return",
            Self::Escalate => "escalate",
            Self::Urge => "urge",
            Self::Supervise => "supervise",
            Self::SuperviseReply => "supervise_reply",
            Self::Resolve => "resolve",
            Self::Confirm => "confirm",
            Self::Rate => "rate",
            Self::AutoConfirm => "auto_confirm",
            Self::Reopen => "reopen",
            Self::Reject => "reject",
            Self::Comment => "comment",
            Self::Follow => "follow",
            Self::ScheduleSession => "schedule_session",
            Self::RecordSession => "record_session",
            Self::Conclude => "conclude",
            Self::FollowUp => "follow_up",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Whether a person doing this must give a non-blank reason, note or text (422 without):
    /// the reason of a transfer, return, reopen or rejection, the note of a resolution, the
    /// text of a supervision order, of its reply and of a comment, the summary of a mediation
    /// session and what a follow-up found (an agreement's terms are checked with its outcome).
    pub fn requires_text(self) -> bool {
        matches!(
            self,
            Self::RecordSession
                | Self::FollowUp
                | Self::Transfer
                | Self::Return
                | Self::Resolve
                | Self::Reopen
                | Self::Reject
                | Self::Supervise
                | Self::SuperviseReply
                | Self::Comment
        )
    }

    /// Whether this action belongs to mediation cases only.
    pub fn is_mediation(self) -> bool {
        matches!(
            self,
            Self::ScheduleSession | Self::RecordSession | Self::Conclude | Self::FollowUp
        )
    }
}

const WRONG_STATUS: Refusal = Refusal::Conflict(Conflict::WrongStatus);

/// How many reopens go back to the unit; the next one goes to the supervisors' queue.
pub const MAX_REOPENS: u32 = 2;

/// A new report: any person may submit (villagers, grid workers on patrol, staff on behalf of
/// someone); the system never does. Routed at once → assigned (the accept clock starts), else
/// submitted into the dispatch queue.
pub fn submit(routed: bool) -> Outcome {
    if routed {
        Outcome::to(ReportStatus::Assigned, Timer::StartAccept)
    } else {
        Outcome::to(ReportStatus::Submitted, Timer::Clear)
    }
}

/// Whether the actor could do this action to this report in some status.
fn eligible(action: Action, who: &Standing) -> bool {
    use Action::*;
    match action {
        Submit => !who.is_system(),
        Accept | Return | SuperviseReply | Resolve => who.handles(),
        ScheduleSession | RecordSession | Conclude | FollowUp => who.handles(),
        Transfer => who.handles() || who.oversees(),
        Escalate => who.is_system() || who.handles() || who.oversees(),
        Urge => who.is_system() || who.oversees(),
        Supervise | Reject => who.oversees(),
        Confirm | Rate | Reopen => who.reports(),
        AutoConfirm => who.is_system(),
        Comment | Follow => who.sees(),
    }
}

/// Whether `who` may do `action` to a report in `status`, and what follows.
///
/// Refusals: [`Refusal::Forbidden`] when the actor could not do this action to this report in
/// any status; otherwise [`Refusal::Conflict`] when the status or the facts do not allow it.
/// What the caller checks itself: the target of a transfer or an escalation (an active unit,
/// not the current one, a level above existing), the text of [`Action::requires_text`],
/// evidence photos, a rating between 1 and 5, and the version of the row.
///
/// | action | from | by | to |
/// |---|---|---|---|
/// | accept | assigned | handler | accepted |
/// | transfer | assigned, accepted | handler, supervisor | assigned |
/// | transfer (dispatch) | submitted, returned | supervisor | assigned |
/// | return | assigned | handler | returned |
/// | escalate | assigned, accepted | system, handler, supervisor | assigned |
/// | urge | open | system, supervisor | unchanged |
/// | supervise | open | supervisor | unchanged |
/// | supervise_reply | open, with an open order | handler | unchanged |
/// | resolve | accepted | handler | resolved |
/// | confirm | resolved | reporter | closed |
/// | rate | resolved; closed, unrated, within the window | reporter | closed |
/// | auto_confirm | resolved | system | closed |
/// | reopen | resolved; closed within the window | reporter | assigned (3rd: returned) |
/// | reject | submitted, assigned, returned | supervisor | rejected |
/// | comment | any | a person who can see it | unchanged |
/// | follow | open | a person who can see it | unchanged |
/// | schedule_session, record_session | accepted (mediation) | handler | unchanged |
/// | conclude | accepted (mediation) | handler | resolved |
/// | follow_up | resolved, an agreement awaiting it | handler | closed (kept) / accepted (broken: `apply` reopens) |
/// | confirm, rate | resolved, an agreement awaiting follow-up | reporter | unchanged (closed at the follow-up) |
/// | submit | – (see [`submit`]) | | always refused here |
///
/// A mediation case ([`Facts::mediation`]) is concluded, never resolved
/// ([`Conflict::MediatedCase`]); the mediation actions on any other report answer
/// [`Conflict::NotMediation`].
pub fn decide(
    status: ReportStatus,
    action: Action,
    who: &Standing,
    facts: &Facts,
) -> Result<Outcome, Refusal> {
    use Action::*;
    use ReportStatus::*;
    if !eligible(action, who) {
        return Err(Refusal::Forbidden);
    }
    if action.is_mediation() && !facts.mediation {
        return Err(Refusal::Conflict(Conflict::NotMediation));
    }
    if action == Resolve && facts.mediation {
        return Err(Refusal::Conflict(Conflict::MediatedCase));
    }
    let stay = Outcome::to(status, Timer::Keep);
    let ok = match (action, status) {
        (ScheduleSession | RecordSession, Accepted) => stay,
        (Conclude, Accepted) => Outcome::to(Resolved, Timer::StartConfirm),
        (FollowUp, Resolved) if facts.follow_up_pending => Outcome::to(Closed, Timer::Clear),
        (FollowUp, _) => return Err(Refusal::Conflict(Conflict::NoFollowUpDue)),
        (Confirm, Resolved) if facts.follow_up_pending => stay,
        (Rate, Resolved) if facts.follow_up_pending && !facts.rated => stay,
        (Accept, Assigned) => Outcome::to(Accepted, Timer::StartResolve),
        (Transfer, Assigned | Accepted) => Outcome::to(Assigned, Timer::StartAccept),
        (Transfer, Submitted | Returned) if who.oversees() => {
            Outcome::to(Assigned, Timer::StartAccept)
        }
        (Return, Assigned) => Outcome::to(Returned, Timer::Clear),
        (Escalate, Assigned | Accepted) => Outcome::to(Assigned, Timer::StartAccept),
        (Urge | Supervise | Follow, s) if s.is_open() => stay,
        (SuperviseReply, s) if s.is_open() => {
            if !facts.open_order {
                return Err(Refusal::Conflict(Conflict::NoOpenOrder));
            }
            stay
        }
        (Resolve, Accepted) => Outcome::to(Resolved, Timer::StartConfirm),
        (Confirm | AutoConfirm, Resolved) => Outcome::to(Closed, Timer::Clear),
        (Rate, Resolved | Closed) => {
            if facts.rated {
                return Err(Refusal::Conflict(Conflict::AlreadyRated));
            }
            if status == Closed && !facts.within_reopen_window {
                return Err(Refusal::Conflict(Conflict::WindowPassed));
            }
            Outcome::to(
                Closed,
                if status == Closed {
                    Timer::Keep
                } else {
                    Timer::Clear
                },
            )
        }
        (Reopen, Resolved | Closed) => {
            if status == Closed && !facts.within_reopen_window {
                return Err(Refusal::Conflict(Conflict::WindowPassed));
            }
            let third = facts.reopen_count >= MAX_REOPENS;
            Outcome {
                to_supervisor_queue: third,
                clears_rating: true,
                ..if third {
                    Outcome::to(Returned, Timer::Clear)
                } else {
                    Outcome::to(Assigned, Timer::StartAccept)
                }
            }
        }
        (Reject, Submitted | Assigned | Returned) => Outcome::to(Rejected, Timer::Clear),
        (Comment, _) => stay,
        _ => return Err(WRONG_STATUS),
    };
    Ok(ok)
}

#[cfg(test)]
mod apply_tests;
#[cfg(test)]
mod mediation_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod walk_tests;
