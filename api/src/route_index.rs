//! The grid index each instance keeps in memory for point lookup, rebuilt when the stored
//! grids change (compared by a fingerprint on every use, so all instances follow an import
//! made through any of them).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use cunxiang_core::geometry::GridIndex;
use cunxiang_storage::DbConn;
use uuid::Uuid;

use crate::error::ApiError;

/// The index with the region of each grid.
pub struct IndexedGrids {
    /// Grids by outline.
    pub index: GridIndex,
    /// Each grid's region.
    pub region_of: HashMap<Uuid, Uuid>,
    fingerprint: String,
}

/// The cached index, shared by the workers of one instance.
#[derive(Default, Clone)]
pub struct GridIndexCache {
    current: Arc<RwLock<Option<Arc<IndexedGrids>>>>,
}

impl GridIndexCache {
    /// The index for the grids stored now: the cached one when the fingerprint still matches,
    /// else a new one. Blocking: call inside `AppState::db`.
    pub fn get(&self, conn: &mut DbConn) -> Result<Arc<IndexedGrids>, ApiError> {
        let fingerprint = cunxiang_storage::routing::grids_fingerprint(conn)?;
        if let Some(cached) = self
            .current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            && cached.fingerprint == fingerprint
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
                .map_err(|(grid, e)| {
                    ApiError::internal(format!("stored outline of grid {grid}: {e}"))
                })?;
        tracing::info!(grids = index.len(), "grid index rebuilt");
        let built = Arc::new(IndexedGrids {
            index,
            region_of,
            fingerprint,
        });
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(built.clone());
        Ok(built)
    }
}
