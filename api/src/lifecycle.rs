//! The report lifecycle at work: people's actions on reports (`POST /v1/reports/{id}/{action}`)
//! and the deadline worker acting on its own, both through one [`act::perform`] that asks
//! `core::lifecycle::decide` and writes report, event and evidence in one transaction.

pub mod act;
pub mod body;
pub mod deadlines;
mod effects;
mod standing;

use chrono::Duration;
use cunxiang_core::Category;
use cunxiang_core::lifecycle::schedule::Limits;

/// The limits of a report of `category`, with the deployment's confirm window.
pub fn limits(category: &Category, confirm: Duration) -> Limits {
    Limits {
        accept: Duration::minutes(i64::from(category.accept_within_minutes)),
        resolve: Duration::minutes(i64::from(category.resolve_within_minutes)),
        confirm,
    }
}
