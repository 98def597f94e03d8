//! `GET /v1/regions`: the region tree, as the children of a node or a nested subtree.

use std::collections::HashMap;

use actix_web::web;
use cunxiang_core::{Region, RegionLevel};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ApiError;
use crate::params::find_region;
use crate::state::AppState;

/// Deepest nesting a client may ask for (county → group is four levels).
const MAX_DEPTH: usize = 4;

/// Query parameters.
#[derive(Debug, Deserialize)]
pub struct RegionQuery {
    /// Code or id of the node whose children are listed; the top-level regions when absent.
    parent: Option<String>,
    /// How many levels to nest (1 = a flat list of children).
    depth: Option<usize>,
}

#[derive(Debug, Serialize)]
/// One region as the API shows it.
pub struct RegionView {
    id: Uuid,
    code: Option<String>,
    name: String,
    level: RegionLevel,
    parent_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    children: Option<Vec<RegionView>>,
}

impl From<Region> for RegionView {
    fn from(r: Region) -> Self {
        RegionView {
            id: r.id,
            code: r.code,
            name: r.name,
            level: r.level,
            parent_id: r.parent_id,
            children: None,
        }
    }
}

#[derive(Debug, Serialize)]
/// Response body.
pub struct RegionList {
    items: Vec<RegionView>,
}

/// Lists the children of `parent` (or the top-level regions), nested `depth` levels deep.
pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<RegionQuery>,
) -> Result<web::Json<RegionList>, ApiError> {
    let query = query.into_inner();
    let depth = query.depth.unwrap_or(1);
    if !(1..=MAX_DEPTH).contains(&depth) {
        return Err(ApiError::invalid_parameter(
            "depth",
            format!("depth must be between 1 and {MAX_DEPTH}"),
        ));
    }
    let items = state
        .db(move |conn| {
            let (top_parent, regions) = match &query.parent {
                Some(reference) => {
                    let parent = find_region(conn, reference)?;
                    (
                        Some(parent.id),
                        cunxiang_storage::regions::descendants(conn, parent.id, depth)?,
                    )
                }
                None => {
                    let mut all = Vec::new();
                    for root in cunxiang_storage::regions::children(conn, None)? {
                        let below = if depth > 1 {
                            cunxiang_storage::regions::descendants(conn, root.id, depth - 1)?
                        } else {
                            Vec::new()
                        };
                        all.push(root);
                        all.extend(below);
                    }
                    (None, all)
                }
            };
            Ok(nest(regions, top_parent, depth))
        })
        .await?;
    Ok(web::Json(RegionList { items }))
}

/// Turns a flat, ordered list into a tree under `top`, `depth` levels deep. Nodes above the
/// last level carry a `children` array (possibly empty); nodes on it carry none.
fn nest(regions: Vec<Region>, top: Option<Uuid>, depth: usize) -> Vec<RegionView> {
    let mut by_parent: HashMap<Option<Uuid>, Vec<Region>> = HashMap::new();
    for region in regions {
        by_parent.entry(region.parent_id).or_default().push(region);
    }
    build(&mut by_parent, top, depth)
}

fn build(
    by_parent: &mut HashMap<Option<Uuid>, Vec<Region>>,
    parent: Option<Uuid>,
    levels_left: usize,
) -> Vec<RegionView> {
    let here = by_parent.remove(&parent).unwrap_or_default();
    here.into_iter()
        .map(|r| {
            let children = (levels_left > 1).then(|| build(by_parent, Some(r.id), levels_left - 1));
            RegionView {
                id: r.id,
                code: r.code,
                name: r.name,
                level: r.level,
                parent_id: r.parent_id,
                children,
            }
        })
        .collect()
}
