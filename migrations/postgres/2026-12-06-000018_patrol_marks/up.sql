-- What a walker found at each item of her patrol's checklist; a problem is filed as a report
-- in the same transaction and linked here. One mark per item and patrol.
CREATE TABLE patrol_marks (
    patrol_id   TEXT NOT NULL REFERENCES patrols (id) ON DELETE CASCADE,
    item_id     TEXT NOT NULL REFERENCES patrol_items (id),
    result      TEXT NOT NULL CHECK (result IN ('ok', 'problem', 'not_applicable')),
    note        TEXT,
    report_id   TEXT REFERENCES reports (id),
    marked_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (patrol_id, item_id)
);
CREATE INDEX patrol_marks_report_idx ON patrol_marks (report_id);
