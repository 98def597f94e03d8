//! The `reports` row and its conversion to and from [`Report`].

use cunxiang_core::RegionLevel;
use cunxiang_core::lifecycle::ReportStatus;
use cunxiang_core::lifecycle::schedule::{Alerted, Deadlines};
use cunxiang_core::report::{Channel, LocationSource, Progress, Report, StoredLocation};
use diesel::prelude::*;

use crate::error::{Result, StorageError};
use crate::regions::{parse_id, parse_opt_id};
use crate::schema::reports;
use crate::time;

/// A report to insert: everything intake decided.
pub type NewReport = Report;

#[derive(Queryable, QueryableByName, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = reports, treat_none_as_null = true)]
pub(super) struct ReportRow {
    id: String,
    case_number: String,
    reporter_id: String,
    submitted_by: String,
    category_code: String,
    description: String,
    status: String,
    lat: Option<f64>,
    lon: Option<f64>,
    accuracy_m: Option<f64>,
    location_source: Option<String>,
    address: Option<String>,
    grid_id: Option<String>,
    region_id: String,
    region_path: String,
    unit_id: Option<String>,
    level: Option<String>,
    anonymous: bool,
    channel: String,
    follower_count: i32,
    version: i32,
    accept_by: Option<chrono::NaiveDateTime>,
    resolve_by: Option<chrono::NaiveDateTime>,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
    confirm_by: Option<chrono::NaiveDateTime>,
    warn_at: Option<chrono::NaiveDateTime>,
    alerted: Option<String>,
    next_due_at: Option<chrono::NaiveDateTime>,
    accepted_at: Option<chrono::NaiveDateTime>,
    resolved_at: Option<chrono::NaiveDateTime>,
    closed_at: Option<chrono::NaiveDateTime>,
    rating: Option<i32>,
    rating_text: Option<String>,
    reopen_count: i32,
    escalation_count: i32,
    duplicate_of: Option<String>,
}

fn corrupt(reason: String) -> StorageError {
    StorageError::Corrupt {
        table: "reports",
        reason,
    }
}

impl ReportRow {
    pub(super) fn from_new(r: &NewReport) -> Self {
        ReportRow {
            id: r.id.to_string(),
            case_number: r.case_number.clone(),
            reporter_id: r.reporter_id.to_string(),
            submitted_by: r.submitted_by.to_string(),
            category_code: r.category.clone(),
            description: r.description.clone(),
            status: r.status.as_str().to_owned(),
            lat: r.location.map(|l| l.lat),
            lon: r.location.map(|l| l.lon),
            accuracy_m: r.location.and_then(|l| l.accuracy_m),
            location_source: r.location.map(|l| l.source.as_str().to_owned()),
            address: r.address.clone(),
            grid_id: r.grid_id.map(|g| g.to_string()),
            region_id: r.region_id.to_string(),
            region_path: r.region_path.clone(),
            unit_id: r.unit_id.map(|u| u.to_string()),
            level: r.level.map(|l| l.as_str().to_owned()),
            anonymous: r.anonymous,
            channel: r.channel.as_str().to_owned(),
            follower_count: r.follower_count,
            version: r.version,
            accept_by: r.deadlines.accept_by.map(time::to_db),
            resolve_by: r.deadlines.resolve_by.map(time::to_db),
            created_at: time::to_db(r.created_at),
            updated_at: time::to_db(r.updated_at),
            confirm_by: r.deadlines.confirm_by.map(time::to_db),
            warn_at: r.deadlines.warn_at.map(time::to_db),
            alerted: r.deadlines.alerted.as_str().map(str::to_owned),
            next_due_at: r.deadlines.next_due(r.status).map(time::to_db),
            accepted_at: r.progress.accepted_at.map(time::to_db),
            resolved_at: r.progress.resolved_at.map(time::to_db),
            closed_at: r.progress.closed_at.map(time::to_db),
            rating: r.progress.rating,
            rating_text: r.progress.rating_text.clone(),
            reopen_count: r.progress.reopen_count,
            escalation_count: r.progress.escalation_count,
            duplicate_of: r.progress.duplicate_of.map(|d| d.to_string()),
        }
    }

    pub(super) fn into_record(self) -> Result<Report> {
        let status = ReportStatus::parse(&self.status)
            .ok_or_else(|| corrupt(format!("status {:?}", self.status)))?;
        let channel = Channel::parse(&self.channel)
            .ok_or_else(|| corrupt(format!("channel {:?}", self.channel)))?;
        let level = self
            .level
            .as_deref()
            .map(|l| RegionLevel::parse(l).ok_or_else(|| corrupt(format!("level {l:?}"))))
            .transpose()?;
        let location = match (self.lat, self.lon) {
            (Some(lat), Some(lon)) => Some(StoredLocation {
                lat,
                lon,
                accuracy_m: self.accuracy_m,
                source: self
                    .location_source
                    .as_deref()
                    .and_then(LocationSource::parse)
                    .unwrap_or(LocationSource::Device),
            }),
            _ => None,
        };
        Ok(Report {
            id: parse_id("reports", &self.id)?,
            case_number: self.case_number,
            reporter_id: parse_id("reports", &self.reporter_id)?,
            submitted_by: parse_id("reports", &self.submitted_by)?,
            category: self.category_code,
            description: self.description,
            status,
            location,
            address: self.address,
            grid_id: parse_opt_id("reports", self.grid_id.as_deref())?,
            region_id: parse_id("reports", &self.region_id)?,
            region_path: self.region_path,
            unit_id: parse_opt_id("reports", self.unit_id.as_deref())?,
            level,
            anonymous: self.anonymous,
            channel,
            follower_count: self.follower_count,
            version: self.version,
            deadlines: Deadlines {
                accept_by: self.accept_by.map(time::from_db),
                resolve_by: self.resolve_by.map(time::from_db),
                confirm_by: self.confirm_by.map(time::from_db),
                warn_at: self.warn_at.map(time::from_db),
                alerted: Alerted::parse(self.alerted.as_deref())
                    .ok_or_else(|| corrupt(format!("alerted {:?}", self.alerted)))?,
            },
            progress: Progress {
                accepted_at: self.accepted_at.map(time::from_db),
                resolved_at: self.resolved_at.map(time::from_db),
                closed_at: self.closed_at.map(time::from_db),
                rating: self.rating,
                rating_text: self.rating_text,
                reopen_count: self.reopen_count,
                escalation_count: self.escalation_count,
                duplicate_of: parse_opt_id("reports", self.duplicate_of.as_deref())?,
            },
            created_at: time::from_db(self.created_at),
            updated_at: time::from_db(self.updated_at),
        })
    }
}
