//! `POST /v1/reports`: one submission becomes a routed report with a case number, its photos
//! attached and its first timeline events — all in one transaction. An `Idempotency-Key`
//! (required for villagers) makes retries safe: the same key and body return the report made
//! the first time (200), another body under the same key is 409.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Duration, Utc};
use cunxiang_core::coords::LonLat;
use cunxiang_core::identity::mask_phone;
use cunxiang_core::lifecycle::schedule::Deadlines;
use cunxiang_core::lifecycle::{ReportStatus, limits, submit};
use cunxiang_core::report::{self, LocationSource};
use cunxiang_core::{EventKind, Role, User};
use cunxiang_storage::DbConn;
use cunxiang_storage::reports::events::ReportEvent;
use cunxiang_storage::reports::{Progress, Report, StoredLocation, keys};
use cunxiang_storage::users::NewUser;
use serde_json::{Value, json};
use uuid::Uuid;

use super::placement::{Placement, place};
use super::submission::{CreateReport, Submission, check, idempotency_key};
use super::view::{ReportParts, ReportView};
use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorCode};
use crate::route_index::RoutingCache;
use crate::settings::Settings;
use crate::state::AppState;
use cunxiang_core::visibility::{Sight, sight_of};

/// What intake ended as.
pub(crate) enum Outcome {
    /// A new report.
    Created(ReportView),
    /// The report an earlier request under the same key made.
    Replayed(ReportView),
}

/// Creates a report.
pub async fn create(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&req, me.user.role)?;
    let body = body.into_inner();
    let hash = cunxiang_storage::blobs::sha256_hex(body.to_string().as_bytes());
    let input: CreateReport = serde_json::from_value(body).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidBody,
            e.to_string(),
        )
    })?;
    let submission = check(&me, input)?;
    let grids = state.routing.clone();
    let now = state.clock.now();
    let settings = state.settings.clone();
    let outcome = state
        .db(move |conn| {
            let request = Request {
                me: &me,
                key: key.as_deref(),
                hash: &hash,
                now,
                settings: &settings,
                within: None,
            };
            intake(conn, &grids, request, submission)
        })
        .await?;
    Ok(match outcome {
        Outcome::Created(view) => HttpResponse::Created().json(view),
        Outcome::Replayed(view) => HttpResponse::Ok().json(view),
    })
}

/// Who asks, under which key, when, and where she may file.
pub(crate) struct Request<'a> {
    pub me: &'a AuthUser,
    pub key: Option<&'a str>,
    pub hash: &'a str,
    pub now: DateTime<Utc>,
    pub settings: &'a Settings,
    /// The materialised path of the only region subtree the report may be routed into (an
    /// API client's tenant region); a report placed elsewhere is 403 `outside_region`.
    pub within: Option<&'a str>,
}

