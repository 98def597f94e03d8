//! The deadline worker's patrol pass: every grid scheduled against an active checklist whose
//! patrol is late is raised — yellow at 80 % of its period, red once a whole period went by —
//! once per period (`cunxiang_core::patrol::coverage::alert_due`). The raise is recorded on the
//! schedule (`GET /v1/patrol-coverage` shows it as `alert`) under a conditional write, so that
//! several instances raise each light once between them, and in the same transaction a
//! `patrol_overdue` organisation event goes to the grid's team and, at red, the supervisors
//! over its region (feed and webhooks: `crate::push::publish::record_org`). A schedule that
//! cannot be raised is logged and tried again at the next pass; the others go on.

use anyhow::Context;
use chrono::{DateTime, Utc};
use cunxiang_core::OrgEventKind;
use cunxiang_core::lifecycle::schedule::Light;
use cunxiang_core::org_event::patrol_audience;
use cunxiang_core::patrol::coverage::{Coverage, alert_due, coverage};
use cunxiang_storage::DbConn;
use cunxiang_storage::patrols::Checklist;
use cunxiang_storage::push::org_events::OrgEvent;
use cunxiang_storage::push::people;
use serde_json::json;
use uuid::Uuid;

use super::TickSummary;
use crate::route_index::{Routing, RoutingCache};

/// Raises every late patrol due a light at `now`.
pub(super) fn raise_late(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    routing: &RoutingCache,
    done: &mut TickSummary,
) -> anyhow::Result<()> {
    let snapshot = routing.get(conn)?;
    let last = cunxiang_storage::patrols::walks::last_finished(conn)?;
    for checklist in cunxiang_storage::patrols::all(conn)?
        .into_iter()
        .filter(|c| c.active)
    {
        for s in &checklist.schedules {
            // A disabled grid is not in the snapshot: nobody patrols it.
            if !snapshot.region_of.contains_key(&s.grid_id) {
                continue;
            }
            let last = last.get(&(s.grid_id, checklist.id)).copied();
            let c = coverage(s.frequency, last, s.since, now);
            let Some(light) = alert_due(&c, s.alert) else {
                continue;
            };
            let late = Late {
                checklist: &checklist,
                grid_id: s.grid_id,
                coverage: &c,
                last,
                light,
            };
            match raise(conn, &snapshot, &late, now) {
                Ok(false) => {}
                Ok(true) => {
                    tracing::warn!(grid = %s.grid_id, checklist = %checklist.id, ?light,
                                   due_at = %c.due_at, "patrol overdue");
                    match light {
                        Light::Red => done.patrols_red += 1,
                        _ => done.patrols_yellow += 1,
                    }
                }
                Err(e) => {
                    tracing::error!(grid = %s.grid_id, checklist = %checklist.id,
                                    error = format!("{e:#}"),
                                    "raising a late patrol failed; tried again next pass");
                }
            }
        }
    }
    Ok(())
}

/// One schedule whose patrol is late.
struct Late<'a> {
    checklist: &'a Checklist,
    grid_id: Uuid,
    coverage: &'a Coverage,
    /// When its last patrol finished, if ever.
    last: Option<DateTime<Utc>>,
    light: Light,
}

/// Raises `late` and announces it, in one transaction; whether this call raised it (another
/// instance may have).
fn raise(
    conn: &mut DbConn,
    snapshot: &Routing,
    late: &Late<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    cunxiang_storage::conn::transaction(conn, |conn| {
        let raised = cunxiang_storage::patrols::raise_alert(
            conn,
            late.checklist.id,
            late.grid_id,
            late.coverage.period_start,
            late.light,
            now,
        )?;
        if !raised {
            return Ok(false);
        }
        let region = snapshot
            .region_of
            .get(&late.grid_id)
            .context("the grid left the snapshot")?;
        let path = snapshot
            .stamps
            .get(region)
            .map(|(path, _)| path.clone())
            .context("the grid's region has no path")?;
        let grid_name = cunxiang_storage::grids::find(conn, late.grid_id)?
            .map(|g| g.name)
            .unwrap_or_default();
        let team: Vec<_> = snapshot
            .org
            .grid_team(late.grid_id)
            .map(|u| u.id)
            .into_iter()
            .collect();
        let team = people::members(conn, &team)?;
        let supervisors = if late.light == Light::Red {
            people::supervisors_over(conn, &path)?
        } else {
            Vec::new()
        };
        let frequency = late
            .checklist
            .schedules
            .iter()
            .find(|s| s.grid_id == late.grid_id)
            .map(|s| s.frequency);
        let event = OrgEvent {
            id: Uuid::now_v7(),
            kind: OrgEventKind::PatrolOverdue,
            region_path: path,
            grid_id: Some(late.grid_id),
            details: json!({
                "grid_name": grid_name,
                "checklist_id": late.checklist.id,
                "checklist_name": late.checklist.name,
                "frequency": frequency,
                "light": late.light,
                "period_start": late.coverage.period_start,
                "due_at": late.coverage.due_at,
                "last_finished_at": late.last,
            }),
            at: now,
        };
        let recipients = patrol_audience(late.light, &team, &supervisors);
        crate::push::publish::record_org(conn, &event, &recipients)?;
        Ok(true)
    })
}
