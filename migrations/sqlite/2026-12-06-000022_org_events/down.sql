-- Back to report events only: organisation events and what they owed are dropped.
CREATE TABLE event_recipients_old (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL REFERENCES report_events(id) ON DELETE CASCADE,
    report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    status TEXT NOT NULL
);
INSERT INTO event_recipients_old (seq, event_id, report_id, user_id, reason, status)
SELECT seq, event_id, report_id, user_id, reason, status FROM event_recipients
WHERE event_id IS NOT NULL;
DELETE FROM sqlite_sequence WHERE name = 'event_recipients_old';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'event_recipients_old', seq FROM sqlite_sequence WHERE name = 'event_recipients';
DROP TABLE event_recipients;
ALTER TABLE event_recipients_old RENAME TO event_recipients;
CREATE INDEX event_recipients_user_idx ON event_recipients (user_id, seq);
CREATE INDEX event_recipients_event_idx ON event_recipients (event_id);
CREATE INDEX event_recipients_report_idx ON event_recipients (report_id);

CREATE TABLE deliveries_old (
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
INSERT INTO deliveries_old (id, event_id, report_id, channel, target, payload, status,
    attempts, next_attempt_at, last_error, created_at, updated_at, sent_at)
SELECT id, event_id, report_id, channel, target, payload, status,
    attempts, next_attempt_at, last_error, created_at, updated_at, sent_at
FROM deliveries WHERE event_id IS NOT NULL;
DROP TABLE deliveries;
ALTER TABLE deliveries_old RENAME TO deliveries;
CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_status_idx ON deliveries (status, id);
CREATE INDEX deliveries_event_idx ON deliveries (event_id);
CREATE INDEX deliveries_report_idx ON deliveries (report_id);

DROP TABLE org_events;
