//! Service requests as Open311 shows them: `GET requests` (filters `service_request_id`,
//! `service_code`, `start_date`, `end_date`, `status`; `service_code` and `status` take
//! several values, repeated or comma-separated; 90 days and 1000 rows by default),
//! `GET requests/{id}` and `GET tokens/{token}`. Readers are anonymous, so they see what any
//! villager sees: reports of public categories, never who reported them.

use cunxiang_core::ReportId;
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use cunxiang_core::lifecycle::ReportStatus;
use cunxiang_core::report::Channel;
use cunxiang_core::visibility::{self, Relation, Viewer};
use cunxiang_storage::DbConn;
use cunxiang_storage::reports::{Report, ReportFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Format, Open311Error, base_url, query_pairs, respond, split_format};
use crate::error::ApiError;
use crate::state::AppState;
use crate::views::report::ReportParts;

/// Rows answered at most.
const MAX_ROWS: i64 = 1000;
/// The default window of `GET requests`, in days.
const WINDOW_DAYS: i64 = 90;

/// A time in the spec's format (ISO 8601 with a zone: UTC, `Z`).
pub fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `open` or `closed`: resolved, closed and rejected reports are closed (a reopened one turns
/// open again); everything else is open.
fn open_or_closed(s: ReportStatus) -> &'static str {
    match s {
        ReportStatus::Resolved | ReportStatus::Closed | ReportStatus::Rejected => "closed",
        _ => "open",
    }
}

fn status_notes(s: ReportStatus) -> &'static str {
    match s {
        ReportStatus::Submitted => "submitted: waiting for a dispatcher to assign it",
        ReportStatus::Assigned => "assigned: waiting for the responsible unit to accept it",
        ReportStatus::Accepted => "accepted: the responsible unit is handling it",
        ReportStatus::Returned => "returned to dispatch: waiting for a decision",
        ReportStatus::Resolved => "resolved: waiting for the reporter to confirm",
        ReportStatus::Closed => "closed: confirmed",
        ReportStatus::Rejected => "rejected: invalid or a duplicate",
    }
}

/// One report as an Open311 service request. `media_url` is the address of its first photo
/// (which opens without a token: see `routes::media`), else the one its client sent.
fn request(
    p: &ReportParts,
    names: &HashMap<String, String>,
    sent: &HashMap<ReportId, String>,
    base: &str,
) -> Value {
    let r = &p.report;
    let media_url = p
        .photos
        .first()
        .map(|m| format!("{base}/v1/media/{}", m.id))
        .or_else(|| sent.get(&r.id).cloned());
    json!({
        "service_request_id": r.id.to_string(),
        "status": open_or_closed(r.status),
        "status_notes": status_notes(r.status),
        "service_name": names.get(&r.category),
        "service_code": r.category,
        "description": r.description,
        "agency_responsible": p.unit_name,
        "service_notice": format!("case number {}", r.case_number),
        "requested_datetime": stamp(r.created_at),
        "updated_datetime": stamp(r.updated_at),
        "expected_datetime": r.deadlines.resolve_by.map(stamp),
        "address": r.address,
        "address_id": null,
        "zipcode": null,
        "lat": r.location.map(|l| l.lat),
        "long": r.location.map(|l| l.lon),
        "media_url": media_url,
    })
}

/// Reports as a `service_requests` list (public categories only).
fn as_requests(conn: &mut DbConn, reports: Vec<Report>, base: &str) -> Result<Value, ApiError> {
    let categories = cunxiang_storage::categories::list(conn, true)?;
    // What the anonymous reader may see: the visibility rule with no relation but publicity.
    let public: Vec<&str> = categories
        .iter()
        .filter(|c| {
            let relation = Relation {
                public: c.public,
                ..Relation::default()
            };
            visibility::sight(Viewer::Anonymous, relation).is_some()
        })
        .map(|c| c.code.as_str())
        .collect();
    let reports: Vec<Report> = reports
        .into_iter()
        .filter(|r| public.contains(&r.category.as_str()))
        .collect();
    let names: HashMap<String, String> = categories
        .iter()
        .map(|c| (c.code.clone(), c.name.clone()))
        .collect();
    let ids: Vec<ReportId> = reports.iter().map(|r| r.id).collect();
    let sent = cunxiang_storage::open311::media_urls(conn, &ids)?;
    let parts = ReportParts::load_many(conn, reports)?;
    Ok(Value::Array(
        parts
            .iter()
            .map(|p| request(p, &names, &sent, base))
            .collect(),
    ))
}

/// `start_date`/`end_date` through the API's one time parser (`params::instant`):
/// 400 when malformed, 422 outside the supported range.
fn parse_date(name: &str, value: &str) -> Result<DateTime<Utc>, Open311Error> {
    use crate::params::{TimeError, instant};
    instant(value).map_err(|e| match e {
        TimeError::Malformed => Open311Error::bad(format!(
            "{name} must be an ISO 8601 date-time with a zone, e.g. 2026-11-05T08:15:30+08:00"
        )),
        TimeError::OutOfRange => {
            Open311Error::new(StatusCode::UNPROCESSABLE_ENTITY, e.message(name))
        }
    })
}

/// Every value of a parameter that takes several, repeated (`status=open&status=closed`) or
/// comma-separated (`status=open,closed`), trimmed, blanks and repeats dropped.
fn all(pairs: &[(String, String)], key: &str) -> Vec<String> {
    let mut values: Vec<String> = Vec::new();
    for (_, list) in pairs.iter().filter(|(n, _)| n == key) {
        for v in list.split(',').map(str::trim).filter(|v| !v.is_empty()) {
            if !values.iter().any(|known| known == v) {
                values.push(v.to_owned());
            }
        }
    }
    values
}

