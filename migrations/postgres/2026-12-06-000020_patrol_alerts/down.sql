ALTER TABLE patrol_schedules DROP COLUMN alerted_at;
ALTER TABLE patrol_schedules DROP COLUMN alert_period;
ALTER TABLE patrol_schedules DROP COLUMN alert;
ALTER TABLE patrol_schedules DROP COLUMN created_at;
