//! What each action changes besides status and deadlines (unit, counters, rating, orders,
//! evidence) and the event it appends. Checks that need the database live here too: the
//! target of a transfer or an escalation, resolve photos, the order replied to, the duplicate.

use actix_web::http::StatusCode;
use chrono::Duration;
use cunxiang_core::coords::LonLat;
use cunxiang_core::lifecycle::evidence::{self, EvidenceFacts};
use cunxiang_core::lifecycle::schedule::{Alerted, Light};
use cunxiang_core::lifecycle::{Action, Outcome, ReportStatus};
use cunxiang_core::{Category, EventKind, Role};
use cunxiang_storage::DbConn;
use cunxiang_storage::reports::ReportRecord;
use cunxiang_storage::supervision::{self, Order, OrderStatus};
use serde_json::{Value, json};
use uuid::Uuid;

use super::act::{Act, Doer, EventDraft};
use crate::error::ApiError;

/// Longest reply deadline of a supervision order, in days.
pub const MAX_REPLY_DAYS: i64 = 30;

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
        evidence: Vec::new(),
    }
}

fn conflict(code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, code, message)
}

/// Applies `act`'s own changes to `next` (status and deadlines are already set) and drafts its
/// event.
pub fn apply(
    conn: &mut DbConn,
    before: &ReportRecord,
    next: &mut ReportRecord,
    act: &Act<'_>,
    outcome: &Outcome,
    category: &Category,
) -> Result<EventDraft, ApiError> {
    let text = act.input.text.clone();
    let unit = before.unit_id;
    let now = act.now;
    let automatic = matches!(act.doer, Doer::System { .. });
    let deadline = match act.doer {
        Doer::System { deadline } => deadline.map(|d| d.as_str()),
        Doer::Person(_) => None,
    };
    Ok(match act.action {
        Action::Accept => {
            next.progress.accepted_at = Some(now);
            draft(EventKind::Accepted, unit, text, json!({}))
        }
        Action::Transfer => {
            let target = transfer_target(conn, before, act)?;
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
            let routing = act.routing.get(conn)?;
            let org = &routing.org;
            let up = unit
                .and_then(|u| org.unit(u))
                .and_then(|u| cunxiang_core::routing::first_up(u, org))
                .ok_or_else(|| {
                    conflict(
                        "no_level_above",
                        "there is no level above this unit to escalate to",
                    )
                })?;
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
        Action::Supervise => supervise(conn, before, act)?,
        Action::SuperviseReply => reply(conn, before, act)?,
        Action::Resolve => {
            next.progress.resolved_at = Some(now);
            resolve(conn, before, act, category)?
        }
        Action::Confirm | Action::AutoConfirm => {
            next.progress.closed_at = Some(now);
            let kind = if act.action == Action::Confirm {
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
            next.progress.rating = act.input.rating;
            next.progress.rating_text = text.clone();
            draft(
                EventKind::Rated,
                unit,
                None,
                json!({ "rating": act.input.rating, "text": text }),
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
            let duplicate = duplicate_of(conn, before, act)?;
            next.progress.duplicate_of = duplicate.as_ref().map(|d| d.id);
            draft(
                EventKind::Rejected,
                unit,
                text,
                json!({ "duplicate_of": duplicate.as_ref().map(|d| d.id),
                        "duplicate_case_number": duplicate.map(|d| d.case_number) }),
            )
        }
        Action::Comment => {
            let villager = matches!(act.doer, Doer::Person(me) if me.user.role == Role::Villager);
            if act.input.internal && villager {
                return Err(ApiError::forbidden(
                    "only staff may write internal comments",
                ));
            }
            EventDraft {
                internal: act.input.internal,
                ..draft(EventKind::Commented, None, text, json!({}))
            }
        }
        Action::Submit | Action::Follow => {
            return Err(ApiError::internal(
                "submit and follow are not lifecycle actions",
            ));
        }
    })
}

/// The unit a transfer goes to: active, not the one holding the report, and (unless an admin
/// transfers) in the report's county.
fn transfer_target(
    conn: &mut DbConn,
    before: &ReportRecord,
    act: &Act<'_>,
) -> Result<cunxiang_core::Unit, ApiError> {
    let id = act
        .input
        .unit_id
        .ok_or_else(|| ApiError::invalid_field("unit_id", "name the unit"))?;
    if before.unit_id == Some(id) {
        return Err(ApiError::invalid_field(
            "unit_id",
            "the report is already with this unit",
        ));
    }
    let unit = cunxiang_storage::units::find(conn, id)?
        .filter(|u| u.active)
        .ok_or_else(|| ApiError::invalid_field("unit_id", format!("no active unit {id}")))?;
    let admin = matches!(act.doer, Doer::Person(me) if me.user.role == Role::Admin);
    if !admin {
        let path = cunxiang_storage::regions::path_of(conn, unit.region_id)?.unwrap_or_default();
        if county_of(&path) != county_of(&before.region_path) {
            return Err(ApiError::invalid_field(
                "unit_id",
                "the unit is outside the report's county",
            ));
        }
    }
    Ok(unit)
}

/// The top of a materialised region path (`/<root>/…/`): the deployment's county.
fn county_of(path: &str) -> &str {
    path.trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default()
}

fn supervise(
    conn: &mut DbConn,
    before: &ReportRecord,
    act: &Act<'_>,
) -> Result<EventDraft, ApiError> {
    let reply_by = act
        .input
        .reply_by
        .ok_or_else(|| ApiError::invalid_field("reply_by", "name the reply deadline"))?;
    if reply_by <= act.now || reply_by > act.now + Duration::days(MAX_REPLY_DAYS) {
        return Err(ApiError::invalid_field(
            "reply_by",
            format!("the reply deadline must be in the next {MAX_REPLY_DAYS} days"),
        ));
    }
    let Doer::Person(me) = act.doer else {
        return Err(ApiError::internal("the system does not issue orders"));
    };
    if before.unit_id.is_none() {
        return Err(conflict(
            "no_handler",
            "the report waits in a dispatch queue: assign it before supervising",
        ));
    }
    let order = Order {
        id: Uuid::now_v7(),
        report_id: before.id,
        issued_by: me.user.id,
        unit_id: before.unit_id,
        region_path: before.region_path.clone(),
        note: act.input.text.clone().unwrap_or_default(),
        reply_by,
        status: OrderStatus::Open,
        escalated_at: None,
        reply_note: None,
        replied_by: None,
        answered_at: None,
        created_at: act.now,
    };
    supervision::insert(conn, &order)?;
    Ok(EventDraft {
        internal: true,
        ..draft(
            EventKind::Supervised,
            before.unit_id,
            act.input.text.clone(),
            json!({ "order_id": order.id, "reply_by": reply_by }),
        )
    })
}

fn reply(conn: &mut DbConn, before: &ReportRecord, act: &Act<'_>) -> Result<EventDraft, ApiError> {
    let order = match act.input.order_id {
        Some(id) => supervision::find(conn, id)?
            .filter(|o| o.report_id == before.id)
            .ok_or_else(|| {
                ApiError::invalid_field("order_id", "no such supervision order on this report")
            })?,
        None => supervision::open_of_report(conn, before.id)?
            .into_iter()
            .next()
            .ok_or_else(|| {
                conflict(
                    "no_open_order",
                    "no supervision order is waiting for a reply",
                )
            })?,
    };
    let (Doer::Person(me), Some(note)) = (act.doer, act.input.text.as_deref()) else {
        return Err(ApiError::internal("a reply needs a person and a note"));
    };
    if order.status != OrderStatus::Open
        || !supervision::answer(conn, order.id, me.user.id, note, act.now)?
    {
        return Err(conflict(
            "order_closed",
            "this supervision order is no longer open",
        ));
    }
    Ok(EventDraft {
        internal: true,
        ..draft(
            EventKind::Replied,
            before.unit_id,
            act.input.text.clone(),
            json!({ "order_id": order.id }),
        )
    })
}

fn resolve(
    conn: &mut DbConn,
    before: &ReportRecord,
    act: &Act<'_>,
    category: &Category,
) -> Result<EventDraft, ApiError> {
    let ids = &act.input.media_ids;
    if ids.is_empty() && category.evidence_required {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "evidence_required",
            format!("{} needs an \"after\" photo to be resolved", category.name),
        )
        .with_details(json!({ "field": "media_ids" })));
    }
    let uploader = act.doer.id();
    let mut checks = Vec::with_capacity(ids.len());
    let mut suspect = false;
    for id in ids {
        let photo = cunxiang_storage::media::find(conn, *id)?
            .filter(|m| Some(m.uploader_id) == uploader && m.report_id.is_none())
            .ok_or_else(|| {
                ApiError::invalid_field("media_ids", format!("no unattached photo {id} of yours"))
            })?;
        let check = evidence::check(
            &EvidenceFacts {
                reported_at: before.created_at,
                report_at: before.location.map(|l| LonLat {
                    lon: l.lon,
                    lat: l.lat,
                }),
                captured_at: photo.captured_at,
                photo_at: photo.gps.map(|(lat, lon)| LonLat { lon, lat }),
            },
            act.settings.evidence_max_distance_m,
        );
        suspect |= !check.flags.is_empty();
        checks.push(json!({ "media_id": id, "flags": check.flags,
                            "distance_m": check.distance_m, "captured_at": photo.captured_at }));
    }
    Ok(EventDraft {
        evidence: ids.clone(),
        ..draft(
            EventKind::Resolved,
            before.unit_id,
            act.input.text.clone(),
            json!({ "media_ids": ids, "evidence_suspect": suspect, "evidence": checks }),
        )
    })
}

/// The report named as the original of a duplicate (by id or case number).
fn duplicate_of(
    conn: &mut DbConn,
    before: &ReportRecord,
    act: &Act<'_>,
) -> Result<Option<ReportRecord>, ApiError> {
    let Some(named) = act.input.duplicate_of.as_deref() else {
        return Ok(None);
    };
    let found = match Uuid::parse_str(named) {
        Ok(id) => cunxiang_storage::reports::find(conn, id)?,
        Err(_) => cunxiang_storage::reports::find_by_case(conn, named)?,
    };
    // Only a report the rejecting person may see can be named (no probing of case numbers).
    let found = match (found, act.doer) {
        (Some(original), Doer::Person(me)) => {
            let public = cunxiang_storage::reports::category_is_public(conn, &original.category)?;
            crate::reports::access::sight(me, &original, public).map(|_| original)
        }
        (found, Doer::System { .. }) => found,
        (None, _) => None,
    };
    match found {
        Some(original) if original.id != before.id => Ok(Some(original)),
        Some(_) => Err(ApiError::invalid_field(
            "duplicate_of",
            "a report cannot duplicate itself",
        )),
        None => Err(ApiError::invalid_field(
            "duplicate_of",
            format!("no report {named}"),
        )),
    }
}
