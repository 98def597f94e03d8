//! The people a report concerns, looked up when one of its events is written: followers,
//! members of units, supervisors over a region, and how to reach each (role, phone, WeChat).

use cunxiang_core::{ReportId, Role, UnitId, UserId, UserStatus};
use diesel::prelude::*;

use crate::conn::DbConn;
use crate::error::Result;
use crate::regions::parse_id;
use crate::schema::{regions, report_followers, units, user_units, users};

/// How to reach one person outside the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// The person.
    pub id: UserId,
    /// Her role.
    pub role: Role,
    /// Whether her account is active.
    pub active: bool,
    /// Her phone number, if she has one.
    pub phone: Option<String>,
    /// Her mini-program openid, if she logged in with WeChat.
    pub wechat_openid: Option<String>,
}

fn ids(table: &'static str, rows: Vec<String>) -> Result<Vec<UserId>> {
    rows.iter().map(|id| parse_id(table, id)).collect()
}

/// The report's "me too" followers.
pub fn followers(conn: &mut DbConn, report_id: ReportId) -> Result<Vec<UserId>> {
    let rows = report_followers::table
        .filter(report_followers::report_id.eq(report_id.to_string()))
        .select(report_followers::user_id)
        .order(report_followers::user_id)
        .load(conn)?;
    ids("report_followers", rows)
}

/// Active members of these units.
pub fn members(conn: &mut DbConn, unit_ids: &[UnitId]) -> Result<Vec<UserId>> {
    if unit_ids.is_empty() {
        return Ok(Vec::new());
    }
    let units: Vec<String> = unit_ids.iter().map(UnitId::to_string).collect();
    let rows = user_units::table
        .inner_join(users::table)
        .filter(user_units::unit_id.eq_any(units))
        .filter(users::status.eq(UserStatus::Active))
        .select(user_units::user_id)
        .distinct()
        .order(user_units::user_id)
        .load(conn)?;
    ids("user_units", rows)
}

/// Active supervisors whose units' regions contain `region_path` (a region's materialised
/// path): the people who may urge, escalate and supervise there.
pub fn supervisors_over(conn: &mut DbConn, region_path: &str) -> Result<Vec<UserId>> {
    let rows: Vec<(String, String)> = user_units::table
        .inner_join(users::table)
        .inner_join(units::table.inner_join(regions::table))
        .filter(users::role.eq(Role::Supervisor))
        .filter(users::status.eq(UserStatus::Active))
        .select((user_units::user_id, regions::path))
        .order(user_units::user_id)
        .load(conn)?;
    let mut out: Vec<UserId> = Vec::new();
    for (user, path) in rows {
        let id = parse_id("user_units", &user)?;
        if region_path.starts_with(path.as_str()) && !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// id, role, status, phone, openid.
type ContactRow = (String, Role, UserStatus, Option<String>, Option<String>);

/// How to reach these people (unknown ids are left out).
pub fn contacts(conn: &mut DbConn, user_ids: &[UserId]) -> Result<Vec<Contact>> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    let wanted: Vec<String> = user_ids.iter().map(UserId::to_string).collect();
    let rows: Vec<ContactRow> = users::table
        .filter(users::id.eq_any(wanted))
        .select((
            users::id,
            users::role,
            users::status,
            users::phone,
            users::wechat_openid,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, role, status, phone, wechat_openid)| {
            Ok(Contact {
                id: parse_id("users", &id)?,
                role,
                active: status == UserStatus::Active,
                phone,
                wechat_openid,
            })
        })
        .collect()
}