/// Routes and stores a checked submission in one transaction (also the Open311 façade's).
pub(crate) fn intake(
    conn: &mut DbConn,
    grids: &RoutingCache,
    request: Request<'_>,
    s: Submission,
) -> Result<Outcome, ApiError> {
    let Request {
        me,
        key,
        hash,
        now,
        settings,
        within,
    } = request;
    let confirm = Duration::days(settings.auto_confirm_days);
    if let Some(key) = key
        && let Some(used) = keys::find(conn, me.user.id, key)?
    {
        return replay(conn, me, &used, hash, now);
    }
    let category = cunxiang_storage::categories::find(conn, &s.category)?
        .filter(|c| c.active)
        .ok_or_else(|| {
            ApiError::invalid_field("category", format!("no active category {}", s.category))
        })?;
    let mut photos = Vec::with_capacity(s.media_ids.len());
    for id in &s.media_ids {
        let media = cunxiang_storage::media::find(conn, *id)?
            .filter(|m| m.uploader_id == me.user.id)
            .ok_or_else(|| {
                ApiError::invalid_field("media_ids", format!("no photo {id} of yours"))
            })?;
        if media.report_id.is_some() {
            // A concurrent retry under the same key may have attached it meanwhile.
            if let Some(key) = key
                && let Some(used) = keys::find(conn, me.user.id, key)?
            {
                return replay(conn, me, &used, hash, now);
            }
            return Err(ApiError::invalid_field(
                "media_ids",
                format!("photo {id} is already on a report"),
            ));
        }
        photos.push(media);
    }
    let location = s.location.or_else(|| {
        photos
            .first()
            .and_then(|m| m.gps)
            .map(|(lat, lon)| StoredLocation {
                lat,
                lon,
                accuracy_m: None,
                source: LocationSource::PhotoExif,
            })
    });
    let point = location.map(|l| LonLat {
        lon: l.lon,
        lat: l.lat,
    });
    let placement = place(conn, grids, &category, point)?;
    let region_path = placement.region_path.clone();
    if let Some(tenant) = within
        && !region_path.starts_with(tenant)
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::OutsideRegion,
            "the report would be routed to a place outside the region this client serves",
        ));
    }
    let prefix = placement.case_prefix.clone();
    let day = report::china_day(now);
    let result = cunxiang_storage::conn::transaction(conn, |conn| {
        let reporter = match &s.on_behalf {
            None => me.user.clone(),
            Some((phone, name)) => villager_for(conn, phone, name.as_deref())?,
        };
        let id = Uuid::now_v7();
        let parties = Parties {
            reporter: reporter.id,
            submitted_by: me.user.id,
            // Stands in until the number is taken, late: see below.
            case_number: format!("~{id}"),
            region_path: region_path.clone(),
            now,
            confirm,
        };
        let record = new_record(id, &s, &placement, &category, location, parties);
        let mut record = cunxiang_storage::reports::insert(conn, &record)?;
        // The key before anything a concurrent retry could also claim (the photos): a retry
        // that lost the race learns it here and answers with the winner's report.
        if let Some(key) = key {
            keys::insert(conn, me.user.id, key, hash, record.id).map_err(|e| {
                if keys::is_taken(&e) {
                    // Caught below (never answered as is): the winner's report is replayed, or
                    // `idempotency_key_reused` answered when it was a different one.
                    let code = ErrorCode::IdempotencyKeyReused;
                    ApiError::new(StatusCode::CONFLICT, code, "idempotency key taken")
                } else {
                    e.into()
                }
            })?;
        }
        let attached = cunxiang_storage::media::attach(conn, &s.media_ids, record.id)?;
        if attached != s.media_ids.len() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::MediaTaken,
                "a photo was attached to another report meanwhile; nothing was saved",
            ));
        }
        let [submitted, routed] = first_events(&record, &placement, &s, me.user.id);
        for event in [&submitted, &routed] {
            cunxiang_storage::reports::events::insert(conn, event)?;
        }
        let received = as_received(&record);
        let steps = [(&received, &submitted), (&record, &routed)];
        let fanout = crate::push::publish::plan(conn, settings, &steps, None)?;
        // The county's daily counter stays locked until commit (gapless numbers), so it is
        // taken under the feed's ordering lock, which serialises the rest of every
        // transaction anyway: it costs no wait of its own.
        cunxiang_storage::push::feed::order_commits(conn)?;
        let sequence = cunxiang_storage::reports::next_case_sequence(
            conn,
            &prefix,
            &day.format("%Y%m%d").to_string(),
        )?;
        record.case_number = report::case_number(&prefix, day, sequence);
        cunxiang_storage::reports::set_case_number(conn, record.id, &record.case_number)?;
        let received = as_received(&record);
        fanout.write(
            conn,
            settings,
            &[(&received, &submitted), (&record, &routed)],
        )?;
        let events = vec![submitted, routed];
        cunxiang_storage::stats::rollup::apply_change(conn, None, &record)?;
        Ok((record, reporter, events))
    });
    match result {
        Ok((record, reporter, events)) => {
            let sight = sight_of(&me.actor, &record, true).unwrap_or(Sight::Public);
            // What was just written, as a read would give it back.
            for (position, photo) in photos.iter_mut().enumerate() {
                photo.report_id = Some(record.id);
                photo.position = i32::try_from(position).ok();
            }
            let parts = ReportParts {
                report: record,
                photos,
                events: Some(events),
                evidence: std::collections::HashMap::new(),
                reporter: Some(reporter),
                unit_name: placement.unit_name.clone(),
            };
            Ok(Outcome::Created(parts.view(sight, now)))
        }
        // A retry with the same key committed first: answer as a retry.
        Err(e) if e.code == ErrorCode::IdempotencyKeyReused => {
            let key = key.unwrap_or_default();
            let used = keys::find(conn, me.user.id, key)?
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("idempotency key vanished")))?;
            replay(conn, me, &used, hash, now)
        }
        Err(e) => Err(e),
    }
}

