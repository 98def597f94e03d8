//! Typed ids: a report's id, a unit's and a user's are all UUIDs, but not interchangeable —
//! a function that takes a [`ReportId`] cannot be handed a unit's id by mistake. Each
//! serialises as the bare UUID (the wire and the database are unchanged).

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A report's id (UUIDv7, so ids sort by creation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReportId(pub Uuid);

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

impl From<Uuid> for ReportId {
    fn from(id: Uuid) -> Self {
        ReportId(id)
    }
}

impl From<ReportId> for Uuid {
    fn from(id: ReportId) -> Self {
        id.0
    }
}

impl fmt::Display for ReportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
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
    fn new_report_ids_sort_by_creation() {
        let first = ReportId::new();
        let second = ReportId::new();
        assert!(first < second);
    }
}
