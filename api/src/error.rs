//! The API's error type and the JSON error shape every failure answers with:
//! `{"error": {"code": "snake_case_code", "message": "human text", "details": {…}}}`, the
//! code one of [`ErrorCode`]. Internal causes are logged, never sent: once per failing
//! response, when it is answered ([`ResponseError::error_response`] runs inside the request's
//! `tracing-actix-web` span, so the line carries the request id): 5xx with the cause chain
//! (`warn` for 503, `error` otherwise), 4xx at `debug`.
//!
//! Which error type each layer uses:
//! - core (pure domain): [`cunxiang_core::lifecycle::Refusal`] and its other domain errors;
//! - storage: [`cunxiang_storage::StorageError`];
//! - services between handlers and storage keep their own enums
//!   ([`crate::lifecycle::act::ActError`]);
//! - handlers and extractors: [`ApiError`]; the errors of the layers below convert into it
//!   here and in `error/lifecycle.rs`, which pick their status and code;
//! - the Open311 façade: [`crate::open311::Open311Error`] (the spec's shape, numeric codes),
//!   made from an [`ApiError`] where it calls shared code, keeping its cause for the log;
//! - background workers (deliveries, deadlines, sweeps): `anyhow` (or the [`ApiError`] of
//!   [`crate::state::AppState::db`]), logged by the worker itself with `{:#}`/`Display`,
//!   which includes the cause chain.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Value, json};

mod code;
mod grid_import;
mod intake;
mod lifecycle;
mod stream;

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
    /// What went wrong underneath, for the log only: never sent.
    pub cause: Option<Arc<anyhow::Error>>,
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
            cause: None,
        }
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Attaches the underlying failure, logged (with its chain) when the error is answered.
    pub fn with_cause(mut self, cause: impl Into<anyhow::Error>) -> Self {
        self.cause = Some(Arc::new(cause.into()));
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

    /// 500: the cause is kept for the log and replaced by a generic message.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::InternalError,
            "internal error",
        )
        .with_cause(cause)
    }

    /// 503: a dependency (the database) is unavailable; the cause is kept for the log.
    pub fn unavailable(cause: impl Into<anyhow::Error>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            "service temporarily unavailable",
        )
        .with_cause(cause)
    }

    /// 503 with `Retry-After: 1`: the database stayed busy past its timeout (SQLite's single
    /// writer under a burst) or PostgreSQL gave the transaction up for a concurrent one. Nothing
    /// was written; the same request may simply be sent again. The cause is kept for the log.
    pub fn busy(cause: impl Into<anyhow::Error>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unavailable,
            "the database is busy; try again in a moment",
        )
        .with_header("Retry-After", "1")
        .with_cause(cause)
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        json!({ "error": {
            "code": self.code.as_str(), "message": self.message, "details": self.details
        } })
    }
}

/// `status code: message`, then the cause chain when there is one (for logs, never sent).
impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )?;
        match &self.cause {
            Some(cause) => write!(f, " (cause: {cause:#})"),
            None => Ok(()),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        log_failure(
            self.status,
            Some(self.code),
            &self.message,
            self.cause.as_deref(),
        );
        let mut res = HttpResponse::build(self.status);
        for (name, value) in &self.headers {
            res.insert_header((*name, value.as_str()));
        }
        res.json(self.body())
    }
}

/// The one log line of a failing response, written as it is answered (inside the request's
/// span, so with its request id): 5xx with the cause chain, at `warn` for 503 (a busy or
/// unreachable dependency, not a bug) and `error` otherwise; 4xx at `debug`, a client's
/// mistake. Keep secrets (tokens, passwords, log-in codes, URLs with keys) out of messages
/// and causes: they are logged as they are.
pub fn log_failure(
    status: StatusCode,
    code: Option<ErrorCode>,
    message: &str,
    cause: Option<&anyhow::Error>,
) {
    let code = code.map(ErrorCode::as_str);
    let cause = cause.map(|c| format!("{c:#}"));
    let status_code = status.as_u16();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        tracing::warn!(
            status = status_code,
            code,
            reply = message,
            cause,
            "request failed"
        );
    } else if status.is_server_error() {
        tracing::error!(
            status = status_code,
            code,
            reply = message,
            cause,
            "request failed"
        );
    } else {
        tracing::debug!(
            status = status_code,
            code,
            reply = message,
            cause,
            "request refused"
        );
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

#[cfg(test)]
mod tests;
