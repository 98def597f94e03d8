//! The lifecycle table, tested over every status × action × kind of actor.

use super::*;
use crate::identity::Role;

/// The kinds of actor every (status, action) is tried with, in table-column order.
const KINDS: [&str; 8] = [
    "reporter",   // the villager who reported it
    "villager",   // another villager who can see it
    "worker",     // a grid worker of the responsible unit
    "staff",      // unit staff of the responsible unit
    "supervisor", // a supervisor above the responsible unit
    "admin",      // an admin
    "system",     // the deadline worker / auto-confirm
    "stranger",   // a grid worker of another township who cannot see it
];

pub(super) fn standing(kind: &str) -> Standing {
    let base = |role| Standing::person(role);
    match kind {
        "reporter" => Standing {
            is_reporter: true,
            can_see: true,
            ..base(Role::Villager)
        },
        "villager" => Standing {
            can_see: true,
            ..base(Role::Villager)
        },
        "worker" => Standing {
            in_responsible_unit: true,
            can_see: true,
            ..base(Role::GridWorker)
        },
        "staff" => Standing {
            in_responsible_unit: true,
            can_see: true,
            ..base(Role::UnitStaff)
        },
        "supervisor" => Standing {
            supervises: true,
            can_see: true,
            ..base(Role::Supervisor)
        },
        "admin" => Standing {
            supervises: true,
            can_see: true,
            ..base(Role::Admin)
        },
        "system" => Standing::system(),
        _ => base(Role::GridWorker),
    }
}

/// The facts the table runs with: never reopened, closed recently, unrated, an order waiting.
pub(super) const FACTS: Facts = Facts {
    reopen_count: 0,
    within_reopen_window: true,
    rated: false,
    open_order: true,
    mediation: false,
    follow_up_pending: false,
};

/// An expected cell: a status name abbreviated to three letters, or 403 / 409.
fn expected(cell: &str) -> Result<ReportStatus, u16> {
    use ReportStatus::*;
    match cell {
        "sub" => Ok(Submitted),
        "asg" => Ok(Assigned),
        "acc" => Ok(Accepted),
        "res" => Ok(Resolved),
        "clo" => Ok(Closed),
        "ret" => Ok(Returned),
        "rej" => Ok(Rejected),
        "403" => Err(403),
        "409" => Err(409),
        other => panic!("bad cell {other:?}"),
    }
}

