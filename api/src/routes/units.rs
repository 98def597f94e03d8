//! `GET /v1/units`: the bodies that handle reports, by region subtree and kind, cursor-paginated.

use actix_web::web;
use cunxiang_core::{Unit, UnitKind};
use cunxiang_storage::units::UnitFilter;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::params::{checked_page, region_path};
use crate::state::AppState;

/// Query parameters.
#[derive(Debug, Deserialize)]
pub struct UnitQuery {
    /// Only units serving this region (code or id) or a region below it.
    region: Option<String>,
    /// Only units of this kind.
    kind: Option<String>,
    /// Cursor from the previous page.
    cursor: Option<String>,
    /// Page size.
    limit: Option<i64>,
}

#[derive(Debug, Serialize)]
/// Response body.
pub struct UnitList {
    items: Vec<Unit>,
    next_cursor: Option<String>,
}

/// Lists units in id order.
pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<UnitQuery>,
) -> Result<web::Json<UnitList>, ApiError> {
    let query = query.into_inner();
    let (cursor, limit) = checked_page(query.cursor.as_deref(), query.limit)?;
    let kind = match query.kind.as_deref() {
        None => None,
        Some(k) => Some(UnitKind::parse(k).ok_or_else(|| {
            ApiError::invalid_parameter(
                "kind",
                "kind must be grid_team, village_committee, township_office or county_department",
            )
        })?),
    };
    let page = state
        .db(move |conn| {
            let path = query
                .region
                .as_deref()
                .map(|r| region_path(conn, r))
                .transpose()?;
            let filter = UnitFilter {
                within_path: path.as_deref(),
                kind,
            };
            Ok(cunxiang_storage::units::list(
                conn,
                &filter,
                cursor.as_deref(),
                limit,
            )?)
        })
        .await?;
    Ok(web::Json(UnitList {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}
