//! Liveness, readiness and the API contract.

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::OPENAPI_YAML;
use crate::error::ApiError;
use crate::state::AppState;

/// `GET /healthz`: the process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// `GET /readyz`: the database answers and every migration is applied (503 otherwise).
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let pending = state
        .db(|conn| cunxiang_storage::migrate::has_pending(conn).map_err(ApiError::unavailable))
        .await?;
    if pending {
        return Err(ApiError::unavailable(anyhow::anyhow!(
            "database has pending migrations"
        )));
    }
    Ok(HttpResponse::Ok().json(json!({ "status": "ready" })))
}

/// `GET /openapi.yaml`.
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/yaml; charset=utf-8")
        .body(OPENAPI_YAML)
}
