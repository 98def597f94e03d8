//! Photo intake (`POST /v1/media`): the upload is streamed to a temporary file (hashed and
//! size-checked on the way, never held whole in memory), deduplicated per uploader, run
//! through the photo pipeline on the blocking pool, and its renditions stored in the blob
//! store before the row is written. Decoding is bounded twice: by count (`photo_slots`, the
//! CPU) and by memory (`photo_memory`, one permit a MiB): each decode first reserves the peak
//! its header predicts ([`cunxiang_photo::plan`]), so however many worst-case photos arrive at
//! once, what they hold stays within `CUNXIANG_PHOTO_MEMORY_MB`. Any failure removes the
//! temporary file and the blobs this upload created ([`CreatedBlobs`], which also removes
//! them when the request is dropped half-way): nothing half-written stays behind. [`prepare`]
//! stops before the row, for a caller that writes it in its own transaction (the Open311
//! POST) and keeps or discards the blobs by that transaction's outcome.

mod guard;
mod spool;

use actix_web::http::StatusCode;
use chrono::{DateTime, TimeZone, Utc};
use cunxiang_core::UserId;
use cunxiang_photo::{Limits, PhotoError, Processed};
use cunxiang_storage::StorageError;
use cunxiang_storage::media::{Media, Rendition};
use uuid::Uuid;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

pub use guard::{CreatedBlobs, remove_unused};
pub use spool::{Spooled, spool_upload};

/// What an upload ended as: a new photo, or the one these bytes already made.
pub enum Stored {
    /// Newly stored.
    Created(Media),
    /// The same bytes from the same uploader.
    Existing(Media),
}

/// The API error for a photo the pipeline refused.
pub fn photo_error(e: &PhotoError) -> ApiError {
    let (status, code) = match e {
        PhotoError::Unsupported(_) => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
        ),
        PhotoError::TooManyPixels { .. } => {
            (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::TooManyPixels)
        }
        PhotoError::TooLarge { .. } => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::ImageTooLarge),
        PhotoError::Corrupt(_) => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::CorruptImage),
    };
    ApiError::new(status, code, e.to_string())
}

/// EXIF capture time as UTC: with the camera's offset when it wrote one, else Beijing time
/// (phones in China write local time without an offset).
pub fn capture_time(p: &Processed) -> Option<DateTime<Utc>> {
    let naive = p.exif.captured_at?;
    let offset = p
        .exif
        .offset
        .unwrap_or_else(cunxiang_core::report::china_time);
    offset
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// Stores a spooled upload for `uploader`: the existing photo when she sent these bytes
/// before, else a new one.
pub async fn store(
    state: &AppState,
    uploader: UserId,
    upload: Spooled,
) -> Result<Stored, ApiError> {
    let sha = upload.sha256.clone();
    let existing = state
        .db(move |conn| Ok(cunxiang_storage::media::find_by_sha(conn, uploader, &sha)?))
        .await?;
    if let Some(media) = existing {
        return Ok(Stored::Existing(media));
    }
    let (media, created) = prepare(state, uploader, upload).await?;
    let row = media.clone();
    let outcome = state
        .db(
            move |conn| match cunxiang_storage::media::insert(conn, &row) {
                Ok(()) => Ok(None),
                // The same upload finished meanwhile on another request: answer with that one.
                Err(StorageError::Conflict(_)) => Ok(cunxiang_storage::media::find_by_sha(
                    conn,
                    uploader,
                    &row.sha256,
                )?),
                Err(e) => Err(e.into()),
            },
        )
        .await;
    match outcome {
        Ok(None) => {
            created.keep();
            Ok(Stored::Created(media))
        }
        Ok(Some(other)) => {
            created.discard().await;
            Ok(Stored::Existing(other))
        }
        Err(e) => {
            created.discard().await;
            Err(e)
        }
    }
}

/// Runs a spooled upload through the pipeline and stores its blobs, but writes no row: the
/// photo row to insert (uploaded by `uploader`) and the blobs this call created, which the
/// caller keeps once its transaction committed (else they are removed).
pub async fn prepare(
    state: &AppState,
    uploader: UserId,
    upload: Spooled,
) -> Result<(Media, CreatedBlobs), ApiError> {
    let _slot = state
        .photo_slots
        .clone()
        .acquire_owned()
        .await
        .map_err(ApiError::internal)?;
    let limits = Limits {
        max_pixels: state.settings.max_pixels,
        max_decoded_bytes: state.settings.max_decoded_bytes,
        ..Limits::default()
    };
    let started = std::time::Instant::now();
    let (upload, bytes, plan) = actix_web::web::block(move || {
        let bytes = read_spooled(&upload).map_err(ApiError::internal)?;
        let plan = cunxiang_photo::plan(&bytes, &limits).map_err(|e| photo_error(&e))?;
        Ok::<_, ApiError>((upload, bytes, plan))
    })
    .await??;
    let memory = reserve_memory(state, plan.peak_bytes).await?;
    let (bytes, processed) = actix_web::web::block(move || {
        let processed = cunxiang_photo::process(&bytes, &limits).map_err(|e| photo_error(&e))?;
        Ok::<_, ApiError>((bytes, processed))
    })
    .await??;
    drop(memory);
    let mut created = CreatedBlobs::new(state);
    let original = state
        .settings
        .keep_originals
        .then(|| bytes::Bytes::from(bytes));
    let media = store_renditions(state, &upload, processed, original, uploader, &mut created)
        .await
        .map_err(ApiError::internal);
    crate::metrics::photo_processed(started.elapsed());
    match media {
        Ok(media) => Ok((media, created)),
        Err(e) => {
            created.discard().await;
            Err(e)
        }
    }
}

/// Reserves `bytes` of the photo memory budget, rounded up to whole MiB: waits while other
/// decodes hold it. A decode larger than the whole budget waits for all of it (runs alone).
async fn reserve_memory(
    state: &AppState,
    bytes: u64,
) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
    let budget = state.settings.photo_memory_mb.max(1);
    let mib = u32::try_from(bytes.div_ceil(1 << 20)).unwrap_or(u32::MAX);
    state
        .photo_memory
        .clone()
        .acquire_many_owned(mib.clamp(1, budget))
        .await
        .map_err(ApiError::internal)
}

