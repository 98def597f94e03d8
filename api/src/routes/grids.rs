//! `GET /v1/grids`: grid outlines, optionally within a region's subtree, cursor-paginated.

use actix_web::web;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use uuid::Uuid;

use super::params::{checked_page, region_path};
use crate::error::ApiError;
use crate::state::AppState;

/// Query parameters.
#[derive(Debug, Deserialize)]
pub struct GridQuery {
    /// Only grids inside this region (code or id) and the regions below it.
    region: Option<String>,
    /// Cursor from the previous page.
    cursor: Option<String>,
    /// Page size.
    limit: Option<i64>,
}

#[derive(Debug, Serialize)]
/// One grid as the API shows it.
pub struct GridView {
    id: Uuid,
    name: String,
    region_id: Uuid,
    /// `[min_lon, min_lat, max_lon, max_lat]`, WGS-84.
    bbox: [f64; 4],
    /// GeoJSON Polygon or MultiPolygon, WGS-84.
    geometry: Box<RawValue>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
/// Response body.
pub struct GridList {
    items: Vec<GridView>,
    next_cursor: Option<String>,
}

/// Lists grids in id order.
pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<GridQuery>,
) -> Result<web::Json<GridList>, ApiError> {
    let query = query.into_inner();
    let (cursor, limit) = checked_page(query.cursor.as_deref(), query.limit)?;
    let page = state
        .db(move |conn| {
            let path = query
                .region
                .as_deref()
                .map(|r| region_path(conn, r))
                .transpose()?;
            Ok(cunxiang_storage::grids::list(
                conn,
                path.as_deref(),
                cursor.as_deref(),
                limit,
            )?)
        })
        .await?;
    let items = page
        .items
        .into_iter()
        .map(|g| {
            let geometry = RawValue::from_string(g.geometry).map_err(ApiError::internal)?;
            Ok(GridView {
                id: g.id,
                name: g.name,
                region_id: g.region_id,
                bbox: [
                    g.bbox.min_lon,
                    g.bbox.min_lat,
                    g.bbox.max_lon,
                    g.bbox.max_lat,
                ],
                geometry,
                created_at: g.created_at,
                updated_at: g.updated_at,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(web::Json(GridList {
        items,
        next_cursor: page.next_cursor,
    }))
}
