//! Authorisation as one pure function: `can(actor, permission, target)`. Staff authority covers
//! the region subtrees of the units they belong to; admins have authority everywhere.

use crate::identity::Role;
use crate::{UnitId, UserId};

/// Something a caller may want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Read the organisation model (regions, grids, units, categories). Public.
    ReadOrganisation,
    /// Change the organisation model (import regions and grids, edit units and categories).
    ManageOrganisation,
    /// Read a user's account (with the phone number masked).
    ReadUser,
    /// Create a user, change her role, units or status.
    ManageUser,
    /// Create, rotate or disable API clients.
    ManageClients,
    /// Read the audit log.
    ReadAudit,
    /// See where a report at a point would be routed, and why.
    PreviewRouting,
    /// Read the KPIs (`/v1/stats`) of a region: staff, within their authority.
    ReadStats,
    /// Have a task queue (`/v1/tasks`): staff, for the units they belong to.
    WorkTasks,
    /// Oversee a region: the dispatch queue, supervision orders, every task in it.
    Oversee,
    /// Write routing rules (admins; supervisors within their subtree).
    ManageRoutingRules,
    /// Register and remove webhooks.
    ManageWebhooks,
    /// Read the outbox and retry dead deliveries.
    ManageDeliveries,
    /// Read a user's phone number unmasked (her own; admins everyone's).
    ReadPhone,
    /// Read a photo nobody has attached to a report yet, whoever uploaded it.
    ReadAnyPhoto,
    /// File a report for a villager who phoned or walked in (代办): staff.
    FileOnBehalf,
}

impl Permission {
    /// Every permission, for exhaustive tests.
    pub const ALL: [Permission; 16] = [
        Self::ReadOrganisation,
        Self::ManageOrganisation,
        Self::ReadUser,
        Self::ManageUser,
        Self::ManageClients,
        Self::ReadAudit,
        Self::PreviewRouting,
        Self::ReadStats,
        Self::WorkTasks,
        Self::Oversee,
        Self::ManageRoutingRules,
        Self::ManageWebhooks,
        Self::ManageDeliveries,
        Self::ReadPhone,
        Self::ReadAnyPhoto,
        Self::FileOnBehalf,
    ];
}

/// The authenticated caller as far as authorisation is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user's id.
    pub id: UserId,
    /// Her role.
    pub role: Role,
    /// Materialised paths (`/<county>/<township>/…/`) of the regions her units serve.
    pub authority: Vec<String>,
    /// Her units (none for a villager).
    pub units: Vec<UnitId>,
}

/// What a permission is exercised on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target<'a> {
    /// Nothing in particular (listing, deployment-wide actions).
    Deployment,
    /// A user account: her id, role (after the change, for `ManageUser`) and the paths of the
    /// regions her units serve (empty for a villager).
    User {
        /// The account.
        id: UserId,
        /// Her role.
        role: Role,
        /// Region paths of her units.
        regions: &'a [String],
    },
    /// A part of the organisation model (a region, or a grid or unit serving one), by the
    /// materialised path of its region.
    Region {
        /// Path of the region (for a new region: of its parent).
        path: &'a str,
    },
}

impl Actor {
    /// Whether the region with this materialised path lies within the actor's authority.
    pub fn covers(&self, region_path: &str) -> bool {
        self.role == Role::Admin || self.authority.iter().any(|a| region_path.starts_with(a))
    }

    /// The region paths her reads are bounded to, for SQL scopes: `None` for an admin (no
    /// bound), else the paths of her authority (none for a villager).
    pub fn bounds(&self) -> Option<Vec<String>> {
        (self.role != Role::Admin).then(|| self.authority.clone())
    }

    fn is_staff(&self) -> bool {
        self.role != Role::Villager
    }

    fn oversees(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Supervisor)
    }

    fn covers_all(&self, regions: &[String]) -> bool {
        !regions.is_empty() && regions.iter().all(|r| self.covers(r))
    }
}

