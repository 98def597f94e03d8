//! Who sees what of a report — one rule. [`sight`] answers it for one reader and one
//! [`Relation`]; everything else is derived from it: the single-report check and the timeline
//! ([`relation`] from an [`Actor`] and the report), the list, export and KPI scope ([`scope`],
//! which storage turns into SQL and which [`Scope::admits`] states in Rust), the live stream's
//! per-event sight ([`Relation::of_reason`], the fan-out's reason standing for the relation at
//! the time of the event) and Open311's anonymous reader ([`Viewer::Anonymous`]).
//!
//! The rule: admins see everything; the reporter sees her report whole; staff see the reports
//! their units hold or that lie in their regions' subtrees; anyone may see a report of a public
//! category, without the reporter's identity. Anyone else is told "not found" (not
//! "forbidden"), so that ids and case numbers do not reveal which reports exist.

use crate::permission::Actor;
use crate::push::Reason;
use crate::{Role, UnitId, UserId, report::Report};

/// How much of a report a reader sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sight {
    /// Admins: everything, the reporter's full phone number included, even when anonymous.
    Admin,
    /// The reporter herself: her report whole.
    Reporter,
    /// Staff with authority over it: the reporter's name and masked phone unless anonymous,
    /// internal events.
    Staff,
    /// Anyone else, for a public category: no reporter identity, no internal events.
    Public,
}

impl Sight {
    /// Whether the reader may learn who reported it.
    pub fn sees_reporter(self, anonymous: bool) -> bool {
        match self {
            Sight::Admin | Sight::Reporter => true,
            Sight::Staff => !anonymous,
            Sight::Public => false,
        }
    }

    /// Whether internal (supervisors') events are shown.
    pub fn sees_internal(self) -> bool {
        matches!(self, Sight::Admin | Sight::Staff)
    }
}

/// Who reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// A logged-in person with this role.
    Person(Role),
    /// Nobody in particular: a third-party system reading Open311's public lists.
    Anonymous,
}

/// How the reader stands to the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Relation {
    /// She reported it (or it was reported on her behalf).
    pub reporter: bool,
    /// One of her units holds it, or it lies in her regions' subtrees (staff only).
    pub in_charge: bool,
    /// Its category is public.
    pub public: bool,
}

impl Relation {
    /// The relation the push fan-out recorded as the `reason` a reader hears of an event:
    /// handlers and supervisors are in charge; the fan-out addresses only readers who may see
    /// the report (a follower followed it when she could), so every reason admits at least
    /// the public sight; `is_reporter` says she reported it, whatever the reason.
    pub fn of_reason(reason: Reason, is_reporter: bool) -> Self {
        Relation {
            reporter: is_reporter || reason == Reason::Reporter,
            in_charge: matches!(reason, Reason::Handler | Reason::Supervisor),
            public: true,
        }
    }
}

/// Whether `actor` (staff) has authority over a report held by `unit` in `region_path`.
pub fn in_charge(actor: &Actor, unit: Option<UnitId>, region_path: &str) -> bool {
    actor.role != Role::Villager
        && (unit.is_some_and(|u| actor.units.contains(&u)) || actor.covers(region_path))
}

/// How `actor` stands to `report` (`public`: whether its category is public).
pub fn relation(actor: &Actor, report: &Report, public: bool) -> Relation {
    Relation {
        reporter: report.reporter_id == actor.id,
        in_charge: in_charge(actor, report.unit_id, &report.region_path),
        public,
    }
}

/// What `viewer` sees of a report she stands to as `rel`; `None` when she may not see it.
pub fn sight(viewer: Viewer, rel: Relation) -> Option<Sight> {
    match viewer {
        Viewer::Person(Role::Admin) => Some(Sight::Admin),
        Viewer::Person(_) if rel.reporter => Some(Sight::Reporter),
        Viewer::Person(role) if role != Role::Villager && rel.in_charge => Some(Sight::Staff),
        _ if rel.public => Some(Sight::Public),
        _ => None,
    }
}

/// What `actor` sees of `report`: [`sight`] of [`relation`].
pub fn sight_of(actor: &Actor, report: &Report, public: bool) -> Option<Sight> {
    sight(Viewer::Person(actor.role), relation(actor, report, public))
}

/// The reports a reader may list, as a condition storage turns into SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Everything (admins).
    All,
    /// Her own reports, reports in these region subtrees or held by these units, and reports
    /// of public categories (staff).
    Staff {
        /// Her id (staff file reports too: on patrol, or for a caller on the hotline).
        user_id: UserId,
        /// Materialised region paths of her authority.
        paths: Vec<String>,
        /// Her units.
        units: Vec<UnitId>,
    },
    /// Her own reports, and others' reports of public categories (villagers).
    Villager {
        /// Her id.
        user_id: UserId,
    },
    /// Reports of public categories only (the anonymous reader: Open311 lists).
    Public,
}

impl Scope {
    /// Whether a report (reported by `reporter`, held by `unit`, in `region_path`, of a public
    /// category or not) is in the scope: what the SQL condition says, in Rust.
    pub fn admits(
        &self,
        reporter: UserId,
        unit: Option<UnitId>,
        region_path: &str,
        public: bool,
    ) -> bool {
        match self {
            Scope::All => true,
            Scope::Staff {
                user_id,
                paths,
                units,
            } => {
                reporter == *user_id
                    || unit.is_some_and(|u| units.contains(&u))
                    || paths.iter().any(|p| region_path.starts_with(p.as_str()))
                    || public
            }
            Scope::Villager { user_id } => reporter == *user_id || public,
            Scope::Public => public,
        }
    }
}

/// The list scope of `viewer`, a person (`Some(actor)`) or the anonymous reader (`None`):
/// the reports [`sight`] lets her see.
pub fn scope_of(viewer: Option<&Actor>) -> Scope {
    viewer.map_or(Scope::Public, scope)
}

/// The list scope of `actor`: the reports [`sight_of`] lets her see.
pub fn scope(actor: &Actor) -> Scope {
    match actor.role {
        Role::Admin => Scope::All,
        Role::Villager => Scope::Villager { user_id: actor.id },
        _ => Scope::Staff {
            user_id: actor.id,
            paths: actor.authority.clone(),
            units: actor.units.clone(),
        },
    }
}

#[cfg(test)]
mod tests;
