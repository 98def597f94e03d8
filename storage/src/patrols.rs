//! Patrol checklists (`patrol_checklists`, `patrol_items`) and which grids are patrolled
//! against them how often (`patrol_schedules`). What makes a checklist valid is
//! `cunxiang_core::patrol`; this module only stores and reads.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use cunxiang_core::lifecycle::schedule::Light;
use cunxiang_core::patrol::{Frequency, ItemDefinition};
use diesel::prelude::*;
use uuid::Uuid;

use crate::conn::DbConn;
use crate::error::Result;
use crate::regions::parse_id;
use crate::schema::{patrol_checklists as pc, patrol_items as pi, patrol_schedules as ps};
use crate::time;

pub mod marks;
pub mod walks;

/// One item of a stored checklist.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Stable id (patrol results refer to it).
    pub id: Uuid,
    /// Its place in the checklist (0-based).
    pub position: i32,
    /// What it defines.
    pub definition: ItemDefinition,
}

/// A grid patrolled against a checklist, and how often.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// The grid.
    pub grid_id: Uuid,
    /// How often.
    pub frequency: Frequency,
    /// When it was scheduled (`None`: before that was recorded).
    pub since: Option<DateTime<Utc>>,
    /// The last light the deadline worker raised: the period it was for, and the light.
    pub alert: Option<(DateTime<Utc>, Light)>,
}

/// A stored checklist with its items (in order) and schedules (by grid id).
#[derive(Debug, Clone, PartialEq)]
pub struct Checklist {
    /// Stable id.
    pub id: Uuid,
    /// Its name, e.g. 网格员每周巡查清单.
    pub name: String,
    /// The region whose grids it is meant for.
    pub region_id: Uuid,
    /// Inactive checklists are kept for the patrols that used them.
    pub active: bool,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// Its items, in order.
    pub items: Vec<Item>,
    /// The grids patrolled against it.
    pub schedules: Vec<Schedule>,
}

const TABLE: &str = "patrol_checklists";

type ChecklistRow = (String, String, String, bool, chrono::NaiveDateTime);
type ItemRow = (String, String, i32, String, String, String, String);
type ScheduleRow = (
    String,
    String,
    Frequency,
    Option<chrono::NaiveDateTime>,
    Option<String>,
    Option<chrono::NaiveDateTime>,
);

