//! Filing a report, the one operation villagers do: a checked submission becomes a routed
//! report with a case number, its photos attached and its first timeline events — all in one
//! transaction — or nothing is written. An idempotency key makes retries safe: the same key
//! and body give back the report made the first time ([`Outcome::Replayed`]), another body
//! under the same key is [`FileError::KeyReused`]. Used by `POST /v1/reports`
//! (`reports::create`) and by the Open311 façade; takes the caller as a core [`Actor`] and her
//! account, and the policy values it needs, never the HTTP request or the settings.

use chrono::{DateTime, Duration, Utc};
use cunxiang_core::ReportId;
use cunxiang_core::coords::LonLat;
use cunxiang_core::identity::mask_phone;
use cunxiang_core::report::{self, Channel, LocationSource};
use cunxiang_core::{Actor, Role, User};
use cunxiang_storage::reports::events::ReportEvent;
use cunxiang_storage::reports::{Report, StoredLocation, keys};
use cunxiang_storage::users::NewUser;
use cunxiang_storage::{DbConn, StorageError};
use uuid::Uuid;

use crate::route_index::RoutingCache;
use crate::settings::FanOut;
use crate::views::report::{ReportParts, ReportView};
use cunxiang_core::visibility::{Sight, sight_of};
use placement::{Placement, place};
use record::{Parties, as_received, first_events, new_record};

pub mod placement;
mod record;

/// A submission that passed the checks that need no database (`POST /v1/reports` and the
/// Open311 façade each check their own body into one).
#[derive(Debug)]
pub struct Submission {
    /// The category's code.
    pub category: String,
    /// What the villager wrote.
    pub description: String,
    /// Where, in WGS-84 (none: the first photo's EXIF position, if any).
    pub location: Option<StoredLocation>,
    /// The address as written.
    pub address: Option<String>,
    /// Photos uploaded before, in order.
    pub media_ids: Vec<Uuid>,
    /// Hidden from other villagers.
    pub anonymous: bool,
    /// How it came in.
    pub channel: Channel,
    /// 代办: the villager's phone and name.
    pub on_behalf: Option<(String, Option<String>)>,
}

/// What filing ended as.
#[derive(Debug)]
pub enum Outcome {
    /// A new report.
    Created(ReportView),
    /// The report an earlier request under the same key made.
    Replayed(ReportView),
}

/// Why nothing was filed.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The category does not exist or is switched off.
    #[error("no active category {0}")]
    NoCategory(String),
    /// A photo is not the caller's (or does not exist).
    #[error("no photo {0} of yours")]
    NotYourPhoto(Uuid),
    /// A photo is on a report already.
    #[error("photo {0} is already on a report")]
    PhotoOnReport(Uuid),
    /// A photo was attached to another report between the check and the write.
    #[error("a photo was attached to another report meanwhile; nothing was saved")]
    MediaTaken,
    /// The report would be routed outside the only region the caller may file in.
    #[error("the report would be routed to a place outside the region this client serves")]
    OutsideRegion,
    /// 代办 for a phone number that belongs to a staff account.
    #[error("代办 is for villagers: this phone number belongs to a staff account")]
    NotAVillager,
    /// The idempotency key was used for a different report.
    #[error("this Idempotency-Key was used for a different report")]
    KeyReused,
    /// The database failed, or contradicts itself.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Who files, under which key, when, under which policy, and where she may file.
#[derive(Debug, Clone, Copy)]
pub struct Filing<'a> {
    /// The caller as authorisation knows her.
    pub actor: &'a Actor,
    /// Her account (the reporter, unless she files for someone, 代办).
    pub account: &'a User,
    /// The idempotency key, if she sent one.
    pub key: Option<&'a str>,
    /// The hash of the request body the key stands for.
    pub hash: &'a str,
    /// The server's time.
    pub now: DateTime<Utc>,
    /// Days a resolved report waits for its reporter before it is confirmed for her.
    pub auto_confirm_days: i64,
    /// What the fan-out needs.
    pub fan_out: FanOut<'a>,
    /// The materialised path of the only region subtree the report may be routed into (an
    /// API client's tenant region).
    pub within: Option<&'a str>,
}

