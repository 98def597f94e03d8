//! The mediation and patrol KPIs of the stats endpoints: counted over the same selection as
//! the report KPIs (period and regions) by `cunxiang_core::stats::{mediation, patrol}`, and
//! grouped with the same keys as the breakdown's rows (patrols only by region and grid: a
//! patrol has no unit, category or day of receipt).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use cunxiang_core::report::china_time;
use cunxiang_core::stats::mediation::{self, Case, MediationKpis};
use cunxiang_core::stats::patrol::{self, PatrolKpis, Schedule, Walk};
use cunxiang_storage::DbConn;
use cunxiang_storage::stats::workflows::{self, Place};
use cunxiang_storage::stats::{Group, Selection};

use crate::error::ApiError;

/// Both workflows' KPIs of one group.
#[derive(Debug, Default)]
pub struct Figures {
    /// Mediation cases.
    pub mediation: MediationKpis,
    /// Patrols (`None` when the grouping does not apply to patrols).
    pub patrols: Option<PatrolKpis>,
}

/// Everything selected, as the summary counts it.
pub fn summary(
    conn: &mut DbConn,
    selection: &Selection,
    now: DateTime<Utc>,
) -> Result<Figures, ApiError> {
    let mut groups = by(conn, selection, &Group::All, now)?;
    let mut all = groups.remove(&None).unwrap_or_default();
    if all.patrols.is_none() {
        all.patrols = Some(patrol::kpis(&[], &[], (selection.from, selection.to), now));
    }
    Ok(all)
}

/// The breakdown key of `place` under `group` (region ids, grid and unit ids, category codes,
/// China-time days), as the report rows are keyed.
fn key(group: &Group, place: &Place) -> Option<String> {
    match group {
        Group::All => None,
        Group::Region { parent_path } => {
            let rest = place.region_path.strip_prefix(parent_path.as_str())?;
            let child = rest.split('/').find(|s| !s.is_empty());
            let own = parent_path.trim_end_matches('/').rsplit('/').next();
            child.or(own).map(str::to_owned)
        }
        Group::Grid => place.grid_id.clone(),
        Group::Unit => place.unit_id.clone(),
        Group::Category => place.category.clone(),
        Group::Day => Some(
            place
                .at
                .with_timezone(&china_time())
                .format("%Y-%m-%d")
                .to_string(),
        ),
    }
}

/// The workflows' KPIs per key of `group`.
pub fn by(
    conn: &mut DbConn,
    selection: &Selection,
    group: &Group,
    now: DateTime<Utc>,
) -> Result<BTreeMap<Option<String>, Figures>, ApiError> {
    let mut cases: BTreeMap<Option<String>, Vec<Case>> = BTreeMap::new();
    for (place, case) in workflows::cases(conn, selection)? {
        cases.entry(key(group, &place)).or_default().push(case);
    }
    let mut out: BTreeMap<Option<String>, Figures> = BTreeMap::new();
    for (k, list) in cases {
        out.entry(k).or_default().mediation = mediation::kpis(&list);
    }
    if matches!(group, Group::All | Group::Region { .. } | Group::Grid) {
        let mut schedules: BTreeMap<Option<String>, (Vec<Schedule>, Vec<Walk>)> = BTreeMap::new();
        for (place, s) in workflows::schedules(conn, selection)? {
            schedules.entry(key(group, &place)).or_default().0.push(s);
        }
        for (place, w) in workflows::walks(conn, selection)? {
            schedules.entry(key(group, &place)).or_default().1.push(w);
        }
        for (k, (s, w)) in schedules {
            out.entry(k).or_default().patrols =
                Some(patrol::kpis(&s, &w, (selection.from, selection.to), now));
        }
    }
    Ok(out)
}
