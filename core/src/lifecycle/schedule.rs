//! Deadlines: when each running limit ends, when its yellow light comes on (80 %), and what the
//! deadline worker owes a report at a given moment. Pure: the caller passes "now".

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::{ReportStatus, Timer};

/// Share of a limit after which the handler is urged (the yellow light), in per mille.
pub const YELLOW_PER_MILLE: i64 = 800;

/// The limits that apply to a report: its category's and the deployment's confirm window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Time for the responsible unit to accept.
    pub accept: Duration,
    /// Time from acceptance to resolution.
    pub resolve: Duration,
    /// Time the reporter has to confirm, rate or reopen before auto-confirm.
    pub confirm: Duration,
}

/// Which limit is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Deadline {
    /// Accept by `accept_by` (status assigned).
    Accept,
    /// Resolve by `resolve_by` (status accepted).
    Resolve,
    /// The reporter answers by `confirm_by` (status resolved).
    Confirm,
}

impl Deadline {
    /// The snake_case name used in event details.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::Resolve => "resolve",
            Self::Confirm => "confirm",
        }
    }
}

/// The traffic light of a running accept or resolve limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    /// Less than 80 % of the limit used.
    Green,
    /// 80 % or more used: the handler has been (or is about to be) urged.
    Yellow,
    /// The limit has passed.
    Red,
}

/// What the deadline worker has already done about the running limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord)]
pub enum Alerted {
    /// Nothing yet.
    #[default]
    None,
    /// The yellow urge was sent.
    Yellow,
    /// The red step was taken (escalated, or noted as overdue at the top of the ladder).
    Red,
}

impl Alerted {
    /// The stored name; `None` for nothing yet.
    pub fn as_str(self) -> Option<&'static str> {
        match self {
            Self::None => None,
            Self::Yellow => Some("yellow"),
            Self::Red => Some("red"),
        }
    }

    /// Parses the stored name (`None` → nothing yet).
    pub fn parse(s: Option<&str>) -> Option<Self> {
        match s {
            None => Some(Self::None),
            Some("yellow") => Some(Self::Yellow),
            Some("red") => Some(Self::Red),
            Some(_) => None,
        }
    }
}

/// A report's deadlines as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Deadlines {
    /// The responsible unit accepts by then.
    pub accept_by: Option<DateTime<Utc>>,
    /// Resolved by then (while assigned: the expected time, accept limit plus resolve limit).
    pub resolve_by: Option<DateTime<Utc>>,
    /// The reporter answers by then, or the report is auto-confirmed.
    pub confirm_by: Option<DateTime<Utc>>,
    /// The yellow light of the running accept or resolve limit comes on then.
    pub warn_at: Option<DateTime<Utc>>,
    /// What the worker did about the running limit.
    pub alerted: Alerted,
}

fn yellow_after(limit: Duration) -> Duration {
    limit * i32::try_from(YELLOW_PER_MILLE).unwrap_or(800) / 1000
}

impl Deadlines {
    /// The deadlines after a [`Timer`] effect at `now`.
    pub fn after(self, timer: Timer, now: DateTime<Utc>, limits: &Limits) -> Self {
        match timer {
            Timer::Keep => self,
            Timer::StartAccept => Deadlines {
                accept_by: Some(now + limits.accept),
                resolve_by: Some(now + limits.accept + limits.resolve),
                confirm_by: None,
                warn_at: Some(now + yellow_after(limits.accept)),
                alerted: Alerted::None,
            },
            Timer::StartResolve => Deadlines {
                resolve_by: Some(now + limits.resolve),
                confirm_by: None,
                warn_at: Some(now + yellow_after(limits.resolve)),
                alerted: Alerted::None,
                ..self
            },
            Timer::StartConfirm => Deadlines {
                confirm_by: Some(now + limits.confirm),
                warn_at: None,
                alerted: Alerted::None,
                ..self
            },
            // accept_by and resolve_by stay for the statistics (accepted / resolved in time).
            Timer::Clear => Deadlines {
                confirm_by: None,
                warn_at: None,
                alerted: Alerted::None,
                ..self
            },
        }
    }

    /// The limit running in `status` and when it ends.
    pub fn running(&self, status: ReportStatus) -> Option<(Deadline, DateTime<Utc>)> {
        match status {
            ReportStatus::Assigned => self.accept_by.map(|t| (Deadline::Accept, t)),
            ReportStatus::Accepted => self.resolve_by.map(|t| (Deadline::Resolve, t)),
            ReportStatus::Resolved => self.confirm_by.map(|t| (Deadline::Confirm, t)),
            _ => None,
        }
    }

    /// When the deadline worker next has something to do, `None` when nothing is pending.
    pub fn next_due(&self, status: ReportStatus) -> Option<DateTime<Utc>> {
        let (deadline, end) = self.running(status)?;
        if deadline == Deadline::Confirm {
            return Some(end);
        }
        match self.alerted {
            Alerted::None => Some(self.warn_at.map_or(end, |w| w.min(end))),
            Alerted::Yellow => Some(end),
            Alerted::Red => None,
        }
    }

    /// The light of the running accept or resolve limit at `now`; `None` when none runs.
    pub fn light(&self, status: ReportStatus, now: DateTime<Utc>) -> Option<Light> {
        match self.running(status)? {
            (Deadline::Confirm, _) => None,
            (_, end) if now >= end => Some(Light::Red),
            _ if self.warn_at.is_some_and(|w| now >= w) => Some(Light::Yellow),
            _ => Some(Light::Green),
        }
    }

