//! `GET /v1/patrol-coverage`: for every grid scheduled against an active checklist within the
//! caller's regions, whether it was patrolled in the current period and its light (the rule is
//! `cunxiang_core::patrol::coverage`). Staff only; admins see every grid.

use actix_web::web;
use chrono::{DateTime, Utc};
use cunxiang_core::lifecycle::schedule::Light;
use cunxiang_core::patrol::Frequency;
use cunxiang_core::patrol::coverage::coverage;
use serde::Serialize;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

/// One scheduled grid as the API shows it.
#[derive(Debug, Serialize)]
pub struct CoverageView {
    grid_id: Uuid,
    checklist_id: Uuid,
    frequency: Frequency,
    last_finished_at: Option<DateTime<Utc>>,
    period_start: DateTime<Utc>,
    due_at: DateTime<Utc>,
    patrolled: bool,
    light: Light,
    /// The light the deadline worker raised for the current period, if any.
    alert: Option<Light>,
}

/// Response of `GET /v1/patrol-coverage`.
#[derive(Debug, Serialize)]
pub struct CoverageList {
    items: Vec<CoverageView>,
}

/// `GET /v1/patrol-coverage`.
pub async fn list(
    state: web::Data<AppState>,
    me: AuthUser,
) -> Result<web::Json<CoverageList>, ApiError> {
    let now = state.clock.now();
    let routing = state.routing.clone();
    let items = state
        .db(move |conn| {
            let snapshot = routing.get(conn)?;
            let bounds = me.actor.bounds();
            let last = cunxiang_storage::patrols::walks::last_finished(conn)?;
            let mut items = Vec::new();
            for checklist in cunxiang_storage::patrols::all(conn)?
                .into_iter()
                .filter(|c| c.active)
            {
                for s in &checklist.schedules {
                    let path = snapshot
                        .region_of
                        .get(&s.grid_id)
                        .and_then(|region| snapshot.stamps.get(region))
                        .map(|(path, _)| path.as_str());
                    // A disabled grid is not in the snapshot: nobody patrols it.
                    let Some(path) = path else { continue };
                    if bounds
                        .as_ref()
                        .is_some_and(|b| !b.iter().any(|p| path.starts_with(p.as_str())))
                    {
                        continue;
                    }
                    let last_finished_at = last.get(&(s.grid_id, checklist.id)).copied();
                    let c = coverage(s.frequency, last_finished_at, s.since, now);
                    let alert = s
                        .alert
                        .filter(|(period, _)| *period == c.period_start)
                        .map(|(_, light)| light);
                    items.push(CoverageView {
                        grid_id: s.grid_id,
                        checklist_id: checklist.id,
                        frequency: s.frequency,
                        last_finished_at,
                        period_start: c.period_start,
                        due_at: c.due_at,
                        patrolled: c.patrolled,
                        light: c.light,
                        alert,
                    });
                }
            }
            Ok(items)
        })
        .await?;
    Ok(web::Json(CoverageList { items }))
}
