-- A grid worker's patrol of her grid against a checklist, and the GPS points her phone sent
-- (one per timestamp: a batch sent again after a lost answer adds nothing).
CREATE TABLE patrols (
    id              TEXT PRIMARY KEY NOT NULL,
    grid_id         TEXT NOT NULL REFERENCES grids (id),
    checklist_id    TEXT NOT NULL REFERENCES patrol_checklists (id),
    walker_id       TEXT NOT NULL REFERENCES users (id),
    started_at      TIMESTAMP NOT NULL,
    -- Set once, when she finishes; with the track's figures at that moment.
    finished_at     TIMESTAMP,
    length_m        DOUBLE PRECISION,
    inside_share    DOUBLE PRECISION
);
CREATE INDEX patrols_walker_idx ON patrols (walker_id, finished_at);
CREATE INDEX patrols_grid_idx ON patrols (grid_id, started_at);

CREATE TABLE patrol_points (
    patrol_id   TEXT NOT NULL REFERENCES patrols (id) ON DELETE CASCADE,
    at          TIMESTAMP NOT NULL,
    lat         DOUBLE PRECISION NOT NULL,
    lon         DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (patrol_id, at)
);
