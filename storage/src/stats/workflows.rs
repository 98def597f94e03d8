//! What the mediation and patrol KPIs read: the selected mediation cases with their current
//! conclusion, and the scheduled grids and finished patrols within the selection's regions.
//! Few rows (cases are a small share of reports; patrols are weekly per grid), read whole and
//! counted by `cunxiang_core::stats::{mediation, patrol}`; the region filter is applied here
//! in Rust on the materialised paths.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use cunxiang_core::patrol::MarkResult;
use cunxiang_core::stats::mediation::{Case, Concluded};
use cunxiang_core::stats::patrol::{Schedule, Walk};
use cunxiang_core::{RegionLevel, ReportStatus, Workflow};
use diesel::prelude::*;

use super::Selection;
use crate::conn::DbConn;
use crate::error::Result;
use crate::schema::{
    categories, grids, mediation_conclusions as mc, patrol_marks as pm, patrols as pa, regions,
    reports,
};
use crate::time;

/// Where a case or patrol belongs, for grouping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The region's materialised path.
    pub region_path: String,
    /// The grid (id text).
    pub grid_id: Option<String>,
    /// The responsible unit (id text), for cases.
    pub unit_id: Option<String>,
    /// The category code, for cases.
    pub category: Option<String>,
    /// When it was received (a case) or finished (a patrol).
    pub at: DateTime<Utc>,
}

fn selected(selection: &Selection, path: &str) -> bool {
    selection
        .scope
        .as_ref()
        .is_none_or(|s| s.iter().any(|p| path.starts_with(p.as_str())))
        && selection
            .within_path
            .as_ref()
            .is_none_or(|w| path.starts_with(w.as_str()))
}

fn in_period(selection: &Selection, at: DateTime<Utc>) -> bool {
    selection.from.is_none_or(|f| at >= f) && selection.to.is_none_or(|t| at < t)
}

type CaseRow = (
    String,
    Option<String>,
    Option<String>,
    String,
    ReportStatus,
    chrono::NaiveDateTime,
    Option<cunxiang_core::mediation::MediationOutcome>,
    Option<chrono::NaiveDateTime>,
    Option<RegionLevel>,
    Option<bool>,
);

