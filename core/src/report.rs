//! Reports (上报事项) as intake sees them: channels, case numbers and the limits of a submission.

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, Utc};
use serde::{Deserialize, Serialize};

mod record;

pub use record::{Progress, Report, StoredLocation};

/// Longest description, in characters.
pub const MAX_DESCRIPTION: usize = 2000;
/// Most photos on one report.
pub const MAX_PHOTOS: usize = 9;
/// Longest free-text address, in characters.
pub const MAX_ADDRESS: usize = 200;

/// Where a report came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::AsExpression, diesel::FromSqlRow),
    diesel(sql_type = diesel::sql_types::Text)
)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The WeChat mini-program (小程序).
    MiniProgram,
    /// A native app.
    App,
    /// A web page (H5).
    H5,
    /// A grid worker's own patrol finding (巡查).
    Patrol,
    /// Staff typing in a call to the hotline (热线).
    Hotline,
    /// A third-party system through the Open311 façade.
    Open311,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 6] = [
        Self::MiniProgram,
        Self::App,
        Self::H5,
        Self::Patrol,
        Self::Hotline,
        Self::Open311,
    ];

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MiniProgram => "mini_program",
            Self::App => "app",
            Self::H5 => "h5",
            Self::Patrol => "patrol",
            Self::Hotline => "hotline",
            Self::Open311 => "open311",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Channels a villager reports through herself.
    pub fn is_villager_channel(self) -> bool {
        matches!(self, Self::MiniProgram | Self::App | Self::H5)
    }
}

/// Where a report's location came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::AsExpression, diesel::FromSqlRow),
    diesel(sql_type = diesel::sql_types::Text)
)]
#[serde(rename_all = "snake_case")]
pub enum LocationSource {
    /// Sent by the phone with the report.
    Device,
    /// Read from the first photo's EXIF GPS because the report had none.
    PhotoExif,
}

impl LocationSource {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Device => "device",
            Self::PhotoExif => "photo_exif",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Device, Self::PhotoExif]
            .into_iter()
            .find(|l| l.as_str() == s)
    }
}

/// China Standard Time (UTC+8, no daylight saving): case numbers count days as villagers do.
pub fn china_time() -> FixedOffset {
    // 8 hours is always a valid offset; the UTC fallback is never taken.
    FixedOffset::east_opt(8 * 3600).unwrap_or(Utc.fix())
}

/// The calendar day in China at instant `at`.
pub fn china_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&china_time()).date_naive()
}

/// A case number: `PREFIX-YYYYMMDD-NNNN` (four digits at least; the 10,000th report of a day
/// gets five).
pub fn case_number(prefix: &str, day: NaiveDate, sequence: i64) -> String {
    format!("{prefix}-{}-{sequence:04}", day.format("%Y%m%d"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn case_numbers_count_days_in_china_time() {
        // 17:30 UTC on the 27th is 01:30 on the 28th in 余江.
        let late = Utc.with_ymd_and_hms(2026, 11, 27, 17, 30, 0).unwrap();
        let day = china_day(late);
        assert_eq!(day, NaiveDate::from_ymd_opt(2026, 11, 28).unwrap());
        assert_eq!(case_number("YJ", day, 42), "YJ-20261128-0042");
        assert_eq!(case_number("YJ", day, 12345), "YJ-20261128-12345");
        let early = Utc.with_ymd_and_hms(2026, 11, 27, 15, 59, 59).unwrap();
        assert_eq!(
            china_day(early),
            NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
        );
    }

    #[test]
    fn channels_round_trip() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
        assert_eq!(Channel::parse("fax"), None);
        assert!(Channel::MiniProgram.is_villager_channel());
        assert!(!Channel::Hotline.is_villager_channel());
    }
}
