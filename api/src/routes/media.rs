//! Photos: `POST /v1/media` (one file per request, multipart), `GET /v1/media/{id}` (display
//! image) and `GET /v1/media/{id}/thumb`, served with an ETag and long-lived private caching
//! to the uploader, and once attached to everyone who may see the report — without a token
//! when the report is of a public category (Open311's `media_url` points here).

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use cunxiang_core::ReportId;
use cunxiang_core::{Permission, Target};
use cunxiang_storage::media::Media;
use serde::Serialize;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorCode};
use crate::photos::{Stored, spool_upload, store};
use crate::state::AppState;

/// A photo as its uploader sees it.
#[derive(Debug, Serialize)]
pub struct MediaView {
    id: Uuid,
    format: String,
    /// Uploaded size in bytes.
    size: i64,
    /// Upright size of the original.
    width: i32,
    height: i32,
    display: Rendition,
    thumb: Rendition,
    /// EXIF capture time (uploader only).
    captured_at: Option<DateTime<Utc>>,
    /// EXIF GPS position, WGS-84 (uploader only).
    location: Option<Gps>,
    report_id: Option<ReportId>,
    created_at: DateTime<Utc>,
}

/// One rendition's address and size.
#[derive(Debug, Serialize)]
pub struct Rendition {
    url: String,
    width: i32,
    height: i32,
}

/// A GPS point.
#[derive(Debug, Serialize)]
pub struct Gps {
    lat: f64,
    lon: f64,
}

fn view(m: &Media) -> MediaView {
    MediaView {
        id: m.id,
        format: m.format.clone(),
        size: m.bytes,
        width: m.width,
        height: m.height,
        display: Rendition {
            url: format!("/v1/media/{}", m.id),
            width: m.display.width,
            height: m.display.height,
        },
        thumb: Rendition {
            url: format!("/v1/media/{}/thumb", m.id),
            width: m.thumb.width,
            height: m.thumb.height,
        },
        captured_at: m.captured_at,
        location: m.gps.map(|(lat, lon)| Gps { lat, lon }),
        report_id: m.report_id,
        created_at: m.created_at,
    }
}

/// Receives one photo.
pub async fn upload(
    state: web::Data<AppState>,
    me: AuthUser,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    let tmp = state
        .settings
        .data_dir
        .join(cunxiang_storage::leftovers::UPLOADS_DIR);
    let spooled = spool_upload(payload, &tmp, state.settings.max_upload_bytes).await?;
    if cunxiang_photo::sniff(&spooled.head).is_none() {
        return Err(crate::photos::photo_error(
            &cunxiang_photo::PhotoError::Unsupported("not a JPEG, PNG or WebP image".into()),
        ));
    }
    Ok(match store(&state, me.user.id, spooled).await? {
        Stored::Created(m) => HttpResponse::Created().json(view(&m)),
        Stored::Existing(m) => HttpResponse::Ok().json(view(&m)),
    })
}

/// The display image.
pub async fn display(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    serve(state, req, path.into_inner(), false).await
}

/// The thumbnail.
pub async fn thumb(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    serve(state, req, path.into_inner(), true).await
}

async fn serve(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: Uuid,
    thumb: bool,
) -> Result<HttpResponse, ApiError> {
    // A caller who sends credentials is judged by them (a bad token is still 401); one who
    // sends none may open the photos of public reports, and nothing else.
    let me = if req.headers().contains_key(header::AUTHORIZATION) {
        Some(AuthUser::extract(&req).await?)
    } else {
        None
    };
    let key = state
        .db(move |conn| {
            let Some(me) = me else {
                let (display, small) = public_photo(conn, id)?;
                return Ok(if thumb { small } else { display });
            };
            let not_found =
                || ApiError::not_found(ErrorCode::MediaNotFound, format!("no photo {id}"));
            let media = cunxiang_storage::media::find(conn, id)?.ok_or_else(not_found)?;
            let allowed = if media.uploader_id == me.user.id
                || cunxiang_core::can(&me.actor, Permission::ReadAnyPhoto, &Target::Deployment)
            {
                true
            } else if let Some(report_id) = media.report_id {
                match crate::reports::access::visible(conn, &me, report_id) {
                    Ok(_) => true,
                    Err(e) if e.status == actix_web::http::StatusCode::NOT_FOUND => false,
                    Err(e) => return Err(e),
                }
            } else {
                false
            };
            if !allowed {
                return Err(not_found());
            }
            Ok(if thumb {
                media.thumb.key
            } else {
                media.display.key
            })
        })
        .await?;
    let etag = format!("\"{key}\"");
    let cache = "private, max-age=31536000, immutable";
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if unchanged {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, cache))
            .finish());
    }
    if let Some(signed) = state
        .blobs
        .presigned_url(&key)
        .await
        .map_err(ApiError::internal)?
    {
        // The bucket serves the bytes; the redirect is cached a little less long than the URL
        // stays valid, so a cached redirect never leads to an expired URL.
        let ttl = signed.valid_secs.saturating_sub(signed.valid_secs / 5 + 1);
        return Ok(HttpResponse::Found()
            .insert_header((header::LOCATION, signed.url))
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, format!("private, max-age={ttl}")))
            .finish());
    }
    let blob = state
        .blobs
        .open(&key)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("a photo's blob is missing")))?;
    Ok(HttpResponse::Ok()
        .content_type("image/jpeg")
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache))
        .body(actix_web::body::SizedStream::new(blob.size, blob.body)))
}

/// The renditions of a photo on a report of a public category (the reports the anonymous
/// Open311 façade shows, whose `media_url` points here), for a caller without a token; any
/// other photo asks for one (401, whether or not it exists). Renditions are re-encoded with
/// no metadata, so no EXIF GPS leaves this way; the original is never served.
fn public_photo(
    conn: &mut cunxiang_storage::DbConn,
    id: Uuid,
) -> Result<(String, String), ApiError> {
    let ask = || {
        ApiError::unauthorized(
            ErrorCode::Unauthenticated,
            "this photo needs an Authorization: Bearer token",
        )
    };
    let media = cunxiang_storage::media::find(conn, id)?.ok_or_else(ask)?;
    let report = match media.report_id {
        Some(report_id) => cunxiang_storage::reports::find(conn, report_id)?,
        None => None,
    }
    .ok_or_else(ask)?;
    if !cunxiang_storage::reports::category_is_public(conn, &report.category)? {
        return Err(ask());
    }
    Ok((media.display.key, media.thumb.key))
}
