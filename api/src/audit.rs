//! Writing the audit log: log-ins, failed log-ins, account and client changes — who, what,
//! when, from where. Reading it is `GET /v1/audit` (admins).

use cunxiang_storage::DbConn;
use cunxiang_storage::audit::NewAuditEntry;
use serde_json::Value;

use crate::error::ApiError;

/// Appends one entry. `actor` is a user id or `client:<id>`; `subject` what was acted on.
pub fn record(
    conn: &mut DbConn,
    actor: Option<&str>,
    action: &str,
    subject: Option<&str>,
    ip: &str,
    details: Value,
) -> Result<(), ApiError> {
    cunxiang_storage::audit::insert(
        conn,
        &NewAuditEntry {
            actor,
            action,
            subject,
            ip: Some(ip),
            details,
        },
    )?;
    Ok(())
}
