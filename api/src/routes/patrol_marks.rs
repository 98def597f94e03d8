//! `POST /v1/patrols/{id}/marks`: the walker marks an item of her patrol's checklist `ok`,
//! `not_applicable`, or `problem` — which files a report of the item's category (channel
//! `patrol`, routed as usual, with her note and photos) in the same transaction as the mark,
//! so there is never a problem without its report or a report without its mark. One mark per
//! item: the same mark sent again (a phone that lost the answer) answers with the stored one;
//! a different one is 409.

use actix_web::{HttpResponse, web};
use cunxiang_core::coords::{self, CoordSystem};
use cunxiang_core::patrol::MarkResult;
use cunxiang_core::report::{Channel, LocationSource, StoredLocation};
use cunxiang_storage::patrols::marks::{self, Mark};
use cunxiang_storage::patrols::walks;
use serde::Deserialize;
use uuid::Uuid;

use super::patrols::{MarkView, walking};
use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorCode};
use crate::intake::{Filing, Outcome, Submission, file_report};
use crate::params::coord_system_field;
use crate::state::AppState;

/// The longest note, in characters (as a report's description).
const MAX_NOTE: usize = 1000;

/// The most photos a problem carries (as a report).
const MAX_PHOTOS: usize = 9;

/// Where a problem is, as the phone sends it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceIn {
    lat: f64,
    lon: f64,
    /// `wgs84` (default), `gcj02` or `bd09`.
    coord_system: Option<String>,
}

/// Body of `POST /v1/patrols/{id}/marks`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMark {
    item_id: Uuid,
    result: String,
    note: Option<String>,
    #[serde(default)]
    media_ids: Vec<Uuid>,
    /// For a problem: where it is (default: the patrol's last GPS point).
    location: Option<PlaceIn>,
}

/// A checked body: the result, the trimmed note, the photos and the WGS-84 place.
struct Checked {
    item_id: Uuid,
    result: MarkResult,
    note: Option<String>,
    media_ids: Vec<Uuid>,
    place: Option<StoredLocation>,
}

fn checked(b: NewMark) -> Result<Checked, ApiError> {
    let result = MarkResult::parse(&b.result).ok_or_else(|| {
        ApiError::invalid_field("result", "result must be ok, problem or not_applicable")
    })?;
    let note = b
        .note
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > MAX_NOTE) {
        return Err(ApiError::invalid_field(
            "note",
            format!("note must be at most {MAX_NOTE} characters"),
        ));
    }
    if result == MarkResult::Problem && note.is_none() {
        return Err(ApiError::invalid_field("note", "a problem needs a note"));
    }
    if result != MarkResult::Problem && (!b.media_ids.is_empty() || b.location.is_some()) {
        return Err(ApiError::invalid_field(
            "result",
            "only a problem carries photos and a location",
        ));
    }
    if b.media_ids.len() > MAX_PHOTOS {
        return Err(ApiError::invalid_field(
            "media_ids",
            format!("at most {MAX_PHOTOS} photos"),
        ));
    }
    let place = b
        .location
        .map(|p| {
            let system =
                coord_system_field("location", p.coord_system.as_deref(), CoordSystem::Wgs84)?;
            let at = coords::checked(p.lat, p.lon)
                .map_err(|e| ApiError::invalid_field("location", e.to_string()))?;
            let wgs = coords::to_wgs84(at, system);
            Ok::<_, ApiError>(StoredLocation {
                lat: wgs.lat,
                lon: wgs.lon,
                accuracy_m: None,
                source: LocationSource::Device,
            })
        })
        .transpose()?;
    Ok(Checked {
        item_id: b.item_id,
        result,
        note,
        media_ids: b.media_ids,
        place,
    })
}

/// `POST /v1/patrols/{id}/marks`.
pub async fn mark(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<Uuid>,
    body: web::Json<NewMark>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let c = checked(body.into_inner())?;
    let now = state.clock.now();
    let grids = state.routing.clone();
    let settings = state.settings.clone();
    let (created, view) = state
        .db(move |conn| {
            cunxiang_storage::conn::transaction(conn, |conn| {
                let patrol = walking(conn, &me, id)?;
                let checklist = cunxiang_storage::patrols::find(conn, patrol.checklist_id)?
                    .ok_or_else(|| {
                        ApiError::internal(anyhow::anyhow!("patrol's checklist gone"))
                    })?;
                let item = checklist
                    .items
                    .iter()
                    .find(|i| i.id == c.item_id)
                    .ok_or_else(|| {
                        ApiError::invalid_field("item_id", "no such item on the patrol's checklist")
                    })?;
                if let Some(done) = marks::of_patrol(conn, id)?
                    .into_iter()
                    .find(|m| m.item_id == c.item_id)
                {
                    if done.result == c.result {
                        return Ok((false, MarkView::of(done)));
                    }
                    return Err(ApiError::new(
                        actix_web::http::StatusCode::CONFLICT,
                        ErrorCode::Conflict,
                        format!(
                            "item {} is already marked {}",
                            c.item_id,
                            done.result.as_str()
                        ),
                    ));
                }
                let report_id = if c.result == MarkResult::Problem {
                    let place = match c.place {
                        Some(p) => Some(p),
                        None => walks::points(conn, id)?.last().map(|p| StoredLocation {
                            lat: p.at_place.lat,
                            lon: p.at_place.lon,
                            accuracy_m: None,
                            source: LocationSource::Device,
                        }),
                    };
                    let d = &item.definition;
                    let note = c.note.clone().unwrap_or_default();
                    let submission = Submission {
                        category: d.category.clone(),
                        description: format!("{}·{}：{note}", d.section, d.title),
                        location: place,
                        address: None,
                        media_ids: c.media_ids.clone(),
                        anonymous: false,
                        channel: Channel::Patrol,
                        on_behalf: None,
                    };
                    let filing = Filing {
                        actor: &me.actor,
                        account: &me.user,
                        key: None,
                        hash: "",
                        now,
                        auto_confirm_days: settings.auto_confirm_days,
                        fan_out: settings.fan_out(),
                        within: None,
                    };
                    match file_report(conn, &grids, filing, submission)? {
                        Outcome::Created(view) | Outcome::Replayed(view) => Some(view.id()),
                    }
                } else {
                    None
                };
                let stored = Mark {
                    item_id: c.item_id,
                    result: c.result,
                    note: c.note.clone(),
                    report_id,
                    marked_at: now,
                };
                marks::insert(conn, id, &stored)?;
                Ok((true, MarkView::of(stored)))
            })
        })
        .await?;
    Ok(if created {
        HttpResponse::Created().json(view)
    } else {
        HttpResponse::Ok().json(view)
    })
}
