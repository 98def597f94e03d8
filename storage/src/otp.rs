//! One-time SMS log-in codes: storing their hashes, the per-phone and per-IP send windows, and
//! checking a code (attempt counting and single use).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::min;
use diesel::prelude::*;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::{Result, StorageError};
use crate::regions::parse_id;
use crate::schema::otp_codes;
use crate::time;

/// A stored code that may still be entered. `Debug` hides the hash (a short code's hash is
/// easily reversed).
#[derive(Clone, PartialEq)]
pub struct OtpCode {
    /// Its id.
    pub id: Uuid,
    /// The phone it was sent to.
    pub phone: String,
    /// Hash of the code.
    pub code_hash: String,
    /// Wrong entries so far.
    pub attempts: i32,
    /// When it stops being valid.
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for OtpCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtpCode")
            .field("id", &self.id)
            .field("phone", &self.phone)
            .field("code_hash", &"<redacted>")
            .field("attempts", &self.attempts)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = otp_codes)]
struct OtpRow {
    id: String,
    phone: String,
    code_hash: String,
    attempts: i32,
    expires_at: NaiveDateTime,
}

/// Stores a newly sent code's hash; returns its id.
pub fn insert(
    conn: &mut DbConn,
    phone: &str,
    code_hash: &str,
    ip: &str,
    expires_at: DateTime<Utc>,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    diesel::insert_into(otp_codes::table)
        .values((
            otp_codes::id.eq(id.to_string()),
            otp_codes::phone.eq(phone),
            otp_codes::code_hash.eq(code_hash),
            otp_codes::requester_ip.eq(ip),
            otp_codes::attempts.eq(0),
            otp_codes::expires_at.eq(time::to_db(expires_at)),
            otp_codes::created_at.eq(time::to_db(time::now())),
        ))
        .execute(conn)?;
    Ok(id)
}

/// How many codes were sent to `phone` at or after `since`.
pub fn count_for_phone_since(conn: &mut DbConn, phone: &str, since: DateTime<Utc>) -> Result<i64> {
    Ok(otp_codes::table
        .filter(otp_codes::phone.eq(phone))
        .filter(otp_codes::created_at.ge(time::to_db(since)))
        .count()
        .get_result(conn)?)
}

/// How many codes were requested from `ip` at or after `since`.
pub fn count_for_ip_since(conn: &mut DbConn, ip: &str, since: DateTime<Utc>) -> Result<i64> {
    Ok(otp_codes::table
        .filter(otp_codes::requester_ip.eq(ip))
        .filter(otp_codes::created_at.ge(time::to_db(since)))
        .count()
        .get_result(conn)?)
}

/// When the oldest code sent to `phone` at or after `since` was created (for `Retry-After`).
pub fn oldest_for_phone_since(
    conn: &mut DbConn,
    phone: &str,
    since: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    let oldest: Option<NaiveDateTime> = otp_codes::table
        .filter(otp_codes::phone.eq(phone))
        .filter(otp_codes::created_at.ge(time::to_db(since)))
        .select(min(otp_codes::created_at))
        .first(conn)?;
    Ok(oldest.map(time::from_db))
}

/// When the oldest code requested from `ip` at or after `since` was created (for
/// `Retry-After`).
pub fn oldest_for_ip_since(
    conn: &mut DbConn,
    ip: &str,
    since: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    let oldest: Option<NaiveDateTime> = otp_codes::table
        .filter(otp_codes::requester_ip.eq(ip))
        .filter(otp_codes::created_at.ge(time::to_db(since)))
        .select(min(otp_codes::created_at))
        .first(conn)?;
    Ok(oldest.map(time::from_db))
}

/// The newest code for `phone` that is neither used nor expired at `now`.
pub fn latest_active(
    conn: &mut DbConn,
    phone: &str,
    now: DateTime<Utc>,
) -> Result<Option<OtpCode>> {
    let row: Option<OtpRow> = otp_codes::table
        .filter(otp_codes::phone.eq(phone))
        .filter(otp_codes::used_at.is_null())
        .filter(otp_codes::expires_at.gt(time::to_db(now)))
        .order((otp_codes::created_at.desc(), otp_codes::id.desc()))
        .select(OtpRow::as_select())
        .first(conn)
        .optional()?;
    row.map(|r| {
        Ok(OtpCode {
            id: parse_id("otp_codes", &r.id)?,
            phone: r.phone,
            code_hash: r.code_hash,
            attempts: r.attempts,
            expires_at: time::from_db(r.expires_at),
        })
    })
    .transpose()
}

