//! Administrative regions (行政区划): the county → township → village → villager group tree.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The level of a region in the tree, from the top (county) down to the villager group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::AsExpression, diesel::FromSqlRow),
    diesel(sql_type = diesel::sql_types::Text)
)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    /// 县 / 区 (county or district): the top of a Cunxiang deployment.
    County,
    /// 乡 / 镇 / 街道 (township or sub-district).
    Township,
    /// 村 / 社区 (administrative village or community).
    Village,
    /// 村民小组 (villager group): the smallest unit, usually without a GB/T 2260 code.
    Group,
}

impl RegionLevel {
    /// All levels, top first.
    pub const ALL: [RegionLevel; 4] = [Self::County, Self::Township, Self::Village, Self::Group];

    /// The snake_case name used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::County => "county",
            Self::Township => "township",
            Self::Village => "village",
            Self::Group => "group",
        }
    }

    /// Parses the snake_case name; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// The level directly above, `None` for a county.
    pub fn parent(self) -> Option<Self> {
        match self {
            Self::County => None,
            Self::Township => Some(Self::County),
            Self::Village => Some(Self::Township),
            Self::Group => Some(Self::Village),
        }
    }

    /// The level directly below, `None` for a villager group.
    pub fn child(self) -> Option<Self> {
        match self {
            Self::County => Some(Self::Township),
            Self::Township => Some(Self::Village),
            Self::Village => Some(Self::Group),
            Self::Group => None,
        }
    }

    /// The level a GB/T 2260 (or 12-digit statistical) code denotes by its length:
    /// 6 digits a county, 9 a township, 12 a village. `None` when the code is not
    /// all ASCII digits of one of those lengths.
    pub fn from_code(code: &str) -> Option<Self> {
        if !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        match code.len() {
            6 => Some(Self::County),
            9 => Some(Self::Township),
            12 => Some(Self::Village),
            _ => None,
        }
    }
}

/// One node of the region tree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Region {
    /// Stable id (UUIDv7).
    pub id: Uuid,
    /// GB/T 2260 code (12-digit statistical code for villages), when the region has one.
    pub code: Option<String>,
    /// Official name, e.g. 潢溪镇.
    pub name: String,
    /// Level in the tree.
    pub level: RegionLevel,
    /// The region above, `None` for the top.
    pub parent_id: Option<Uuid>,
    /// When the region was created.
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_round_trip_through_their_names() {
        for level in RegionLevel::ALL {
            assert_eq!(RegionLevel::parse(level.as_str()), Some(level));
        }
        assert_eq!(RegionLevel::parse("province"), None);
    }

    #[test]
    fn each_level_sits_under_the_one_above() {
        assert_eq!(RegionLevel::County.parent(), None);
        assert_eq!(RegionLevel::Township.parent(), Some(RegionLevel::County));
        assert_eq!(RegionLevel::Village.parent(), Some(RegionLevel::Township));
        assert_eq!(RegionLevel::Group.parent(), Some(RegionLevel::Village));
    }

    #[test]
    fn code_length_gives_the_level() {
        assert_eq!(RegionLevel::from_code("360603"), Some(RegionLevel::County));
        assert_eq!(
            RegionLevel::from_code("360603100"),
            Some(RegionLevel::Township)
        );
        assert_eq!(
            RegionLevel::from_code("360603100201"),
            Some(RegionLevel::Village)
        );
        assert_eq!(RegionLevel::from_code("3606031"), None);
        assert_eq!(RegionLevel::from_code("36060a"), None);
        assert_eq!(RegionLevel::from_code(""), None);
    }
}
