//! The region tree: reading children and subtrees, inserting, and importing a validated file.

use std::collections::HashMap;

use cunxiang_core::region_import::{ExistingRegion, ValidRegion};
use cunxiang_core::{Region, RegionLevel};
use diesel::prelude::*;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::{Result, StorageError};
use crate::schema::regions;
use crate::time;

mod changes;
pub use changes::{RegionUsage, delete, set_case_prefix, update, usage};

#[derive(Queryable, Selectable)]
#[diesel(table_name = regions)]
struct RegionRow {
    id: String,
    code: Option<String>,
    name: String,
    level: String,
    parent_id: Option<String>,
    path: String,
    created_at: chrono::NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = regions)]
struct NewRegionRow<'a> {
    id: &'a str,
    code: Option<&'a str>,
    name: &'a str,
    level: &'a str,
    parent_id: Option<&'a str>,
    path: &'a str,
    created_at: chrono::NaiveDateTime,
}

/// Parses a stored UUID into a plain or typed id, reporting the table on failure.
pub(crate) fn parse_id<Id: From<Uuid>>(table: &'static str, id: &str) -> Result<Id> {
    Uuid::parse_str(id)
        .map(Id::from)
        .map_err(|e| StorageError::Corrupt {
            table,
            reason: format!("id {id}: {e}"),
        })
}

/// Parses an optional stored UUID into a plain or typed id, reporting the table on failure.
pub(crate) fn parse_opt_id<Id: From<Uuid>>(
    table: &'static str,
    id: Option<&str>,
) -> Result<Option<Id>> {
    id.map(|id| parse_id(table, id)).transpose()
}

impl RegionRow {
    fn into_core(self) -> Result<Region> {
        let level = RegionLevel::parse(&self.level).ok_or_else(|| StorageError::Corrupt {
            table: "regions",
            reason: format!("level {:?}", self.level),
        })?;
        Ok(Region {
            id: parse_id("regions", &self.id)?,
            code: self.code,
            name: self.name,
            level,
            parent_id: self
                .parent_id
                .as_deref()
                .map(|p| parse_id("regions", p))
                .transpose()?,
            created_at: time::from_db(self.created_at),
        })
    }

    /// Depth below the top: 0 for a county.
    fn depth(&self) -> usize {
        self.path.matches('/').count().saturating_sub(2)
    }
}

/// A region to insert.
#[derive(Debug, Clone)]
pub struct NewRegion {
    /// GB/T 2260 code, if it has one.
    pub code: Option<String>,
    /// Name.
    pub name: String,
    /// Level.
    pub level: RegionLevel,
    /// The region above, `None` for a county.
    pub parent_id: Option<Uuid>,
}

/// Inserts one region under its parent (which must exist).
pub fn insert(conn: &mut DbConn, new: &NewRegion) -> Result<Region> {
    let id = Uuid::now_v7();
    let id_text = id.to_string();
    let parent_path = match new.parent_id {
        Some(parent) => Some(
            regions::table
                .find(parent.to_string())
                .select(regions::path)
                .first::<String>(conn)
                .optional()?
                .ok_or_else(|| StorageError::NotFound(format!("parent region {parent}")))?,
        ),
        None => None,
    };
    let path = format!("{}{id_text}/", parent_path.as_deref().unwrap_or("/"));
    let parent_text = new.parent_id.map(|p| p.to_string());
    let created_at = time::now();
    diesel::insert_into(regions::table)
        .values(NewRegionRow {
            id: &id_text,
            code: new.code.as_deref(),
            name: &new.name,
            level: new.level.as_str(),
            parent_id: parent_text.as_deref(),
            path: &path,
            created_at: time::to_db(created_at),
        })
        .execute(conn)
        .map_err(|e| {
            crate::error::unique_conflict(e, |_| {
                format!("region code {}", new.code.as_deref().unwrap_or_default())
            })
        })?;
    Ok(Region {
        id,
        code: new.code.clone(),
        name: new.name.clone(),
        level: new.level,
        parent_id: new.parent_id,
        created_at,
    })
}

/// The region with this GB/T 2260 code.
pub fn find_by_code(conn: &mut DbConn, code: &str) -> Result<Option<Region>> {
    regions::table
        .filter(regions::code.eq(code))
        .select(RegionRow::as_select())
        .first(conn)
        .optional()?
        .map(RegionRow::into_core)
        .transpose()
}

/// The region with this id.
pub fn find(conn: &mut DbConn, id: Uuid) -> Result<Option<Region>> {
    regions::table
        .find(id.to_string())
        .select(RegionRow::as_select())
        .first(conn)
        .optional()?
        .map(RegionRow::into_core)
        .transpose()
}

/// The regions directly under `parent` (the top-level ones for `None`), by code then name;
/// regions without a code (villager groups) come last.
pub fn children(conn: &mut DbConn, parent: Option<Uuid>) -> Result<Vec<Region>> {
    let query = regions::table
        .select(RegionRow::as_select())
        .order((regions::code.is_null(), regions::code, regions::name))
        .into_boxed();
    let query = match parent {
        Some(p) => query.filter(regions::parent_id.eq(p.to_string())),
        None => query.filter(regions::parent_id.is_null()),
    };
    query
        .load(conn)?
        .into_iter()
        .map(RegionRow::into_core)
        .collect()
}

