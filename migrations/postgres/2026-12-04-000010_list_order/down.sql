DROP INDEX reports_reporter_idx;
CREATE INDEX reports_reporter_idx ON reports (reporter_id, id);
DROP INDEX reports_created_idx;
CREATE INDEX reports_created_idx ON reports (created_at);
