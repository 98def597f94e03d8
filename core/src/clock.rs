//! Where "now" comes from: the server asks a [`Clock`] instead of the system time wherever a
//! deadline depends on it, so tests drive deadlines forward without sleeping.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, SubsecRound, Utc};

/// A source of the current time (UTC, microsecond precision as stored).
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
}

/// The system's clock: production.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}

/// The system's clock moved forward by an adjustable amount: time still passes, and a test
/// jumps ahead with [`ShiftedClock::advance`] to make a deadline pass.
#[derive(Debug, Default)]
pub struct ShiftedClock {
    ahead_micros: AtomicI64,
}

impl ShiftedClock {
    /// A clock that starts at the system time.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock forward (a negative duration moves it back).
    pub fn advance(&self, by: Duration) {
        let micros = by.num_microseconds().unwrap_or(i64::MAX);
        self.ahead_micros.fetch_add(micros, Ordering::SeqCst);
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        SystemClock.now() + Duration::microseconds(self.ahead_micros.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shifted_clock_moves_ahead_and_keeps_running() {
        let clock = ShiftedClock::new();
        let before = SystemClock.now();
        clock.advance(Duration::minutes(31));
        let shifted = clock.now();
        assert!(shifted >= before + Duration::minutes(31));
        assert!(shifted < SystemClock.now() + Duration::minutes(32));
        assert_eq!(
            shifted.timestamp_subsec_nanos() % 1000,
            0,
            "microseconds only"
        );
    }
}
