//! Fan-out rules: who hears of a timeline event. The reporter and "me too" followers hear of
//! everything but internal events; the members of the responsible unit (and of the unit it
//! just left) hear of everything; supervisors over the report's region hear of the events
//! that concern supervision — urges, escalations, supervision orders and their replies,
//! limits overrun at the top of the ladder, and reports landing in the dispatch queue.

use crate::UserId;
use crate::event::EventKind;
use serde::{Deserialize, Serialize};

/// Why a person receives an event. Each person receives an event once, for the first reason
/// in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::AsExpression, diesel::FromSqlRow),
    diesel(sql_type = diesel::sql_types::Text)
)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// She reported it.
    Reporter,
    /// Her unit holds the report (or just handed it on).
    Handler,
    /// She supervises the report's region.
    Supervisor,
    /// She said "me too".
    Follower,
}

impl Reason {
    /// Every reason, in order of precedence.
    pub const ALL: [Reason; 4] = [
        Reason::Reporter,
        Reason::Handler,
        Reason::Supervisor,
        Reason::Follower,
    ];

    /// Parses the name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The name used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Reporter => "reporter",
            Reason::Handler => "handler",
            Reason::Supervisor => "supervisor",
            Reason::Follower => "follower",
        }
    }
}

/// How a message reaches someone outside a live stream: the outbox's channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::AsExpression, diesel::FromSqlRow),
    diesel(sql_type = diesel::sql_types::Text)
)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryChannel {
    /// A signed POST to a partner's registered URL.
    Webhook,
    /// A WeChat subscription message (订阅消息) to a villager's mini-program.
    Wechat,
    /// A text message through the SMS provider.
    Sms,
}

impl DeliveryChannel {
    /// Every channel.
    pub const ALL: [DeliveryChannel; 3] = [Self::Webhook, Self::Wechat, Self::Sms];

    /// The snake_case name used in storage and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webhook => "webhook",
            Self::Wechat => "wechat",
            Self::Sms => "sms",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Whether every message of the channel goes through one provider (WeChat, the SMS
    /// provider) whose health all its rows share; a webhook row's target is its own partner.
    pub fn has_provider(self) -> bool {
        !matches!(self, Self::Webhook)
    }
}

impl std::fmt::Display for DeliveryChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an outbox row stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::AsExpression, diesel::FromSqlRow),
    diesel(sql_type = diesel::sql_types::Text)
)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its next try, or being tried.
    Pending,
    /// Delivered.
    Sent,
    /// Given up after the last try, or failed for good.
    Dead,
    /// Refused by the recipient (WeChat: no subscription left); never retried by the server.
    Refused,
}

impl DeliveryStatus {
    /// Every status.
    pub const ALL: [DeliveryStatus; 4] = [Self::Pending, Self::Sent, Self::Dead, Self::Refused];

    /// The snake_case name used in storage and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Dead => "dead",
            Self::Refused => "refused",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl std::fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The people a report concerns, as the store knows them when the event is written.
#[derive(Debug, Clone, Copy, Default)]
pub struct Concerned<'a> {
    /// Who reported it.
    pub reporter: Option<UserId>,
    /// "Me too" followers.
    pub followers: &'a [UserId],
    /// Members of the unit holding the report after the event, and of the unit it left.
    pub handlers: &'a [UserId],
    /// Supervisors whose regions cover the report (only looked up when the kind
    /// [`EventKind::concerns_supervisors`]).
    pub supervisors: &'a [UserId],
}

/// One person an event goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recipient {
    /// The person.
    pub user_id: UserId,
    /// Why.
    pub reason: Reason,
}

