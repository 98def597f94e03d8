DROP INDEX reports_created_idx;
