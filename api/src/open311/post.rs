//! `POST /open311/v2/requests.{format}`: an API client (`api_key` = `client_id:client_secret`,
//! active, holding `reports:write`) files a request, form-encoded or multipart with a `media`
//! photo. It becomes a report through the same intake as `POST /v1/reports` (channel
//! `open311`): routed at once, events published. The reporter is the villager of `phone` when
//! one is given (代办), else the client's own Open311 account.

use std::io::Write;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, web};
use cunxiang_core::coords;
use cunxiang_core::identity::normalise_phone;
use cunxiang_core::report::{self, Channel, LocationSource};
use cunxiang_core::{Actor, ApiClient, Role, User, UserStatus};
use cunxiang_storage::DbConn;
use cunxiang_storage::reports::StoredLocation;
use cunxiang_storage::users::NewUser;
use futures_util::StreamExt;
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{Format, Open311Error, respond};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::photos::Spooled;
use crate::photos::{Stored, store};
use crate::reports::create::{Outcome, Request, intake};
use crate::reports::submission::Submission;
use crate::state::AppState;

/// The scope a client needs to file requests.
const WRITE_SCOPE: &str = "reports:write";

/// The form fields and the optional photo of a POST.
struct Posted {
    fields: Vec<(String, String)>,
    media: Option<Spooled>,
}

impl Posted {
    fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }
}

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
    let posted = read_body(&state, &req, payload).await?;
    let client = authenticate(&state, posted.get("api_key")).await?;
    let code = posted
        .get("service_code")
        .ok_or_else(|| Open311Error::bad("service_code is required"))?
        .to_owned();
    let category = super::services::active_category(&state, &code)
        .await
        .map_err(|_| Open311Error::bad(format!("service_code {code} not found")))?;
    let submission = check(&posted, category.code)?;
    let user = state.db(move |conn| service_account(conn, &client)).await?;
    let me = AuthUser {
        actor: Actor {
            id: user.id,
            role: user.role,
            authority: Vec::new(),
        },
        user,
        unit_ids: Vec::new(),
    };
    let mut submission = submission;
    if let Some(photo) = posted.media {
        if cunxiang_photo::sniff(&photo.head).is_none() {
            return Err(Open311Error::bad("media is not a JPEG, PNG or WebP image"));
        }
        let media = match store(&state, me.user.id, photo).await? {
            Stored::Created(m) | Stored::Existing(m) => m,
        };
        if media.report_id.is_some() {
            return Err(Open311Error::bad("this photo is already on a request"));
        }
        submission.media_ids.push(media.id);
    }
    let grids = state.grid_index.clone();
    let now = state.clock.now();
    let settings = state.settings.clone();
    let outcome = state
        .db(move |conn| {
            let request = Request {
                me: &me,
                key: None,
                hash: "",
                now,
                settings: &settings,
            };
            intake(conn, &grids, request, submission)
        })
        .await?;
    let view = match outcome {
        Outcome::Created(v) | Outcome::Replayed(v) => v,
    };
    let id = view.id().to_string();
    Ok(json!([{
        "service_request_id": id,
        "token": id,
        "service_notice": "received and routed to the responsible unit",
        "account_id": null,
    }]))
}

/// Form fields one request may carry.
const MAX_PARTS: usize = 64;

/// Reads the form: text fields up to `json_limit` bytes each, at most [`MAX_PARTS`] of them,
/// and one photo up to `max_upload_bytes`, read only after a valid `api_key` (sent before it).
async fn read_body(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Posted, Open311Error> {
    let is_multipart = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !is_multipart {
        let bytes = payload
            .to_bytes_limited(state.settings.json_limit)
            .await
            .map_err(|_| Open311Error::new(StatusCode::PAYLOAD_TOO_LARGE, "body too large"))?
            .map_err(|e| Open311Error::bad(e.to_string()))?;
        // Parameters come from the body only: an api_key in the URL would end up in logs.
        let fields: Vec<(String, String)> =
            url::form_urlencoded::parse(&bytes).into_owned().collect();
        return Ok(Posted {
            fields,
            media: None,
        });
    }
    let mut multipart = Multipart::new(req.headers(), payload.into_inner());
    let mut posted = Posted {
        fields: Vec::new(),
        media: None,
    };
    let malformed = |e: actix_multipart::MultipartError| Open311Error::bad(e.to_string());
    let mut parts = 0;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(malformed)?;
        let name = field.name().unwrap_or_default().to_owned();
        parts += 1;
        if parts > MAX_PARTS {
            return Err(Open311Error::bad(format!(
                "more than {MAX_PARTS} form fields"
            )));
        }
        // A photo is read only for a caller already known: its api_key comes first.
        let max = if name == "media" {
            authenticate(state, posted.get("api_key"))
                .await
                .map_err(|e| {
                    if posted.get("api_key").is_none() {
                        Open311Error::bad("api_key is required, before media")
                    } else {
                        e
                    }
                })?;
            state.settings.max_upload_bytes
        } else {
            state.settings.json_limit as u64
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            bytes.extend_from_slice(&chunk.map_err(malformed)?);
            if bytes.len() as u64 > max {
                return Err(Open311Error::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("{name} is larger than {max} bytes"),
                ));
            }
        }
        if name == "media" {
            if posted.media.is_some() {
                return Err(Open311Error::bad("send one media file per request"));
            }
            posted.media = Some(spool(state, bytes).await?);
        } else {
            let text = String::from_utf8(bytes)
                .map_err(|_| Open311Error::bad(format!("{name} is not UTF-8 text")))?;
            posted.fields.push((name, text));
        }
    }
    Ok(posted)
}

