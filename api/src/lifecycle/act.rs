//! The act service: one action on one report, in the caller's transaction. A newcomer reads it
//! top to bottom: [`act_on`] (a person over HTTP: lock the row, may she see it, is her version
//! current) → [`perform`]: [`load`](super::load) the facts the step reads, ask the pure
//! `core::lifecycle::apply` for the transition, [`persist`](super::persist) it. The deadline
//! worker calls [`perform`] as the system.
//!
//! Errors: [`ActError`], the service's own; `api::error` turns it into the JSON error (one
//! `From<ActError> for ApiError`). Refusals keep their core type ([`Refusal`]) inside it.

use chrono::{DateTime, Utc};
use cunxiang_core::Actor;
use cunxiang_core::lifecycle::schedule::Deadline;
use cunxiang_core::lifecycle::{Action, Doer, Input, Policy, Refusal, apply};
use cunxiang_storage::reports::Report;
use cunxiang_storage::{DbConn, StorageError};
use uuid::Uuid;

use super::{load, persist};
use crate::route_index::RoutingCache;
use crate::settings::Settings;
use cunxiang_core::visibility::{Sight, sight_of};

/// Why an action did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ActError {
    /// No such report, or the person may not see it (the same answer, so that ids do not
    /// reveal which reports exist).
    #[error("no such report")]
    NotFound,
    /// The lifecycle refused it.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// An internal comment from someone who sees the report but is not in charge of it.
    #[error("only staff in charge of the report may write internal comments")]
    NotInCharge,
    /// The version the caller sent (or read) is not the current one.
    #[error("the report changed since you read it; read it again")]
    VersionConflict {
        /// The current version.
        current: i32,
    },
    /// An "after" photo was attached elsewhere between the check and the write.
    #[error("a photo was attached elsewhere meanwhile; nothing was saved")]
    MediaTaken,
    /// Stored data contradicts itself (a report names a missing category or unit).
    #[error("inconsistent data: {0}")]
    Corrupt(&'static str),
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Who acts.
#[derive(Debug, Clone, Copy)]
pub enum Who<'a> {
    /// A person over the API.
    Person(&'a Actor),
    /// The deadline worker; `deadline` names the limit that ran out, if that is why.
    System {
        /// The limit behind the action.
        deadline: Option<Deadline>,
    },
}

impl Who<'_> {
    /// The doer as core knows it.
    pub fn doer(self) -> Doer {
        match self {
            Who::Person(me) => Doer::Person {
                id: me.id,
                role: me.role,
            },
            Who::System { deadline } => Doer::System { deadline },
        }
    }
}

/// An action to perform.
#[derive(Debug, Clone, Copy)]
pub struct Act<'a> {
    /// Who.
    pub who: Who<'a>,
    /// What.
    pub action: Action,
    /// With what.
    pub input: &'a Input,
    /// When.
    pub now: DateTime<Utc>,
    /// The deployment's lifecycle limits.
    pub policy: Policy,
    /// Push configuration for the fan-out (templates, which channels are configured).
    pub settings: &'a Settings,
    /// The organisation escalation climbs (this instance's routing snapshot).
    pub routing: &'a RoutingCache,
}

/// A person's action over HTTP (`act.who` is `me`): locks the report, checks that she may
/// see it ([`ActError::NotFound`] otherwise) and the version she sent, then [`perform`]s it —
/// all in one transaction. Returns the report as it is now and how she sees it.
pub fn act_on(
    conn: &mut DbConn,
    me: &Actor,
    id: Uuid,
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
