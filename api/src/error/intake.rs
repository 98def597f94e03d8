//! How a refused filing answers over HTTP: the one place that gives each [`FileError`] its
//! status and code.

use actix_web::http::StatusCode;

use super::{ApiError, ErrorCode};
use crate::intake::FileError;

impl From<FileError> for ApiError {
    fn from(e: FileError) -> Self {
        let message = e.to_string();
        match e {
            FileError::NoCategory(_) => ApiError::invalid_field("category", message),
            FileError::NotYourPhoto(_) | FileError::PhotoOnReport(_) => {
                ApiError::invalid_field("media_ids", message)
            }
            FileError::MediaTaken => {
                ApiError::new(StatusCode::CONFLICT, ErrorCode::MediaTaken, message)
            }
            FileError::OutsideRegion => {
                ApiError::new(StatusCode::FORBIDDEN, ErrorCode::OutsideRegion, message)
            }
            FileError::NotAVillager => {
                ApiError::new(StatusCode::FORBIDDEN, ErrorCode::NotAVillager, message)
            }
            FileError::KeyReused => ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::IdempotencyKeyReused,
                message,
            ),
            FileError::Storage(e) => e.into(),
        }
    }
}
