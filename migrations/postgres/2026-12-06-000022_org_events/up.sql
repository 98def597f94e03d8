-- Organisation events: things that happen to the organisation rather than to one report
-- (a grid's late patrol), fanned out through the same feed and outbox as report events.
-- A feed row or delivery names either a report event (event_id, report_id) or an
-- organisation event (org_event_id).
CREATE TABLE org_events (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('patrol_overdue')),
    region_path TEXT NOT NULL,
    grid_id TEXT REFERENCES grids(id) ON DELETE CASCADE,
    details TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX org_events_grid_idx ON org_events (grid_id);

ALTER TABLE event_recipients
    ALTER COLUMN event_id DROP NOT NULL,
    ALTER COLUMN report_id DROP NOT NULL,
    ALTER COLUMN status DROP NOT NULL,
    ADD COLUMN org_event_id TEXT REFERENCES org_events(id) ON DELETE CASCADE,
    ADD CONSTRAINT event_recipients_report_pair CHECK ((event_id IS NULL) = (report_id IS NULL)),
    ADD CONSTRAINT event_recipients_one_event CHECK ((event_id IS NULL) <> (org_event_id IS NULL));
CREATE INDEX event_recipients_org_event_idx ON event_recipients (org_event_id);

ALTER TABLE deliveries
    ALTER COLUMN event_id DROP NOT NULL,
    ALTER COLUMN report_id DROP NOT NULL,
    ADD COLUMN org_event_id TEXT REFERENCES org_events(id) ON DELETE CASCADE,
    ADD CONSTRAINT deliveries_report_pair CHECK ((event_id IS NULL) = (report_id IS NULL)),
    ADD CONSTRAINT deliveries_one_event CHECK ((event_id IS NULL) <> (org_event_id IS NULL));
CREATE INDEX deliveries_org_event_idx ON deliveries (org_event_id);
