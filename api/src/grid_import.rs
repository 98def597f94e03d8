//! Importing grid outlines from a GeoJSON FeatureCollection (`cunxiang import-grids` and
//! `POST /v1/grids/import`). Each feature carries `name` and `region_code` properties; its
//! geometry is converted to WGS-84 from the given coordinate system and checked
//! ([`cunxiang_core::geometry::check_outline`]: places are named in the input's system). Every
//! problem of every feature is reported and then nothing is imported (one transaction). With
//! `repair`, outlines whose rings cross or touch are made valid and each such feature is
//! reported with its area and polygon count before and after. A feature whose name already
//! exists in its region replaces that grid's outline; a new one also gets a grid team unit
//! (`<name>工作组`), so routing can reach it at once.
//!
//! [`import_grids`] is the service both entry points call: it takes who imports (a checked
//! [`Actor`] or the operator at the command line), never the HTTP request, and answers with
//! its own [`GridImportError`] (`api/src/error/grid_import.rs` makes it an HTTP answer). The
//! audit entry is written in the import's transaction: an import is stored with its record
//! or not at all.

use cunxiang_core::coords::{CoordSystem, geojson_to_wgs84};
use cunxiang_core::geometry::{OutlineOptions, check_outline};
use cunxiang_core::{Actor, GridGeometry, Permission, Target, UnitKind, can};
use cunxiang_storage::audit::NewAuditEntry;
use cunxiang_storage::units::NewUnit;
use cunxiang_storage::{DbConn, StorageError};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

/// What is wrong with one feature (or, with `feature: None`, with the whole document).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureProblem {
    /// Index of the feature in the collection.
    pub feature: Option<usize>,
    /// Its `name` property, when it has one.
    pub name: Option<String>,
    /// Every problem found.
    pub problems: Vec<String>,
    /// Whether importing with `repair` would take this feature: its only problems are rings
    /// that cross or touch themselves or each other, rings that enclose no area, or
    /// overlapping polygons.
    pub repairable: bool,
}

/// What the repair changed in one feature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureRepair {
    /// Index of the feature in the collection.
    pub feature: usize,
    /// Its `name` property.
    pub name: String,
    /// The problems repaired, as they would have been refused.
    pub problems: Vec<String>,
    /// Polygons before the repair.
    pub polygons_before: usize,
    /// Polygons after the repair.
    pub polygons_after: usize,
    /// Geodesic area before, m² (whole): of the rings as drawn, where parts of a ring that
    /// crosses itself wound the other way count negatively.
    pub area_before_m2: f64,
    /// Geodesic area after the repair, m² (whole).
    pub area_after_m2: f64,
}

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GridImportSummary {
    /// New grids (each with its new grid team).
    pub created: usize,
    /// Existing grids whose outline was replaced.
    pub updated: usize,
    /// With `repair`: the features the repair changed (possibly none); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repaired: Option<Vec<FeatureRepair>>,
    /// With `dry_run`: every grid as it would be stored (nothing was); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preview: Option<Vec<GridPreview>>,
}

/// One grid of a dry run: what the import would do with it, and its outline in WGS-84.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GridPreview {
    /// The grid's name.
    pub name: String,
    /// Its region.
    pub region_id: Uuid,
    /// `create` or `update` (an existing grid of that name in that region).
    pub action: &'static str,
    /// The outline as it would be stored (GeoJSON geometry, WGS-84, after any repair).
    pub geometry: serde_json::Value,
}

/// Who imports grids.
#[derive(Debug, Clone, Copy)]
pub enum Importer<'a> {
    /// A person over the API: she must be allowed to manage the organisation; the audit entry
    /// names her and her address.
    Staff {
        /// The caller.
        actor: &'a Actor,
        /// Her address, for the audit log.
        ip: &'a str,
    },
    /// The operator at the command line (`cunxiang import-grids`): whoever can run the binary
    /// on the database may; the audit entry names nobody.
    Operator,
}

/// One GeoJSON document to import and how to read it.
#[derive(Debug, Clone, Copy)]
pub struct GridImport<'a> {
    /// The FeatureCollection's text.
    pub text: &'a str,
    /// The coordinate system its positions are in.
    pub system: CoordSystem,
    /// Make outlines whose rings cross or touch valid instead of refusing them.
    pub repair: bool,
}

