//! Fan-out rules: who hears of a timeline event. The reporter and "me too" followers hear of
//! everything but internal events; the members of the responsible unit (and of the unit it
//! just left) hear of everything; supervisors over the report's region hear of the events
//! that concern supervision — urges, escalations, supervision orders and their replies,
//! limits overrun at the top of the ladder, and reports landing in the dispatch queue.

use uuid::Uuid;

/// Why a person receives an event. Each person receives an event once, for the first reason
/// in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// She reported it.
    Reporter,
    /// Her unit holds the report (or just handed it on).
    Handler,
    /// She supervises the report's region.
    Supervisor,
    /// She said "me too".
    Follower,
}

impl Reason {
    /// The name used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Reporter => "reporter",
            Reason::Handler => "handler",
            Reason::Supervisor => "supervisor",
            Reason::Follower => "follower",
        }
    }
}

/// Every event kind a timeline can hold (webhooks filter on these).
pub const EVENT_KINDS: &[&str] = &[
    "submitted",
    "assigned",
    "dispatched",
    "accepted",
    "transferred",
    "returned",
    "escalated",
    "urged",
    "supervised",
    "replied",
    "order_closed",
    "supervision_overdue",
    "overdue",
    "evidence_required",
    "resolved",
    "confirmed",
    "auto_confirmed",
    "rated",
    "reopened",
    "rejected",
    "commented",
];

/// The kinds that are always internal — supervision orders and their replies — and so never
/// reach the reporter's side or a webhook (comments may be internal too, but not always).
pub const INTERNAL_KINDS: &[&str] = &[
    "supervised",
    "replied",
    "order_closed",
    "supervision_overdue",
];

/// The kinds supervisors hear of: supervision, and reports landing in (or coming back to) the
/// dispatch queue they work, where no unit holds the report yet.
const SUPERVISION_KINDS: &[&str] = &[
    "dispatched",
    "returned",
    "urged",
    "escalated",
    "supervised",
    "replied",
    "order_closed",
    "supervision_overdue",
    "overdue",
];

/// Whether supervisors over the report's region hear of events of this kind.
pub fn concerns_supervisors(kind: &str) -> bool {
    SUPERVISION_KINDS.contains(&kind)
}

/// The people a report concerns, as the store knows them when the event is written.
#[derive(Debug, Clone, Copy, Default)]
pub struct Concerned<'a> {
    /// Who reported it.
    pub reporter: Option<Uuid>,
    /// "Me too" followers.
    pub followers: &'a [Uuid],
    /// Members of the unit holding the report after the event, and of the unit it left.
    pub handlers: &'a [Uuid],
    /// Supervisors whose regions cover the report (only looked up when
    /// [`concerns_supervisors`]).
    pub supervisors: &'a [Uuid],
}

/// One person an event goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recipient {
    /// The person.
    pub user_id: Uuid,
    /// Why.
    pub reason: Reason,
}

