//! The API's error type and the JSON error shape every failure answers with:
//! `{"error": {"code": "snake_case_code", "message": "human text", "details": {…}}}`, the
//! code one of [`ErrorCode`]. Internal causes are logged, never sent.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Value, json};

mod code;
mod lifecycle;

pub use code::ErrorCode;

/// A failure to report to the caller.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: ErrorCode,
    /// Human-readable explanation.
    pub message: String,
    /// Structured extra information (field names, line numbers …), `{}` when none.
    pub details: Value,
    /// Extra response headers (`Retry-After`, `WWW-Authenticate`).
    pub headers: Vec<(&'static str, String)>,
}

impl ApiError {
    /// An error with the given status, code and message and no details.
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: json!({}),
            headers: Vec::new(),
        }
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// 401: no or bad credentials; tells the client to use a bearer token.
    pub fn unauthorized(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message).with_header("WWW-Authenticate", "Bearer")
    }

    /// 403: authenticated, but not allowed to do this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, message)
    }

    /// 429 with `Retry-After` in whole seconds (at least 1).
    pub fn too_many(code: ErrorCode, message: impl Into<String>, retry_after_secs: i64) -> Self {
        let secs = retry_after_secs.max(1);
        Self::new(StatusCode::TOO_MANY_REQUESTS, code, message)
            .with_details(json!({ "retry_after": secs }))
            .with_header("Retry-After", secs.to_string())
    }

    /// Attaches structured details.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    /// 400 with code `invalid_parameter`, naming the parameter.
    pub fn invalid_parameter(name: &str, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidParameter,
            message,
        )
        .with_details(json!({ "parameter": name }))
    }

    /// 422 with code `invalid_field`, naming the offending body field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidField,
            message,
        )
        .with_details(json!({ "field": field }))
    }

    /// 404 with the given code.
    pub fn not_found(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 500: the cause is logged here and replaced by a generic message.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::InternalError,
            "internal error",
        )
    }

    /// 503: a dependency (the database) is unavailable; the cause is logged.
    pub fn unavailable(cause: impl std::fmt::Display) -> Self {
        tracing::warn!(error = %cause, "service unavailable");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            "service temporarily unavailable",
        )
    }

    /// 503 with `Retry-After: 1`: the database stayed busy past its timeout (SQLite's single
    /// writer under a burst) or PostgreSQL gave the transaction up for a concurrent one. Nothing
    /// was written; the same request may simply be sent again. The cause is logged (with the
    /// request id: [`crate::state::AppState::db`] runs in the request's span).
    pub fn busy(cause: impl std::fmt::Display) -> Self {
        tracing::warn!(error = %cause, "database busy");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            "the database is busy; try again in a moment",
        )
        .with_header("Retry-After", "1")
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        json!({ "error": {
            "code": self.code.as_str(), "message": self.message, "details": self.details
        } })
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        for (name, value) in &self.headers {
            res.insert_header((*name, value.as_str()));
        }
        res.json(self.body())
    }
}

impl From<cunxiang_storage::StorageError> for ApiError {
    fn from(e: cunxiang_storage::StorageError) -> Self {
        use cunxiang_storage::StorageError as S;
        match e {
            S::Pool(_) | S::Connect { .. } => ApiError::unavailable(e),
            e if cunxiang_storage::conn::is_busy(&e) => ApiError::busy(e),
            S::NotFound(what) => {
                ApiError::not_found(ErrorCode::NotFound, format!("{what} not found"))
            }
            S::Conflict(what) => ApiError::new(StatusCode::CONFLICT, ErrorCode::Conflict, what),
            other => ApiError::internal(other),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::internal(e)
    }
}

/// The code for a status when the failure did not come from an [`ApiError`] (actix's own
/// responses, rewritten by the error-shape middleware).
pub fn code_for_status(status: StatusCode) -> ErrorCode {
    match status.as_u16() {
        400 => ErrorCode::BadRequest,
        401 => ErrorCode::Unauthorized,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        406 => ErrorCode::NotAcceptable,
        408 => ErrorCode::RequestTimeout,
        409 => ErrorCode::Conflict,
        411 => ErrorCode::LengthRequired,
        413 => ErrorCode::PayloadTooLarge,
        414 => ErrorCode::UriTooLong,
        415 => ErrorCode::UnsupportedMediaType,
        422 => ErrorCode::UnprocessableEntity,
        429 => ErrorCode::TooManyRequests,
        431 => ErrorCode::RequestHeaderFieldsTooLarge,
        500..=599 => ErrorCode::InternalError,
        _ => ErrorCode::Error,
    }
}

/// Whether a response already carries a JSON body (and so needs no rewriting).
pub fn is_json(headers: &actix_web::http::header::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// The `Content-Type` of every error body.
pub fn json_content_type() -> HeaderValue {
    HeaderValue::from_static("application/json")
}
