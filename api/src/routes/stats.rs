//! The county's KPIs for the dashboard (一屏观全区): `GET /v1/stats/summary` and
//! `GET /v1/stats/breakdown?by=…`, over the reports received in `[from, to)` within the
//! caller's region subtrees. Definitions: README "KPIs" and [`cunxiang_core::stats`].

use std::collections::BTreeMap;

use actix_web::web;
use chrono::{DateTime, Utc};
use cunxiang_core::stats::mediation::MediationKpis;
use cunxiang_core::stats::patrol::PatrolKpis;
use cunxiang_core::stats::{Kpis, Tally};
use cunxiang_core::{Permission, Target};
use cunxiang_storage::DbConn;
use cunxiang_storage::stats::{Group, Selection};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorCode};
use crate::params::{self, Period, find_region};
use crate::state::AppState;

mod workflows;

/// Query of both KPI endpoints.
#[derive(Debug, Deserialize)]
pub struct StatsQuery {
    /// Region code or id: that subtree only (it must lie within the caller's).
    region: Option<String>,
    /// Received at or after: RFC 3339, or a date (Beijing midnight).
    from: Option<String>,
    /// Received before: RFC 3339, or a date (Beijing midnight).
    to: Option<String>,
    /// Breakdown only: `region`, `grid`, `unit`, `category` or `day`.
    by: Option<String>,
}

/// Response of `GET /v1/stats/summary`.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// The region asked for, `null` for the caller's whole scope.
    region: Option<Uuid>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    /// The server's time the overdue count was taken at.
    as_of: DateTime<Utc>,
    #[serde(flatten)]
    kpis: Kpis,
    /// Mediation cases among the selected reports.
    mediation: MediationKpis,
    /// Patrols of the selected regions' grids in the period.
    patrols: Option<PatrolKpis>,
}

/// One row of a breakdown.
#[derive(Debug, Serialize)]
pub struct Bucket {
    /// Region id, grid id, unit id, category code or `YYYY-MM-DD`; `null` for "none".
    key: Option<String>,
    /// A human label (name) for the key.
    label: Option<String>,
    #[serde(flatten)]
    kpis: Kpis,
    /// Mediation cases of the row.
    mediation: MediationKpis,
    /// Patrols of the row (by region and grid only; otherwise `null`).
    patrols: Option<PatrolKpis>,
}

/// Response of `GET /v1/stats/breakdown`.
#[derive(Debug, Serialize)]
pub struct Breakdown {
    by: String,
    region: Option<Uuid>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    as_of: DateTime<Utc>,
    items: Vec<Bucket>,
}

/// The checked period and the selection of reports `me` may count; villagers are refused.
struct Asked {
    region: Option<Uuid>,
    region_path: Option<String>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    selection: Selection,
}

/// The checked period of a query: 400 when a time is malformed or `from` is after `to`.
fn period(q: &StatsQuery) -> Result<Period, ApiError> {
    params::period(q.from.as_deref(), q.to.as_deref())
}

fn asked(conn: &mut DbConn, me: &AuthUser, q: &StatsQuery) -> Result<Asked, ApiError> {
    let (from, to) = period(q)?;
    let (region, region_path) = match q.region.as_deref() {
        None => (None, None),
        Some(reference) => {
            let region = find_region(conn, reference)?;
            let path = cunxiang_storage::regions::path_of(conn, region.id)?.ok_or_else(|| {
                ApiError::not_found(ErrorCode::RegionNotFound, format!("no region {reference}"))
            })?;
            if !me.actor.covers(&path) {
                return Err(ApiError::forbidden(format!(
                    "region {reference} is outside your regions"
                )));
            }
            (Some(region.id), Some(path))
        }
    };
    let scope = me.actor.bounds();
    Ok(Asked {
        region,
        region_path: region_path.clone(),
        from,
        to,
        selection: Selection {
            scope,
            within_path: region_path,
            from,
            to,
        },
    })
}

fn staff_only(me: &AuthUser) -> Result<(), ApiError> {
    me.require(Permission::ReadStats, &Target::Deployment)
}

