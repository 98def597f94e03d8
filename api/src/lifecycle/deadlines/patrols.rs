//! The deadline worker's patrol pass: every grid scheduled against an active checklist whose
//! patrol is late is raised — yellow at 80 % of its period, red once a whole period went by —
//! once per period (`cunxiang_core::patrol::coverage::alert_due`). The raise is recorded on the
//! schedule (`GET /v1/patrol-coverage` shows it as `alert`) under a conditional write, so that
//! several instances raise each light once between them.

use chrono::{DateTime, Utc};
use cunxiang_core::lifecycle::schedule::Light;
use cunxiang_core::patrol::coverage::{alert_due, coverage};
use cunxiang_storage::DbConn;

use super::TickSummary;
use crate::route_index::RoutingCache;

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
            let raised = cunxiang_storage::patrols::raise_alert(
                conn,
                checklist.id,
                s.grid_id,
                c.period_start,
                light,
                now,
            )?;
            if raised {
                tracing::warn!(grid = %s.grid_id, checklist = %checklist.id, ?light,
                               due_at = %c.due_at, "patrol overdue");
                match light {
                    Light::Red => done.patrols_red += 1,
                    _ => done.patrols_yellow += 1,
                }
            }
        }
    }
    Ok(())
}
