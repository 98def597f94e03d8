-- Identity and access: accounts and their units, one-time codes, refresh tokens, API clients,
-- the audit log. Portable types only (TEXT ids and enums, TIMESTAMP holding UTC).

CREATE TABLE users (
    id              TEXT PRIMARY KEY NOT NULL,
    display_name    TEXT NOT NULL,
    role            TEXT NOT NULL
                    CHECK (role IN ('villager', 'grid_worker', 'unit_staff', 'supervisor', 'admin')),
    status          TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
    -- Normalised 11-digit mobile number.
    phone           TEXT UNIQUE,
    -- Staff log-in name and password hash (PHC string).
    username        TEXT UNIQUE,
    password_hash   TEXT,
    wechat_openid   TEXT UNIQUE,
    wechat_unionid  TEXT,
    -- Consecutive failed password log-ins since the last success or lock.
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    locked_until    TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);

CREATE TABLE user_units (
    user_id     TEXT NOT NULL REFERENCES users (id),
    unit_id     TEXT NOT NULL REFERENCES units (id),
    PRIMARY KEY (user_id, unit_id)
);
CREATE INDEX user_units_unit_idx ON user_units (unit_id);

-- SMS log-in codes; only a hash of the code is kept.
CREATE TABLE otp_codes (
    id              TEXT PRIMARY KEY NOT NULL,
    phone           TEXT NOT NULL,
    code_hash       TEXT NOT NULL,
    requester_ip    TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    expires_at      TIMESTAMP NOT NULL,
    used_at         TIMESTAMP,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX otp_codes_phone_idx ON otp_codes (phone, created_at);
CREATE INDEX otp_codes_ip_idx ON otp_codes (requester_ip, created_at);

-- Rotating refresh tokens; a family is one log-in's chain of rotations.
CREATE TABLE refresh_tokens (
    id          TEXT PRIMARY KEY NOT NULL,
    family_id   TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id),
    token_hash  TEXT NOT NULL UNIQUE,
    expires_at  TIMESTAMP NOT NULL,
    used_at     TIMESTAMP,
    revoked_at  TIMESTAMP,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

-- Third-party systems using client credentials; `id` is the client_id.
CREATE TABLE api_clients (
    id                      TEXT PRIMARY KEY NOT NULL,
    name                    TEXT NOT NULL,
    secret_hash             TEXT NOT NULL,
    -- Space-separated scope names.
    scopes                  TEXT NOT NULL,
    region_id               TEXT NOT NULL REFERENCES regions (id),
    rate_limit_per_minute   INTEGER NOT NULL CHECK (rate_limit_per_minute > 0),
    status                  TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
    created_at              TIMESTAMP NOT NULL,
    secret_rotated_at       TIMESTAMP NOT NULL
);

CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY NOT NULL,
    at          TIMESTAMP NOT NULL,
    actor       TEXT,
    action      TEXT NOT NULL,
    subject     TEXT,
    ip          TEXT,
    -- JSON object text.
    details     TEXT NOT NULL
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
