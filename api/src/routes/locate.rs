//! `GET /v1/locate`: where a point lies in the county's own map data — the active grid
//! containing it and the regions from the county down to that grid's region, joined into an
//! address — so a villager's page can name her place without any outside map service. Public,
//! like the rest of the organisation model; answered from the routing snapshot.

use actix_web::web;
use cunxiang_core::coords::LonLat;
use cunxiang_core::{Region, RegionLevel};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ApiError;
use crate::params::wgs84_point;
use crate::state::AppState;

/// Query parameters.
#[derive(Debug, Deserialize)]
pub struct LocateQuery {
    lat: f64,
    lon: f64,
    /// `wgs84`, `gcj02` (the default) or `bd09`.
    coord_system: Option<String>,
}

/// The grid containing the point.
#[derive(Debug, Serialize)]
pub struct GridRef {
    id: Uuid,
    name: String,
}

/// One region above (or holding) the grid.
#[derive(Debug, Serialize)]
pub struct RegionRef {
    id: Uuid,
    code: Option<String>,
    name: String,
    level: RegionLevel,
}

impl From<&Region> for RegionRef {
    fn from(r: &Region) -> Self {
        RegionRef {
            id: r.id,
            code: r.code.clone(),
            name: r.name.clone(),
            level: r.level,
        }
    }
}

/// Response body (`Located` in `openapi.yaml`).
#[derive(Debug, Serialize)]
pub struct Located {
    /// The point in WGS-84, after conversion.
    point: LonLat,
    /// The active grid containing the point, `null` outside every grid.
    grid: Option<GridRef>,
    /// The grid's region and the regions above it, county first; empty without a grid.
    regions: Vec<RegionRef>,
    /// The regions' names joined county → lowest, `null` without a grid.
    address: Option<String>,
}

/// Locates a point: its grid, the regions above it and an address.
pub async fn locate(
    state: web::Data<AppState>,
    query: web::Query<LocateQuery>,
) -> Result<web::Json<Located>, ApiError> {
    let q = query.into_inner();
    let point = wgs84_point(q.lat, q.lon, q.coord_system.as_deref())?;
    let cache = state.routing.clone();
    let located = state
        .db(move |conn| {
            let routing = cache.get(conn)?;
            let found = routing.index.locate(point.lon, point.lat);
            let grid = match found {
                Some(id) => cunxiang_storage::grids::name_of(conn, id)?
                    .map(|name| (GridRef { id, name }, routing.region_of.get(&id).copied())),
                None => None,
            };
            let Some((grid, region)) = grid else {
                return Ok(Located {
                    point,
                    grid: None,
                    regions: Vec::new(),
                    address: None,
                });
            };
            let lineage = region.map(|r| routing.org.lineage(r)).unwrap_or_default();
            let address = (!lineage.is_empty()).then(|| {
                lineage
                    .iter()
                    .copied()
                    .map(address_part)
                    .collect::<String>()
            });
            Ok(Located {
                point,
                grid: Some(grid),
                regions: lineage.into_iter().map(RegionRef::from).collect(),
                address,
            })
        })
        .await?;
    Ok(web::Json(located))
}

/// How a region reads in an address: a village by its village, not its committee (the
/// statistical names are 渡口村民委员会, 站前社区居民委员会 …); every other name as it is.
fn address_part(region: &Region) -> &str {
    const COMMITTEES: [(&str, usize); 4] = [
        ("村民委员会", "村".len()),
        ("村委会", "村".len()),
        ("社区居民委员会", "社区".len()),
        ("社区居委会", "社区".len()),
    ];
    let name = region.name.as_str();
    if region.level != RegionLevel::Village {
        return name;
    }
    COMMITTEES
        .iter()
        .find_map(|(suffix, keep)| {
            let stem = name.strip_suffix(suffix)?;
            (!stem.is_empty()).then(|| &name[..stem.len() + keep])
        })
        .unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn village(name: &str, level: RegionLevel) -> Region {
        Region {
            id: Uuid::nil(),
            code: None,
            name: name.to_owned(),
            level,
            parent_id: None,
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn a_village_committee_reads_as_its_village_in_an_address() {
        for (name, level, part) in [
            ("渡口村民委员会", RegionLevel::Village, "渡口村"),
            ("站前社区居民委员会", RegionLevel::Village, "站前社区"),
            ("龙凤居委会", RegionLevel::Village, "龙凤居委会"),
            ("中洲路居民委员会", RegionLevel::Village, "中洲路居民委员会"),
            ("四青良种场生活区", RegionLevel::Village, "四青良种场生活区"),
            ("村民委员会", RegionLevel::Village, "村民委员会"),
            ("渡口村民委员会", RegionLevel::Township, "渡口村民委员会"),
            ("潢溪镇", RegionLevel::Township, "潢溪镇"),
        ] {
            assert_eq!(address_part(&village(name, level)), part, "{name}");
        }
    }
}