/// Files a checked submission: replays the report of a key used before, otherwise routes
/// and stores it in one transaction.
pub fn file_report(
    conn: &mut DbConn,
    grids: &RoutingCache,
    f: Filing<'_>,
    s: Submission,
) -> Result<Outcome, FileError> {
    if let Some(used) = used_key(conn, &f)? {
        return replay(conn, &f, &used);
    }
    let category = cunxiang_storage::categories::find(conn, &s.category)?
        .filter(|c| c.active)
        .ok_or_else(|| FileError::NoCategory(s.category.clone()))?;
    let mut photos = Vec::with_capacity(s.media_ids.len());
    for id in &s.media_ids {
        let media = cunxiang_storage::media::find(conn, *id)?
            .filter(|m| m.uploader_id == f.account.id)
            .ok_or(FileError::NotYourPhoto(*id))?;
        if media.report_id.is_some() {
            // A concurrent retry under the same key may have attached it meanwhile.
            if let Some(used) = used_key(conn, &f)? {
                return replay(conn, &f, &used);
            }
            return Err(FileError::PhotoOnReport(*id));
        }
        photos.push(media);
    }
    let location = s.location.or_else(|| {
        photos
            .first()
            .and_then(|m| m.gps)
            .map(|(lat, lon)| StoredLocation {
                lat,
                lon,
                accuracy_m: None,
                source: LocationSource::PhotoExif,
            })
    });
    let point = location.map(|l| LonLat {
        lon: l.lon,
        lat: l.lat,
    });
    let placement = place(conn, grids, &category, point)?;
    if let Some(tenant) = f.within
        && !placement.region_path.starts_with(tenant)
    {
        return Err(FileError::OutsideRegion);
    }
    let stored = cunxiang_storage::conn::transaction(conn, |conn| {
        store(conn, &f, &s, &placement, &category, location)
    });
    match stored {
        Ok((record, reporter, events)) => {
            crate::metrics::report_filed(record.channel.as_str());
            let sight = sight_of(f.actor, &record, true).unwrap_or(Sight::Public);
            // What was just written, as a read would give it back.
            for (position, photo) in photos.iter_mut().enumerate() {
                photo.report_id = Some(record.id);
                photo.position = i32::try_from(position).ok();
            }
            let parts = ReportParts {
                report: record,
                photos,
                events: Some(events),
                evidence: std::collections::HashMap::new(),
                reporter: Some(reporter),
                unit_name: placement.unit_name.clone(),
                // A patrol's problem is linked after filing, in the same transaction.
                patrol_id: None,
            };
            Ok(Outcome::Created(parts.view(sight, f.now)))
        }
        // A retry with the same key committed first: answer as a retry.
        Err(FileError::KeyReused) => {
            let used = used_key(conn, &f)?.ok_or_else(|| StorageError::Corrupt {
                table: "idempotency_keys",
                reason: "a key taken by a concurrent request vanished".into(),
            })?;
            replay(conn, &f, &used)
        }
        Err(e) => Err(e),
    }
}

/// The key's earlier use, if the caller sent a key and used it before.
fn used_key(conn: &mut DbConn, f: &Filing<'_>) -> Result<Option<keys::UsedKey>, StorageError> {
    match f.key {
        Some(key) => keys::find(conn, f.account.id, key),
        None => Ok(None),
    }
}

