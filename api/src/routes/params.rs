//! Query parameters shared by list endpoints: region references and cursor pagination.

use cunxiang_core::Region;
use cunxiang_storage::DbConn;
use uuid::Uuid;

use crate::error::ApiError;

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
    found.ok_or_else(|| ApiError::not_found("region_not_found", format!("no region {reference}")))
}

/// The materialised path of a region given by code or id, for subtree filters.
pub fn region_path(conn: &mut DbConn, reference: &str) -> Result<String, ApiError> {
    let region = find_region(conn, reference)?;
    cunxiang_storage::regions::path_of(conn, region.id)?
        .ok_or_else(|| ApiError::not_found("region_not_found", format!("no region {reference}")))
}
