//! Who may see a report, and how much: the reporter and admins see it whole; staff see the
//! reports of their units and of their region subtrees; other villagers see reports of public
//! categories without the reporter's identity. Anyone else gets 404, not 403, so that case
//! ids do not reveal which reports exist.

use cunxiang_core::{Actor, Role};
use cunxiang_storage::reports::{Report, Scope};

/// How much of a report a caller sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sight {
    /// Admins: everything, the reporter's full phone number included, even when anonymous.
    Admin,
    /// The reporter herself: her report whole.
    Reporter,
    /// Staff with authority over it: the reporter's name and masked phone unless anonymous,
    /// internal events.
    Staff,
    /// Another villager (or staff elsewhere), for a public category: no reporter identity, no
    /// internal events.
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

/// Whether staff `me` has authority over the report: one of her units holds it, or it lies
/// in her region subtrees.
pub fn is_in_charge(me: &Actor, report: &Report) -> bool {
    me.role != Role::Villager
        && (report.unit_id.is_some_and(|u| me.units.contains(&u)) || me.covers(&report.region_path))
}

/// What `me` sees of `report` (`category_public`: whether its category is public), `None`
/// when she may not see it at all.
pub fn sight(me: &Actor, report: &Report, category_public: bool) -> Option<Sight> {
    if me.role == Role::Admin {
        Some(Sight::Admin)
    } else if report.reporter_id == me.id {
        Some(Sight::Reporter)
    } else if is_in_charge(me, report) {
        Some(Sight::Staff)
    } else if category_public {
        Some(Sight::Public)
    } else {
        None
    }
}

/// The list scope of `me`: admins everything; staff their units and subtrees; villagers
/// their own reports and public ones.
pub fn scope(me: &Actor) -> Scope {
    match me.role {
        Role::Admin => Scope::All,
        Role::Villager => Scope::Villager { user_id: me.id },
        _ => Scope::Staff {
            paths: me.authority.clone(),
            units: me.units.clone(),
        },
    }
}
