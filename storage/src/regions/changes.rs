//! Changing the region tree after import: renaming, codes, case-number prefixes, and deleting a
//! region only when nothing refers to it.

use cunxiang_core::Region;
use diesel::prelude::*;
use uuid::Uuid;

use super::find;
use crate::conn::DbConn;
use crate::error::{Result, StorageError};
use crate::schema::regions;

/// Renames a region or changes its code; `None` when there is no such region. A code already
/// used by another region is a [`StorageError::Conflict`].
pub fn update(
    conn: &mut DbConn,
    id: Uuid,
    name: Option<&str>,
    code: Option<Option<&str>>,
) -> Result<Option<Region>> {
    let key = id.to_string();
    let target = || regions::table.find(&key);
    if let Some(name) = name {
        diesel::update(target())
            .set(regions::name.eq(name))
            .execute(conn)?;
    }
    if let Some(code) = code {
        if let Some(code) = code {
            let taken: i64 = regions::table
                .filter(regions::code.eq(code))
                .filter(regions::id.ne(id.to_string()))
                .count()
                .get_result(conn)?;
            if taken > 0 {
                return Err(StorageError::Conflict(format!(
                    "region code {code} is already used"
                )));
            }
        }
        diesel::update(target())
            .set(regions::code.eq(code))
            .execute(conn)?;
    }
    find(conn, id)
}

/// What still refers to a region; a region is deleted only when all are zero.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionUsage {
    /// Regions directly below it.
    pub children: i64,
    /// Grids inside it.
    pub grids: i64,
    /// Units serving it.
    pub units: i64,
    /// Routing rules on its subtree (active or not: the timeline cites them).
    pub routing_rules: i64,
    /// API clients scoped to it.
    pub clients: i64,
}

impl RegionUsage {
    /// Whether nothing refers to the region.
    pub fn is_unused(&self) -> bool {
        *self == Self::default()
    }
}

/// Counts what refers to a region.
pub fn usage(conn: &mut DbConn, id: Uuid) -> Result<RegionUsage> {
    use crate::schema::{api_clients, grids, routing_rules, units};
    let id = id.to_string();
    Ok(RegionUsage {
        children: regions::table
            .filter(regions::parent_id.eq(&id))
            .count()
            .get_result(conn)?,
        grids: grids::table
            .filter(grids::region_id.eq(&id))
            .count()
            .get_result(conn)?,
        units: units::table
            .filter(units::region_id.eq(&id))
            .count()
            .get_result(conn)?,
        routing_rules: routing_rules::table
            .filter(routing_rules::region_id.eq(&id))
            .count()
            .get_result(conn)?,
        clients: api_clients::table
            .filter(api_clients::region_id.eq(&id))
            .count()
            .get_result(conn)?,
    })
}

/// Deletes a region nothing refers to (check [`usage`] in the same transaction first).
pub fn delete(conn: &mut DbConn, id: Uuid) -> Result<bool> {
    let deleted = diesel::delete(regions::table.find(id.to_string())).execute(conn)?;
    Ok(deleted == 1)
}

/// Sets a county's case-number prefix (`YJ` for 余江区).
pub fn set_case_prefix(conn: &mut DbConn, id: Uuid, prefix: &str) -> Result<()> {
    diesel::update(regions::table.find(id.to_string()))
        .set(regions::case_prefix.eq(prefix))
        .execute(conn)?;
    Ok(())
}
