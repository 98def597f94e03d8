//! Accounts: inserting and finding users, password log-in bookkeeping (failure count and lock),
//! changes, unit memberships, and listing by region subtree and role.

use std::fmt;

use chrono::NaiveDateTime;
use cunxiang_core::identity::{Role, User, UserStatus, mask_phone};
use cunxiang_core::{UnitId, UnitKind, UserId};
use diesel::prelude::*;

use crate::conn::DbConn;
use crate::error::{Result, StorageError, unique_conflict};
use crate::page::Page;
use crate::regions::parse_id;
use crate::schema::{regions, units, user_units, users};
use crate::time;

#[cfg(test)]
pub(crate) mod tests;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
struct UserRow {
    id: String,
    display_name: String,
    role: String,
    status: String,
    phone: Option<String>,
    username: Option<String>,
    password_hash: Option<String>,
    wechat_openid: Option<String>,
    wechat_unionid: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(AsChangeset)]
#[diesel(table_name = users)]
struct UserChangeset<'a> {
    display_name: Option<&'a str>,
    role: Option<&'static str>,
    status: Option<&'static str>,
    password_hash: Option<&'a str>,
    updated_at: NaiveDateTime,
}

fn corrupt(reason: String) -> StorageError {
    StorageError::Corrupt {
        table: "users",
        reason,
    }
}

impl UserRow {
    fn to_core(&self) -> Result<User> {
        let role =
            Role::parse(&self.role).ok_or_else(|| corrupt(format!("role {:?}", self.role)))?;
        let status = UserStatus::parse(&self.status)
            .ok_or_else(|| corrupt(format!("status {:?}", self.status)))?;
        Ok(User {
            id: parse_id("users", &self.id)?,
            display_name: self.display_name.clone(),
            role,
            status,
            phone: self.phone.clone(),
            username: self.username.clone(),
            wechat_openid: self.wechat_openid.clone(),
            created_at: time::from_db(self.created_at),
            updated_at: time::from_db(self.updated_at),
        })
    }

    fn into_login_state(self) -> Result<LoginState> {
        Ok(LoginState {
            user: self.to_core()?,
            password_hash: self.password_hash,
        })
    }
}

/// An account to insert; it starts `active` with no failed log-ins. `Debug` hides the hash.
#[derive(Clone)]
pub struct NewUser {
    /// Name shown to others.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Normalised mobile number (unique).
    pub phone: Option<String>,
    /// Staff log-in name (unique).
    pub username: Option<String>,
    /// Password hash (PHC string), for staff.
    pub password_hash: Option<String>,
    /// WeChat mini-program openid (unique).
    pub wechat_openid: Option<String>,
    /// WeChat unionid, when the platform gave one.
    pub wechat_unionid: Option<String>,
}

/// What a password log-in needs to know about an account. `Debug` hides the hash.
#[derive(Clone)]
pub struct LoginState {
    /// The account.
    pub user: User,
    /// Its password hash, `None` when it has no password.
    pub password_hash: Option<String>,
}

/// Changes to an account; only the `Some` fields change. `Debug` hides the hash.
#[derive(Clone, Default)]
pub struct UserChanges {
    /// New display name.
    pub display_name: Option<String>,
    /// New role.
    pub role: Option<Role>,
    /// New status.
    pub status: Option<UserStatus>,
    /// New password hash.
    pub password_hash: Option<String>,
}

/// Shows whether a secret is set, never its value.
fn redacted(secret: Option<&String>) -> Option<&'static str> {
    secret.map(|_| "<redacted>")
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("display_name", &self.display_name)
            .field("role", &self.role)
            .field("phone", &self.phone)
            .field("username", &self.username)
            .field("password_hash", &redacted(self.password_hash.as_ref()))
            .field("wechat_openid", &self.wechat_openid)
            .field("wechat_unionid", &self.wechat_unionid)
            .finish()
    }
}

