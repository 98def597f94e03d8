//! The write of an Open311 POST, in one transaction: the client's own account (made on its
//! first request), the photo's row, the report through the shared intake (held to the
//! client's tenant region), the client's `media_url` and, for 代办, an audit entry naming the
//! client and the villager.
//! A refusal anywhere rolls all of it back; the caller then removes the photo's new blobs.

use actix_web::http::StatusCode;
use chrono::{DateTime, Utc};
use cunxiang_core::{Actor, ApiClient, Role, User, UserId};
use cunxiang_storage::DbConn;
use cunxiang_storage::media::Media;
use cunxiang_storage::users::NewUser;
use serde_json::json;
use uuid::Uuid;

use crate::error::{ApiError, ErrorCode};
use crate::intake::{Filing as Intake, Outcome, Submission, file_report};
use crate::route_index::RoutingCache;
use crate::settings::Settings;

/// One checked POST, ready to be written.
pub(super) struct Filing<'a> {
    /// The client that sent it.
    pub client: &'a ApiClient,
    /// The report asked for (its photo not yet among `media_ids`).
    pub submission: Submission,
    /// The photo's row, rendered and its blobs stored, not yet inserted.
    pub photo: Option<Media>,
    /// The server's time.
    pub now: DateTime<Utc>,
    /// The server's settings.
    pub settings: &'a Settings,
    /// The caller's address, for the audit log.
    pub ip: &'a str,
    /// The client's `media_url`, kept to be echoed back.
    pub media_url: Option<String>,
}

/// What a filing became: the answer's `service_request_id` and `service_notice`.
pub(super) struct Filed {
    /// The new report's id.
    pub id: cunxiang_core::ReportId,
    /// Its case number.
    pub case_number: String,
    /// The unit it was routed to; `None` while it waits in a dispatch queue.
    pub unit: Option<String>,
}

impl Filed {
    /// The `service_notice`: what happened to the request, with its case number.
    pub fn notice(&self) -> String {
        match &self.unit {
            Some(unit) => format!("case number {}: routed to {unit}", self.case_number),
            None => format!(
                "case number {}: waiting in the dispatch queue for a dispatcher to assign it",
                self.case_number
            ),
        }
    }
}

/// Writes a filing and answers what it became; on any refusal nothing is written.
pub(super) fn file(
    conn: &mut DbConn,
    grids: &RoutingCache,
    f: Filing<'_>,
) -> Result<Filed, ApiError> {
    cunxiang_storage::conn::transaction(conn, |conn| {
        let account = service_account(conn, f.client)?;
        let actor = Actor {
            id: account.id,
            role: account.role,
            authority: Vec::new(),
            units: Vec::new(),
        };
        let mut submission = f.submission;
        if let Some(photo) = f.photo {
            submission
                .media_ids
                .push(photo_row(conn, photo, account.id)?);
        }
        let tenant =
            cunxiang_storage::regions::path_of(conn, f.client.region_id)?.ok_or_else(|| {
                ApiError::internal(anyhow::anyhow!("the client's region does not exist"))
            })?;
        let on_behalf = submission
            .on_behalf
            .as_ref()
            .map(|(phone, _)| phone.clone());
        let intake = Intake {
            actor: &actor,
            account: &account,
            key: None,
            hash: "",
            now: f.now,
            auto_confirm_days: f.settings.auto_confirm_days,
            fan_out: f.settings.fan_out(),
            within: Some(&tenant),
        };
        let view = match file_report(conn, grids, intake, submission)? {
            Outcome::Created(v) | Outcome::Replayed(v) => v,
        };
        let id = view.id();
        if let Some(url) = &f.media_url {
            cunxiang_storage::open311::save_media_url(conn, id, url)?;
        }
        if let Some(phone) = on_behalf {
            let villager =
                cunxiang_storage::users::find_by_phone(conn, &phone)?.ok_or_else(|| {
                    ApiError::internal(anyhow::anyhow!("the villager of a 代办 vanished"))
                })?;
            crate::audit::record(
                conn,
                Some(&format!("client:{}", f.client.id)),
                "report_filed_on_behalf",
                Some(&villager.id.to_string()),
                f.ip,
                json!({ "client_id": f.client.id, "villager_id": villager.id,
                        "report_id": id, "channel": "open311" }),
            )?;
        }
        Ok(Filed {
            id,
            case_number: view.case_number().to_owned(),
            unit: view.unit_name().map(str::to_owned),
        })
    })
}

/// Inserts the photo's row for `uploader` (or takes the row these bytes made before, while
/// it is on no report); its id.
fn photo_row(conn: &mut DbConn, mut photo: Media, uploader: UserId) -> Result<Uuid, ApiError> {
    photo.uploader_id = uploader;
    let row = match cunxiang_storage::media::find_by_sha(conn, uploader, &photo.sha256)? {
        Some(existing) => existing,
        None => {
            cunxiang_storage::media::insert(conn, &photo)?;
            photo
        }
    };
    if row.report_id.is_some() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::MediaTaken,
            "this photo is already on a request",
        ));
    }
    Ok(row.id)
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
    // A concurrent first request may have made it meanwhile: then it is theirs.
    Ok(cunxiang_storage::users::insert_once(conn, &new)?)
}