fn replay(
    conn: &mut DbConn,
    me: &AuthUser,
    used: &keys::UsedKey,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<Outcome, ApiError> {
    if used.request_hash != hash {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::IdempotencyKeyReused,
            "this Idempotency-Key was used for a different report",
        ));
    }
    let record = cunxiang_storage::reports::find(conn, used.report_id)?.ok_or_else(|| {
        ApiError::internal(anyhow::anyhow!("idempotency key names a missing report"))
    })?;
    let sight = sight_of(&me.actor, &record, true).unwrap_or(Sight::Public);
    Ok(Outcome::Replayed(
        ReportParts::load(conn, record)?.view(sight, now),
    ))
}

/// The villager account of a phone number (代办), created when there is none yet; 403
/// `not_a_villager` when the number is a staff member's or an admin's.
fn villager_for(conn: &mut DbConn, phone: &str, name: Option<&str>) -> Result<User, ApiError> {
    if let Some(user) = cunxiang_storage::users::find_by_phone(conn, phone)? {
        if user.role != Role::Villager {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::NotAVillager,
                "代办 is for villagers: this phone number belongs to a staff account",
            ));
        }
        return Ok(user);
    }
    // A concurrent 代办 for the same new number may have made her meanwhile.
    Ok(cunxiang_storage::users::insert_once(
        conn,
        &NewUser {
            display_name: name.map_or_else(|| format!("村民{}", mask_phone(phone)), str::to_owned),
            role: Role::Villager,
            phone: Some(phone.to_owned()),
            username: None,
            password_hash: None,
            wechat_openid: None,
            wechat_unionid: None,
        },
    )?)
}

/// Who reported what where, and when it is due.
struct Parties {
    reporter: Uuid,
    submitted_by: Uuid,
    case_number: String,
    region_path: String,
    now: DateTime<Utc>,
    confirm: Duration,
}

fn new_record(
    id: Uuid,
    s: &Submission,
    placement: &Placement,
    category: &cunxiang_core::Category,
    location: Option<StoredLocation>,
    p: Parties,
) -> Report {
    let now = p.now;
    let placed = submit(placement.unit.is_some());
    let limits = limits(category, p.confirm);
    Report {
        id,
        case_number: p.case_number,
        reporter_id: p.reporter,
        submitted_by: p.submitted_by,
        category: category.code.clone(),
        description: s.description.clone(),
        status: placed.next,
        location,
        address: s.address.clone(),
        grid_id: placement.grid_id,
        region_id: placement.region_id,
        region_path: p.region_path,
        unit_id: placement.unit.map(|(u, _)| u),
        level: placement.unit.map(|(_, l)| l),
        anonymous: s.anonymous,
        channel: s.channel,
        follower_count: 0,
        version: 1,
        deadlines: Deadlines::default().after(placed.clock, now, &limits),
        progress: Progress::default(),
        created_at: now,
        updated_at: now,
    }
}

/// The report as it stood when it came in, before routing placed it (the `submitted` event's).
fn as_received(record: &Report) -> Report {
    Report {
        status: ReportStatus::Submitted,
        ..record.clone()
    }
}

/// A new report's first two events, in order: `submitted`, then `assigned` or `dispatched`.
fn first_events(
    record: &Report,
    placement: &Placement,
    s: &Submission,
    submitted_by: Uuid,
) -> [ReportEvent; 2] {
    let event = |kind: EventKind, unit_id, note: Option<String>, details| ReportEvent {
        id: Uuid::now_v7(),
        report_id: record.id,
        kind,
        actor_id: None,
        unit_id,
        note,
        details,
        internal: false,
        at: record.created_at,
    };
    let mut submitted = event(
        EventKind::Submitted,
        None,
        None,
        json!({ "channel": s.channel, "on_behalf": s.on_behalf.is_some(),
                "photos": s.media_ids.len() }),
    );
    submitted.actor_id = Some(submitted_by);
    let routed = match placement.unit {
        Some((unit, level)) => event(
            EventKind::Assigned,
            Some(unit),
            Some(placement.reason.clone()),
            json!({ "level": level, "reason": placement.reason }),
        ),
        None => event(
            EventKind::Dispatched,
            None,
            Some(placement.reason.clone()),
            json!({ "region_id": placement.region_id, "reason": placement.reason }),
        ),
    };
    [submitted, routed]
}
