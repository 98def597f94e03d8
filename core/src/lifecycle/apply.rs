//! One lifecycle step, whole and pure: [`apply`] takes the report, the action, its input and
//! the facts the caller loaded, asks [`decide`](super::decide), and returns the
//! [`Transition`] — the report as it will be, the event to append and the side effects to
//! write — or the [`Refusal`]. The caller (api `lifecycle::act`) only loads the facts and
//! persists the transition; every rule about what an action changes lives here.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::evidence::{self, EvidenceFacts};
use super::schedule::{Alerted, Deadline, Light, Limits};
use super::{Action, Conflict, Facts, Invalid, Refusal, ReportStatus, Standing, decide};
use crate::coords::LonLat;
use crate::report::Report;
use crate::{Category, EventKind, Role, Unit};

/// Longest reply deadline of a supervision order, in days.
pub const MAX_REPLY_DAYS: i64 = 30;

/// A checked action request (the body of `POST /v1/reports/{id}/{action}`, or the deadline
/// worker's empty one).
#[derive(Debug, Clone, Default)]
pub struct Input {
    /// The version the caller last saw, when she sent one.
    pub version: Option<i32>,
    /// The note, reason, comment or rating text, trimmed.
    pub text: Option<String>,
    /// Transfer target.
    pub unit_id: Option<Uuid>,
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
}

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doer {
    /// A person over the API.
    Person {
        /// Her user id.
        id: Uuid,
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
    pub fn id(self) -> Option<Uuid> {
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
    pub id: Uuid,
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
    /// Supervise: the id the new order gets.
    pub new_order_id: Uuid,
}

/// What an event will say, before it has an id.
#[derive(Debug, Clone, PartialEq)]
pub struct EventDraft {
    /// Event kind (past tense).
    pub kind: EventKind,
    /// The unit concerned.
    pub unit_id: Option<Uuid>,
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
    pub issued_by: Uuid,
    /// The unit that must reply.
    pub unit_id: Option<Uuid>,
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
        by: Uuid,
        /// The reply.
        note: String,
    },
    /// Attach these "after" photos to the report and the event (all of them, or nothing).
    AttachEvidence(Vec<Uuid>),
    /// Close the report's open supervision orders (it is closed or rejected).
    CloseOrders,
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

/// The limits of a report of `category`, with the deployment's confirm window.
pub fn limits(category: &Category, confirm: Duration) -> Limits {
    Limits {
        accept: Duration::minutes(i64::from(category.accept_within_minutes)),
        resolve: Duration::minutes(i64::from(category.resolve_within_minutes)),
        confirm,
    }
}

fn draft(
    kind: EventKind,
    unit_id: Option<Uuid>,
    note: Option<String>,
    details: Value,
) -> EventDraft {
    EventDraft {
        kind,
        unit_id,
        note,
        details,
        internal: false,
    }
}

fn invalid(field: &'static str, message: impl Into<String>) -> Refusal {
    Refusal::Invalid(Invalid {
        field,
        message: message.into(),
    })
}

/// The step: `action` by `doer` on `before`, with `input` and the `loaded` facts, at `now`.
pub fn apply(
    before: &Report,
    action: Action,
    doer: Doer,
    input: &Input,
    loaded: &Loaded,
    now: DateTime<Utc>,
    policy: &Policy,
) -> Result<Transition, Refusal> {
    let outcome = decide(before.status, action, &loaded.standing, &loaded.facts)?;
    let mut next = before.clone();
    next.status = outcome.next;
    let limits = limits(&loaded.category, policy.confirm);
    next.deadlines = before.deadlines.after(outcome.clock, now, &limits);
    next.version = before.version + 1;
    next.updated_at = now;
    let mut effects = Vec::new();
    let text = input.text.clone();
    let unit = before.unit_id;
    let (automatic, deadline) = match doer {
        Doer::System { deadline } => (true, deadline.map(Deadline::as_str)),
        Doer::Person { .. } => (false, None),
    };
    let event = match action {
        Action::Accept => {
            next.progress.accepted_at = Some(now);
            draft(EventKind::Accepted, unit, text, json!({}))
        }
        Action::Transfer => {
            let target = destination(before, doer, input, loaded)?;
            next.unit_id = Some(target.id);
            next.level = Some(target.kind.ladder_level());
            draft(
                EventKind::Transferred,
                Some(target.id),
                text,
                json!({ "from_unit": unit, "to_unit": target.id, "to_level": next.level }),
            )
        }
        Action::Return => {
            let queue_level = before.level.map(|l| l.parent().unwrap_or(l));
            next.unit_id = None;
            next.level = queue_level;
            draft(
                EventKind::Returned,
                unit,
                text,
                json!({ "from_unit": unit, "queue_level": queue_level }),
            )
        }
        Action::Escalate => {
            let up = loaded
                .above
                .as_ref()
                .filter(|_| unit.is_some())
                .ok_or(Refusal::Conflict(Conflict::NoLevelAbove))?;
            next.unit_id = Some(up.id);
            next.level = Some(up.kind.ladder_level());
            next.progress.escalation_count += 1;
            draft(
                EventKind::Escalated,
                Some(up.id),
                text,
                json!({ "from_unit": unit, "to_unit": up.id, "from_level": before.level,
                        "to_level": next.level, "automatic": automatic, "deadline": deadline }),
            )
        }
        Action::Urge => {
            if automatic {
                next.deadlines.alerted = Alerted::Yellow;
            }
            draft(
                EventKind::Urged,
                unit,
                text,
                json!({ "automatic": automatic, "deadline": deadline,
                        "light": automatic.then_some(Light::Yellow) }),
            )
        }
        Action::Supervise => {
            let order = supervise(before, doer, input, loaded, now)?;
            let event = EventDraft {
                internal: true,
                ..draft(
                    EventKind::Supervised,
                    unit,
                    text,
                    json!({ "order_id": order.id, "reply_by": order.reply_by }),
                )
            };
            effects.push(Effect::OpenOrder(order));
            event
        }
        Action::SuperviseReply => {
            let (order, by, note) = reply(doer, input, loaded)?;
            effects.push(Effect::AnswerOrder {
                id: order,
                by,
                note,
            });
            EventDraft {
                internal: true,
                ..draft(EventKind::Replied, unit, text, json!({ "order_id": order }))
            }
        }
        Action::Resolve => {
            next.progress.resolved_at = Some(now);
            let details = evidence_details(before, input, loaded, policy)?;
            if !input.media_ids.is_empty() {
                effects.push(Effect::AttachEvidence(input.media_ids.clone()));
            }
            draft(EventKind::Resolved, unit, text, details)
        }
        Action::Confirm | Action::AutoConfirm => {
            next.progress.closed_at = Some(now);
            let kind = if action == Action::Confirm {
                EventKind::Confirmed
            } else {
                EventKind::AutoConfirmed
            };
            draft(kind, unit, None, json!({}))
        }
        Action::Rate => {
            if before.status == ReportStatus::Resolved {
                next.progress.closed_at = Some(now);
            }
            next.progress.rating = input.rating;
            next.progress.rating_text = text.clone();
            draft(
                EventKind::Rated,
                unit,
                None,
                json!({ "rating": input.rating, "text": text }),
            )
        }
        Action::Reopen => {
            next.progress.reopen_count += 1;
            if outcome.clears_rating {
                next.progress.rating = None;
                next.progress.rating_text = None;
            }
            next.progress.closed_at = None;
            if outcome.to_supervisor_queue {
                next.unit_id = None;
            }
            draft(
                EventKind::Reopened,
                unit,
                text,
                json!({ "reopen_count": next.progress.reopen_count,
                        "to_supervisor_queue": outcome.to_supervisor_queue }),
            )
        }
        Action::Reject => {
            let original = original(before, input, loaded)?;
            next.progress.duplicate_of = original.map(|o| o.id);
            draft(
                EventKind::Rejected,
                unit,
                text,
                json!({ "duplicate_of": original.map(|o| o.id),
                        "duplicate_case_number": original.map(|o| &o.case_number) }),
            )
        }
        Action::Comment => {
            let villager = matches!(
                doer,
                Doer::Person {
                    role: Role::Villager,
                    ..
                }
            );
            if input.internal && villager {
                return Err(Refusal::StaffOnly);
            }
            EventDraft {
                internal: input.internal,
                ..draft(EventKind::Commented, None, text, json!({}))
            }
        }
        Action::Submit | Action::Follow => return Err(Refusal::NotAStep),
    };
    if !next.status.is_open() && before.status != next.status {
        effects.push(Effect::CloseOrders);
    }
    Ok(Transition {
        report: next,
        event,
        effects,
    })
}

/// The unit a transfer goes to: named, active, not the one holding the report, and (unless
/// an admin transfers) in the report's county.
fn destination<'a>(
    before: &Report,
    doer: Doer,
    input: &Input,
    loaded: &'a Loaded,
) -> Result<&'a Unit, Refusal> {
    let id = input
        .unit_id
        .ok_or_else(|| invalid("unit_id", "name the unit"))?;
    if before.unit_id == Some(id) {
        return Err(invalid("unit_id", "the report is already with this unit"));
    }
    let target = loaded
        .destination
        .as_ref()
        .filter(|d| d.unit.id == id && d.unit.active)
        .ok_or_else(|| invalid("unit_id", format!("no active unit {id}")))?;
    let admin = matches!(
        doer,
        Doer::Person {
            role: Role::Admin,
            ..
        }
    );
    if !admin && county_of(&target.region_path) != county_of(&before.region_path) {
        return Err(invalid(
            "unit_id",
            "the unit is outside the report's county",
        ));
    }
    Ok(&target.unit)
}

