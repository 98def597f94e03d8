DROP TABLE patrol_schedules;
DROP TABLE patrol_items;
DROP TABLE patrol_checklists;
