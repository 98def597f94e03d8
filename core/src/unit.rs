//! Units (部门 / 单位): the bodies that handle reports, from a grid team up to a county department.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::UnitId;
use crate::region::RegionLevel;

/// What kind of body a unit is; it fixes the level of the ladder the unit works at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::AsExpression, diesel::FromSqlRow),
    diesel(sql_type = diesel::sql_types::Text)
)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 网格 team: the grid workers of one grid.
    GridTeam,
    /// 村委会 (village or community committee).
    VillageCommittee,
    /// 乡镇 office: the township government, its 综治中心 or one of its stations (交通站 …).
    TownshipOffice,
    /// 县直部门: a county department (环卫, 交通, 水利, 司法 …) or the county 综治中心.
    CountyDepartment,
    /// 帮帮团: a volunteer team of a village or township. It is not a rung of the ladder:
    /// reports reach it only when a supervisor transfers them or a routing rule sends them
    /// (a 求助 category for elders living alone), never by default routing; it works at the
    /// villager-group level, so its escalations go to its region's village committee.
    VolunteerTeam,
}

impl UnitKind {
    /// All kinds: the ladder's, lowest level first, then volunteer teams.
    pub const ALL: [UnitKind; 5] = [
        Self::GridTeam,
        Self::VillageCommittee,
        Self::TownshipOffice,
        Self::CountyDepartment,
        Self::VolunteerTeam,
    ];

    /// The snake_case name used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GridTeam => "grid_team",
            Self::VillageCommittee => "village_committee",
            Self::TownshipOffice => "township_office",
            Self::CountyDepartment => "county_department",
            Self::VolunteerTeam => "volunteer_team",
        }
    }

    /// Parses the snake_case name; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether belonging to a unit of this kind gives staff sight over its region's subtree.
    /// Every rung of the ladder does; a volunteer team's members are villagers helping out
    /// and see only the tasks their team holds (and what any villager sees).
    pub fn grants_authority(self) -> bool {
        self != Self::VolunteerTeam
    }

    /// The region level a unit of this kind serves. A grid team serves a villager group's
    /// level of the ladder (小事不出组) even when its grid spans a whole village.
    pub fn ladder_level(self) -> RegionLevel {
        match self {
            Self::GridTeam | Self::VolunteerTeam => RegionLevel::Group,
            Self::VillageCommittee => RegionLevel::Village,
            Self::TownshipOffice => RegionLevel::Township,
            Self::CountyDepartment => RegionLevel::County,
        }
    }
}

/// One unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unit {
    /// Stable id (UUIDv7).
    pub id: UnitId,
    /// Name, e.g. 潢溪镇综治中心.
    pub name: String,
    /// Kind of body.
    pub kind: UnitKind,
    /// The region it serves (its authority covers that region's subtree).
    pub region_id: Uuid,
    /// For a grid team, the grid it patrols.
    pub grid_id: Option<Uuid>,
    /// For a department or station, the line of work (`sanitation`, `transport`, `water`,
    /// `justice`, `governance` …); `None` for general bodies.
    pub department: Option<String>,
    /// When the unit was created.
    pub created_at: DateTime<Utc>,
    /// Disabled units keep their history but receive no new reports.
    pub active: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_map_to_ladder_levels() {
        for kind in UnitKind::ALL {
            assert_eq!(UnitKind::parse(kind.as_str()), Some(kind));
        }
        let levels: Vec<_> = UnitKind::ALL.iter().map(|k| k.ladder_level()).collect();
        assert_eq!(
            levels,
            [
                RegionLevel::Group,
                RegionLevel::Village,
                RegionLevel::Township,
                RegionLevel::County,
                RegionLevel::Group
            ]
        );
        assert_eq!(UnitKind::parse("department"), None);
    }
}
