//! The mediation actions: who may take them in which status (a table like the lifecycle's),
//! and what `apply` makes of a session, a conclusion and a follow-up.

use chrono::Duration;
use uuid::Uuid;

use super::apply_tests::{POLICY, category, handler, loaded, now, report, step};
use super::tests::{FACTS, standing};
use super::*;
use crate::EventKind;
use crate::mediation::{CaseInput, MediationOutcome, Referral, ScheduledSession};
use crate::{Category, Workflow};

const CASE: Facts = Facts {
    mediation: true,
    follow_up_pending: true,
    ..FACTS
};

/// Columns as in the lifecycle table: rep vil wrk stf sup adm sys str, from the one status an
/// action starts in, then from every other status. `409` is any conflict.
#[rustfmt::skip]
const TABLE: &[(Action, ReportStatus, &str, &str)] = {
    use Action::*;
    use ReportStatus::*;
    const ELSEWHERE: &str = "403 403 409 409 403 403 403 403";
    &[
        (ScheduleSession, Accepted, "403 403 acc acc 403 403 403 403", ELSEWHERE),
        (RecordSession, Accepted,   "403 403 acc acc 403 403 403 403", ELSEWHERE),
        (Conclude, Accepted,        "403 403 res res 403 403 403 403", ELSEWHERE),
        (FollowUp, Resolved,        "403 403 clo clo 403 403 403 403", ELSEWHERE),
    ]
};

fn cell(got: Result<Outcome, Refusal>) -> String {
    match got {
        Ok(o) => o.next.as_str()[..3].to_owned(),
        Err(Refusal::Forbidden) => "403".into(),
        Err(Refusal::Conflict(_)) => "409".into(),
        Err(other) => panic!("{other:?}"),
    }
}

const KINDS: [&str; 8] = [
    "reporter",
    "villager",
    "worker",
    "staff",
    "supervisor",
    "admin",
    "system",
    "stranger",
];

#[test]
fn mediators_take_the_mediation_actions_in_their_statuses() {
    assert_eq!(TABLE.len(), 4);
    for (action, from, there, elsewhere) in TABLE {
        for status in ReportStatus::ALL {
            let got: Vec<String> = KINDS
                .iter()
                .map(|k| cell(decide(status, *action, &standing(k), &CASE)))
                .collect();
            let want = if status == *from { there } else { elsewhere };
            assert_eq!(got.join(" "), *want, "{action:?} from {status:?}");
        }
    }
}

#[test]
fn mediation_actions_need_a_mediation_case_and_a_case_is_not_resolved() {
    let worker = standing("worker");
    for action in Action::ALL.into_iter().filter(|a| a.is_mediation()) {
        assert_eq!(
            decide(ReportStatus::Accepted, action, &worker, &FACTS),
            Err(Refusal::Conflict(Conflict::NotMediation)),
            "{action:?}"
        );
    }
    assert_eq!(
        decide(ReportStatus::Accepted, Action::Resolve, &worker, &CASE),
        Err(Refusal::Conflict(Conflict::MediatedCase))
    );
    let no_agreement = Facts {
        follow_up_pending: false,
        ..CASE
    };
    assert_eq!(
        decide(
            ReportStatus::Resolved,
            Action::FollowUp,
            &worker,
            &no_agreement
        ),
        Err(Refusal::Conflict(Conflict::NoFollowUpDue))
    );
}

#[test]
fn an_agreement_awaiting_follow_up_stays_resolved_when_the_reporter_answers() {
    let reporter = standing("reporter");
    for action in [Action::Confirm, Action::Rate] {
        let o = decide(ReportStatus::Resolved, action, &reporter, &CASE).unwrap();
        assert_eq!((o.next, o.clock), (ReportStatus::Resolved, Timer::Keep));
    }
    let rated = Facts {
        rated: true,
        ..CASE
    };
    assert_eq!(
        decide(ReportStatus::Resolved, Action::Rate, &reporter, &rated),
        Err(Refusal::Conflict(Conflict::AlreadyRated))
    );
    // Reopening stays the reporter's right.
    let o = decide(ReportStatus::Resolved, Action::Reopen, &reporter, &CASE).unwrap();
    assert_eq!(o.next, ReportStatus::Assigned);
}

fn case_loaded() -> Loaded {
    let (_, standing) = handler();
    let mut l = loaded(standing);
    l.facts = CASE;
    l.category = Category {
        workflow: Workflow::Mediation,
        public: false,
        ..category(false)
    };
    l
}

fn input(case: CaseInput, text: Option<&str>) -> Input {
    Input {
        text: text.map(str::to_owned),
        mediation: Some(case),
        ..Input::default()
    }
}

