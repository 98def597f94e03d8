//! One insertable row type per table the generator fills (the tables are storage's own
//! declarations). `None` is written as NULL so
//! that the rows can go in multi-row INSERTs on SQLite too.

use chrono::NaiveDateTime;
use diesel::prelude::*;

pub use cunxiang_storage::schema::{
    case_sequences, categories, grids, regions, reports, routing_rules, units, users,
};

/// A row of `regions`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = regions, treat_none_as_default_value = false)]
pub struct RegionRow {
    pub id: String,
    pub code: Option<String>,
    pub name: String,
    pub level: &'static str,
    pub parent_id: Option<String>,
    pub path: String,
    pub created_at: NaiveDateTime,
    pub case_prefix: Option<String>,
}

/// A row of `grids`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = grids, treat_none_as_default_value = false)]
pub struct GridRow {
    pub id: String,
    pub name: String,
    pub region_id: String,
    pub geometry: String,
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub active: bool,
}

/// A row of `units`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = units, treat_none_as_default_value = false)]
pub struct UnitRow {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub region_id: String,
    pub grid_id: Option<String>,
    pub department: Option<String>,
    pub created_at: NaiveDateTime,
    pub active: bool,
}

/// A row of `categories`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = categories, treat_none_as_default_value = false)]
pub struct CategoryRow {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub start_level: &'static str,
    pub accept_within_minutes: i32,
    pub resolve_within_minutes: i32,
    pub evidence_required: bool,
    pub department: Option<String>,
    pub sort_order: i32,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub public: bool,
}

/// A row of `routing_rules`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = routing_rules, treat_none_as_default_value = false)]
pub struct RuleRow {
    pub id: String,
    pub number: i64,
    pub category_code: Option<String>,
    pub region_id: String,
    pub unit_id: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A villager of `users` (staff accounts are made with `cunxiang create-user`'s code).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
pub struct UserRow {
    pub id: String,
    pub display_name: String,
    pub role: &'static str,
    pub status: &'static str,
    pub phone: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A row of `case_sequences`: the last number handed out on a day.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = case_sequences)]
pub struct SequenceRow {
    pub prefix: String,
    pub day: String,
    pub last_value: i32,
}

/// A row of `reports` (columns left out keep their NULL or default: address, warn_at,
/// next_due_at, rating_text, duplicate_of).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = reports, treat_none_as_default_value = false)]
pub struct ReportRow {
    pub id: String,
    pub case_number: String,
    pub reporter_id: String,
    pub submitted_by: String,
    pub category_code: &'static str,
    pub description: &'static str,
    pub status: &'static str,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub location_source: Option<&'static str>,
    pub grid_id: Option<String>,
    pub region_id: String,
    pub region_path: String,
    pub unit_id: Option<String>,
    pub level: Option<&'static str>,
    pub anonymous: bool,
    pub channel: &'static str,
    pub follower_count: i32,
    pub version: i32,
    pub accept_by: Option<NaiveDateTime>,
    pub resolve_by: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub confirm_by: Option<NaiveDateTime>,
    pub alerted: Option<&'static str>,
    pub accepted_at: Option<NaiveDateTime>,
    pub resolved_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub rating: Option<i32>,
    pub reopen_count: i32,
    pub escalation_count: i32,
}
