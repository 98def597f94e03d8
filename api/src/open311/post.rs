//! `POST /open311/v2/requests.{format}`: an API client (`api_key` = `client_id:client_secret`,
//! active, holding `reports:write`) files a request, form-encoded or multipart with a `media`
//! photo. It becomes a report through the same intake as `POST /v1/reports` (channel
//! `open311`): routed at once, events published. The reporter is the villager of `phone` when
//! one is given (代办, for clients holding `reports:on_behalf`), else the client's own Open311
//! account. The report must be routed within the client's tenant region. A refused POST
//! leaves nothing behind: no account, no photo row, no blob. Each POST takes one request from
//! the client's rate limit; `description` may hold GeoReport's 4,000 characters; a `media_url`
//! is kept to be echoed back, never fetched; `service_notice` says where the request went.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use cunxiang_core::identity::normalise_phone;
use cunxiang_core::report::{self, Channel, LocationSource};
use cunxiang_core::{ClientScope, UserId, coords};
use cunxiang_storage::reports::StoredLocation;
use serde_json::json;
use uuid::Uuid;

use super::api_key::authenticate;
use super::filing::{Filing, file};
use super::form::{Posted, read_body};
use super::{Format, Open311Error, respond};
use crate::auth::client_ip;
use crate::intake::Submission;
use crate::photos::{CreatedBlobs, prepare};
use crate::state::AppState;

/// The longest `description` (GeoReport v2's limit; the native API keeps its own, shorter
/// one, [`report::MAX_DESCRIPTION`], the mini-program's text box).
pub const MAX_DESCRIPTION: usize = 4000;
/// What `attribute[...]` lines and the `media_url` line may add to the stored description.
const MAX_EXTRAS: usize = 4000;
/// The longest `media_url`.
const MAX_MEDIA_URL: usize = 2000;
/// The scope a client needs to file for a villager by her `phone` (代办).
pub const ON_BEHALF_SCOPE: ClientScope = ClientScope::ReportsOnBehalf;

/// Creates a service request.
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, Open311Error> {
    let format = match path.as_str() {
        "json" => Format::Json,
        "xml" => Format::Xml,
        other => {
            return Err(Open311Error::bad(format!(
                "format {other} is not supported: use json or xml"
            )));
        }
    };
    handle(state, req, payload)
        .await
        .map(|body| respond(StatusCode::CREATED, format, "service_requests", &body))
        .map_err(|e| e.in_format(format))
}