impl fmt::Debug for LoginState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginState")
            .field("user", &self.user)
            .field("password_hash", &redacted(self.password_hash.as_ref()))
            .finish()
    }
}

impl fmt::Debug for UserChanges {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserChanges")
            .field("display_name", &self.display_name)
            .field("role", &self.role)
            .field("status", &self.status)
            .field("password_hash", &redacted(self.password_hash.as_ref()))
            .finish()
    }
}

/// What a unique violation on `users` collided with, without echoing secrets.
fn conflict_text(hint: &str, new: &NewUser) -> String {
    if hint.contains("phone") {
        let phone = new.phone.as_deref().map_or_else(String::new, mask_phone);
        format!("user with phone {phone}")
    } else if hint.contains("openid") {
        "user with this WeChat openid".to_owned()
    } else if hint.contains("username") {
        format!(
            "user with username {}",
            new.username.as_deref().unwrap_or("")
        )
    } else {
        "user".to_owned()
    }
}

/// Inserts an account (status `active`). [`StorageError::Conflict`] when the phone, username
/// or WeChat openid is already taken.
pub fn insert(conn: &mut DbConn, new: &NewUser) -> Result<User> {
    let now = time::to_db(time::now());
    let row = UserRow {
        id: UserId::new().to_string(),
        display_name: new.display_name.clone(),
        role: new.role.as_str().to_owned(),
        status: UserStatus::Active.as_str().to_owned(),
        phone: new.phone.clone(),
        username: new.username.clone(),
        password_hash: new.password_hash.clone(),
        wechat_openid: new.wechat_openid.clone(),
        wechat_unionid: new.wechat_unionid.clone(),
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(users::table)
        .values(&row)
        .execute(conn)
        .map_err(|e| unique_conflict(e, |hint| conflict_text(hint, new)))?;
    row.to_core()
}

/// Inserts a villager's account on her first log-in or report, or — when a concurrent first
/// request made it meanwhile (a double tap, a retry) — returns that one. The insert runs in a
/// savepoint, so a failed one leaves the caller's transaction usable (PostgreSQL). Another
/// role holding the phone, openid or username stays a [`StorageError::Conflict`].
pub fn insert_once(conn: &mut DbConn, new: &NewUser) -> Result<User> {
    let conflict = match crate::conn::transaction(conn, |c| insert(c, new)) {
        Err(StorageError::Conflict(what)) => what,
        done => return done,
    };
    let found = if let Some(phone) = &new.phone {
        find_by_phone(conn, phone)?
    } else if let Some(openid) = &new.wechat_openid {
        find_by_openid(conn, openid)?
    } else if let Some(username) = &new.username {
        login_state(conn, username)?.map(|s| s.user)
    } else {
        None
    };
    found
        .filter(|u| u.role == new.role)
        .ok_or(StorageError::Conflict(conflict))
}

/// The account with this id.
pub fn find(conn: &mut DbConn, id: UserId) -> Result<Option<User>> {
    users::table
        .find(id.to_string())
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(|r| r.to_core())
        .transpose()
}

/// The accounts with these ids (unknown ids are left out), in no particular order.
pub fn find_many(conn: &mut DbConn, ids: &[UserId]) -> Result<Vec<User>> {
    let ids: Vec<String> = ids.iter().map(UserId::to_string).collect();
    users::table
        .filter(users::id.eq_any(ids))
        .select(UserRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|r| r.to_core())
        .collect()
}

/// The account with this (normalised) phone number.
pub fn find_by_phone(conn: &mut DbConn, phone: &str) -> Result<Option<User>> {
    users::table
        .filter(users::phone.eq(phone))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(|r| r.to_core())
        .transpose()
}

/// The account with this WeChat openid.
pub fn find_by_openid(conn: &mut DbConn, openid: &str) -> Result<Option<User>> {
    users::table
        .filter(users::wechat_openid.eq(openid))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(|r| r.to_core())
        .transpose()
}

/// The account with this username and its password hash,
/// whatever its status.
pub fn login_state(conn: &mut DbConn, username: &str) -> Result<Option<LoginState>> {
    users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(UserRow::into_login_state)
        .transpose()
}

/// Applies `changes` (only its `Some` fields) and sets `updated_at`; the changed account, or
/// `None` when there is no such user.
pub fn update(conn: &mut DbConn, id: UserId, changes: &UserChanges) -> Result<Option<User>> {
    let changed = diesel::update(users::table.find(id.to_string()))
        .set(UserChangeset {
            display_name: changes.display_name.as_deref(),
            role: changes.role.map(Role::as_str),
            status: changes.status.map(UserStatus::as_str),
            password_hash: changes.password_hash.as_deref(),
            updated_at: time::to_db(time::now()),
        })
        .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    find(conn, id)
}

/// Replaces the user's unit memberships with `unit_ids` (duplicates ignored), in one
/// transaction. [`StorageError::NotFound`] naming the user or the first unknown unit, and
/// then nothing changes.
pub fn set_units(conn: &mut DbConn, user_id: UserId, unit_ids: &[UnitId]) -> Result<()> {
    let mut wanted: Vec<String> = unit_ids.iter().map(UnitId::to_string).collect();
    wanted.sort();
    wanted.dedup();
    let user_text = user_id.to_string();
    crate::conn::transaction(conn, |conn| {
        let user_exists: i64 = users::table
            .filter(users::id.eq(&user_text))
            .count()
            .get_result(conn)?;
        if user_exists == 0 {
            return Err(StorageError::NotFound(format!("user {user_id}")));
        }
        let known: Vec<String> = units::table
            .filter(units::id.eq_any(&wanted))
            .select(units::id)
            .load(conn)?;
        if let Some(missing) = wanted.iter().find(|w| !known.contains(w)) {
            return Err(StorageError::NotFound(format!("unit {missing}")));
        }
        diesel::delete(user_units::table.filter(user_units::user_id.eq(&user_text)))
            .execute(conn)?;
        for unit_id in &wanted {
            diesel::insert_into(user_units::table)
                .values((
                    user_units::user_id.eq(&user_text),
                    user_units::unit_id.eq(unit_id),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// The user's units, each with the materialised path of the unit's region and the unit's
/// kind, by unit id.
pub fn units_of(conn: &mut DbConn, user_id: UserId) -> Result<Vec<(UnitId, String, UnitKind)>> {
    let rows: Vec<(String, String, UnitKind)> = user_units::table
        .inner_join(units::table.inner_join(regions::table))
        .filter(user_units::user_id.eq(user_id.to_string()))
        .select((units::id, regions::path, units::kind))
        .order(units::id)
        .load(conn)?;
    rows.into_iter()
        .map(|(unit, path, kind)| Ok((parse_id("user_units", &unit)?, path, kind)))
        .collect()
}

/// One page of accounts in id order. With `within_path`, only users belonging to at least one
/// unit whose region lies in the subtree with that materialised path (each user once); with
/// `role`, only that role.
pub fn list(
    conn: &mut DbConn,
    within_path: Option<&str>,
    role: Option<Role>,
    after: Option<&str>,
    limit: i64,
) -> Result<Page<User>> {
    let mut query = users::table
        .select(UserRow::as_select())
        .order(users::id)
        .into_boxed();
    if let Some(path) = within_path {
        let members = user_units::table
            .inner_join(units::table.inner_join(regions::table))
            .filter(regions::path.like(format!("{path}%")))
            .select(user_units::user_id);
        query = query.filter(users::id.eq_any(members));
    }
    if let Some(role) = role {
        query = query.filter(users::role.eq(role.as_str()));
    }
    if let Some(after) = after {
        query = query.filter(users::id.gt(after.to_owned()));
    }
    let rows: Vec<UserRow> = query.limit(limit + 1).load(conn)?;
    let users = rows
        .into_iter()
        .map(|r| r.to_core())
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(users, limit, |u| u.id.to_string()))
}
