DROP TABLE routing_rules;
ALTER TABLE grids DROP COLUMN active;
ALTER TABLE units DROP COLUMN active;
