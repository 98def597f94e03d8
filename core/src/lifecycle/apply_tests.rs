//! The whole step (`apply`) on a report held by a grid team: what each action changes, the
//! event it drafts, the side effects it asks for, and the refusals that need loaded facts.

use chrono::{DateTime, Duration, TimeZone, Utc};
use uuid::Uuid;

use super::schedule::{Alerted, Deadline, Deadlines};
use super::*;
use crate::report::{Channel, Progress, Report};
use crate::{Category, EventKind, RegionLevel, ReportId, Role, Unit, UnitId, UnitKind, UserId};

pub(super) const GRID_TEAM: UnitId = UnitId(Uuid::from_u128(10));
const TOWNSHIP: UnitId = UnitId(Uuid::from_u128(11));
const OTHER_COUNTY: UnitId = UnitId(Uuid::from_u128(12));
const WORKER: UserId = UserId(Uuid::from_u128(20));
const SUPERVISOR: UserId = UserId(Uuid::from_u128(21));
const VILLAGER: UserId = UserId(Uuid::from_u128(22));

pub(super) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 5, 9, 0, 0).unwrap()
}

pub(super) fn report(status: ReportStatus) -> Report {
    Report {
        id: ReportId(Uuid::from_u128(1)),
        case_number: "YJ-20261205-0001".into(),
        reporter_id: VILLAGER,
        submitted_by: VILLAGER,
        category: "garbage".into(),
        description: "路边垃圾".into(),
        status,
        location: None,
        address: None,
        grid_id: None,
        region_id: Uuid::from_u128(2),
        region_path: "/county/town/village/".into(),
        unit_id: Some(GRID_TEAM),
        level: Some(RegionLevel::Group),
        anonymous: false,
        channel: Channel::MiniProgram,
        follower_count: 0,
        version: 3,
        deadlines: Deadlines::default(),
        progress: Progress::default(),
        created_at: now() - Duration::hours(2),
        updated_at: now() - Duration::hours(1),
    }
}

pub(super) fn category(evidence_required: bool) -> Category {
    Category {
        code: "garbage".into(),
        name: "垃圾".into(),
        name_en: "Garbage".into(),
        start_level: RegionLevel::Group,
        accept_within_minutes: 60,
        resolve_within_minutes: 1440,
        evidence_required,
        department: None,
        sort_order: 1,
        active: true,
        public: true,
        workflow: Default::default(),
    }
}

fn unit(id: UnitId, kind: UnitKind) -> Unit {
    Unit {
        id,
        name: "unit".into(),
        kind,
        region_id: Uuid::from_u128(3),
        grid_id: None,
        department: None,
        created_at: now(),
        active: true,
    }
}

pub(super) fn handler() -> (Doer, Standing) {
    let doer = Doer::Person {
        id: WORKER,
        role: Role::GridWorker,
    };
    let mut standing = Standing::person(Role::GridWorker);
    standing.in_responsible_unit = true;
    standing.can_see = true;
    (doer, standing)
}

fn supervisor() -> (Doer, Standing) {
    let doer = Doer::Person {
        id: SUPERVISOR,
        role: Role::Supervisor,
    };
    let mut standing = Standing::person(Role::Supervisor);
    standing.supervises = true;
    standing.can_see = true;
    (doer, standing)
}

pub(super) fn loaded(standing: Standing) -> Loaded {
    Loaded {
        standing,
        facts: Facts::default(),
        category: category(false),
        destination: None,
        above: None,
        order: None,
        photos: Vec::new(),
        original: None,
        new_id: Uuid::from_u128(99),
        session: None,
    }
}

pub(super) const POLICY: Policy = Policy {
    confirm: Duration::days(3),
    reopen: Duration::days(7),
    evidence_max_distance_m: 500.0,
    follow_up: Duration::days(15),
};

pub(super) fn step(
    before: &Report,
    action: Action,
    (doer, loaded): (Doer, &Loaded),
    input: &Input,
) -> Result<Transition, Refusal> {
    apply(before, action, doer, input, loaded, now(), &POLICY)
}

#[test]
fn accept_starts_the_resolve_clock_and_bumps_the_version() {
    let before = report(ReportStatus::Assigned);
    let (doer, standing) = handler();
    let t = step(
        &before,
        Action::Accept,
        (doer, &loaded(standing)),
        &Input::default(),
    )
    .unwrap();
    assert_eq!(t.report.status, ReportStatus::Accepted);
    assert_eq!(t.report.version, 4);
    assert_eq!(t.report.updated_at, now());
    assert_eq!(t.report.progress.accepted_at, Some(now()));
    assert_eq!(
        t.report.deadlines.resolve_by,
        Some(now() + Duration::days(1))
    );
    assert_eq!(t.event.kind, EventKind::Accepted);
    assert_eq!(t.event.unit_id, Some(GRID_TEAM));
    assert!(t.effects.is_empty());
}

