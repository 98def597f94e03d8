//! The act service's vocabulary: an [`Act`] (who does what, with what, when, under which
//! policy) and its error, [`ActError`]. Shared by the service (`act`) and its two halves
//! (`load`, `persist`), which therefore do not depend on each other.

use chrono::{DateTime, Utc};
use cunxiang_core::Actor;
use cunxiang_core::lifecycle::schedule::Deadline;
use cunxiang_core::lifecycle::{Action, Doer, Input, Policy, Refusal};
use cunxiang_storage::StorageError;

use crate::route_index::RoutingCache;
use crate::settings::FanOut;

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
    /// What the fan-out needs: the templates, and whether SMS go out.
    pub fan_out: FanOut<'a>,
    /// The organisation escalation climbs (this instance's routing snapshot).
    pub routing: &'a RoutingCache,
}
