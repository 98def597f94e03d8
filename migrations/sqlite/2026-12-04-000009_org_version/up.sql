-- The organisation's version: every change to what routing and escalation read (regions,
-- grids, units, routing rules, supervisors and their units) bumps it, by trigger, so each
-- instance keeps its routing snapshot and grid index in memory and rebuilds them only when
-- the version it read differs. Villagers' accounts do not count (only supervisors do).
CREATE TABLE org_state (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO org_state (id, version) VALUES (1, 1);

CREATE TRIGGER regions_org_ins AFTER INSERT ON regions BEGIN UPDATE org_state SET version = version + 1; END;
CREATE TRIGGER regions_org_upd AFTER UPDATE ON regions BEGIN UPDATE org_state SET version = version + 1; END;
CREATE TRIGGER regions_org_del AFTER DELETE ON regions BEGIN UPDATE org_state SET version = version + 1; END;
CREATE TRIGGER grids_org_ins AFTER INSERT ON grids BEGIN UPDATE org_state SET version = version + 1; END;
CREATE TRIGGER grids_org_upd AFTER UPDATE ON grids BEGIN UPDATE org_state SET version = version + 1; END;
CREATE TRIGGER grids_org_del AFTER DELETE ON grids BEGIN UPDATE org_state SET version = version + 1; END;
CREATE TRIGGER units_org_ins AFTER INSERT ON units BEGIN UPDATE org_state SET version = version + 1; END;
CREATE TRIGGER units_org_upd AFTER UPDATE ON units BEGIN UPDATE org_state SET version = version + 1; END;
CREATE TRIGGER units_org_del AFTER DELETE ON units BEGIN UPDATE org_state SET version = version + 1; END;
CREATE TRIGGER routing_rules_org_ins AFTER INSERT ON routing_rules BEGIN UPDATE org_state SET version = version + 1; END;
CREATE TRIGGER routing_rules_org_upd AFTER UPDATE ON routing_rules BEGIN UPDATE org_state SET version = version + 1; END;
CREATE TRIGGER routing_rules_org_del AFTER DELETE ON routing_rules BEGIN UPDATE org_state SET version = version + 1; END;
CREATE TRIGGER user_units_org_ins AFTER INSERT ON user_units BEGIN UPDATE org_state SET version = version + 1; END;
CREATE TRIGGER user_units_org_upd AFTER UPDATE ON user_units BEGIN UPDATE org_state SET version = version + 1; END;
CREATE TRIGGER user_units_org_del AFTER DELETE ON user_units BEGIN UPDATE org_state SET version = version + 1; END;
CREATE TRIGGER users_org_ins AFTER INSERT ON users WHEN NEW.role = 'supervisor'
    BEGIN UPDATE org_state SET version = version + 1; END;
CREATE TRIGGER users_org_upd AFTER UPDATE OF role, status ON users
    WHEN OLD.role = 'supervisor' OR NEW.role = 'supervisor'
    BEGIN UPDATE org_state SET version = version + 1; END;
CREATE TRIGGER users_org_del AFTER DELETE ON users WHEN OLD.role = 'supervisor'
    BEGIN UPDATE org_state SET version = version + 1; END;
