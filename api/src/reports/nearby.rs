//! `GET /v1/reports/nearby`: before a villager submits, the open reports of the same category
//! close to her (default 150 m, last 30 days), nearest first — with a photo-similarity score
//! when she names a photo she took — so she can follow one ("我也遇到了") instead of
//! reporting it again.

use actix_web::web;
use chrono::Duration;
use cunxiang_core::coords::{self, LonLat};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::params::wgs84_point;
use crate::state::AppState;
use crate::views::report::{ReportParts, ReportView};
use cunxiang_core::visibility::{Sight, sight_of};

/// Metres per degree of latitude (and of longitude at the equator).
const METRES_PER_DEGREE: f64 = 111_320.0;
/// Largest radius a caller may ask for.
const MAX_RADIUS_M: f64 = 2_000.0;

/// Query of `GET /v1/reports/nearby`.
#[derive(Debug, Deserialize)]
pub struct NearbyQuery {
    lat: f64,
    lon: f64,
    coord_system: Option<String>,
    category: String,
    /// A photo of the caller's, to score the candidates' photos against.
    media_id: Option<Uuid>,
    /// Search radius in metres (default from settings, at most 2 km).
    radius_m: Option<f64>,
}

/// One candidate.
#[derive(Debug, Serialize)]
pub struct NearbyReport {
    report: ReportView,
    distance_m: f64,
    /// 0–1: how alike the most similar pair of photos is (1 = the same picture); `null`
    /// without a `media_id` or when the report has no photo.
    photo_similarity: Option<f64>,
}

/// Response body.
#[derive(Debug, Serialize)]
pub struct NearbyList {
    items: Vec<NearbyReport>,
    radius_m: f64,
}

/// Lists open reports of a category near a point.
pub async fn nearby(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<NearbyQuery>,
) -> Result<web::Json<NearbyList>, ApiError> {
    let q = query.into_inner();
    let here = wgs84_point(q.lat, q.lon, q.coord_system.as_deref())?;
    let radius = q.radius_m.unwrap_or(state.settings.nearby_radius_m);
    if !(radius.is_finite() && radius > 0.0 && radius <= MAX_RADIUS_M) {
        return Err(ApiError::invalid_parameter(
            "radius_m",
            format!("radius_m must be between 0 and {MAX_RADIUS_M}"),
        ));
    }
    let now = state.clock.now();
    let since = now - Duration::days(state.settings.nearby_days);
    let items = state
        .db(move |conn| {
            if cunxiang_storage::categories::find(conn, &q.category)?.is_none() {
                return Err(ApiError::invalid_parameter(
                    "category",
                    format!("no category {}", q.category),
                ));
            }
            let public = cunxiang_storage::reports::category_is_public(conn, &q.category)?;
            let probe = match q.media_id {
                None => None,
                Some(id) => {
                    let m = cunxiang_storage::media::find(conn, id)?
                        .filter(|m| m.uploader_id == me.user.id)
                        .ok_or_else(|| {
                            ApiError::invalid_parameter(
                                "media_id",
                                format!("no photo {id} of yours"),
                            )
                        })?;
                    Some(m.phash)
                }
            };
            let dlat = radius / METRES_PER_DEGREE;
            let dlon = radius / (METRES_PER_DEGREE * here.lat.to_radians().cos().max(0.01));
            let bbox = [
                here.lon - dlon,
                here.lat - dlat,
                here.lon + dlon,
                here.lat + dlat,
            ];
            let mut found: Vec<(f64, cunxiang_storage::reports::Report)> =
                cunxiang_storage::reports::open_in_box(conn, &q.category, bbox, since)?
                    .into_iter()
                    .filter_map(|r| {
                        let l = r.location?;
                        let d = coords::distance_m(
                            here,
                            LonLat {
                                lon: l.lon,
                                lat: l.lat,
                            },
                        );
                        (d <= radius).then_some((d, r))
                    })
                    .filter(|(_, r)| sight_of(&me.actor, r, public).is_some())
                    .collect();
            found.sort_by(|a, b| a.0.total_cmp(&b.0));
            let (distances, reports): (Vec<f64>, Vec<_>) = found.into_iter().unzip();
            let items = ReportParts::load_many(conn, reports)?
                .into_iter()
                .zip(distances)
                .map(|(parts, distance_m)| {
                    let photo_similarity = probe.and_then(|p| {
                        parts
                            .photos
                            .iter()
                            .map(|m| cunxiang_photo::phash_distance(p, m.phash))
                            .min()
                            .map(|bits| 1.0 - f64::from(bits) / 64.0)
                    });
                    let sight = sight_of(&me.actor, &parts.report, public).unwrap_or(Sight::Public);
                    NearbyReport {
                        report: parts.view(sight, now),
                        distance_m: (distance_m * 10.0).round() / 10.0,
                        photo_similarity,
                    }
                })
                .collect::<Vec<_>>();
            Ok(items)
        })
        .await?;
    Ok(web::Json(NearbyList {
        items,
        radius_m: radius,
    }))
}
