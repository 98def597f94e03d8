//! `GET /v1/audit`: the audit log, newest first (admins only).

use actix_web::web;
use cunxiang_core::{AuditEntry, Permission, Target};
use serde::{Deserialize, Serialize};

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::params::checked_page;
use crate::state::AppState;

/// Query parameters.
#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    action: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// Response body.
#[derive(Debug, Serialize)]
pub struct AuditList {
    items: Vec<AuditEntry>,
    next_cursor: Option<String>,
}

/// Lists audit entries, newest first, optionally of one action.
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<AuditQuery>,
) -> Result<web::Json<AuditList>, ApiError> {
    me.require(Permission::ReadAudit, &Target::Deployment)?;
    let query = query.into_inner();
    let (cursor, limit) = checked_page(query.cursor.as_deref(), query.limit)?;
    let page = state
        .db(move |conn| {
            Ok(cunxiang_storage::audit::list(
                conn,
                query.action.as_deref(),
                cursor.as_deref(),
                limit,
            )?)
        })
        .await?;
    Ok(web::Json(AuditList {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}
