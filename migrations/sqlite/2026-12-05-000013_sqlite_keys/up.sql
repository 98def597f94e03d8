-- SQLite gets the keys PostgreSQL has had from the start: reports.duplicate_of → reports and
-- media.event_id → report_events (left out in 000005, when SQLite could not drop such a
-- column again), and NOT NULL on the text primary keys of webhooks, deliveries and stats_state
-- (SQLite, unlike PostgreSQL, lets a text primary key hold NULL unless told otherwise).
--
-- SQLite cannot add a constraint to a table, so each table is rebuilt: a new table with the
-- constraints, the rows copied, the old table dropped, the new one renamed, its indexes made
-- again. Dropping a table that others reference (reports) would delete their rows through
-- ON DELETE CASCADE while foreign keys are enforced, and enforcement can only be switched off
-- outside a transaction: this migration runs outside diesel's (metadata.toml) and opens its
-- own. A reference that points nowhere fails the migration and leaves the database as it was.

PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE reports_new (
    id                  TEXT PRIMARY KEY NOT NULL,
    case_number         TEXT NOT NULL UNIQUE,
    reporter_id         TEXT NOT NULL REFERENCES users (id),
    submitted_by        TEXT NOT NULL REFERENCES users (id),
    category_code       TEXT NOT NULL REFERENCES categories (code),
    description         TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN
                        ('submitted', 'assigned', 'accepted', 'resolved', 'closed', 'returned', 'rejected')),
    lat                 DOUBLE PRECISION,
    lon                 DOUBLE PRECISION,
    accuracy_m          DOUBLE PRECISION,
    location_source     TEXT CHECK (location_source IN ('device', 'photo_exif')),
    address             TEXT,
    grid_id             TEXT REFERENCES grids (id),
    region_id           TEXT NOT NULL REFERENCES regions (id),
    region_path         TEXT NOT NULL,
    unit_id             TEXT REFERENCES units (id),
    level               TEXT CHECK (level IN ('county', 'township', 'village', 'group')),
    anonymous           BOOLEAN NOT NULL,
    channel             TEXT NOT NULL CHECK (channel IN
                        ('mini_program', 'app', 'h5', 'patrol', 'hotline', 'open311')),
    follower_count      INTEGER NOT NULL DEFAULT 0,
    version             INTEGER NOT NULL DEFAULT 1,
    accept_by           TIMESTAMP,
    resolve_by          TIMESTAMP,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    confirm_by          TIMESTAMP,
    warn_at             TIMESTAMP,
    alerted             TEXT CHECK (alerted IN ('yellow', 'red')),
    next_due_at         TIMESTAMP,
    accepted_at         TIMESTAMP,
    resolved_at         TIMESTAMP,
    closed_at           TIMESTAMP,
    rating              INTEGER CHECK (rating BETWEEN 1 AND 5),
    rating_text         TEXT,
    reopen_count        INTEGER NOT NULL DEFAULT 0,
    escalation_count    INTEGER NOT NULL DEFAULT 0,
    duplicate_of        TEXT REFERENCES reports (id)
);
INSERT INTO reports_new (id, case_number, reporter_id, submitted_by, category_code, description,
    status, lat, lon, accuracy_m, location_source, address, grid_id, region_id, region_path,
    unit_id, level, anonymous, channel, follower_count, version, accept_by, resolve_by,
    created_at, updated_at, confirm_by, warn_at, alerted, next_due_at, accepted_at, resolved_at,
    closed_at, rating, rating_text, reopen_count, escalation_count, duplicate_of)
SELECT id, case_number, reporter_id, submitted_by, category_code, description,
    status, lat, lon, accuracy_m, location_source, address, grid_id, region_id, region_path,
    unit_id, level, anonymous, channel, follower_count, version, accept_by, resolve_by,
    created_at, updated_at, confirm_by, warn_at, alerted, next_due_at, accepted_at, resolved_at,
    closed_at, rating, rating_text, reopen_count, escalation_count, duplicate_of
