//! The checks of a `POST /v1/reports` body that need no database: lengths, photos, location
//! (converted to WGS-84), channel for the caller's role, 代办, and the `Idempotency-Key` header.

use actix_web::HttpRequest;
use actix_web::http::StatusCode;
use cunxiang_core::coords::{self, CoordSystem};
use cunxiang_core::identity::normalise_phone;
use cunxiang_core::report::{self, Channel, LocationSource};
use cunxiang_core::{Permission, Role, Target, can};
use cunxiang_storage::reports::StoredLocation;
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorCode};
use crate::intake::Submission;

/// Longest `Idempotency-Key`.
const MAX_KEY: usize = 128;
/// Body of `POST /v1/reports`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateReport {
    category: String,
    #[serde(default)]
    description: String,
    location: Option<LocationIn>,
    address: Option<String>,
    #[serde(default)]
    media_ids: Vec<Uuid>,
    #[serde(default)]
    anonymous: bool,
    channel: Option<String>,
    /// 代办: staff reporting for a villager by her phone number.
    on_behalf_of: Option<OnBehalf>,
}

/// A location as the phone sends it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocationIn {
    lat: f64,
    lon: f64,
    coord_system: Option<String>,
    accuracy_m: Option<f64>,
}

/// The villager a staff member reports for.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnBehalf {
    phone: String,
    display_name: Option<String>,
}

/// The `Idempotency-Key` header: required for villagers, 1–128 visible ASCII characters.
pub fn idempotency_key(req: &HttpRequest, role: Role) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get("Idempotency-Key") else {
        return if role == Role::Villager {
            Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::MissingIdempotencyKey,
                "send an Idempotency-Key header (e.g. a UUID made when 上报 is tapped) so retries \
                 cannot create the report twice",
            ))
        } else {
            Ok(None)
        };
    };
    let key = value.to_str().unwrap_or_default();
    if key.is_empty() || key.len() > MAX_KEY || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::invalid_parameter(
            "Idempotency-Key",
            format!("Idempotency-Key must be 1-{MAX_KEY} visible ASCII characters"),
        ));
    }
    Ok(Some(key.to_owned()))
}

pub fn check(me: &AuthUser, body: CreateReport) -> Result<Submission, ApiError> {
    let description = body.description.trim().to_owned();
    if description.chars().count() > report::MAX_DESCRIPTION {
        return Err(ApiError::invalid_field(
            "description",
            format!(
                "description is longer than {} characters",
                report::MAX_DESCRIPTION
            ),
        ));
    }
    if description.is_empty() && body.media_ids.is_empty() {
        return Err(ApiError::invalid_field(
            "description",
            "describe the problem or add a photo",
        ));
    }
    if body.media_ids.len() > report::MAX_PHOTOS {
        return Err(ApiError::invalid_field(
            "media_ids",
            format!("at most {} photos per report", report::MAX_PHOTOS),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    if !body.media_ids.iter().all(|id| seen.insert(*id)) {
        return Err(ApiError::invalid_field(
            "media_ids",
            "the same photo is listed twice",
        ));
    }
    let address = body
        .address
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty());
    if address
        .as_ref()
        .is_some_and(|a| a.chars().count() > report::MAX_ADDRESS)
    {
        return Err(ApiError::invalid_field(
            "address",
            format!("address is longer than {} characters", report::MAX_ADDRESS),
        ));
    }
    let location = body.location.map(checked_location).transpose()?;
    let villager = me.user.role == Role::Villager;
    let channel = match body.channel.as_deref() {
        None if villager => Channel::MiniProgram,
        None if me.user.role == Role::GridWorker && body.on_behalf_of.is_none() => Channel::Patrol,
        None => Channel::Hotline,
        Some(c) => Channel::parse(c).ok_or_else(|| {
            ApiError::invalid_field(
                "channel",
                "channel must be mini_program, app, h5, patrol or hotline",
            )
        })?,
    };
    if channel == Channel::Open311 {
        return Err(ApiError::invalid_field(
            "channel",
            "Open311 reports come through /open311/v2/requests",
        ));
    }
    if villager != channel.is_villager_channel() {
        return Err(ApiError::invalid_field(
            "channel",
            if villager {
                "villagers report through mini_program, app or h5"
            } else {
                "staff report through patrol or hotline"
            },
        ));
    }
    let on_behalf = match body.on_behalf_of {
        None => None,
        Some(_) if !can(&me.actor, Permission::FileOnBehalf, &Target::Deployment) => {
            return Err(ApiError::forbidden(
                "only staff report on someone's behalf (代办)",
            ));
        }
        Some(o) => {
            let phone = normalise_phone(&o.phone).ok_or_else(|| {
                ApiError::invalid_field(
                    "on_behalf_of.phone",
                    "phone must be an 11-digit mainland mobile number",
                )
            })?;
            let name = o
                .display_name
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty());
            Some((phone, name))
        }
    };
    Ok(Submission {
        category: body.category,
        description,
        location,
        address,
        media_ids: body.media_ids,
        anonymous: body.anonymous,
        channel,
        on_behalf,
    })
}

fn checked_location(l: LocationIn) -> Result<StoredLocation, ApiError> {
    let system = match l.coord_system.as_deref() {
        None => CoordSystem::default(),
        Some(s) => CoordSystem::parse(s).ok_or_else(|| {
            ApiError::invalid_field(
                "location.coord_system",
                "coord_system must be wgs84, gcj02 or bd09",
            )
        })?,
    };
    let given = coords::checked(l.lat, l.lon).map_err(|e| {
        let field = if matches!(e, coords::CoordError::LonOutOfRange(_)) {
            "location.lon"
        } else {
            "location.lat"
        };
        ApiError::invalid_field(field, e.to_string())
    })?;
    if l.accuracy_m.is_some_and(|a| !a.is_finite() || a < 0.0) {
        return Err(ApiError::invalid_field(
            "location.accuracy_m",
            "accuracy_m must be a non-negative number of metres",
        ));
    }
    let wgs = coords::to_wgs84(given, system);
    Ok(StoredLocation {
        lat: wgs.lat,
        lon: wgs.lon,
        accuracy_m: l.accuracy_m,
        source: LocationSource::Device,
    })
}