/// Counts one entry of the code and returns the new count. [`StorageError::NotFound`] when
/// there is no such code.
pub fn record_attempt(conn: &mut DbConn, id: Uuid) -> Result<i32> {
    let id_text = id.to_string();
    crate::conn::transaction(conn, |conn| {
        let changed = diesel::update(otp_codes::table.find(&id_text))
            .set(otp_codes::attempts.eq(otp_codes::attempts + 1))
            .execute(conn)?;
        if changed == 0 {
            return Err(StorageError::NotFound(format!("otp code {id}")));
        }
        Ok(otp_codes::table
            .find(&id_text)
            .select(otp_codes::attempts)
            .first(conn)?)
    })
}

/// Marks the code used at `now`; `true` only for the one call that did so (a guarded
/// UPDATE, so a code is used at most once even when two requests race).
pub fn consume(conn: &mut DbConn, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    let changed = diesel::update(
        otp_codes::table
            .find(id.to_string())
            .filter(otp_codes::used_at.is_null()),
    )
    .set(otp_codes::used_at.eq(Some(time::to_db(now))))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Removes a code that was reserved but may not be sent (the caller is over its limit), so it
/// does not count against the limit.
pub fn delete(conn: &mut DbConn, id: Uuid) -> Result<()> {
    diesel::delete(otp_codes::table.find(id.to_string())).execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::users::tests::each_backend;

    #[test]
    fn a_code_is_consumed_only_once() {
        each_backend(|conn| {
            let now = time::now();
            let id = insert(
                conn,
                "13800000001",
                "h1",
                "10.0.0.1",
                now + Duration::minutes(5),
            )
            .unwrap();
            let active = latest_active(conn, "13800000001", now).unwrap().unwrap();
            assert_eq!(active.id, id);
            assert_eq!(active.attempts, 0);
            assert!(
                !format!("{active:?}").contains("h1"),
                "Debug hides the hash"
            );
            assert_eq!(record_attempt(conn, id).unwrap(), 1);
            assert_eq!(record_attempt(conn, id).unwrap(), 2);
            assert!(consume(conn, id, now).unwrap());
            assert!(!consume(conn, id, now).unwrap());
            assert_eq!(latest_active(conn, "13800000001", now).unwrap(), None);
            assert!(matches!(
                record_attempt(conn, Uuid::now_v7()),
                Err(StorageError::NotFound(_))
            ));
        });
    }

    #[test]
    fn the_newest_unexpired_code_is_active() {
        each_backend(|conn| {
            let now = time::now();
            let phone = "13800000002";
            insert(conn, phone, "old", "ip", now + Duration::minutes(5)).unwrap();
            let newest = insert(conn, phone, "new", "ip", now + Duration::minutes(5)).unwrap();
            insert(conn, phone, "expired", "ip", now - Duration::seconds(1)).unwrap();
            let active = latest_active(conn, phone, now).unwrap().unwrap();
            assert_eq!((active.id, active.code_hash.as_str()), (newest, "new"));
            assert_eq!(latest_active(conn, "13800000009", now).unwrap(), None);
        });
    }

    #[test]
    fn windows_count_by_phone_and_ip() {
        each_backend(|conn| {
            let before = time::now() - Duration::seconds(1);
            let exp = time::now() + Duration::minutes(5);
            insert(conn, "13800000003", "a", "10.0.0.3", exp).unwrap();
            insert(conn, "13800000003", "b", "10.0.0.4", exp).unwrap();
            insert(conn, "13800000004", "c", "10.0.0.3", exp).unwrap();
            assert_eq!(
                count_for_phone_since(conn, "13800000003", before).unwrap(),
                2
            );
            assert_eq!(count_for_ip_since(conn, "10.0.0.3", before).unwrap(), 2);
            assert_eq!(count_for_ip_since(conn, "10.0.0.9", before).unwrap(), 0);
            let later = time::now() + Duration::seconds(1);
            assert_eq!(
                count_for_phone_since(conn, "13800000003", later).unwrap(),
                0
            );
            let oldest = oldest_for_phone_since(conn, "13800000003", before)
                .unwrap()
                .unwrap();
            assert!(oldest >= before && oldest <= time::now());
            assert!(
                oldest_for_ip_since(conn, "10.0.0.3", before)
                    .unwrap()
                    .is_some()
            );
            assert_eq!(oldest_for_ip_since(conn, "10.0.0.3", later).unwrap(), None);
            assert_eq!(
                oldest_for_phone_since(conn, "13800000009", before).unwrap(),
                None
            );
        });
    }
}