FROM reports;
DROP TABLE reports;
ALTER TABLE reports_new RENAME TO reports;
CREATE INDEX reports_region_path_idx ON reports (region_path);
CREATE INDEX reports_unit_idx ON reports (unit_id, status);
CREATE INDEX reports_status_idx ON reports (status, category_code);
CREATE INDEX reports_location_idx ON reports (category_code, lat, lon);
CREATE INDEX reports_next_due_idx ON reports (next_due_at);
CREATE INDEX reports_created_idx ON reports (created_at, id);
CREATE INDEX reports_reporter_idx ON reports (reporter_id, created_at, id);

CREATE TABLE media_new (
    id                  TEXT PRIMARY KEY NOT NULL,
    uploader_id         TEXT NOT NULL REFERENCES users (id),
    sha256              TEXT NOT NULL,
    format              TEXT NOT NULL,
    bytes               BIGINT NOT NULL,
    width               INTEGER NOT NULL,
    height              INTEGER NOT NULL,
    display_key         TEXT NOT NULL,
    display_width       INTEGER NOT NULL,
    display_height      INTEGER NOT NULL,
    thumb_key           TEXT NOT NULL,
    thumb_width         INTEGER NOT NULL,
    thumb_height        INTEGER NOT NULL,
    original_key        TEXT,
    phash               BIGINT NOT NULL,
    captured_at         TIMESTAMP,
    gps_lat             DOUBLE PRECISION,
    gps_lon             DOUBLE PRECISION,
    report_id           TEXT REFERENCES reports (id),
    position            INTEGER,
    created_at          TIMESTAMP NOT NULL,
    event_id            TEXT REFERENCES report_events (id)
);
INSERT INTO media_new (id, uploader_id, sha256, format, bytes, width, height, display_key,
    display_width, display_height, thumb_key, thumb_width, thumb_height, original_key, phash,
    captured_at, gps_lat, gps_lon, report_id, position, created_at, event_id)
SELECT id, uploader_id, sha256, format, bytes, width, height, display_key,
    display_width, display_height, thumb_key, thumb_width, thumb_height, original_key, phash,
    captured_at, gps_lat, gps_lon, report_id, position, created_at, event_id
FROM media;
DROP TABLE media;
ALTER TABLE media_new RENAME TO media;
CREATE UNIQUE INDEX media_unattached_idx ON media (uploader_id, sha256) WHERE report_id IS NULL;
CREATE INDEX media_report_idx ON media (report_id, position);

CREATE TABLE webhooks_new (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    event_types TEXT NOT NULL,
    region_id TEXT REFERENCES regions(id),
    secret TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO webhooks_new (id, name, url, event_types, region_id, secret, active, created_by,
    created_at, updated_at)
SELECT id, name, url, event_types, region_id, secret, active, created_by, created_at, updated_at
FROM webhooks;
DROP TABLE webhooks;
ALTER TABLE webhooks_new RENAME TO webhooks;

CREATE TABLE deliveries_new (
    id TEXT PRIMARY KEY NOT NULL,
    event_id TEXT NOT NULL REFERENCES report_events(id) ON DELETE CASCADE,
    report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    target TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
INSERT INTO deliveries_new (id, event_id, report_id, channel, target, payload, status,
    attempts, next_attempt_at, last_error, created_at, updated_at, sent_at)
SELECT id, event_id, report_id, channel, target, payload, status,
    attempts, next_attempt_at, last_error, created_at, updated_at, sent_at
FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_status_idx ON deliveries (status, id);
CREATE INDEX deliveries_event_idx ON deliveries (event_id);
CREATE INDEX deliveries_report_idx ON deliveries (report_id);

CREATE TABLE stats_state_new (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
INSERT INTO stats_state_new (name, value) SELECT name, value FROM stats_state;
DROP TABLE stats_state;
ALTER TABLE stats_state_new RENAME TO stats_state;

-- Fails the migration (and so rolls it back) if a row now breaks a key it did not have.
CREATE TEMP TABLE migration_000013_check (
    broken INTEGER NOT NULL CONSTRAINT no_reference_may_point_nowhere CHECK (broken = 0)
);
INSERT INTO migration_000013_check
SELECT count(*) FROM pragma_foreign_key_check('reports');
INSERT INTO migration_000013_check
SELECT count(*) FROM pragma_foreign_key_check('media');
DROP TABLE migration_000013_check;

COMMIT;
PRAGMA foreign_keys = ON;
