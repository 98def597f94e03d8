-- Nothing to do here: PostgreSQL has had these keys since the tables were made. The SQLite
-- twin of this migration gives SQLite the same (see migrations/sqlite/…_sqlite_keys).
SELECT 1;