/// Columns: reporter villager stranger… as in [`KINDS`].
#[rustfmt::skip]
const TABLE: &[(Action, ReportStatus, &str)] = {
    use Action::*;
    use ReportStatus::*;
    &[
        //                           rep vil wrk stf sup adm sys str
        (Submit, Submitted,         "409 409 409 409 409 409 403 409"),
        (Submit, Assigned,          "409 409 409 409 409 409 403 409"),
        (Submit, Accepted,          "409 409 409 409 409 409 403 409"),
        (Submit, Resolved,          "409 409 409 409 409 409 403 409"),
        (Submit, Closed,            "409 409 409 409 409 409 403 409"),
        (Submit, Returned,          "409 409 409 409 409 409 403 409"),
        (Submit, Rejected,          "409 409 409 409 409 409 403 409"),
        (Accept, Submitted,         "403 403 409 409 403 403 403 403"),
        (Accept, Assigned,          "403 403 acc acc 403 403 403 403"),
        (Accept, Accepted,          "403 403 409 409 403 403 403 403"),
        (Accept, Resolved,          "403 403 409 409 403 403 403 403"),
        (Accept, Closed,            "403 403 409 409 403 403 403 403"),
        (Accept, Returned,          "403 403 409 409 403 403 403 403"),
        (Accept, Rejected,          "403 403 409 409 403 403 403 403"),
        (Transfer, Submitted,       "403 403 409 409 asg asg 403 403"),
        (Transfer, Assigned,        "403 403 asg asg asg asg 403 403"),
        (Transfer, Accepted,        "403 403 asg asg asg asg 403 403"),
        (Transfer, Resolved,        "403 403 409 409 409 409 403 403"),
        (Transfer, Closed,          "403 403 409 409 409 409 403 403"),
        (Transfer, Returned,        "403 403 409 409 asg asg 403 403"),
        (Transfer, Rejected,        "403 403 409 409 409 409 403 403"),
        (Return, Submitted,         "403 403 409 409 403 403 403 403"),
        (Return, Assigned,          "403 403 ret ret 403 403 403 403"),
        (Return, Accepted,          "403 403 409 409 403 403 403 403"),
        (Return, Resolved,          "403 403 409 409 403 403 403 403"),
        (Return, Closed,            "403 403 409 409 403 403 403 403"),
        (Return, Returned,          "403 403 409 409 403 403 403 403"),
        (Return, Rejected,          "403 403 409 409 403 403 403 403"),
        (Escalate, Submitted,       "403 403 409 409 409 409 409 403"),
        (Escalate, Assigned,        "403 403 asg asg asg asg asg 403"),
        (Escalate, Accepted,        "403 403 asg asg asg asg asg 403"),
        (Escalate, Resolved,        "403 403 409 409 409 409 409 403"),
        (Escalate, Closed,          "403 403 409 409 409 409 409 403"),
        (Escalate, Returned,        "403 403 409 409 409 409 409 403"),
        (Escalate, Rejected,        "403 403 409 409 409 409 409 403"),
        (Urge, Submitted,           "403 403 403 403 sub sub sub 403"),
        (Urge, Assigned,            "403 403 403 403 asg asg asg 403"),
        (Urge, Accepted,            "403 403 403 403 acc acc acc 403"),
        (Urge, Resolved,            "403 403 403 403 res res res 403"),
        (Urge, Closed,              "403 403 403 403 409 409 409 403"),
        (Urge, Returned,            "403 403 403 403 ret ret ret 403"),
        (Urge, Rejected,            "403 403 403 403 409 409 409 403"),
        (Supervise, Submitted,      "403 403 403 403 sub sub 403 403"),
        (Supervise, Assigned,       "403 403 403 403 asg asg 403 403"),
        (Supervise, Accepted,       "403 403 403 403 acc acc 403 403"),
        (Supervise, Resolved,       "403 403 403 403 res res 403 403"),
        (Supervise, Closed,         "403 403 403 403 409 409 403 403"),
        (Supervise, Returned,       "403 403 403 403 ret ret 403 403"),
        (Supervise, Rejected,       "403 403 403 403 409 409 403 403"),
        (SuperviseReply, Submitted, "403 403 sub sub 403 403 403 403"),
        (SuperviseReply, Assigned,  "403 403 asg asg 403 403 403 403"),
        (SuperviseReply, Accepted,  "403 403 acc acc 403 403 403 403"),
        (SuperviseReply, Resolved,  "403 403 res res 403 403 403 403"),
        (SuperviseReply, Closed,    "403 403 409 409 403 403 403 403"),
        (SuperviseReply, Returned,  "403 403 ret ret 403 403 403 403"),
        (SuperviseReply, Rejected,  "403 403 409 409 403 403 403 403"),
        (Resolve, Submitted,        "403 403 409 409 403 403 403 403"),
        (Resolve, Assigned,         "403 403 409 409 403 403 403 403"),
        (Resolve, Accepted,         "403 403 res res 403 403 403 403"),
        (Resolve, Resolved,         "403 403 409 409 403 403 403 403"),
        (Resolve, Closed,           "403 403 409 409 403 403 403 403"),
        (Resolve, Returned,         "403 403 409 409 403 403 403 403"),
        (Resolve, Rejected,         "403 403 409 409 403 403 403 403"),
        (Confirm, Submitted,        "409 403 403 403 403 403 403 403"),
        (Confirm, Assigned,         "409 403 403 403 403 403 403 403"),
        (Confirm, Accepted,         "409 403 403 403 403 403 403 403"),
        (Confirm, Resolved,         "clo 403 403 403 403 403 403 403"),
        (Confirm, Closed,           "409 403 403 403 403 403 403 403"),
        (Confirm, Returned,         "409 403 403 403 403 403 403 403"),
        (Confirm, Rejected,         "409 403 403 403 403 403 403 403"),
        (Rate, Submitted,           "409 403 403 403 403 403 403 403"),
        (Rate, Assigned,            "409 403 403 403 403 403 403 403"),
        (Rate, Accepted,            "409 403 403 403 403 403 403 403"),
        (Rate, Resolved,            "clo 403 403 403 403 403 403 403"),
        (Rate, Closed,              "clo 403 403 403 403 403 403 403"),
        (Rate, Returned,            "409 403 403 403 403 403 403 403"),
        (Rate, Rejected,            "409 403 403 403 403 403 403 403"),
        (AutoConfirm, Submitted,    "403 403 403 403 403 403 409 403"),
        (AutoConfirm, Assigned,     "403 403 403 403 403 403 409 403"),
        (AutoConfirm, Accepted,     "403 403 403 403 403 403 409 403"),
        (AutoConfirm, Resolved,     "403 403 403 403 403 403 clo 403"),
        (AutoConfirm, Closed,       "403 403 403 403 403 403 409 403"),
        (AutoConfirm, Returned,     "403 403 403 403 403 403 409 403"),
        (AutoConfirm, Rejected,     "403 403 403 403 403 403 409 403"),
        (Reopen, Submitted,         "409 403 403 403 403 403 403 403"),
        (Reopen, Assigned,          "409 403 403 403 403 403 403 403"),
        (Reopen, Accepted,          "409 403 403 403 403 403 403 403"),
        (Reopen, Resolved,          "asg 403 403 403 403 403 403 403"),
        (Reopen, Closed,            "asg 403 403 403 403 403 403 403"),
        (Reopen, Returned,          "409 403 403 403 403 403 403 403"),
        (Reopen, Rejected,          "409 403 403 403 403 403 403 403"),
        (Reject, Submitted,         "403 403 403 403 rej rej 403 403"),
        (Reject, Assigned,          "403 403 403 403 rej rej 403 403"),
        (Reject, Accepted,          "403 403 403 403 409 409 403 403"),
        (Reject, Resolved,          "403 403 403 403 409 409 403 403"),
        (Reject, Closed,            "403 403 403 403 409 409 403 403"),
        (Reject, Returned,          "403 403 403 403 rej rej 403 403"),
        (Reject, Rejected,          "403 403 403 403 409 409 403 403"),
        (Comment, Submitted,        "sub sub sub sub sub sub 403 403"),
        (Comment, Assigned,         "asg asg asg asg asg asg 403 403"),
        (Comment, Accepted,         "acc acc acc acc acc acc 403 403"),
        (Comment, Resolved,         "res res res res res res 403 403"),
        (Comment, Closed,           "clo clo clo clo clo clo 403 403"),
        (Comment, Returned,         "ret ret ret ret ret ret 403 403"),
        (Comment, Rejected,         "rej rej rej rej rej rej 403 403"),
        (Follow, Submitted,         "sub sub sub sub sub sub 403 403"),
        (Follow, Assigned,          "asg asg asg asg asg asg 403 403"),
        (Follow, Accepted,          "acc acc acc acc acc acc 403 403"),
        (Follow, Resolved,          "res res res res res res 403 403"),
        (Follow, Closed,            "409 409 409 409 409 409 403 403"),
        (Follow, Returned,          "ret ret ret ret ret ret 403 403"),
        (Follow, Rejected,          "409 409 409 409 409 409 403 403"),
    ]
};

