//! `cunxiang create-user`: a staff account from the command line (first admin of a new
//! deployment, or scripted set-up). Audited like one made through the API.

use anyhow::{Context, bail};
use cunxiang_core::{Role, UnitId};
use cunxiang_storage::DatabaseTarget;
use cunxiang_storage::users::NewUser;
use serde_json::json;
use uuid::Uuid;

use crate::auth::password;
use crate::settings::Settings;

/// Creates the account and prints its id.
pub fn run(
    settings: &Settings,
    username: &str,
    password_given: &str,
    role: &str,
    units: &[Uuid],
    display_name: Option<String>,
) -> anyhow::Result<()> {
    let units: Vec<UnitId> = units.iter().copied().map(UnitId).collect();
    let role = Role::parse(role)
        .filter(|r| r.is_staff())
        .with_context(|| {
            format!("--role {role:?} must be one of admin, supervisor, unit_staff, grid_worker")
        })?;
    let username_ok = (3..=32).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if !username_ok {
        bail!("--username must be 3-32 letters, digits, '.', '_' or '-'");
    }
    password::check_strength(password_given).map_err(|e| anyhow::anyhow!("--password: {e}"))?;
    if role != Role::Admin && units.is_empty() {
        bail!("a {} needs --unit UNIT_ID", role.as_str());
    }
    let hash = password::hash(password_given).map_err(|e| anyhow::anyhow!(e))?;
    let target = DatabaseTarget::parse(&settings.database_url)?;
    let mut conn = target.connect()?;
    cunxiang_storage::migrate::run_pending(&mut conn)?;
    let user = cunxiang_storage::conn::transaction(&mut conn, |conn| -> anyhow::Result<_> {
        for unit in &units {
            if cunxiang_storage::units::region_path_of(conn, *unit)?.is_none() {
                bail!("no unit {unit}");
            }
        }
        let user = cunxiang_storage::users::insert(
            conn,
            &NewUser {
                display_name: display_name.clone().unwrap_or_else(|| username.to_owned()),
                role,
                phone: None,
                username: Some(username.to_owned()),
                password_hash: Some(hash.clone()),
                wechat_openid: None,
                wechat_unionid: None,
            },
        )?;
        cunxiang_storage::users::set_units(conn, user.id, &units)?;
        let id = user.id.to_string();
        cunxiang_storage::audit::insert(
            conn,
            &cunxiang_storage::audit::NewAuditEntry {
                actor: None,
                action: "user_created",
                subject: Some(&id),
                ip: Some("command line"),
                details: json!({ "role": role, "unit_ids": units, "via": "cunxiang create-user" }),
            },
        )?;
        Ok(user)
    })?;
    println!("created {} {} ({})", role.as_str(), username, user.id);
    Ok(())
}
