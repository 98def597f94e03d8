//! Per-client request limits for API clients: each client gets its own token bucket of
//! `rate_limit_per_minute`, kept in memory on each instance (a client spread over N instances
//! may reach N times its limit; counted per instance by design, documented in the README).

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// The buckets, one per client id, rebuilt when a client's limit changes.
#[derive(Default)]
pub struct ClientLimits {
    buckets: Mutex<HashMap<String, (u32, Arc<DefaultDirectRateLimiter>)>>,
}

impl ClientLimits {
    /// Takes one request from `client_id`'s bucket; `Err(seconds)` to wait when it is empty.
    pub fn check(&self, client_id: &str, per_minute: i32) -> Result<(), i64> {
        let per_minute = u32::try_from(per_minute).unwrap_or(1).max(1);
        let limiter = {
            let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
            let entry = buckets
                .entry(client_id.to_owned())
                .or_insert_with(|| (0, new_bucket(1)));
            if entry.0 != per_minute {
                *entry = (per_minute, new_bucket(per_minute));
            }
            entry.1.clone()
        };
        limiter.check().map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            i64::try_from(wait.as_secs()).unwrap_or(60) + 1
        })
    }
}

fn new_bucket(per_minute: u32) -> Arc<DefaultDirectRateLimiter> {
    let n = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
    Arc::new(RateLimiter::direct(Quota::per_minute(n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_client_has_its_own_bucket() {
        let limits = ClientLimits::default();
        for _ in 0..3 {
            assert!(limits.check("a", 3).is_ok());
        }
        let wait = limits.check("a", 3).unwrap_err();
        assert!((1..=61).contains(&wait), "{wait}");
        assert!(
            limits.check("b", 3).is_ok(),
            "another client is not affected"
        );
    }
}
