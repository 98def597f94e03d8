//! The vocabulary of a report's timeline: every kind of event ([`EventKind`]), which of them
//! are staff-only and which concern supervisors. Storage keeps the snake_case name in a text
//! column; webhooks and message templates filter on it.

use serde::{Deserialize, Serialize};

/// What happened to a report, as its timeline says it (past tense).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::AsExpression, diesel::FromSqlRow),
    diesel(sql_type = diesel::sql_types::Text)
)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A villager (or staff on her behalf) filed it.
    Submitted,
    /// Routing gave it to a unit at once.
    Assigned,
    /// Routing found no unit: it waits in a dispatch queue.
    Dispatched,
    /// 接单.
    Accepted,
    /// 转办 / 派单.
    Transferred,
    /// 退回 to the dispatch queue.
    Returned,
    /// 上报升级, by a person or the deadline worker.
    Escalated,
    /// 催办, by a supervisor or the deadline worker's yellow light.
    Urged,
    /// 督办: a supervision order was issued (staff only).
    Supervised,
    /// The handler answered a supervision order (staff only).
    Replied,
    /// A supervision order's reply deadline passed (staff only).
    SupervisionOverdue,
    /// A limit ran out at the top of the ladder: nobody is left to escalate to.
    Overdue,
    /// 办结.
    Resolved,
    /// The reporter confirmed the resolution.
    Confirmed,
    /// Nobody answered the resolution in time: closed by the system.
    AutoConfirmed,
    /// The reporter rated the resolution.
    Rated,
    /// The reporter was not satisfied.
    Reopened,
    /// 驳回: invalid or a duplicate.
    Rejected,
    /// A timeline entry (staff only when marked internal).
    Commented,
    /// A mediation session (调解会) was scheduled: when, and where or online.
    SessionScheduled,
    /// A mediation session was recorded: who came, what was said (staff only).
    SessionRecorded,
    /// A mediation case ended: agreement, no agreement (referred), or withdrawn.
    Concluded,
    /// An agreement's follow-up (回访) came due: the mediators are reminded (staff only).
    FollowUpDue,
    /// The follow-up was recorded: the agreement is kept (closed) or broken (reopened).
    FollowedUp,
}

impl EventKind {
    /// Every kind, in lifecycle order.
    pub const ALL: [EventKind; 24] = [
        Self::Submitted,
        Self::Assigned,
        Self::Dispatched,
        Self::Accepted,
        Self::Transferred,
        Self::Returned,
        Self::Escalated,
        Self::Urged,
        Self::Supervised,
        Self::Replied,
        Self::SupervisionOverdue,
        Self::Overdue,
        Self::Resolved,
        Self::Confirmed,
        Self::AutoConfirmed,
        Self::Rated,
        Self::Reopened,
        Self::Rejected,
        Self::Commented,
        Self::SessionScheduled,
        Self::SessionRecorded,
        Self::Concluded,
        Self::FollowUpDue,
        Self::FollowedUp,
    ];

    /// The snake_case name used in storage, the API, webhooks and template settings.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Assigned => "assigned",
            Self::Dispatched => "dispatched",
            Self::Accepted => "accepted",
            Self::Transferred => "transferred",
            Self::Returned => "returned",
            Self::Escalated => "escalated",
            Self::Urged => "urged",
            Self::Supervised => "supervised",
            Self::Replied => "replied",
            Self::SupervisionOverdue => "supervision_overdue",
            Self::Overdue => "overdue",
            Self::Resolved => "resolved",
            Self::Confirmed => "confirmed",
            Self::AutoConfirmed => "auto_confirmed",
            Self::Rated => "rated",
            Self::Reopened => "reopened",
            Self::Rejected => "rejected",
            Self::Commented => "commented",
            Self::SessionScheduled => "session_scheduled",
            Self::SessionRecorded => "session_recorded",
            Self::Concluded => "concluded",
            Self::FollowUpDue => "follow_up_due",
            Self::FollowedUp => "followed_up",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether events of this kind are always staff-only, and so never reach the reporter's
    /// side or a webhook: supervision orders, their replies and their overrun, a mediation
    /// session's record and a follow-up reminder. A comment may be internal too, but not
    /// always: see the event's own flag.
    pub fn internal(self) -> bool {
        matches!(
            self,
            Self::Supervised
                | Self::Replied
                | Self::SupervisionOverdue
                | Self::SessionRecorded
                | Self::FollowUpDue
        )
    }

    /// Whether supervisors over the report's region hear of it: supervision, and reports
    /// landing in (or coming back to) the dispatch queue they work, where no unit holds the
    /// report yet.
    pub fn concerns_supervisors(self) -> bool {
        matches!(
            self,
            Self::Dispatched
                | Self::Returned
                | Self::Urged
                | Self::Escalated
                | Self::Supervised
                | Self::Replied
                | Self::SupervisionOverdue
                | Self::Overdue
        )
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_serialise_as_their_names() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
            assert_eq!(
                serde_json::to_value(kind).ok(),
                Some(serde_json::Value::from(kind.as_str()))
            );
        }
        assert_eq!(EventKind::parse("followed"), None);
    }

    #[test]
    fn supervision_is_internal_and_concerns_supervisors_and_mediation_records_are_internal() {
        for kind in [
            EventKind::Supervised,
            EventKind::Replied,
            EventKind::SupervisionOverdue,
        ] {
            assert!(kind.internal() && kind.concerns_supervisors(), "{kind}");
        }
        assert!(EventKind::SessionRecorded.internal() && EventKind::FollowUpDue.internal());
        assert!(!EventKind::Commented.internal());
        assert!(!EventKind::SessionScheduled.internal() && !EventKind::Concluded.internal());
    }
}
