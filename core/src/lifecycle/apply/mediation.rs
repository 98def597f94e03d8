//! The mediation steps of a case (矛盾纠纷调解): scheduling and recording sessions, the
//! conclusion that resolves the report, and the follow-up (回访) that closes or reopens it.

use serde_json::json;

use super::super::schedule::Limits;
use super::super::transition::{Doer, Effect, EventDraft};
use super::super::{Conflict, Refusal, ReportStatus, Timer};
use super::{Step, draft, invalid, limits};
use crate::EventKind;
use crate::UserId;
use crate::mediation::session::{RecordConflict, check_plan, check_record};
use crate::mediation::{CaseInput, MediationOutcome, Venue, conclusion::check_conclusion};

fn mediator(step: &Step<'_>) -> Result<UserId, Refusal> {
    match step.doer {
        Doer::Person { id, .. } => Ok(id),
        Doer::System { .. } => Err(Refusal::Forbidden),
    }
}

fn case_limits(step: &Step<'_>) -> Limits {
    limits(&step.loaded.category, step.policy.confirm)
}

/// Adds a session to the schedule; the event tells the reporter when and where.
pub(super) fn schedule_session(step: &mut Step<'_>) -> Result<EventDraft, Refusal> {
    let Some(CaseInput::Schedule {
        at,
        place,
        online,
        meeting_link,
    }) = &step.input.mediation
    else {
        return Err(invalid("at", "name the session's time and place"));
    };
    let plan = check_plan(
        *at,
        place.as_deref(),
        *online,
        meeting_link.as_deref(),
        step.now,
    )
    .map_err(Refusal::Invalid)?;
    let by = mediator(step)?;
    let id = step.loaded.new_id;
    let (place, link) = match &plan.venue {
        Venue::Place(place) => (Some(place.clone()), None),
        Venue::Online { link } => (None, Some(link.clone())),
    };
    let details = json!({ "session_id": id, "at": plan.at, "online": link.is_some(),
                          "place": place, "meeting_link": link });
    step.effects.push(Effect::ScheduleSession { id, plan, by });
    Ok(draft(
        EventKind::SessionScheduled,
        step.unit(),
        step.text(),
        details,
    ))
}

/// Records a scheduled session: staff only (what the parties said stays with the mediators).
pub(super) fn record_session(step: &mut Step<'_>) -> Result<EventDraft, Refusal> {
    let Some(CaseInput::Record {
        session_id,
        attendees,
        next_step,
    }) = &step.input.mediation
    else {
        return Err(invalid("session_id", "name the session recorded"));
    };
    let session = step
        .loaded
        .session
        .filter(|s| s.id == *session_id)
        .ok_or_else(|| invalid("session_id", "no session of this case has this id"))?;
    let record = match check_record(&session, attendees, next_step.as_deref(), step.now)
        .map_err(Refusal::Invalid)?
    {
        Ok(record) => record,
        Err(RecordConflict::AlreadyRecorded) => {
            return Err(Refusal::Conflict(Conflict::SessionRecorded));
        }
        Err(RecordConflict::NotHeldYet) => {
            return Err(Refusal::Conflict(Conflict::SessionNotHeld));
        }
    };
    let summary = step
        .text()
        .ok_or_else(|| invalid("note", "write what was said"))?;
    let by = mediator(step)?;
    let details = json!({ "session_id": session.id, "attendees": record.attendees,
                          "next_step": record.next_step });
    step.effects.push(Effect::RecordSession {
        id: session.id,
        record,
        summary,
        by,
    });
    Ok(EventDraft {
        internal: true,
        ..draft(
            EventKind::SessionRecorded,
            step.unit(),
            step.text(),
            details,
        )
    })
}

/// Concludes the case, which resolves the report. An agreement stays resolved until its
/// follow-up (no auto-confirm runs); other outcomes wait for the reporter as a resolution does.
pub(super) fn conclude(step: &mut Step<'_>) -> Result<EventDraft, Refusal> {
    let Some(CaseInput::Conclude {
        outcome,
        referral,
        referred_to,
    }) = &step.input.mediation
    else {
        return Err(invalid("outcome", "name the outcome"));
    };
    let text = step.text();
    let ids = step.input.media_ids.clone();
    let conclusion = check_conclusion(
        *outcome,
        text.as_deref(),
        ids.len(),
        *referral,
        referred_to.as_deref(),
    )
    .map_err(Refusal::Invalid)?;
    if let Some(id) = ids
        .iter()
        .find(|id| !step.loaded.photos.iter().any(|p| p.id == **id))
    {
        return Err(invalid(
            "media_ids",
            format!("no unattached photo {id} of yours"),
        ));
    }
    let by = mediator(step)?;
    let agreement = conclusion.outcome == MediationOutcome::Agreement;
    let follow_up_due = agreement.then(|| step.now + step.policy.follow_up);
    if agreement {
        let limits = case_limits(step);
        step.next.deadlines = step.before.deadlines.after(Timer::Clear, step.now, &limits);
    }
    step.next.progress.resolved_at = Some(step.now);
    let (kind, to) = conclusion
        .referral
        .as_ref()
        .map(|(k, to)| (k.as_str(), to.as_str()))
        .unzip();
    let details = json!({ "outcome": conclusion.outcome, "referral": kind, "referred_to": to,
                          "follow_up_due_at": follow_up_due, "level": step.before.level });
    if !ids.is_empty() {
        step.effects.push(Effect::AttachEvidence(ids));
    }
    step.effects.push(Effect::Conclude {
        conclusion,
        text: text.clone(),
        unit_id: step.unit(),
        level: step.before.level,
        follow_up_due,
        by,
    });
    Ok(draft(EventKind::Concluded, step.unit(), text, details))
}

/// The follow-up of an agreement: kept closes the case; broken reopens it with the same
/// mediators (accepted, the resolve limit running again) and clears the resolution's rating.
pub(super) fn follow_up(step: &mut Step<'_>) -> Result<EventDraft, Refusal> {
    let Some(CaseInput::FollowUp { kept }) = step.input.mediation else {
        return Err(invalid("kept", "say whether the agreement is kept"));
    };
    let by = mediator(step)?;
    if kept {
        step.next.progress.closed_at = Some(step.now);
    } else {
        let limits = case_limits(step);
        step.next.status = ReportStatus::Accepted;
        step.next.deadlines = step
            .before
            .deadlines
            .after(Timer::StartResolve, step.now, &limits);
        step.next.progress.rating = None;
        step.next.progress.rating_text = None;
    }
    step.effects.push(Effect::FollowUp { kept, by });
    Ok(draft(
        EventKind::FollowedUp,
        step.unit(),
        step.text(),
        json!({ "kept": kept }),
    ))
}
