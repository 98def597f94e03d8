-- Routing rules: (category or any, region subtree) → unit. Units and grids can be disabled
-- rather than deleted, because reports and rules keep pointing at them.

ALTER TABLE units ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE grids ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;

CREATE TABLE routing_rules (
    id             TEXT PRIMARY KEY NOT NULL,
    number         BIGINT NOT NULL UNIQUE,
    category_code  TEXT REFERENCES categories (code),
    region_id      TEXT NOT NULL REFERENCES regions (id),
    unit_id        TEXT NOT NULL REFERENCES units (id),
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX routing_rules_region_idx ON routing_rules (region_id);
