//! The data of one lifecycle step: what [`super::apply`] reads ([`Input`], [`Doer`],
//! [`Policy`], [`Loaded`]) and what it returns ([`Transition`]: the report, the
//! [`EventDraft`] and the [`Effect`]s).

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::schedule::Deadline;
use super::{Facts, Standing};
use crate::coords::LonLat;
use crate::mediation::{CaseInput, Conclusion, ScheduledSession, SessionPlan, SessionRecord};
use crate::report::Report;
use crate::{Category, EventKind, ReportId, Role, Unit, UnitId, UserId};

/// A checked action request (the body of `POST /v1/reports/{id}/{action}`, or the deadline
/// worker's empty one).
#[derive(Debug, Clone, Default)]
pub struct Input {
    /// The version the caller last saw, when she sent one.
    pub version: Option<i32>,
    /// The note, reason, comment or rating text, trimmed.
    pub text: Option<String>,
    /// Transfer target.
    pub unit_id: Option<UnitId>,
    /// Evidence photos of a resolution.
    pub media_ids: Vec<Uuid>,
    /// Rating 1–5.
    pub rating: Option<i32>,
    /// Reply deadline of a supervision order.
    pub reply_by: Option<DateTime<Utc>>,
    /// Report id or case number of the report this one duplicates.
    pub duplicate_of: Option<String>,
    /// The supervision order replied to.
    pub order_id: Option<Uuid>,
    /// A comment for staff only.
    pub internal: bool,
    /// A mediation action's own fields.
    pub mediation: Option<CaseInput>,
}

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doer {
    /// A person over the API.
    Person {
        /// Her user id.
        id: UserId,
        /// Her role.
        role: Role,
    },
    /// The deadline worker; `deadline` names the limit that ran out, if that is why.
    System {
        /// The limit behind the action.
        deadline: Option<Deadline>,
    },
}

impl Doer {
    /// The actor id of the event (`None` for the system).
    pub fn id(self) -> Option<UserId> {
        match self {
            Doer::Person { id, .. } => Some(id),
            Doer::System { .. } => None,
        }
    }
}

/// The deployment's values a step needs (not the whole configuration).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    /// How long the reporter has to confirm a resolution.
    pub confirm: Duration,
    /// How long after closing she may still rate late or reopen.
    pub reopen: Duration,
    /// How far (metres) an "after" photo may be from the report before it is flagged.
    pub evidence_max_distance_m: f64,
    /// How long after an agreement its follow-up (回访) comes due.
    pub follow_up: Duration,
}

/// The unit a transfer names, with the materialised path of its region.
#[derive(Debug, Clone, PartialEq)]
pub struct Destination {
    /// The unit (active or not: the step refuses an inactive one).
    pub unit: Unit,
    /// Its region's materialised path.
    pub region_path: String,
}

/// A supervision order the reply is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderRef {
    /// The order.
    pub id: Uuid,
    /// Whether it is still open.
    pub open: bool,
}

/// An "after" photo named by a resolution: the doer's, not attached to any report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Photo {
    /// The photo.
    pub id: Uuid,
    /// When the camera took it (EXIF), if known.
    pub captured_at: Option<DateTime<Utc>>,
    /// Where (EXIF GPS, WGS-84), if known.
    pub at: Option<LonLat>,
}

/// The report named as the original of a duplicate, when the doer may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Original {
    /// Its id.
    pub id: ReportId,
    /// Its case number.
    pub case_number: String,
}

/// What the step reads besides the report, loaded by the caller. Only what the action needs
/// is filled in; the rest stays at its default.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The doer's relation to the report.
    pub standing: Standing,
    /// The report's history as `decide` reads it.
    pub facts: Facts,
    /// The report's category (its limits and evidence rule).
    pub category: Category,
    /// Transfer: the unit `input.unit_id` names, if it exists.
    pub destination: Option<Destination>,
    /// Escalate: the first unit up the ladder from the holding unit, if any.
    pub above: Option<Unit>,
    /// Supervise-reply: the order named (on this report), or else the oldest open one.
    pub order: Option<OrderRef>,
    /// Resolve: the named photos that are the doer's and unattached, in the order named.
    pub photos: Vec<Photo>,
    /// Reject: the report `input.duplicate_of` names, if it exists and the doer may see it.
    pub original: Option<Original>,
    /// Supervise: the id the new order gets; schedule_session: the new session's.
    pub new_id: Uuid,
    /// Record_session: the session named (on this report), if it exists.
    pub session: Option<ScheduledSession>,
}

/// What an event will say, before it has an id.
#[derive(Debug, Clone, PartialEq)]
pub struct EventDraft {
    /// Event kind (past tense).
    pub kind: EventKind,
    /// The unit concerned.
    pub unit_id: Option<UnitId>,
    /// Free text.
    pub note: Option<String>,
    /// Structured details.
    pub details: Value,
    /// Staff only.
    pub internal: bool,
}

/// A supervision order to open.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOrder {
    /// Its id.
    pub id: Uuid,
    /// The supervisor issuing it.
    pub issued_by: UserId,
    /// The unit that must reply.
    pub unit_id: Option<UnitId>,
    /// The order's text.
    pub note: String,
    /// Reply deadline.
    pub reply_by: DateTime<Utc>,
}

/// A write besides the report row and its event.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Open a supervision order.
    OpenOrder(NewOrder),
    /// Answer an open order (the writer refuses with [`Conflict::OrderClosed`] if it closed
    /// meanwhile).
    AnswerOrder {
        /// The order.
        id: Uuid,
        /// Who replies.
        by: UserId,
        /// The reply.
        note: String,
    },
    /// Attach these "after" photos to the report and the event (all of them, or nothing).
    AttachEvidence(Vec<Uuid>),
    /// Close the report's open supervision orders (it is closed or rejected).
    CloseOrders,
    /// Add a mediation session to the case's schedule.
    ScheduleSession {
        /// Its id.
        id: Uuid,
        /// When and where.
        plan: SessionPlan,
        /// The mediator scheduling it.
        by: UserId,
    },
    /// Record a scheduled session (the writer refuses with [`Conflict::SessionRecorded`]
    /// if it was recorded meanwhile).
    RecordSession {
        /// The session.
        id: Uuid,
        /// Attendees and next step.
        record: SessionRecord,
        /// What was said.
        summary: String,
        /// The mediator recording it.
        by: UserId,
    },
    /// Store the case's conclusion (replacing an earlier one whose agreement was broken).
    Conclude {
        /// How it ended.
        conclusion: Conclusion,
        /// The agreement's terms, or the note of another outcome.
        text: Option<String>,
        /// The unit that concluded it.
        unit_id: Option<UnitId>,
        /// Its ladder level.
        level: Option<crate::RegionLevel>,
        /// When an agreement's follow-up comes due.
        follow_up_due: Option<DateTime<Utc>>,
        /// The mediator.
        by: UserId,
    },
    /// Record the follow-up of the case's agreement.
    FollowUp {
        /// Whether the agreement is kept.
        kept: bool,
        /// The mediator.
        by: UserId,
    },
}

/// The whole outcome of an allowed step.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// The report as it will be stored (version bumped).
    pub report: Report,
    /// The event to append.
    pub event: EventDraft,
    /// Other writes, in order.
    pub effects: Vec<Effect>,
}