#[test]
fn every_status_action_and_actor() {
    let actions: Vec<Action> = Action::ALL
        .into_iter()
        .filter(|a| !a.is_mediation())
        .collect();
    assert_eq!(
        TABLE.len(),
        ReportStatus::ALL.len() * actions.len(),
        "every pair listed once (mediation: see mediation_tests)"
    );
    let mut checked = 0;
    for action in actions {
        for status in ReportStatus::ALL {
            let rows: Vec<_> = TABLE
                .iter()
                .filter(|r| r.0 == action && r.1 == status)
                .collect();
            assert_eq!(rows.len(), 1, "{action:?} from {status:?}");
            let cells: Vec<&str> = rows[0].2.split_whitespace().collect();
            assert_eq!(cells.len(), KINDS.len(), "{action:?} from {status:?}");
            for (kind, cell) in KINDS.into_iter().zip(cells) {
                let got = decide(status, action, &standing(kind), &FACTS)
                    .map(|o| o.next)
                    .map_err(|r| match r {
                        Refusal::Forbidden => 403,
                        Refusal::Conflict(Conflict::WrongStatus) => 409,
                        other => panic!("{other:?} with the table's facts"),
                    });
                assert_eq!(got, expected(cell), "{action:?} from {status:?} by {kind}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 7 * 16 * 8);
}

#[test]
fn names_round_trip_and_serialise_as_snake_case() {
    for status in ReportStatus::ALL {
        assert_eq!(ReportStatus::parse(status.as_str()), Some(status));
        let json = serde_json::to_string(&status).unwrap();
        assert_eq!(json, format!("\"{}\"", status.as_str()));
    }
    for action in Action::ALL {
        assert_eq!(Action::parse(action.as_str()), Some(action));
        let json = serde_json::to_string(&action).unwrap();
        assert_eq!(json, format!("\"{}\"", action.as_str()));
    }
    assert_eq!(Action::SuperviseReply.as_str(), "supervise_reply");
    assert_eq!(Action::AutoConfirm.as_str(), "auto_confirm");
    assert_eq!(ReportStatus::Returned.as_str(), "returned");
    assert_eq!(ReportStatus::parse("Closed"), None);
    assert_eq!(Action::parse("reopened"), None);
    let open: Vec<_> = ReportStatus::ALL
        .into_iter()
        .filter(|s| s.is_open())
        .collect();
    use ReportStatus::*;
    assert_eq!(open, [Submitted, Assigned, Accepted, Resolved, Returned]);
}

#[test]
fn submit_routes_or_queues() {
    assert_eq!(
        submit(true),
        Outcome::to(ReportStatus::Assigned, Timer::StartAccept)
    );
    assert_eq!(
        submit(false),
        Outcome::to(ReportStatus::Submitted, Timer::Clear)
    );
}

#[test]
fn reasons_are_required_where_design_says_so() {
    use Action::*;
    let with_text: Vec<_> = Action::ALL
        .into_iter()
        .filter(|a| a.requires_text())
        .collect();
    let want = [
        Transfer,
        Return,
        Supervise,
        SuperviseReply,
        Resolve,
        Reopen,
        Reject,
        Comment,
        RecordSession,
        FollowUp,
    ];
    let mut want = want.to_vec();
    want.sort_by_key(|a| Action::ALL.iter().position(|x| x == a));
    assert_eq!(with_text, want);
}
