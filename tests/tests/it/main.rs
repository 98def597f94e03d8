//! Cunxiang's integration suite: the real server on port 0 with its own database, driven over
//! HTTP like a phone would, on SQLite and (with `CUNXIANG_TEST_POSTGRES_URL`) PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod auth_codes;
mod auth_partners;
mod auth_tokens;
mod contract;
mod deadlines;
mod demo;
mod errors;
mod export;
mod grid_import;
mod health;
mod intake;
mod intake_reading;
mod intake_refusals;
mod lifecycle;
mod lifecycle_dispatch;
mod lifecycle_refusals;
mod lifecycle_trust;
mod migrations;
mod open311;
mod open311_post;
mod open311_tenancy;
mod org_admin;
mod organisation;
mod push_journey;
mod push_stream;
mod push_webhook_admin;
mod push_webhooks;
mod push_wechat;
mod report_events;
mod routing;
mod stats;
mod stats_rollups;
mod supervision;