/// The top of a materialised region path (`/<root>/…/`): the deployment's county.
fn county_of(path: &str) -> &str {
    path.trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default()
}

fn supervise(
    before: &Report,
    doer: Doer,
    input: &Input,
    loaded: &Loaded,
    now: DateTime<Utc>,
) -> Result<NewOrder, Refusal> {
    let reply_by = input
        .reply_by
        .ok_or_else(|| invalid("reply_by", "name the reply deadline"))?;
    if reply_by <= now || reply_by > now + Duration::days(MAX_REPLY_DAYS) {
        return Err(invalid(
            "reply_by",
            format!("the reply deadline must be in the next {MAX_REPLY_DAYS} days"),
        ));
    }
    let Doer::Person { id: issued_by, .. } = doer else {
        return Err(Refusal::Forbidden);
    };
    if before.unit_id.is_none() {
        return Err(Refusal::Conflict(Conflict::NoHandler));
    }
    Ok(NewOrder {
        id: loaded.new_order_id,
        issued_by,
        unit_id: before.unit_id,
        note: input.text.clone().unwrap_or_default(),
        reply_by,
    })
}

fn reply(doer: Doer, input: &Input, loaded: &Loaded) -> Result<(Uuid, Uuid, String), Refusal> {
    let order = match (input.order_id, loaded.order) {
        (Some(named), Some(found)) if found.id == named => found,
        (Some(_), _) => {
            return Err(invalid(
                "order_id",
                "no such supervision order on this report",
            ));
        }
        (None, Some(found)) => found,
        (None, None) => return Err(Refusal::Conflict(Conflict::NoOpenOrder)),
    };
    if !order.open {
        return Err(Refusal::Conflict(Conflict::OrderClosed));
    }
    let (Doer::Person { id, .. }, Some(note)) = (doer, input.text.clone()) else {
        return Err(Refusal::Forbidden);
    };
    Ok((order.id, id, note))
}