#[test]
fn a_session_is_scheduled_for_all_to_see_and_recorded_for_staff() {
    let before = report(ReportStatus::Accepted);
    let (doer, _) = handler();
    let facts = case_loaded();
    let at = now() + Duration::days(1);
    let plan = input(
        CaseInput::Schedule {
            at,
            place: None,
            online: true,
            meeting_link: Some("https://meeting.example/123".into()),
        },
        None,
    );
    let t = step(&before, Action::ScheduleSession, (doer, &facts), &plan).unwrap();
    assert_eq!(t.report.status, ReportStatus::Accepted);
    assert_eq!(t.event.kind, EventKind::SessionScheduled);
    assert!(!t.event.internal);
    assert_eq!(t.event.details["online"], true);
    assert_eq!(t.event.details["session_id"], facts.new_id.to_string());
    assert!(matches!(t.effects[..], [Effect::ScheduleSession { id, .. }] if id == facts.new_id));

    let record = |session_id| {
        input(
            CaseInput::Record {
                session_id,
                attendees: vec!["张三".into(), "李四".into()],
                next_step: None,
            },
            Some("双方同意再谈"),
        )
    };
    let unknown = step(
        &before,
        Action::RecordSession,
        (doer, &facts),
        &record(Uuid::nil()),
    );
    assert!(matches!(unknown, Err(Refusal::Invalid(i)) if i.field == "session_id"));
    let mut held = facts.clone();
    held.session = Some(ScheduledSession {
        id: Uuid::from_u128(7),
        at: now() - Duration::hours(1),
        recorded: false,
    });
    let t = step(
        &before,
        Action::RecordSession,
        (doer, &held),
        &record(Uuid::from_u128(7)),
    );
    let t = t.unwrap();
    assert_eq!(t.event.kind, EventKind::SessionRecorded);
    assert!(t.event.internal, "what was said stays with staff");
    let mut early = held.clone();
    early.session = held.session.map(|s| ScheduledSession {
        at: now() + Duration::days(2),
        ..s
    });
    assert_eq!(
        step(
            &before,
            Action::RecordSession,
            (doer, &early),
            &record(Uuid::from_u128(7))
        ),
        Err(Refusal::Conflict(Conflict::SessionNotHeld))
    );
}

#[test]
fn an_agreement_resolves_the_case_and_schedules_its_follow_up() {
    let mut before = report(ReportStatus::Accepted);
    before.deadlines.resolve_by = Some(now() + Duration::hours(3));
    let (doer, _) = handler();
    let mut facts = case_loaded();
    let photo = Uuid::from_u128(50);
    let agree = Input {
        media_ids: vec![photo],
        ..input(
            CaseInput::Conclude {
                outcome: MediationOutcome::Agreement,
                referral: None,
                referred_to: None,
            },
            Some("张三赔偿李四500元"),
        )
    };
    let missing = step(&before, Action::Conclude, (doer, &facts), &agree);
    assert!(matches!(missing, Err(Refusal::Invalid(i)) if i.field == "media_ids"));
    facts.photos = vec![Photo {
        id: photo,
        captured_at: None,
        at: None,
    }];
    let t = step(&before, Action::Conclude, (doer, &facts), &agree).unwrap();
    assert_eq!(t.report.status, ReportStatus::Resolved);
    assert_eq!(t.report.progress.resolved_at, Some(now()));
    assert_eq!(t.report.deadlines.confirm_by, None, "no auto-confirm");
    assert_eq!(t.event.kind, EventKind::Concluded);
    assert_eq!(t.event.details["outcome"], "agreement");
    let due = now() + POLICY.follow_up;
    assert!(t.effects.contains(&Effect::AttachEvidence(vec![photo])));
    assert!(
        t.effects
            .iter()
            .any(|e| matches!(e, Effect::Conclude { follow_up_due: Some(d), .. } if *d == due))
    );

    let refer = input(
        CaseInput::Conclude {
            outcome: MediationOutcome::NoAgreement,
            referral: Some(Referral::Litigation),
            referred_to: Some("县人民法院".into()),
        },
        None,
    );
    let t = step(&before, Action::Conclude, (doer, &facts), &refer).unwrap();
    assert_eq!(t.report.deadlines.confirm_by, Some(now() + POLICY.confirm));
    assert_eq!(t.event.details["referral"], "litigation");
}

#[test]
fn a_kept_agreement_closes_the_case_and_a_broken_one_reopens_it() {
    let mut before = report(ReportStatus::Resolved);
    before.progress.rating = Some(5);
    let (doer, _) = handler();
    let facts = case_loaded();
    let kept = |kept| input(CaseInput::FollowUp { kept }, Some("回访：已履行"));
    let t = step(&before, Action::FollowUp, (doer, &facts), &kept(true)).unwrap();
    assert_eq!(t.report.status, ReportStatus::Closed);
    assert_eq!(t.report.progress.closed_at, Some(now()));
    assert_eq!(t.event.kind, EventKind::FollowedUp);
    let t = step(&before, Action::FollowUp, (doer, &facts), &kept(false)).unwrap();
    assert_eq!(t.report.status, ReportStatus::Accepted);
    assert_eq!(
        t.report.deadlines.resolve_by,
        Some(now() + Duration::days(1))
    );
    assert_eq!(t.report.progress.rating, None);
    assert_eq!(t.event.details["kept"], false);
}