/// The transaction of a new report: the reporter (代办: the villager's account), the row, the
/// key, the photos, the first two events, the case number and the fan-out, the KPI roll-up.
fn store(
    conn: &mut DbConn,
    f: &Filing<'_>,
    s: &Submission,
    placement: &Placement,
    category: &cunxiang_core::Category,
    location: Option<StoredLocation>,
) -> Result<(Report, User, Vec<ReportEvent>), FileError> {
    let reporter = match &s.on_behalf {
        None => f.account.clone(),
        Some((phone, name)) => villager_for(conn, phone, name.as_deref())?,
    };
    let id = ReportId::new();
    let parties = Parties {
        reporter: reporter.id,
        submitted_by: f.account.id,
        // Stands in until the number is taken, late: see below.
        case_number: format!("~{id}"),
        region_path: placement.region_path.clone(),
        now: f.now,
        confirm: Duration::days(f.auto_confirm_days),
    };
    let record = new_record(id, s, placement, category, location, parties);
    let mut record = cunxiang_storage::reports::insert(conn, &record)?;
    // The key before anything a concurrent retry could also claim (the photos): a retry that
    // lost the race learns it here and answers with the winner's report.
    if let Some(key) = f.key {
        keys::insert(conn, f.account.id, key, f.hash, record.id).map_err(|e| {
            if keys::is_taken(&e) {
                FileError::KeyReused
            } else {
                e.into()
            }
        })?;
    }
    let attached = cunxiang_storage::media::attach(conn, &s.media_ids, record.id)?;
    if attached != s.media_ids.len() {
        return Err(FileError::MediaTaken);
    }
    let [submitted, routed] = first_events(&record, placement, s, f.account.id);
    for event in [&submitted, &routed] {
        cunxiang_storage::reports::events::insert(conn, event)?;
    }
    let received = as_received(&record);
    let steps = [(&received, &submitted), (&record, &routed)];
    let fanout = crate::push::publish::plan(conn, f.fan_out, &steps, None)?;
    // The county's daily counter stays locked until commit (gapless numbers), so it is taken
    // under the feed's ordering lock, which serialises the rest of every transaction anyway:
    // it costs no wait of its own.
    cunxiang_storage::push::feed::order_commits(conn)?;
    let day = report::china_day(f.now);
    let sequence = cunxiang_storage::reports::next_case_sequence(
        conn,
        &placement.case_prefix,
        &day.format("%Y%m%d").to_string(),
    )?;
    record.case_number = report::case_number(&placement.case_prefix, day, sequence);
    cunxiang_storage::reports::set_case_number(conn, record.id, &record.case_number)?;
    let received = as_received(&record);
    fanout.write(
        conn,
        f.fan_out,
        &[(&received, &submitted), (&record, &routed)],
    )?;
    cunxiang_storage::stats::rollup::apply_change(conn, None, &record)?;
    Ok((record, reporter, vec![submitted, routed]))
}

/// The report an earlier request under the same key made, if the body was the same.
fn replay(conn: &mut DbConn, f: &Filing<'_>, used: &keys::UsedKey) -> Result<Outcome, FileError> {
    if used.request_hash != f.hash {
        return Err(FileError::KeyReused);
    }
    let record = cunxiang_storage::reports::find(conn, used.report_id)?.ok_or_else(|| {
        StorageError::Corrupt {
            table: "idempotency_keys",
            reason: "a key names a missing report".into(),
        }
    })?;
    let sight = sight_of(f.actor, &record, true).unwrap_or(Sight::Public);
    Ok(Outcome::Replayed(
        ReportParts::load(conn, record)?.view(sight, f.now),
    ))
}

/// The villager account of a phone number (代办), created when there is none yet;
/// [`FileError::NotAVillager`] when the number is a staff member's or an admin's.
fn villager_for(conn: &mut DbConn, phone: &str, name: Option<&str>) -> Result<User, FileError> {
    if let Some(user) = cunxiang_storage::users::find_by_phone(conn, phone)? {
        if user.role != Role::Villager {
            return Err(FileError::NotAVillager);
        }
        return Ok(user);
    }
    // A concurrent 代办 for the same new number may have made her meanwhile.
    Ok(cunxiang_storage::users::insert_once(
        conn,
        &NewUser {
            display_name: name.map_or_else(|| format!("村民{}", mask_phone(phone)), str::to_owned),
            role: Role::Villager,
            phone: Some(phone.to_owned()),
            username: None,
            password_hash: None,
            wechat_openid: None,
            wechat_unionid: None,
        },
    )?)
}
