//! The act service: one action on one report, in the caller's transaction. A newcomer reads it
//! top to bottom: [`act_on`] (a person over HTTP: lock the row, may she see it, is her version
//! current) → [`perform`]: [`load`](super::load) the facts the step reads, ask the pure
//! `core::lifecycle::apply` for the transition, [`persist`](super::persist) it. The deadline
//! worker calls [`perform`] as the system.
//!
//! Errors: [`ActError`], the service's own; `api::error` turns it into the JSON error (one
//! `From<ActError> for ApiError`). Refusals keep their core type ([`Refusal`]) inside it.

use cunxiang_core::Actor;
use cunxiang_core::ReportId;
use cunxiang_core::lifecycle::{Action, apply};
use cunxiang_storage::DbConn;
use cunxiang_storage::reports::Report;

pub use super::step::{Act, ActError, Who};
use super::{load, persist};
use cunxiang_core::visibility::{Sight, sight_of};

/// A person's action over HTTP (`act.who` is `me`): locks the report, checks that she may
/// see it ([`ActError::NotFound`] otherwise) and the version she sent, then [`perform`]s it —
/// all in one transaction. Returns the report as it is now and how she sees it.
pub fn act_on(
    conn: &mut DbConn,
    me: &Actor,
    id: ReportId,
    act: &Act<'_>,
) -> Result<(Report, Sight), ActError> {
    cunxiang_storage::conn::transaction(conn, |conn| {
        if !cunxiang_storage::reports::change::lock(conn, id)? {
            return Err(ActError::NotFound);
        }
        let report = cunxiang_storage::reports::find(conn, id)?.ok_or(ActError::NotFound)?;
        let public = cunxiang_storage::reports::category_is_public(conn, &report.category)?;
        let seen = sight_of(me, &report, public).ok_or(ActError::NotFound)?;
        if act.action == Action::Comment && act.input.internal && !seen.sees_internal() {
            return Err(ActError::NotInCharge);
        }
        if act.input.version.is_some_and(|v| v != report.version) {
            return Err(ActError::VersionConflict {
                current: report.version,
            });
        }
        let changed = perform(conn, report, act)?;
        Ok((changed, seen))
    })
}

/// Performs `act` on `report`, whose row the caller has locked inside a transaction: load,
/// apply, persist.
pub fn perform(conn: &mut DbConn, report: Report, act: &Act<'_>) -> Result<Report, ActError> {
    let loaded = load::facts(conn, &report, act)?;
    let doer = act.who.doer();
    let transition = apply(
        &report,
        act.action,
        doer,
        act.input,
        &loaded,
        act.now,
        &act.policy,
    )?;
    persist::transition(conn, &report, transition, doer, act)
}
