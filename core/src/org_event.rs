//! Events about the organisation rather than one report (today: a grid's late patrol), and who
//! hears of them. They travel the same feed and outbox as report events but have no timeline:
//! the stream and webhooks carry them with their own message shape.

use serde::{Deserialize, Serialize};

use crate::UserId;
use crate::lifecycle::schedule::Light;
use crate::push::{Reason, Recipient};

/// What happened in the organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::AsExpression, diesel::FromSqlRow),
    diesel(sql_type = diesel::sql_types::Text)
)]
#[serde(rename_all = "snake_case")]
pub enum OrgEventKind {
    /// A grid's patrol against a checklist is late: yellow at 80 % of its period, red once a
    /// whole period went by without one.
    PatrolOverdue,
}

impl OrgEventKind {
    /// Every kind.
    pub const ALL: [OrgEventKind; 1] = [Self::PatrolOverdue];

    /// The snake_case name used in storage, the stream's `event:` and webhooks' `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PatrolOverdue => "patrol_overdue",
        }
    }

    /// Parses the snake_case name; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for OrgEventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who hears that a grid's patrol is late, as for a report's lights: the grid's own team
/// (reason `handler`: the patrol is their task) at yellow and red, and at red also the
/// supervisors over the grid's region (reason `supervisor`). Each person once.
pub fn patrol_audience(light: Light, team: &[UserId], supervisors: &[UserId]) -> Vec<Recipient> {
    let mut out: Vec<Recipient> = Vec::new();
    let mut add = |ids: &[UserId], reason: Reason| {
        for &user_id in ids {
            if !out.iter().any(|r| r.user_id == user_id) {
                out.push(Recipient { user_id, reason });
            }
        }
    };
    add(team, Reason::Handler);
    if light == Light::Red {
        add(supervisors, Reason::Supervisor);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn id(n: u128) -> UserId {
        UserId(Uuid::from_u128(n))
    }

    #[test]
    fn the_team_hears_every_light_and_supervisors_only_red() {
        let team = [id(1), id(2)];
        let supervisors = [id(2), id(3)];
        let who = |light| -> Vec<(u128, Reason)> {
            patrol_audience(light, &team, &supervisors)
                .into_iter()
                .map(|r| (r.user_id.0.as_u128(), r.reason))
                .collect()
        };
        assert_eq!(
            who(Light::Yellow),
            [(1, Reason::Handler), (2, Reason::Handler)]
        );
        assert_eq!(
            who(Light::Red),
            [
                (1, Reason::Handler),
                (2, Reason::Handler),
                (3, Reason::Supervisor)
            ]
        );
    }

    #[test]
    fn names_round_trip() {
        for kind in OrgEventKind::ALL {
            assert_eq!(OrgEventKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(OrgEventKind::parse("overdue"), None);
    }
}
