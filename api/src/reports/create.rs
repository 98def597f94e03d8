//! `POST /v1/reports`: reads the `Idempotency-Key` (required for villagers) and the body,
//! checks the submission and files it (`crate::intake::file_report`): 201 with the new
//! report, 200 with the one an earlier request under the same key made, 409 when the key was
//! used for another body.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;

use super::submission::{CreateReport, check, idempotency_key};
use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorCode};
use crate::intake::{Filing, Outcome, file_report};
use crate::state::AppState;

/// Creates a report.
pub async fn create(
    state: web::Data<AppState>,
    me: AuthUser,
    req: HttpRequest,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&req, me.user.role)?;
    let body = body.into_inner();
    let hash = crate::blobs::sha256_hex(body.to_string().as_bytes());
    let input: CreateReport = serde_json::from_value(body).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidBody,
            e.to_string(),
        )
    })?;
    let submission = check(&me, input)?;
    let grids = state.routing.clone();
    let now = state.clock.now();
    let settings = state.settings.clone();
    let outcome = state
        .db(move |conn| {
            let filing = Filing {
                actor: &me.actor,
                account: &me.user,
                key: key.as_deref(),
                hash: &hash,
                now,
                auto_confirm_days: settings.auto_confirm_days,
                fan_out: settings.fan_out(),
                within: None,
            };
            Ok(file_report(conn, &grids, filing, submission)?)
        })
        .await?;
    Ok(match outcome {
        Outcome::Created(view) => HttpResponse::Created().json(view),
        Outcome::Replayed(view) => HttpResponse::Ok().json(view),
    })
}
