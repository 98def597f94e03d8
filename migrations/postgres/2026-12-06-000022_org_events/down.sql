-- Back to report events only: organisation events and what they owed are dropped.
DELETE FROM event_recipients WHERE org_event_id IS NOT NULL;
DELETE FROM deliveries WHERE org_event_id IS NOT NULL;
DROP INDEX event_recipients_org_event_idx;
DROP INDEX deliveries_org_event_idx;
ALTER TABLE event_recipients
    DROP CONSTRAINT event_recipients_one_event,
    DROP CONSTRAINT event_recipients_report_pair,
    DROP COLUMN org_event_id,
    ALTER COLUMN event_id SET NOT NULL,
    ALTER COLUMN report_id SET NOT NULL,
    ALTER COLUMN status SET NOT NULL;
ALTER TABLE deliveries
    DROP CONSTRAINT deliveries_one_event,
    DROP CONSTRAINT deliveries_report_pair,
    DROP COLUMN org_event_id,
    ALTER COLUMN event_id SET NOT NULL,
    ALTER COLUMN report_id SET NOT NULL;
DROP TABLE org_events;
