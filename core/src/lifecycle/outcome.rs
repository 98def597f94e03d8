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

/// Why an action is refused. The API answers [`Refusal::Forbidden`] with 403 and every
/// [`Refusal::Conflict`] with 409 (a lost race on the version check is a 409 too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// This person may never do this to this report, in any status: not the reporter, not a
    /// member of the responsible unit, not a supervisor above it, not the system.
    #[error("you may not do this to this report")]
    Forbidden,
    /// She could do this to this report, but not now.
    #[error("{0}")]
    Conflict(Conflict),
}

/// Why an action that the actor may do is not possible now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    /// Not from the report's current status (accepting twice, rating an unresolved report…).
    #[error("not possible while the report is in this status")]
    WrongStatus,
    /// The report already carries a rating.
    #[error("the report has already been rated")]
    AlreadyRated,
    /// The report was closed longer ago than the reopen window.
    #[error("the report was closed too long ago")]
    WindowPassed,
    /// There is no supervision order waiting for a reply.
    #[error("no supervision order is waiting for a reply")]
    NoOpenOrder,
}

impl Refusal {
    /// The HTTP status the API answers with.
    pub fn http_status(self) -> u16 {
        match self {
            Self::Forbidden => 403,
            Self::Conflict(_) => 409,
        }
    }

    /// The snake_case error code of the JSON error body.
    pub fn code(self) -> &'static str {
        match self {
            Self::Forbidden => "forbidden",
            Self::Conflict(Conflict::WrongStatus) => "invalid_status",
            Self::Conflict(Conflict::AlreadyRated) => "already_rated",
            Self::Conflict(Conflict::WindowPassed) => "reopen_window_passed",
            Self::Conflict(Conflict::NoOpenOrder) => "no_open_order",
        }
    }
}
