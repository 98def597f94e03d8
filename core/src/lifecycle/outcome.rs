//! What an allowed action leads to, and why a refused one is refused.

use super::ReportStatus;

/// What happens to the report's deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// The deadlines stay as they are.
    Keep,
    /// A unit has been given the report: the accept-by limit starts from now, no resolve-by.
    StartAccept,
    /// A member took it on: the resolve-by limit starts from now.
    StartResolve,
    /// Resolved: the reporter has N days before auto-confirm.
    StartConfirm,
    /// Nobody is on the clock (dispatch queue, closed, rejected): no deadline runs.
    Clear,
}

/// An allowed action's effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The status afterwards (may equal the one before).
    pub next: ReportStatus,
    /// What happens to the deadlines.
    pub clock: Timer,
    /// A third (or later) reopen: the report goes to the supervisors' queue instead of back
    /// to the unit.
    pub to_supervisor_queue: bool,
    /// A reopen: the rating of the previous resolution no longer stands (it counts against
    /// 满意率 as a reopen instead), so the next resolution can be rated.
    pub clears_rating: bool,
}

impl Outcome {
    pub(super) fn to(next: ReportStatus, clock: Timer) -> Self {
        Self {
            next,
            clock,
            to_supervisor_queue: false,
            clears_rating: false,
        }
    }
}

/// Why an action is refused. Core says why; the API decides the HTTP answer (api
/// `error::lifecycle`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// This person may never do this to this report, in any status: not the reporter, not a
    /// member of the responsible unit, not a supervisor above it, not the system.
    #[error("you may not do this to this report")]
    Forbidden,
    /// A villager asked for an internal (staff-only) comment.
    #[error("only staff may write internal comments")]
    StaffOnly,
    /// The status or the report's history does not allow it now.
    #[error("{0}")]
    Conflict(Conflict),
    /// A field of the request names something unusable.
    #[error("{}", .0.message)]
    Invalid(Invalid),
    /// The category needs an "after" photo and the resolution has none.
    #[error("{category} needs an \"after\" photo to be resolved")]
    EvidenceRequired {
        /// The category's name.
        category: String,
    },
    /// `submit` and `follow` are not steps of [`super::apply`] (a caller's bug).
    #[error("submit and follow are not lifecycle steps")]
    NotAStep,
}

/// A request field the step refused, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The field's name in the request body.
    pub field: &'static str,
    /// What is wrong with it.
    pub message: String,
}

/// Why an action that the actor may do is not possible now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    /// Not possible while the report is in this status.
    #[error("not possible while the report is in this status")]
    WrongStatus,
    /// The report has been rated already.
    #[error("the report has already been rated")]
    AlreadyRated,
    /// The reopen (or late rating) window after closing has passed.
    #[error("the report was closed too long ago")]
    WindowPassed,
    /// A reply, but no supervision order waits for one.
    #[error("no supervision order is waiting for a reply")]
    NoOpenOrder,
    /// The order replied to is answered or closed.
    #[error("this supervision order is no longer open")]
    OrderClosed,
    /// Escalation, but the holding unit has no level above it.
    #[error("there is no level above this unit to escalate to")]
    NoLevelAbove,
    /// Supervision of a report no unit holds (it waits in a dispatch queue).
    #[error("the report waits in a dispatch queue: assign it before supervising")]
    NoHandler,
    /// A mediation action on a report whose category is not mediated.
    #[error("this report is not a mediation case")]
    NotMediation,
    /// `resolve` on a mediation case, which ends with `conclude`.
    #[error("a mediation case is concluded, not resolved")]
    MediatedCase,
    /// The session named was recorded already.
    #[error("this session has been recorded already")]
    SessionRecorded,
    /// The session named is not due yet.
    #[error("this session has not been held yet")]
    SessionNotHeld,
    /// A follow-up, but no agreement awaits one.
    #[error("no agreement of this case awaits a follow-up")]
    NoFollowUpDue,
}
