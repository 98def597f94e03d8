-- Intake: photos (media), reports with their timeline (report_events), followers ("me too"),
-- idempotency keys for retried submissions and the daily case-number sequences.
-- Portable types only (TEXT ids and enums, TIMESTAMP holding UTC).

-- Short prefix of a county's case numbers (YJ-20261128-0042); NULL: the region code is used.
ALTER TABLE regions ADD COLUMN case_prefix TEXT;
-- Whether other villagers may see reports of this category (without reporter identity).
ALTER TABLE categories ADD COLUMN public BOOLEAN NOT NULL DEFAULT TRUE;

CREATE TABLE reports (
    id                  TEXT PRIMARY KEY NOT NULL,
    case_number         TEXT NOT NULL UNIQUE,
    -- The villager the report is about; for 代办 the account of the phone given.
    reporter_id         TEXT NOT NULL REFERENCES users (id),
    -- Who pressed 上报: the reporter, or the staff member reporting on her behalf.
    submitted_by        TEXT NOT NULL REFERENCES users (id),
    category_code       TEXT NOT NULL REFERENCES categories (code),
    description         TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN
                        ('submitted', 'assigned', 'accepted', 'resolved', 'closed', 'returned', 'rejected')),
    -- WGS-84; NULL when neither the phone nor the photos gave a location.
    lat                 DOUBLE PRECISION,
    lon                 DOUBLE PRECISION,
    accuracy_m          DOUBLE PRECISION,
    location_source     TEXT CHECK (location_source IN ('device', 'photo_exif')),
    address             TEXT,
    grid_id             TEXT REFERENCES grids (id),
    -- The region the report lies in (the grid's region, else the dispatch region), and its
    -- materialised path for subtree scoping.
    region_id           TEXT NOT NULL REFERENCES regions (id),
    region_path         TEXT NOT NULL,
    -- Responsible unit and ladder level; NULL while in a dispatch queue.
    unit_id             TEXT REFERENCES units (id),
    level               TEXT CHECK (level IN ('county', 'township', 'village', 'group')),
    anonymous           BOOLEAN NOT NULL,
    channel             TEXT NOT NULL CHECK (channel IN
                        ('mini_program', 'app', 'h5', 'patrol', 'hotline', 'open311')),
    follower_count      INTEGER NOT NULL DEFAULT 0,
    -- Optimistic concurrency: every change bumps it.
    version             INTEGER NOT NULL DEFAULT 1,
    accept_by           TIMESTAMP,
    resolve_by          TIMESTAMP,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX reports_reporter_idx ON reports (reporter_id, id);
CREATE INDEX reports_region_path_idx ON reports (region_path text_pattern_ops);
CREATE INDEX reports_unit_idx ON reports (unit_id, status);
CREATE INDEX reports_status_idx ON reports (status, category_code);
CREATE INDEX reports_location_idx ON reports (category_code, lat, lon);

CREATE TABLE report_events (
    id          TEXT PRIMARY KEY NOT NULL,
    report_id   TEXT NOT NULL REFERENCES reports (id),
    kind        TEXT NOT NULL,
    actor_id    TEXT REFERENCES users (id),
    unit_id     TEXT REFERENCES units (id),
    note        TEXT,
    -- JSON object text (routing reason, target unit, rating …).
    details     TEXT NOT NULL,
    -- Internal events (supervisor notes) are not shown to the reporter.
    internal    BOOLEAN NOT NULL DEFAULT FALSE,
    at          TIMESTAMP NOT NULL
);
CREATE INDEX report_events_report_idx ON report_events (report_id, id);

CREATE TABLE media (
    id                  TEXT PRIMARY KEY NOT NULL,
    uploader_id         TEXT NOT NULL REFERENCES users (id),
    -- SHA-256 (hex) of the uploaded bytes: the same upload by the same user is the same media.
    sha256              TEXT NOT NULL,
    format              TEXT NOT NULL,
    bytes               BIGINT NOT NULL,
    width               INTEGER NOT NULL,
    height              INTEGER NOT NULL,
    -- Blob keys (SHA-256 of the re-encoded JPEGs) and their sizes.
    display_key         TEXT NOT NULL,
    display_width       INTEGER NOT NULL,
    display_height      INTEGER NOT NULL,
    thumb_key           TEXT NOT NULL,
    thumb_width         INTEGER NOT NULL,
    thumb_height        INTEGER NOT NULL,
    -- Kept only when configured (it carries the original metadata).
    original_key        TEXT,
    -- 64-bit perceptual hash of the thumbnail, as a signed integer.
    phash               BIGINT NOT NULL,
    -- From EXIF: capture time (UTC) and GPS (WGS-84). Shown to the uploader only (kept for
    -- the evidence checks of resolve photos).
    captured_at         TIMESTAMP,
    gps_lat             DOUBLE PRECISION,
    gps_lon             DOUBLE PRECISION,
    -- The report it belongs to once attached, and its place among the report's photos.
    report_id           TEXT REFERENCES reports (id),
    position            INTEGER,
    created_at          TIMESTAMP NOT NULL
);
-- The same bytes from the same uploader are the same photo until it is attached to a report;
-- afterwards a new upload makes a new photo (a rejected report's photo can be sent again).
CREATE UNIQUE INDEX media_unattached_idx ON media (uploader_id, sha256) WHERE report_id IS NULL;
CREATE INDEX media_report_idx ON media (report_id, position);

CREATE TABLE report_followers (
    report_id   TEXT NOT NULL REFERENCES reports (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (report_id, user_id)
);
CREATE INDEX report_followers_user_idx ON report_followers (user_id);

-- A retried POST /v1/reports with the same key returns the report made the first time.
CREATE TABLE idempotency_keys (
    user_id         TEXT NOT NULL REFERENCES users (id),
    idem_key        TEXT NOT NULL,
    -- SHA-256 of the canonical request body: another body under the same key is a conflict.
    request_hash    TEXT NOT NULL,
    report_id       TEXT NOT NULL REFERENCES reports (id),
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);

-- Daily sequences behind case numbers, per prefix and local (UTC+8) day.
CREATE TABLE case_sequences (
    prefix      TEXT NOT NULL,
    day         TEXT NOT NULL,
    last_value  INTEGER NOT NULL,
    PRIMARY KEY (prefix, day)
);
