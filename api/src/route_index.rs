//! What routing and escalation decide with, kept in memory by each instance: the grid index
//! for point lookup and the indexed organisation (regions, units, rules, supervised regions).
//! Both are rebuilt together when the organisation's version changes — one read by key on
//! every use, bumped by database triggers on any change to what they hold, so all instances
//! follow a change made through any of them, or made in the database by hand.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use cunxiang_core::geometry::GridIndex;
use cunxiang_core::routing::Organisation;
use cunxiang_storage::DbConn;
use uuid::Uuid;

use cunxiang_storage::StorageError;

/// The organisation as routing sees it at one version.
pub struct Routing {
    /// Grids by outline.
    pub index: GridIndex,
    /// Each grid's region.
    pub region_of: HashMap<Uuid, Uuid>,
    /// Regions, units, rules and supervised regions, indexed.
    pub org: Organisation,
    /// Each region's materialised path and its county's case-number prefix.
    pub stamps: HashMap<Uuid, (String, String)>,
    version: i64,
}

/// The cached snapshot, shared by the workers of one instance.
#[derive(Default, Clone)]
pub struct RoutingCache {
    current: Arc<RwLock<Option<Arc<Routing>>>>,
}

impl RoutingCache {
    /// The snapshot for the organisation stored now: the cached one while the version still
    /// matches, else a new one. Blocking: call inside `AppState::db`.
    pub fn get(&self, conn: &mut DbConn) -> Result<Arc<Routing>, StorageError> {
        let version = cunxiang_storage::routing::org_version(conn)?;
        if let Some(cached) = self
            .current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            && cached.version == version
        {
            return Ok(cached.clone());
        }
        let outlines = cunxiang_storage::routing::active_grid_outlines(conn)?;
        let region_of = outlines
            .iter()
            .map(|(grid, region, _)| (*grid, *region))
            .collect();
        let index =
            GridIndex::from_geojson(outlines.into_iter().map(|(grid, _, text)| (grid, text)))
                .map_err(|(grid, e)| StorageError::Corrupt {
                    table: "grids",
                    reason: format!("stored outline of grid {grid}: {e}"),
                })?;
        let org = cunxiang_storage::routing::snapshot(conn)?;
        let stamps = cunxiang_storage::routing::region_stamps(conn)?;
        tracing::info!(grids = index.len(), version, "routing snapshot rebuilt");
        let built = Arc::new(Routing {
            index,
            region_of,
            org,
            stamps,
            version,
        });
        let mut slot = self.current.write().unwrap_or_else(|p| p.into_inner());
        // A slower rebuild of an older version never replaces a newer one.
        if slot.as_ref().is_none_or(|c| c.version <= version) {
            *slot = Some(built.clone());
        }
        Ok(built)
    }
}

impl std::fmt::Debug for RoutingCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoutingCache").finish_non_exhaustive()
    }
}