    /// What the worker owes the report at `now`.
    pub fn due(&self, status: ReportStatus, now: DateTime<Utc>) -> Due {
        let Some((deadline, end)) = self.running(status) else {
            return Due::Nothing;
        };
        if deadline == Deadline::Confirm {
            return if now >= end {
                Due::AutoConfirm
            } else {
                Due::Nothing
            };
        }
        if now >= end && self.alerted < Alerted::Red {
            Due::Red(deadline)
        } else if self.warn_at.is_some_and(|w| now >= w) && self.alerted < Alerted::Yellow {
            Due::Yellow(deadline)
        } else {
            Due::Nothing
        }
    }
}

/// What the deadline worker must do to a report now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Nothing (yet).
    Nothing,
    /// 80 % of the limit is used: urge the handler.
    Yellow(Deadline),
    /// The limit has passed: escalate one level up the ladder.
    Red(Deadline),
    /// The reporter did not answer in time: close without a rating.
    AutoConfirm,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReportStatus::*;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-28T01:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn limits() -> Limits {
        Limits {
            accept: Duration::minutes(30),
            resolve: Duration::minutes(240),
            confirm: Duration::days(3),
        }
    }

    fn m(n: i64) -> DateTime<Utc> {
        t0() + Duration::minutes(n)
    }

    #[test]
    fn an_assigned_report_turns_yellow_at_80_percent_and_red_at_the_limit() {
        let d = Deadlines::default().after(Timer::StartAccept, t0(), &limits());
        assert_eq!(d.accept_by, Some(m(30)));
        assert_eq!(d.resolve_by, Some(m(270)), "expected: accept plus resolve");
        assert_eq!(d.warn_at, Some(m(24)));
        assert_eq!(d.next_due(Assigned), Some(m(24)));
        assert_eq!(d.light(Assigned, m(23)), Some(Light::Green));
        assert_eq!(d.due(Assigned, m(23)), Due::Nothing);
        assert_eq!(d.light(Assigned, m(24)), Some(Light::Yellow));
        assert_eq!(d.due(Assigned, m(24)), Due::Yellow(Deadline::Accept));
        let warned = Deadlines {
            alerted: Alerted::Yellow,
            ..d
        };
        assert_eq!(warned.due(Assigned, m(29)), Due::Nothing, "urged once");
        assert_eq!(warned.next_due(Assigned), Some(m(30)));
        assert_eq!(warned.light(Assigned, m(30)), Some(Light::Red));
        assert_eq!(warned.due(Assigned, m(30)), Due::Red(Deadline::Accept));
        let red = Deadlines {
            alerted: Alerted::Red,
            ..d
        };
        assert_eq!(red.due(Assigned, m(90)), Due::Nothing, "escalated once");
        assert_eq!(red.next_due(Assigned), None);
    }

    #[test]
    fn a_worker_that_slept_through_both_lights_goes_straight_to_red() {
        let d = Deadlines::default().after(Timer::StartAccept, t0(), &limits());
        assert_eq!(d.due(Assigned, m(45)), Due::Red(Deadline::Accept));
    }

    #[test]
    fn accepting_starts_the_resolve_limit_and_a_fresh_light() {
        let d = Deadlines {
            alerted: Alerted::Yellow,
            ..Deadlines::default().after(Timer::StartAccept, t0(), &limits())
        }
        .after(Timer::StartResolve, m(28), &limits());
        assert_eq!(d.accept_by, Some(m(30)), "kept for the statistics");
        assert_eq!(d.resolve_by, Some(m(268)));
        assert_eq!(d.warn_at, Some(m(28 + 192)));
        assert_eq!(d.alerted, Alerted::None);
        assert_eq!(d.running(Accepted), Some((Deadline::Resolve, m(268))));
        assert_eq!(d.due(Accepted, m(268)), Due::Red(Deadline::Resolve));
    }

    #[test]
    fn a_resolved_report_is_auto_confirmed_when_the_window_ends() {
        let d = Deadlines::default()
            .after(Timer::StartAccept, t0(), &limits())
            .after(Timer::StartResolve, m(5), &limits())
            .after(Timer::StartConfirm, m(60), &limits());
        let end = m(60) + Duration::days(3);
        assert_eq!(d.next_due(Resolved), Some(end));
        assert_eq!(
            d.light(Resolved, end),
            None,
            "the reporter's clock has no light"
        );
        assert_eq!(d.due(Resolved, end - Duration::seconds(1)), Due::Nothing);
        assert_eq!(d.due(Resolved, end), Due::AutoConfirm);
    }

    #[test]
    fn nothing_runs_in_a_queue_or_after_closing() {
        let d = Deadlines::default()
            .after(Timer::StartAccept, t0(), &limits())
            .after(Timer::Clear, m(10), &limits());
        for status in [Submitted, Returned, Closed, Rejected] {
            assert_eq!(d.next_due(status), None, "{status:?}");
            assert_eq!(d.due(status, m(10_000)), Due::Nothing);
            assert_eq!(d.light(status, m(10_000)), None);
        }
        assert_eq!(d.accept_by, Some(m(30)), "kept for the statistics");
    }

    #[test]
    fn alerted_round_trips_through_its_stored_name() {
        for a in [Alerted::None, Alerted::Yellow, Alerted::Red] {
            assert_eq!(Alerted::parse(a.as_str()), Some(a));
        }
        assert_eq!(Alerted::parse(Some("blue")), None);
    }
}
