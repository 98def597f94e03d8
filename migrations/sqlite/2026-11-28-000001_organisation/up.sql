-- The organisation model: regions, grids, units, categories.
-- Portable types only (TEXT ids and enums, TIMESTAMP holding UTC); see DESIGN.md §3.

CREATE TABLE regions (
    id          TEXT PRIMARY KEY NOT NULL,
    code        TEXT UNIQUE,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('county', 'township', 'village', 'group')),
    parent_id   TEXT REFERENCES regions (id),
    -- '/<root id>/…/<own id>/': subtree queries are prefix matches.
    path        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX regions_parent_idx ON regions (parent_id);
CREATE INDEX regions_path_idx ON regions (path);

CREATE TABLE grids (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    region_id   TEXT NOT NULL REFERENCES regions (id),
    geometry    TEXT NOT NULL,
    min_lon     DOUBLE PRECISION NOT NULL,
    min_lat     DOUBLE PRECISION NOT NULL,
    max_lon     DOUBLE PRECISION NOT NULL,
    max_lat     DOUBLE PRECISION NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX grids_region_idx ON grids (region_id);

CREATE TABLE units (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL
                CHECK (kind IN ('grid_team', 'village_committee', 'township_office', 'county_department')),
    region_id   TEXT NOT NULL REFERENCES regions (id),
    grid_id     TEXT REFERENCES grids (id),
    department  TEXT,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX units_region_idx ON units (region_id);
CREATE INDEX units_grid_idx ON units (grid_id);

CREATE TABLE categories (
    code                    TEXT PRIMARY KEY NOT NULL,
    name                    TEXT NOT NULL,
    name_en                 TEXT NOT NULL,
    start_level             TEXT NOT NULL
                            CHECK (start_level IN ('county', 'township', 'village', 'group')),
    accept_within_minutes   INTEGER NOT NULL CHECK (accept_within_minutes > 0),
    resolve_within_minutes  INTEGER NOT NULL CHECK (resolve_within_minutes > 0),
    evidence_required       BOOLEAN NOT NULL,
    department              TEXT,
    sort_order              INTEGER NOT NULL DEFAULT 0,
    active                  BOOLEAN NOT NULL DEFAULT TRUE,
    created_at              TIMESTAMP NOT NULL
);
