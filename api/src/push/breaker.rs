//! The circuit breaker of one delivery destination (a webhook, WeChat, the SMS provider): after
//! [`BreakerPolicy::failures`] sends in a row got no answer (a timeout or a failed connection)
//! it opens, and the destination is left alone for a pause; then one send goes out as a probe
//! (half-open). An answer closes it; a probe without one opens it again for twice the pause, up
//! to [`BreakerPolicy::max_pause`]. Any answer — even an error status — closes it: the breaker
//! is about destinations that hold sends without answering, not about ones that say no.
//!
//! Pure: every call is given the time, so tests drive it without a clock. Each server instance
//! keeps its own breakers (in `super::gate`); they are not shared through the database.

use chrono::{DateTime, Duration, Utc};

/// When breakers open and for how long they stay open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerPolicy {
    /// Sends in a row without an answer that open a breaker.
    pub failures: u32,
    /// The first pause.
    pub pause: Duration,
    /// The longest pause: each failed probe doubles the pause up to this.
    pub max_pause: Duration,
}

/// What a breaker lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Closed: sends go out as usual.
    Open,
    /// The pause is over: one send may go out, as a probe.
    Probe,
    /// Paused, or a probe is out: nothing goes out.
    Shut,
}

/// Where a breaker is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    /// Sends go out; counts the ones in a row without an answer.
    #[default]
    Closed,
    /// Nothing goes out until `until`; the pause it was opened for.
    Opened {
        until: DateTime<Utc>,
        pause: Duration,
    },
    /// One probe is out; the pause before it.
    Probing { pause: Duration },
}

/// The breaker of one destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Breaker {
    /// Sends in a row without an answer (while closed).
    failures: u32,
    state: State,
}

impl Breaker {
    /// What may go out at `now`.
    pub fn admits(&self, now: DateTime<Utc>) -> Admission {
        match self.state {
            State::Closed => Admission::Open,
            State::Opened { until, .. } if now >= until => Admission::Probe,
            State::Opened { .. } | State::Probing { .. } => Admission::Shut,
        }
    }

    /// A send starts at `now`; `true` when it is the probe (the breaker is half-open now).
    pub fn start(&mut self, now: DateTime<Utc>) -> bool {
        match self.state {
            State::Opened { until, pause } if now >= until => {
                self.state = State::Probing { pause };
                true
            }
            _ => false,
        }
    }

    /// A send got an answer: closed, the count starts again.
    pub fn answered(&mut self) {
        *self = Breaker::default();
    }

    /// A send got no answer at `now`. While closed it counts, and the
    /// [`BreakerPolicy::failures`]th in a row opens the breaker for [`BreakerPolicy::pause`];
    /// a failed probe opens it for twice the last pause (at most [`BreakerPolicy::max_pause`]).
    /// Sends that started before the breaker opened and fail after change nothing.
    pub fn unreachable(&mut self, policy: &BreakerPolicy, now: DateTime<Utc>, probe: bool) {
        match self.state {
            State::Closed => {
                self.failures = self.failures.saturating_add(1);
                if self.failures >= policy.failures.max(1) {
                    let pause = policy.pause.min(policy.max_pause);
                    self.state = State::Opened {
                        until: now + pause,
                        pause,
                    };
                }
            }
            State::Probing { pause } if probe => {
                let pause = (pause * 2).min(policy.max_pause);
                self.state = State::Opened {
                    until: now + pause,
                    pause,
                };
            }
            State::Opened { .. } | State::Probing { .. } => {}
        }
    }

    /// The probe ended without telling anything (it was cancelled, or failed before reaching
    /// the destination): another may go out from `now`.
    pub fn probe_abandoned(&mut self, now: DateTime<Utc>) {
        if let State::Probing { pause } = self.state {
            self.state = State::Opened { until: now, pause };
        }
    }

    /// Whether it is open or half-open (its destination is paused).
    pub fn is_paused(&self) -> bool {
        !matches!(self.state, State::Closed)
    }

