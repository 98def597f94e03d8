//! One lifecycle step, whole and pure: [`apply`] takes the report, the action, its input and
//! the facts the caller loaded, asks [`decide`](super::decide), and returns the
//! [`Transition`] — the report as it will be, the event to append and the side effects to
//! write — or the [`Refusal`]. The caller (api `lifecycle::act`) only loads the facts and
//! persists the transition; every rule about what an action changes lives here.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::schedule::{Alerted, Deadline, Light, Limits};
use super::transition::{Doer, Effect, EventDraft, Input, Loaded, NewOrder, Policy, Transition};
use super::{Action, Conflict, Invalid, Outcome, Refusal, ReportStatus, decide};
use crate::report::Report;
use crate::{Category, EventKind, Role, UnitId};

mod mediation;
mod named;

use named::{destination, evidence_details, original};

/// Longest reply deadline of a supervision order, in days.
pub const MAX_REPLY_DAYS: i64 = 30;

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
    unit_id: Option<UnitId>,
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

/// What one step works on: its inputs, and the report and effects it builds.
struct Step<'a> {
    before: &'a Report,
    doer: Doer,
    input: &'a Input,
    loaded: &'a Loaded,
    now: DateTime<Utc>,
    policy: &'a Policy,
    outcome: Outcome,
    next: Report,
    effects: Vec<Effect>,
}

impl Step<'_> {
    /// The event's text (note, reason, comment).
    fn text(&self) -> Option<String> {
        self.input.text.clone()
    }

    /// The unit holding the report before the step.
    fn unit(&self) -> Option<UnitId> {
        self.before.unit_id
    }

    /// Whether the deadline worker acts, and for which limit.
    fn automatic(&self) -> (bool, Option<&'static str>) {
        match self.doer {
            Doer::System { deadline } => (true, deadline.map(Deadline::as_str)),
            Doer::Person { .. } => (false, None),
        }
    }
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
    let mut step = Step {
        before,
        doer,
        input,
        loaded,
        now,
        policy,
        outcome,
        next,
        effects: Vec::new(),
    };
    let event = match action {
        Action::Accept => accept(&mut step),
        Action::Transfer => transfer(&mut step)?,
        Action::Return => give_back(&mut step),
        Action::Escalate => escalate(&mut step)?,
        Action::Urge => urge(&mut step),
        Action::Supervise => supervise(&mut step)?,
        Action::SuperviseReply => reply(&mut step)?,
        Action::Resolve => resolve(&mut step)?,
        Action::Confirm | Action::AutoConfirm => close(&mut step, action),
        Action::Rate => rate(&mut step),
        Action::Reopen => reopen(&mut step),
        Action::Reject => reject(&mut step)?,
        Action::Comment => comment(&step)?,
        Action::ScheduleSession => mediation::schedule_session(&mut step)?,
        Action::RecordSession => mediation::record_session(&mut step)?,
        Action::Conclude => mediation::conclude(&mut step)?,
        Action::FollowUp => mediation::follow_up(&mut step)?,
        Action::Submit | Action::Follow => return Err(Refusal::NotAStep),
    };
    if !step.next.status.is_open() && before.status != step.next.status {
        step.effects.push(Effect::CloseOrders);
    }
    Ok(Transition {
        report: step.next,
        event,
        effects: step.effects,
    })
}

fn accept(step: &mut Step<'_>) -> EventDraft {
    step.next.progress.accepted_at = Some(step.now);
    draft(EventKind::Accepted, step.unit(), step.text(), json!({}))
}

fn transfer(step: &mut Step<'_>) -> Result<EventDraft, Refusal> {
    let target = destination(step)?;
    step.next.unit_id = Some(target.id);
    step.next.level = Some(target.kind.ladder_level());
    let details = json!({ "from_unit": step.unit(), "to_unit": target.id,
                          "to_level": step.next.level });
    Ok(draft(
        EventKind::Transferred,
        Some(target.id),
        step.text(),
        details,
    ))
}

fn give_back(step: &mut Step<'_>) -> EventDraft {
    let queue_level = step.before.level.map(|l| l.parent().unwrap_or(l));
    step.next.unit_id = None;
    step.next.level = queue_level;
    let details = json!({ "from_unit": step.unit(), "queue_level": queue_level });
    draft(EventKind::Returned, step.unit(), step.text(), details)
}

fn escalate(step: &mut Step<'_>) -> Result<EventDraft, Refusal> {
    let up = step
        .loaded
        .above
        .as_ref()
        .filter(|_| step.unit().is_some())
        .ok_or(Refusal::Conflict(Conflict::NoLevelAbove))?;
    step.next.unit_id = Some(up.id);
    step.next.level = Some(up.kind.ladder_level());
    step.next.progress.escalation_count += 1;
    let (automatic, deadline) = step.automatic();
    let details = json!({ "from_unit": step.unit(), "to_unit": up.id,
                          "from_level": step.before.level, "to_level": step.next.level,
                          "automatic": automatic, "deadline": deadline });
    Ok(draft(
        EventKind::Escalated,
        Some(up.id),
        step.text(),
        details,
    ))
}

