//! Patrol checklists: `GET /v1/checklists` and `GET /v1/checklists/{id}` — what grid workers
//! patrol against, section by section, and which grids are patrolled against each how often.
//! Staff read every checklist of the deployment (they are not personal data); villagers and
//! API clients do not (the route table gates both on `WorkTasks`).

use actix_web::web;
use chrono::{DateTime, Utc};
use cunxiang_core::patrol::Frequency;
use cunxiang_storage::patrols::{Checklist, Schedule};
use serde::Serialize;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// One item as the API shows it.
#[derive(Debug, Serialize)]
pub struct ItemView {
    id: Uuid,
    title: String,
    instruction: String,
    category: String,
}

/// A section and its items, in order.
#[derive(Debug, Serialize)]
pub struct SectionView {
    name: String,
    items: Vec<ItemView>,
}

/// A grid patrolled against the checklist.
#[derive(Debug, Serialize)]
pub struct ScheduleView {
    pub(super) grid_id: Uuid,
    pub(super) frequency: Frequency,
}

/// A checklist as the API shows it.
#[derive(Debug, Serialize)]
pub struct ChecklistView {
    id: Uuid,
    name: String,
    region_id: Uuid,
    active: bool,
    created_at: DateTime<Utc>,
    item_count: usize,
    sections: Vec<SectionView>,
    schedules: Vec<ScheduleView>,
}

impl ChecklistView {
    pub(super) fn of(c: Checklist) -> Self {
        let item_count = c.items.len();
        let mut sections: Vec<SectionView> = Vec::new();
        for item in c.items {
            let d = item.definition;
            let view = ItemView {
                id: item.id,
                title: d.title,
                instruction: d.instruction,
                category: d.category,
            };
            match sections.iter_mut().find(|s| s.name == d.section) {
                Some(section) => section.items.push(view),
                None => sections.push(SectionView {
                    name: d.section,
                    items: vec![view],
                }),
            }
        }
        ChecklistView {
            id: c.id,
            name: c.name,
            region_id: c.region_id,
            active: c.active,
            created_at: c.created_at,
            item_count,
            sections,
            schedules: c
                .schedules
                .into_iter()
                .map(|s: Schedule| ScheduleView {
                    grid_id: s.grid_id,
                    frequency: s.frequency,
                })
                .collect(),
        }
    }
}

/// Response of `GET /v1/checklists`.
#[derive(Debug, Serialize)]
pub struct ChecklistList {
    items: Vec<ChecklistView>,
}

/// `GET /v1/checklists`: every checklist, oldest first.
pub async fn list(
    state: web::Data<AppState>,
    _me: AuthUser,
) -> Result<web::Json<ChecklistList>, ApiError> {
    let items = state
        .db(|conn| Ok(cunxiang_storage::patrols::all(conn)?))
        .await?;
    Ok(web::Json(ChecklistList {
        items: items.into_iter().map(ChecklistView::of).collect(),
    }))
}

/// `GET /v1/checklists/{id}`: one checklist.
pub async fn get(
    state: web::Data<AppState>,
    _me: AuthUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<ChecklistView>, ApiError> {
    let id = path.into_inner();
    let found = state
        .db(move |conn| Ok(cunxiang_storage::patrols::find(conn, id)?))
        .await?
        .ok_or_else(|| {
            ApiError::not_found(ErrorCode::ChecklistNotFound, format!("no checklist {id}"))
        })?;
    Ok(web::Json(ChecklistView::of(found)))
}