/// Every region below `root` down to `max_depth` levels under it (1 = its children), in the
/// same order as [`children`]; `root` itself is not included.
pub fn descendants(conn: &mut DbConn, root: Uuid, max_depth: usize) -> Result<Vec<Region>> {
    let Some(root_path) = regions::table
        .find(root.to_string())
        .select(regions::path)
        .first::<String>(conn)
        .optional()?
    else {
        return Err(StorageError::NotFound(format!("region {root}")));
    };
    let root_depth = root_path.matches('/').count().saturating_sub(2);
    let rows: Vec<RegionRow> = regions::table
        .filter(regions::path.like(format!("{root_path}%")))
        .filter(regions::id.ne(root.to_string()))
        .select(RegionRow::as_select())
        .order((regions::code.is_null(), regions::code, regions::name))
        .load(conn)?;
    rows.into_iter()
        .filter(|r| r.depth() <= root_depth + max_depth)
        .map(RegionRow::into_core)
        .collect()
}

/// The materialised path of a region ('/<root id>/…/<id>/'), for subtree filters.
pub fn path_of(conn: &mut DbConn, id: Uuid) -> Result<Option<String>> {
    Ok(regions::table
        .find(id.to_string())
        .select(regions::path)
        .first(conn)
        .optional()?)
}

/// How many regions are stored.
pub fn count(conn: &mut DbConn) -> Result<i64> {
    Ok(regions::table.count().get_result(conn)?)
}

/// Every stored code with its level and parent's code, for validating an import.
pub fn existing_index(conn: &mut DbConn) -> Result<HashMap<String, ExistingRegion>> {
    let rows: Vec<(String, Option<String>, String, Option<String>)> = regions::table
        .select((
            regions::id,
            regions::code,
            regions::level,
            regions::parent_id,
        ))
        .load(conn)?;
    let code_of: HashMap<&str, &str> = rows
        .iter()
        .filter_map(|(id, code, _, _)| code.as_deref().map(|c| (id.as_str(), c)))
        .collect();
    let mut index = HashMap::new();
    for (_, code, level, parent_id) in &rows {
        let Some(code) = code else { continue };
        let level = RegionLevel::parse(level).ok_or_else(|| StorageError::Corrupt {
            table: "regions",
            reason: format!("level {level:?}"),
        })?;
        let parent_code = parent_id
            .as_deref()
            .and_then(|p| code_of.get(p))
            .map(|c| (*c).to_owned());
        index.insert(code.clone(), ExistingRegion { level, parent_code });
    }
    Ok(index)
}

/// What an import changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Regions added.
    pub inserted: usize,
    /// Regions whose name changed.
    pub renamed: usize,
    /// Regions already stored as given.
    pub unchanged: usize,
}

/// Stores validated rows in one transaction: new codes are inserted, known codes renamed when
/// the name differs, villager groups matched by name under their village. `progress` is called
/// once per row. Any failure rolls the whole import back.
pub fn import(
    conn: &mut DbConn,
    rows: &[ValidRegion],
    progress: &mut dyn FnMut(),
) -> Result<ImportSummary> {
    crate::conn::transaction(conn, |conn| {
        let mut summary = ImportSummary::default();
        for row in rows {
            import_one(conn, row, &mut summary)?;
            progress();
        }
        Ok(summary)
    })
}

fn import_one(conn: &mut DbConn, row: &ValidRegion, summary: &mut ImportSummary) -> Result<()> {
    let parent = match &row.parent_code {
        Some(code) => Some(
            find_by_code(conn, code)?
                .ok_or_else(|| StorageError::NotFound(format!("parent region {code}")))?,
        ),
        None => None,
    };
    let stored = match (&row.code, &parent) {
        (Some(code), _) => find_by_code(conn, code)?,
        (None, Some(parent)) => children(conn, Some(parent.id))?
            .into_iter()
            .find(|r| r.code.is_none() && r.name == row.name),
        (None, None) => None,
    };
    match stored {
        Some(region) if region.name == row.name => summary.unchanged += 1,
        Some(region) => {
            diesel::update(regions::table.find(region.id.to_string()))
                .set(regions::name.eq(&row.name))
                .execute(conn)?;
            summary.renamed += 1;
        }
        None => {
            insert(
                conn,
                &NewRegion {
                    code: row.code.clone(),
                    name: row.name.clone(),
                    level: row.level,
                    parent_id: parent.map(|p| p.id),
                },
            )?;
            summary.inserted += 1;
        }
    }
    Ok(())
}

/// The whole region tree (for routing), in the same order as [`children`].
pub fn all(conn: &mut DbConn) -> Result<Vec<Region>> {
    regions::table
        .select(RegionRow::as_select())
        .order((regions::code.is_null(), regions::code, regions::name))
        .load(conn)?
        .into_iter()
        .map(RegionRow::into_core)
        .collect()
}
