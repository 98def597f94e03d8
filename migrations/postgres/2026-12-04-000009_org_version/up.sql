-- The organisation's version: every change to what routing and escalation read (regions,
-- grids, units, routing rules, supervisors and their units) bumps it, by trigger, so each
-- instance keeps its routing snapshot and grid index in memory and rebuilds them only when
-- the version it read differs. Villagers' accounts do not count (only supervisors do).
CREATE TABLE org_state (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO org_state (id, version) VALUES (1, 1);

CREATE FUNCTION org_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE org_state SET version = version + 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER regions_org AFTER INSERT OR UPDATE OR DELETE ON regions
    FOR EACH STATEMENT EXECUTE FUNCTION org_changed();
CREATE TRIGGER grids_org AFTER INSERT OR UPDATE OR DELETE ON grids
    FOR EACH STATEMENT EXECUTE FUNCTION org_changed();
CREATE TRIGGER units_org AFTER INSERT OR UPDATE OR DELETE ON units
    FOR EACH STATEMENT EXECUTE FUNCTION org_changed();
CREATE TRIGGER routing_rules_org AFTER INSERT OR UPDATE OR DELETE ON routing_rules
    FOR EACH STATEMENT EXECUTE FUNCTION org_changed();
CREATE TRIGGER user_units_org AFTER INSERT OR UPDATE OR DELETE ON user_units
    FOR EACH STATEMENT EXECUTE FUNCTION org_changed();
CREATE TRIGGER users_org_ins AFTER INSERT ON users
    FOR EACH ROW WHEN (NEW.role = 'supervisor') EXECUTE FUNCTION org_changed();
CREATE TRIGGER users_org_upd AFTER UPDATE OF role, status ON users
    FOR EACH ROW WHEN (OLD.role = 'supervisor' OR NEW.role = 'supervisor')
    EXECUTE FUNCTION org_changed();
CREATE TRIGGER users_org_del AFTER DELETE ON users
    FOR EACH ROW WHEN (OLD.role = 'supervisor') EXECUTE FUNCTION org_changed();
