//! Refresh tokens: stored by hash, rotated (each used once), revoked by family or by user.

use chrono::{DateTime, NaiveDateTime, Utc};
use cunxiang_core::UserId;
use diesel::prelude::*;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::{Result, unique_conflict};
use crate::regions::parse_id;
use crate::schema::refresh_tokens;
use crate::time;

/// A stored refresh token (its hash stays in the database).
#[derive(Debug, Clone, PartialEq)]
pub struct RefreshToken {
    /// Its id.
    pub id: Uuid,
    /// The chain of rotations it belongs to (one log-in).
    pub family_id: Uuid,
    /// Whose it is.
    pub user_id: UserId,
    /// When it stops being valid.
    pub expires_at: DateTime<Utc>,
    /// When it was exchanged for a new one.
    pub used_at: Option<DateTime<Utc>>,
    /// When its family was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
struct TokenRow {
    id: String,
    family_id: String,
    user_id: String,
    expires_at: NaiveDateTime,
    used_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
}

impl TokenRow {
    fn into_core(self) -> Result<RefreshToken> {
        Ok(RefreshToken {
            id: parse_id("refresh_tokens", &self.id)?,
            family_id: parse_id("refresh_tokens", &self.family_id)?,
            user_id: parse_id("refresh_tokens", &self.user_id)?,
            expires_at: time::from_db(self.expires_at),
            used_at: self.used_at.map(time::from_db),
            revoked_at: self.revoked_at.map(time::from_db),
        })
    }
}

/// Stores a new token's hash in `family_id`; returns its id. [`crate::StorageError::Conflict`]
/// if the hash is already stored.
pub fn insert(
    conn: &mut DbConn,
    family_id: Uuid,
    user_id: UserId,
    token_hash: &str,
    expires_at: DateTime<Utc>,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::id.eq(id.to_string()),
            refresh_tokens::family_id.eq(family_id.to_string()),
            refresh_tokens::user_id.eq(user_id.to_string()),
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::expires_at.eq(time::to_db(expires_at)),
            refresh_tokens::created_at.eq(time::to_db(time::now())),
        ))
        .execute(conn)
        .map_err(|e| unique_conflict(e, |_| "refresh token".to_owned()))?;
    Ok(id)
}

/// The token with this hash, whatever its state.
pub fn find_by_hash(conn: &mut DbConn, token_hash: &str) -> Result<Option<RefreshToken>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(TokenRow::as_select())
        .first(conn)
        .optional()?
        .map(TokenRow::into_core)
        .transpose()
}

/// Marks the token used at `now`; `true` only for the one call that did so, and only while it
/// is neither used nor revoked (a guarded UPDATE, safe under races).
pub fn mark_used(conn: &mut DbConn, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
    let changed = diesel::update(
        refresh_tokens::table
            .find(id.to_string())
            .filter(refresh_tokens::used_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(Some(time::to_db(now))))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Revokes every not yet revoked token of the family; returns how many.
pub fn revoke_family(conn: &mut DbConn, family_id: Uuid, now: DateTime<Utc>) -> Result<usize> {
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id.to_string()))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(Some(time::to_db(now))))
    .execute(conn)?)
}

/// Revokes every not yet revoked token of the user; returns how many.
pub fn revoke_user(conn: &mut DbConn, user_id: UserId, now: DateTime<Utc>) -> Result<usize> {
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id.to_string()))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(Some(time::to_db(now))))
    .execute(conn)?)
}

/// Whether any token of the family has been revoked (the whole family is then dead, even a
/// token issued by a rotation that raced the revocation).
pub fn family_revoked(conn: &mut DbConn, family_id: Uuid) -> Result<bool> {
    use crate::schema::refresh_tokens;
    use diesel::dsl::{exists, select};
    Ok(select(exists(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id.to_string()))
            .filter(refresh_tokens::revoked_at.is_not_null()),
    ))
    .get_result(conn)?)
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::StorageError;
    use crate::users::tests::{each_backend, villager};

    #[test]
    fn a_token_is_used_once_and_families_are_revoked() {
        each_backend(|conn| {
            let user = villager(conn, "13800000011");
            let now = time::now();
            let exp = now + Duration::days(30);
            let family = Uuid::now_v7();
            let first = insert(conn, family, user.id, "hash-1", exp).unwrap();
            let found = find_by_hash(conn, "hash-1").unwrap().unwrap();
            assert_eq!(
                (found.id, found.family_id, found.user_id),
                (first, family, user.id)
            );
            assert_eq!((found.expires_at, found.used_at), (exp, None));
            assert_eq!(find_by_hash(conn, "hash-x").unwrap(), None);

            assert!(mark_used(conn, first, now).unwrap());
            assert!(!mark_used(conn, first, now).unwrap());
            assert_eq!(
                find_by_hash(conn, "hash-1").unwrap().unwrap().used_at,
                Some(now)
            );

            let second = insert(conn, family, user.id, "hash-2", exp).unwrap();
            let other = insert(conn, Uuid::now_v7(), user.id, "hash-3", exp).unwrap();
            assert_eq!(revoke_family(conn, family, now).unwrap(), 2);
            assert_eq!(revoke_family(conn, family, now).unwrap(), 0);
            assert!(
                !mark_used(conn, second, now).unwrap(),
                "revoked tokens are not used"
            );
            assert!(mark_used(conn, other, now).unwrap());

            assert_eq!(revoke_user(conn, user.id, now).unwrap(), 1);
            let third = find_by_hash(conn, "hash-3").unwrap().unwrap();
            assert_eq!(third.revoked_at, Some(now));

            let dup = insert(conn, family, user.id, "hash-1", exp).unwrap_err();
            assert!(matches!(dup, StorageError::Conflict(_)), "{dup}");
            assert!(!dup.to_string().contains("hash-1"), "{dup}");
        });
    }
}
