ALTER TABLE categories DROP COLUMN workflow;
