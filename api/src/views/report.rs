//! How a report looks in responses, cut to what the reader may see (see [`super::access`]).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use cunxiang_core::identity::mask_phone;
use cunxiang_core::lifecycle::ReportStatus;
use cunxiang_core::lifecycle::schedule::Light;
use cunxiang_core::report::{Channel, LocationSource};
use cunxiang_core::{RegionLevel, ReportId, UnitId, User, UserId};
use cunxiang_storage::media::Media;
use cunxiang_storage::reports::Report;
use cunxiang_storage::reports::events::ReportEvent;
use cunxiang_storage::{DbConn, StorageError};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use cunxiang_core::visibility::Sight;

/// A report as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    id: ReportId,
    case_number: String,
    category: String,
    description: String,
    status: ReportStatus,
    location: Option<LocationView>,
    address: Option<String>,
    grid_id: Option<Uuid>,
    region_id: Uuid,
    /// The responsible unit; `null` while the report waits in a dispatch queue.
    unit: Option<UnitRef>,
    anonymous: bool,
    channel: Channel,
    /// The reporter, when the reader may know who it is.
    reporter: Option<PersonView>,
    follower_count: i32,
    version: i32,
    accept_by: Option<DateTime<Utc>>,
    resolve_by: Option<DateTime<Utc>>,
    /// The end of the limit running now: accept_by while assigned, resolve_by while accepted,
    /// confirm_by while resolved; `null` otherwise.
    due_at: Option<DateTime<Utc>>,
    /// The running accept or resolve limit's light.
    light: Option<Light>,
    confirm_by: Option<DateTime<Utc>>,
    accepted_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    rating: Option<i32>,
    rating_text: Option<String>,
    reopen_count: i32,
    escalation_count: i32,
    duplicate_of: Option<ReportId>,
    /// The patrol whose problem it was filed as (staff only).
    patrol_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    photos: Vec<PhotoView>,
    /// Oldest first; only on single-report reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    timeline: Option<Vec<EventView>>,
}

impl ReportView {
    /// The report's id.
    pub fn id(&self) -> ReportId {
        self.id
    }

    /// The report's case number.
    pub fn case_number(&self) -> &str {
        &self.case_number
    }

    /// The responsible unit's name; `None` while the report waits in a dispatch queue.
    pub fn unit_name(&self) -> Option<&str> {
        self.unit.as_ref().map(|u| u.name.as_str())
    }

    /// The timeline of a single-report view (empty for list items).
    pub fn into_timeline(self) -> Vec<EventView> {
        self.timeline.unwrap_or_default()
    }
}

/// A stored location (WGS-84).
#[derive(Debug, Clone, Serialize)]
pub struct LocationView {
    lat: f64,
    lon: f64,
    accuracy_m: Option<f64>,
    source: LocationSource,
}

/// A unit by id, name and level.
#[derive(Debug, Clone, Serialize)]
pub struct UnitRef {
    id: UnitId,
    name: String,
    level: Option<RegionLevel>,
}

/// A person on a report: name and phone (masked unless the reader is an admin or herself).
#[derive(Debug, Clone, Serialize)]
pub struct PersonView {
    id: UserId,
    display_name: String,
    phone: Option<String>,
}

/// A photo of a report: sizes and where to fetch it (no EXIF facts here).
#[derive(Debug, Clone, Serialize)]
pub struct PhotoView {
    id: Uuid,
    width: i32,
    height: i32,
    url: String,
    thumb_url: String,
}

/// One timeline event.
#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    id: Uuid,
    kind: cunxiang_core::EventKind,
    actor_id: Option<UserId>,
    unit_id: Option<UnitId>,
    note: Option<String>,
    details: Value,
    /// Shown to staff only.
    internal: bool,
    /// Evidence photos of this event (a resolution's "after" photos).
    media: Vec<PhotoView>,
    at: DateTime<Utc>,
}

/// Event details without what is for staff only: the evidence checks of a resolution (flags
/// are for supervisors to review, EXIF facts stay with the staff).
fn public_details(mut details: Value) -> Value {
    if let Some(map) = details.as_object_mut() {
        map.remove("evidence");
        map.remove("evidence_suspect");
    }
    details
}

impl EventView {
    /// One event of a report (reported by `reporter_id`, `anonymous` or not) as a reader with
    /// `sight` sees it, with its evidence photos `media`; `None` when she may not see it at all
    /// (an internal event and no staff). The reporter is left out as the actor when the reader
    /// may not know who reported it, and the evidence checks unless she is staff.
    pub fn of(
        e: ReportEvent,
        sight: Sight,
        reporter_id: UserId,
        anonymous: bool,
        media: &[Media],
    ) -> Option<Self> {
        if e.internal && !sight.sees_internal() {
            return None;
        }
        let hide_people = !sight.sees_reporter(anonymous);
        Some(EventView {
            id: e.id,
            actor_id: e.actor_id.filter(|a| !(hide_people && *a == reporter_id)),
            kind: e.kind,
            unit_id: e.unit_id,
            note: e.note,
            details: if sight.sees_internal() {
                e.details
            } else {
                public_details(e.details)
            },
            internal: e.internal,
            media: media.iter().map(PhotoView::of).collect(),
            at: e.at,
        })
    }

    /// The event's id (time-ordered).
    pub fn id(&self) -> Uuid {
        self.id
    }
}

impl PhotoView {
    /// The view of a photo.
    pub fn of(m: &Media) -> Self {
        PhotoView {
            id: m.id,
            width: m.display.width,
            height: m.display.height,
            url: format!("/v1/media/{}", m.id),
            thumb_url: format!("/v1/media/{}/thumb", m.id),
        }
    }
}

