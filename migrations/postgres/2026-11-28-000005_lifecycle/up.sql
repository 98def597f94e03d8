-- Lifecycle: the deadlines a report runs on and what the deadline worker did about them, the
-- times of its milestones, its rating, reopen and escalation counts, the duplicate it was
-- rejected for; evidence photos tied to their event; supervision orders (督办).
-- (SQLite cannot drop a column that references another table, so the two new references are
-- kept by the application there and declared only on PostgreSQL.)

-- When the reporter must answer a resolution before it is auto-confirmed.
ALTER TABLE reports ADD COLUMN confirm_by TIMESTAMP;
-- When the yellow light of the running accept or resolve limit comes on (80 %).
ALTER TABLE reports ADD COLUMN warn_at TIMESTAMP;
-- What the deadline worker did about the running limit: NULL nothing yet, yellow, red.
ALTER TABLE reports ADD COLUMN alerted TEXT CHECK (alerted IN ('yellow', 'red'));
-- When the deadline worker next has something to do; NULL: nothing pending.
ALTER TABLE reports ADD COLUMN next_due_at TIMESTAMP;
ALTER TABLE reports ADD COLUMN accepted_at TIMESTAMP;
ALTER TABLE reports ADD COLUMN resolved_at TIMESTAMP;
ALTER TABLE reports ADD COLUMN closed_at TIMESTAMP;
ALTER TABLE reports ADD COLUMN rating INTEGER CHECK (rating BETWEEN 1 AND 5);
ALTER TABLE reports ADD COLUMN rating_text TEXT;
ALTER TABLE reports ADD COLUMN reopen_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN escalation_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN duplicate_of TEXT REFERENCES reports (id);
CREATE INDEX reports_next_due_idx ON reports (next_due_at);
-- Reports made before this migration: their running limit becomes due (no yellow step).
UPDATE reports SET next_due_at = accept_by WHERE status = 'assigned';
UPDATE reports SET next_due_at = resolve_by WHERE status = 'accepted';

-- The event a photo is evidence of (resolve photos); NULL for the report's own photos.
ALTER TABLE media ADD COLUMN event_id TEXT REFERENCES report_events (id);

CREATE TABLE supervision_orders (
    id              TEXT PRIMARY KEY NOT NULL,
    report_id       TEXT NOT NULL REFERENCES reports (id),
    issued_by       TEXT NOT NULL REFERENCES users (id),
    -- The unit the order is addressed to (the report's unit when it was issued).
    unit_id         TEXT REFERENCES units (id),
    -- The report's region path, for scoping lists to a supervisor's region.
    region_path     TEXT NOT NULL,
    note            TEXT NOT NULL,
    reply_by        TIMESTAMP NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'answered', 'closed')),
    -- Set once when the reply deadline passed unanswered and the order went up the ladder.
    escalated_at    TIMESTAMP,
    reply_note      TEXT,
    replied_by      TEXT REFERENCES users (id),
    answered_at     TIMESTAMP,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX supervision_orders_report_idx ON supervision_orders (report_id, status);
CREATE INDEX supervision_orders_due_idx ON supervision_orders (status, reply_by);
CREATE INDEX supervision_orders_region_idx ON supervision_orders (region_path text_pattern_ops);