fn urge(step: &mut Step<'_>) -> EventDraft {
    let (automatic, deadline) = step.automatic();
    if automatic {
        step.next.deadlines.alerted = Alerted::Yellow;
    }
    let details = json!({ "automatic": automatic, "deadline": deadline,
                          "light": automatic.then_some(Light::Yellow) });
    draft(EventKind::Urged, step.unit(), step.text(), details)
}

fn resolve(step: &mut Step<'_>) -> Result<EventDraft, Refusal> {
    step.next.progress.resolved_at = Some(step.now);
    let details = evidence_details(step)?;
    if !step.input.media_ids.is_empty() {
        step.effects
            .push(Effect::AttachEvidence(step.input.media_ids.clone()));
    }
    Ok(draft(
        EventKind::Resolved,
        step.unit(),
        step.text(),
        details,
    ))
}

fn close(step: &mut Step<'_>, action: Action) -> EventDraft {
    // A confirmed agreement stays resolved until its follow-up closes it.
    if step.next.status == ReportStatus::Closed {
        step.next.progress.closed_at = Some(step.now);
    }
    let kind = if action == Action::Confirm {
        EventKind::Confirmed
    } else {
        EventKind::AutoConfirmed
    };
    draft(kind, step.unit(), None, json!({}))
}

fn rate(step: &mut Step<'_>) -> EventDraft {
    if step.next.status == ReportStatus::Closed && step.before.status == ReportStatus::Resolved {
        step.next.progress.closed_at = Some(step.now);
    }
    step.next.progress.rating = step.input.rating;
    step.next.progress.rating_text = step.text();
    let details = json!({ "rating": step.input.rating, "text": step.text() });
    draft(EventKind::Rated, step.unit(), None, details)
}

fn reopen(step: &mut Step<'_>) -> EventDraft {
    let progress = &mut step.next.progress;
    progress.reopen_count += 1;
    if step.outcome.clears_rating {
        progress.rating = None;
        progress.rating_text = None;
    }
    progress.closed_at = None;
    if step.outcome.to_supervisor_queue {
        step.next.unit_id = None;
    }
    let details = json!({ "reopen_count": step.next.progress.reopen_count,
                          "to_supervisor_queue": step.outcome.to_supervisor_queue });
    draft(EventKind::Reopened, step.unit(), step.text(), details)
}

fn reject(step: &mut Step<'_>) -> Result<EventDraft, Refusal> {
    let original = original(step)?;
    step.next.progress.duplicate_of = original.map(|o| o.id);
    let details = json!({ "duplicate_of": original.map(|o| o.id),
                          "duplicate_case_number": original.map(|o| &o.case_number) });
    Ok(draft(
        EventKind::Rejected,
        step.unit(),
        step.text(),
        details,
    ))
}

fn comment(step: &Step<'_>) -> Result<EventDraft, Refusal> {
    let villager = matches!(
        step.doer,
        Doer::Person {
            role: Role::Villager,
            ..
        }
    );
    if step.input.internal && villager {
        return Err(Refusal::StaffOnly);
    }
    Ok(EventDraft {
        internal: step.input.internal,
        ..draft(EventKind::Commented, None, step.text(), json!({}))
    })
}

/// A supervision order (督办) with a reply deadline in the next [`MAX_REPLY_DAYS`], to the
/// unit holding the report.
fn supervise(step: &mut Step<'_>) -> Result<EventDraft, Refusal> {
    let now = step.now;
    let reply_by = step
        .input
        .reply_by
        .ok_or_else(|| invalid("reply_by", "name the reply deadline"))?;
    if reply_by <= now || reply_by > now + Duration::days(MAX_REPLY_DAYS) {
        return Err(invalid(
            "reply_by",
            format!("the reply deadline must be in the next {MAX_REPLY_DAYS} days"),
        ));
    }
    let Doer::Person { id: issued_by, .. } = step.doer else {
        return Err(Refusal::Forbidden);
    };
    if step.unit().is_none() {
        return Err(Refusal::Conflict(Conflict::NoHandler));
    }
    let order = NewOrder {
        id: step.loaded.new_id,
        issued_by,
        unit_id: step.unit(),
        note: step.text().unwrap_or_default(),
        reply_by,
    };
    let details = json!({ "order_id": order.id, "reply_by": reply_by });
    step.effects.push(Effect::OpenOrder(order));
    Ok(EventDraft {
        internal: true,
        ..draft(EventKind::Supervised, step.unit(), step.text(), details)
    })
}

/// The handler's reply to the order named, or else to the oldest open one.
fn reply(step: &mut Step<'_>) -> Result<EventDraft, Refusal> {
    let order = match (step.input.order_id, step.loaded.order) {
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
    let (Doer::Person { id: by, .. }, Some(note)) = (step.doer, step.text()) else {
        return Err(Refusal::Forbidden);
    };
    step.effects.push(Effect::AnswerOrder {
        id: order.id,
        by,
        note,
    });
    Ok(EventDraft {
        internal: true,
        ..draft(
            EventKind::Replied,
            step.unit(),
            step.text(),
            json!({ "order_id": order.id }),
        )
    })
}
