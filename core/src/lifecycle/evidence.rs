//! Evidence checks of a resolve photo: taken before the report was made, or far from where it
//! was made. A flagged photo is still accepted; the flags go on the `resolved` event for the
//! supervisors.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::coords::{LonLat, distance_m};

/// Why a resolve photo looks wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceFlag {
    /// Its EXIF capture time is before the report was submitted: not an "after" photo.
    TakenBeforeReport,
    /// Its EXIF GPS is further from the report's location than allowed.
    FarFromReport,
}

/// What a photo's EXIF says, and what the report says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvidenceFacts {
    /// When the report was submitted.
    pub reported_at: DateTime<Utc>,
    /// Where the report is (WGS-84), when known.
    pub report_at: Option<LonLat>,
    /// The photo's EXIF capture time.
    pub captured_at: Option<DateTime<Utc>>,
    /// The photo's EXIF position (WGS-84).
    pub photo_at: Option<LonLat>,
}

/// The result of checking one photo.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceCheck {
    /// What is wrong; empty when nothing is (also when EXIF says nothing to check).
    pub flags: Vec<EvidenceFlag>,
    /// Distance between photo and report in metres, when both positions are known.
    pub distance_m: Option<f64>,
}

/// Checks a photo against the report; `max_distance_m` is the allowed distance.
pub fn check(facts: &EvidenceFacts, max_distance_m: f64) -> EvidenceCheck {
    let mut flags = Vec::new();
    if facts.captured_at.is_some_and(|c| c < facts.reported_at) {
        flags.push(EvidenceFlag::TakenBeforeReport);
    }
    let distance = match (facts.report_at, facts.photo_at) {
        (Some(a), Some(b)) => Some(distance_m(a, b)),
        _ => None,
    };
    if distance.is_some_and(|d| d > max_distance_m) {
        flags.push(EvidenceFlag::FarFromReport);
    }
    EvidenceCheck {
        flags,
        distance_m: distance.map(|d| d.round()),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn facts() -> EvidenceFacts {
        let at = DateTime::parse_from_rfc3339("2026-11-28T01:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        EvidenceFacts {
            reported_at: at,
            report_at: Some(LonLat {
                lon: 116.938969,
                lat: 28.363789,
            }),
            captured_at: Some(at + Duration::minutes(20)),
            photo_at: Some(LonLat {
                lon: 116.939,
                lat: 28.3638,
            }),
        }
    }

    #[test]
    fn an_after_photo_taken_on_the_spot_passes() {
        let c = check(&facts(), 500.0);
        assert!(c.flags.is_empty(), "{c:?}");
        assert!(c.distance_m.unwrap() < 10.0);
    }

    #[test]
    fn a_photo_taken_before_the_report_is_flagged() {
        let f = EvidenceFacts {
            captured_at: Some(facts().reported_at - Duration::seconds(1)),
            ..facts()
        };
        assert_eq!(check(&f, 500.0).flags, [EvidenceFlag::TakenBeforeReport]);
    }

    #[test]
    fn a_photo_taken_elsewhere_is_flagged_beyond_the_allowed_distance() {
        // About 1.1 km north.
        let f = EvidenceFacts {
            photo_at: Some(LonLat {
                lon: 116.938969,
                lat: 28.373789,
            }),
            ..facts()
        };
        let c = check(&f, 500.0);
        assert_eq!(c.flags, [EvidenceFlag::FarFromReport]);
        assert!((1100.0..1120.0).contains(&c.distance_m.unwrap()), "{c:?}");
        assert!(check(&f, 2000.0).flags.is_empty());
    }

    #[test]
    fn a_photo_without_exif_or_a_report_without_place_has_nothing_to_flag() {
        let f = EvidenceFacts {
            captured_at: None,
            photo_at: None,
            ..facts()
        };
        assert_eq!(
            check(&f, 500.0),
            EvidenceCheck {
                flags: vec![],
                distance_m: None
            }
        );
        let f = EvidenceFacts {
            report_at: None,
            ..facts()
        };
        assert!(check(&f, 0.0).flags.is_empty());
    }
}
