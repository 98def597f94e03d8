-- Password log-in throttling by keyed hashes of (account, address) and of the address alone,
-- with backoff, instead of a hard lock on the account: a lock let anyone lock the county's
-- admin out, and only real usernames locked, which told an attacker which exist.
CREATE TABLE login_throttle (
    -- HMAC of the key's parts ("pair", username, address / "address", address): neither the
    -- username tried nor the address is kept in clear.
    key             TEXT PRIMARY KEY NOT NULL,
    -- Failed tries in the current window (a try is counted before its password is checked
    -- and given back when it succeeds, so parallel guesses cannot slip past the allowance).
    failures        INTEGER NOT NULL,
    -- No try is checked before this time.
    blocked_until   TIMESTAMP,
    -- The last counted try: a key unused for a window starts again from zero.
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX login_throttle_updated_idx ON login_throttle (updated_at);

ALTER TABLE users DROP COLUMN failed_logins;
ALTER TABLE users DROP COLUMN locked_until;
