//! How the lifecycle's refusals and the act service's errors answer over HTTP: the one place
//! that gives them a status and a code.

use actix_web::http::StatusCode;
use cunxiang_core::lifecycle::{Conflict, Refusal};
use serde_json::json;

use super::{ApiError, ErrorCode};
use crate::lifecycle::act::ActError;

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        let message = refusal.to_string();
        match refusal {
            Refusal::Forbidden | Refusal::StaffOnly => ApiError::forbidden(message),
            Refusal::Conflict(conflict) => {
                let code = match conflict {
                    Conflict::WrongStatus => ErrorCode::InvalidStatus,
                    Conflict::AlreadyRated => ErrorCode::AlreadyRated,
                    Conflict::WindowPassed => ErrorCode::ReopenWindowPassed,
                    Conflict::NoOpenOrder => ErrorCode::NoOpenOrder,
                    Conflict::OrderClosed => ErrorCode::OrderClosed,
                    Conflict::NoLevelAbove => ErrorCode::NoLevelAbove,
                    Conflict::NoHandler => ErrorCode::NoHandler,
                    Conflict::NotMediation => ErrorCode::NotMediation,
                    Conflict::MediatedCase => ErrorCode::MediatedCase,
                    Conflict::SessionRecorded => ErrorCode::SessionRecorded,
                    Conflict::SessionNotHeld => ErrorCode::SessionNotHeld,
                    Conflict::NoFollowUpDue => ErrorCode::NoFollowUpDue,
                };
                ApiError::new(StatusCode::CONFLICT, code, message)
            }
            Refusal::Invalid(invalid) => ApiError::invalid_field(invalid.field, invalid.message),
            Refusal::EvidenceRequired { .. } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::EvidenceRequired,
                message,
            )
            .with_details(json!({ "field": "media_ids" })),
            Refusal::NotAStep => ApiError::internal(anyhow::anyhow!(message)),
        }
    }
}

impl From<ActError> for ApiError {
    fn from(e: ActError) -> Self {
        match e {
            ActError::NotFound => ApiError::not_found(ErrorCode::NotFound, "no such report"),
            ActError::Refused(refusal) => refusal.into(),
            ActError::NotInCharge => ApiError::forbidden(e.to_string()),
            ActError::VersionConflict { current } => ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::VersionConflict,
                e.to_string(),
            )
            .with_details(json!({ "version": current })),
            ActError::MediaTaken => {
                ApiError::new(StatusCode::CONFLICT, ErrorCode::MediaTaken, e.to_string())
            }
            ActError::Corrupt(_) => ApiError::internal(e),
            ActError::Storage(e) => e.into(),
        }
    }
}