#[test]
fn escalation_moves_the_report_up_or_is_refused_at_the_top() {
    let before = report(ReportStatus::Accepted);
    let system = Doer::System {
        deadline: Some(Deadline::Resolve),
    };
    let mut facts = loaded(Standing::system());
    let top = step(
        &before,
        Action::Escalate,
        (system, &facts),
        &Input::default(),
    );
    assert_eq!(top, Err(Refusal::Conflict(Conflict::NoLevelAbove)));

    facts.above = Some(unit(TOWNSHIP, UnitKind::TownshipOffice));
    let t = step(
        &before,
        Action::Escalate,
        (system, &facts),
        &Input::default(),
    )
    .unwrap();
    assert_eq!(t.report.unit_id, Some(TOWNSHIP));
    assert_eq!(t.report.level, Some(RegionLevel::Township));
    assert_eq!(t.report.status, ReportStatus::Assigned);
    assert_eq!(t.report.progress.escalation_count, 1);
    assert_eq!(t.event.kind, EventKind::Escalated);
    assert_eq!(t.event.details["automatic"], true);
    assert_eq!(t.event.details["deadline"], "resolve");
}

#[test]
fn a_transfer_needs_an_active_unit_in_the_county_unless_an_admin_transfers() {
    let before = report(ReportStatus::Assigned);
    let (doer, standing) = handler();
    let mut facts = loaded(standing);
    let to = |id| Input {
        unit_id: Some(id),
        text: Some("not ours".into()),
        ..Input::default()
    };
    let field = |r: Result<Transition, Refusal>| match r {
        Err(Refusal::Invalid(i)) => i.field,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        field(step(
            &before,
            Action::Transfer,
            (doer, &facts),
            &to(GRID_TEAM)
        )),
        "unit_id"
    );
    assert_eq!(
        field(step(
            &before,
            Action::Transfer,
            (doer, &facts),
            &to(TOWNSHIP)
        )),
        "unit_id"
    );

    facts.destination = Some(Destination {
        unit: unit(OTHER_COUNTY, UnitKind::TownshipOffice),
        region_path: "/elsewhere/town/".into(),
    });
    let outside = step(&before, Action::Transfer, (doer, &facts), &to(OTHER_COUNTY));
    assert_eq!(field(outside), "unit_id");
    let admin = Doer::Person {
        id: SUPERVISOR,
        role: Role::Admin,
    };
    let t = step(
        &before,
        Action::Transfer,
        (admin, &facts),
        &to(OTHER_COUNTY),
    )
    .unwrap();
    assert_eq!(t.report.unit_id, Some(OTHER_COUNTY));
    assert_eq!(t.event.details["to_unit"], OTHER_COUNTY.to_string());
}

#[test]
fn supervision_opens_an_order_with_a_deadline_in_range() {
    let before = report(ReportStatus::Accepted);
    let (doer, standing) = supervisor();
    let facts = loaded(standing);
    let order = |days| Input {
        reply_by: Some(now() + Duration::days(days)),
        text: Some("请尽快处理".into()),
        ..Input::default()
    };
    let too_far = step(
        &before,
        Action::Supervise,
        (doer, &facts),
        &order(MAX_REPLY_DAYS + 1),
    );
    assert!(matches!(too_far, Err(Refusal::Invalid(ref i)) if i.field == "reply_by"));
    let t = step(&before, Action::Supervise, (doer, &facts), &order(2)).unwrap();
    assert!(t.event.internal);
    assert_eq!(t.event.kind, EventKind::Supervised);
    assert_eq!(t.report.status, ReportStatus::Accepted);
    let Some(Effect::OpenOrder(opened)) = t.effects.first() else {
        panic!("{:?}", t.effects);
    };
    assert_eq!(opened.id, facts.new_id);
    assert_eq!(opened.unit_id, Some(GRID_TEAM));
    assert_eq!(opened.issued_by, SUPERVISOR);

    let mut queued = before.clone();
    queued.unit_id = None;
    let nobody = step(&queued, Action::Supervise, (doer, &facts), &order(2));
    assert_eq!(nobody, Err(Refusal::Conflict(Conflict::NoHandler)));
}