    /// Whether it is closed with nothing counted (the same as no breaker at all).
    pub fn is_idle(&self) -> bool {
        *self == Breaker::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> BreakerPolicy {
        BreakerPolicy {
            failures: 3,
            pause: Duration::seconds(30),
            max_pause: Duration::seconds(100),
        }
    }

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_764_374_400, 0).unwrap_or_default()
    }

    fn secs(n: i64) -> DateTime<Utc> {
        t0() + Duration::seconds(n)
    }

    #[test]
    fn three_failures_in_a_row_open_it_and_an_answer_in_between_resets_the_count() {
        let p = policy();
        let mut b = Breaker::default();
        b.unreachable(&p, secs(0), false);
        b.unreachable(&p, secs(1), false);
        b.answered();
        assert!(b.is_idle());
        b.unreachable(&p, secs(2), false);
        b.unreachable(&p, secs(3), false);
        assert_eq!(b.admits(secs(3)), Admission::Open);
        assert!(!b.is_paused());
        b.unreachable(&p, secs(4), false);
        assert!(b.is_paused());
        assert_eq!(b.admits(secs(4)), Admission::Shut);
        assert_eq!(b.admits(secs(33)), Admission::Shut, "paused for 30 s");
        // Sends already out when it opened change nothing.
        b.unreachable(&p, secs(5), false);
        assert_eq!(b.admits(secs(34)), Admission::Probe);
    }

    #[test]
    fn one_probe_goes_out_and_its_answer_closes_the_breaker() {
        let p = policy();
        let mut b = Breaker::default();
        for n in 0..3 {
            b.unreachable(&p, secs(n), false);
        }
        assert!(!b.start(secs(10)), "not while paused");
        assert!(b.start(secs(32)), "the probe");
        assert_eq!(b.admits(secs(33)), Admission::Shut, "one probe at a time");
        assert!(!b.start(secs(33)));
        b.answered();
        assert_eq!(b.admits(secs(33)), Admission::Open);
        assert!(!b.is_paused());
    }

    #[test]
    fn failed_probes_double_the_pause_up_to_the_cap() {
        let p = policy();
        let mut b = Breaker::default();
        for n in 0..3 {
            b.unreachable(&p, secs(n), false);
        }
        // Opened at 2 s for 30 s; the probe at 32 s fails at 37 s: 60 s.
        assert!(b.start(secs(32)));
        b.unreachable(&p, secs(37), false);
        assert_eq!(
            b.admits(secs(40)),
            Admission::Shut,
            "a straggler is not the probe"
        );
        b.unreachable(&p, secs(37), true);
        assert_eq!(b.admits(secs(96)), Admission::Shut);
        assert_eq!(b.admits(secs(97)), Admission::Probe);
        // Then 100 s (the cap), not 120 s; and 100 s again.
        assert!(b.start(secs(97)));
        b.unreachable(&p, secs(100), true);
        assert_eq!(b.admits(secs(199)), Admission::Shut);
        assert_eq!(b.admits(secs(200)), Admission::Probe);
        assert!(b.start(secs(200)));
        b.unreachable(&p, secs(200), true);
        assert_eq!(b.admits(secs(299)), Admission::Shut);
        assert_eq!(b.admits(secs(300)), Admission::Probe);
    }

    #[test]
    fn an_abandoned_probe_lets_another_go_at_once() {
        let p = policy();
        let mut b = Breaker::default();
        for n in 0..3 {
            b.unreachable(&p, secs(n), false);
        }
        assert!(b.start(secs(40)));
        b.probe_abandoned(secs(41));
        assert_eq!(b.admits(secs(41)), Admission::Probe);
        assert!(b.start(secs(41)));
        b.answered();
        assert!(b.is_idle());
    }

    #[test]
    fn a_late_answer_closes_an_open_breaker() {
        let p = policy();
        let mut b = Breaker::default();
        for n in 0..3 {
            b.unreachable(&p, secs(n), false);
        }
        b.answered();
        assert_eq!(b.admits(secs(3)), Admission::Open);
    }
}
