-- Push: who each timeline event goes to (the live stream reads this by user and sequence),
-- the webhooks partners register, and the outbox of deliveries to webhooks, WeChat and SMS.

-- One row per (event, recipient). `seq` orders the live stream and is its `id:`; writers
-- take a lock before inserting here so that sequence order is commit order.
CREATE TABLE event_recipients (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL REFERENCES report_events(id) ON DELETE CASCADE,
    report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    status TEXT NOT NULL
);
CREATE INDEX event_recipients_user_idx ON event_recipients (user_id, seq);
CREATE INDEX event_recipients_event_idx ON event_recipients (event_id);
CREATE INDEX event_recipients_report_idx ON event_recipients (report_id);

CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    -- JSON array of event kinds; [] means every event a reporter may see.
    event_types TEXT NOT NULL,
    region_id TEXT REFERENCES regions(id),
    secret TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The outbox: written in the transaction of the change; the delivery worker sends what is
-- pending and due. `target` is the webhook id (webhook) or the user id (wechat, sms).
CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
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
CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_status_idx ON deliveries (status, id);
CREATE INDEX deliveries_event_idx ON deliveries (event_id);
CREATE INDEX deliveries_report_idx ON deliveries (report_id);
