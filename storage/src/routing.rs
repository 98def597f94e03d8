//! Routing data: the rules, and a snapshot of everything `cunxiang_core::routing::route`
//! looks at (regions, units, rules, the regions that have a supervisor) as an indexed
//! [`Organisation`], plus the active grid outlines the grid index is built from and the
//! organisation's version that tells when both are stale.

use std::collections::{HashMap, HashSet};

use cunxiang_core::routing::{Organisation, RoutingRule};
use cunxiang_core::{Role, UnitId, UserStatus};
use diesel::prelude::*;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::{Result, StorageError};
use crate::regions::parse_id;
use crate::schema::{grids, routing_rules, units, user_units, users};
use crate::time;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = routing_rules)]
struct RuleRow {
    id: String,
    number: i64,
    category_code: Option<String>,
    region_id: String,
    unit_id: String,
    active: bool,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
}

impl RuleRow {
    fn into_core(self) -> Result<RoutingRule> {
        Ok(RoutingRule {
            id: parse_id("routing_rules", &self.id)?,
            number: self.number,
            category: self.category_code,
            region_id: parse_id("routing_rules", &self.region_id)?,
            unit_id: parse_id("routing_rules", &self.unit_id)?,
            active: self.active,
        })
    }
}

/// A rule to add: reports of `category` (any when `None`) in `region_id`'s subtree go to
/// `unit_id`.
#[derive(Debug, Clone)]
pub struct NewRule {
    /// Category code, `None` for a catch-all.
    pub category: Option<String>,
    /// The region whose subtree the rule covers.
    pub region_id: Uuid,
    /// Where matching reports go.
    pub unit_id: UnitId,
}

/// A PostgreSQL lock key for "numbering a routing rule" (any constant; ours spells CXRULE).
const RULE_NUMBER_LOCK: i64 = 0x43_58_52_55_4c_45;

/// Adds a rule with the next free number (concurrent additions take turns: two could read the
/// same highest number).
pub fn insert(conn: &mut DbConn, new: &NewRule) -> Result<RoutingRule> {
    crate::conn::transaction(conn, |conn| {
        crate::conn::serialise(conn, RULE_NUMBER_LOCK)?;
        let last: Option<i64> = routing_rules::table
            .select(diesel::dsl::max(routing_rules::number))
            .first(conn)?;
        let now = time::to_db(time::now());
        let row = RuleRow {
            id: Uuid::now_v7().to_string(),
            number: last.unwrap_or(0) + 1,
            category_code: new.category.clone(),
            region_id: new.region_id.to_string(),
            unit_id: new.unit_id.to_string(),
            active: true,
            created_at: now,
            updated_at: now,
        };
        diesel::insert_into(routing_rules::table)
            .values(&row)
            .execute(conn)?;
        row.into_core()
    })
}

/// Every rule, by number.
pub fn list(conn: &mut DbConn) -> Result<Vec<RoutingRule>> {
    routing_rules::table
        .select(RuleRow::as_select())
        .order(routing_rules::number)
        .load(conn)?
        .into_iter()
        .map(RuleRow::into_core)
        .collect()
}

/// The rule with this id.
pub fn find(conn: &mut DbConn, id: Uuid) -> Result<Option<RoutingRule>> {
    routing_rules::table
        .find(id.to_string())
        .select(RuleRow::as_select())
        .first(conn)
        .optional()?
        .map(RuleRow::into_core)
        .transpose()
}

/// Enables or disables a rule; `None` when there is no such rule.
pub fn set_active(conn: &mut DbConn, id: Uuid, active: bool) -> Result<Option<RoutingRule>> {
    let changed = diesel::update(routing_rules::table.find(id.to_string()))
        .set((
            routing_rules::active.eq(active),
            routing_rules::updated_at.eq(time::to_db(time::now())),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    find(conn, id)
}

/// Loads everything routing decides with — the region tree, every unit, every rule and the
/// regions served by a unit with an active supervisor — and indexes it once.
pub fn snapshot(conn: &mut DbConn) -> Result<Organisation> {
    let regions = crate::regions::all(conn)?;
    let units = crate::units::all(conn)?;
    let rules = list(conn)?;
    let supervised_units: Vec<String> = user_units::table
        .inner_join(users::table)
        .filter(users::role.eq(Role::Supervisor))
        .filter(users::status.eq(UserStatus::Active))
        .select(user_units::unit_id)
        .distinct()
        .load(conn)?;
    let supervised_units: HashSet<UnitId> = supervised_units
        .iter()
        .map(|id| parse_id("user_units", id))
        .collect::<Result<_>>()?;
    let supervised: HashSet<Uuid> = units
        .iter()
        .filter(|u| supervised_units.contains(&u.id))
        .map(|u| u.region_id)
        .collect();
    Ok(Organisation::new(regions, units, rules, supervised))
}

/// id, path, parent id, case prefix, code.
type StampRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Every region's materialised path and the case-number prefix of its top-level region (the
/// county's `case_prefix`, else its code, else `CX`), by region id: what intake stamps on a
/// report, kept in the routing snapshot.
pub fn region_stamps(conn: &mut DbConn) -> Result<HashMap<Uuid, (String, String)>> {
    use crate::schema::regions;
    let rows: Vec<StampRow> = regions::table
        .select((
            regions::id,
            regions::path,
            regions::parent_id,
            regions::case_prefix,
            regions::code,
        ))
        .load(conn)?;
    let prefixes: HashMap<&str, String> = rows
        .iter()
        .filter(|r| r.2.is_none())
        .map(|r| {
            let prefix = r.3.clone().or_else(|| r.4.clone());
            (r.0.as_str(), prefix.unwrap_or_else(|| "CX".to_owned()))
        })
        .collect();
    rows.iter()
        .map(|(id, path, ..)| {
            let root = path.split('/').find(|s| !s.is_empty()).unwrap_or_default();
            let prefix = prefixes
                .get(root)
                .cloned()
                .unwrap_or_else(|| "CX".to_owned());
            Ok((parse_id("regions", id)?, (path.clone(), prefix)))
        })
        .collect()
}

/// The outlines of the active grids with their regions, for the grid index.
pub fn active_grid_outlines(conn: &mut DbConn) -> Result<Vec<(Uuid, Uuid, String)>> {
    let rows: Vec<(String, String, String)> = grids::table
        .filter(grids::active.eq(true))
        .select((grids::id, grids::region_id, grids::geometry))
        .order(grids::id)
        .load(conn)?;
    rows.into_iter()
        .map(|(id, region, geometry)| {
            Ok((
                parse_id("grids", &id)?,
                parse_id("grids", &region)?,
                geometry,
            ))
        })
        .collect()
}

/// The organisation's version: triggers bump it with every change to regions, grids, units,
/// routing rules, supervisors and their units (migration `000009_org_version`). Instances
/// compare it to know when to rebuild their routing snapshot and grid index; one read by key.
pub fn org_version(conn: &mut DbConn) -> Result<i64> {
    Ok(crate::schema::org_state::table
        .find(1)
        .select(crate::schema::org_state::version)
        .first(conn)?)
}

/// Whether a unit exists and is active (rules may only point at active units).
pub fn unit_is_active(conn: &mut DbConn, id: UnitId) -> Result<bool> {
    let found: Option<bool> = units::table
        .find(id.to_string())
        .select(units::active)
        .first(conn)
        .optional()?;
    match found {
        Some(active) => Ok(active),
        None => Err(StorageError::NotFound(format!("unit {id}"))),
    }
}
