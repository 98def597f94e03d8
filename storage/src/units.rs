//! Units: the bodies that handle reports, listed by region subtree and kind.

use cunxiang_core::{Unit, UnitId, UnitKind};
use diesel::prelude::*;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::{Result, StorageError};
use crate::page::Page;
use crate::regions::parse_id;
use crate::schema::{regions, units};
use crate::time;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = units)]
struct UnitRow {
    id: String,
    name: String,
    kind: String,
    region_id: String,
    grid_id: Option<String>,
    department: Option<String>,
    created_at: chrono::NaiveDateTime,
    active: bool,
}

impl UnitRow {
    fn into_core(self) -> Result<Unit> {
        let kind = UnitKind::parse(&self.kind).ok_or_else(|| StorageError::Corrupt {
            table: "units",
            reason: format!("kind {:?}", self.kind),
        })?;
        Ok(Unit {
            id: parse_id("units", &self.id)?,
            name: self.name,
            kind,
            region_id: parse_id("units", &self.region_id)?,
            grid_id: self
                .grid_id
                .as_deref()
                .map(|g| parse_id("units", g))
                .transpose()?,
            department: self.department,
            created_at: time::from_db(self.created_at),
            active: self.active,
        })
    }
}

/// A unit to insert.
#[derive(Debug, Clone)]
pub struct NewUnit {
    /// Name.
    pub name: String,
    /// Kind of body.
    pub kind: UnitKind,
    /// The region it serves.
    pub region_id: Uuid,
    /// For a grid team, its grid.
    pub grid_id: Option<Uuid>,
    /// Line of work, for departments and stations.
    pub department: Option<String>,
}

/// Inserts one unit.
pub fn insert(conn: &mut DbConn, new: &NewUnit) -> Result<Unit> {
    let row = UnitRow {
        id: UnitId::new().to_string(),
        name: new.name.clone(),
        kind: new.kind.as_str().to_owned(),
        region_id: new.region_id.to_string(),
        grid_id: new.grid_id.map(|g| g.to_string()),
        department: new.department.clone(),
        created_at: time::to_db(time::now()),
        active: true,
    };
    diesel::insert_into(units::table)
        .values(&row)
        .execute(conn)?;
    row.into_core()
}

/// Filters for [`list`].
#[derive(Debug, Clone, Default)]
pub struct UnitFilter<'a> {
    /// Only units serving a region inside the subtree with this materialised path.
    pub within_path: Option<&'a str>,
    /// Only units of this kind.
    pub kind: Option<UnitKind>,
}

/// One page of units in id order.
pub fn list(
    conn: &mut DbConn,
    filter: &UnitFilter<'_>,
    after: Option<&str>,
    limit: i64,
) -> Result<Page<Unit>> {
    let mut query = units::table
        .select(UnitRow::as_select())
        .order(units::id)
        .into_boxed();
    if let Some(path) = filter.within_path {
        let subtree = regions::table
            .filter(regions::path.like(format!("{path}%")))
            .select(regions::id);
        query = query.filter(units::region_id.eq_any(subtree));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(units::kind.eq(kind.as_str()));
    }
    if let Some(after) = after {
        query = query.filter(units::id.gt(after.to_owned()));
    }
    let rows: Vec<UnitRow> = query.limit(limit + 1).load(conn)?;
    let units = rows
        .into_iter()
        .map(UnitRow::into_core)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(units, limit, |u| u.id.to_string()))
}

/// The materialised path of the region a unit serves (for authorisation), `None` when there
/// is no such unit.
pub fn region_path_of(conn: &mut DbConn, unit_id: UnitId) -> Result<Option<String>> {
    Ok(units::table
        .inner_join(regions::table)
        .filter(units::id.eq(unit_id.to_string()))
        .select(regions::path)
        .first(conn)
        .optional()?)
}

/// Every unit (for routing), in id order.
pub fn all(conn: &mut DbConn) -> Result<Vec<Unit>> {
    units::table
        .select(UnitRow::as_select())
        .order(units::id)
        .load(conn)?
        .into_iter()
        .map(UnitRow::into_core)
        .collect()
}

/// The unit with this id (active or not).
pub fn find(conn: &mut DbConn, id: UnitId) -> Result<Option<Unit>> {
    units::table
        .find(id.to_string())
        .select(UnitRow::as_select())
        .first(conn)
        .optional()?
        .map(UnitRow::into_core)
        .transpose()
}

/// The units with these ids (unknown ids are left out), in id order.
pub fn find_many(conn: &mut DbConn, ids: &[UnitId]) -> Result<Vec<Unit>> {
    let ids: Vec<String> = ids.iter().map(UnitId::to_string).collect();
    units::table
        .filter(units::id.eq_any(ids))
        .select(UnitRow::as_select())
        .order(units::id)
        .load(conn)?
        .into_iter()
        .map(UnitRow::into_core)
        .collect()
}

/// What may change on a unit: its kind, region and grid are fixed (reports and rules refer to
/// them); make a new unit instead.
#[derive(Debug, Clone, Default)]
pub struct UnitChange {
    /// New name.
    pub name: Option<String>,
    /// New line of work; `Some(None)` clears it.
    pub department: Option<Option<String>>,
    /// Enable or disable.
    pub active: Option<bool>,
}

/// Applies a change; `None` when there is no such unit.
pub fn update(conn: &mut DbConn, id: UnitId, change: &UnitChange) -> Result<Option<Unit>> {
    let key = id.to_string();
    let target = || units::table.find(&key);
    if let Some(name) = &change.name {
        diesel::update(target())
            .set(units::name.eq(name))
            .execute(conn)?;
    }
    if let Some(department) = &change.department {
        diesel::update(target())
            .set(units::department.eq(department.as_deref()))
            .execute(conn)?;
    }
    if let Some(active) = change.active {
        diesel::update(target())
            .set(units::active.eq(active))
            .execute(conn)?;
    }
    find(conn, id)
}

/// Numbers of the active routing rules that send reports to this unit.
pub fn active_rules_pointing_at(conn: &mut DbConn, id: UnitId) -> Result<Vec<i64>> {
    use crate::schema::routing_rules;
    Ok(routing_rules::table
        .filter(routing_rules::unit_id.eq(id.to_string()))
        .filter(routing_rules::active.eq(true))
        .select(routing_rules::number)
        .order(routing_rules::number)
        .load(conn)?)
}
