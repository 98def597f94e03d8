//! Supervision orders (督办) as the domain names them: where an order stands.

use serde::{Deserialize, Serialize};

/// Where a supervision order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::AsExpression, diesel::FromSqlRow),
    diesel(sql_type = diesel::sql_types::Text)
)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Waiting for the handler's reply.
    Open,
    /// The handler replied.
    Answered,
    /// The report closed or was rejected before a reply.
    Closed,
}

impl OrderStatus {
    /// Every status.
    pub const ALL: [OrderStatus; 3] = [Self::Open, Self::Answered, Self::Closed];

    /// The snake_case name used in storage and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Answered => "answered",
            Self::Closed => "closed",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_statuses_round_trip() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(OrderStatus::parse("all"), None);
    }
}
