//! How a live stream that did not open answers over HTTP.

use actix_web::http::StatusCode;

use super::{ApiError, ErrorCode};
use crate::push::stream::OpenError;

impl From<OpenError> for ApiError {
    fn from(e: OpenError) -> Self {
        match e {
            OpenError::TooManyStreams => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::TooManyStreams,
                e.to_string(),
            ),
            OpenError::Storage(e) => e.into(),
            OpenError::Blocking(e) => e.into(),
        }
    }
}
