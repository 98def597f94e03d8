//! The report itself: the one record every lifecycle step reads and returns.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Channel, LocationSource};
use crate::lifecycle::ReportStatus;
use crate::lifecycle::schedule::Deadlines;
use crate::{RegionLevel, ReportId, UnitId, UserId};

/// A report (上报事项) as the lifecycle knows it: what was filed, where it stands, who holds
/// it, its deadlines and its progress. Storage reads and writes it whole.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Stable id (UUIDv7).
    pub id: ReportId,
    /// Human case number, e.g. `YJ-20261128-0042`.
    pub case_number: String,
    /// The villager it is about.
    pub reporter_id: UserId,
    /// Who submitted it (the reporter, or staff on her behalf).
    pub submitted_by: UserId,
    /// Category code.
    pub category: String,
    /// What the villager wrote.
    pub description: String,
    /// Lifecycle status.
    pub status: ReportStatus,
    /// WGS-84 location, when known.
    pub location: Option<StoredLocation>,
    /// Free-text address.
    pub address: Option<String>,
    /// The grid containing the location.
    pub grid_id: Option<Uuid>,
    /// The region it lies in (or whose dispatch queue holds it).
    pub region_id: Uuid,
    /// That region's materialised path.
    pub region_path: String,
    /// Responsible unit, `None` while in a dispatch queue.
    pub unit_id: Option<UnitId>,
    /// The responsible unit's ladder level.
    pub level: Option<RegionLevel>,
    /// Whether the reporter's identity is hidden from everyone but admins.
    pub anonymous: bool,
    /// Where it came from.
    pub channel: Channel,
    /// "Me too" followers.
    pub follower_count: i32,
    /// Bumped by every change (optimistic concurrency).
    pub version: i32,
    /// Its deadlines and what the deadline worker did about them.
    pub deadlines: Deadlines,
    /// Milestones, rating and counters.
    pub progress: Progress,
    /// Submitted at.
    pub created_at: DateTime<Utc>,
    /// Last changed at.
    pub updated_at: DateTime<Utc>,
}

/// What has happened to a report so far: milestone times, the rating, counters.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Progress {
    /// Last accepted at.
    pub accepted_at: Option<DateTime<Utc>>,
    /// Last resolved at.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Closed (confirmed, rated or auto-confirmed) at.
    pub closed_at: Option<DateTime<Utc>>,
    /// The reporter's rating of the current resolution, 1–5.
    pub rating: Option<i32>,
    /// The reporter's words with the rating.
    pub rating_text: Option<String>,
    /// How many times the reporter reopened it.
    pub reopen_count: i32,
    /// How many times it went up the ladder.
    pub escalation_count: i32,
    /// The report this one was rejected as a duplicate of.
    pub duplicate_of: Option<ReportId>,
}

/// A stored location (WGS-84) with its accuracy and origin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoredLocation {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Accuracy radius the phone reported, in metres.
    pub accuracy_m: Option<f64>,
    /// Where the location came from.
    pub source: LocationSource,
}
