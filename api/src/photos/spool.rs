//! Receiving one uploaded file from a multipart body: written to a temporary file under the
//! data directory in bounded batches (off the async workers), hashed with SHA-256 on the way,
//! and refused with 413 the moment it passes the size limit. The temporary file is removed
//! when the returned value is dropped, whatever happens next.

use std::io::Write;
use std::path::Path;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::web;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;

use crate::error::{ApiError, ErrorCode};

/// Bytes collected before they are written out in one blocking call.
const BATCH: usize = 256 * 1024;

/// An upload on disk.
pub struct Spooled {
    /// The temporary file (deleted on drop).
    pub file: NamedTempFile,
    /// SHA-256 (hex) of its bytes.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its first bytes, for the type check.
    pub head: Vec<u8>,
}

fn bad_request(code: ErrorCode, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message)
}

/// Reads the one file part (`file`) of a `multipart/form-data` body into a temporary file in
/// `tmp_dir`. Other text parts are ignored; a second file part is refused.
pub async fn spool_upload(
    mut payload: Multipart,
    tmp_dir: &Path,
    max_bytes: u64,
) -> Result<Spooled, ApiError> {
    let dir = tmp_dir.to_path_buf();
    let file = web::block(move || {
        cunxiang_storage::private::create_dir(&dir)?;
        NamedTempFile::new_in(&dir)
    })
    .await?
    .map_err(ApiError::internal)?;
    let mut spooled = Spooled {
        file,
        sha256: String::new(),
        size: 0,
        head: Vec::new(),
    };
    let mut seen_file = false;
    let mut hasher = Sha256::new();
    while let Some(field) = payload.next().await {
        let mut field =
            field.map_err(|e| bad_request(ErrorCode::MalformedMultipart, e.to_string()))?;
        let is_file = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .is_some()
            || field.name() == Some("file");
        if !is_file {
            while let Some(chunk) = field.next().await {
                chunk.map_err(|e| bad_request(ErrorCode::MalformedMultipart, e.to_string()))?;
            }
            continue;
        }
        if seen_file {
            return Err(bad_request(
                ErrorCode::OneFilePerRequest,
                "send one photo per request (each retries on its own)",
            ));
        }
        seen_file = true;
        let mut batch: Vec<u8> = Vec::with_capacity(BATCH);
        while let Some(chunk) = field.next().await {
            let chunk =
                chunk.map_err(|e| bad_request(ErrorCode::MalformedMultipart, e.to_string()))?;
            spooled.size += chunk.len() as u64;
            if spooled.size > max_bytes {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ErrorCode::PayloadTooLarge,
                    format!("the photo is larger than {max_bytes} bytes"),
                ));
            }
            if spooled.head.len() < 64 {
                let take = (64 - spooled.head.len()).min(chunk.len());
                spooled.head.extend_from_slice(&chunk[..take]);
            }
            hasher.update(&chunk);
            batch.extend_from_slice(&chunk);
            if batch.len() >= BATCH {
                spooled = write_batch(spooled, std::mem::take(&mut batch)).await?;
            }
        }
        if !batch.is_empty() {
            spooled = write_batch(spooled, batch).await?;
        }
    }
    if !seen_file {
        return Err(bad_request(
            ErrorCode::MissingFile,
            "the multipart body has no file part (name it `file`)",
        ));
    }
    if spooled.size == 0 {
        return Err(bad_request(
            ErrorCode::EmptyFile,
            "the uploaded file is empty",
        ));
    }
    spooled.sha256 = hex::encode(hasher.finalize());
    Ok(spooled)
}

async fn write_batch(mut spooled: Spooled, batch: Vec<u8>) -> Result<Spooled, ApiError> {
    web::block(move || {
        spooled.file.write_all(&batch)?;
        Ok::<_, std::io::Error>(spooled)
    })
    .await?
    .map_err(ApiError::internal)
}
