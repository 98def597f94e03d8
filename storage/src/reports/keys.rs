//! Idempotency keys of `POST /v1/reports`: (user, key) → the request's hash and the report made.

use cunxiang_core::{ReportId, UserId};
use diesel::prelude::*;

use crate::conn::DbConn;
use crate::error::{Result, StorageError, unique_conflict};
use crate::regions::parse_id;
use crate::schema::idempotency_keys;
use crate::time;

/// A key already used: the hash of the body sent with it and the report it made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsedKey {
    /// SHA-256 (hex) of the canonical request.
    pub request_hash: String,
    /// The report.
    pub report_id: ReportId,
}

/// The report made under this key, if any.
pub fn find(conn: &mut DbConn, user_id: UserId, key: &str) -> Result<Option<UsedKey>> {
    let row: Option<(String, String)> = idempotency_keys::table
        .find((user_id.to_string(), key))
        .select((idempotency_keys::request_hash, idempotency_keys::report_id))
        .first(conn)
        .optional()?;
    row.map(|(request_hash, report)| {
        Ok(UsedKey {
            request_hash,
            report_id: ReportId(parse_id("idempotency_keys", &report)?),
        })
    })
    .transpose()
}

/// Records a key; a key recorded meanwhile by a concurrent request is a
/// [`StorageError::Conflict`] (the caller rolls back and reads the winner's report).
pub fn insert(
    conn: &mut DbConn,
    user_id: UserId,
    key: &str,
    request_hash: &str,
    report_id: ReportId,
) -> Result<()> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::user_id.eq(user_id.to_string()),
            idempotency_keys::idem_key.eq(key),
            idempotency_keys::request_hash.eq(request_hash),
            idempotency_keys::report_id.eq(report_id.to_string()),
            idempotency_keys::created_at.eq(time::to_db(time::now())),
        ))
        .execute(conn)
        .map_err(|e| unique_conflict(e, |_| "idempotency key".to_owned()))?;
    Ok(())
}

/// Whether `e` is the conflict [`insert`] reports for a key taken concurrently.
pub fn is_taken(e: &StorageError) -> bool {
    matches!(e, StorageError::Conflict(what) if what == "idempotency key")
}
