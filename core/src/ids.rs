//! Typed ids: a report's id, a unit's and a user's are all UUIDs, but not interchangeable —
//! a function that takes a [`ReportId`] cannot be handed a unit's id by mistake. Each
//! serialises as the bare UUID (the wire and the database are unchanged).

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Defines a typed id: a `Copy` newtype over [`Uuid`] that serialises as the bare UUID,
/// converts to and from it, and prints as it.
macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                $name(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

typed_id! {
    /// A report's id (UUIDv7, so ids sort by creation).
    ReportId
}

typed_id! {
    /// A unit's id (网格、村委会、部门、调委会 …).
    UnitId
}

typed_id! {
    /// A user account's id (villager or staff).
    UserId
}

impl ReportId {
    /// A new id for a report filed now.
    pub fn new() -> Self {
        ReportId(Uuid::now_v7())
    }
}

impl Default for ReportId {
    fn default() -> Self {
        Self::new()
    }
}

impl UnitId {
    /// A new id for a unit created now.
    pub fn new() -> Self {
        UnitId(Uuid::now_v7())
    }
}

impl Default for UnitId {
    fn default() -> Self {
        Self::new()
    }
}

impl UserId {
    /// A new id for an account created now.
    pub fn new() -> Self {
        UserId(Uuid::now_v7())
    }
}

impl Default for UserId {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_id_is_its_uuid_on_the_wire_and_in_text() {
        let uuid = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001);
        let id = ReportId::from(uuid);
        assert_eq!(id.to_string(), uuid.to_string());
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{uuid}\""));
        let back: ReportId = serde_json::from_str(&format!("\"{uuid}\"")).unwrap();
        assert_eq!(back, id);
        assert_eq!(Uuid::from(back), uuid);
    }

    #[test]
    fn unit_and_user_ids_are_their_uuid_too() {
        let uuid = Uuid::from_u128(7);
        let unit: UnitId = serde_json::from_str(&format!("\"{uuid}\"")).unwrap();
        let user: UserId = serde_json::from_str(&format!("\"{uuid}\"")).unwrap();
        assert_eq!(Uuid::from(unit), uuid);
        assert_eq!(user.to_string(), uuid.to_string());
        assert_eq!(serde_json::to_string(&user).unwrap(), format!("\"{uuid}\""));
        assert!(UnitId::new() < UnitId::new() && UserId::new() < UserId::new());
    }

    #[test]
    fn new_report_ids_sort_by_creation() {
        let first = ReportId::new();
        let second = ReportId::new();
        assert!(first < second);
    }
}
