//! `discovery`, `services` (our active categories) and `services/{service_code}` (their
//! definitions: our categories carry no extra attributes, so `attributes` is empty and every
//! service says `metadata: false`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use cunxiang_core::Category;
use serde_json::{Value, json};

use super::{Format, Open311Error, base_url, respond, split_format};
use crate::state::AppState;

/// The date of the façade's last change, as discovery's `changeset`.
const CHANGESET: &str = "2026-11-29T00:00:00Z";

/// The discovery document.
pub fn discovery(state: &AppState, req: &HttpRequest, format: Format) -> HttpResponse {
    let url = format!("{}/open311/v2", base_url(state, req));
    let body = json!({
        "changeset": CHANGESET,
        "contact": "村享 Cunxiang — the county's 综治中心 (see the deployment's README)",
        "key_service": "api_key = client_id:client_secret of an API client issued by the admins",
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": url,
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["application/json", "text/xml"],
        }],
    });
    respond(StatusCode::OK, format, "discovery", &body)
}

/// One category as a service.
fn service(c: &Category) -> Value {
    json!({
        "service_code": c.code,
        "service_name": c.name,
        "description": format!("{} / {}", c.name, c.name_en),
        "metadata": false,
        "type": "realtime",
        "keywords": c.name_en,
        "group": c.department,
    })
}

/// Every active category as a service, in picker order.
pub async fn list(state: &AppState, format: Format) -> Result<HttpResponse, Open311Error> {
    let categories = state
        .db(|conn| Ok(cunxiang_storage::categories::list(conn, false)?))
        .await?;
    let body = Value::Array(categories.iter().map(service).collect());
    Ok(respond(StatusCode::OK, format, "services", &body))
}

/// The active category with this code, or the spec's 404.
pub async fn active_category(state: &AppState, code: &str) -> Result<Category, Open311Error> {
    let lookup = code.to_owned();
    state
        .db(move |conn| Ok(cunxiang_storage::categories::find(conn, &lookup)?))
        .await?
        .filter(|c| c.active)
        .ok_or_else(|| {
            Open311Error::new(
                StatusCode::NOT_FOUND,
                format!("service_code {code} not found"),
            )
        })
}

/// `GET /open311/v2/services/{service_code}.{format}`.
pub async fn definition(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Open311Error> {
    let name = path.into_inner();
    let (code, format) = split_format(&name)?;
    let category = active_category(&state, code)
        .await
        .map_err(|e| e.in_format(format))?;
    let body = json!({ "service_code": category.code, "attributes": [] });
    Ok(respond(StatusCode::OK, format, "service_definition", &body))
}
