-- Back to four kinds: the old schema has no volunteer teams, so they become village
-- committees (their rows, members and reports are kept).
ALTER TABLE units DROP CONSTRAINT units_kind_check;
UPDATE units SET kind = 'village_committee' WHERE kind = 'volunteer_team';
ALTER TABLE units ADD CONSTRAINT units_kind_check
    CHECK (kind IN ('grid_team', 'village_committee', 'township_office', 'county_department'));