/// Who hears of an event of `kind` (`internal`: hidden from the reporter's side), each person
/// once, in [`Reason`] order.
pub fn audience(kind: EventKind, internal: bool, people: &Concerned<'_>) -> Vec<Recipient> {
    let mut out: Vec<Recipient> = Vec::new();
    // An internal event never reaches the reporter, even when she is also staff on it (a
    // grid worker's own patrol report): her timeline shows it to her as the reporter.
    let hidden = people.reporter.filter(|_| internal);
    let mut add = |ids: &[UserId], reason: Reason| {
        for &user_id in ids {
            if Some(user_id) != hidden && !out.iter().any(|r| r.user_id == user_id) {
                out.push(Recipient { user_id, reason });
            }
        }
    };
    if !internal {
        add(people.reporter.as_slice(), Reason::Reporter);
    }
    add(people.handlers, Reason::Handler);
    if kind.concerns_supervisors() {
        add(people.supervisors, Reason::Supervisor);
    }
    if !internal {
        add(people.followers, Reason::Follower);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn ids(n: u128) -> UserId {
        UserId(Uuid::from_u128(n))
    }

    fn who(list: &[Recipient]) -> Vec<(u128, Reason)> {
        list.iter()
            .map(|r| (r.user_id.0.as_u128(), r.reason))
            .collect()
    }

    const FOLLOWERS: [UserId; 2] = [UserId(Uuid::from_u128(10)), UserId(Uuid::from_u128(11))];
    const HANDLERS: [UserId; 2] = [UserId(Uuid::from_u128(20)), UserId(Uuid::from_u128(21))];
    const SUPERVISORS: [UserId; 1] = [UserId(Uuid::from_u128(30))];

    fn everyone() -> Concerned<'static> {
        Concerned {
            reporter: Some(UserId(Uuid::from_u128(1))),
            followers: &FOLLOWERS,
            handlers: &HANDLERS,
            supervisors: &SUPERVISORS,
        }
    }

    #[test]
    fn a_public_status_change_reaches_reporter_handlers_and_followers() {
        let got = audience(EventKind::Accepted, false, &everyone());
        assert_eq!(
            who(&got),
            vec![
                (1, Reason::Reporter),
                (20, Reason::Handler),
                (21, Reason::Handler),
                (10, Reason::Follower),
                (11, Reason::Follower),
            ]
        );
    }

    #[test]
    fn internal_events_stay_with_staff() {
        let got = audience(EventKind::Commented, true, &everyone());
        assert_eq!(
            who(&got),
            vec![(20, Reason::Handler), (21, Reason::Handler)]
        );
        let got = audience(EventKind::Supervised, true, &everyone());
        assert_eq!(
            who(&got),
            vec![
                (20, Reason::Handler),
                (21, Reason::Handler),
                (30, Reason::Supervisor)
            ]
        );
    }

    #[test]
    fn supervisors_hear_of_supervision_and_the_dispatch_queue_only() {
        use EventKind::*;
        for kind in [
            Urged, Escalated, Supervised, Replied, Overdue, Dispatched, Returned,
        ] {
            let got = audience(kind, false, &everyone());
            assert!(
                got.contains(&Recipient {
                    user_id: ids(30),
                    reason: Reason::Supervisor
                }),
                "{kind}"
            );
        }
        for kind in [Submitted, Accepted, Resolved, Rated, Commented] {
            let got = audience(kind, false, &everyone());
            assert!(got.iter().all(|r| r.reason != Reason::Supervisor), "{kind}");
        }
    }

    #[test]
    fn each_person_once_for_the_first_reason() {
        // A grid worker who filed a patrol report and follows it, and a supervisor who is
        // also in the handling unit.
        let followers = [ids(20), ids(30)];
        let handlers = [ids(20), ids(30)];
        let supervisors = [ids(30)];
        let people = Concerned {
            reporter: Some(ids(20)),
            followers: &followers,
            handlers: &handlers,
            supervisors: &supervisors,
        };
        let got = audience(EventKind::Urged, false, &people);
        assert_eq!(
            who(&got),
            vec![(20, Reason::Reporter), (30, Reason::Handler)]
        );
    }

    #[test]
    fn staff_who_reported_it_do_not_hear_of_internal_events() {
        let handlers = [ids(20), ids(21)];
        let supervisors = [ids(20)];
        let people = Concerned {
            reporter: Some(ids(20)),
            followers: &[],
            handlers: &handlers,
            supervisors: &supervisors,
        };
        assert_eq!(
            who(&audience(EventKind::Supervised, true, &people)),
            vec![(21, Reason::Handler)]
        );
        assert_eq!(
            who(&audience(EventKind::Supervised, false, &people)),
            vec![(20, Reason::Reporter), (21, Reason::Handler)]
        );
    }

    #[test]
    fn a_report_in_a_dispatch_queue_has_no_handlers() {
        let people = Concerned {
            reporter: Some(ids(1)),
            ..Concerned::default()
        };
        assert_eq!(
            who(&audience(EventKind::Dispatched, false, &people)),
            vec![(1, Reason::Reporter)]
        );
    }

    #[test]
    fn channels_round_trip() {
        for c in DeliveryChannel::ALL {
            assert_eq!(DeliveryChannel::parse(c.as_str()), Some(c));
        }
        assert_eq!(DeliveryChannel::parse("fax"), None);
    }

    #[test]
    fn delivery_statuses_round_trip() {
        for s in DeliveryStatus::ALL {
            assert_eq!(DeliveryStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(DeliveryStatus::parse("failed"), None);
    }
}
