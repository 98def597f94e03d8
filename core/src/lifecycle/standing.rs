//! The actor's standing towards a report and the facts about it that `decide` reads.

use crate::identity::Role;

/// The actor's relation to one report, worked out by the caller from the account, its units'
/// regions and the report. Flags only count for the roles that can hold them (a villager is
/// never a handler or a supervisor, whatever the flags say).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// The actor's role; `None` for the system itself (deadline worker, auto-confirm).
    pub role: Option<Role>,
    /// She is the report's reporter: the one who filed it, or the villager it was filed for
    /// on her behalf (代办).
    pub is_reporter: bool,
    /// She is a member of the unit the report is currently assigned to.
    pub in_responsible_unit: bool,
    /// A supervisor whose authority covers the report's region at a level above the
    /// responsible unit (for a report in a dispatch queue: covers that queue's region), or an
    /// admin. Only counts for the supervisor and admin roles.
    pub supervises: bool,
    /// She may read the report (by the caller's visibility rule).
    pub can_see: bool,
}

impl Standing {
    /// The system: deadline worker and auto-confirm.
    pub fn system() -> Self {
        Self {
            role: None,
            is_reporter: false,
            in_responsible_unit: false,
            supervises: false,
            can_see: false,
        }
    }

    /// A person with this role and no relation to the report yet.
    pub fn person(role: Role) -> Self {
        Self {
            role: Some(role),
            is_reporter: false,
            in_responsible_unit: false,
            supervises: false,
            can_see: false,
        }
    }

    pub(super) fn is_system(&self) -> bool {
        self.role.is_none()
    }

    pub(super) fn handles(&self) -> bool {
        self.in_responsible_unit && self.role.is_some_and(Role::is_staff)
    }

    pub(super) fn oversees(&self) -> bool {
        self.supervises && matches!(self.role, Some(Role::Supervisor | Role::Admin))
    }

    pub(super) fn reports(&self) -> bool {
        self.is_reporter && self.role.is_some()
    }

    pub(super) fn sees(&self) -> bool {
        self.can_see && self.role.is_some()
    }
}

/// What else about the report an action depends on, read by the caller from its row and
/// timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Facts {
    /// How many times the reporter has reopened the report before.
    pub reopen_count: u32,
    /// For a closed report: it was closed less than the reopen window (N days) ago, so the
    /// reporter may still rate or reopen it.
    pub within_reopen_window: bool,
    /// The report carries a rating for its current resolution.
    pub rated: bool,
    /// A supervision order on the report is still waiting for its reply.
    pub open_order: bool,
    /// Its category is worked as a mediation case ([`crate::Workflow::Mediation`]).
    pub mediation: bool,
    /// Its mediation ended in an agreement whose follow-up (回访) has not been recorded.
    pub follow_up_pending: bool,
}