/// The `resolved` event's details: each photo's evidence flags. Refuses a resolution
/// without a photo when the category needs one, and a photo that is not the doer's own
/// unattached upload.
fn evidence_details(
    before: &Report,
    input: &Input,
    loaded: &Loaded,
    policy: &Policy,
) -> Result<Value, Refusal> {
    let ids = &input.media_ids;
    if ids.is_empty() && loaded.category.evidence_required {
        return Err(Refusal::EvidenceRequired {
            category: loaded.category.name.clone(),
        });
    }
    let mut checks = Vec::with_capacity(ids.len());
    let mut suspect = false;
    for id in ids {
        let photo =
            loaded.photos.iter().find(|p| p.id == *id).ok_or_else(|| {
                invalid("media_ids", format!("no unattached photo {id} of yours"))
            })?;
        let check = evidence::check(
            &EvidenceFacts {
                reported_at: before.created_at,
                report_at: before.location.map(|l| LonLat {
                    lon: l.lon,
                    lat: l.lat,
                }),
                captured_at: photo.captured_at,
                photo_at: photo.at,
            },
            policy.evidence_max_distance_m,
        );
        suspect |= !check.flags.is_empty();
        checks.push(json!({ "media_id": id, "flags": check.flags,
                            "distance_m": check.distance_m, "captured_at": photo.captured_at }));
    }
    Ok(json!({ "media_ids": ids, "evidence_suspect": suspect, "evidence": checks }))
}

/// The report named as the original of a duplicate; `None` when none is named.
fn original<'a>(
    before: &Report,
    input: &Input,
    loaded: &'a Loaded,
) -> Result<Option<&'a Original>, Refusal> {
    let Some(named) = input.duplicate_of.as_deref() else {
        return Ok(None);
    };
    match &loaded.original {
        Some(original) if original.id != before.id => Ok(Some(original)),
        Some(_) => Err(invalid("duplicate_of", "a report cannot duplicate itself")),
        None => Err(invalid("duplicate_of", format!("no report {named}"))),
    }
}
