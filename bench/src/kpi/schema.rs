//! The tables the generator fills, declared here as in `storage/src/schema.rs` (which is private
//! to the storage crate), and one insertable row type per table. `None` is written as NULL so
//! that the rows can go in multi-row INSERTs on SQLite too.

use chrono::NaiveDateTime;
use diesel::prelude::*;

diesel::table! {
    regions (id) {
        id -> Text,
        code -> Nullable<Text>,
        name -> Text,
        level -> Text,
        parent_id -> Nullable<Text>,
        path -> Text,
        created_at -> Timestamp,
        case_prefix -> Nullable<Text>,
    }
}

diesel::table! {
    grids (id) {
        id -> Text,
        name -> Text,
        region_id -> Text,
        geometry -> Text,
        min_lon -> Double,
        min_lat -> Double,
        max_lon -> Double,
        max_lat -> Double,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        active -> Bool,
    }
}

diesel::table! {
    units (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        region_id -> Text,
        grid_id -> Nullable<Text>,
        department -> Nullable<Text>,
        created_at -> Timestamp,
        active -> Bool,
    }
}

diesel::table! {
    categories (code) {
        code -> Text,
        name -> Text,
        name_en -> Text,
        start_level -> Text,
        accept_within_minutes -> Integer,
        resolve_within_minutes -> Integer,
        evidence_required -> Bool,
        department -> Nullable<Text>,
        sort_order -> Integer,
        active -> Bool,
        created_at -> Timestamp,
        public -> Bool,
    }
}

diesel::table! {
    routing_rules (id) {
        id -> Text,
        number -> BigInt,
        category_code -> Nullable<Text>,
        region_id -> Text,
        unit_id -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        display_name -> Text,
        role -> Text,
        status -> Text,
        phone -> Nullable<Text>,
        failed_logins -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    case_sequences (prefix, day) {
        prefix -> Text,
        day -> Text,
        last_value -> Integer,
    }
}

diesel::table! {
    reports (id) {
        id -> Text,
        case_number -> Text,
        reporter_id -> Text,
        submitted_by -> Text,
        category_code -> Text,
        description -> Text,
        status -> Text,
        lat -> Nullable<Double>,
        lon -> Nullable<Double>,
        accuracy_m -> Nullable<Double>,
        location_source -> Nullable<Text>,
        grid_id -> Nullable<Text>,
        region_id -> Text,
        region_path -> Text,
        unit_id -> Nullable<Text>,
        level -> Nullable<Text>,
        anonymous -> Bool,
        channel -> Text,
        follower_count -> Integer,
        version -> Integer,
        accept_by -> Nullable<Timestamp>,
        resolve_by -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        confirm_by -> Nullable<Timestamp>,
        alerted -> Nullable<Text>,
        accepted_at -> Nullable<Timestamp>,
        resolved_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        rating -> Nullable<Integer>,
        reopen_count -> Integer,
        escalation_count -> Integer,
    }
}

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
    pub failed_logins: i32,
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
