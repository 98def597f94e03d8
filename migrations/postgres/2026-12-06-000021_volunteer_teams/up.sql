-- Volunteer teams (帮帮团): a fifth unit kind.
ALTER TABLE units DROP CONSTRAINT units_kind_check;
ALTER TABLE units ADD CONSTRAINT units_kind_check
    CHECK (kind IN ('grid_team', 'village_committee', 'township_office', 'county_department', 'volunteer_team'));
