//! Query parameters shared by list endpoints: region references, cursor pagination and times
//! (RFC 3339 or a Beijing date).

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, TimeZone, Utc};
use cunxiang_core::Region;
use cunxiang_storage::DbConn;
use uuid::Uuid;

use crate::error::{ApiError, ErrorCode};

/// Items per page when the caller does not say.
pub const DEFAULT_LIMIT: i64 = 100;

/// Checks `?cursor=…&limit=…` as sent by the client: the cursor must be one this server
/// handed out, the limit 1–1000 (default 100).
pub fn checked_page(
    cursor: Option<&str>,
    limit: Option<i64>,
) -> Result<(Option<String>, i64), ApiError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=cunxiang_storage::page::MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid_parameter(
            "limit",
            format!(
                "limit must be between 1 and {}",
                cunxiang_storage::page::MAX_LIMIT
            ),
        ));
    }
    let cursor = match cursor {
        None => None,
        Some(c) => Some(
            Uuid::parse_str(c)
                .map_err(|_| ApiError::invalid_parameter("cursor", "cursor is not valid"))?
                .to_string(),
        ),
    };
    Ok((cursor, limit))
}

/// Finds a region given as a GB/T 2260 code (digits) or an id (UUID); 404 when unknown.
pub fn find_region(conn: &mut DbConn, reference: &str) -> Result<Region, ApiError> {
    let found = match Uuid::parse_str(reference) {
        Ok(id) => cunxiang_storage::regions::find(conn, id)?,
        Err(_) if reference.bytes().all(|b| b.is_ascii_digit()) && !reference.is_empty() => {
            cunxiang_storage::regions::find_by_code(conn, reference)?
        }
        Err(_) => {
            return Err(ApiError::invalid_parameter(
                "region",
                format!("{reference:?} is neither a region code nor a region id"),
            ));
        }
    };
    found.ok_or_else(|| {
        ApiError::not_found(ErrorCode::RegionNotFound, format!("no region {reference}"))
    })
}

/// The materialised path of a region given by code or id, for subtree filters.
pub fn region_path(conn: &mut DbConn, reference: &str) -> Result<String, ApiError> {
    let region = find_region(conn, reference)?;
    cunxiang_storage::regions::path_of(conn, region.id)?.ok_or_else(|| {
        ApiError::not_found(ErrorCode::RegionNotFound, format!("no region {reference}"))
    })
}

/// A client error about a referenced value becomes 422 naming the field; a server error stays.
pub fn as_field(field: &str, e: ApiError) -> ApiError {
    if e.status.is_client_error() {
        ApiError::invalid_field(field, e.message)
    } else {
        e
    }
}

/// The coordinate system a body names in `field` (`wgs84`, `gcj02`, `bd09`), `default` when
/// it names none; 422 naming the field otherwise.
pub fn coord_system_field(
    field: &str,
    named: Option<&str>,
    default: cunxiang_core::coords::CoordSystem,
) -> Result<cunxiang_core::coords::CoordSystem, ApiError> {
    named.map_or(Ok(default), |s| {
        cunxiang_core::coords::CoordSystem::parse(s).ok_or_else(|| {
            ApiError::invalid_field(field, "coord_system must be wgs84, gcj02 or bd09")
        })
    })
}

/// Longest name of a region, unit or category.
pub const MAX_NAME: usize = 64;

/// A trimmed name of 1–[`MAX_NAME`] characters, or 422 naming the `name` field.
pub fn checked_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(ApiError::invalid_field(
            "name",
            format!("name must be 1-{MAX_NAME} characters"),
        ));
    }
    Ok(name.to_owned())
}

/// A line of work (`sanitation`, `transport` …): 1–32 characters of `a-z`, `0-9` and `_`.
pub fn checked_department(department: &str) -> Result<String, ApiError> {
    let ok = (1..=32).contains(&department.len())
        && department
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(department.to_owned())
    } else {
        Err(ApiError::invalid_field(
            "department",
            "department must be 1-32 characters of a-z, 0-9 and _",
        ))
    }
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
pub mod double_option {
    use serde::{Deserialize, Deserializer};