/// Who hears of an event of `kind` (`internal`: hidden from the reporter's side), each person
/// once, in [`Reason`] order.
pub fn audience(kind: &str, internal: bool, people: &Concerned<'_>) -> Vec<Recipient> {
    let mut out: Vec<Recipient> = Vec::new();
    // An internal event never reaches the reporter, even when she is also staff on it (a
    // grid worker's own patrol report): her timeline shows it to her as the reporter.
    let hidden = people.reporter.filter(|_| internal);
    let mut add = |ids: &[Uuid], reason: Reason| {
        for &user_id in ids {
            if Some(user_id) != hidden && !out.iter().any(|r| r.user_id == user_id) {
                out.push(Recipient { user_id, reason });
            }
        }
    };
    if !internal {
        add(people.reporter.as_slice(), Reason::Reporter);
    }
    add(people.handlers, Reason::Handler);
    if concerns_supervisors(kind) {
        add(people.supervisors, Reason::Supervisor);
    }
    if !internal {
        add(people.followers, Reason::Follower);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ids(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn who(list: &[Recipient]) -> Vec<(u128, Reason)> {
        list.iter()
            .map(|r| (r.user_id.as_u128(), r.reason))
            .collect()
    }

    const FOLLOWERS: [Uuid; 2] = [Uuid::from_u128(10), Uuid::from_u128(11)];
    const HANDLERS: [Uuid; 2] = [Uuid::from_u128(20), Uuid::from_u128(21)];
    const SUPERVISORS: [Uuid; 1] = [Uuid::from_u128(30)];

    fn everyone() -> Concerned<'static> {
        Concerned {
            reporter: Some(Uuid::from_u128(1)),
            followers: &FOLLOWERS,
            handlers: &HANDLERS,
            supervisors: &SUPERVISORS,
        }
    }

    #[test]
    fn a_public_status_change_reaches_reporter_handlers_and_followers() {
        let got = audience("accepted", false, &everyone());
        assert_eq!(
            who(&got),
            vec![
                (1, Reason::Reporter),
                (20, Reason::Handler),
                (21, Reason::Handler),
                (10, Reason::Follower),
                (11, Reason::Follower),
            ]
        );
    }

    #[test]
    fn internal_events_stay_with_staff() {
        let got = audience("commented", true, &everyone());
        assert_eq!(
            who(&got),
            vec![(20, Reason::Handler), (21, Reason::Handler)]
        );
        let got = audience("supervised", true, &everyone());
        assert_eq!(
            who(&got),
            vec![
                (20, Reason::Handler),
                (21, Reason::Handler),
                (30, Reason::Supervisor)
            ]
        );
    }

    #[test]
    fn supervisors_hear_of_supervision_and_the_dispatch_queue_only() {
        for kind in [
            "urged",
            "escalated",
            "supervised",
            "replied",
            "overdue",
            "dispatched",
            "returned",
        ] {
            let got = audience(kind, false, &everyone());
            assert!(
                got.contains(&Recipient {
                    user_id: ids(30),
                    reason: Reason::Supervisor
                }),
                "{kind}"
            );
        }
        for kind in ["submitted", "accepted", "resolved", "rated", "commented"] {
            let got = audience(kind, false, &everyone());
            assert!(got.iter().all(|r| r.reason != Reason::Supervisor), "{kind}");
        }
    }

    #[test]
    fn each_person_once_for_the_first_reason() {
        // A grid worker who filed a patrol report and follows it, and a supervisor who is
        // also in the handling unit.
        let followers = [ids(20), ids(30)];
        let handlers = [ids(20), ids(30)];
        let supervisors = [ids(30)];
        let people = Concerned {
            reporter: Some(ids(20)),
            followers: &followers,
            handlers: &handlers,
            supervisors: &supervisors,
        };
        let got = audience("urged", false, &people);
        assert_eq!(
            who(&got),
            vec![(20, Reason::Reporter), (30, Reason::Handler)]
        );
    }

    #[test]
    fn staff_who_reported_it_do_not_hear_of_internal_events() {
        let handlers = [ids(20), ids(21)];
        let supervisors = [ids(20)];
        let people = Concerned {
            reporter: Some(ids(20)),
            followers: &[],
            handlers: &handlers,
            supervisors: &supervisors,
        };
        assert_eq!(
            who(&audience("supervised", true, &people)),
            vec![(21, Reason::Handler)]
        );
        assert_eq!(
            who(&audience("supervised", false, &people)),
            vec![(20, Reason::Reporter), (21, Reason::Handler)]
        );
    }

    #[test]
    fn a_report_in_a_dispatch_queue_has_no_handlers() {
        let people = Concerned {
            reporter: Some(ids(1)),
            ..Concerned::default()
        };
        assert_eq!(
            who(&audience("dispatched", false, &people)),
            vec![(1, Reason::Reporter)]
        );
    }

    #[test]
    fn every_supervision_kind_is_a_known_kind() {
        assert!(SUPERVISION_KINDS.iter().all(|k| EVENT_KINDS.contains(k)));
    }
}
