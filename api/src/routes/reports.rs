//! Reading reports: `GET /v1/reports/{id}` (with photos and timeline), `GET /v1/reports`
//! (filters, newest first, cursor-paginated, scoped to the caller), and following one ("我也
//! 遇到了", `POST /v1/reports/{id}/follow`). Submitting is [`crate::reports::create`]; nearby
//! duplicates are [`super::nearby`].

use actix_web::web;
use chrono::{DateTime, Utc};
use cunxiang_core::lifecycle::{self, Action, Facts, ReportStatus, Standing};
use cunxiang_storage::DbConn;
use cunxiang_storage::reports::{Report, ReportFilter};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::params::{checked_page, period, region_path};
use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorCode};
use crate::reports::view::{ReportParts, ReportView};
use crate::state::AppState;
use cunxiang_core::visibility::{Sight, scope, sight_of};

/// A report `me` may see, with how much; 404 otherwise.
pub fn visible(conn: &mut DbConn, me: &AuthUser, id: Uuid) -> Result<(Report, Sight), ApiError> {
    let not_found = || ApiError::not_found(ErrorCode::NotFound, format!("no report {id}"));
    let report = cunxiang_storage::reports::find(conn, id)?.ok_or_else(not_found)?;
    let public = cunxiang_storage::reports::category_is_public(conn, &report.category)?;
    let sight = sight_of(&me.actor, &report, public).ok_or_else(not_found)?;
    Ok((report, sight))
}

