//! `GET /v1/board/{region}`: a village's public notice board (公示栏), open without a log-in —
//! the page a village posts as a QR code and a mini-program opens in a web-view.
//!
//! What it shows, for the reports received this calendar month (Beijing time) in the
//! region's subtree: the 办结率 and 满意率 of all of them (the README's KPI definitions), and
//! the resolved or closed ones of public categories, newest first (at most
//! [`BOARD_ITEMS`]), each with its category, description, dates and its photos before (the
//! report's) and after (the last resolution's). Nothing personal: no reporter, no phone, no
//! place finer than the region, no photo metadata (renditions carry none). Private and
//! mediation categories never appear, whatever their status.

use std::collections::HashMap;

use actix_web::web;
use chrono::{DateTime, Datelike, TimeZone, Utc};
use cunxiang_core::visibility::Scope;
use cunxiang_core::{EventKind, ReportStatus};
use cunxiang_storage::DbConn;
use cunxiang_storage::reports::ReportFilter;
use cunxiang_storage::stats::Selection;
use serde::Serialize;
use uuid::Uuid;

use crate::error::{ApiError, ErrorCode};
use crate::params::find_region;
use crate::state::AppState;

/// Resolved reports a board lists at most.
pub const BOARD_ITEMS: i64 = 50;

/// The board.
#[derive(Debug, Serialize)]
pub struct Board {
    region: BoardRegion,
    /// `YYYY-MM`, Beijing time.
    month: String,
    from: DateTime<Utc>,
    as_of: DateTime<Utc>,
    received: i64,
    resolved: i64,
    completion_rate: Option<f64>,
    rated: i64,
    satisfaction_rate: Option<f64>,
    items: Vec<BoardItem>,
}

#[derive(Debug, Serialize)]
struct BoardRegion {
    code: Option<String>,
    name: String,
    level: cunxiang_core::RegionLevel,
}

/// One resolved report as the public sees it on the board.
#[derive(Debug, Serialize)]
struct BoardItem {
    case_number: String,
    category: String,
    category_name: String,
    description: String,
    status: ReportStatus,
    created_at: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
    before: Vec<BoardPhoto>,
    after: Vec<BoardPhoto>,
}

#[derive(Debug, Serialize)]
struct BoardPhoto {
    url: String,
    thumb_url: String,
}

fn photo(id: Uuid) -> BoardPhoto {
    BoardPhoto {
        url: format!("/v1/media/{id}"),
        thumb_url: format!("/v1/media/{id}/thumb"),
    }
}

/// The first instant of `now`'s month in Beijing time.
fn month_start(now: DateTime<Utc>) -> (DateTime<Utc>, String) {
    let beijing = crate::params::beijing();
    let local = now.with_timezone(&beijing);
    let start = beijing
        .with_ymd_and_hms(local.year(), local.month(), 1, 0, 0, 0)
        .single()
        .map_or(now, |d| d.with_timezone(&Utc));
    (start, format!("{:04}-{:02}", local.year(), local.month()))
}

/// `GET /v1/board/{region}`.
pub async fn board(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<web::Json<Board>, ApiError> {
    let reference = path.into_inner();
    let now = state.clock.now();
    let board = state
        .db(move |conn| {
            let region = find_region(conn, &reference)?;
            let region_path =
                cunxiang_storage::regions::path_of(conn, region.id)?.ok_or_else(|| {
                    ApiError::not_found(ErrorCode::RegionNotFound, format!("no region {reference}"))
                })?;
            let (from, month) = month_start(now);
            let selection = Selection {
                scope: None,
                within_path: Some(region_path.clone()),
                from: Some(from),
                to: None,
            };
            let kpis = cunxiang_storage::stats::summary(conn, &selection, now)?.kpis();
            let items = resolved_items(conn, region_path, from)?;
            Ok(Board {
                region: BoardRegion {
                    code: region.code,
                    name: region.name,
                    level: region.level,
                },
                month,
                from,
                as_of: now,
                received: kpis.received,
                resolved: kpis.resolved,
                completion_rate: kpis.completion_rate,
                rated: kpis.rated,
                satisfaction_rate: kpis.satisfaction_rate,
                items,
            })
        })
        .await?;
    Ok(web::Json(board))
}

/// The month's resolved reports of public categories, with their before and after photos.
fn resolved_items(
    conn: &mut DbConn,
    region_path: String,
    from: DateTime<Utc>,
) -> Result<Vec<BoardItem>, ApiError> {
    let filter = ReportFilter {
        statuses: vec![ReportStatus::Resolved, ReportStatus::Closed],
        within_path: Some(region_path),
        from: Some(from),
        ..ReportFilter::default()
    };
    let reports =
        cunxiang_storage::reports::list(conn, &Scope::Public, &filter, None, BOARD_ITEMS)?.items;
    let names: HashMap<String, String> = cunxiang_storage::categories::list(conn, true)?
        .into_iter()
        .map(|c| (c.code, c.name))
        .collect();
    let ids: Vec<_> = reports.iter().map(|r| r.id).collect();
    let mut before: HashMap<_, Vec<BoardPhoto>> = HashMap::new();
    for m in cunxiang_storage::media::of_reports(conn, &ids)? {
        if let Some(report) = m.report_id {
            before.entry(report).or_default().push(photo(m.id));
        }
    }
    let resolutions =
        cunxiang_storage::reports::events::latest_of_kind(conn, &ids, EventKind::Resolved)?;
    let events: Vec<Uuid> = resolutions.values().copied().collect();
    let mut after_photos: HashMap<Uuid, Vec<BoardPhoto>> = HashMap::new();
    for m in cunxiang_storage::media::of_event_ids(conn, &events)? {
        if let Some(event) = m.event_id {
            after_photos.entry(event).or_default().push(photo(m.id));
        }
    }
    let mut items = Vec::with_capacity(reports.len());
    for report in reports {
        let after = resolutions
            .get(&report.id)
            .and_then(|event| after_photos.remove(event))
            .unwrap_or_default();
        items.push(BoardItem {
            category_name: names
                .get(&report.category)
                .cloned()
                .unwrap_or_else(|| report.category.clone()),
            case_number: report.case_number,
            category: report.category,
            description: report.description,
            status: report.status,
            created_at: report.created_at,
            resolved_at: report.progress.resolved_at,
            before: before.remove(&report.id).unwrap_or_default(),
            after,
        });
    }
    Ok(items)
}
