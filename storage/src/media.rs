//! Photos (`media`): one row per upload (per uploader and content), attached to a report when
//! the report is submitted. The image bytes live in the blob store ([`crate::blobs`]).

use chrono::{DateTime, Utc};
use cunxiang_core::{ReportId, UserId};
use diesel::prelude::*;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::{Result, unique_conflict};
use crate::regions::parse_id;
use crate::schema::media;
use crate::time;

/// One stored photo.
#[derive(Debug, Clone, PartialEq)]
pub struct Media {
    /// Stable id (UUIDv7).
    pub id: Uuid,
    /// Who uploaded it.
    pub uploader_id: UserId,
    /// SHA-256 (hex) of the uploaded bytes.
    pub sha256: String,
    /// Uploaded format (`jpeg`, `png`, `webp`).
    pub format: String,
    /// Uploaded size in bytes.
    pub bytes: i64,
    /// Upright width of the original.
    pub width: i32,
    /// Upright height of the original.
    pub height: i32,
    /// The display image (≤ 1600 px).
    pub display: Rendition,
    /// The thumbnail (≤ 320 px).
    pub thumb: Rendition,
    /// Blob key of the original, when originals are kept.
    pub original_key: Option<String>,
    /// 64-bit perceptual hash of the thumbnail.
    pub phash: u64,
    /// EXIF capture time, as UTC.
    pub captured_at: Option<DateTime<Utc>>,
    /// EXIF GPS, WGS-84 `(lat, lon)`.
    pub gps: Option<(f64, f64)>,
    /// The report it is attached to.
    pub report_id: Option<ReportId>,
    /// Its place among the report's photos (0-based).
    pub position: Option<i32>,
    /// The timeline event it is evidence of (a resolve photo); `None` for the report's own.
    pub event_id: Option<Uuid>,
    /// Uploaded at.
    pub created_at: DateTime<Utc>,
}

/// A re-encoded JPEG in the blob store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendition {
    /// Blob key (SHA-256 hex of the JPEG).
    pub key: String,
    /// Width in pixels.
    pub width: i32,
    /// Height in pixels.
    pub height: i32,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = media)]
pub(crate) struct MediaRow {
    id: String,
    uploader_id: String,
    sha256: String,
    format: String,
    bytes: i64,
    width: i32,
    height: i32,
    display_key: String,
    display_width: i32,
    display_height: i32,
    thumb_key: String,
    thumb_width: i32,
    thumb_height: i32,
    original_key: Option<String>,
    phash: i64,
    captured_at: Option<chrono::NaiveDateTime>,
    gps_lat: Option<f64>,
    gps_lon: Option<f64>,
    report_id: Option<String>,
    position: Option<i32>,
    created_at: chrono::NaiveDateTime,
    event_id: Option<String>,
}

impl MediaRow {
    pub(crate) fn into_media(self) -> Result<Media> {
        Ok(Media {
            id: parse_id("media", &self.id)?,
            uploader_id: parse_id("media", &self.uploader_id)?,
            sha256: self.sha256,
            format: self.format,
            bytes: self.bytes,
            width: self.width,
            height: self.height,
            display: Rendition {
                key: self.display_key,
                width: self.display_width,
                height: self.display_height,
            },
            thumb: Rendition {
                key: self.thumb_key,
                width: self.thumb_width,
                height: self.thumb_height,
            },
            original_key: self.original_key,
            phash: u64::from_ne_bytes(self.phash.to_ne_bytes()),
            captured_at: self.captured_at.map(time::from_db),
            gps: self.gps_lat.zip(self.gps_lon),
            report_id: self
                .report_id
                .as_deref()
                .map(|r| parse_id("media", r).map(ReportId))
                .transpose()?,
            position: self.position,
            event_id: self
                .event_id
                .as_deref()
                .map(|e| parse_id("media", e))
                .transpose()?,
            created_at: time::from_db(self.created_at),
        })
    }
}

/// Inserts a photo. The same bytes from the same uploader, while her earlier photo of them is
/// unattached, are a [`crate::StorageError::Conflict`] (read it with [`find_by_sha`]).
pub fn insert(conn: &mut DbConn, m: &Media) -> Result<()> {
    let row = MediaRow {
        id: m.id.to_string(),
        uploader_id: m.uploader_id.to_string(),
        sha256: m.sha256.clone(),
        format: m.format.clone(),
        bytes: m.bytes,
        width: m.width,
        height: m.height,
        display_key: m.display.key.clone(),
        display_width: m.display.width,
        display_height: m.display.height,
        thumb_key: m.thumb.key.clone(),
        thumb_width: m.thumb.width,
        thumb_height: m.thumb.height,
        original_key: m.original_key.clone(),
        phash: i64::from_ne_bytes(m.phash.to_ne_bytes()),
        captured_at: m.captured_at.map(time::to_db),
        gps_lat: m.gps.map(|g| g.0),
        gps_lon: m.gps.map(|g| g.1),
        report_id: None,
        position: None,
        event_id: None,
        created_at: time::to_db(m.created_at),
    };
    diesel::insert_into(media::table)
        .values(&row)
        .execute(conn)
        .map_err(|e| unique_conflict(e, |_| "media".to_owned()))?;
    Ok(())
}

