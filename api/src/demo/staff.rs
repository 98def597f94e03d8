//! The demo staff: an admin, the county and 潢溪镇 supervisors, a grid worker per demo grid
//! and a volunteer of 渡口村帮帮团, sharing one random password that is written to the data dir's log-ins file.

use std::path::Path;

use anyhow::{Context, anyhow};
use cunxiang_core::{Role, UnitKind};
use cunxiang_storage::DbConn;

use super::LOGINS_FILE;

/// An admin, the county and 潢溪镇 supervisors, and a grid worker per demo grid, all with one
/// random password (hashed once) written to the log-ins file.
pub(super) fn seed_staff(conn: &mut DbConn, data_dir: &Path) -> anyhow::Result<usize> {
    let password = crate::keys::random_token()[..16].to_owned();
    let hash = crate::auth::password::hash(&password).map_err(|e| anyhow!(e))?;
    let unit_named = |conn: &mut DbConn, name: &str| -> anyhow::Result<cunxiang_core::UnitId> {
        let page = cunxiang_storage::units::list(conn, &Default::default(), None, 10_000)?;
        page.items
            .into_iter()
            .find(|u| u.name == name)
            .map(|u| u.id)
            .with_context(|| format!("demo unit {name}"))
    };
    let mut staff: Vec<(String, String, Role, Option<cunxiang_core::UnitId>, String)> = vec![
        (
            "admin".into(),
            "系统管理员".into(),
            Role::Admin,
            None,
            "-".into(),
        ),
        (
            "yj-supervisor".into(),
            "余江区综治中心督办员".into(),
            Role::Supervisor,
            Some(unit_named(conn, "余江区综治中心")?),
            "余江区综治中心".into(),
        ),
        (
            "hx-supervisor".into(),
            "潢溪镇综治中心督办员".into(),
            Role::Supervisor,
            Some(unit_named(conn, "潢溪镇综治中心")?),
            "潢溪镇综治中心".into(),
        ),
    ];
    let teams = cunxiang_storage::units::list(
        conn,
        &cunxiang_storage::units::UnitFilter {
            within_path: None,
            kind: Some(UnitKind::GridTeam),
        },
        None,
        1000,
    )?;
    for (n, team) in teams.items.iter().enumerate() {
        let grid = team.name.trim_end_matches("工作组").to_owned();
        staff.push((
            format!("gw-{}", n + 1),
            format!("{grid}网格员"),
            Role::GridWorker,
            Some(team.id),
            team.name.clone(),
        ));
    }
    staff.push((
        "vt-1".into(),
        "渡口村帮帮团志愿者".into(),
        Role::UnitStaff,
        Some(unit_named(conn, super::volunteers::TEAM)?),
        super::volunteers::TEAM.into(),
    ));
    let mut text = format!(
        "# Cunxiang demo log-ins, made when the demo county was seeded. Demo data is not for\n\
         # production: start a real deployment with --no-demo.\n\
         password for every demo account: {password}\n"
    );
    for (username, display_name, role, unit, unit_name) in &staff {
        let user = cunxiang_storage::users::insert(
            conn,
            &cunxiang_storage::users::NewUser {
                display_name: display_name.clone(),
                role: *role,
                phone: None,
                username: Some(username.clone()),
                password_hash: Some(hash.clone()),
                wechat_openid: None,
                wechat_unionid: None,
            },
        )?;
        if let Some(unit) = unit {
            cunxiang_storage::users::set_units(conn, user.id, &[*unit])?;
        }
        text.push_str(&format!(
            "{username:<15} {:<12} {unit_name}\n",
            role.as_str()
        ));
    }
    write_private(&data_dir.join(LOGINS_FILE), &text)?;
    Ok(staff.len())
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(text.as_bytes())
}