/// Writes an in-memory photo to a temporary file as the photo pipeline expects it.
async fn spool(state: &AppState, bytes: Vec<u8>) -> Result<Spooled, Open311Error> {
    if bytes.is_empty() {
        return Err(Open311Error::bad("media is empty"));
    }
    let dir = state.settings.data_dir.join("tmp");
    let spooled = web::block(move || {
        std::fs::create_dir_all(&dir)?;
        let mut file = tempfile::NamedTempFile::new_in(&dir)?;
        file.write_all(&bytes)?;
        Ok::<_, std::io::Error>(Spooled {
            file,
            sha256: hex::encode(Sha256::digest(&bytes)),
            size: bytes.len() as u64,
            head: bytes.iter().take(64).copied().collect(),
        })
    })
    .await
    .map_err(|e| Open311Error::from(ApiError::internal(e)))?
    .map_err(|e| Open311Error::from(ApiError::internal(e)))?;
    Ok(spooled)
}

/// The active client named by `api_key` (`client_id:client_secret`) with the write scope.
async fn authenticate(state: &AppState, key: Option<&str>) -> Result<ApiClient, Open311Error> {
    let key = key.ok_or_else(|| Open311Error::bad("api_key is required"))?;
    let forbidden = || Open311Error::new(StatusCode::FORBIDDEN, "api_key is not valid");
    let (id, secret) = key.split_once(':').ok_or_else(forbidden)?;
    let given = crate::auth::keys::digest(secret);
    let lookup = id.to_owned();
    let found = state
        .db(move |conn| Ok(cunxiang_storage::clients::find(conn, &lookup)?))
        .await?;
    let (client, stored) = found.ok_or_else(forbidden)?;
    if !bool::from(stored.as_bytes().ct_eq(given.as_bytes())) {
        return Err(forbidden());
    }
    if client.status != UserStatus::Active {
        return Err(Open311Error::new(
            StatusCode::FORBIDDEN,
            "this api_key is disabled",
        ));
    }
    if !client.scopes.iter().any(|s| s == WRITE_SCOPE) {
        return Err(Open311Error::new(
            StatusCode::FORBIDDEN,
            format!("this api_key lacks the {WRITE_SCOPE} scope"),
        ));
    }
    if state
        .client_limits
        .check(&client.id, client.rate_limit_per_minute)
        .is_err()
    {
        return Err(Open311Error::new(
            StatusCode::TOO_MANY_REQUESTS,
            "this api_key exceeded its request rate",
        ));
    }
    Ok(client)
}

/// The checks that need no database; `attribute[...]` and `media_url` join the description.
fn check(p: &Posted, category: String) -> Result<Submission, Open311Error> {
    let mut description = p.get("description").unwrap_or_default().to_owned();
    for (name, value) in &p.fields {
        if let Some(code) = name
            .strip_prefix("attribute[")
            .and_then(|n| n.strip_suffix(']'))
        {
            description.push_str(&format!("\n[{code}] {}", value.trim()));
        }
    }
    if let Some(url) = p.get("media_url") {
        description.push_str(&format!("\n[media_url] {url}"));
    }
    let description = description.trim().to_owned();
    if description.chars().count() > report::MAX_DESCRIPTION {
        return Err(Open311Error::bad(format!(
            "description is longer than {} characters",
            report::MAX_DESCRIPTION
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
    Ok(Submission {
        category,
        description,
        location,
        address,
        media_ids: Vec::new(),
        anonymous: false,
        channel: Channel::Open311,
        on_behalf,
    })
}

/// The client's own account, made on its first request: a villager named after the client
/// with the username `open311:<client_id>` and no password (it cannot log in).
fn service_account(conn: &mut DbConn, client: &ApiClient) -> Result<User, ApiError> {
    let username = format!("open311:{}", client.id);
    if let Some(found) = cunxiang_storage::users::login_state(conn, &username)? {
        return Ok(found.user);
    }
    let new = NewUser {
        display_name: format!("Open311 · {}", client.name),
        role: Role::Villager,
        phone: None,
        username: Some(username.clone()),
        password_hash: None,
        wechat_openid: None,
        wechat_unionid: None,
    };
    match cunxiang_storage::users::insert(conn, &new) {
        Ok(user) => Ok(user),
        // A concurrent first request made it.
        Err(e) => cunxiang_storage::users::login_state(conn, &username)?
            .map(|s| s.user)
            .ok_or_else(|| e.into()),
    }
}