/// Stores a checklist (already checked with `cunxiang_core::patrol::check_checklist`) with its
/// items in the given order; call inside a transaction.
pub fn insert(
    conn: &mut DbConn,
    name: &str,
    region_id: Uuid,
    items: &[ItemDefinition],
    at: DateTime<Utc>,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    diesel::insert_into(pc::table)
        .values((
            pc::id.eq(id.to_string()),
            pc::name.eq(name.trim()),
            pc::region_id.eq(region_id.to_string()),
            pc::active.eq(true),
            pc::created_at.eq(time::to_db(at)),
        ))
        .execute(conn)?;
    for (position, item) in (0_i32..).zip(items) {
        diesel::insert_into(pi::table)
            .values((
                pi::id.eq(Uuid::now_v7().to_string()),
                pi::checklist_id.eq(id.to_string()),
                pi::position.eq(position),
                pi::section.eq(item.section.trim()),
                pi::title.eq(item.title.trim()),
                pi::instruction.eq(item.instruction.trim()),
                pi::category_code.eq(&item.category),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

/// Sets how often `grid_id` is patrolled against `checklist_id` from `at` on. Saving the
/// frequency it already has changes nothing (its periods and raised alerts stay); a new
/// frequency starts a new schedule whose first period is free again.
pub fn schedule(
    conn: &mut DbConn,
    checklist_id: Uuid,
    grid_id: Uuid,
    frequency: Frequency,
    at: DateTime<Utc>,
) -> Result<()> {
    let (checklist, grid) = (checklist_id.to_string(), grid_id.to_string());
    crate::conn::transaction(conn, |conn| {
        let this = ps::table
            .filter(ps::checklist_id.eq(&checklist))
            .filter(ps::grid_id.eq(&grid));
        let now: Option<Frequency> = this.select(ps::frequency).first(conn).optional()?;
        match now {
            Some(f) if f == frequency => {}
            Some(_) => {
                diesel::update(this)
                    .set((
                        ps::frequency.eq(frequency),
                        ps::created_at.eq(Some(time::to_db(at))),
                        ps::alert.eq(None::<String>),
                        ps::alert_period.eq(None::<chrono::NaiveDateTime>),
                        ps::alerted_at.eq(None::<chrono::NaiveDateTime>),
                    ))
                    .execute(conn)?;
            }
            None => {
                diesel::insert_into(ps::table)
                    .values((
                        ps::grid_id.eq(&grid),
                        ps::checklist_id.eq(&checklist),
                        ps::frequency.eq(frequency),
                        ps::created_at.eq(Some(time::to_db(at))),
                    ))
                    .execute(conn)?;
            }
        }
        Ok(())
    })
}

fn light_name(light: Light) -> &'static str {
    match light {
        Light::Green => "green",
        Light::Yellow => "yellow",
        Light::Red => "red",
    }
}

/// Records that the deadline worker raised `light` for `grid_id`'s patrols against
/// `checklist_id` in the period starting `period`, unless that (or red) was raised for it
/// already, or a later period was raised (an instance whose clock lags does not go back);
/// whether this call raised it (several instances: one wins).
pub fn raise_alert(
    conn: &mut DbConn,
    checklist_id: Uuid,
    grid_id: Uuid,
    period: DateTime<Utc>,
    light: Light,
    at: DateTime<Utc>,
) -> Result<bool> {
    let period = time::to_db(period);
    let fresh = ps::alert_period.is_null().or(ps::alert_period.lt(period));
    let mut update = diesel::update(ps::table)
        .filter(ps::checklist_id.eq(checklist_id.to_string()))
        .filter(ps::grid_id.eq(grid_id.to_string()))
        .into_boxed();
    update = if light == Light::Red {
        let same_yellow = ps::alert.eq("yellow").and(ps::alert_period.eq(period));
        update.filter(fresh.or(same_yellow))
    } else {
        update.filter(fresh)
    };
    let n = update
        .set((
            ps::alert.eq(light_name(light)),
            ps::alert_period.eq(period),
            ps::alerted_at.eq(time::to_db(at)),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Stops patrolling `grid_id` against `checklist_id`; whether it was scheduled.
pub fn unschedule(conn: &mut DbConn, checklist_id: Uuid, grid_id: Uuid) -> Result<bool> {
    let n = diesel::delete(
        ps::table
            .filter(ps::checklist_id.eq(checklist_id.to_string()))
            .filter(ps::grid_id.eq(grid_id.to_string())),
    )
    .execute(conn)?;
    Ok(n == 1)
}

/// Renames, disables or enables a checklist (only the `Some` parts); whether it exists.
pub fn update(
    conn: &mut DbConn,
    id: Uuid,
    name: Option<&str>,
    active: Option<bool>,
) -> Result<bool> {
    let key = id.to_string();
    let exists: i64 = pc::table.filter(pc::id.eq(&key)).count().get_result(conn)?;
    if let Some(name) = name {
        diesel::update(pc::table.find(&key))
            .set(pc::name.eq(name.trim()))
            .execute(conn)?;
    }
    if let Some(active) = active {
        diesel::update(pc::table.find(&key))
            .set(pc::active.eq(active))
            .execute(conn)?;
    }
    Ok(exists == 1)
}

/// Every checklist, oldest first, with items and schedules (three queries in all).
pub fn all(conn: &mut DbConn) -> Result<Vec<Checklist>> {
    let rows: Vec<ChecklistRow> = pc::table
        .select((pc::id, pc::name, pc::region_id, pc::active, pc::created_at))
        .order(pc::id)
        .load(conn)?;
    assemble(conn, rows, None)
}

/// The checklist with this id, with its items and schedules.
pub fn find(conn: &mut DbConn, id: Uuid) -> Result<Option<Checklist>> {
    let rows: Vec<ChecklistRow> = pc::table
        .filter(pc::id.eq(id.to_string()))
        .select((pc::id, pc::name, pc::region_id, pc::active, pc::created_at))
        .load(conn)?;
    Ok(assemble(conn, rows, Some(id))?.pop())
}

fn assemble(
    conn: &mut DbConn,
    rows: Vec<ChecklistRow>,
    only: Option<Uuid>,
) -> Result<Vec<Checklist>> {
    let mut items_query = pi::table
        .select((
            pi::id,
            pi::checklist_id,
            pi::position,
            pi::section,
            pi::title,
            pi::instruction,
            pi::category_code,
        ))
        .order((pi::checklist_id, pi::position))
        .into_boxed();
    let mut schedules_query = ps::table
        .select((
            ps::grid_id,
            ps::checklist_id,
            ps::frequency,
            ps::created_at,
            ps::alert,
            ps::alert_period,
        ))
        .order((ps::checklist_id, ps::grid_id))
        .into_boxed();
    if let Some(id) = only {
        items_query = items_query.filter(pi::checklist_id.eq(id.to_string()));
        schedules_query = schedules_query.filter(ps::checklist_id.eq(id.to_string()));
    }
    let mut items: HashMap<String, Vec<Item>> = HashMap::new();
    for (id, checklist, position, section, title, instruction, category) in
        items_query.load::<ItemRow>(conn)?
    {
        items.entry(checklist).or_default().push(Item {
            id: parse_id("patrol_items", &id)?,
            position,
            definition: ItemDefinition {
                section,
                title,
                instruction,
                category,
            },
        });
    }
    let mut schedules: HashMap<String, Vec<Schedule>> = HashMap::new();
    for (grid, checklist, frequency, since, alert, period) in
        schedules_query.load::<ScheduleRow>(conn)?
    {
        let light = match alert.as_deref() {
            Some("red") => Some(Light::Red),
            Some("yellow") => Some(Light::Yellow),
            _ => None,
        };
        schedules.entry(checklist).or_default().push(Schedule {
            grid_id: parse_id("patrol_schedules", &grid)?,
            frequency,
            since: since.map(time::from_db),
            alert: period.map(time::from_db).zip(light),
        });
    }
    rows.into_iter()
        .map(|(id, name, region, active, created_at)| {
            Ok(Checklist {
                items: items.remove(&id).unwrap_or_default(),
                schedules: schedules.remove(&id).unwrap_or_default(),
                id: parse_id(TABLE, &id)?,
                name,
                region_id: parse_id(TABLE, &region)?,
                active,
                created_at: time::from_db(created_at),
            })
        })
        .collect()
}
