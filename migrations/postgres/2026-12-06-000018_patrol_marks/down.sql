DROP TABLE patrol_marks;
