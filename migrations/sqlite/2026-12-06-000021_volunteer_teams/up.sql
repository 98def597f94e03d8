-- Volunteer teams (帮帮团): a fifth unit kind. SQLite cannot change a CHECK constraint, so
-- units is rebuilt as in 000013 (foreign keys off outside a transaction, the rows copied,
-- the table renamed, its indexes and org-version triggers made again).
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE units_new (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL
                CHECK (kind IN ('grid_team', 'village_committee', 'township_office', 'county_department', 'volunteer_team')),
    region_id   TEXT NOT NULL REFERENCES regions (id),
    grid_id     TEXT REFERENCES grids (id),
    department  TEXT,
    created_at  TIMESTAMP NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT TRUE
);
INSERT INTO units_new (id, name, kind, region_id, grid_id, department, created_at, active)
SELECT id, name, kind, region_id, grid_id, department, created_at, active FROM units;
DROP TABLE units;
ALTER TABLE units_new RENAME TO units;
CREATE INDEX units_region_idx ON units (region_id);
CREATE INDEX units_grid_idx ON units (grid_id);
CREATE TRIGGER units_org_ins AFTER INSERT ON units BEGIN UPDATE org_state SET version = version + 1; END;
CREATE TRIGGER units_org_upd AFTER UPDATE ON units BEGIN UPDATE org_state SET version = version + 1; END;
CREATE TRIGGER units_org_del AFTER DELETE ON units BEGIN UPDATE org_state SET version = version + 1; END;
UPDATE org_state SET version = version + 1;

COMMIT;
PRAGMA foreign_keys = ON;