/// `GET /v1/reports/{id}`.
pub async fn get(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<ReportView>, ApiError> {
    let id = path.into_inner();
    let now = state.clock.now();
    let view = state
        .db(move |conn| {
            let (report, sight) = visible(conn, &me, id)?;
            Ok(ReportParts::load(conn, report)?.view(sight, now))
        })
        .await?;
    Ok(web::Json(view))
}

/// Query of `GET /v1/reports`.
#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    /// Only the caller's own reports.
    #[serde(default)]
    mine: bool,
    /// Comma-separated statuses.
    status: Option<String>,
    category: Option<String>,
    /// Region code or id: that subtree only.
    region: Option<String>,
    grid: Option<Uuid>,
    unit: Option<Uuid>,
    /// Created at or after: RFC 3339, or `YYYY-MM-DD` for its midnight in Beijing.
    from: Option<String>,
    /// Created before: RFC 3339, or `YYYY-MM-DD` for its midnight in Beijing.
    to: Option<String>,
    /// `min_lon,min_lat,max_lon,max_lat`, WGS-84.
    bbox: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// Response of `GET /v1/reports`.
#[derive(Debug, Serialize)]
pub struct ReportList {
    items: Vec<ReportView>,
    next_cursor: Option<String>,
}

fn parse_bbox(text: &str) -> Result<[f64; 4], ApiError> {
    let bad = || {
        ApiError::invalid_parameter(
            "bbox",
            "bbox must be min_lon,min_lat,max_lon,max_lat in degrees",
        )
    };
    let numbers: Vec<f64> = text
        .split(',')
        .map(|n| n.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    let [min_lon, min_lat, max_lon, max_lat] = numbers.as_slice() else {
        return Err(bad());
    };
    let ok = numbers.iter().all(|n| n.is_finite())
        && (-180.0..=180.0).contains(min_lon)
        && (-180.0..=180.0).contains(max_lon)
        && (-90.0..=90.0).contains(min_lat)
        && (-90.0..=90.0).contains(max_lat)
        && min_lon <= max_lon
        && min_lat <= max_lat;
    if ok {
        Ok([*min_lon, *min_lat, *max_lon, *max_lat])
    } else {
        Err(bad())
    }
}

/// The parts of a list query that need checking, checked.
pub(super) struct Checked {
    statuses: Vec<ReportStatus>,
    bbox: Option<[f64; 4]>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
}

/// The checked `status` list, `bbox` and period of a list query; 400 `invalid_parameter`
/// naming the parameter when one is malformed, or when `from` is after `to`. Shared with the
/// CSV export.
pub(super) fn checked_filters(q: &ReportQuery) -> Result<Checked, ApiError> {
    let statuses = match q.status.as_deref() {
        None => Vec::new(),
        Some(list) => list
            .split(',')
            .map(|s| {
                ReportStatus::parse(s.trim()).ok_or_else(|| {
                    ApiError::invalid_parameter("status", format!("unknown status {s:?}"))
                })
            })
            .collect::<Result<_, _>>()?,
    };
    let (from, to) = period(q.from.as_deref(), q.to.as_deref())?;
    let bbox = q.bbox.as_deref().map(parse_bbox).transpose()?;
    Ok(Checked {
        statuses,
        bbox,
        from,
        to,
    })
}

/// The storage filter of a checked list query for `me`.
pub(super) fn filter_of(
    conn: &mut DbConn,
    me: &AuthUser,
    q: &ReportQuery,
    checked: Checked,
) -> Result<ReportFilter, ApiError> {
    let within_path = q
        .region
        .as_deref()
        .map(|r| region_path(conn, r))
        .transpose()?;
    Ok(ReportFilter {
        reporter: q.mine.then_some(me.user.id),
        statuses: checked.statuses,
        categories: q.category.iter().cloned().collect(),
        within_path,
        grid_id: q.grid,
        unit_id: q.unit,
        from: checked.from,
        to: checked.to,
        bbox: checked.bbox,
    })
}

/// `GET /v1/reports`.
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<ReportQuery>,
) -> Result<web::Json<ReportList>, ApiError> {
    let q = query.into_inner();
    let (cursor, limit) = checked_page(q.cursor.as_deref(), q.limit)?;
    let checked = checked_filters(&q)?;
    let now = state.clock.now();
    let page = state
        .db(move |conn| {
            let filter = filter_of(conn, &me, &q, checked)?;
            let page = cunxiang_storage::reports::list(
                conn,
                &scope(&me.actor),
                &filter,
                cursor.as_deref(),
                limit,
            )?;
            // The scope already left out what she may not see: every item is at least public.
            let items = ReportParts::load_many(conn, page.items)?
                .into_iter()
                .map(|parts| {
                    let sight = sight_of(&me.actor, &parts.report, true).unwrap_or(Sight::Public);
                    parts.view(sight, now)
                })
                .collect();
            Ok(ReportList {
                items,
                next_cursor: page.next_cursor,
            })
        })
        .await?;
    Ok(web::Json(page))
}

/// Response of `POST /v1/reports/{id}/follow`.
#[derive(Debug, Serialize)]
pub struct Following {
    report_id: Uuid,
    following: bool,
    follower_count: i32,
}

/// `POST /v1/reports/{id}/follow`: the caller follows the report (idempotent).
pub async fn follow(
    state: web::Data<AppState>,
    me: AuthUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<Following>, ApiError> {
    let id = path.into_inner();
    let answer = state
        .db(move |conn| {
            let (report, _) = visible(conn, &me, id)?;
            let mut standing = Standing::person(me.user.role);
            standing.can_see = true;
            standing.is_reporter = report.reporter_id == me.user.id;
            lifecycle::decide(report.status, Action::Follow, &standing, &Facts::default())
                .map_err(|refusal| ApiError {
                    message: format!("cannot follow a {} report", report.status.as_str()),
                    ..ApiError::from(refusal)
                })?;
            cunxiang_storage::conn::transaction(conn, |conn| {
                // The reporter follows her report anyway; she is not a "me too".
                if report.reporter_id != me.user.id {
                    cunxiang_storage::reports::follow(conn, id, me.user.id)?;
                }
                let after = cunxiang_storage::reports::find(conn, id)?.ok_or_else(|| {
                    ApiError::internal(anyhow::anyhow!("followed report vanished"))
                })?;
                Ok(Following {
                    report_id: id,
                    following: true,
                    follower_count: after.follower_count,
                })
            })
        })
        .await?;
    Ok(web::Json(answer))
}