async fn handle(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<serde_json::Value, Open311Error> {
    let mut posted = read_body(&state, &req, payload).await?;
    // A multipart POST was authenticated (and counted) before its photo was read.
    let client = match posted.client.take() {
        Some(client) => client,
        None => authenticate(&state, posted.get("api_key")).await?,
    };
    let code = posted
        .get("service_code")
        .ok_or_else(|| Open311Error::bad("service_code is required"))?
        .to_owned();
    let category = super::services::active_category(&state, &code)
        .await
        .map_err(|_| Open311Error::bad(format!("service_code {code} not found")))?;
    let (submission, media_url) = check(&posted, category.code)?;
    if submission.on_behalf.is_some() && !client.scopes.contains(&ON_BEHALF_SCOPE) {
        return Err(Open311Error::new(
            StatusCode::FORBIDDEN,
            format!("this api_key lacks the {ON_BEHALF_SCOPE} scope needed to send phone (代办)"),
        ));
    }
    // The photo's blobs are stored now; its row is written with the report, or not at all.
    let (photo, created_blobs) = match posted.media {
        None => (None, CreatedBlobs::new(&state)),
        Some(photo) => {
            if cunxiang_photo::sniff(&photo.head).is_none() {
                return Err(Open311Error::bad("media is not a JPEG, PNG or WebP image"));
            }
            let (media, keys) = prepare(&state, UserId(Uuid::nil()), photo).await?;
            (Some(media), keys)
        }
    };
    let grids = state.routing.clone();
    let now = state.clock.now();
    let settings = state.settings.clone();
    let ip = client_ip(&req, state.settings.trust_proxy);
    let filed = state
        .db(move |conn| {
            let filing = Filing {
                client: &client,
                submission,
                photo,
                now,
                settings: &settings,
                ip: &ip,
                media_url,
            };
            file(conn, &grids, filing)
        })
        .await;
    let filed = match filed {
        Ok(filed) => {
            created_blobs.keep();
            filed
        }
        Err(e) => {
            created_blobs.discard().await;
            return Err(e.into());
        }
    };
    let id = filed.id.to_string();
    Ok(json!([{
        "service_request_id": id,
        "token": id,
        "service_notice": filed.notice(),
        "account_id": null,
    }]))
}

/// The checks that need no database: the submission (`attribute[...]` and `media_url` join
/// the description, for staff) and the `media_url` to keep.
fn check(p: &Posted, category: String) -> Result<(Submission, Option<String>), Open311Error> {
    let mut description = p.get("description").unwrap_or_default().to_owned();
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(Open311Error::bad(format!(
            "description is longer than {MAX_DESCRIPTION} characters"
        )));
    }
    for (name, value) in &p.fields {
        if let Some(code) = name
            .strip_prefix("attribute[")
            .and_then(|n| n.strip_suffix(']'))
        {
            description.push_str(&format!("\n[{code}] {}", value.trim()));
        }
    }
    let media_url = p.get("media_url").map(checked_url).transpose()?;
    if let Some(url) = &media_url {
        description.push_str(&format!("\n[media_url] {url}"));
    }
    let description = description.trim().to_owned();
    if description.chars().count() > MAX_DESCRIPTION + MAX_EXTRAS {
        return Err(Open311Error::bad(format!(
            "the attributes and media_url add more than {MAX_EXTRAS} characters"
        )));
    }
    let address = p.get("address_string").map(str::to_owned);
    if address
        .as_ref()
        .is_some_and(|a| a.chars().count() > report::MAX_ADDRESS)
    {
        return Err(Open311Error::bad("address_string is too long"));
    }
    let location = match (p.get("lat"), p.get("long")) {
        (Some(lat), Some(lon)) => {
            let number = |v: &str, name: &str| {
                v.parse::<f64>()
                    .map_err(|_| Open311Error::bad(format!("{name} is not a number")))
            };
            let point = coords::checked(number(lat, "lat")?, number(lon, "long")?)
                .map_err(|e| Open311Error::bad(e.to_string()))?;
            Some(StoredLocation {
                lat: point.lat,
                lon: point.lon,
                accuracy_m: None,
                source: LocationSource::Device,
            })
        }
        (None, None) => None,
        _ => return Err(Open311Error::bad("send both lat and long")),
    };
    if location.is_none() && address.is_none() {
        return Err(Open311Error::bad(
            "a location is required: lat and long, or address_string",
        ));
    }
    let on_behalf = match p.get("phone") {
        None => None,
        Some(phone) => {
            let phone = normalise_phone(phone).ok_or_else(|| {
                Open311Error::bad("phone must be an 11-digit mainland mobile number")
            })?;
            let name = [p.get("last_name"), p.get("first_name")]
                .into_iter()
                .flatten()
                .collect::<String>();
            Some((phone, Some(name).filter(|n| !n.is_empty())))
        }
    };
    let submission = Submission {
        category,
        description,
        location,
        address,
        media_ids: Vec::new(),
        anonymous: false,
        channel: Channel::Open311,
        on_behalf,
    };
    Ok((submission, media_url))
}

/// A client's `media_url`: an absolute http or https URL of at most [`MAX_MEDIA_URL`]
/// characters (it is shown to others as a link, so nothing else is echoed).
fn checked_url(url: &str) -> Result<String, Open311Error> {
    let bad = || {
        Open311Error::bad(format!(
            "media_url must be an absolute http or https URL of at most {MAX_MEDIA_URL} characters"
        ))
    };
    if url.chars().count() > MAX_MEDIA_URL {
        return Err(bad());
    }
    let parsed = url::Url::parse(url).map_err(|_| bad())?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(bad());
    }
    Ok(url.to_owned())
}
