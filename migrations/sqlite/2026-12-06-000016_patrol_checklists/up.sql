-- Grid patrols (网格巡查): checklists of items grouped in sections, each item naming the
-- category a problem found there becomes; and how often each grid is patrolled against which
-- checklist.
CREATE TABLE patrol_checklists (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    -- The region whose grids it is meant for (its subtree).
    region_id   TEXT NOT NULL REFERENCES regions (id),
    active      BOOLEAN NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE patrol_items (
    id              TEXT PRIMARY KEY NOT NULL,
    checklist_id    TEXT NOT NULL REFERENCES patrol_checklists (id) ON DELETE CASCADE,
    -- Order within the checklist (0-based); sections follow the order of their first item.
    position        INTEGER NOT NULL,
    section         TEXT NOT NULL,
    title           TEXT NOT NULL,
    instruction     TEXT NOT NULL,
    category_code   TEXT NOT NULL REFERENCES categories (code),
    UNIQUE (checklist_id, position)
);

CREATE TABLE patrol_schedules (
    grid_id         TEXT NOT NULL REFERENCES grids (id),
    checklist_id    TEXT NOT NULL REFERENCES patrol_checklists (id) ON DELETE CASCADE,
    frequency       TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly', 'monthly')),
    PRIMARY KEY (grid_id, checklist_id)
);
CREATE INDEX patrol_schedules_checklist_idx ON patrol_schedules (checklist_id);