/// Everything a view is built from, read in one go.
pub struct ReportParts {
    /// The report.
    pub report: Report,
    /// Its photos.
    pub photos: Vec<Media>,
    /// Its timeline, when wanted.
    pub events: Option<Vec<ReportEvent>>,
    /// Evidence photos by the event they belong to (with the timeline).
    pub evidence: HashMap<Uuid, Vec<Media>>,
    /// The reporter's account.
    pub reporter: Option<User>,
    /// The responsible unit's name.
    pub unit_name: Option<String>,
    /// The patrol it was filed from, if any.
    pub patrol_id: Option<Uuid>,
}

impl ReportParts {
    /// Reads what a view of `report` needs, with its timeline.
    pub fn load(conn: &mut DbConn, report: Report) -> Result<Self, StorageError> {
        let events = cunxiang_storage::reports::events::of_report(conn, report.id)?;
        let mut evidence: HashMap<Uuid, Vec<Media>> = HashMap::new();
        for m in cunxiang_storage::media::of_events(conn, report.id)? {
            if let Some(event) = m.event_id {
                evidence.entry(event).or_default().push(m);
            }
        }
        let mut parts = Self::load_many(conn, vec![report])?;
        let mut one = parts.pop().ok_or_else(|| StorageError::Corrupt {
            table: "reports",
            reason: "a report read for its view has no parts".into(),
        })?;
        one.events = Some(events);
        one.evidence = evidence;
        Ok(one)
    }

    /// Reads what views of several reports need (without timelines) in three queries, not
    /// three per report; the order is kept.
    pub fn load_many(conn: &mut DbConn, reports: Vec<Report>) -> Result<Vec<Self>, StorageError> {
        let ids: Vec<ReportId> = reports.iter().map(|r| r.id).collect();
        let reporter_ids: Vec<UserId> = reports.iter().map(|r| r.reporter_id).collect();
        let unit_ids: Vec<UnitId> = reports.iter().filter_map(|r| r.unit_id).collect();
        let patrols = cunxiang_storage::patrols::marks::patrols_of_reports(conn, &ids)?;
        let mut photos: HashMap<ReportId, Vec<Media>> = HashMap::new();
        for m in cunxiang_storage::media::of_reports(conn, &ids)? {
            if let Some(report) = m.report_id {
                photos.entry(report).or_default().push(m);
            }
        }
        let people: HashMap<UserId, User> =
            cunxiang_storage::users::find_many(conn, &reporter_ids)?
                .into_iter()
                .map(|u| (u.id, u))
                .collect();
        let unit_names: HashMap<UnitId, String> =
            cunxiang_storage::units::find_many(conn, &unit_ids)?
                .into_iter()
                .map(|u| (u.id, u.name))
                .collect();
        Ok(reports
            .into_iter()
            .map(|report| ReportParts {
                photos: photos.remove(&report.id).unwrap_or_default(),
                events: None,
                evidence: HashMap::new(),
                reporter: people.get(&report.reporter_id).cloned(),
                unit_name: report.unit_id.and_then(|u| unit_names.get(&u).cloned()),
                patrol_id: patrols.get(&report.id).copied(),
                report,
            })
            .collect())
    }

    /// The view for a reader with `sight` at `now` (which sets the light).
    pub fn view(self, sight: Sight, now: DateTime<Utc>) -> ReportView {
        let r = self.report;
        let mut evidence = self.evidence;
        let reporter = self
            .reporter
            .filter(|_| sight.sees_reporter(r.anonymous))
            .map(|u| PersonView {
                id: u.id,
                display_name: u.display_name,
                phone: u.phone.map(|p| match sight {
                    Sight::Admin | Sight::Reporter => p,
                    _ => mask_phone(&p),
                }),
            });
        let timeline = self.events.map(|events| {
            events
                .into_iter()
                .filter_map(|e| {
                    let media = evidence.remove(&e.id).unwrap_or_default();
                    EventView::of(e, sight, r.reporter_id, r.anonymous, &media)
                })
                .collect()
        });
        ReportView {
            id: r.id,
            case_number: r.case_number,
            category: r.category,
            description: r.description,
            status: r.status,
            location: r.location.map(|l| LocationView {
                lat: l.lat,
                lon: l.lon,
                accuracy_m: l.accuracy_m,
                source: l.source,
            }),
            address: r.address,
            grid_id: r.grid_id,
            region_id: r.region_id,
            unit: r.unit_id.map(|id| UnitRef {
                id,
                name: self.unit_name.unwrap_or_default(),
                level: r.level,
            }),
            anonymous: r.anonymous,
            channel: r.channel,
            reporter,
            follower_count: r.follower_count,
            version: r.version,
            accept_by: r.deadlines.accept_by,
            resolve_by: r.deadlines.resolve_by,
            due_at: r.deadlines.running(r.status).map(|(_, end)| end),
            light: r.deadlines.light(r.status, now),
            confirm_by: r.deadlines.confirm_by,
            accepted_at: r.progress.accepted_at,
            resolved_at: r.progress.resolved_at,
            closed_at: r.progress.closed_at,
            rating: r.progress.rating,
            rating_text: r.progress.rating_text,
            reopen_count: r.progress.reopen_count,
            escalation_count: r.progress.escalation_count,
            duplicate_of: r.progress.duplicate_of,
            // Staff and the walker who filed it (only staff walk patrols); not the public.
            patrol_id: self
                .patrol_id
                .filter(|_| sight.sees_internal() || sight == Sight::Reporter),
            created_at: r.created_at,
            updated_at: r.updated_at,
            photos: self.photos.iter().map(PhotoView::of).collect(),
            timeline,
        }
    }
}
