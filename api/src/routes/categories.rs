//! `GET /v1/categories`: the kinds of report a villager can choose, with their time limits.

use actix_web::web;
use cunxiang_core::Category;
use serde::Serialize;

use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Serialize)]
/// Response body.
pub struct CategoryList {
    items: Vec<Category>,
}

/// Lists the active categories in picker order.
pub async fn list(state: web::Data<AppState>) -> Result<web::Json<CategoryList>, ApiError> {
    let items = state
        .db(|conn| Ok(cunxiang_storage::categories::list(conn, false)?))
        .await?;
    Ok(web::Json(CategoryList { items }))
}