/// The mediation cases received in the selection, with where they are.
pub fn cases(conn: &mut DbConn, selection: &Selection) -> Result<Vec<(Place, Case)>> {
    let rows: Vec<CaseRow> = reports::table
        .inner_join(categories::table)
        .left_join(mc::table)
        .filter(categories::workflow.eq(Workflow::Mediation))
        .select((
            reports::region_path,
            reports::grid_id,
            reports::unit_id,
            reports::category_code,
            reports::status,
            reports::created_at,
            mc::outcome.nullable(),
            mc::concluded_at.nullable(),
            mc::level.nullable(),
            mc::kept.nullable(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(
            |(path, grid, unit, category, status, created, outcome, at, level, kept)| {
                let received_at = time::from_db(created);
                if !selected(selection, &path) || !in_period(selection, received_at) {
                    return None;
                }
                let conclusion = outcome.zip(at).map(|(outcome, at)| Concluded {
                    outcome,
                    at: time::from_db(at),
                    level,
                    kept,
                });
                let place = Place {
                    region_path: path,
                    grid_id: grid,
                    unit_id: unit,
                    category: Some(category),
                    at: received_at,
                };
                Some((
                    place,
                    Case {
                        status,
                        received_at,
                        conclusion,
                    },
                ))
            },
        )
        .collect())
}

/// Every active grid's region path, by grid id.
fn grid_paths(conn: &mut DbConn) -> Result<HashMap<String, String>> {
    Ok(grids::table
        .inner_join(regions::table)
        .filter(grids::active.eq(true))
        .select((grids::id, regions::path))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// The scheduled grids (of active checklists and grids) in the selection's regions, each
/// with every finish time of its patrols.
pub fn schedules(conn: &mut DbConn, selection: &Selection) -> Result<Vec<(Place, Schedule)>> {
    let paths = grid_paths(conn)?;
    let mut finished: HashMap<(String, String), Vec<DateTime<Utc>>> = HashMap::new();
    let rows: Vec<(String, String, Option<chrono::NaiveDateTime>)> = pa::table
        .filter(pa::finished_at.is_not_null())
        .select((pa::grid_id, pa::checklist_id, pa::finished_at))
        .load(conn)?;
    for (grid, checklist, at) in rows {
        if let Some(at) = at {
            finished
                .entry((grid, checklist))
                .or_default()
                .push(time::from_db(at));
        }
    }
    let mut out = Vec::new();
    for checklist in crate::patrols::all(conn)?.into_iter().filter(|c| c.active) {
        for s in &checklist.schedules {
            let grid = s.grid_id.to_string();
            let Some(path) = paths.get(&grid).filter(|p| selected(selection, p)) else {
                continue;
            };
            let times = finished
                .get(&(grid.clone(), checklist.id.to_string()))
                .cloned()
                .unwrap_or_default();
            let place = Place {
                region_path: path.clone(),
                grid_id: Some(grid),
                unit_id: None,
                category: None,
                at: checklist.created_at,
            };
            out.push((
                place,
                Schedule {
                    frequency: s.frequency,
                    since: s.since,
                    checklist_created: checklist.created_at,
                    finished: times,
                },
            ));
        }
    }
    Ok(out)
}

/// The patrols finished in the selection (its period and regions), with their marks and how
/// many of the reports they filed are done.
pub fn walks(conn: &mut DbConn, selection: &Selection) -> Result<Vec<(Place, Walk)>> {
    let paths = grid_paths(conn)?;
    let mut query = pa::table.filter(pa::finished_at.is_not_null()).into_boxed();
    if let Some(from) = selection.from {
        query = query.filter(pa::finished_at.ge(time::to_db(from)));
    }
    if let Some(to) = selection.to {
        query = query.filter(pa::finished_at.lt(time::to_db(to)));
    }
    let rows: Vec<(String, String, Option<chrono::NaiveDateTime>, Option<f64>)> = query
        .select((pa::id, pa::grid_id, pa::finished_at, pa::inside_share))
        .load(conn)?;
    let rows: Vec<_> = rows
        .into_iter()
        .filter_map(|(id, grid, at, share)| {
            let path = paths.get(&grid).filter(|p| selected(selection, p))?;
            Some((id, grid, path.clone(), at.map(time::from_db)?, share))
        })
        .collect();
    // The marks of the same patrols, joined in SQL (a year of daily patrols would overflow
    // SQLite's bound-variable limit as an id list), each with its filed report's status.
    let mut marks = pm::table
        .inner_join(pa::table)
        .left_join(reports::table.on(pm::report_id.eq(reports::id.nullable())))
        .filter(pa::finished_at.is_not_null())
        .into_boxed();
    if let Some(from) = selection.from {
        marks = marks.filter(pa::finished_at.ge(time::to_db(from)));
    }
    if let Some(to) = selection.to {
        marks = marks.filter(pa::finished_at.lt(time::to_db(to)));
    }
    let marks: Vec<(String, MarkResult, Option<ReportStatus>)> = marks
        .select((pm::patrol_id, pm::result, reports::status.nullable()))
        .load(conn)?;
    let mut walks: HashMap<String, Walk> = HashMap::new();
    for (patrol, result, filed) in marks {
        let w = walks.entry(patrol).or_insert(Walk {
            inside_share: None,
            marks: 0,
            problems: 0,
            problems_done: 0,
        });
        w.marks += 1;
        if result == MarkResult::Problem {
            w.problems += 1;
            w.problems_done += i64::from(matches!(
                filed,
                Some(ReportStatus::Resolved | ReportStatus::Closed)
            ));
        }
    }
    Ok(rows
        .into_iter()
        .map(|(id, grid, path, at, share)| {
            let mut walk = walks.remove(&id).unwrap_or(Walk {
                inside_share: None,
                marks: 0,
                problems: 0,
                problems_done: 0,
            });
            walk.inside_share = share;
            let place = Place {
                region_path: path,
                grid_id: Some(grid),
                unit_id: None,
                category: None,
                at,
            };
            (place, walk)
        })
        .collect())
}
