//! The filters of `GET /v1/reports` and its CSV twin `GET /v1/reports.csv`: the query,
//! checked (statuses, bounding box, period), and turned into the storage filter.

use chrono::{DateTime, Utc};
use cunxiang_core::lifecycle::ReportStatus;
use cunxiang_storage::DbConn;
use cunxiang_storage::reports::ReportFilter;
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::params::{period, region_path};

/// Query of `GET /v1/reports`.
#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    /// Only the caller's own reports.
    #[serde(default)]
    pub mine: bool,
    /// Comma-separated statuses.
    pub status: Option<String>,
    pub category: Option<String>,
    /// Region code or id: that subtree only.
    pub region: Option<String>,
    pub grid: Option<Uuid>,
    pub unit: Option<Uuid>,
    /// Created at or after: RFC 3339, or `YYYY-MM-DD` for its midnight in Beijing.
    pub from: Option<String>,
    /// Created before: RFC 3339, or `YYYY-MM-DD` for its midnight in Beijing.
    pub to: Option<String>,
    /// `min_lon,min_lat,max_lon,max_lat`, WGS-84.
    pub bbox: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
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
pub struct Checked {
    statuses: Vec<ReportStatus>,
    bbox: Option<[f64; 4]>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
}

/// The checked `status` list, `bbox` and period of a list query; 400 `invalid_parameter`
/// naming the parameter when one is malformed, or when `from` is after `to`. Shared with the
/// CSV export.
pub fn checked_filters(q: &ReportQuery) -> Result<Checked, ApiError> {
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
pub fn filter_of(
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
        unit_id: q.unit.map(cunxiang_core::UnitId),
        from: checked.from,
        to: checked.to,
        bbox: checked.bbox,
    })
}
