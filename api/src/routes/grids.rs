//! Grids: `GET /v1/grids` (outlines, optionally within a region's subtree, cursor-paginated),
//! `GET /v1/grids/{id}`, `PATCH /v1/grids/{id}` (rename, disable or enable; admins and
//! supervisors of the grid's region) and `POST /v1/grids/import` (admins). Outlines change
//! through the import; grids are never deleted (reports keep pointing at them).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use chrono::{DateTime, Utc};
use cunxiang_core::coords::CoordSystem;
use cunxiang_core::{Permission, Target};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use uuid::Uuid;

use cunxiang_storage::grids::GridChange;

use crate::auth::{AuthUser, client_ip};
use crate::error::{ApiError, ErrorCode};
use crate::grid_import::{GridImport, GridImportSummary, Importer, import_grids, preview_grids};
use crate::params::{checked_name, checked_page, region_path};
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
    /// Disabled grids stay listed but take no part in routing.
    active: bool,
}

#[derive(Debug, Serialize)]
/// Response body.
pub struct GridList {
    items: Vec<GridView>,
    next_cursor: Option<String>,
}

/// A stored grid as the API shows it.
fn view(g: cunxiang_core::Grid) -> Result<GridView, ApiError> {
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
        active: g.active,
    })
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
        .map(view)
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(web::Json(GridList {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// `GET /v1/grids/{id}`: one grid with its outline.
pub async fn get(
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
) -> Result<web::Json<GridView>, ApiError> {
    let id = path.into_inner();
    let grid = state
        .db(move |conn| {
            cunxiang_storage::grids::find(conn, id)?.ok_or_else(|| {
                ApiError::not_found(ErrorCode::GridNotFound, format!("no grid {id}"))
            })
        })
        .await?;
    Ok(web::Json(view(grid)?))
}

/// Body of `PATCH /v1/grids/{id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeGrid {
    name: Option<String>,
    active: Option<bool>,
}

/// Renames, disables or enables a grid; every instance rebuilds its grid index.
pub async fn change(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    path: web::Path<Uuid>,
    body: web::Json<ChangeGrid>,
) -> Result<web::Json<GridView>, ApiError> {
    let id = path.into_inner();
    let body = body.into_inner();
    let change = GridChange {
        name: body.name.as_deref().map(checked_name).transpose()?,
        active: body.active,
    };
    let ip = client_ip(&req, state.settings.trust_proxy);
    let grid = state
        .db(move |conn| {
            let not_found =
                || ApiError::not_found(ErrorCode::GridNotFound, format!("no grid {id}"));
            let grid = cunxiang_storage::grids::find(conn, id)?.ok_or_else(not_found)?;
            let path =
                cunxiang_storage::regions::path_of(conn, grid.region_id)?.unwrap_or_default();
            me.require(
                Permission::ManageOrganisation,
                &Target::Region { path: &path },
            )?;
            cunxiang_storage::conn::transaction(conn, |conn| {
                let grid =
                    cunxiang_storage::grids::update(conn, id, &change)?.ok_or_else(not_found)?;
                let details = serde_json::json!({ "name": change.name, "active": change.active });
                crate::audit::record(
                    conn,
                    Some(&me.user.id.to_string()),
                    "grid_changed",
                    Some(&id.to_string()),
                    &ip,
                    details,
                )?;
                Ok(grid)
            })
        })
        .await?;
    Ok(web::Json(view(grid)?))
}

/// Largest GeoJSON document `POST /v1/grids/import` accepts (a county's outlines fit easily).
const IMPORT_LIMIT: usize = 32 * 1024 * 1024;

/// Query of `POST /v1/grids/import`.
#[derive(Debug, Deserialize)]
pub struct ImportQuery {
    coord_system: Option<String>,
    /// Make outlines whose rings cross or touch valid instead of refusing them.
    #[serde(default)]
    repair: bool,
    /// Check and preview only: nothing is stored.
    #[serde(default)]
    dry_run: bool,
}

/// `POST /v1/grids/import` (admins): a FeatureCollection of grid outlines, all or nothing.
pub async fn import(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    query: web::Query<ImportQuery>,
    mut payload: web::Payload,
) -> Result<web::Json<GridImportSummary>, ApiError> {
    me.require(Permission::ManageOrganisation, &Target::Deployment)?;
    let system = match query.coord_system.as_deref() {
        None => CoordSystem::default(),
        Some(s) => CoordSystem::parse(s).ok_or_else(|| {
            ApiError::invalid_parameter("coord_system", "coord_system must be wgs84, gcj02 or bd09")
        })?,
    };
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                e.to_string(),
            )
        })?;
        if body.len() + chunk.len() > IMPORT_LIMIT {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::PayloadTooLarge,
                format!("the document is larger than {IMPORT_LIMIT} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    let text = String::from_utf8(body).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::MalformedJson,
            "the document is not UTF-8",
        )
    })?;
    let ip = client_ip(&req, state.settings.trust_proxy);
    let repair = query.repair;
    let dry_run = query.dry_run;
    let summary = state
        .db(move |conn| {
            let importer = Importer::Staff {
                actor: &me.actor,
                ip: &ip,
            };
            let doc = GridImport {
                text: &text,
                system,
                repair,
            };
            if dry_run {
                return preview_grids(conn, importer, doc).map_err(ApiError::from);
            }
            import_grids(conn, importer, doc, &mut |_| {}, &mut || {}).map_err(ApiError::from)
        })
        .await?;
    Ok(web::Json(summary))
}