    /// Deserialises a present field, `null` included.
    pub fn deserialize<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
    where
        T: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// A point given as `lat`, `lon` and an optional `coord_system` (default GCJ-02), checked and
/// converted to WGS-84; a bad value is a 400 naming its parameter.
pub fn wgs84_point(
    lat: f64,
    lon: f64,
    coord_system: Option<&str>,
) -> Result<cunxiang_core::coords::LonLat, ApiError> {
    use cunxiang_core::coords::{self, CoordError, CoordSystem};
    let system = match coord_system {
        None => CoordSystem::default(),
        Some(s) => CoordSystem::parse(s).ok_or_else(|| {
            ApiError::invalid_parameter("coord_system", "coord_system must be wgs84, gcj02 or bd09")
        })?,
    };
    let given = coords::checked(lat, lon).map_err(|e| {
        let field = if matches!(e, CoordError::LonOutOfRange(_)) {
            "lon"
        } else {
            "lat"
        };
        ApiError::invalid_parameter(field, e.to_string())
    })?;
    Ok(coords::to_wgs84(given, system))
}

/// Beijing time, the clock a county clerk's dates are in.
pub fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

/// The earliest time a parameter may name: 1970-01-01T00:00:00+08:00.
pub const EARLIEST: &str = "1970-01-01T00:00:00+08:00";
/// The latest time a parameter may name: 9999-01-01T00:00:00Z. Far enough for "until
/// further notice", and far enough from the end of year 9999 that a day or a time zone added
/// on the way to the database (Beijing days of the KPI roll-ups, Open311's 90-day window)
/// never makes a five-digit year, which neither database orders or stores like the others.
pub const LATEST: &str = "9999-01-01T00:00:00Z";

/// Why a time parameter was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeError {
    /// Neither RFC 3339 nor `YYYY-MM-DD`.
    Malformed,
    /// Well-formed, but before [`EARLIEST`] or after [`LATEST`].
    OutOfRange,
}

impl TimeError {
    /// The caller's explanation for parameter `name`.
    pub fn message(self, name: &str) -> String {
        match self {
            TimeError::Malformed => {
                format!("{name} must be an RFC 3339 time or a YYYY-MM-DD date")
            }
            TimeError::OutOfRange => {
                format!("{name} must lie between {EARLIEST} and {LATEST}")
            }
        }
    }
}

fn bound(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// The one parser of every time a caller sends (`from`/`to` of lists, exports and KPIs,
/// Open311's `start_date`/`end_date`): an RFC 3339 time with any offset, or a `YYYY-MM-DD`
/// date meaning its midnight in Beijing, between [`EARLIEST`] and [`LATEST`] inclusive.
pub fn instant(text: &str) -> Result<DateTime<Utc>, TimeError> {
    let t = match DateTime::parse_from_rfc3339(text) {
        Ok(t) => t.with_timezone(&Utc),
        Err(_) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .and_then(|t| beijing().from_local_datetime(&t).single())
            .map(|t| t.with_timezone(&Utc))
            .ok_or(TimeError::Malformed)?,
    };
    if (bound(EARLIEST)..=bound(LATEST)).contains(&t) {
        Ok(t)
    } else {
        Err(TimeError::OutOfRange)
    }
}

/// [`instant`] for the query parameter `name`: 400 `invalid_parameter` when malformed,
/// 422 `out_of_range` outside the supported range, both naming the parameter.
pub fn parse_time(name: &str, text: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(text) = text else { return Ok(None) };
    instant(text).map(Some).map_err(|e| match e {
        TimeError::Malformed => ApiError::invalid_parameter(name, e.message(name)),
        TimeError::OutOfRange => ApiError::new(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::OutOfRange,
            e.message(name),
        )
        .with_details(serde_json::json!({
            "parameter": name, "earliest": EARLIEST, "latest": LATEST
        })),
    })
}

/// A period `[from, to)`; either end may be open.
pub type Period = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The period `[from, to)` given as two [`parse_time`] parameters; 400 `invalid_parameter`
/// when one is malformed or `from` is after `to`.
pub fn period(from: Option<&str>, to: Option<&str>) -> Result<Period, ApiError> {
    let from = parse_time("from", from)?;
    let to = parse_time("to", to)?;
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(ApiError::invalid_parameter("from", "from is after to"));
    }
    Ok((from, to))
}
