DROP TABLE case_sequences;
DROP TABLE idempotency_keys;
DROP TABLE report_followers;
DROP TABLE media;
DROP TABLE report_events;
DROP TABLE reports;
ALTER TABLE categories DROP COLUMN public;
ALTER TABLE regions DROP COLUMN case_prefix;
