-- When a grid was scheduled (its first period is free: nobody is late for a patrol asked
-- for mid-week; null for schedules made before this column existed), and the light the
-- deadline worker last raised for it: once per period, yellow then red.
ALTER TABLE patrol_schedules ADD COLUMN created_at TIMESTAMP;
ALTER TABLE patrol_schedules ADD COLUMN alert TEXT CHECK (alert IN ('yellow', 'red'));
ALTER TABLE patrol_schedules ADD COLUMN alert_period TIMESTAMP;
ALTER TABLE patrol_schedules ADD COLUMN alerted_at TIMESTAMP;
