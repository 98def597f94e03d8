-- KPI roll-ups (GET /v1/stats/*): per region subtree and Beijing day of receipt, the counts
-- and whole-minute histograms of the reports received that day in that subtree, as the live
-- KPI queries would count them. Kept in step by every report change (the fan-out step of
-- its transaction) and rebuilt whole at start-up while stats_state says 'stale'.
CREATE TABLE stats_days (
    -- The subtree's materialised path; byte order, so a path prefix is an index range.
    region_path TEXT NOT NULL,
    -- YYYY-MM-DD, the Beijing date of created_at.
    day TEXT NOT NULL,
    -- Segments in region_path (1 for a top-level region).
    depth INTEGER NOT NULL,
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
    PRIMARY KEY (region_path, day)
);
-- The children of a region: one depth, a path range, a period.
CREATE INDEX stats_days_depth_idx ON stats_days (depth, region_path, day);

CREATE TABLE stats_state (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- Reports received before this migration are not rolled up yet.
INSERT INTO stats_state (name, value) VALUES ('rollups', 'stale');
