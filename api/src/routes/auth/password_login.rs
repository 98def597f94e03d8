//! Staff log-in with a password, throttled by (account, address) and by address with
//! exponential backoff — never a lock on the account, so nobody can lock the county's admin
//! out — and answering unknown and known usernames alike, so log-in cannot list staff.
//!
//! A try is counted before the slow password check (parallel guesses cannot slip past the
//! allowance) and given back when the password matches. Keys are keyed hashes of the username
//! tried and the caller's address: unknown usernames count exactly like real ones.

use chrono::{DateTime, Duration, Utc};
use cunxiang_storage::login_throttle::{self, Policy};
use serde_json::json;

use super::{finish_login, refuse_unless_active};
use crate::audit;
use crate::auth::password;
use crate::auth::session::TokenResponse;
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use actix_web::web;

/// One username from one address: 5 failures free, then 1 s doubling up to 15 minutes.
pub const PER_ACCOUNT_AND_ADDRESS: Policy = Policy {
    free: 5,
    max_wait_secs: 15 * 60,
    window_secs: 3600,
};

/// One address, whatever usernames it tries (password spraying; an office behind one NAT
/// address shares it): 30 failures free, then the same backoff.
pub const PER_ADDRESS: Policy = Policy {
    free: 30,
    max_wait_secs: 15 * 60,
    window_secs: 3600,
};

/// Keys not used for a day are deleted when a try fails.
const FORGET_AFTER_HOURS: i64 = 24;

/// The throttle keys of one try.
struct Keys {
    pair: String,
    address: String,
}

/// Logs a staff member in with `username` and `password_given` from address `ip`: 429 with
/// `Retry-After` while the pair or the address waits out its backoff, 401 for any wrong
/// username or password, 403 for a disabled account with the right password.
pub(super) async fn login_with_password(
    state: web::Data<AppState>,
    ip: String,
    username: String,
    password_given: String,
) -> Result<TokenResponse, ApiError> {
    let name = username.chars().take(64).collect::<String>();
    let keys = Keys {
        pair: state.keys.keyed_hash(&["login-pair", &name, &ip]),
        address: state.keys.keyed_hash(&["login-address", &ip]),
    };
    let now = state.clock.now();
    let (lookup, ip2) = (name.clone(), ip.clone());
    let (pair, address) = (keys.pair.clone(), keys.address.clone());
    let found = state
        .db(move |conn| {
            let counted = cunxiang_storage::conn::transaction(conn, |conn| {
                let waiting = login_throttle::blocked_until(conn, &[&pair, &address], now)?;
                if let Some(until) = waiting {
                    return Ok::<_, ApiError>(Err(until));
                }
                login_throttle::count_try(conn, &pair, PER_ACCOUNT_AND_ADDRESS, now)?;
                login_throttle::count_try(conn, &address, PER_ADDRESS, now)?;
                Ok(Ok(()))
            })?;
            if let Err(until) = counted {
                let details = json!({ "method": "password", "reason": "throttled" });
                audit::record(conn, None, "login_failed", Some(&lookup), &ip2, details)?;
                return Err(throttled(until, now));
            }
            Ok(cunxiang_storage::users::login_state(conn, &lookup)?)
        })
        .await?;
    let stored = found.as_ref().and_then(|s| s.password_hash.clone());
    let ok = check_password(&state, password_given, stored).await?;
    let st = state.clone();
    state
        .db(move |conn| {
            let Some(login) = found.filter(|_| ok) else {
                login_throttle::forget_unused(conn, now - Duration::hours(FORGET_AFTER_HOURS))?;
                let details = json!({ "method": "password", "reason": "wrong credentials" });
                audit::record(conn, None, "login_failed", Some(&name), &ip, details)?;
                return Err(ApiError::unauthorized(
                    ErrorCode::InvalidCredentials,
                    "wrong username or password",
                ));
            };
            login_throttle::clear(conn, &keys.pair)?;
            login_throttle::give_back(conn, &keys.address, PER_ADDRESS)?;
            refuse_unless_active(conn, &login.user, &ip, "password")?;
            finish_login(conn, &st, login.user, &ip, "password")
        })
        .await
}

/// 429 `too_many_attempts`, with `Retry-After` the whole seconds left (at least one).
fn throttled(until: DateTime<Utc>, now: DateTime<Utc>) -> ApiError {
    let left = until - now;
    let secs = left.num_seconds() + i64::from(left.subsec_nanos() > 0);
    ApiError::too_many(
        ErrorCode::TooManyAttempts,
        "too many failed log-ins; wait before trying again",
        secs.max(1),
    )
}

/// Runs the argon2 check on the blocking pool, at most a few at a time: a flood of log-ins
/// queues here (503 after 10 s) instead of exhausting memory and starving database calls.
async fn check_password(
    state: &AppState,
    given: String,
    stored: Option<String>,
) -> Result<bool, ApiError> {
    let permit = actix_web::rt::time::timeout(
        std::time::Duration::from_secs(10),
        state.password_checks.clone().acquire_owned(),
    )
    .await
    .map_err(|_| ApiError::unavailable(anyhow::anyhow!("password checks saturated")))?
    .map_err(ApiError::internal)?;
    let ok = web::block(move || password::verify(&given, stored.as_deref())).await?;
    drop(permit);
    Ok(ok)
}
