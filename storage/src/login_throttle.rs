//! Password log-in throttling: failure counts with exponential backoff per key (a keyed hash
//! of the account tried and the caller's address, or of the address alone), reserved before a
//! password is checked and given back when it matches. Nothing here locks an account.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::conn::DbConn;
use crate::error::Result;
use crate::schema::login_throttle;
use crate::time;

/// How one kind of key is throttled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Failures in a window that pass without any wait.
    pub free: i32,
    /// The longest wait, in seconds, however many failures follow.
    pub max_wait_secs: i64,
    /// A key with no try for this many seconds starts again from zero.
    pub window_secs: i64,
}

impl Policy {
    /// The wait after the `failures`-th failure: none up to `free`, then 1 s doubling with
    /// each further failure, at most `max_wait_secs`.
    pub fn wait_after(&self, failures: i32) -> Option<Duration> {
        let over = failures.checked_sub(self.free)?;
        if over < 0 {
            return None;
        }
        let secs = 1i64
            .checked_shl(u32::try_from(over).unwrap_or(u32::MAX).min(62))
            .unwrap_or(i64::MAX);
        Some(Duration::seconds(secs.min(self.max_wait_secs)))
    }
}

/// The latest `blocked_until` after `now` among `keys`, if any key is blocked.
pub fn blocked_until(
    conn: &mut DbConn,
    keys: &[&str],
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    let until = login_throttle::table
        .filter(login_throttle::key.eq_any(keys))
        .filter(login_throttle::blocked_until.gt(time::to_db(now)))
        .select(diesel::dsl::max(login_throttle::blocked_until))
        .first::<Option<chrono::NaiveDateTime>>(conn)?;
    Ok(until.map(time::from_db))
}

/// Counts one try against `key` (a try whose password is not checked yet counts as failed
/// until [`give_back`]), sets the backoff the new count earns, and returns the count. A key
/// last used more than a window ago starts again from one. Call it inside a transaction
/// together with [`blocked_until`], so parallel tries cannot all see the old count.
pub fn count_try(conn: &mut DbConn, key: &str, policy: Policy, now: DateTime<Utc>) -> Result<i32> {
    let stale_before = time::to_db(now - Duration::seconds(policy.window_secs));
    let previous = login_throttle::table
        .find(key)
        .select((login_throttle::failures, login_throttle::updated_at))
        .first::<(i32, chrono::NaiveDateTime)>(conn)
        .optional()?;
    let failures = match previous {
        Some((n, last)) if last >= stale_before => n.saturating_add(1),
        _ => 1,
    };
    let blocked = policy.wait_after(failures).map(|w| time::to_db(now + w));
    // One statement on both engines: the row is made or replaced whole.
    diesel::sql_query(
        "INSERT INTO login_throttle (key, failures, blocked_until, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, \
         blocked_until = excluded.blocked_until, updated_at = excluded.updated_at",
    )
    .bind::<diesel::sql_types::Text, _>(key)
    .bind::<diesel::sql_types::Integer, _>(failures)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Timestamp>, _>(blocked)
    .bind::<diesel::sql_types::Timestamp, _>(time::to_db(now))
    .execute(conn)?;
    Ok(failures)
}

/// Gives back the try counted against `key` because its password matched: the count drops by
/// one, and the backoff goes when the count is back within the free allowance.
pub fn give_back(conn: &mut DbConn, key: &str, policy: Policy) -> Result<()> {
    crate::conn::transaction(conn, |conn| {
        let Some(failures) = login_throttle::table
            .find(key)
            .select(login_throttle::failures)
            .first::<i32>(conn)
            .optional()?
        else {
            return Ok(());
        };
        let left = (failures - 1).max(0);
        if left == 0 {
            diesel::delete(login_throttle::table.find(key)).execute(conn)?;
            return Ok(());
        }
        let target = login_throttle::table.find(key);
        if left < policy.free {
            diesel::update(target)
                .set((
                    login_throttle::failures.eq(left),
                    login_throttle::blocked_until.eq(None::<chrono::NaiveDateTime>),
                ))
                .execute(conn)?;
        } else {
            diesel::update(target)
                .set(login_throttle::failures.eq(left))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Forgets `key` (a successful log-in clears the backoff of its account and address pair).
pub fn clear(conn: &mut DbConn, key: &str) -> Result<()> {
    diesel::delete(login_throttle::table.find(key)).execute(conn)?;
    Ok(())
}

/// Deletes keys unused since `before`; returns how many. Their counts would start again from
/// zero anyway.
pub fn forget_unused(conn: &mut DbConn, before: DateTime<Utc>) -> Result<usize> {
    Ok(diesel::delete(
        login_throttle::table.filter(login_throttle::updated_at.lt(time::to_db(before))),
    )
    .execute(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAIR: Policy = Policy {
        free: 5,
        max_wait_secs: 900,
        window_secs: 3600,
    };

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap_or_default()
    }

    #[test]
    fn waits_double_after_the_free_tries_up_to_the_cap() {
        let waits: Vec<_> = (1..=17)
            .map(|n| PAIR.wait_after(n).map(|d| d.num_seconds()))
            .collect();
        assert_eq!(&waits[..4], &[None; 4]);
        assert_eq!(&waits[4..12], &[1, 2, 4, 8, 16, 32, 64, 128].map(Some));
        assert_eq!(waits[14], Some(900));
        assert_eq!(PAIR.wait_after(i32::MAX), Some(Duration::seconds(900)));
    }

    #[test]
    fn tries_count_back_off_give_back_and_go_stale() {
        crate::users::tests::each_backend(|conn| {
            for n in 1..=4 {
                assert_eq!(
                    count_try(conn, "k", PAIR, at(n)).unwrap(),
                    i32::try_from(n).unwrap()
                );
                assert_eq!(blocked_until(conn, &["k"], at(n)).unwrap(), None);
            }
            assert_eq!(count_try(conn, "k", PAIR, at(5)).unwrap(), 5);
            assert_eq!(
                blocked_until(conn, &["k", "other"], at(5)).unwrap(),
                Some(at(6))
            );
            assert_eq!(blocked_until(conn, &["other"], at(5)).unwrap(), None);
            assert_eq!(blocked_until(conn, &["k"], at(6)).unwrap(), None);
            // A matching password gives its try back and lifts the wait.
            give_back(conn, "k", PAIR).unwrap();
            assert_eq!(blocked_until(conn, &["k"], at(5)).unwrap(), None);
            assert_eq!(count_try(conn, "k", PAIR, at(7)).unwrap(), 5);
            assert_eq!(count_try(conn, "k", PAIR, at(8)).unwrap(), 6);
            assert_eq!(blocked_until(conn, &["k"], at(8)).unwrap(), Some(at(10)));
            // An hour without tries starts again from one.
            assert_eq!(count_try(conn, "k", PAIR, at(8 + 3601)).unwrap(), 1);
            clear(conn, "k").unwrap();
            assert_eq!(count_try(conn, "k", PAIR, at(9000)).unwrap(), 1);
            assert_eq!(forget_unused(conn, at(9001)).unwrap(), 1);
        });
    }
}