/// Whether `actor` may exercise `permission` on `target`.
///
/// - Everyone may read the organisation model. Admins change all of it; supervisors change
///   the regions, grids and units of their own subtree (`Target::Region`), never
///   deployment-wide things such as categories. Only admins manage API clients and read the
///   audit log.
/// - Admins read and manage every account.
/// - Supervisors read and manage accounts whose units all lie within their authority, and
///   may hand out only the roles below their own (villager, grid worker, unit staff).
/// - Grid workers and unit staff read accounts within their authority (their colleagues).
/// - Villagers read only their own account; nobody manages their own account's role.
/// - Accounts without a unit (villagers) lie in no region: beyond their owner, only admins.
/// - Staff read the KPIs and have a task queue, within their authority; supervisors and
///   admins oversee (dispatch queue, supervision orders) and write routing rules there.
/// - Only admins manage webhooks and deliveries and read photos nobody has attached yet;
///   a phone number is shown unmasked to its owner and to admins. Staff file for villagers
///   (代办).
pub fn can(actor: &Actor, permission: Permission, target: &Target<'_>) -> bool {
    use Permission::*;
    match permission {
        ReadOrganisation => true,
        ManageOrganisation => match target {
            Target::Region { path } => {
                actor.role == Role::Admin || (actor.role == Role::Supervisor && actor.covers(path))
            }
            _ => actor.role == Role::Admin,
        },
        ManageClients | ReadAudit | ManageWebhooks | ManageDeliveries | ReadAnyPhoto => {
            actor.role == Role::Admin
        }
        PreviewRouting => actor.oversees(),
        FileOnBehalf => actor.is_staff(),
        ReadStats | WorkTasks => match target {
            Target::Deployment => actor.is_staff(),
            Target::Region { path } => actor.is_staff() && actor.covers(path),
            Target::User { .. } => false,
        },
        Oversee | ManageRoutingRules => match target {
            Target::Deployment => actor.oversees(),
            Target::Region { path } => actor.oversees() && actor.covers(path),
            Target::User { .. } => false,
        },
        ReadPhone => match target {
            Target::User { id, .. } => *id == actor.id || actor.role == Role::Admin,
            _ => actor.role == Role::Admin,
        },
        ReadUser => match target {
            Target::Deployment => actor.role != Role::Villager,
            Target::Region { path } => actor.role != Role::Villager && actor.covers(path),
            Target::User { id, regions, .. } => {
                *id == actor.id
                    || actor.role == Role::Admin
                    || (actor.role != Role::Villager && actor.covers_all(regions))
            }
        },
        ManageUser => match target {
            Target::Deployment => matches!(actor.role, Role::Admin | Role::Supervisor),
            Target::Region { path } => {
                actor.role == Role::Admin || (actor.role == Role::Supervisor && actor.covers(path))
            }
            Target::User { id, role, regions } => match actor.role {
                Role::Admin => *id != actor.id || *role == Role::Admin,
                Role::Supervisor => {
                    *id != actor.id
                        && matches!(role, Role::Villager | Role::GridWorker | Role::UnitStaff)
                        && actor.covers_all(regions)
                }
                _ => false,
            },
        },
    }
}

/// Whether a `role` could exercise `permission` on some target, with some authority: when it
/// cannot, a route needing the permission is refused (403) before its body is read, whoever
/// the caller is within the role. Never true where [`can`] is false for every target.
pub fn may_ever(role: Role, permission: Permission) -> bool {
    use Permission::*;
    match permission {
        // Everyone reads the organisation; a villager reads her own account.
        ReadOrganisation | ReadUser | ReadPhone => true,
        ReadStats | WorkTasks | FileOnBehalf => role != Role::Villager,
        ManageOrganisation | ManageUser | PreviewRouting | Oversee | ManageRoutingRules => {
            matches!(role, Role::Admin | Role::Supervisor)
        }
        ManageClients | ReadAudit | ManageWebhooks | ManageDeliveries | ReadAnyPhoto => {
            role == Role::Admin
        }
    }
}

#[cfg(test)]
mod tests;