/// The upload's bytes, read through the open temporary file (so a sweep of stale files that
/// unlinks it meanwhile cannot break an upload in progress).
fn read_spooled(upload: &Spooled) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = upload.file.as_file();
    file.seek(SeekFrom::Start(0))?;
    let mut bytes = Vec::with_capacity(usize::try_from(upload.size).unwrap_or(0));
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Stores the renditions (and the original, when kept) and answers the photo row to insert,
/// recording each blob this call created in `created`.
async fn store_renditions(
    state: &AppState,
    upload: &Spooled,
    mut processed: Processed,
    original: Option<bytes::Bytes>,
    uploader: UserId,
    created: &mut CreatedBlobs,
) -> std::io::Result<Media> {
    let blobs = state.blobs.as_ref();
    let mut keys = Vec::with_capacity(3);
    let renditions = [
        Some(bytes::Bytes::from(std::mem::take(
            &mut processed.display.bytes,
        ))),
        Some(bytes::Bytes::from(std::mem::take(
            &mut processed.thumb.bytes,
        ))),
        original,
    ];
    for data in renditions {
        let Some(data) = data else {
            keys.push(None);
            continue;
        };
        let (key, new) = blobs.put(data).await?;
        if new {
            created.push(key.clone());
        }
        keys.push(Some(key));
    }
    let [display, thumb, original]: [Option<String>; 3] = keys
        .try_into()
        .map_err(|_| std::io::Error::other("three renditions"))?;
    let missing = || std::io::Error::other("a rendition was not stored");
    let dim = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    Ok(Media {
        id: Uuid::now_v7(),
        uploader_id: uploader,
        sha256: upload.sha256.clone(),
        format: format_name(processed.format).to_owned(),
        bytes: i64::try_from(upload.size).unwrap_or(i64::MAX),
        width: dim(processed.width),
        height: dim(processed.height),
        display: Rendition {
            key: display.ok_or_else(missing)?,
            width: dim(processed.display.width),
            height: dim(processed.display.height),
        },
        thumb: Rendition {
            key: thumb.ok_or_else(missing)?,
            width: dim(processed.thumb.width),
            height: dim(processed.thumb.height),
        },
        original_key: original,
        phash: processed.phash,
        captured_at: capture_time(&processed),
        gps: processed.exif.gps.map(|g| (g.lat, g.lon)),
        report_id: None,
        position: None,
        event_id: None,
        created_at: cunxiang_storage::time::now(),
    })
}

fn format_name(format: cunxiang_photo::PhotoFormat) -> &'static str {
    match format {
        cunxiang_photo::PhotoFormat::Jpeg => "jpeg",
        cunxiang_photo::PhotoFormat::Png => "png",
        cunxiang_photo::PhotoFormat::Webp => "webp",
        cunxiang_photo::PhotoFormat::Heic => "heic",
    }
}