#[test]
fn a_reply_answers_an_open_order_only() {
    let before = report(ReportStatus::Accepted);
    let (doer, standing) = handler();
    let mut facts = loaded(standing);
    facts.facts.open_order = true;
    let input = Input {
        text: Some("已处理".into()),
        ..Input::default()
    };
    facts.order = Some(OrderRef {
        id: Uuid::from_u128(7),
        open: false,
    });
    let closed = step(&before, Action::SuperviseReply, (doer, &facts), &input);
    assert_eq!(closed, Err(Refusal::Conflict(Conflict::OrderClosed)));
    facts.order = Some(OrderRef {
        id: Uuid::from_u128(7),
        open: true,
    });
    let t = step(&before, Action::SuperviseReply, (doer, &facts), &input).unwrap();
    assert_eq!(
        t.effects,
        [Effect::AnswerOrder {
            id: Uuid::from_u128(7),
            by: WORKER,
            note: "已处理".into()
        }]
    );
}

#[test]
fn resolving_needs_the_evidence_the_category_asks_for() {
    let before = report(ReportStatus::Accepted);
    let (doer, standing) = handler();
    let mut facts = loaded(standing);
    facts.category = category(true);
    let bare = Input {
        text: Some("清理完毕".into()),
        ..Input::default()
    };
    let refused = step(&before, Action::Resolve, (doer, &facts), &bare);
    assert!(matches!(refused, Err(Refusal::EvidenceRequired { .. })));

    let photo = Uuid::from_u128(50);
    let with = Input {
        media_ids: vec![photo],
        ..bare.clone()
    };
    let not_mine = step(&before, Action::Resolve, (doer, &facts), &with);
    assert!(matches!(not_mine, Err(Refusal::Invalid(ref i)) if i.field == "media_ids"));

    facts.photos = vec![Photo {
        id: photo,
        captured_at: Some(before.created_at - Duration::hours(1)),
        at: None,
    }];
    let t = step(&before, Action::Resolve, (doer, &facts), &with).unwrap();
    assert_eq!(t.report.status, ReportStatus::Resolved);
    assert_eq!(t.event.details["evidence_suspect"], true);
    assert_eq!(t.effects, [Effect::AttachEvidence(vec![photo])]);
}

#[test]
fn closing_or_rejecting_closes_open_orders() {
    let (doer, standing) = supervisor();
    let mut facts = loaded(standing);
    let before = report(ReportStatus::Assigned);
    let myself = Input {
        duplicate_of: Some(before.case_number.clone()),
        text: Some("重复".into()),
        ..Input::default()
    };
    facts.original = Some(Original {
        id: before.id,
        case_number: before.case_number.clone(),
    });
    let same = step(&before, Action::Reject, (doer, &facts), &myself);
    assert!(matches!(same, Err(Refusal::Invalid(ref i)) if i.field == "duplicate_of"));
    facts.original = None;
    let plain = Input {
        text: Some("不属实".into()),
        ..Input::default()
    };
    let t = step(&before, Action::Reject, (doer, &facts), &plain).unwrap();
    assert_eq!(t.report.status, ReportStatus::Rejected);
    assert_eq!(t.effects, [Effect::CloseOrders]);

    let resolved = report(ReportStatus::Resolved);
    let system = Doer::System { deadline: None };
    let t = step(
        &resolved,
        Action::AutoConfirm,
        (system, &loaded(Standing::system())),
        &Input::default(),
    )
    .unwrap();
    assert_eq!(t.report.progress.closed_at, Some(now()));
    assert_eq!(t.effects, [Effect::CloseOrders]);
    assert_eq!(t.event.kind, EventKind::AutoConfirmed);
}

#[test]
fn a_villager_writes_no_internal_comment_and_an_automatic_urge_turns_yellow() {
    let before = report(ReportStatus::Accepted);
    let villager = Doer::Person {
        id: VILLAGER,
        role: Role::Villager,
    };
    let mut standing = Standing::person(Role::Villager);
    standing.can_see = true;
    standing.is_reporter = true;
    let internal = Input {
        internal: true,
        text: Some("悄悄话".into()),
        ..Input::default()
    };
    let refused = step(
        &before,
        Action::Comment,
        (villager, &loaded(standing)),
        &internal,
    );
    assert_eq!(refused, Err(Refusal::StaffOnly));

    let system = Doer::System {
        deadline: Some(Deadline::Resolve),
    };
    let t = step(
        &before,
        Action::Urge,
        (system, &loaded(Standing::system())),
        &Input::default(),
    )
    .unwrap();
    assert_eq!(t.report.deadlines.alerted, Alerted::Yellow);
    assert_eq!(t.event.details["light"], "yellow");
}
