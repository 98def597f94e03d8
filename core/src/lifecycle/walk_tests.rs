//! The facts that change an answer (reopen count, window, rating, open order), the flags of
//! an outcome, and whole walks of a report.

use super::tests::{FACTS, standing};
use super::*;
use crate::identity::Role;

fn reporter() -> Standing {
    standing("reporter")
}

#[test]
fn the_third_reopen_goes_to_the_supervisors_queue() {
    for (count, next, queue, clock) in [
        (0, ReportStatus::Assigned, false, Timer::StartAccept),
        (1, ReportStatus::Assigned, false, Timer::StartAccept),
        (2, ReportStatus::Returned, true, Timer::Clear),
        (5, ReportStatus::Returned, true, Timer::Clear),
    ] {
        for from in [ReportStatus::Resolved, ReportStatus::Closed] {
            let facts = Facts {
                reopen_count: count,
                ..FACTS
            };
            let got = decide(from, Action::Reopen, &reporter(), &facts);
            let want = Outcome {
                next,
                clock,
                to_supervisor_queue: queue,
                clears_rating: true,
            };
            assert_eq!(got, Ok(want), "reopen #{} from {from:?}", count + 1);
        }
    }
}

#[test]
fn a_closed_report_can_be_rated_or_reopened_only_within_the_window() {
    let late = Facts {
        within_reopen_window: false,
        ..FACTS
    };
    let passed = Err(Refusal::Conflict(Conflict::WindowPassed));
    for action in [Action::Reopen, Action::Rate] {
        let closed = decide(ReportStatus::Closed, action, &reporter(), &late);
        assert_eq!(closed, passed, "{action:?}");
        // The window only concerns closed reports.
        let resolved = decide(ReportStatus::Resolved, action, &reporter(), &late);
        assert!(resolved.is_ok(), "{action:?}: {resolved:?}");
    }
    // Outside the window nobody else gets further: others are still forbidden.
    let villager = standing("villager");
    let other = decide(ReportStatus::Closed, Action::Reopen, &villager, &late);
    assert_eq!(other, Err(Refusal::Forbidden));
}

#[test]
fn a_report_is_rated_once() {
    let rated = Facts {
        rated: true,
        ..FACTS
    };
    let twice = Err(Refusal::Conflict(Conflict::AlreadyRated));
    assert_eq!(
        decide(ReportStatus::Closed, Action::Rate, &reporter(), &rated),
        twice
    );
    assert_eq!(
        decide(ReportStatus::Resolved, Action::Rate, &reporter(), &rated),
        twice
    );
    // Rating a resolved report closes it; rating an auto-confirmed one leaves it closed.
    let first = decide(ReportStatus::Resolved, Action::Rate, &reporter(), &FACTS);
    assert_eq!(first, Ok(Outcome::to(ReportStatus::Closed, Timer::Clear)));
    let late = decide(ReportStatus::Closed, Action::Rate, &reporter(), &FACTS);
    assert_eq!(late, Ok(Outcome::to(ReportStatus::Closed, Timer::Keep)));
    // A rated report may still be reopened within the window; the rating no longer stands.
    let reopened = decide(ReportStatus::Closed, Action::Reopen, &reporter(), &rated);
    assert!(reopened.is_ok_and(|o| o.clears_rating));
}

#[test]
fn a_reply_needs_an_open_order_on_an_open_report() {
    let none = Facts {
        open_order: false,
        ..FACTS
    };
    let worker = standing("worker");
    assert_eq!(
        decide(
            ReportStatus::Accepted,
            Action::SuperviseReply,
            &worker,
            &none
        ),
        Err(Refusal::Conflict(Conflict::NoOpenOrder))
    );
    assert_eq!(
        decide(ReportStatus::Closed, Action::SuperviseReply, &worker, &none),
        Err(Refusal::Conflict(Conflict::WrongStatus))
    );
}

#[test]
fn flags_count_only_for_roles_that_can_hold_them() {
    let villager_in_unit = Standing {
        in_responsible_unit: true,
        supervises: true,
        can_see: true,
        ..Standing::person(Role::Villager)
    };
    let worker_supervising = Standing {
        supervises: true,
        can_see: true,
        ..Standing::person(Role::GridWorker)
    };
    let system_reporter = Standing {
        is_reporter: true,
        can_see: true,
        ..Standing::system()
    };
    let cases = [
        (&villager_in_unit, ReportStatus::Assigned, Action::Accept),
        (&villager_in_unit, ReportStatus::Submitted, Action::Reject),
        (&worker_supervising, ReportStatus::Assigned, Action::Reject),
        (
            &worker_supervising,
            ReportStatus::Returned,
            Action::Transfer,
        ),
        (&system_reporter, ReportStatus::Resolved, Action::Confirm),
        (&system_reporter, ReportStatus::Closed, Action::Comment),
    ];
    for (who, status, action) in cases {
        let got = decide(status, action, who, &FACTS);
        assert_eq!(got, Err(Refusal::Forbidden), "{action:?} by {who:?}");
    }
    // A supervisor who is also a member of the responsible unit handles it like any member.
    let both = Standing {
        in_responsible_unit: true,
        ..standing("supervisor")
    };
    let accepted = decide(ReportStatus::Assigned, Action::Accept, &both, &FACTS);
    assert_eq!(accepted.map(|o| o.next), Ok(ReportStatus::Accepted));
}

