-- KPI roll-ups (GET /v1/stats/*): per region subtree and Beijing day of receipt, the counts
-- and whole-minute histograms of the reports received that day in that subtree, as the live
-- KPI queries would count them. Kept in step by every report change (the fan-out step of
-- its transaction) and rebuilt whole at start-up while stats_state says 'stale'.
CREATE TABLE stats_days (
    -- The region whose subtree the row counts.
    region_id TEXT NOT NULL,
    -- Its parent (NULL at the top), so that a region's children are one index range.
    parent_id TEXT,
    -- YYYY-MM-DD, the Beijing date of created_at.
    day TEXT NOT NULL,
    received BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    resolved BIGINT NOT NULL,
    closed BIGINT NOT NULL,
    on_time BIGINT NOT NULL,
    rated BIGINT NOT NULL,
    satisfied BIGINT NOT NULL,
    reopened BIGINT NOT NULL,
    escalations BIGINT NOT NULL,
    -- JSON [[minutes, reports], ...], ascending.
    accept_minutes TEXT NOT NULL,
    resolve_minutes TEXT NOT NULL,
    PRIMARY KEY (region_id, day)
);
CREATE INDEX stats_days_parent_idx ON stats_days (parent_id, day);

CREATE TABLE stats_state (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- Reports received before this migration are not rolled up yet.
INSERT INTO stats_state (name, value) VALUES ('rollups', 'stale');
