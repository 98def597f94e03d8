//! `GET /v1/categories`: the kinds of report a villager can choose, with their time limits.

use actix_web::web;
use cunxiang_core::{Category, Permission, Target};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// Query parameters.
#[derive(Debug, Deserialize)]
pub struct CategoryQuery {
    /// Also list disabled categories (admins only).
    #[serde(default)]
    include_inactive: bool,
}

#[derive(Debug, Serialize)]
/// Response body.
pub struct CategoryList {
    items: Vec<Category>,
}

/// Lists the active categories in picker order; admins may ask for the disabled ones too.
pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<CategoryQuery>,
    caller: Option<Caller>,
) -> Result<web::Json<CategoryList>, ApiError> {
    let all = query.include_inactive;
    if all {
        match &caller {
            Some(Caller::User(me)) => {
                me.require(Permission::ManageOrganisation, &Target::Deployment)?
            }
            _ => {
                return Err(ApiError::forbidden(
                    "only admins may list disabled categories",
                ));
            }
        }
    }
    let items = state
        .db(move |conn| Ok(cunxiang_storage::categories::list(conn, all)?))
        .await?;
    Ok(web::Json(CategoryList { items }))
}