/// What `GET requests` asked for.
enum Query {
    Ids(Vec<ReportId>),
    Filter(ReportFilter),
}

fn parse_query(
    pairs: &[(String, String)],
    now: DateTime<Utc>,
) -> Result<(Query, Vec<String>), Open311Error> {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim());
    if let Some(ids) = get("service_request_id").filter(|v| !v.is_empty()) {
        // The spec: a list of ids overrides every other argument.
        let ids = ids
            .split(',')
            .map(|id| {
                Uuid::parse_str(id.trim()).map(ReportId).map_err(|_| {
                    Open311Error::bad(format!("service_request_id {id} is not a request id"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        return Ok((Query::Ids(ids), Vec::new()));
    }
    let start = get("start_date")
        .map(|v| parse_date("start_date", v))
        .transpose()?;
    let end = get("end_date")
        .map(|v| parse_date("end_date", v))
        .transpose()?;
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        return Err(Open311Error::bad("start_date is after end_date"));
    }
    let (from, to) = match (start, end) {
        (Some(s), Some(e)) => (s, e),
        (Some(s), None) => (s, (s + Duration::days(WINDOW_DAYS)).min(now)),
        (None, Some(e)) => (e - Duration::days(WINDOW_DAYS), e),
        (None, None) => (now - Duration::days(WINDOW_DAYS), now),
    };
    let mut statuses = Vec::new();
    for s in all(pairs, "status") {
        let ours: &[ReportStatus] = match s.as_str() {
            "open" => &[
                ReportStatus::Submitted,
                ReportStatus::Assigned,
                ReportStatus::Accepted,
                ReportStatus::Returned,
            ],
            "closed" => &[
                ReportStatus::Resolved,
                ReportStatus::Closed,
                ReportStatus::Rejected,
            ],
            other => {
                return Err(Open311Error::bad(format!(
                    "status {other} is not open or closed"
                )));
            }
        };
        statuses.extend_from_slice(ours);
    }
    let codes = all(pairs, "service_code");
    let filter = ReportFilter {
        statuses,
        categories: codes.clone(),
        from: Some(from),
        // Inclusive end: the storage filter is "before".
        to: Some(to + Duration::seconds(1)),
        ..ReportFilter::default()
    };
    Ok((Query::Filter(filter), codes))
}

/// `GET /open311/v2/requests.{format}`.
pub async fn list(
    state: &AppState,
    req: &HttpRequest,
    format: Format,
) -> Result<HttpResponse, Open311Error> {
    let (query, codes) = parse_query(&query_pairs(req), state.clock.now())?;
    for code in &codes {
        super::services::active_category(state, code).await?;
    }
    let base = base_url(state, req);
    let body = state
        .db(move |conn| {
            let reports = match query {
                Query::Ids(ids) => {
                    let mut found = Vec::with_capacity(ids.len());
                    for id in ids {
                        found.extend(cunxiang_storage::reports::find(conn, id)?);
                    }
                    found
                }
                Query::Filter(filter) => {
                    let scope = visibility::scope_of(None);
                    cunxiang_storage::reports::list(conn, &scope, &filter, None, MAX_ROWS)?.items
                }
            };
            as_requests(conn, reports, &base)
        })
        .await?;
    Ok(respond(StatusCode::OK, format, "service_requests", &body))
}

/// The one request with this id, as a one-element list, or the spec's 404.
async fn by_id(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
    format: Format,
) -> Result<HttpResponse, Open311Error> {
    let missing = || Open311Error::new(StatusCode::NOT_FOUND, format!("no request {id}"));
    let id = ReportId(Uuid::parse_str(id).map_err(|_| missing())?);
    let base = base_url(state, req);
    let body = state
        .db(move |conn| {
            let found: Vec<Report> = cunxiang_storage::reports::find(conn, id)?
                .into_iter()
                .collect();
            as_requests(conn, found, &base)
        })
        .await?;
    if body.as_array().is_none_or(Vec::is_empty) {
        return Err(missing());
    }
    Ok(respond(StatusCode::OK, format, "service_requests", &body))
}

/// `GET /open311/v2/requests/{id}.{format}`.
pub async fn one(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, Open311Error> {
    let name = path.into_inner();
    let (id, format) = split_format(&name)?;
    by_id(&state, &req, id, format)
        .await
        .map_err(|e| e.in_format(format))
}

/// `GET /open311/v2/tokens/{token}.{format}`: reports are created at once, so the token a
/// POST answers with is the request id itself; this resolves it to `{token,
/// service_request_id}` for every request filed through the façade, of a private service
/// too (the POST already gave that id away), and for any public request.
pub async fn token(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Open311Error> {
    let name = path.into_inner();
    let (token, format) = split_format(&name)?;
    let missing =
        || Open311Error::new(StatusCode::NOT_FOUND, format!("no token {token}")).in_format(format);
    let id = ReportId(Uuid::parse_str(token).map_err(|_| missing())?);
    // A POST answered this token, so it resolves whatever the service (a private one's
    // request then stays unreadable here); other reports' ids resolve when they are public.
    let exists = state
        .db(move |conn| {
            Ok(match cunxiang_storage::reports::find(conn, id)? {
                Some(r) if r.channel == Channel::Open311 => true,
                Some(r) => cunxiang_storage::reports::category_is_public(conn, &r.category)?,
                None => false,
            })
        })
        .await
        .map_err(|e| Open311Error::from(e).in_format(format))?;
    if !exists {
        return Err(missing());
    }
    let body = json!([{ "token": token, "service_request_id": id.to_string() }]);
    Ok(respond(StatusCode::OK, format, "service_requests", &body))
}
