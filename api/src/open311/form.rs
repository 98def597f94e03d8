//! The body of an Open311 POST: form-encoded, or `multipart/form-data` with one `media` photo
//! that is read only once the `api_key` sent before it is valid, and spooled to a temporary
//! file as the photo pipeline expects it.

use cunxiang_core::text::{explain, first_refused};
use std::io::Write;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, web};
use cunxiang_core::ApiClient;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use super::Open311Error;
use super::api_key::authenticate;
use crate::error::ApiError;
use crate::photos::Spooled;
use crate::state::AppState;

/// The form fields and the optional photo of a POST.
pub(super) struct Posted {
    /// Text fields in the order sent (repeated names kept).
    pub fields: Vec<(String, String)>,
    /// The `media` photo, spooled.
    pub media: Option<Spooled>,
    /// The client, when its `api_key` was checked (and counted) before the photo was read.
    pub client: Option<ApiClient>,
}

impl Posted {
    /// The first value of a field, trimmed; `None` when absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }
}

/// Form fields one request may carry.
const MAX_PARTS: usize = 64;

/// Reads the form: text fields up to `json_limit` bytes each, at most [`MAX_PARTS`] of them,
/// and one photo up to `max_upload_bytes`, read only after a valid `api_key` (sent before it).
pub(super) async fn read_body(
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
            client: None,
        });
    }
    let mut multipart = Multipart::new(req.headers(), payload.into_inner());
    let mut posted = Posted {
        fields: Vec::new(),
        media: None,
        client: None,
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
            if posted.client.is_none() {
                if posted.get("api_key").is_none() {
                    return Err(Open311Error::bad("api_key is required, before media"));
                }
                posted.client = Some(authenticate(state, posted.get("api_key")).await?);
            }
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
            // The edge's rule (`crate::edge`), which cannot see into multipart bodies.
            if let Some(c) = first_refused(&name, false).or_else(|| first_refused(&text, true)) {
                return Err(Open311Error::bad(explain("the request body", c)));
            }
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
    let dir = state
        .settings
        .data_dir
        .join(cunxiang_storage::leftovers::UPLOADS_DIR);
    let spooled = web::block(move || {
        cunxiang_storage::private::create_dir(&dir)?;
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