#[test]
fn clocks_follow_who_is_on_the_hook() {
    use Action::*;
    use ReportStatus::*;
    let cases = [
        (Assigned, Accept, "worker", Timer::StartResolve),
        (Accepted, Transfer, "worker", Timer::StartAccept),
        (Assigned, Transfer, "supervisor", Timer::StartAccept),
        (Submitted, Transfer, "supervisor", Timer::StartAccept),
        (Assigned, Return, "staff", Timer::Clear),
        (Accepted, Escalate, "system", Timer::StartAccept),
        (Assigned, Escalate, "system", Timer::StartAccept),
        (Assigned, Urge, "system", Timer::Keep),
        (Accepted, Supervise, "supervisor", Timer::Keep),
        (Accepted, Resolve, "worker", Timer::StartConfirm),
        (Resolved, Confirm, "reporter", Timer::Clear),
        (Resolved, AutoConfirm, "system", Timer::Clear),
        (Returned, Reject, "admin", Timer::Clear),
        (Closed, Comment, "villager", Timer::Keep),
        (Resolved, Follow, "villager", Timer::Keep),
    ];
    for (status, action, kind, clock) in cases {
        let got = decide(status, action, &standing(kind), &FACTS);
        assert_eq!(
            got.clone().map(|o| o.clock),
            Ok(clock),
            "{action:?} from {status:?}"
        );
        let flags = got.map(|o| (o.to_supervisor_queue, o.clears_rating));
        assert_eq!(flags, Ok((false, false)), "{action:?} from {status:?}");
    }
}

/// Applies one step to a running report, keeping the facts the way the caller would.
fn step(
    status: &mut ReportStatus,
    facts: &mut Facts,
    action: Action,
    kind: &str,
) -> Result<Outcome, Refusal> {
    let outcome = decide(*status, action, &standing(kind), facts)?;
    *status = outcome.next;
    match action {
        Action::Reopen => facts.reopen_count += 1,
        Action::Rate => facts.rated = true,
        _ => {}
    }
    if outcome.clears_rating {
        facts.rated = false;
    }
    Ok(outcome)
}

#[test]
fn acting_twice_is_a_conflict() {
    let mut status = submit(true).next;
    let mut facts = FACTS;
    let again = Err(Refusal::Conflict(Conflict::WrongStatus));
    for (action, kind) in [
        (Action::Accept, "worker"),
        (Action::Resolve, "staff"),
        (Action::Confirm, "reporter"),
    ] {
        assert!(
            step(&mut status, &mut facts, action, kind).is_ok(),
            "{action:?}"
        );
        assert_eq!(
            step(&mut status, &mut facts, action, kind),
            again,
            "{action:?}"
        );
    }
    assert_eq!(status, ReportStatus::Closed);
    assert!(step(&mut status, &mut facts, Action::Rate, "reporter").is_ok());
    let twice = step(&mut status, &mut facts, Action::Rate, "reporter");
    assert_eq!(twice, Err(Refusal::Conflict(Conflict::AlreadyRated)));
}

/// The first "done when" walk, and the reopen limit after it.
#[test]
fn a_report_walks_from_submit_to_a_rating_and_back() {
    use ReportStatus::*;
    let mut status = Assigned;
    let mut facts = FACTS;
    let walk = [
        (Action::Urge, "system", Assigned),
        (Action::Escalate, "system", Assigned),
        (Action::Accept, "staff", Accepted),
        (Action::Resolve, "staff", Resolved),
        (Action::Reopen, "reporter", Assigned),
        (Action::Accept, "staff", Accepted),
        (Action::Resolve, "staff", Resolved),
        (Action::Rate, "reporter", Closed),
        (Action::Reopen, "reporter", Assigned),
        (Action::Accept, "worker", Accepted),
        (Action::Resolve, "worker", Resolved),
        (Action::Reopen, "reporter", Returned),
        (Action::Transfer, "supervisor", Assigned),
        (Action::Accept, "worker", Accepted),
        (Action::Resolve, "worker", Resolved),
        (Action::AutoConfirm, "system", Closed),
        (Action::Rate, "reporter", Closed),
    ];
    for (i, (action, kind, next)) in walk.into_iter().enumerate() {
        let got = step(&mut status, &mut facts, action, kind).map(|o| o.next);
        assert_eq!(got, Ok(next), "step {i}: {action:?} by {kind}");
    }
    assert_eq!(facts.reopen_count, 3);
    assert!(facts.rated);
}
