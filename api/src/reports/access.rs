//! Who may read one report, and how much of it (the rule is `cunxiang_core::visibility`):
//! the check every endpoint on `/v1/reports/{id}…` and the photo endpoint share.

use cunxiang_core::ReportId;
use cunxiang_storage::DbConn;
use cunxiang_storage::reports::Report;

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorCode};
use cunxiang_core::visibility::{Sight, sight_of};

/// A report `me` may see, with how much; 404 otherwise.
pub fn visible(
    conn: &mut DbConn,
    me: &AuthUser,
    id: ReportId,
) -> Result<(Report, Sight), ApiError> {
    let not_found = || ApiError::not_found(ErrorCode::NotFound, format!("no report {id}"));
    let report = cunxiang_storage::reports::find(conn, id)?.ok_or_else(not_found)?;
    let public = cunxiang_storage::reports::category_is_public(conn, &report.category)?;
    let sight = sight_of(&me.actor, &report, public).ok_or_else(not_found)?;
    Ok((report, sight))
}