/// Why nothing was imported.
#[derive(Debug, thiserror::Error)]
pub enum GridImportError {
    /// The caller may not change the organisation model.
    #[error("only those who manage the organisation may import grids")]
    Refused,
    /// The document or some features are invalid.
    #[error("{} feature(s) with problems", .0.len())]
    Invalid(Vec<FeatureProblem>),
    /// The database failed; the transaction was rolled back.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

struct Checked {
    name: String,
    region_id: Uuid,
    outline: GridGeometry,
}

fn whole(problem: impl Into<String>) -> GridImportError {
    GridImportError::Invalid(vec![FeatureProblem {
        feature: None,
        name: None,
        problems: vec![problem.into()],
        repairable: false,
    }])
}

/// Checks (and with `repair` repairs) every feature; returns them ready to store with what the
/// repair changed, or every problem.
fn check(
    conn: &mut DbConn,
    text: &str,
    system: CoordSystem,
    repair: bool,
) -> Result<(Vec<Checked>, Vec<FeatureRepair>), GridImportError> {
    let document: Value =
        serde_json::from_str(text).map_err(|e| whole(format!("not JSON: {e}")))?;
    if document["type"] != "FeatureCollection" {
        return Err(whole("the document must be a GeoJSON FeatureCollection"));
    }
    let features = document["features"]
        .as_array()
        .ok_or_else(|| whole("features must be an array"))?;
    let mut checked = Vec::with_capacity(features.len());
    let mut repairs = Vec::new();
    let mut problems = Vec::new();
    let options = OutlineOptions {
        shown_in: system,
        repair,
    };
    for (i, feature) in features.iter().enumerate() {
        let name = feature["properties"]["name"]
            .as_str()
            .map(|n| n.trim().to_owned());
        let mut found = Vec::new();
        let mut repairable = true;
        let good_name = name
            .clone()
            .filter(|n| !n.is_empty() && n.chars().count() <= 64);
        if good_name.is_none() {
            found.push("properties.name must be a name of 1-64 characters".to_owned());
        }
        let region = match feature["properties"]["region_code"].as_str() {
            Some(code) => match cunxiang_storage::regions::find_by_code(conn, code)? {
                Some(region) => Some(region),
                None => {
                    found.push(format!(
                        "properties.region_code {code} is not a known region"
                    ));
                    None
                }
            },
            None => {
                found.push("properties.region_code is missing".to_owned());
                None
            }
        };
        let mut geometry = feature["geometry"].clone();
        geojson_to_wgs84(&mut geometry, system);
        if !found.is_empty() {
            repairable = false;
        }
        let mut repaired = None;
        let outline = match check_outline(&geometry, options) {
            Ok(valid) => {
                repaired = valid.repair;
                Some(GridGeometry {
                    geojson: valid.outline.geojson,
                    bbox: valid.outline.bbox,
                })
            }
            Err(refusal) => {
                repairable &= refusal.repairable;
                found.extend(refusal.problems);
                None
            }
        };
        match (good_name, region, outline) {
            (Some(name), Some(region), Some(outline)) if found.is_empty() => {
                if let Some(r) = repaired {
                    repairs.push(FeatureRepair {
                        feature: i,
                        name: name.clone(),
                        problems: r.problems,
                        polygons_before: r.polygons_before,
                        polygons_after: r.polygons_after,
                        area_before_m2: r.area_before_m2.round(),
                        area_after_m2: r.area_after_m2.round(),
                    });
                }
                checked.push(Checked {
                    name,
                    region_id: region.id,
                    outline,
                });
            }
            _ => problems.push(FeatureProblem {
                feature: Some(i),
                name,
                problems: found,
                repairable,
            }),
        }
    }
    if !problems.is_empty() {
        return Err(GridImportError::Invalid(problems));
    }
    Ok((checked, repairs))
}

/// Checks (with `repair`, repairs) and stores the collection with its audit entry, in one
/// transaction. `on_checked` learns how many features will be stored; `progress` is called once
/// per stored feature.
pub fn import_grids(
    conn: &mut DbConn,
    importer: Importer<'_>,
    doc: GridImport<'_>,
    on_checked: &mut dyn FnMut(usize),
    progress: &mut dyn FnMut(),
) -> Result<GridImportSummary, GridImportError> {
    if let Importer::Staff { actor, .. } = importer
        && !can(actor, Permission::ManageOrganisation, &Target::Deployment)
    {
        return Err(GridImportError::Refused);
    }
    let (checked, repairs) = check(conn, doc.text, doc.system, doc.repair)?;
    on_checked(checked.len());
    cunxiang_storage::conn::transaction(conn, |conn| {
        let mut summary = GridImportSummary {
            repaired: doc.repair.then(|| repairs.clone()),
            ..GridImportSummary::default()
        };
        for grid in &checked {
            store(conn, grid, &mut summary)?;
            progress();
        }
        audit(conn, importer, doc.system, &summary)?;
        Ok(summary)
    })
}

/// Checks (with `repair`, repairs) the collection as [`import_grids`] would and says what it
/// would store, storing nothing and writing no audit entry: the preview before an import.
pub fn preview_grids(
    conn: &mut DbConn,
    importer: Importer<'_>,
    doc: GridImport<'_>,
) -> Result<GridImportSummary, GridImportError> {
    if let Importer::Staff { actor, .. } = importer
        && !can(actor, Permission::ManageOrganisation, &Target::Deployment)
    {
        return Err(GridImportError::Refused);
    }
    let (checked, repairs) = check(conn, doc.text, doc.system, doc.repair)?;
    let mut summary = GridImportSummary {
        repaired: doc.repair.then_some(repairs),
        ..GridImportSummary::default()
    };
    let mut preview = Vec::with_capacity(checked.len());
    for grid in checked {
        let exists = cunxiang_storage::grids::find_by_name(conn, grid.region_id, &grid.name)?;
        let action = if exists.is_some() {
            summary.updated += 1;
            "update"
        } else {
            summary.created += 1;
            "create"
        };
        preview.push(GridPreview {
            geometry: serde_json::from_str(&grid.outline.geojson).unwrap_or_default(),
            name: grid.name,
            region_id: grid.region_id,
            action,
        });
    }
    summary.preview = Some(preview);
    Ok(summary)
}

/// Stores one checked grid: replaces the outline of the grid of that name in its region, or
/// creates the grid with its grid team.
fn store(
    conn: &mut DbConn,
    grid: &Checked,
    summary: &mut GridImportSummary,
) -> Result<(), StorageError> {
    match cunxiang_storage::grids::find_by_name(conn, grid.region_id, &grid.name)? {
        Some(existing) => {
            cunxiang_storage::grids::set_geometry(conn, existing.id, &grid.outline)?;
            summary.updated += 1;
        }
        None => {
            let stored =
                cunxiang_storage::grids::insert(conn, &grid.name, grid.region_id, &grid.outline)?;
            let team = NewUnit {
                name: format!("{}工作组", grid.name),
                kind: UnitKind::GridTeam,
                region_id: grid.region_id,
                grid_id: Some(stored.id),
                department: None,
            };
            cunxiang_storage::units::insert(conn, &team)?;
            summary.created += 1;
        }
    }
    Ok(())
}

/// The `grids_imported` audit entry: who, from where, and what changed.
fn audit(
    conn: &mut DbConn,
    importer: Importer<'_>,
    system: CoordSystem,
    summary: &GridImportSummary,
) -> Result<(), StorageError> {
    let (actor, ip) = match importer {
        Importer::Staff { actor, ip } => (Some(actor.id.to_string()), Some(ip)),
        Importer::Operator => (None, None),
    };
    let details = serde_json::json!({
        "created": summary.created,
        "updated": summary.updated,
        "coord_system": system,
        "repaired": summary.repaired.as_ref().map(Vec::len),
    });
    cunxiang_storage::audit::insert(
        conn,
        &NewAuditEntry {
            actor: actor.as_deref(),
            action: "grids_imported",
            subject: None,
            ip,
            details,
        },
    )
}
