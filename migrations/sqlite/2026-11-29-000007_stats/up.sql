-- KPIs (GET /v1/stats/*) select the reports received in a period, within region subtrees.
CREATE INDEX reports_created_idx ON reports (created_at);