/// The photo with this id.
pub fn find(conn: &mut DbConn, id: Uuid) -> Result<Option<Media>> {
    media::table
        .find(id.to_string())
        .select(MediaRow::as_select())
        .first(conn)
        .optional()?
        .map(MediaRow::into_media)
        .transpose()
}

/// The unattached photo this uploader made from these bytes, if any.
pub fn find_by_sha(conn: &mut DbConn, uploader: UserId, sha256: &str) -> Result<Option<Media>> {
    media::table
        .filter(media::uploader_id.eq(uploader.to_string()))
        .filter(media::sha256.eq(sha256))
        .filter(media::report_id.is_null())
        .select(MediaRow::as_select())
        .first(conn)
        .optional()?
        .map(MediaRow::into_media)
        .transpose()
}

/// Attaches photos to a report in the given order. Returns how many rows changed: only
/// photos still unattached are taken, so a count short of `ids.len()` means one was taken
/// meanwhile (the caller rolls back).
pub fn attach(conn: &mut DbConn, ids: &[Uuid], report_id: ReportId) -> Result<usize> {
    attach_to(conn, ids, report_id, None)
}

/// Attaches evidence photos to a report's event (a resolution), in the given order; like
/// [`attach`], a count short of `ids.len()` means one was taken meanwhile.
pub fn attach_evidence(
    conn: &mut DbConn,
    ids: &[Uuid],
    report_id: ReportId,
    event_id: Uuid,
) -> Result<usize> {
    attach_to(conn, ids, report_id, Some(event_id))
}

fn attach_to(
    conn: &mut DbConn,
    ids: &[Uuid],
    report_id: ReportId,
    event_id: Option<Uuid>,
) -> Result<usize> {
    let mut changed = 0;
    for (position, id) in ids.iter().enumerate() {
        changed += diesel::update(
            media::table
                .find(id.to_string())
                .filter(media::report_id.is_null()),
        )
        .set((
            media::report_id.eq(report_id.to_string()),
            media::event_id.eq(event_id.map(|e| e.to_string())),
            media::position.eq(i32::try_from(position).unwrap_or(i32::MAX)),
        ))
        .execute(conn)?;
    }
    Ok(changed)
}

/// The evidence photos of a report's events, by event and then in order.
pub fn of_events(conn: &mut DbConn, report_id: ReportId) -> Result<Vec<Media>> {
    media::table
        .filter(media::report_id.eq(report_id.to_string()))
        .filter(media::event_id.is_not_null())
        .order((media::event_id, media::position))
        .select(MediaRow::as_select())
        .load(conn)?
        .into_iter()
        .map(MediaRow::into_media)
        .collect()
}

/// The evidence photos of the events `events`, by event and then in order.
pub fn of_event_ids(conn: &mut DbConn, events: &[Uuid]) -> Result<Vec<Media>> {
    let ids: Vec<String> = events.iter().map(Uuid::to_string).collect();
    media::table
        .filter(media::event_id.eq_any(ids))
        .order((media::event_id, media::position))
        .select(MediaRow::as_select())
        .load(conn)?
        .into_iter()
        .map(MediaRow::into_media)
        .collect()
}

/// The own photos (not evidence) of several reports, by report and then in order.
pub fn of_reports(conn: &mut DbConn, report_ids: &[ReportId]) -> Result<Vec<Media>> {
    let ids: Vec<String> = report_ids.iter().map(ReportId::to_string).collect();
    media::table
        .filter(media::report_id.eq_any(ids))
        .filter(media::event_id.is_null())
        .order((media::report_id, media::position))
        .select(MediaRow::as_select())
        .load(conn)?
        .into_iter()
        .map(MediaRow::into_media)
        .collect()
}

/// Which of `keys` a photo row still refers to (before deleting blobs), as a set: one query
/// per 300 keys, through the three key indexes.
pub fn blobs_in_use(
    conn: &mut DbConn,
    keys: &[String],
) -> Result<std::collections::HashSet<String>> {
    let mut used = std::collections::HashSet::new();
    for chunk in keys.chunks(300) {
        let rows: Vec<(String, String, Option<String>)> = media::table
            .filter(
                media::display_key
                    .eq_any(chunk)
                    .or(media::thumb_key.eq_any(chunk))
                    .or(media::original_key.eq_any(chunk)),
            )
            .select((media::display_key, media::thumb_key, media::original_key))
            .load(conn)?;
        for (display, thumb, original) in rows {
            for key in [Some(display), Some(thumb), original].into_iter().flatten() {
                if chunk.contains(&key) {
                    used.insert(key);
                }
            }
        }
    }
    Ok(used)
}

/// Counts every photo row (tests).
pub fn count(conn: &mut DbConn) -> Result<i64> {
    Ok(media::table.count().get_result(conn)?)
}
