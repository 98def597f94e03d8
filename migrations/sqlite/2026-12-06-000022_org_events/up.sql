-- Organisation events: things that happen to the organisation rather than to one report
-- (a grid's late patrol), fanned out through the same feed and outbox as report events.
-- A feed row or delivery names either a report event (event_id, report_id) or an
-- organisation event (org_event_id). SQLite cannot drop NOT NULL, so both tables are rebuilt
-- with their rows, sequence and indexes; nothing references them, so foreign keys may stay on.
CREATE TABLE org_events (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('patrol_overdue')),
    region_path TEXT NOT NULL,
    grid_id TEXT REFERENCES grids(id) ON DELETE CASCADE,
    details TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX org_events_grid_idx ON org_events (grid_id);

CREATE TABLE event_recipients_new (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT REFERENCES report_events(id) ON DELETE CASCADE,
    report_id TEXT REFERENCES reports(id) ON DELETE CASCADE,
    org_event_id TEXT REFERENCES org_events(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    status TEXT,
    CHECK ((event_id IS NULL) = (report_id IS NULL)),
    CHECK ((event_id IS NULL) <> (org_event_id IS NULL))
);
INSERT INTO event_recipients_new (seq, event_id, report_id, user_id, reason, status)
SELECT seq, event_id, report_id, user_id, reason, status FROM event_recipients;
-- Keep the sequence where it was (rows above the last one left may have been deleted):
-- a stream's Last-Event-ID must never be reused.
DELETE FROM sqlite_sequence WHERE name = 'event_recipients_new';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'event_recipients_new', seq FROM sqlite_sequence WHERE name = 'event_recipients';
DROP TABLE event_recipients;
ALTER TABLE event_recipients_new RENAME TO event_recipients;
CREATE INDEX event_recipients_user_idx ON event_recipients (user_id, seq);
CREATE INDEX event_recipients_event_idx ON event_recipients (event_id);
CREATE INDEX event_recipients_report_idx ON event_recipients (report_id);
CREATE INDEX event_recipients_org_event_idx ON event_recipients (org_event_id);

CREATE TABLE deliveries_new (
    id TEXT PRIMARY KEY NOT NULL,
    event_id TEXT REFERENCES report_events(id) ON DELETE CASCADE,
    report_id TEXT REFERENCES reports(id) ON DELETE CASCADE,
    org_event_id TEXT REFERENCES org_events(id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    target TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    CHECK ((event_id IS NULL) = (report_id IS NULL)),
    CHECK ((event_id IS NULL) <> (org_event_id IS NULL))
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
CREATE INDEX deliveries_org_event_idx ON deliveries (org_event_id);