/// `GET /v1/stats/summary`.
pub async fn summary(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<StatsQuery>,
) -> Result<web::Json<Summary>, ApiError> {
    staff_only(&me)?;
    let q = query.into_inner();
    period(&q)?;
    let now = state.clock.now();
    let answer = state
        .db(move |conn| {
            let a = asked(conn, &me, &q)?;
            let total = cunxiang_storage::stats::summary(conn, &a.selection, now)?;
            let flows = workflows::summary(conn, &a.selection, now)?;
            Ok(Summary {
                region: a.region,
                from: a.from,
                to: a.to,
                as_of: now,
                kpis: total.kpis(),
                mediation: flows.mediation,
                patrols: flows.patrols,
            })
        })
        .await?;
    Ok(web::Json(answer))
}

fn group_of(by: Option<&str>, me: &AuthUser, region_path: Option<&str>) -> Result<Group, ApiError> {
    Ok(match by {
        Some("region") => Group::Region {
            parent_path: match (region_path, me.actor.authority.as_slice()) {
                (Some(p), _) => p.to_owned(),
                (None, [only]) if me.actor.bounds().is_some() => only.clone(),
                _ => "/".to_owned(),
            },
        },
        Some("grid") => Group::Grid,
        Some("unit") => Group::Unit,
        Some("category") => Group::Category,
        Some("day") => Group::Day,
        _ => {
            return Err(ApiError::invalid_parameter(
                "by",
                "by must be region, grid, unit, category or day",
            ));
        }
    })
}

/// Human labels of breakdown keys.
fn label(conn: &mut DbConn, group: &Group, key: &str) -> Result<Option<String>, ApiError> {
    let id = || Uuid::parse_str(key.trim_end_matches('/').rsplit('/').next().unwrap_or(key));
    Ok(match group {
        Group::All | Group::Day => Some(key.to_owned()),
        Group::Region { .. } => match id() {
            Ok(id) => cunxiang_storage::regions::find(conn, id)?.map(|r| r.name),
            Err(_) => None,
        },
        Group::Grid => match id() {
            Ok(id) => cunxiang_storage::grids::find(conn, id)?.map(|g| g.name),
            Err(_) => None,
        },
        Group::Unit => match id() {
            Ok(id) => {
                cunxiang_storage::units::find(conn, cunxiang_core::UnitId(id))?.map(|u| u.name)
            }
            Err(_) => None,
        },
        Group::Category => cunxiang_storage::categories::find(conn, key)?.map(|c| c.name),
    })
}

/// `GET /v1/stats/breakdown`.
pub async fn breakdown(
    state: web::Data<AppState>,
    me: AuthUser,
    query: web::Query<StatsQuery>,
) -> Result<web::Json<Breakdown>, ApiError> {
    staff_only(&me)?;
    let q = query.into_inner();
    period(&q)?;
    let by = q.by.clone().unwrap_or_default();
    group_of(Some(&by), &me, None)?;
    let now = state.clock.now();
    let answer = state
        .db(move |conn| {
            let a = asked(conn, &me, &q)?;
            let group = group_of(Some(&by), &me, a.region_path.as_deref())?;
            let tallies = cunxiang_storage::stats::breakdown(conn, &a.selection, &group, now)?;
            // Region keys are paths: report the child region's id.
            let mut merged: BTreeMap<Option<String>, Tally> = BTreeMap::new();
            for (key, tally) in tallies {
                let key = match (&group, key) {
                    (Group::Region { .. }, Some(path)) => path
                        .trim_end_matches('/')
                        .rsplit('/')
                        .next()
                        .map(str::to_owned),
                    (_, key) => key,
                };
                merged.entry(key).or_default().merge(&tally);
            }
            let mut flows = workflows::by(conn, &a.selection, &group, now)?;
            for key in flows.keys() {
                merged.entry(key.clone()).or_default();
            }
            let mut items = Vec::with_capacity(merged.len());
            for (key, tally) in merged {
                let label = match &key {
                    Some(k) => label(conn, &group, k)?,
                    None => None,
                };
                let flow = flows.remove(&key).unwrap_or_default();
                let patrols = flow.patrols.or_else(|| {
                    matches!(group, Group::Region { .. } | Group::Grid).then(PatrolKpis::default)
                });
                items.push(Bucket {
                    key,
                    label,
                    kpis: tally.kpis(),
                    mediation: flow.mediation,
                    patrols,
                });
            }
            Ok(Breakdown {
                by,
                region: a.region,
                from: a.from,
                to: a.to,
                as_of: now,
                items,
            })
        })
        .await?;
    Ok(web::Json(answer))
}
