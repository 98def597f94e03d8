-- Every role's report list walks (created_at, id) newest first and stops after a page; "my
-- reports" walks (reporter_id, created_at, id). Both give the list's order with no sort.
DROP INDEX reports_created_idx;
CREATE INDEX reports_created_idx ON reports (created_at, id);
DROP INDEX reports_reporter_idx;
CREATE INDEX reports_reporter_idx ON reports (reporter_id, created_at, id);
